// The small part of XMP (an RDF/XML dialect) that keyword interchange needs, over a real XML DOM so
// that namespaces are matched by URI, not by whatever prefix a writer chose. Reading and writing
// share it: what the sidecar writer edits is exactly what the label reader reads.

import { DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom';

export const NS = {
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  xml: 'http://www.w3.org/XML/1998/namespace',
  xmlns: 'http://www.w3.org/2000/xmlns/',
  x: 'adobe:ns:meta/',
  dc: 'http://purl.org/dc/elements/1.1/',
  lr: 'http://ns.adobe.com/lightroom/1.0/',
  digiKam: 'http://www.digikam.org/ns/1.0/',
  /** XMP basic: xmp:Rating, the star rating every photo app reads and writes. */
  xmp: 'http://ns.adobe.com/xap/1.0/',
  /**
   * Lumen's own: what of a sidecar's keywords are Lumen's guesses, not the owner's words, and the
   * owner's favourites (lumen:Favorite; XMP has no standard field for one).
   */
  lumen: 'https://lumen.photos/xmp/1.0/',
} as const;

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;

export const isElement = (n: Node | null): n is Element => n?.nodeType === ELEMENT_NODE;
export const isBlankText = (n: Node | null): boolean =>
  n?.nodeType === TEXT_NODE && !(n.nodeValue ?? '').trim();

export function elementChildren(n: Node): Element[] {
  return Array.from(n.childNodes).filter(isElement);
}

/**
 * Parses XMP text. `strict` (for a file about to be rewritten) refuses anything the parser had to
 * guess about, even a warning; otherwise only what cannot be parsed at all is refused. Throws the
 * parser's message.
 */
export function parseXmp(text: string, { strict }: { strict: boolean }): Document {
  const doc = new DOMParser({
    onError: (level, message) => {
      if (strict || level === 'fatalError') throw new Error(`${level}: ${message}`);
    },
  }).parseFromString(text, 'application/xml');
  if (!doc.documentElement) throw new Error('no root element');
  return doc;
}

/** The top-level rdf:Description blocks; nested ones describe struct values, not the photo. */
export function descriptions(doc: Document): Element[] {
  const rdf = doc.getElementsByTagNameNS(NS.rdf, 'RDF').item(0);
  if (!rdf) return [];
  return elementChildren(rdf).filter((e) => e.namespaceURI === NS.rdf && e.localName === 'Description');
}

/** The property elements named ns:name directly inside a Description (the element form). */
export function propertyElements(desc: Element, ns: string, name: string): Element[] {
  return elementChildren(desc).filter((e) => e.namespaceURI === ns && e.localName === name);
}

/** The rdf:Bag, rdf:Seq or rdf:Alt a property element holds, if any. */
export function container(prop: Element): Element | undefined {
  return elementChildren(prop).find(
    (e) => e.namespaceURI === NS.rdf && ['Bag', 'Seq', 'Alt'].includes(e.localName ?? ''),
  );
}

export function listItems(list: Element): Element[] {
  return elementChildren(list).filter((e) => e.namespaceURI === NS.rdf && e.localName === 'li');
}

/** The text of a simple value, or null for a struct (a value with child elements). */
export function simpleText(e: Element): string | null {
  return elementChildren(e).length ? null : (e.textContent ?? '');
}

export interface PropertyValue {
  text: string;
  /** xml:lang, for the entries of a language alternative (dc:description). */
  lang: string | null;
}

/**
 * Every value of ns:name across the Descriptions, in document order, in any of the forms writers
 * use: an attribute on the Description (`dc:subject="a"`), a simple element (`<dc:subject>a<…>`),
 * or an element holding an rdf:Bag / Seq / Alt of rdf:li.
 */
export function propertyValues(doc: Document, ns: string, name: string): PropertyValue[] {
  const out: PropertyValue[] = [];
  const langOf = (e: Element): string | null =>
    e.getAttributeNS(NS.xml, 'lang') ?? e.getAttribute('xml:lang') ?? null;
  for (const desc of descriptions(doc)) {
    const attr = desc.getAttributeNS(ns, name);
    if (attr !== null) out.push({ text: attr, lang: null });
    for (const prop of propertyElements(desc, ns, name)) {
      const list = container(prop);
      const items = list ? listItems(list) : [prop];
      for (const item of items) {
        const text = simpleText(item);
        if (text !== null) out.push({ text, lang: langOf(item) });
      }
    }
  }
  return out;
}
