// A per-category threshold learnt from the library's own scores instead of one magic number. When a
// concept is present, a category's cosine scores over the library form two clusters (photos of it,
// and the rest); a two-component Gaussian mixture finds them, and the tag threshold is where a photo
// becomes more likely to belong to the upper one. Ashman's D (> 2 means cleanly separated) decides
// whether the clusters are real; when they are not, only clear outliers above the bulk are tagged.
// Everything runs on a fine histogram of the scores, so calibrating 200 categories over 100k photos
// costs two passes over the scores each, not a sort and an EM over every photo.

export interface Calibration {
  threshold: number;
  /** The score spread that margins are measured in (the upper cluster's deviation, or the bulk's). */
  spread: number;
  method: 'mixture' | 'outliers';
  /** Ashman's D of the fitted mixture. */
  separation: number;
}

/** Robust z for the outlier rule: about 1 in 4000 of a normal bulk passes it. */
export const OUTLIER_Z = 3.5;
const MIN_SEPARATION = 2;
const BINS = 1024;

interface Component {
  weight: number;
  mean: number;
  sd: number;
}

interface Histogram {
  counts: Float64Array;
  /** Each bin's centre score, computed once: the fits below read them many times over. */
  centres: Float64Array;
  centre: (bin: number) => number;
  n: number;
}

function histogram(scores: Float32Array): Histogram {
  const n = scores.length;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = scores[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const width = Math.max((max - min) / BINS, 1e-9);
  const perBin = 1 / width;
  // Integer counts, and truncation by `| 0` (scores - min >= 0): this pass runs once per category
  // over every photo, so it is most of calibration's cost.
  const counts = new Int32Array(BINS);
  for (let i = 0; i < n; i++) {
    const b = (((scores[i] as number) - min) * perBin) | 0;
    const bin = b < BINS ? b : BINS - 1;
    counts[bin] = (counts[bin] as number) + 1;
  }
  const centres = Float64Array.from({ length: BINS }, (_, b) => min + (b + 0.5) * width);
  return { counts: Float64Array.from(counts), centres, centre: (b) => centres[b] as number, n };
}

function quantile(h: Histogram, q: number, value: (bin: number) => number = h.centre): number {
  let seen = 0;
  for (let b = 0; b < BINS; b++) {
    seen += h.counts[b] as number;
    if (seen >= q * h.n) return value(b);
  }
  return value(BINS - 1);
}

/** Otsu's split: the bin boundary that maximises the between-class variance. */
function otsu(h: Histogram): number {
  let total = 0;
  for (let b = 0; b < BINS; b++) total += (h.counts[b] as number) * h.centre(b);
  let n0 = 0;
  let s0 = 0;
  let best = -1;
  let cut = 0;
  for (let b = 0; b < BINS - 1; b++) {
    n0 += h.counts[b] as number;
    s0 += (h.counts[b] as number) * h.centre(b);
    if (n0 === 0 || n0 === h.n) continue;
    const w0 = n0 / h.n;
    const between = w0 * (1 - w0) * (s0 / n0 - (total - s0) / (h.n - n0)) ** 2;
    if (between > best) {
      best = between;
      cut = b;
    }
  }
  return cut;
}

const density = (c: Component, x: number): number =>
  (c.weight / (c.sd * Math.sqrt(2 * Math.PI))) * Math.exp(-0.5 * ((x - c.mean) / c.sd) ** 2);

/** Weight 1 for the bins from `from` on (or, with `below`, the bins before it), 0 elsewhere. */
function step(from: number, below = false): Float64Array {
  const w = new Float64Array(BINS);
  for (let b = 0; b < BINS; b++) w[b] = b >= from !== below ? 1 : 0;
  return w;
}

function moments(h: Histogram, weights: Float64Array, floorSd: number): Component {
  const { counts, centres } = h;
  let w = 0;
  let s = 0;
  for (let b = 0; b < BINS; b++) {
    const r = (counts[b] as number) * (weights[b] as number);
    w += r;
    s += r * (centres[b] as number);
  }
  const mean = s / Math.max(w, 1e-12);
  let v = 0;
  for (let b = 0; b < BINS; b++)
    v += (counts[b] as number) * (weights[b] as number) * ((centres[b] as number) - mean) ** 2;
  return { weight: w / h.n, mean, sd: Math.max(Math.sqrt(v / Math.max(w, 1e-12)), floorSd) };
}

/** EM for two Gaussians over the histogram, started from Otsu's split. */
function fitMixture(h: Histogram, floorSd: number): [Component, Component] {
  const cut = otsu(h);
  let lo = moments(h, step(cut + 1, true), floorSd);
  let hi = moments(h, step(cut + 1), floorSd);
  for (let iter = 0; iter < 40; iter++) {
    const upper = new Float64Array(BINS);
    const lower = new Float64Array(BINS);
    for (let b = 0; b < BINS; b++) {
      const a = density(lo, h.centres[b] as number);
      const c = density(hi, h.centres[b] as number);
      upper[b] = a + c > 0 ? c / (a + c) : b > cut ? 1 : 0;
      lower[b] = 1 - (upper[b] as number);
    }
    const nextLo = moments(h, lower, floorSd);
    const nextHi = moments(h, upper, floorSd);
    const moved = Math.abs(nextLo.mean - lo.mean) + Math.abs(nextHi.mean - hi.mean);
    lo = nextLo;
    hi = nextHi;
    if (hi.weight * h.n < 1 || moved < 1e-4 * (h.centre(1) - h.centre(0))) break;
  }
  return lo.mean <= hi.mean ? [lo, hi] : [hi, lo];
}

/** Where the upper component's weighted density overtakes the lower one's, between their means. */
function crossing(lo: Component, hi: Component): number {
  let a = lo.mean;
  let b = hi.mean;
  for (let i = 0; i < 60; i++) {
    const mid = (a + b) / 2;
    if (density(hi, mid) > density(lo, mid)) b = mid;
    else a = mid;
  }
  return (a + b) / 2;
}

/**
 * Clear valleys of the histogram smoothed with a Gaussian kernel (a quarter of the bulk's robust
 * deviation wide): local minima under half the smaller of the highest densities on either side.
 */
function valleys(h: Histogram, robustSd: number): number[] {
  const binWidth = h.centre(1) - h.centre(0);
  const sigma = Math.max(robustSd / 4, binWidth) / binWidth;
  const radius = Math.ceil(3 * sigma);
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) =>
    Math.exp(-0.5 * ((i - radius) / sigma) ** 2),
  );
  const smooth = new Float64Array(BINS);
  for (let b = 0; b < BINS; b++) {
    let s = 0;
    for (let k = -radius; k <= radius; k++) {
      const j = b + k;
      if (j >= 0 && j < BINS) s += (h.counts[j] as number) * (kernel[k + radius] as number);
    }
    smooth[b] = s;
  }
  const leftMax = new Float64Array(BINS);
  const rightMax = new Float64Array(BINS);
  for (let b = 0, m = 0; b < BINS; b++) leftMax[b] = m = Math.max(m, smooth[b] as number);
  for (let b = BINS - 1, m = 0; b >= 0; b--) rightMax[b] = m = Math.max(m, smooth[b] as number);
  const out: number[] = [];
  for (let b = 1; b < BINS - 1; b++) {
    const v = smooth[b] as number;
    if (v > (smooth[b - 1] as number) || v > (smooth[b + 1] as number)) continue;
    if (v < 0.5 * Math.min(leftMax[b] as number, rightMax[b] as number)) out.push(b);
  }
  return out;
}

const ashman = (lo: Component, hi: Component): number =>
  (Math.SQRT2 * Math.abs(hi.mean - lo.mean)) / Math.sqrt(lo.sd ** 2 + hi.sd ** 2);

/** Photos per unit of score in a window around x, read from the histogram. */
function densityAt(h: Histogram, x: number, halfWidth: number): number {
  let count = 0;
  for (let b = 0; b < BINS; b++) if (Math.abs(h.centre(b) - x) <= halfWidth) count += h.counts[b] as number;
  return count / (2 * halfWidth);
}

/**
 * Whether the scores thin out between the clusters: at the threshold the histogram must hold well
 * under half of what it holds at the smaller cluster's centre. A single bell split in two fails this.
 */
function dips(h: Histogram, lo: Component, hi: Component, threshold: number): boolean {
  const w = Math.max(Math.min(lo.sd, hi.sd) / 2, (h.centre(1) - h.centre(0)) * 2);
  const valley = densityAt(h, threshold, w);
  const peak = Math.min(densityAt(h, lo.mean, w), densityAt(h, hi.mean, w));
  return valley < 0.5 * peak;
}

export function calibrate(scores: ArrayLike<number>): Calibration {
  if (scores.length < 8) {
    // Too few photos to learn a distribution from: tag nothing automatically.
    let top = -Infinity;
    for (let i = 0; i < scores.length; i++) top = Math.max(top, scores[i] as number);
    return {
      threshold: Number.isFinite(top) ? top + 1e-6 : 1,
      spread: 0.05,
      method: 'outliers',
      separation: 0,
    };
  }
  const h = histogram(scores instanceof Float32Array ? scores : Float32Array.from(scores));
  const median = quantile(h, 0.5);
  const binWidth = h.centre(1) - h.centre(0);
  // MAD from the histogram: the median of |score - median|, found by widening a window around it.
  // MAD from the histogram: widen a window around the median bin until it holds half the photos.
  const mid = Math.round((median - h.centre(0)) / binWidth);
  let inside = h.counts[mid] ?? 0;
  let r = 0;
  while (inside < h.n / 2 && r < BINS) {
    r++;
    inside += (h.counts[mid - r] ?? 0) + (h.counts[mid + r] ?? 0);
  }
  const robustSd = Math.max((r + 0.5) * binWidth * 1.4826, 1e-4);
  // Two candidate splits, tried in turn: the valley of the smoothed score density that best separates
  // what lies above it from what lies below (robust when "the rest" is itself several clusters, e.g.
  // the other colours), then an EM two-Gaussian mixture (for clusters without a clear valley). A split
  // is trusted only when its clusters are apart (Ashman's D) and the histogram really dips between them.
  const trusted = (c: { lo: Component; hi: Component; threshold: number }): boolean =>
    ashman(c.lo, c.hi) > MIN_SEPARATION && c.hi.weight * h.n >= 2 && dips(h, c.lo, c.hi, c.threshold);
  // Among the trusted splits, those above the median come first: a concept is usually a minority of
  // the library, and "the rest" may itself be several clusters with a clean valley between them (a
  // tight low cluster of unrelated photos gives a large D) where splitting would tag most photos.
  // A finer smoothing is tried when that finds nothing: a multi-cluster "rest" inflates the robust
  // deviation, and the wide kernel alone can blur a narrow gap under the concept.
  let split: { lo: Component; hi: Component; threshold: number } | null = null;
  const rank = (c: { lo: Component; hi: Component; threshold: number }): number =>
    (trusted(c) ? 2 : 0) + (c.threshold > median ? 1 : 0);
  for (const width of [robustSd, robustSd / 3]) {
    if (split && rank(split) === 3) break;
    for (const bin of valleys(h, width)) {
      const c = {
        lo: moments(h, step(bin, true), binWidth),
        hi: moments(h, step(bin), binWidth),
        threshold: h.centre(bin),
      };
      if (
        !split ||
        rank(c) > rank(split) ||
        (rank(c) === rank(split) && ashman(c.lo, c.hi) > ashman(split.lo, split.hi))
      )
        split = c;
    }
  }
  if (split && trusted(split))
    return {
      threshold: split.threshold,
      spread: split.hi.sd,
      method: 'mixture',
      separation: ashman(split.lo, split.hi),
    };
  const [lo, hi] = fitMixture(h, binWidth);
  const em = { lo, hi, threshold: crossing(lo, hi) };
  if (trusted(em))
    return { threshold: em.threshold, spread: hi.sd, method: 'mixture', separation: ashman(lo, hi) };
  const scored = [em, ...(split ? [split] : [])].map((c) => ({ separation: ashman(c.lo, c.hi) }));
  const separation = Math.max(...scored.map((c) => c.separation));
  return { threshold: median + OUTLIER_Z * robustSd, spread: robustSd, method: 'outliers', separation };
}
