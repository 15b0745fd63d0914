// Parses combined queries in the spirit of rclip: terms joined by " + " and " - ", each optionally
// weighted ("2:dog"), text or an image file ("./rex.jpg"): `beach + sunset - people`, `2:dog + ./rex.jpg`.

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { isImagePath } from './folder-scan.js';

export interface QueryTerm {
  kind: 'text' | 'image';
  /** Text, or an absolute image path. */
  value: string;
  /** Signed weight: negative terms push results away. */
  weight: number;
}

export class QuerySyntaxError extends Error {
  override readonly name = 'QuerySyntaxError';
}

const looksLikePath = (s: string): boolean => /^(\.{1,2}[\\/]|[\\/]|~[\\/]|[A-Za-z]:[\\/])/.test(s);

function term(raw: string, sign: 1 | -1, cwd: string): QueryTerm {
  let text = raw.trim();
  let weight = 1;
  const m = /^(\d+(?:\.\d+)?):(.*)$/s.exec(text);
  if (m) {
    weight = Number(m[1]);
    text = (m[2] ?? '').trim();
  }
  if (!text) throw new QuerySyntaxError(`empty term in query`);
  if (weight === 0) throw new QuerySyntaxError(`weight 0 on "${text}" does nothing`);
  if (looksLikePath(text) || (isImagePath(text) && existsSync(resolve(cwd, text)))) {
    const path = resolve(cwd, text.startsWith('~') ? text.replace(/^~/, homedir()) : text);
    if (!existsSync(path)) throw new QuerySyntaxError(`image not found: ${text}`);
    return { kind: 'image', value: path, weight: sign * weight };
  }
  return { kind: 'text', value: text, weight: sign * weight };
}

/** Splits on " + " and " - " (spaces required, so "t-shirt" and "x+y" stay one term). */
export function parseQuery(query: string, cwd = process.cwd()): QueryTerm[] {
  const trimmed = query.trim();
  if (!trimmed) throw new QuerySyntaxError('empty query');
  if (/^[+-]$/.test(trimmed)) throw new QuerySyntaxError('a query needs a term, not just an operator');
  // A trailing operator ("a +") leaves an empty last term, which term() rejects.
  const parts = trimmed.split(/\s+([+-])(?:\s+|$)/);
  let first = parts[0] ?? '';
  let firstSign: 1 | -1 = 1;
  if (/^-\s+/.test(first)) {
    firstSign = -1;
    first = first.replace(/^-\s+/, '');
  } else if (/^\+\s+/.test(first)) first = first.replace(/^\+\s+/, '');
  const terms = [term(first, firstSign, cwd)];
  for (let i = 1; i < parts.length; i += 2)
    terms.push(term(parts[i + 1] ?? '', parts[i] === '-' ? -1 : 1, cwd));
  if (!terms.some((t) => t.weight > 0))
    throw new QuerySyntaxError('a query needs at least one positive term');
  return terms;
}
