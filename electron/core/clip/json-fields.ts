// Typed reads from a parsed JSON config, failing with the file and key path named.

import { readFileSync } from 'node:fs';
import { ModelFolderError } from './errors.js';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class JsonFields {
  private constructor(
    readonly file: string,
    private readonly obj: Record<string, unknown>,
    private readonly prefix: string,
  ) {}

  /** Reads and parses a JSON object file; a missing or malformed file is a ModelFolderError. */
  static read(file: string): JsonFields {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ModelFolderError(file, code === 'ENOENT' ? 'missing' : `cannot be read (${code ?? 'error'})`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ModelFolderError(file, `is not valid JSON (${(err as Error).message})`);
    }
    if (!isRecord(parsed)) throw new ModelFolderError(file, 'must hold a JSON object');
    return new JsonFields(file, parsed, '');
  }

  get raw(): Record<string, unknown> {
    return this.obj;
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined && this.obj[key] !== null;
  }

  private fail(key: string, expected: string): never {
    throw new ModelFolderError(this.file, `"${this.prefix}${key}" must be ${expected}`);
  }

  value(key: string): unknown {
    return this.obj[key];
  }

  num(key: string, fallback?: number): number {
    const v = this.obj[key];
    if (v === undefined || v === null) return fallback ?? this.fail(key, 'a number');
    if (typeof v !== 'number' || !Number.isFinite(v)) return this.fail(key, 'a number');
    return v;
  }

  optNum(key: string): number | null {
    return this.has(key) ? this.num(key) : null;
  }

  int(key: string, fallback?: number): number {
    const v = this.num(key, fallback);
    if (!Number.isInteger(v) || v <= 0) return this.fail(key, 'a positive integer');
    return v;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.obj[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') return this.fail(key, 'true or false');
    return v;
  }

  str(key: string, fallback?: string): string {
    const v = this.obj[key];
    if (v === undefined || v === null) return fallback ?? this.fail(key, 'a string');
    if (typeof v !== 'string') return this.fail(key, 'a string');
    return v;
  }

  /** A nested object, or null when absent. */
  child(key: string): JsonFields | null {
    const v = this.obj[key];
    if (v === undefined || v === null) return null;
    if (!isRecord(v)) return this.fail(key, 'an object');
    return new JsonFields(this.file, v, `${this.prefix}${key}.`);
  }

  /** Three numbers: a per-channel [r, g, b] array, or one number for all three. */
  triple(key: string): readonly [number, number, number] | null {
    const v = this.obj[key];
    if (v === undefined || v === null) return null;
    if (typeof v === 'number') return [v, v, v];
    if (Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number')) {
      return [v[0] as number, v[1] as number, v[2] as number];
    }
    return this.fail(key, 'a number or an array of 3 numbers');
  }
}
