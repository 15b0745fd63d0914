// The image tower: images -> preprocessed CHW batches -> vision graph -> L2-normalised embeddings.
// Preprocessing of the next batch (sharp, on libuv threads) overlaps with inference on the current one.

import { describeInput, type ImageInput } from '../images/image-source.js';
import { ImageDecodeError, errorMessage } from './errors.js';
import { visionSignature, type VisionSignature } from './graph-signature.js';
import { preprocessImage } from './image-preprocess.js';
import { LazySession, type SessionSettings } from './lazy-session.js';
import type { ImageSpec } from './model-spec.js';
import { imageBatchSize, type ProviderName } from './providers.js';
import { floatData, floatTensor } from './tensors.js';
import { normalizedRows } from './vectors.js';

export type ImageResult = { ok: true; embedding: Float32Array } | { ok: false; error: string };

export interface EncodeImagesOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  maxPixels?: number;
}

interface PreparedBatch {
  pixels: Float32Array;
  /** Index into the caller's inputs of each packed row. */
  rows: number[];
  errors: { index: number; error: string }[];
}

export class VisionEncoder {
  readonly session: LazySession<VisionSignature>;

  constructor(
    readonly file: string,
    readonly image: ImageSpec,
    settings: SessionSettings,
    private readonly batchOverride?: number,
  ) {
    // Off the caller's thread: a batch of images runs for 100-250 ms on a CPU, time in which the
    // engine's thread goes on decoding the next batch and writing the last.
    this.session = new LazySession(file, { ...settings, offThread: true }, (f, s) =>
      visionSignature(f, s, image.height, image.width),
    );
  }

  get provider(): ProviderName | null {
    return this.session.provider;
  }

  get pixelsPerImage(): number {
    return 3 * this.image.height * this.image.width;
  }

  async batchSize(): Promise<number> {
    const { provider, signature } = await this.session.get();
    return signature.fixedBatch ?? this.batchOverride ?? imageBatchSize(provider);
  }

  /** Runs preprocessed pixels ([count, 3, H, W] row-major) through the graph; returns normalised embeddings. */
  async encodePixels(pixels: Float32Array, count: number): Promise<Float32Array[]> {
    const { signature } = await this.session.get();
    const per = this.pixelsPerImage;
    const step = signature.fixedBatch ?? count;
    const out: Float32Array[] = [];
    for (let start = 0; start < count; start += step) {
      const n = Math.min(step, count - start);
      const rows = signature.fixedBatch ?? n;
      let chunk = pixels.subarray(start * per, (start + n) * per);
      if (rows > n) {
        // A graph with a fixed batch size gets zero padding; the padded rows are dropped below.
        const padded = new Float32Array(rows * per);
        padded.set(chunk);
        chunk = padded;
      }
      const input = floatTensor(signature.inputType, chunk, [rows, 3, this.image.height, this.image.width]);
      const result = await this.session.run({ [signature.input]: input }, signature.output);
      const dim = result.dims[1] ?? 0;
      out.push(...normalizedRows(floatData(result), n, dim));
    }
    return out;
  }

  private async prepare(
    inputs: readonly ImageInput[],
    indices: number[],
    maxPixels?: number,
  ): Promise<PreparedBatch> {
    const per = this.pixelsPerImage;
    const pixels = new Float32Array(indices.length * per);
    const settled = await Promise.allSettled(
      indices.map((i, slot) =>
        preprocessImage(inputs[i] as ImageInput, this.image, {
          into: pixels,
          offset: slot * per,
          ...(maxPixels !== undefined ? { maxPixels } : {}),
        }),
      ),
    );
    const rows: number[] = [];
    const errors: PreparedBatch['errors'] = [];
    settled.forEach((s, slot) => {
      const index = indices[slot] as number;
      if (s.status === 'fulfilled') {
        // Compact successful rows to the front, in order.
        if (rows.length !== slot) pixels.copyWithin(rows.length * per, slot * per, (slot + 1) * per);
        rows.push(index);
      } else {
        errors.push({
          index,
          error: s.reason instanceof ImageDecodeError ? s.reason.detail : errorMessage(s.reason),
        });
      }
    });
    return { pixels: pixels.subarray(0, rows.length * per), rows, errors };
  }

  /** Encodes every input; each gets its embedding or the reason it failed. */
  async encode(inputs: readonly ImageInput[], options: EncodeImagesOptions = {}): Promise<ImageResult[]> {
    const results: ImageResult[] = new Array<ImageResult>(inputs.length);
    if (inputs.length === 0) return results;
    const size = await this.batchSize();
    const batches: number[][] = [];
    for (let i = 0; i < inputs.length; i += size)
      batches.push(Array.from({ length: Math.min(size, inputs.length - i) }, (_, k) => i + k));
    let done = 0;
    let next: Promise<PreparedBatch> | null = this.prepare(inputs, batches[0] ?? [], options.maxPixels);
    for (let b = 0; b < batches.length; b++) {
      const current: PreparedBatch = await (next as Promise<PreparedBatch>);
      options.signal?.throwIfAborted();
      next = b + 1 < batches.length ? this.prepare(inputs, batches[b + 1] ?? [], options.maxPixels) : null;
      for (const e of current.errors) results[e.index] = { ok: false, error: e.error };
      if (current.rows.length > 0) {
        const embeddings = await this.encodePixels(current.pixels, current.rows.length);
        current.rows.forEach(
          (index, r) => (results[index] = { ok: true, embedding: embeddings[r] as Float32Array }),
        );
      }
      done += (batches[b] ?? []).length;
      options.onProgress?.(done, inputs.length);
    }
    return results;
  }

  /** Like encode, but throws the first failure. */
  async encodeAll(inputs: readonly ImageInput[], options: EncodeImagesOptions = {}): Promise<Float32Array[]> {
    const results = await this.encode(inputs, options);
    return results.map((r, i) => {
      if (!r.ok) throw new ImageDecodeError(describeInput(inputs[i] as ImageInput), r.error);
      return r.embedding;
    });
  }
}
