// Labels other apps embedded are found wherever they live (XMP, IPTC, EXIF), against files written
// by exiftool, the independent reference; camera boilerplate is not taken for a caption, and broken
// or missing metadata gives empty labels rather than an error.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  iptcText,
  isPlaceholderCaption,
  parseRating,
  readEmbeddedLabels,
  readSidecarLabels,
  type EmbeddedLabels,
} from '../../../electron/core/tags/embedded-keywords.js';
import { tempDir } from '../../support/temp.js';

/** Labels as plain text, for the tests about what is read rather than where from. */
const plain = (l: EmbeddedLabels): { keywords: string[]; caption: string | null } => ({
  keywords: l.keywords.map((k) => k.text),
  caption: l.caption?.text ?? null,
});

const dir = tempDir();
let count = 0;

/** A small JPEG with nothing but pixels, then the given exiftool assignments written into it. */
async function photo(args: string[], format: 'jpeg' | 'png' = 'jpeg'): Promise<string> {
  const path = join(dir, `photo-${++count}.${format === 'jpeg' ? 'jpg' : 'png'}`);
  const img = sharp({ create: { width: 16, height: 12, channels: 3, background: '#c0ffee' } });
  await (format === 'jpeg' ? img.jpeg() : img.png()).toFile(path);
  if (args.length) execFileSync('exiftool', ['-q', '-overwrite_original', ...args, path]);
  return path;
}

/** What exiftool reads from a file: tag name (group:name) → value(s). */
function exiftool(path: string, tags: string[]): Record<string, unknown> {
  const out = JSON.parse(execFileSync('exiftool', ['-j', '-G1', ...tags, path], { encoding: 'utf8' })) as [
    Record<string, unknown>,
  ];
  return out[0];
}
/** exiftool gives one value bare and several as an array. */
const list = (v: unknown): string[] =>
  (v === undefined ? [] : Array.isArray(v) ? (v as unknown[]) : [v]).map((x) => String(x as string | number));

const labels = async (path: string): Promise<{ keywords: string[]; caption: string | null }> =>
  plain(await readEmbeddedLabels(readFileSync(path)));

describe('readEmbeddedLabels', () => {
  it('reads XMP subjects, hierarchical leaves, IPTC keywords and the XMP caption', async () => {
    const path = await photo([
      '-XMP-dc:Subject=beach',
      '-XMP-dc:Subject=Sunset',
      '-XMP-lr:HierarchicalSubject=Places|France|Paris',
      '-XMP-lr:HierarchicalSubject=People|Anna',
      '-IPTC:Keywords=Dog',
      '-IPTC:Keywords=picnic',
      '-XMP-dc:Description=A day at the beach',
      '-EXIF:ImageDescription=Beach day (EXIF)',
    ]);
    // exiftool, reading the same file, sees the same raw values we start from.
    const ref = exiftool(path, ['-XMP-dc:Subject', '-XMP-lr:HierarchicalSubject', '-IPTC:Keywords']);
    const expected = [
      ...list(ref['XMP-dc:Subject']),
      ...list(ref['XMP-lr:HierarchicalSubject']).map((p) => p.split('|').at(-1)),
      ...list(ref['IPTC:Keywords']),
    ];
    const read = await labels(path);
    expect(read.keywords).toEqual(expected);
    expect(read.keywords).toEqual(['beach', 'Sunset', 'Paris', 'Anna', 'Dog', 'picnic']);
    expect(read.caption).toBe('A day at the beach'); // XMP is preferred over EXIF
    // Each label says which field of the file it came from.
    const full = await readEmbeddedLabels(readFileSync(path));
    expect(full.keywords.map((k) => `${k.text} <- ${k.from}`)).toEqual([
      'beach <- XMP dc:subject',
      'Sunset <- XMP dc:subject',
      'Paris <- XMP lr:hierarchicalSubject',
      'Anna <- XMP lr:hierarchicalSubject',
      'Dog <- IPTC Keywords',
      'picnic <- IPTC Keywords',
    ]);
    expect(full.caption).toEqual({ text: 'A day at the beach', from: 'XMP dc:description' });
  });

  it('deduplicates keywords whatever their case, keeping the first spelling', async () => {
    const path = await photo([
      '-XMP-dc:Subject=Beach',
      '-XMP-dc:Subject=Paris',
      '-XMP-lr:HierarchicalSubject=Places|France|PARIS',
      '-XMP-lr:HierarchicalSubject=Nature|beach',
      '-IPTC:Keywords=BEACH',
      '-IPTC:Keywords=Dog',
      '-IPTC:Keywords=dog',
    ]);
    expect((await labels(path)).keywords).toEqual(['Beach', 'Paris', 'Dog']);
  });

  it('reads a single keyword, and non-ASCII text in XMP, EXIF and IPTC', async () => {
    const path = await photo([
      '-XMP-dc:Subject=Café crème 🐕',
      '-EXIF:ImageDescription=Été à Paris',
      '-IPTC:Keywords=Zoë',
    ]);
    expect(await labels(path)).toEqual({ keywords: ['Café crème 🐕', 'Zoë'], caption: 'Été à Paris' });
  });

  it('decodes IPTC written as UTF-8 and as Latin-1 alike', async () => {
    const utf8 = await photo(['-charset', 'iptc=UTF8', '-IPTC:CodedCharacterSet=UTF8', '-IPTC:Keywords=Zoë']);
    const latin1 = await photo(['-charset', 'iptc=Latin', '-IPTC:Keywords=Zoë']);
    expect(list(exiftool(latin1, ['-IPTC:Keywords'])['IPTC:Keywords'])).toEqual(['Zoë']);
    expect((await labels(utf8)).keywords).toEqual(['Zoë']);
    expect((await labels(latin1)).keywords).toEqual(['Zoë']);
    expect(iptcText('plain ascii')).toBe('plain ascii');
    expect(iptcText('caf\u00e9')).toBe('café'); // one Latin-1 byte is not UTF-8: kept as is
  });

  it('falls back to the IPTC caption, then EXIF ImageDescription', async () => {
    const iptc = await photo(['-IPTC:Caption-Abstract=From IPTC', '-EXIF:ImageDescription=From EXIF']);
    expect((await readEmbeddedLabels(readFileSync(iptc))).caption).toEqual({
      text: 'From IPTC',
      from: 'IPTC Caption-Abstract',
    });
    const exif = await photo(['-EXIF:ImageDescription=  Grandma turns 80  ']);
    expect((await readEmbeddedLabels(readFileSync(exif))).caption).toEqual({
      text: 'Grandma turns 80',
      from: 'EXIF ImageDescription',
    });
  });

  it.each([
    'OLYMPUS DIGITAL CAMERA',
    'SONY DSC',
    'KODAK Digital Still Camera',
    '          ',
    'DSC_0042',
    'Canon PowerShot G7', // the camera's own model name
  ])('takes camera boilerplate %j for no caption', async (text) => {
    const path = await photo([
      '-EXIF:Make=Canon',
      '-EXIF:Model=Canon PowerShot G7',
      `-EXIF:ImageDescription=${text}`,
    ]);
    expect(exiftool(path, ['-EXIF:ImageDescription'])['IFD0:ImageDescription']).toBeDefined();
    expect((await labels(path)).caption).toBeNull();
  });

  it('skips boilerplate an app copied into XMP, and uses the next real caption', async () => {
    const path = await photo([
      '-XMP-dc:Description=OLYMPUS DIGITAL CAMERA',
      '-EXIF:ImageDescription=Lake Bled at dawn',
    ]);
    expect((await labels(path)).caption).toBe('Lake Bled at dawn');
  });

  it('reads XMP embedded in a PNG', async () => {
    const path = await photo(['-XMP-dc:Subject=harbour', '-XMP-dc:Description=Boats'], 'png');
    expect(await labels(path)).toEqual({ keywords: ['harbour'], caption: 'Boats' });
  });

  it('gives empty labels for a photo without metadata', async () => {
    expect(await labels(await photo([]))).toEqual({ keywords: [], caption: null });
  });

  it('gives empty labels, never an error, for bytes that are not a readable image', async () => {
    const jpeg = readFileSync(await photo(['-XMP-dc:Subject=beach', '-IPTC:Keywords=Dog']));
    const broken = [
      Buffer.alloc(0),
      Buffer.from('not an image at all'),
      Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0x00, 0x0a, 1, 2, 3]),
      jpeg.subarray(0, 200), // cut off inside the metadata
    ];
    for (const buf of broken)
      await expect(readEmbeddedLabels(buf)).resolves.toEqual({
        keywords: [],
        caption: null,
        rating: null,
        favorite: false,
      });
  });

  it('still reads IPTC when the XMP packet is not well-formed XML', async () => {
    const jpeg = readFileSync(await photo(['-IPTC:Keywords=Dog']));
    const xmp = Buffer.concat([
      Buffer.from('http://ns.adobe.com/xap/1.0/\0'),
      Buffer.from('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><dc:subject>beach</rdf:RDF>'),
    ]);
    const header = Buffer.from([0xff, 0xe1, 0, 0]);
    header.writeUInt16BE(xmp.length + 2, 2);
    const withBadXmp = Buffer.concat([jpeg.subarray(0, 2), header, xmp, jpeg.subarray(2)]);
    writeFileSync(join(dir, 'bad-xmp.jpg'), withBadXmp);
    expect(plain(await readEmbeddedLabels(withBadXmp))).toEqual({ keywords: ['Dog'], caption: null });
  });
});

describe('stars and favourites', () => {
  it('reads xmp:Rating embedded in the photo, else EXIF Rating, and ignores "rejected" and nonsense', async () => {
    expect((await readEmbeddedLabels(readFileSync(await photo(['-XMP-xmp:Rating=3'])))).rating).toBe(3);
    expect((await readEmbeddedLabels(readFileSync(await photo(['-IFD0:Rating=5'])))).rating).toBe(5);
    const both = await photo(['-XMP-xmp:Rating=2', '-IFD0:Rating=5']);
    expect((await readEmbeddedLabels(readFileSync(both))).rating).toBe(2);
    expect((await readEmbeddedLabels(readFileSync(await photo(['-XMP-xmp:Rating=-1'])))).rating).toBeNull();
    expect((await readEmbeddedLabels(readFileSync(await photo([])))).rating).toBeNull();
    expect(parseRating('4.0')).toBe(4);
    expect(parseRating('7')).toBeNull();
    expect(parseRating('three')).toBeNull();
  });

  it('reads a sidecar rating and Lumen’s favourite mark, matched by namespace URI', () => {
    const xmp = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
      <rdf:Description rdf:about="" xmlns:xap="http://ns.adobe.com/xap/1.0/" xmlns:l="https://lumen.photos/xmp/1.0/"
        xap:Rating="4" l:Favorite="True"/>
    </rdf:RDF></x:xmpmeta>`;
    expect(readSidecarLabels(xmp)).toMatchObject({ rating: 4, favorite: true });
    const other = xmp.replace('https://lumen.photos/xmp/1.0/', 'https://example.com/ns/');
    expect(readSidecarLabels(other).favorite).toBe(false);
  });
});

describe('readSidecarLabels', () => {
  it('reads a sidecar exiftool wrote', () => {
    const path = join(dir, 'made-by-exiftool.xmp');
    execFileSync('exiftool', [
      '-q',
      '-XMP-dc:Subject=holiday',
      '-XMP-dc:Subject=lake',
      '-XMP-lr:HierarchicalSubject=Places|Slovenia|Bled',
      '-XMP-dc:Description=Lake Bled',
      '-XMP-xmp:Rating=4',
      '-o',
      path,
    ]);
    expect(plain(readSidecarLabels(readFileSync(path, 'utf8')))).toEqual({
      keywords: ['holiday', 'lake', 'Bled'],
      caption: 'Lake Bled',
    });
    expect(readSidecarLabels(readFileSync(path, 'utf8')).keywords[0]?.from).toBe('sidecar XMP dc:subject');
  });

  it('reads the attribute and simple-element forms, and prefers the x-default caption', () => {
    const xmp = `<x:xmpmeta xmlns:x="adobe:ns:meta/">
      <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
        <rdf:Description rdf:about="" xmlns:d="http://purl.org/dc/elements/1.1/" d:subject="holiday"/>
        <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
          <dc:subject>Lake</dc:subject>
          <dc:description><rdf:Alt>
            <rdf:li xml:lang="de">Der See</rdf:li>
            <rdf:li xml:lang="x-default">The lake</rdf:li>
          </rdf:Alt></dc:description>
        </rdf:Description>
        <rdf:Description rdf:about="" xmlns:lightroom="http://ns.adobe.com/lightroom/1.0/">
          <lightroom:hierarchicalSubject><rdf:Seq><rdf:li>A|B|HOLIDAY</rdf:li><rdf:li>A|Boat</rdf:li></rdf:Seq>
          </lightroom:hierarchicalSubject>
        </rdf:Description>
      </rdf:RDF></x:xmpmeta>`;
    expect(plain(readSidecarLabels(xmp))).toEqual({
      keywords: ['holiday', 'Lake', 'Boat'],
      caption: 'The lake',
    });
  });

  it('matches namespaces by URI, not by prefix', () => {
    const xmp = `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
      <rdf:Description xmlns:dc="http://example.com/not-dublin-core/" dc:subject="impostor"/>
    </rdf:RDF>`;
    expect(readSidecarLabels(xmp).keywords).toEqual([]);
  });

  it('leaves out the keywords Lumen listed as its own guesses, in any of the lists', () => {
    const xmp = `<x:xmpmeta xmlns:x="adobe:ns:meta/">
      <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
        <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
            xmlns:lr="http://ns.adobe.com/lightroom/1.0/" xmlns:lm="https://lumen.photos/xmp/1.0/">
          <dc:subject><rdf:Bag><rdf:li>holiday</rdf:li><rdf:li>Stars</rdf:li><rdf:li>triangle</rdf:li></rdf:Bag></dc:subject>
          <lr:hierarchicalSubject><rdf:Bag><rdf:li>Shapes|triangle</rdf:li></rdf:Bag></lr:hierarchicalSubject>
          <lm:AutoKeywords><rdf:Bag><rdf:li>stars</rdf:li><rdf:li>triangle</rdf:li></rdf:Bag></lm:AutoKeywords>
        </rdf:Description>
      </rdf:RDF></x:xmpmeta>`;
    expect(plain(readSidecarLabels(xmp)).keywords).toEqual(['holiday']);
    // The same list in another app's namespace means nothing.
    expect(
      plain(readSidecarLabels(xmp.replace('https://lumen.photos/xmp/1.0/', 'https://example.com/'))).keywords,
    ).toEqual(['holiday', 'Stars', 'triangle']);
  });

  it.each(['', 'garbage', '<x:xmpmeta><rdf:RDF>', '<?xml version="1.0"?><a><b></a>', '<plain>xml</plain>'])(
    'gives empty labels for %j',
    (text) => {
      expect(readSidecarLabels(text)).toEqual({ keywords: [], caption: null, rating: null, favorite: false });
    },
  );
});

describe('isPlaceholderCaption', () => {
  it('tells boilerplate from captions', () => {
    expect(isPlaceholderCaption('OLYMPUS  DIGITAL CAMERA')).toBe(true);
    expect(isPlaceholderCaption('----')).toBe(true);
    expect(isPlaceholderCaption('NIKON D70', ['NIKON CORPORATION', 'NIKON D70'])).toBe(true);
    expect(isPlaceholderCaption('Our digital camera broke on the beach')).toBe(false);
    expect(isPlaceholderCaption('Sony')).toBe(false);
    expect(isPlaceholderCaption('Sony', ['SONY', 'ILCE-7M3'])).toBe(true);
    // XMP language tags written where the text should be.
    expect(isPlaceholderCaption('x-default')).toBe(true);
    expect(isPlaceholderCaption('en-US')).toBe(true);
    expect(isPlaceholderCaption('zh-Hant-TW')).toBe(true);
    expect(isPlaceholderCaption('en')).toBe(false); // too short to tell from a word
    expect(isPlaceholderCaption('well-known')).toBe(false);
    expect(isPlaceholderCaption('co-op')).toBe(false);
    expect(isPlaceholderCaption('re-do')).toBe(false);
  });
});

// Real photos with real metadata: Debian's KDE Plasma wallpapers (package plasma-workspace-wallpapers,
// installed by scripts/setup.sh). Several carry dc:description "x-default" (the language tag, not a
// caption) and the camera's "OLYMPUS DIGITAL CAMERA"; one has a real caption in EXIF.
describe('captions from real files', () => {
  const WALLPAPERS = '/usr/share/wallpapers';
  const file = (name: string): string => join(WALLPAPERS, name, 'contents', 'screenshot.jpg');

  it.each(['Path', 'DarkestHour', 'Kite', 'OneStandsOut'])(
    'takes no caption from %s, whose fields hold a language tag and camera boilerplate',
    async (name) => {
      const ref = exiftool(file(name), ['-XMP-dc:Description', '-IFD0:ImageDescription']);
      expect(ref['XMP-dc:Description']).toBe('x-default');
      expect(String(ref['IFD0:ImageDescription'])).toMatch(/^OLYMPUS DIGITAL CAMERA\s*$/);
      expect(await readEmbeddedLabels(readFileSync(file(name)))).toEqual({
        keywords: [],
        caption: null,
        rating: null,
        favorite: false,
      });
    },
  );

  it('takes the real caption under a language tag, and the keywords, saying where each came from', async () => {
    const path = file('ColorfulCups');
    const ref = exiftool(path, ['-XMP-dc:Description', '-IFD0:ImageDescription', '-XMP-dc:Subject']);
    expect(ref['XMP-dc:Description']).toBe('x-default');
    const read = await readEmbeddedLabels(readFileSync(path));
    expect(read.caption).toEqual({
      text: String(ref['IFD0:ImageDescription']).trim(),
      from: 'EXIF ImageDescription',
    });
    expect(read.caption?.text).toMatch(/^Colorful cups\. Aarhus, Denmark\./);
    expect(read.keywords).toEqual(
      list(ref['XMP-dc:Subject']).map((text) => ({ text, from: 'XMP dc:subject' })),
    );
    expect(read.keywords.map((k) => k.text)).toEqual(['Close-up', 'Colors']);
  });
});
