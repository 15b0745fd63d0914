// A per-category threshold learnt from the library's own scores instead of one magic number. When a
// concept is present, a category's cosine scores over the library form two clusters (photos of it,
// and the rest); a two-component Gaussian mixture finds them, and the tag threshold is where a photo
// becomes more likely to belong to the upper one. Ashman's D (> 2 means cleanly separated) decides
// whether the clusters are real; when they are not, only clear outliers above the bulk are tagged.
// The upper cluster may still hold look-alikes (orange and purple under "red things"), so it is split
// again at its own scale while that finds a cluster well apart below its top.
// Everything runs on a fine histogram of the scores, so calibrating 200 categories over 100k photos
// costs two passes over the scores each, not a sort and an EM over every photo; the histogram's
// running sums give any range of bins its count and moments at once, so the many candidate splits
// cost almost nothing.

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
/**
 * The least share of the library a split must leave below it. Without it, the few photos in a large
 * bell's far lower tail, isolated by the smoothing, passed for a cluster, and the split above them
 * tagged the whole library (100k photos of one bell: all tagged). A concept that is more than 99% of
 * a library is nothing to tag from its scores anyway.
 */
const MIN_REST_SHARE = 0.01;
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
  /** Running sums over the bins before b: counts, counts x centre, counts x centre^2 (BINS + 1 each). */
  cumCount: Float64Array;
  cumSum: Float64Array;
  cumSq: Float64Array;
  n: number;
}

function histogram(scores: Float32Array): Histogram {
  const n = scores.length;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = scores[i] as number;
    min = v < min ? v : min;
    max = v > max ? v : max;
  }
  const width = Math.max((max - min) / BINS, 1e-9);
  const perBin = 1 / width;
  // This pass runs once per category over every photo, so it is most of calibration's cost. Integer
  // counts, truncation by `| 0` (scores - min >= 0), and four interleaved sub-histograms: neighbouring
  // photos often fall in the same bin, and one array would make each increment wait for the last
  // (measured 2x faster than one).
  const bin = (v: number): number => {
    const b = ((v - min) * perBin) | 0;
    return b < BINS ? b : BINS - 1;
  };
  const lanes = new Int32Array(4 * BINS);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const b0 = bin(scores[i] as number);
    const b1 = BINS + bin(scores[i + 1] as number);
    const b2 = 2 * BINS + bin(scores[i + 2] as number);
    const b3 = 3 * BINS + bin(scores[i + 3] as number);
    lanes[b0] = (lanes[b0] as number) + 1;
    lanes[b1] = (lanes[b1] as number) + 1;
    lanes[b2] = (lanes[b2] as number) + 1;
    lanes[b3] = (lanes[b3] as number) + 1;
  }
  for (; i < n; i++) {
    const b = bin(scores[i] as number);
    lanes[b] = (lanes[b] as number) + 1;
  }
  const counts = new Int32Array(BINS);
  for (let b = 0; b < BINS; b++)
    counts[b] =
      (lanes[b] as number) +
      (lanes[BINS + b] as number) +
      (lanes[2 * BINS + b] as number) +
      (lanes[3 * BINS + b] as number);
  const centres = new Float64Array(BINS);
  const cumCount = new Float64Array(BINS + 1);
  const cumSum = new Float64Array(BINS + 1);
  const cumSq = new Float64Array(BINS + 1);
  for (let b = 0; b < BINS; b++) {
    const x = min + (b + 0.5) * width;
    const c = counts[b] as number;
    centres[b] = x;
    cumCount[b + 1] = (cumCount[b] as number) + c;
    cumSum[b + 1] = (cumSum[b] as number) + c * x;
    cumSq[b + 1] = (cumSq[b] as number) + c * x * x;
  }
  return {
    counts: Float64Array.from(counts),
    centres,
    centre: (b) => centres[b] as number,
    cumCount,
    cumSum,
    cumSq,
    n,
  };
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

/** A component from weighted sums: total weight w, sum of w x, sum of w x^2. */
function component(h: Histogram, w: number, s: number, q: number, floorSd: number): Component {
  const mean = s / Math.max(w, 1e-12);
  const variance = Math.max(q / Math.max(w, 1e-12) - mean * mean, 0);
  return { weight: w / h.n, mean, sd: Math.max(Math.sqrt(variance), floorSd) };
}

/** The component of the bins [from, to), from the running sums. */
function rangeMoments(h: Histogram, from: number, to: number, floorSd: number): Component {
  const { cumCount, cumSum, cumSq } = h;
  return component(
    h,
    (cumCount[to] as number) - (cumCount[from] as number),
    (cumSum[to] as number) - (cumSum[from] as number),
    (cumSq[to] as number) - (cumSq[from] as number),
    floorSd,
  );
}

const EM_MERGE = 4;

/** The occupied bins merged EM_MERGE at a time: count, mean score, and the first fine bin of each. */
function mergedBins(h: Histogram): { counts: Float64Array; centres: Float64Array; firsts: Int32Array } {
  const n = BINS / EM_MERGE;
  const counts = new Float64Array(n);
  const centres = new Float64Array(n);
  const firsts = new Int32Array(n);
  let k = 0;
  for (let m = 0; m < n; m++) {
    const from = m * EM_MERGE;
    const w = (h.cumCount[from + EM_MERGE] as number) - (h.cumCount[from] as number);
    if (w === 0) continue;
    counts[k] = w;
    centres[k] = ((h.cumSum[from + EM_MERGE] as number) - (h.cumSum[from] as number)) / w;
    firsts[k++] = from;
  }
  return { counts: counts.subarray(0, k), centres: centres.subarray(0, k), firsts: firsts.subarray(0, k) };
}

/** EM for two Gaussians over the histogram, started from Otsu's split. */
function fitMixture(h: Histogram, floorSd: number): [Component, Component] {
  const cut = otsu(h);
  let lo = rangeMoments(h, 0, cut + 1, floorSd);
  let hi = rangeMoments(h, cut + 1, BINS, floorSd);
  // EM reads the histogram merged EM_MERGE bins at a time, each merged bin at its photos' mean score:
  // a quarter of the work per iteration, and the fit (two broad Gaussians) does not need the fine bins.
  const { counts, centres, firsts } = mergedBins(h);
  const totalW = h.cumCount[BINS] as number;
  const totalS = h.cumSum[BINS] as number;
  const totalQ = h.cumSq[BINS] as number;
  for (let iter = 0; iter < 40; iter++) {
    // One pass: each merged bin's share of the upper component, and the upper component's sums;
    // the lower one's are the totals minus these. The share is c / (a + c) for the two weighted
    // densities a and c, computed as 1 / (1 + a / c) with one exponential instead of two.
    const kLo = lo.weight / lo.sd;
    const kHi = hi.weight / hi.sd;
    let w = 0;
    let s = 0;
    let q = 0;
    for (let b = 0; b < counts.length; b++) {
      const x = centres[b] as number;
      const zLo = (x - lo.mean) / lo.sd;
      const zHi = (x - hi.mean) / hi.sd;
      const ratio = (kLo / kHi) * Math.exp(0.5 * (zHi * zHi - zLo * zLo)); // a / c
      let u = 1 / (1 + ratio);
      // Both densities underflow (or the upper one's weight is 0): the side of Otsu's cut decides.
      if (!(u === u) || (kLo === 0 && kHi === 0)) u = (firsts[b] as number) > cut ? 1 : 0;
      const r = (counts[b] as number) * u;
      w += r;
      s += r * x;
      q += r * x * x;
    }
    const nextLo = component(h, totalW - w, totalS - s, totalQ - q, floorSd);
    const nextHi = component(h, w, s, q, floorSd);
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
  // No wider than the histogram: a near-constant score range makes the bins tiny and sigma huge.
  const radius = Math.min(Math.ceil(3 * sigma), BINS);
  const kernel = new Float64Array(2 * radius + 1);
  for (let i = 0; i < kernel.length; i++) kernel[i] = Math.exp(-0.5 * ((i - radius) / sigma) ** 2);
  const smooth = new Float64Array(BINS);
  const counts = h.counts;
  for (let b = 0; b < BINS; b++) {
    let s = 0;
    const last = Math.min(b + radius, BINS - 1);
    for (let j = Math.max(b - radius, 0); j <= last; j++)
      s += (counts[j] as number) * (kernel[j - b + radius] as number);
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

/** A candidate split: the cluster below its threshold, and the one above. */
interface Split {
  lo: Component;
  hi: Component;
  threshold: number;
}

const ashman = (lo: Component, hi: Component): number =>
  (Math.SQRT2 * Math.abs(hi.mean - lo.mean)) / Math.sqrt(lo.sd ** 2 + hi.sd ** 2);

/** Photos per unit of score in a window around x: the bins whose centres lie within halfWidth of x. */
function densityAt(h: Histogram, x: number, halfWidth: number): number {
  const width = h.centre(1) - h.centre(0);
  const first = Math.min(Math.max(Math.ceil((x - halfWidth - h.centre(0)) / width), 0), BINS);
  const last = Math.min(Math.max(Math.floor((x + halfWidth - h.centre(0)) / width) + 1, first), BINS);
  return ((h.cumCount[last] as number) - (h.cumCount[first] as number)) / (2 * halfWidth);
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

/**
 * Photos a refinement must leave on each side of its threshold: below, for them to count as a cluster
 * of look-alikes; above, for the top not to be just the concept's few highest scores (4 of 43 squares
 * stood apart by D 4.6).
 */
const MIN_REFINED_SIDE = 8;
/**
 * The least share of the refined photos a refinement must keep above its split. Look-alikes under a
 * concept are comparable to it in number (67 orange and purple under 33 red); a split that keeps only
 * a small top of them is shaving the concept's own best scores (9 of 43 hexagons stood apart by D 4.5).
 */
const MIN_REFINED_TOP_SHARE = 0.25;
/**
 * Ashman's D a refinement must reach: more than the first split's 2. A concept's own photos can form
 * two loose sub-clusters (red shapes on dark and on light backgrounds) that a split at their own scale
 * would cut apart; look-alikes stand further off.
 */
const MIN_REFINED_SEPARATION = 4.5;

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
  let upper = scores instanceof Float32Array ? scores : Float32Array.from(scores);
  let fit = fitOnce(upper);
  // Refinement: the split found may still hold look-alikes above it. For "red things", orange and
  // purple photos score half-way between red and the rest, and the widest valley, the one the whole
  // library's scale sees, lies under all three. So the scores above the threshold are split again at
  // their own scale, for as long as that finds a cluster of look-alikes well apart below the top.
  while (fit.method === 'mixture') {
    const threshold = fit.threshold;
    const above = upper.filter((v) => v >= threshold);
    // An EM split's lower component is a soft weight, not the photos under its threshold: stop when
    // a split removed nothing, or the loop would refit the same scores for ever.
    if (above.length === upper.length || above.length < 2 * MIN_REFINED_SIDE) break;
    upper = above;
    const inner = fitOnce(upper);
    if (
      inner.method !== 'mixture' ||
      inner.below < MIN_REFINED_SIDE ||
      inner.above < Math.max(MIN_REFINED_SIDE, MIN_REFINED_TOP_SHARE * upper.length) ||
      inner.separation < MIN_REFINED_SEPARATION
    )
      break;
    fit = inner;
  }
  return { threshold: fit.threshold, spread: fit.spread, method: fit.method, separation: fit.separation };
}

/** One level of calibration over these scores, and how many photos lie below and above its split. */
function fitOnce(scores: Float32Array): Calibration & { below: number; above: number } {
  const h = histogram(scores);
  const median = quantile(h, 0.5);
  const binWidth = h.centre(1) - h.centre(0);
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
  const trusted = (c: Split): boolean =>
    ashman(c.lo, c.hi) > MIN_SEPARATION &&
    c.hi.weight * h.n >= 2 &&
    c.lo.weight * h.n >= Math.max(2, MIN_REST_SHARE * h.n) &&
    dips(h, c.lo, c.hi, c.threshold);
  // Among the trusted splits, those above the median come first: a concept is usually a minority of
  // the library, and "the rest" may itself be several clusters with a clean valley between them (a
  // tight low cluster of unrelated photos gives a large D) where splitting would tag most photos.
  // But not when a split below the median stands out far more clearly (more than twice the D): then
  // the concept is most of the library ("dark background" where most photos are dark), and the
  // splits above the median only cut its own spread.
  // A finer smoothing is tried when the wide one finds no preferred split: a multi-cluster "rest"
  // inflates the robust deviation, and the wide kernel alone can blur a narrow gap under the concept.
  // Each candidate's separation and trust are computed once: ranking compares them many times.
  const candidates: { split: Split; d: number; trusted: boolean }[] = [];
  let best: (typeof candidates)[number] | null = null;
  for (const width of [robustSd, robustSd / 3]) {
    for (const bin of valleys(h, width)) {
      const split = {
        lo: rangeMoments(h, 0, bin, binWidth),
        hi: rangeMoments(h, bin, BINS, binWidth),
        threshold: h.centre(bin),
      };
      candidates.push({ split, d: ashman(split.lo, split.hi), trusted: trusted(split) });
    }
    const clearest = Math.max(0, ...candidates.filter((c) => c.trusted).map((c) => c.d));
    const rank = (c: (typeof candidates)[number]): number =>
      (c.trusted ? 2 : 0) + (c.split.threshold > median && c.d * 2 >= clearest ? 1 : 0);
    best = null;
    for (const c of candidates)
      if (!best || rank(c) > rank(best) || (rank(c) === rank(best) && c.d > best.d)) best = c;
    if (best && rank(best) === 3) break;
  }
  const mixture = (c: Split): Calibration & { below: number; above: number } => ({
    threshold: c.threshold,
    spread: c.hi.sd,
    method: 'mixture',
    separation: ashman(c.lo, c.hi),
    below: c.lo.weight * h.n,
    above: c.hi.weight * h.n,
  });
  if (best?.trusted) return mixture(best.split);
  const [lo, hi] = fitMixture(h, binWidth);
  const em = { lo, hi, threshold: crossing(lo, hi) };
  if (trusted(em)) return mixture(em);
  const separation = Math.max(ashman(lo, hi), best?.d ?? 0);
  return {
    threshold: median + OUTLIER_Z * robustSd,
    spread: robustSd,
    method: 'outliers',
    separation,
    below: 0,
    above: 0,
  };
}
