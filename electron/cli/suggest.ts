// "Did you mean": the closest of the known words to a misspelt one, when it is close enough to be
// what was meant (at most two edits, and no more than half its letters).

/** Edits from a to b: insertions, deletions, substitutions and swaps of neighbours ("lsit" -> "list": 1). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => (d[i] as number[])[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The known word nearest to `word`, or null when none is near enough to suggest. */
export function closest(word: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(word.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= Math.min(2, Math.floor(word.length / 2)) ? best : null;
}

/** " (did you mean X?)" or nothing. */
export function didYouMean(word: string, known: readonly string[]): string {
  const c = closest(word, known);
  return c ? ` (did you mean ${c}?)` : '';
}
