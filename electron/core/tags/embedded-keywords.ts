// Keywords and captions that other photo apps already put in a file (Lightroom, digiKam, darktable,
// Photos, cameras), so a library imported into Lumen keeps the labelling its owner did by hand.
// Read from XMP (dc:subject, lr:hierarchicalSubject, dc:description, xmp:Rating), IPTC (Keywords,
// Caption-Abstract) and EXIF (ImageDescription, Rating), in that order of trust. exifr finds the segments;
// XMP is interpreted by the same DOM reader as the .xmp sidecars. Metadata is optional, so broken
// metadata gives empty labels, never an error.

import exifr from 'exifr';
import { NS, parseXmp, propertyValues } from './xmp-dom.js';

/** A label read from a file, and the field it was read from ("XMP dc:subject", "IPTC Keywords", ...). */
export interface FileLabel {
  text: string;
  from: string;
}

export interface EmbeddedLabels {
  /** Leaf names, trimmed, deduplicated case-insensitively; the first spelling met is kept. */
  keywords: FileLabel[];
  caption: FileLabel | null;
  /** Stars, 0 (unrated) to 5, from xmp:Rating or EXIF Rating; null when the file has none (or "rejected", -1). */
  rating: number | null;
  /** Marked a favourite (lumen:Favorite, which Lumen writes; XMP has no standard field). */
  favorite: boolean;
}

const EMPTY = (): EmbeddedLabels => ({ keywords: [], caption: null, rating: null, favorite: false });

/** Whether a file carried anything of its owner's: keywords, a caption, stars or a favourite mark. */
export const hasLabels = (l: EmbeddedLabels): boolean =>
  l.keywords.length > 0 || l.caption !== null || l.rating !== null || l.favorite;

/** A rating as apps write it ("4", "4.0", 4): 0-5 stars, or null (absent, "rejected" -1, nonsense). */
export function parseRating(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
  if (!Number.isFinite(n) || n < 0 || n > 5) return null;
  return Math.round(n);
}

// What cameras and phone firmware write into ImageDescription (and apps then copy into XMP) when
// nobody typed a caption. Compared case-insensitively, with runs of spaces collapsed.
const PLACEHOLDER_CAPTIONS = new Set([
  'olympus digital camera',
  'sony dsc',
  'samsung csc',
  'digital camera',
  'kodak digital still camera',
  'minolta digital camera',
  'konica minolta digital camera',
  'samsung digital camera',
  'samsung camera pictures',
  'lg digital camera',
  'mediatek camera application',
  'exif_jpeg_picture',
  'exif_jpeg_422',
  'default',
  'image',
  'picture',
  'photo',
  'camera',
  'untitled',
  'no title',
  'description',
  'image description',
  'hdrpmeta',
]);

const PLACEHOLDER_PATTERNS = [
  /digital (still )?camera$/, // "PENTAX DIGITAL CAMERA", "Rollei Digital Camera"
  /^\S+ [dc]sc$/, // "SONY DSC", "SAMSUNG CSC"
  /^(img|dsc|dscn|dscf|_dsc|dsc_|imgp|pict|cimg|pxl|p)[_-]?\d+(\.\w+)?$/, // a file name, not a caption
];

/**
 * A language tag where a caption should be: XMP's language alternatives are keyed by tags such as
 * "x-default" or "en-US" (BCP 47, in its canonical case), and some writers put the key in as the
 * text (seen in Debian's KDE Plasma wallpapers: dc:description "x-default").
 */
const LANGUAGE_TAG = /^(?:[xX]-default|[a-z]{2,3}(?:-[A-Z][a-z]{3})?-(?:[A-Z]{2}|\d{3}))$/;

/** Whether `text` is camera boilerplate rather than a caption; `make`/`model` are the camera's. */
export function isPlaceholderCaption(text: string, camera: readonly string[] = []): boolean {
  const t = text.replace(/\s+/g, ' ').trim().toLowerCase();
  if (!/\p{L}/u.test(t)) return true; // blank, "----", "0000"
  if (LANGUAGE_TAG.test(text.trim())) return true; // canonical case only: "co-op" is a word
  if (PLACEHOLDER_CAPTIONS.has(t) || PLACEHOLDER_PATTERNS.some((p) => p.test(t))) return true;
  const names = camera.map((c) => c.replace(/\s+/g, ' ').trim().toLowerCase()).filter(Boolean);
  return names.includes(t) || names.join(' ') === t;
}

const clean = (s: string): string => s.replace(/\0/g, '').trim();

const keyOf = (name: string): string => name.normalize('NFC').toLowerCase();

/** The non-empty names in `values`, each once whatever its case; the first spelling wins. */
function uniqueKeywords(values: Iterable<FileLabel>): FileLabel[] {
  const seen = new Set<string>();
  const out: FileLabel[] = [];
  for (const value of values) {
    const name = clean(value.text);
    const key = keyOf(name);
    if (!name || seen.has(key)) continue;
    seen.add(key);
    out.push({ text: name, from: value.from });
  }
  return out;
}

/** "Places|France|Paris" → "Paris": Lumen's tags are flat, and the leaf is what the owner named. */
const leaf = (path: string): string =>
  path
    .split('|')
    .map((s) => s.trim())
    .filter(Boolean)
    .at(-1) ?? '';

interface XmpLabels {
  subjects: FileLabel[];
  hierarchical: FileLabel[];
  description: FileLabel | null;
  rating: number | null;
  favorite: boolean;
}

const NO_XMP = (): XmpLabels => ({
  subjects: [],
  hierarchical: [],
  description: null,
  rating: null,
  favorite: false,
});

/**
 * The owner's labels in an XMP packet. Keywords that Lumen itself wrote as automatic guesses (listed
 * in its lumen:AutoKeywords) are not the owner's and are left out, so a library reading a sidecar that
 * Lumen wrote never takes its own guesses for the user's words.
 */
function readXmp(text: string, where: string): XmpLabels {
  let doc;
  try {
    doc = parseXmp(text, { strict: false });
  } catch {
    return NO_XMP();
  }
  const lumens = new Set(propertyValues(doc, NS.lumen, 'AutoKeywords').map((v) => keyOf(clean(v.text))));
  const values = (ns: string, name: string, field: string, map = (v: string) => v): FileLabel[] =>
    propertyValues(doc, ns, name)
      .map((v) => ({ text: map(v.text), from: `${where} ${field}` }))
      .filter((l) => !lumens.has(keyOf(clean(l.text))));
  // dc:description is a language alternative: "x-default" is the one meant for any reader.
  const described = propertyValues(doc, NS.dc, 'description').filter((v) => clean(v.text));
  const description = described.find((v) => v.lang?.toLowerCase() === 'x-default') ?? described[0];
  return {
    subjects: values(NS.dc, 'subject', 'dc:subject'),
    hierarchical: values(NS.lr, 'hierarchicalSubject', 'lr:hierarchicalSubject', leaf),
    description: description ? { text: clean(description.text), from: `${where} dc:description` } : null,
    rating: parseRating(propertyValues(doc, NS.xmp, 'Rating')[0]?.text),
    favorite: propertyValues(doc, NS.lumen, 'Favorite').some((v) => v.text.trim().toLowerCase() === 'true'),
  };
}

function firstCaption(candidates: (FileLabel | null)[], camera: readonly string[]): FileLabel | null {
  for (const c of candidates) {
    if (!c) continue;
    const text = clean(c.text);
    if (text && !isPlaceholderCaption(text, camera)) return { text, from: c.from };
  }
  return null;
}

/** The labels in an .xmp sidecar's text (dc:subject, lr:hierarchicalSubject, dc:description). */
export function readSidecarLabels(xmpText: string): EmbeddedLabels {
  const xmp = readXmp(xmpText, 'sidecar XMP');
  return {
    keywords: uniqueKeywords([...xmp.subjects, ...xmp.hierarchical]),
    caption: firstCaption([xmp.description], []),
    rating: xmp.rating,
    favorite: xmp.favorite,
  };
}

const strings = (v: unknown): string[] =>
  (Array.isArray(v) ? (v as unknown[]) : [v]).filter((s): s is string => typeof s === 'string');
const string = (v: unknown): string | null => strings(v)[0] ?? null;

/**
 * IPTC text carries its character set in a separate record (1:90) that exifr does not read, so it
 * decodes every byte as Latin-1. Most writers today use UTF-8 (with or without saying so): when the
 * bytes are valid UTF-8 with some non-ASCII in them, they are UTF-8. Latin-1 text that happens to be
 * valid UTF-8 ("Ã©") is far rarer than UTF-8 keywords.
 */
export function iptcText(latin1: string): string {
  if (!/[\u0080-\u00ff]/.test(latin1) || /[\u0100-\uffff]/.test(latin1)) return latin1;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(latin1, 'latin1'));
  } catch {
    return latin1;
  }
}

// Only the segments the labels live in; the rest of EXIF is the photo reader's business.
const EXIFR_OPTIONS = {
  tiff: true,
  ifd0: { pick: ['ImageDescription', 'Make', 'Model', 'Rating'] },
  exif: false,
  gps: false,
  interop: false,
  ifd1: false,
  makerNote: false,
  userComment: false,
  xmp: { parse: false }, // the raw packet, for the DOM reader
  iptc: true,
  icc: false,
  jfif: false,
  ihdr: false,
  mergeOutput: false,
  translateValues: false,
  reviveValues: false,
};

/** The keywords and caption already embedded in an image file's bytes; empty when there are none. */
export async function readEmbeddedLabels(buf: Buffer): Promise<EmbeddedLabels> {
  let segments: Record<string, unknown> | undefined;
  try {
    segments = (await exifr.parse(buf, EXIFR_OPTIONS)) as Record<string, unknown> | undefined;
  } catch {
    return EMPTY(); // not an image exifr knows, or metadata too broken to find
  }
  if (!segments) return EMPTY();
  const record = (key: string): Record<string, unknown> => {
    const v = segments[key];
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  };
  const ifd0 = record('ifd0');
  const iptc = record('iptc');
  const rawXmp = segments.xmp;
  const xmp = typeof rawXmp === 'string' ? readXmp(rawXmp, 'XMP') : NO_XMP();
  const camera = [string(ifd0.Make) ?? '', string(ifd0.Model) ?? ''];

  const keywords = uniqueKeywords([
    ...xmp.subjects,
    ...xmp.hierarchical,
    ...strings(iptc.Keywords).map((k) => ({ text: iptcText(k), from: 'IPTC Keywords' })),
  ]);
  const iptcCaption = string(iptc.Caption);
  const exifCaption = string(ifd0.ImageDescription);
  const caption = firstCaption(
    [
      xmp.description,
      iptcCaption === null ? null : { text: iptcText(iptcCaption), from: 'IPTC Caption-Abstract' },
      exifCaption === null ? null : { text: exifCaption, from: 'EXIF ImageDescription' },
    ],
    camera,
  );
  return { keywords, caption, rating: xmp.rating ?? parseRating(ifd0.Rating), favorite: xmp.favorite };
}
