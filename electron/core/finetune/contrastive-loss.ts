// The CLIP paper's symmetric contrastive loss over residual linear adapters, with its gradient.
// Stored embeddings stay frozen; each side gets x = normalise(e + e W) (W starts at zero, so the
// adapter starts as the identity) and the temperature is learnt as a log scale, as in CLIP.
// A batch is N (photo, text) pairs plus extra negatives: texts the user rejected for some photo
// (extra columns, pushed away from every photo) and random library photos (extra rows, which no
// caption of the batch should pick). The loss is the mean of the image-to-text cross-entropy over the
// N pair rows and the text-to-image cross-entropy over the N pair columns.
// An optional anchor term keeps the extra library photos where the model put them: it adds
// weight * mean |x - e|^2 (= 2 weight (1 - mean cos(x, e))) over those rows, so that learning a new
// concept moves the concept's photos rather than the whole library (feature distillation, as in
// "Learning without Forgetting", Li & Hoiem 2016, on the embeddings themselves). The same term is
// added for the text side, with those photos' embeddings put through the text adapter: they stand
// in for the texts that describe the library, which have to stay in place as well.

import { normalizeRows, normalizeRowsBackward, transpose, type MatMul } from './linear.js';

export interface AdapterParams {
  dim: number;
  /** Image-side residual W (dim x dim), or null when that side is not trained. */
  image: Float64Array | null;
  text: Float64Array | null;
  /** log of the logit scale. */
  logScale: number;
}

export interface Batch {
  /** Rows: N pair photos, then R negative photos; unit embeddings, (N + R) x dim. */
  images: Float64Array;
  /** Columns: N pair texts, then H negative texts, (N + H) x dim. */
  texts: Float64Array;
  pairs: number;
}

export interface LossAndGrad {
  loss: number;
  image: Float64Array | null;
  text: Float64Array | null;
  logScale: number;
}

async function project(
  e: Float64Array,
  rows: number,
  dim: number,
  w: Float64Array | null,
  mm: MatMul,
): Promise<Float64Array> {
  if (!w) return e;
  const ew = await mm(e, rows, dim, w, dim);
  for (let i = 0; i < ew.length; i++) ew[i] = (ew[i] as number) + (e[i] as number);
  return ew;
}

/**
 * One cross-entropy term over the logits scale * cos[first + t * stride], t < count, whose target is
 * t = target: adds its gradient (softmax - one-hot) / 2N into g and returns its loss / 2N. The
 * exponentials are computed once into `exps` and reused for the probabilities.
 */
function softmaxGrad(
  cos: Float64Array,
  g: Float64Array,
  scale: number,
  first: number,
  stride: number,
  count: number,
  target: number,
  n: number,
  exps: Float64Array,
): number {
  let max = -Infinity;
  for (let t = 0; t < count; t++) max = Math.max(max, scale * (cos[first + t * stride] as number));
  let sum = 0;
  for (let t = 0; t < count; t++) {
    const e = Math.exp(scale * (cos[first + t * stride] as number) - max);
    exps[t] = e;
    sum += e;
  }
  for (let t = 0; t < count; t++) {
    const at = first + t * stride;
    g[at] = (g[at] as number) + ((exps[t] as number) / sum - (t === target ? 1 : 0)) / (2 * n);
  }
  return -(scale * (cos[first + target * stride] as number) - max - Math.log(sum)) / (2 * n);
}

/** Loss and gradients with respect to W_image, W_text and the log scale. */
export async function contrastiveLoss(
  p: AdapterParams,
  batch: Batch,
  mm: MatMul,
  anchorWeight = 0,
): Promise<LossAndGrad> {
  const d = p.dim;
  const rows = batch.images.length / d;
  const cols = batch.texts.length / d;
  const n = batch.pairs;
  const x = normalizeRows(await project(batch.images, rows, d, p.image, mm), rows, d);
  const y = normalizeRows(await project(batch.texts, cols, d, p.text, mm), cols, d);
  const scale = Math.exp(p.logScale);
  const cos = await mm(x.unit, rows, d, transpose(y.unit, cols, d), cols);

  // dLoss/dlogit, accumulated from both directions.
  const g = new Float64Array(rows * cols);
  const exps = new Float64Array(Math.max(rows, cols));
  let loss = 0;
  for (let i = 0; i < n; i++) loss += softmaxGrad(cos, g, scale, i * cols, 1, cols, i, n, exps);
  for (let j = 0; j < n; j++) loss += softmaxGrad(cos, g, scale, j, cols, rows, j, n, exps);
  // logits = scale * cos: d/dlogScale = sum g * logits; d/dcos = scale * g.
  let dLogScale = 0;
  for (let k = 0; k < g.length; k++) {
    dLogScale += (g[k] as number) * scale * (cos[k] as number);
    g[k] = (g[k] as number) * scale;
  }
  const result: LossAndGrad = { loss, image: null, text: null, logScale: dLogScale };
  if (p.image) {
    const dx = await mm(g, rows, cols, y.unit, d);
    result.loss += anchor(x.unit, batch.images, dx, n, rows, d, anchorWeight);
    const da = normalizeRowsBackward(x.unit, x.norms, dx, rows, d);
    result.image = await mm(transpose(batch.images, rows, d), d, rows, da, d);
  }
  if (p.text) {
    const dy = await mm(transpose(g, rows, cols), cols, rows, x.unit, d);
    const db = normalizeRowsBackward(y.unit, y.norms, dy, cols, d);
    result.text = await mm(transpose(batch.texts, cols, d), d, cols, db, d);
    if (anchorWeight > 0 && rows > n) {
      // The text side's anchor: the library photos stand in for the texts that describe them (the
      // two towers share one space), and the text map must keep them in place too. Without it, a
      // model whose colour neighbours sit close together (yellow and orange photos at cosine 0.71)
      // lost 22 points of zero-shot accuracy learning "zorb": the captions' colour words moved.
      const extra = batch.images.subarray(n * d, rows * d);
      const m = rows - n;
      const t = normalizeRows(await project(extra, m, d, p.text, mm), m, d);
      const dt = new Float64Array(m * d);
      result.loss += anchor(t.unit, extra, dt, 0, m, d, anchorWeight);
      const dtb = normalizeRowsBackward(t.unit, t.norms, dt, m, d);
      const gt = await mm(transpose(extra, m, d), d, m, dtb, d);
      for (let i = 0; i < gt.length; i++) result.text[i] = (result.text[i] as number) + (gt[i] as number);
    }
  }
  return result;
}

/**
 * The anchor term over rows first..rows-1 (the extra library photos): adds its gradient with respect
 * to the projected unit rows x into dx and returns its value.
 */
function anchor(
  x: Float64Array,
  e: Float64Array,
  dx: Float64Array,
  first: number,
  rows: number,
  d: number,
  weight: number,
): number {
  if (weight <= 0 || rows <= first) return 0;
  const k = weight / (rows - first);
  let loss = 0;
  for (let at = first * d; at < rows * d; at++) {
    const diff = (x[at] as number) - (e[at] as number);
    loss += k * diff * diff;
    dx[at] = (dx[at] as number) + 2 * k * diff;
  }
  return loss;
}
