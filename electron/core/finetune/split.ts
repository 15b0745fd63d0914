// The held-out split, fixed by a seed: a photo is held out or not by a hash of (seed, photo id), so
// the same pairs always split the same way, a photo never sits on both sides, and adding pairs later
// does not move the old ones from one side to the other.

import { createHash } from 'node:crypto';

export interface TrainingPair {
  photoId: number;
  text: string;
}

export function isHeldOut(photoId: number, seed: number, fraction: number): boolean {
  const h = createHash('sha256').update(`${seed}:${photoId}`).digest();
  return h.readUInt32BE(0) / 2 ** 32 < fraction;
}

export function splitPairs<T extends TrainingPair>(
  pairs: readonly T[],
  seed: number,
  fraction = 0.2,
): { train: T[]; heldOut: T[] } {
  const train: T[] = [];
  const heldOut: T[] = [];
  for (const p of pairs) (isHeldOut(p.photoId, seed, fraction) ? heldOut : train).push(p);
  return { train, heldOut };
}
