// Writes Lumen's tags (and the photo's star rating and favourite) to an XMP sidecar next to the photo,
// where digiKam, darktable, Lightroom and exiftool look for them, and never into the photo itself: the original's bytes (and its content
// hash, which the library uses to follow moved files) stay as they were.
//
// An existing sidecar belongs to other apps too (ratings, colour labels, darktable's edit history,
// the owner's own keywords), so it is edited as a DOM: our keywords go into the keyword lists and
// every other element, attribute and namespace is written back as it was. A sidecar we cannot parse
// is refused, never overwritten; the new text replaces the old by an atomic rename.

import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import { errorMessage } from '../clip/errors.js';
import { isInside } from '../library/library-folders.js';
import {
  NS,
  container,
  descriptions,
  elementChildren,
  isBlankText,
  isElement,
  listItems,
  parseXmp,
  propertyElements,
  propertyValues,
  simpleText,
} from './xmp-dom.js';

/** An existing sidecar that is not XMP we can safely edit; it was left unchanged. */
export class SidecarFormatError extends Error {
  override readonly name = 'SidecarFormatError';
  constructor(
    readonly file: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${detail}; the sidecar was left unchanged`, options);
  }
}

/**
 * The sidecar for a photo: `IMG_1.jpg.xmp` (digiKam's and darktable's naming, which keeps the
 * sidecars of IMG_1.jpg and IMG_1.cr2 apart) unless only a Lightroom-style `IMG_1.xmp` exists, in
 * which case that one is used. Upper-case `.XMP` files (Windows tools, cameras) count as existing.
 */
export function sidecarPathFor(photoPath: string): string {
  const appended = `${photoPath}.xmp`;
  const ext = extname(photoPath);
  const stem = ext ? photoPath.slice(0, -ext.length) : null;
  const candidates = [appended, `${photoPath}.XMP`, ...(stem ? [`${stem}.xmp`, `${stem}.XMP`] : [])];
  return candidates.find((p) => existsSync(p)) ?? appended;
}

export interface SidecarKeywordChange {
  /** Keywords to add; ones already present in any letter case are left as they are. */
  keywords: readonly string[];
  /**
   * Keywords Lumen wrote earlier and now withdraws (matched case-insensitively). A keyword also in
   * `keywords` stays; one the owner filed under a hierarchy (Places|France|Paris) is theirs, and stays.
   */
  remove?: readonly string[];
  /**
   * Of `keywords`, those that are Lumen's automatic guesses, not the owner's: they are listed in
   * Lumen's own namespace (lumen:AutoKeywords) too, so that reading the sidecar back never takes them
   * for the owner's. A keyword listed there before and no longer guessed (nor the owner's) is withdrawn.
   */
  auto?: readonly string[];
  /** The star rating, 1-5 in xmp:Rating; 0 removes it (unrated); undefined leaves it as it is. */
  rating?: number;
  /** Whether the photo is a favourite (lumen:Favorite="True"; false removes it); undefined leaves it. */
  favorite?: boolean;
}

// The keyword lists we keep in step. dc:subject is the flat list every app reads; darktable and
// Lightroom prefer lr:hierarchicalSubject when present, digiKam its own TagsList, so ours go there
// too (as one-level paths) or those apps would not see them.
interface KeywordList {
  ns: string;
  name: string;
  prefix: string;
  /** Path separator of a hierarchical list; null for the flat dc:subject. */
  separator: string | null;
  /** Created when missing; digiKam's list is only kept up to date where digiKam made one. */
  create: boolean;
}

const LISTS: readonly KeywordList[] = [
  { ns: NS.dc, name: 'subject', prefix: 'dc', separator: null, create: true },
  { ns: NS.lr, name: 'hierarchicalSubject', prefix: 'lr', separator: '|', create: true },
  { ns: NS.digiKam, name: 'TagsList', prefix: 'digiKam', separator: '/', create: false },
];

/** Lumen's record of which keywords in the lists above are its automatic guesses. */
const AUTO_LIST: KeywordList = {
  ns: NS.lumen,
  name: 'AutoKeywords',
  prefix: 'lumen',
  separator: null,
  create: true,
};

const NEW_SIDECAR = `<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="${NS.x}" x:xmptk="Lumen">
 <rdf:RDF xmlns:rdf="${NS.rdf}">
  <rdf:Description rdf:about=""
    xmlns:dc="${NS.dc}"
    xmlns:lr="${NS.lr}">
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
`;

const keyOf = (keyword: string): string => keyword.normalize('NFC').toLowerCase();

/** One line of plain text: control characters (invalid in XML) and runs of spaces become one space. */
function tidy(keyword: string): string {
  return keyword
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/[\s\u0000-\u001f\u007f]+/g, ' ') // eslint-disable-line no-control-regex
    .trim();
}

function unique(keywords: readonly string[]): string[] {
  const byKey = new Map<string, string>();
  for (const k of keywords.map(tidy)) if (k && !byKey.has(keyOf(k))) byKey.set(keyOf(k), k);
  return [...byKey.values()];
}

const segments = (path: string, separator: string): string[] =>
  path
    .split(separator)
    .map((s) => s.trim())
    .filter(Boolean);

// Layout: new nodes copy the indentation around them, so a sidecar someone reads stays readable.

/** The spaces before `node` on its line, or null when it does not start a line (compact XML). */
function lineIndent(node: Element): string | null {
  const prev = node.previousSibling;
  const text = isBlankText(prev) ? (prev?.nodeValue ?? '') : '';
  const nl = text.lastIndexOf('\n');
  return nl < 0 ? null : text.slice(nl + 1);
}

function appendIndented(parent: Element, child: Element): void {
  const doc = parent.ownerDocument;
  if (!doc) throw new Error('element outside a document');
  const last = elementChildren(parent).at(-1);
  if (last) {
    const ws = isBlankText(last.previousSibling) ? last.previousSibling?.nodeValue : null;
    parent.insertBefore(child, last.nextSibling);
    if (ws) parent.insertBefore(doc.createTextNode(ws), child);
    return;
  }
  const outer = lineIndent(parent);
  for (const n of Array.from(parent.childNodes)) if (isBlankText(n)) parent.removeChild(n);
  if (outer !== null) parent.appendChild(doc.createTextNode(`\n${outer} `));
  parent.appendChild(child);
  if (outer !== null) parent.appendChild(doc.createTextNode(`\n${outer}`));
}

function removeIndented(node: Element): void {
  const parent = node.parentNode;
  if (!parent) return;
  if (isBlankText(node.previousSibling) && node.previousSibling) parent.removeChild(node.previousSibling);
  parent.removeChild(node);
}

const rdfName = (near: Element, local: string): string => {
  const prefix = near.lookupPrefix(NS.rdf);
  return prefix ? `${prefix}:${local}` : local;
};

/** A prefix bound to `ns` at `desc`, declaring one there (preferred, else preferred2…) if needed. */
function prefixFor(desc: Element, ns: string, preferred: string): string {
  const bound = desc.lookupPrefix(ns);
  if (bound) return bound;
  let prefix = preferred;
  for (let i = 2; desc.lookupNamespaceURI(prefix) !== null; i++) prefix = `${preferred}${i}`;
  desc.setAttributeNS(NS.xmlns, `xmlns:${prefix}`, ns);
  return prefix;
}

function newItem(doc: Document, near: Element, text: string): Element {
  const li = doc.createElementNS(NS.rdf, rdfName(near, 'li'));
  li.appendChild(doc.createTextNode(text));
  return li;
}

/** A new `<prefix:name><rdf:Bag>…` property in `desc`, holding `values`; returns the Bag. */
function newBag(doc: Document, desc: Element, list: KeywordList, values: string[]): Element {
  const prop = doc.createElementNS(list.ns, `${prefixFor(desc, list.ns, list.prefix)}:${list.name}`);
  appendIndented(desc, prop);
  const bag = doc.createElementNS(NS.rdf, rdfName(desc, 'Bag'));
  appendIndented(prop, bag);
  for (const v of values) appendIndented(bag, newItem(doc, bag, v));
  return bag;
}

/**
 * Brings every occurrence of the list to the element-with-container form we edit: the attribute
 * form (`dc:subject="a"` on the Description) and a bare text element become an rdf:Bag of one.
 * Returns the containers in document order.
 */
function listContainers(doc: Document, file: string, list: KeywordList): Element[] {
  const out: Element[] = [];
  for (const desc of descriptions(doc)) {
    const attr = desc.getAttributeNS(list.ns, list.name);
    const props = propertyElements(desc, list.ns, list.name);
    for (const prop of props) {
      const found = container(prop);
      if (found) {
        out.push(found);
        continue;
      }
      const text = simpleText(prop);
      if (text === null) throw new SidecarFormatError(file, `${prop.nodeName} is neither text nor a list`);
      for (const n of Array.from(prop.childNodes)) prop.removeChild(n);
      const bag = doc.createElementNS(NS.rdf, rdfName(desc, 'Bag'));
      appendIndented(prop, bag);
      if (text.trim()) appendIndented(bag, newItem(doc, bag, text));
      out.push(bag);
    }
    if (attr !== null) {
      desc.removeAttributeNS(list.ns, list.name);
      const first = out.find((c) => c.parentNode?.parentNode === desc);
      if (first) appendIndented(first, newItem(doc, first, attr));
      else out.push(newBag(doc, desc, list, [attr]));
    }
  }
  return out;
}

/** Where a list that does not exist yet goes: beside dc:subject, else the first Description. */
function homeFor(doc: Document, file: string): Element {
  const all = descriptions(doc);
  const home = all.find((d) => propertyElements(d, NS.dc, 'subject').length) ?? all[0];
  if (home) return home;
  const rdf = doc.getElementsByTagNameNS(NS.rdf, 'RDF').item(0);
  if (!rdf) throw new SidecarFormatError(file, 'no rdf:RDF element, so not an XMP packet');
  const desc = doc.createElementNS(NS.rdf, rdfName(rdf, 'Description'));
  desc.setAttributeNS(NS.rdf, rdfName(rdf, 'about'), '');
  appendIndented(rdf, desc);
  return desc;
}

/**
 * Applies the change to one list in `doc`; returns whether anything changed. `held` are the keys of
 * leaves of multi-level paths (the owner's hierarchy), which dc:subject must keep.
 */
function editList(
  doc: Document,
  file: string,
  list: KeywordList,
  add: string[],
  remove: Set<string>,
  held: Set<string>,
): boolean {
  const values = propertyValues(doc, list.ns, list.name).map((v) => v.text.trim());
  const sep = list.separator;
  // What an entry stands for: itself in dc:subject; its leaf in a hierarchy, for "already there?".
  const present = new Set(values.map((v) => keyOf(sep ? (segments(v, sep).at(-1) ?? '') : v)));
  const removable = (v: string): boolean =>
    remove.has(keyOf(v)) && (sep ? !v.includes(sep) : !held.has(keyOf(v)));
  if (!list.create && !values.length) return false;
  const toAdd = add.filter((k) => !present.has(keyOf(k)) && !(sep && k.includes(sep)));
  const removing = values.some(removable);
  if (!toAdd.length && !removing) return false;

  const containers = listContainers(doc, file, list);
  if (removing) {
    for (const c of containers) {
      for (const li of listItems(c)) if (removable((li.textContent ?? '').trim())) removeIndented(li);
      // A list left empty goes altogether: other readers (exiftool) take an empty Bag for one blank keyword.
      const prop = c.parentNode;
      if (!listItems(c).length && !(toAdd.length && c === containers[0]) && isElement(prop))
        removeIndented(prop);
    }
  }
  if (toAdd.length) {
    const target = containers[0];
    if (target) for (const k of toAdd) appendIndented(target, newItem(doc, target, k));
    else newBag(doc, homeFor(doc, file), list, toAdd);
  }
  return true;
}

/**
 * Sets a simple property (xmp:Rating) wherever it is, attribute or element, or adds it as an attribute
 * of the keywords' Description; `value` null removes it. Returns whether anything changed.
 */
function setSimpleProperty(
  doc: Document,
  file: string,
  property: { ns: string; name: string; prefix: string },
  value: string | null,
): boolean {
  const { ns, name } = property;
  let found = false;
  let changed = false;
  for (const desc of descriptions(doc)) {
    const attr = desc.getAttributeNS(ns, name);
    if (attr !== null && desc.hasAttributeNS(ns, name)) {
      found = true;
      if (value === null) desc.removeAttributeNS(ns, name);
      else if (attr !== value)
        desc.setAttributeNS(ns, `${prefixFor(desc, ns, property.prefix)}:${name}`, value);
      changed ||= value === null || attr !== value;
    }
    for (const prop of propertyElements(desc, ns, name)) {
      found = true;
      if (value === null) {
        removeIndented(prop);
        changed = true;
      } else if (simpleText(prop) !== value) {
        for (const n of Array.from(prop.childNodes)) prop.removeChild(n);
        prop.appendChild(doc.createTextNode(value));
        changed = true;
      }
    }
  }
  if (found || value === null) return changed;
  const home = homeFor(doc, file);
  home.setAttributeNS(ns, `${prefixFor(home, ns, property.prefix)}:${name}`, value);
  return true;
}

const RATING = { ns: NS.xmp, name: 'Rating', prefix: 'xmp' };
const FAVORITE = { ns: NS.lumen, name: 'Favorite', prefix: 'lumen' };

/** Applies a keyword change to XMP text; returns the new text, or null when nothing changes. */
export function mergeSidecarKeywords(
  xmpText: string,
  change: SidecarKeywordChange,
  file = 'sidecar',
): string | null {
  const add = unique(change.keywords);
  const addKeys = new Set(add.map(keyOf));
  let doc: Document;
  try {
    doc = parseXmp(xmpText, { strict: true });
  } catch (err) {
    throw new SidecarFormatError(file, `not well-formed XML (${errorMessage(err)})`, { cause: err });
  }
  if (!doc.getElementsByTagNameNS(NS.rdf, 'RDF').length) {
    throw new SidecarFormatError(file, 'no rdf:RDF element, so not an XMP packet');
  }
  // Lumen's guesses written before: withdrawn unless still written (guessed again, or now the owner's).
  const before = propertyValues(doc, AUTO_LIST.ns, AUTO_LIST.name).map((v) => keyOf(v.text.trim()));
  const beforeKeys = new Set(before);
  // A guess the sidecar already holds as the owner's keyword (not listed as Lumen's) stays theirs.
  const owners = new Set(
    propertyValues(doc, NS.dc, 'subject')
      .map((v) => keyOf(v.text.trim()))
      .filter((k) => !beforeKeys.has(k)),
  );
  const auto = unique(change.auto ?? []).filter((k) => addKeys.has(keyOf(k)) && !owners.has(keyOf(k)));
  const autoKeys = new Set(auto.map(keyOf));
  const remove = new Set(
    [...unique(change.remove ?? []).map(keyOf), ...before].filter((k) => !addKeys.has(k)),
  );
  const held = new Set<string>();
  for (const list of LISTS) {
    if (!list.separator) continue;
    for (const v of propertyValues(doc, list.ns, list.name)) {
      const path = segments(v.text, list.separator);
      if (path.length > 1) held.add(keyOf(path.at(-1) ?? ''));
    }
  }
  let changed = false;
  for (const list of LISTS) changed = editList(doc, file, list, add, remove, held) || changed;
  const noLongerGuessed = new Set(before.filter((k) => !autoKeys.has(k)));
  changed = editList(doc, file, AUTO_LIST, auto, noLongerGuessed, new Set()) || changed;
  if (change.rating !== undefined) {
    const stars = Math.round(change.rating);
    changed =
      setSimpleProperty(doc, file, RATING, stars >= 1 && stars <= 5 ? String(stars) : null) || changed;
  }
  if (change.favorite !== undefined)
    changed = setSimpleProperty(doc, file, FAVORITE, change.favorite ? 'True' : null) || changed;
  if (!changed) return null;
  // The DOM keeps no text outside the root element: put back the file's final newline.
  const ending = /\s*$/.exec(xmpText)?.[0] ?? '';
  return new XMLSerializer().serializeToString(doc).trimEnd() + ending;
}

/** Writes `text` to `path` by way of a temporary file in the same folder and a rename. */
async function writeAtomically(path: string, text: string, mode: number | null): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
  try {
    const handle = await open(tmp, 'wx');
    try {
      await handle.writeFile(text, 'utf8');
      if (mode !== null) await handle.chmod(mode);
      await handle.sync(); // the rename must not land before the data does
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** A sidecar would be read or written outside the folders it may be written in (through a symlink). */
export class SidecarOutsideError extends Error {
  override readonly name = 'SidecarOutsideError';
  constructor(
    readonly path: string,
    readonly target: string,
  ) {
    super(`${path} leads outside the library's folders (to ${target}); it is left alone`);
  }
}

/** Where writing `path` would land (through a symlink at it, or in its folder's real place). */
async function writeTarget(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return join(await realpath(dirname(path)), basename(path));
  }
}

export interface SidecarWriteOptions {
  /** Real paths of the folders sidecars may be read and written in (the library's folders). */
  within?: readonly string[];
}

/** A sidecar the change was applied to: its path, and whether its contents changed (or it was created). */
export interface SidecarWrite {
  path: string;
  changed: boolean;
}

/**
 * Adds (and withdraws) keywords in the photo's XMP sidecar, creating one when there is none (and
 * something to add). Returns the sidecar's path and whether it changed. A sidecar that needs no change
 * is not rewritten, so apps that watch sidecars' times do not see a change that is not there.
 * @throws {SidecarFormatError} when an existing sidecar is not XMP we can edit safely.
 * @throws {SidecarOutsideError} when the sidecar leads outside `within`.
 */

export async function writeSidecarKeywords(
  photoPath: string,
  change: SidecarKeywordChange,
  options: SidecarWriteOptions = {},
): Promise<SidecarWrite> {
  const path = sidecarPathFor(photoPath);
  if (options.within) {
    const target = await writeTarget(path);
    if (!options.within.some((root) => isInside(root, target))) throw new SidecarOutsideError(path, target);
  }
  let bytes: Buffer | null = null;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (!bytes) {
    const text = mergeSidecarKeywords(NEW_SIDECAR, change, path);
    if (text !== null) await writeAtomically(path, text, null);
    return { path, changed: text !== null };
  }
  let xmpText: string;
  try {
    xmpText = new TextDecoder('utf-8', { fatal: true }).decode(bytes); // drops a BOM, kept below
  } catch (err) {
    throw new SidecarFormatError(path, 'not UTF-8 text', { cause: err });
  }
  const text = mergeSidecarKeywords(xmpText, change, path);
  if (text === null) return { path, changed: false };
  const target = await realpath(path); // through a symlink, not over it
  const bom = bytes.subarray(0, 3).equals(UTF8_BOM) ? '\uFEFF' : '';
  await writeAtomically(target, bom + text, (await stat(target)).mode & 0o7777);
  return { path, changed: true };
}
