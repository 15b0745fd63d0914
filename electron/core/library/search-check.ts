// Search that checks itself. Above EXACT_LIMIT photos an unfiltered query goes through the HNSW graph,
// whose recall depends on where queries fall: a text query sits across CLIP's modality gap, far from
// every photo, where a graph built from photos alone finds fewer of the true nearest (0.90 of the top
// 10 for such queries at 100k photos and ef 200). No fixed ef suits every library, so the library keeps
// its recent graph queries; when the app is idle the engine re-runs them exactly (one product over the
// vectors in memory), records the recall the graph reached, and when it falls short of the target
// raises ef a step at a time until it does, as long as the graph stays cheaper than scoring every photo
// (both timed); failing that, unfiltered queries go to the exact path too. The result is kept in the
// library (`lumen info --db` and Settings show it) and applies from then on.

import type { Db } from './database.js';
import { readSettingsTable } from './settings-store.js';

/** recall@10 the graph must reach on the library's own recent queries. */
export const TARGET_RECALL = 0.98;
/**
 * The efs a check steps through, doubling up to 800 and then by a half or a third at a time: from the
 * default 2,400 a doubling would jump to 4,800, which at a million photos costs twice what the 3,200
 * random directions need. The last is the largest a check tries. Short of it, ef stops rising where the
 * graph at the next step would cost about as much as scoring every photo (measured by the check itself):
 * at a million photos on two cores ef 3200 takes ~10 ms (AVX-512 build) and scoring every photo ~80 ms.
 */
export const MAX_EF = 12_800;
export const EF_STEPS: readonly number[] = [200, 400, 800, 1200, 1600, 2400, 3200, 4800, 6400, 9600, MAX_EF];

/** The step after ef (the largest once there). */
export const nextEf = (ef: number): number => EF_STEPS.find((s) => s > ef) ?? MAX_EF;
/** Queries kept for the next check, and the fewest worth a check. */
export const KEEP_QUERIES = 50;
export const MIN_QUERIES = 10;

export interface SearchHealth {
  /** How unfiltered queries in a large library are answered: through the graph, or exactly. */
  path: 'graph' | 'exact';
  /** The graph's ef (candidates kept while walking it); null: the index's default. */
  ef: number | null;
  /** recall@10 the graph reached on the queries checked, at that ef; null: not checked yet. */
  recall: number | null;
  /** How many recent queries the check re-ran. */
  queries: number;
  /** When it was checked (epoch ms), or null. */
  checkedAt: number | null;
}

export const UNCHECKED: SearchHealth = { path: 'graph', ef: null, recall: null, queries: 0, checkedAt: null };

const KEY = 'searchHealth';

function isHealth(v: unknown): v is SearchHealth {
  if (typeof v !== 'object' || v === null) return false;
  const h = v as Record<string, unknown>;
  const numOrNull = (x: unknown): boolean => x === null || (typeof x === 'number' && Number.isFinite(x));
  return (
    (h.path === 'graph' || h.path === 'exact') &&
    numOrNull(h.ef) &&
    numOrNull(h.recall) &&
    typeof h.queries === 'number' &&
    numOrNull(h.checkedAt)
  );
}

/** The last check's outcome kept in the library's settings table; UNCHECKED when none (or unreadable). */
export function readSearchHealth(db: Db): SearchHealth {
  const raw = db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(KEY) as string | undefined;
  if (raw === undefined) return UNCHECKED;
  try {
    const v: unknown = JSON.parse(raw);
    return isHealth(v) ? v : UNCHECKED;
  } catch {
    return UNCHECKED;
  }
}

/** The same, read from the database file without opening the library (`lumen info`). */
export function readSearchHealthAt(dbPath: string): SearchHealth {
  return readSettingsTable(dbPath, readSearchHealth, () => UNCHECKED);
}

/**
 * One line for people: how search runs and what its last check measured. `photos`: the size of the
 * space searched, where known (a library that small is always scored exactly).
 */
export function describeSearchHealth(h: SearchHealth, exactLimit: number, photos?: number): string {
  const limit = exactLimit.toLocaleString('en');
  if (photos !== undefined && photos <= exactLimit)
    return `every photo is scored for each search (exact up to ${limit} photos)`;
  if (h.recall === null || h.checkedAt === null)
    return `not checked yet (up to ${limit} photos every photo is scored for each search)`;
  const found = `${(100 * h.recall).toFixed(1)}% of the 10 closest photos on ${h.queries} recent searches`;
  const when = new Date(h.checkedAt).toISOString().slice(0, 16).replace('T', ' ');
  return h.path === 'exact'
    ? `every photo scored: the index found only ${found} even at ef ${h.ef ?? '?'} (checked ${when} UTC)`
    : `the index (ef ${h.ef ?? '?'}) found ${found} (checked ${when} UTC)`;
}

export function writeSearchHealth(db: Db, health: SearchHealth): void {
  db.prepare(
    'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  ).run(KEY, JSON.stringify(health));
}

/** The last KEEP_QUERIES query vectors that went through the graph, for the next check. */
export class RecentQueries {
  private readonly queries: Float32Array[] = [];

  get size(): number {
    return this.queries.length;
  }

  add(query: Float32Array): void {
    this.queries.push(Float32Array.from(query));
    if (this.queries.length > KEEP_QUERIES) this.queries.shift();
  }

  /** The kept queries, emptying the list. */
  take(): Float32Array[] {
    return this.queries.splice(0);
  }
}

/** What a check needs of the search space: the graph at a given ef, and exact scores. */
export interface CheckedSpace {
  /** The graph's answer for the k best (ids, best first) at this ef. */
  graph(query: Float32Array, k: number, ef: number): number[];
  /** The exact k best ids, best first. */
  exact(query: Float32Array, k: number): Promise<number[]>;
}

/** The candidates a search asks the graph for (the head of the score profile). */
const ASKED = 200;

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? 0;

/**
 * Re-runs the queries exactly and through the graph from ef `start`, raising ef a step at a time
 * (EF_STEPS) while recall@10 is under the target and the graph at the next step would still cost less
 * than scoring every photo (both timed here, per query, on `now`'s clock); the graph's path when some ef
 * reaches the target, else the exact path.
 */
export async function checkSearch(
  space: CheckedSpace,
  queries: readonly Float32Array[],
  start: number,
  now: () => number = () => performance.now(),
): Promise<SearchHealth> {
  const truth: number[][] = [];
  const exactMs: number[] = [];
  for (const q of queries) {
    const t = now();
    truth.push(await space.exact(q, 10));
    exactMs.push(now() - t);
  }
  const exactCost = median(exactMs);
  const at = (ef: number): { recall: number; ms: number } => {
    let found = 0;
    const ms: number[] = [];
    queries.forEach((q, i) => {
      const top = new Set(truth[i]);
      const t = now();
      const ids = space.graph(q, ASKED, ef);
      ms.push(now() - t);
      found += ids.slice(0, 10).filter((id) => top.has(id)).length;
    });
    const wanted = truth.reduce((sum, t) => sum + t.length, 0);
    return { recall: wanted ? found / wanted : 1, ms: median(ms) };
  };
  let ef = start;
  let { recall, ms } = at(ef);
  // The graph's cost grows about in step with ef.
  while (recall < TARGET_RECALL && ef < MAX_EF && (ms * nextEf(ef)) / ef < exactCost) {
    ef = nextEf(ef);
    ({ recall, ms } = at(ef));
  }
  return {
    path: recall < TARGET_RECALL ? 'exact' : 'graph',
    ef,
    recall,
    queries: queries.length,
    checkedAt: Date.now(),
  };
}
