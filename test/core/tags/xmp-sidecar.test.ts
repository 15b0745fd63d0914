// Sidecars we write are read back by exiftool (the independent reference) exactly as meant; merging
// into a sidecar other apps wrote keeps every one of their fields; the photo itself is never
// touched; a sidecar we cannot parse is refused and left as it was.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  SidecarFormatError,
  mergeSidecarKeywords,
  sidecarPathFor,
  writeSidecarKeywords,
} from '../../../electron/core/tags/xmp-sidecar.js';
import { readSidecarLabels } from '../../../electron/core/tags/embedded-keywords.js';
import { tempDir } from '../../support/temp.js';

const root = tempDir();
let count = 0;

/** A fresh folder holding one small JPEG; returns the photo's path. */
async function photo(name = 'IMG_1.jpg'): Promise<string> {
  const dir = join(root, `case-${++count}`);
  mkdirSync(dir);
  const path = join(dir, name);
  await sharp({ create: { width: 16, height: 12, channels: 3, background: '#bada55' } })
    .jpeg()
    .toFile(path);
  return path;
}

/** Every XMP tag exiftool reads from a file, structures kept whole, keyed group:name. */
function exiftool(path: string, tags: string[] = ['-XMP:all']): Record<string, unknown> {
  const json = execFileSync('exiftool', ['-j', '-G1', '-a', '-struct', ...tags, path], { encoding: 'utf8' });
  const [tagsRead] = JSON.parse(json) as [Record<string, unknown>];
  delete tagsRead.SourceFile;
  return tagsRead;
}
const subjects = (path: string): unknown => exiftool(path)['XMP-dc:Subject'];
const hierarchy = (path: string): unknown => exiftool(path)['XMP-lr:HierarchicalSubject'];

/** exiftool's XMP validation: "OK", or its list of problems. */
const validate = (path: string): unknown => exiftool(path, ['-validate', '-warning'])['ExifTool:Validate'];

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

const without = (tags: Record<string, unknown>, ...names: string[]): Record<string, unknown> =>
  Object.fromEntries(Object.entries(tags).filter(([k]) => !names.includes(k)));

/** A darktable 4 sidecar, cut down: settings as attributes, a history, tags under a hierarchy. */
const DARKTABLE = `<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <!-- written by darktable -->
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:darktable="http://darktable.sf.net/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:lr="http://ns.adobe.com/lightroom/1.0/"
   xmp:Rating="3"
   xmpMM:DerivedFrom="IMG_1.jpg"
   darktable:xmp_version="5"
   darktable:history_end="1">
   <dc:subject>
    <rdf:Bag>
     <rdf:li>France</rdf:li>
     <rdf:li>holiday</rdf:li>
    </rdf:Bag>
   </dc:subject>
   <lr:hierarchicalSubject>
    <rdf:Bag>
     <rdf:li>Places|France</rdf:li>
     <rdf:li>holiday</rdf:li>
    </rdf:Bag>
   </lr:hierarchicalSubject>
   <darktable:history>
    <rdf:Seq>
     <rdf:li
      darktable:num="0"
      darktable:operation="exposure"
      darktable:enabled="1"
      darktable:params="0000000000000000000000000000803f"
      darktable:multi_name="&quot;a&quot; &amp; b&#10;c"/>
    </rdf:Seq>
   </darktable:history>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/">
   <photoshop:City>Nice</photoshop:City>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
`;

describe('sidecarPathFor', () => {
  it('appends .xmp to the file name by default', async () => {
    const p = await photo();
    expect(sidecarPathFor(p)).toBe(`${p}.xmp`);
  });

  it('uses a Lightroom-style sidecar (extension replaced) when only that one exists', async () => {
    const p = await photo();
    const lightroom = p.replace(/\.jpg$/, '.xmp');
    writeFileSync(lightroom, '');
    expect(sidecarPathFor(p)).toBe(lightroom);
    writeFileSync(`${p}.xmp`, '');
    expect(sidecarPathFor(p)).toBe(`${p}.xmp`); // the photo's own sidecar wins
  });

  it('names the sidecar of a file without an extension', async () => {
    const p = await photo('scan');
    expect(sidecarPathFor(p)).toBe(`${p}.xmp`);
  });
});

describe('writeSidecarKeywords', () => {
  it('creates a valid sidecar that exiftool reads back exactly', async () => {
    const p = await photo();
    const keywords = ['beach', 'Sunset & <sea> "quoted"', 'Café crème', '🐕 dog', "it's"];
    const { path: written } = await writeSidecarKeywords(p, { keywords });
    expect(written).toBe(`${p}.xmp`);
    expect(subjects(written)).toEqual(keywords);
    expect(hierarchy(written)).toEqual(keywords);
    expect(validate(written)).toBe('OK');
  });

  it('never touches the photo itself', async () => {
    const p = await photo();
    const before = { hash: sha256(p), mtime: statSync(p).mtimeMs };
    await writeSidecarKeywords(p, { keywords: ['beach'] });
    await writeSidecarKeywords(p, { keywords: ['dog'], remove: ['beach'] });
    expect({ hash: sha256(p), mtime: statSync(p).mtimeMs }).toEqual(before);
    expect(readdirSync(join(p, '..')).sort()).toEqual(['IMG_1.jpg', 'IMG_1.jpg.xmp']); // no temp files
  });

  it('adds no duplicates, whatever the case or spacing', async () => {
    const p = await photo();
    await writeSidecarKeywords(p, { keywords: ['Beach', 'beach', '  dog  '] });
    const { path } = await writeSidecarKeywords(p, { keywords: ['BEACH', 'Dog', 'cat'] });
    expect(subjects(path)).toEqual(['Beach', 'dog', 'cat']);
    expect(hierarchy(path)).toEqual(['Beach', 'dog', 'cat']);
  });

  it('does not create a sidecar when there is nothing to add', async () => {
    const p = await photo();
    await writeSidecarKeywords(p, { keywords: ['', '   '], remove: ['beach'] });
    expect(existsSync(`${p}.xmp`)).toBe(false);
  });

  it('keeps every field another app wrote when merging', async () => {
    const p = await photo();
    const sidecar = `${p}.xmp`;
    execFileSync('exiftool', [
      '-q',
      '-XMP-xmp:Rating=4',
      '-XMP-xmp:Label=Red',
      '-XMP-dc:Subject=holiday',
      '-XMP-dc:Title=Summer at the lake',
      '-XMP-dc:Description=Swimming',
      '-XMP-photoshop:City=Bled',
      '-o',
      sidecar,
    ]);
    const before = exiftool(sidecar);
    await writeSidecarKeywords(p, { keywords: ['beach', 'Holiday', 'dog'] });
    const after = exiftool(sidecar);
    expect(after).toMatchObject({
      'XMP-xmp:Rating': 4,
      'XMP-xmp:Label': 'Red',
      'XMP-dc:Title': 'Summer at the lake',
      'XMP-dc:Subject': ['holiday', 'beach', 'dog'],
      'XMP-lr:HierarchicalSubject': ['beach', 'Holiday', 'dog'],
    });
    const lists = ['XMP-dc:Subject', 'XMP-lr:HierarchicalSubject'];
    expect(without(after, ...lists)).toEqual(without(before, ...lists));
    expect(validate(sidecar)).toBe('OK');
  });

  it('writes stars as xmp:Rating and the favourite mark, changes and clears them, as exiftool reads them', async () => {
    const p = await photo();
    const { path } = await writeSidecarKeywords(p, { keywords: [], rating: 4, favorite: true });
    expect(exiftool(path)).toMatchObject({ 'XMP-xmp:Rating': 4, 'XMP-lumen:Favorite': true });
    expect(validate(path)).toBe('OK');
    expect(readSidecarLabels(readFileSync(path, 'utf8'))).toMatchObject({ rating: 4, favorite: true });
    // Changed in place, not added a second time; then cleared: unrated and no longer a favourite.
    await writeSidecarKeywords(p, { keywords: ['beach'], rating: 2 });
    expect(readFileSync(path, 'utf8').match(/Rating/g)).toHaveLength(1);
    expect(exiftool(path)).toMatchObject({ 'XMP-xmp:Rating': 2, 'XMP-lumen:Favorite': true });
    await writeSidecarKeywords(p, { keywords: [], rating: 0, favorite: false });
    const cleared = exiftool(path);
    expect(cleared['XMP-xmp:Rating']).toBeUndefined();
    expect(cleared['XMP-lumen:Favorite']).toBeUndefined();
    expect(cleared['XMP-dc:Subject']).toEqual(['beach']);
    expect(validate(path)).toBe('OK');
  });

  it('changes the rating another app wrote where it wrote it, keeping its other fields', async () => {
    const p = await photo();
    const sidecar = `${p}.xmp`;
    execFileSync('exiftool', ['-q', '-XMP-xmp:Rating=1', '-XMP-xmp:Label=Red', '-o', sidecar]);
    const before = exiftool(sidecar);
    await writeSidecarKeywords(p, { keywords: [], rating: 5 });
    const after = exiftool(sidecar);
    expect(after['XMP-xmp:Rating']).toBe(5);
    expect(without(after, 'XMP-xmp:Rating')).toEqual(without(before, 'XMP-xmp:Rating'));
    // The element form (<xmp:Rating>1</xmp:Rating>) is edited as an element.
    const element = mergeSidecarKeywords(
      `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
        <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"><xmp:Rating>1</xmp:Rating></rdf:Description>
      </rdf:RDF></x:xmpmeta>`,
      { keywords: [], rating: 3 },
    );
    expect(element).toContain('<xmp:Rating>3</xmp:Rating>');
    expect(element?.match(/Rating/g)).toHaveLength(2);
    // Leaving the rating out leaves another app's "rejected" (-1) alone.
    execFileSync('exiftool', ['-q', '-overwrite_original', '-XMP-xmp:Rating=-1', sidecar]);
    await writeSidecarKeywords(p, { keywords: ['dog'] });
    expect(exiftool(sidecar)['XMP-xmp:Rating']).toBe(-1);
  });

  it('edits a darktable sidecar leaving its settings, history and other blocks alone', async () => {
    const p = await photo();
    const sidecar = `${p}.xmp`;
    writeFileSync(sidecar, DARKTABLE);
    const before = exiftool(sidecar);
    expect(before['XMP-darktable:History']).toBeDefined(); // exiftool understands the fixture

    await writeSidecarKeywords(p, { keywords: ['beach', 'france'] });
    const after = exiftool(sidecar);
    expect(after['XMP-dc:Subject']).toEqual(['France', 'holiday', 'beach']);
    // "france" is already there as the leaf of Places|France: no second, flat France.
    expect(after['XMP-lr:HierarchicalSubject']).toEqual(['Places|France', 'holiday', 'beach']);
    const lists = ['XMP-dc:Subject', 'XMP-lr:HierarchicalSubject'];
    expect(without(after, ...lists)).toEqual(without(before, ...lists));
    expect(after).toMatchObject({ 'XMP-xmp:Rating': 3, 'XMP-photoshop:City': 'Nice' });
    const text = readFileSync(sidecar, 'utf8');
    expect(text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<x:xmpmeta/);
    expect(text).toContain('<!-- written by darktable -->');
    expect(text).toContain('darktable:multi_name="&quot;a&quot; &amp; b&#10;c"'); // the newline survives
    expect(text).toContain('     <rdf:li>beach</rdf:li>\n    </rdf:Bag>'); // indented like its neighbours
  });

  it('removes only the named keywords, and only flat ones', async () => {
    const p = await photo();
    const sidecar = `${p}.xmp`;
    writeFileSync(sidecar, DARKTABLE);
    await writeSidecarKeywords(p, { keywords: ['beach', 'dog', 'cat'] });
    await writeSidecarKeywords(p, { keywords: ['cat'], remove: ['DOG', 'cat', 'France', 'unknown'] });
    // France stays: the owner filed it under Places|France. cat stays: it is also being added.
    expect(subjects(sidecar)).toEqual(['France', 'holiday', 'beach', 'cat']);
    expect(hierarchy(sidecar)).toEqual(['Places|France', 'holiday', 'beach', 'cat']);
    await writeSidecarKeywords(p, { keywords: [], remove: ['holiday'] });
    expect(subjects(sidecar)).toEqual(['France', 'beach', 'cat']);
    expect(hierarchy(sidecar)).toEqual(['Places|France', 'beach', 'cat']);
    expect(validate(sidecar)).toBe('OK');
  });

  it("marks Lumen's guesses as its own, so they are never read back as the owner's", async () => {
    const p = await photo();
    const sidecar = `${p}.xmp`;
    writeFileSync(sidecar, DARKTABLE);
    await writeSidecarKeywords(p, {
      keywords: ['beach', 'triangle', 'Holiday'],
      auto: ['triangle', 'holiday'],
    });
    // Other apps see every keyword; Lumen's own list names its guess. holiday was the owner's already.
    expect(subjects(sidecar)).toEqual(['France', 'holiday', 'beach', 'triangle']);
    expect(exiftool(sidecar)['XMP-lumen:AutoKeywords']).toEqual(['triangle']);
    expect(validate(sidecar)).toBe('OK');
    expect(readSidecarLabels(readFileSync(sidecar, 'utf8')).keywords.map((k) => k.text)).toEqual([
      'France',
      'holiday',
      'beach',
    ]);
  });

  it('withdraws a guess no longer made, keeps one the owner has since confirmed, and leaves no empty list', async () => {
    const p = await photo();
    const sidecar = `${p}.xmp`;
    await writeSidecarKeywords(p, { keywords: ['stars', 'circle', 'red'], auto: ['stars', 'circle', 'red'] });
    expect(exiftool(sidecar)['XMP-lumen:AutoKeywords']).toEqual(['stars', 'circle', 'red']);
    // stars confirmed by the owner, circle no longer guessed, red still guessed.
    await writeSidecarKeywords(p, { keywords: ['stars', 'red'], auto: ['red'] });
    expect(subjects(sidecar)).toEqual(['stars', 'red']);
    expect(exiftool(sidecar)['XMP-lumen:AutoKeywords']).toEqual(['red']);
    expect(readSidecarLabels(readFileSync(sidecar, 'utf8')).keywords.map((k) => k.text)).toEqual(['stars']);
    // Nothing guessed any more, and the owner un-tags stars: the lists go, not stay as blank keywords.
    await writeSidecarKeywords(p, { keywords: [], remove: ['stars'] });
    const left = exiftool(sidecar);
    expect(left['XMP-dc:Subject']).toBeUndefined();
    expect(left['XMP-lumen:AutoKeywords']).toBeUndefined();
    expect(left['XMP-lr:HierarchicalSubject']).toBeUndefined();
    expect(validate(sidecar)).toBe('OK');
  });

  it('does not rewrite a sidecar that needs no change', async () => {
    const p = await photo();
    const sidecar = `${p}.xmp`;
    writeFileSync(sidecar, DARKTABLE);
    const before = statSync(sidecar);
    await writeSidecarKeywords(p, { keywords: ['HOLIDAY'], remove: ['not-there'] });
    expect(readFileSync(sidecar, 'utf8')).toBe(DARKTABLE);
    expect(statSync(sidecar).ino).toBe(before.ino);
  });

  it('updates a Lightroom-style sidecar instead of creating a second one', async () => {
    const p = await photo();
    const lightroom = p.replace(/\.jpg$/, '.xmp');
    execFileSync('exiftool', ['-q', '-XMP-dc:Subject=holiday', '-XMP-xmp:Rating=5', '-o', lightroom]);
    expect(await writeSidecarKeywords(p, { keywords: ['beach'] })).toEqual({
      path: lightroom,
      changed: true,
    });
    expect(existsSync(`${p}.xmp`)).toBe(false);
    expect(exiftool(lightroom)).toMatchObject({
      'XMP-dc:Subject': ['holiday', 'beach'],
      'XMP-xmp:Rating': 5,
    });
  });

  it('turns the attribute and simple-element forms into lists it can extend', async () => {
    const p = await photo();
    const sidecar = `${p}.xmp`;
    writeFileSync(
      sidecar,
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" ' +
        'xmlns:xmp="http://ns.adobe.com/xap/1.0/" dc:subject="holiday" xmp:Rating="2"/>' +
        '<rdf:Description rdf:about="" xmlns:lr="http://ns.adobe.com/lightroom/1.0/">' +
        '<lr:hierarchicalSubject>Places|Lake</lr:hierarchicalSubject></rdf:Description>' +
        '</rdf:RDF></x:xmpmeta>',
    );
    await writeSidecarKeywords(p, { keywords: ['beach'] });
    expect(exiftool(sidecar)).toEqual({
      'XMP-dc:Subject': ['holiday', 'beach'],
      'XMP-xmp:Rating': 2,
      'XMP-lr:HierarchicalSubject': ['Places|Lake', 'beach'],
    });
    expect(validate(sidecar)).toBe('OK');
  });

  it("adds the lists where a sidecar has none, and keeps digiKam's own tag list in step", async () => {
    const p = await photo();
    const sidecar = `${p}.xmp`;
    writeFileSync(
      sidecar,
      `<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:digiKam="http://www.digikam.org/ns/1.0/" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <xmp:Rating>1</xmp:Rating>
   <digiKam:TagsList>
    <rdf:Seq>
     <rdf:li>People/Anna</rdf:li>
    </rdf:Seq>
   </digiKam:TagsList>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
`,
    );
    await writeSidecarKeywords(p, { keywords: ['beach', 'anna'] });
    expect(exiftool(sidecar)).toEqual({
      'XMP-xmp:Rating': 1,
      'XMP-digiKam:TagsList': ['People/Anna', 'beach'],
      'XMP-dc:Subject': ['beach', 'anna'],
      'XMP-lr:HierarchicalSubject': ['beach', 'anna'],
    });
    expect(validate(sidecar)).toBe('OK');
  });

  it.each([
    ['no Description at all', ''],
    ['the dc prefix bound elsewhere', '<rdf:Description rdf:about="" xmlns:dc="urn:other" dc:thing="1"/>'],
  ])('writes a valid sidecar over one with %s', async (_kind, body) => {
    const p = await photo();
    const sidecar = `${p}.xmp`;
    const rdf = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"';
    writeFileSync(
      sidecar,
      `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF ${rdf}>${body}</rdf:RDF></x:xmpmeta>`,
    );
    await writeSidecarKeywords(p, { keywords: ['beach'] });
    expect(subjects(sidecar)).toEqual(['beach']);
    expect(hierarchy(sidecar)).toEqual(['beach']);
    expect(validate(sidecar)).toBe('OK');
  });

  it('keeps the file mode of the sidecar it replaces', async () => {
    const p = await photo();
    const sidecar = `${p}.xmp`;
    writeFileSync(sidecar, DARKTABLE);
    chmodSync(sidecar, 0o640);
    await writeSidecarKeywords(p, { keywords: ['beach'] });
    expect(statSync(sidecar).mode & 0o777).toBe(0o640);
  });

  it.each([
    ['truncated XML', DARKTABLE.slice(0, 400)],
    ['mismatched tags', '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF></x:xmpmeta>'],
    ['an undefined entity', DARKTABLE.replace('Nice', 'Nice&nbsp;')], // hand-edited, HTML habits
    ['text after the root element', `${DARKTABLE}<x:xmpmeta/>`],
    ['XML that is not XMP', '<?xml version="1.0"?><settings><theme>dark</theme></settings>'],
    ['not text', Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x61, 0x3e])],
  ])('refuses a malformed sidecar (%s) and leaves it unchanged', async (_kind, content) => {
    const p = await photo();
    const sidecar = `${p}.xmp`;
    writeFileSync(sidecar, content);
    const before = sha256(sidecar);
    const attempt = writeSidecarKeywords(p, { keywords: ['beach'] });
    await expect(attempt).rejects.toThrow(SidecarFormatError);
    await expect(attempt).rejects.toThrow(sidecar);
    expect(sha256(sidecar)).toBe(before);
    expect(readdirSync(join(p, '..')).sort()).toEqual(['IMG_1.jpg', 'IMG_1.jpg.xmp']);
  });
});

describe('mergeSidecarKeywords', () => {
  it('gives null when nothing changes, and the new text otherwise', () => {
    expect(mergeSidecarKeywords(DARKTABLE, { keywords: ['France'] })).toBeNull();
    const merged = mergeSidecarKeywords(DARKTABLE, { keywords: ['beach'] });
    expect(merged).toContain('<rdf:li>beach</rdf:li>');
    // Apart from the two new entries, the text is the same up to the spacing inside tags.
    const tagSpacing = (xml: string): string => xml.replace(/<[^>]+>/g, (tag) => tag.replace(/\s+/g, ' '));
    const withoutNew = merged?.replace(/\n\s*<rdf:li>beach<\/rdf:li>/g, '') ?? '';
    expect(tagSpacing(withoutNew)).toBe(tagSpacing(DARKTABLE));
  });
});
