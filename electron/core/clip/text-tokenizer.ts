// Tokenizes queries with @huggingface/tokenizers from the folder's tokenizer.json, then applies what the
// model expects: its special tokens, truncation to the context length with the closing special token kept
// last, and padding ('longest' for CLIP, 'max_length' for SigLIP) with an attention mask.

import * as tokenizers from '@huggingface/tokenizers';
import type { TextSpec } from './model-spec.js';

/**
 * The part of @huggingface/tokenizers' Tokenizer we use. The package's own .d.ts re-exports with
 * extensionless paths that NodeNext resolution cannot follow, so its types arrive as `any`.
 */
interface HfTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): { ids: number[] };
  decode(ids: number[], options: { skip_special_tokens: boolean }): string;
  get_added_tokens_decoder(): Map<number, { content: string; special: boolean }>;
}
const Tokenizer = (tokenizers as unknown as { Tokenizer: new (json: object, config: object) => HfTokenizer })
  .Tokenizer;

export interface TokenBatch {
  /** Row-major [rows, length] token ids. */
  ids: BigInt64Array;
  mask: BigInt64Array;
  rows: number;
  length: number;
  /** Each row's unpadded length. */
  lengths: number[];
}

export class TextTokenizer {
  private readonly tokenizer: HfTokenizer;
  /** Special tokens the tokenizer's post-processor puts before and after the text. */
  private readonly prefix: number[];
  private readonly suffix: number[];
  /** Literal special-token strings, removed from user text (see encode). */
  private readonly specialLiterals: RegExp | null;

  constructor(
    tokenizerJson: unknown,
    tokenizerConfig: unknown,
    readonly spec: TextSpec,
  ) {
    this.tokenizer = new Tokenizer(tokenizerJson as object, tokenizerConfig as object);
    // Learn where the post-processor puts its special tokens by encoding a probe with and without them.
    const bare = this.tokenizer.encode('a', { add_special_tokens: false }).ids;
    const full = this.tokenizer.encode('a', { add_special_tokens: true }).ids;
    const at = indexOfRun(full, bare);
    this.prefix = at >= 0 ? full.slice(0, at) : [];
    this.suffix = at >= 0 ? full.slice(at + bare.length) : [];
    const specials = [...this.tokenizer.get_added_tokens_decoder().values()]
      .filter((t) => t.special)
      .map((t) => t.content);
    this.specialLiterals = specials.length ? new RegExp(specials.map(escapeRegExp).join('|'), 'g') : null;
  }

  /**
   * Token ids with special tokens, truncated to the context length; the closing token stays last.
   * A literal "<|endoftext|>" typed into a query would otherwise become the real token, and the text
   * tower pools at the first one: everything after it would be silently ignored. So specials are
   * only ever added here, never taken from the user's text.
   */
  encode(text: string): number[] {
    const clean = this.specialLiterals ? text.replace(this.specialLiterals, ' ') : text;
    const body = this.tokenizer.encode(clean, { add_special_tokens: false }).ids;
    const room = this.spec.contextLength - this.prefix.length - this.suffix.length;
    return [...this.prefix, ...body.slice(0, Math.max(room, 0)), ...this.suffix];
  }

  /** Encodes texts and pads them to one length as the model expects. */
  batch(texts: readonly string[], padTo?: number): TokenBatch {
    const seqs = texts.map((t) => this.encode(t));
    const longest = Math.max(1, ...seqs.map((s) => s.length));
    const length =
      this.spec.padding === 'max_length' ? this.spec.contextLength : Math.max(longest, padTo ?? 0);
    const ids = new BigInt64Array(seqs.length * length).fill(BigInt(this.spec.padId));
    const mask = new BigInt64Array(seqs.length * length);
    seqs.forEach((seq, row) => {
      for (let i = 0; i < seq.length; i++) {
        ids[row * length + i] = BigInt(seq[i] ?? 0);
        mask[row * length + i] = 1n;
      }
    });
    return { ids, mask, rows: seqs.length, length, lengths: seqs.map((s) => s.length) };
  }

  decode(ids: readonly number[]): string {
    return this.tokenizer.decode([...ids], { skip_special_tokens: true });
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function indexOfRun(haystack: readonly number[], needle: readonly number[]): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
