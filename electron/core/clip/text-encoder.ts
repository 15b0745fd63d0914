// The text tower: texts -> token batches -> text graph -> L2-normalised embeddings.
// Where the graph's sequence axis is dynamic, a query runs at its real length rather than padded to the
// context length: with the causal mask and end-of-text pooling the embedding is the same, and it is
// several times faster. Graphs with a fixed length are padded to it. A graph quantised dynamically
// (int8 activations scaled per run) gives a text a slightly different embedding in each batch it shares
// (0.002 with the test model), so a category's prompts would move when another category is added;
// such graphs encode one text per run.

import type { Tensor } from 'onnxruntime-node';
import { textSignature, type TextSignature } from './graph-signature.js';
import { LazySession, type SessionSettings } from './lazy-session.js';
import type { TextSpec } from './model-spec.js';
import type { ProviderName } from './providers.js';
import { floatData, intTensor } from './tensors.js';
import { TextTokenizer, type TokenBatch } from './text-tokenizer.js';
import { normalizedRows } from './vectors.js';

const TEXT_BATCH = 32;

export class TextEncoder {
  readonly session: LazySession<TextSignature>;
  readonly tokenizer: TextTokenizer;

  constructor(
    readonly file: string,
    spec: TextSpec,
    tokenizerJson: unknown,
    tokenizerConfig: unknown,
    settings: SessionSettings,
    /** Run each text alone: its embedding must not depend on the texts beside it. */
    private readonly oneAtATime = false,
  ) {
    this.tokenizer = new TextTokenizer(tokenizerJson, tokenizerConfig, spec);
    this.session = new LazySession(file, settings, (f, s) => textSignature(f, s));
  }

  get provider(): ProviderName | null {
    return this.session.provider;
  }

  /** Runs an already tokenised batch; returns normalised embeddings, one per row. */
  async encodeTokens(batch: TokenBatch): Promise<Float32Array[]> {
    const { signature } = await this.session.get();
    if (signature.fixedLength !== null && batch.length !== signature.fixedLength) {
      throw new Error(
        `${this.file} takes exactly ${signature.fixedLength} tokens per row, got ${batch.length}`,
      );
    }
    const dims = [batch.rows, batch.length];
    const feeds: Record<string, Tensor> = {
      [signature.idsInput]: intTensor(signature.idsType, batch.ids, dims),
    };
    if (signature.maskInput) feeds[signature.maskInput] = intTensor(signature.idsType, batch.mask, dims);
    const result = await this.session.run(feeds, signature.output);
    return normalizedRows(floatData(result), batch.rows, result.dims[1] ?? 0);
  }

  async encode(texts: readonly string[]): Promise<Float32Array[]> {
    const { signature } = await this.session.get();
    const out: Float32Array[] = [];
    const step = signature.fixedBatch ?? (this.oneAtATime ? 1 : TEXT_BATCH);
    for (let i = 0; i < texts.length; i += step) {
      const chunk = texts.slice(i, i + step);
      // A fixed batch size is met by repeating the last text; the extra rows are dropped.
      const rows = signature.fixedBatch
        ? [...chunk, ...Array<string>(step - chunk.length).fill(chunk.at(-1) ?? '')]
        : chunk;
      const batch = this.tokenizer.batch(rows, signature.fixedLength ?? undefined);
      out.push(...(await this.encodeTokens(batch)).slice(0, chunk.length));
    }
    return out;
  }
}
