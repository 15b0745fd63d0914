// Where a query's relevant photos end. A query the model understands puts its photos in a group at
// the top of the library's score distribution with a thin band below it before the rest begins (red
// stars at .69-.61, then one photo in the next .03, then the orange stars); a query it does not
// understand gives the top of one bell, thinning out smoothly. So a cut is trusted only where the band
// below a top group holds far fewer photos than either side's density predicts (a Poisson tail test,
// judged against the sparser side so a bell's thinning top never passes), and the first such group from
// the top is taken, not a deeper valley between two large clusters of the rest ("red things" under
// "red stars"). Scores are weighted: an exact head (weight 1) over a uniform sample of the rest
// (weight: photos per sampled photo) describes a million photos as well as scoring them all would.

export interface WeightedScore {
  score: number;
  /** How many photos this score stands for (1, or the sampling ratio). */
  weight: number;
}

export interface RelevanceCut {
  /** The lowest score in the group (a photo is a strong match at or above it); null: nothing stands out. */
  threshold: number | null;
  /** Photos at or above the threshold (estimated where the scores are sampled). */
  strong: number;
  /** -ln of the chance that the band below the group is that empty by luck (0 when nothing stands out). */
  evidence: number;
}

/**
 * Evidence a cut must reach beyond the ln(number of cuts tried) that many tries earn by chance. Over
 * 60 plain bells of 200 to 4,000 scores the best cut reached 12.0 with a threshold of 12.6; queries
 * the test model does not understand ("a cat") reached 13.4 over 1,500 photos (threshold 14.7); real
 * groups of 3 to 740 photos reached 15 to 525.
 */
const EXTRA_EVIDENCE = 5.5;
/**
 * How far down the group may reach, as a share of the way from the top score to the median: a group
 * is the top of the distribution. Deeper "groups" are a valley between two halves of the rest (the
 * yellow things and hexagons under three yellow hexagons: 661 photos).
 */
const MAX_DEPTH = 0.5;
/**
 * The smallest group: two photos' spacing says nothing about their density, and the two best of a
 * plain bell lie close together often enough to pass for a group (4 in 60 bells).
 */
const MIN_GROUP = 3;
/** The gap alone must be this unlikely by chance (1 in 20): a dense group with no gap is not one. */
const MIN_GAP_EVIDENCE = 3;
/** Photos a band may hold and still separate (one stray look-alike between the group and the rest). */
const MAX_BAND = 5;
/** The rest's density is measured over at least this many photos below the band, at most REST_SPAN. */
const REST_MIN = 10;
const REST_SPAN = 50;
/** A group this close (in photos) after the first trusted one is the same group: keep the better cut. */
const SAME_GROUP = 2;

/** -ln P(Poisson(lambda) >= k), 0 when k is no more than expected. */
function poissonTail(lambda: number, k: number): number {
  if (k <= lambda) return 0;
  // The upper tail from its first term, in logs (k may be in the thousands, lambda tiny).
  let logTerm = -lambda + k * Math.log(Math.max(lambda, 1e-300));
  for (let i = 2; i <= k; i++) logTerm -= Math.log(i);
  let sum = 1;
  let ratio = 1;
  for (let i = k + 1; ratio > 1e-12 && i < k + 10_000; i++) {
    ratio *= lambda / i;
    sum += ratio;
  }
  return -(logTerm + Math.log(sum));
}

/** -ln P(Poisson(lambda) <= b). */
function poissonEvidence(lambda: number, b: number): number {
  let term = Math.exp(-lambda);
  let sum = term;
  for (let i = 1; i <= b; i++) {
    term *= lambda / i;
    sum += term;
  }
  if (sum > 0) return -Math.log(sum);
  // exp(-lambda) underflowed: the largest term dominates.
  let logTerm = -lambda + b * Math.log(lambda);
  for (let i = 2; i <= b; i++) logTerm -= Math.log(i);
  return -logTerm;
}

/** The cut for scores sorted from best to worst. */
export function relevanceCut(sorted: readonly WeightedScore[]): RelevanceCut {
  const none: RelevanceCut = { threshold: null, strong: 0, evidence: 0 };
  const n = sorted.length;
  if (n < 8) return none;
  const top = (sorted[0] as WeightedScore).score;
  // Cumulative weights: cum[i] photos lie at or above sorted[i - 1].
  const cum = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) cum[i + 1] = (cum[i] as number) + (sorted[i] as WeightedScore).weight;
  const total = cum[n] as number;
  const at = (i: number): number => (sorted[i] as WeightedScore).score;
  const minEvidence = EXTRA_EVIDENCE + Math.log(n * (MAX_BAND + 1));
  const median = at(cum.findIndex((c) => c >= total / 2) - 1);
  const floor = top - MAX_DEPTH * (top - median);
  let best: { k: number; evidence: number; gap: number } | null = null;
  // A group is the first k scores, all in the top part of the distribution.
  for (let k = MIN_GROUP; k < n && at(k - 1) >= floor; k++) {
    if (best && (cum[k] as number) > SAME_GROUP * (cum[best.k] as number)) break;
    const group = cum[k] as number;
    const groupSpacings = group - (sorted[0] as WeightedScore).weight;
    const groupSpan = Math.max(top - at(k - 1), 1e-9);
    // The group's density is known only as well as its few spacings tell it: three photos that happen
    // to lie close together (two spacings) would make an ordinary gap below them look empty (a query
    // the model cannot place, in a 52-photo library). So it is taken one standard error low (m - sqrt(m)
    // of m spacings): a large group loses little, and fewer than about 8 photos do not stand out on
    // their gap alone (they still lead the ranked list).
    const groupDensity = Math.max(groupSpacings - Math.sqrt(groupSpacings), 0.25) / groupSpan;
    // The best band below this group: its total evidence decides whether the cut is trusted, its gap
    // evidence alone which trusted cut nearby is taken (a crowd grows with the group and would always
    // prefer the larger one, look-alikes included).
    let evidence = 0;
    let gapEvidence = 0;
    for (let b = 0; b <= MAX_BAND; b++) {
      const first = k + b; // the first photo of the rest, below the band
      if (first >= n) break;
      let last = first;
      while (last + 1 < n && (cum[last + 1] as number) - (cum[first] as number) < Math.max(REST_MIN, group))
        last++;
      last = Math.min(last, first + REST_SPAN);
      if (last - first < 2) break;
      const restSpacings = (cum[last] as number) - (cum[first] as number);
      const restSpan = Math.max(at(first) - at(last), 1e-9);
      const restDensity = restSpacings / restSpan;
      const band = at(k - 1) - at(first);
      const inBand = (cum[first] as number) - group;
      // Judged against the sparser side, so a bell's thinning top never passes.
      const gap = poissonEvidence(band * Math.min(groupDensity, restDensity), inBand);
      if (gap < MIN_GAP_EVIDENCE) continue;
      // The group is also denser than the rest: more photos in its span than the rest's density puts
      // there. A bell's thinning top is never denser than what lies below it, so this adds nothing
      // there, while a tight group in a small, sparse library earns what its gap alone cannot (13 red
      // circles in 52 photos). It counts for at most twice the gap's own evidence, so a dense top with
      // a thin gap below stays untrusted.
      const crowd = poissonTail(groupSpan * restDensity, group);
      const total = gap + Math.min(crowd, 2 * gap);
      if (total > evidence) {
        evidence = total;
        gapEvidence = gap;
      }
    }
    if (evidence >= minEvidence && (!best || gapEvidence > best.gap))
      best = { k, evidence, gap: gapEvidence };
  }
  if (!best) return none;
  return { threshold: at(best.k - 1), strong: cum[best.k] as number, evidence: best.evidence };
}
