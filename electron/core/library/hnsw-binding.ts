// Which build of hnswlib-node's addon the vector index runs. npm's build targets the x86-64 baseline
// (SSE2): hnswlib chooses its inner-product kernel when it is compiled, so that build compares vectors
// four floats at a time on any CPU. scripts/hnsw-native.mjs compiles the same sources for x86-64-v3
// (AVX2, FMA) and x86-64-v4 (AVX-512) beside it; this module loads the best one this CPU runs, as faiss
// loads its avx2 or avx512 build. A graph walk at ef 3,200 over 100k photos: 31 ms with npm's build,
// 24 ms with v3, 20 ms with v4 (an AMD EPYC with AVX-512, 2 cores). The graph file is the same for
// every build.
// $LUMEN_HNSW_BUILD names one build instead (benchmarks; a user who suspects the faster build).

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Hnswlib from 'hnswlib-node';

export type HnswBuild = 'x86-64-v4' | 'x86-64-v3' | 'baseline';

export const HNSW_BUILDS: readonly HnswBuild[] = ['x86-64-v4', 'x86-64-v3', 'baseline'];

/**
 * The CPU features each level needs, as Linux names them in /proc/cpuinfo (the x86-64 psABI's levels;
 * v4 includes v3, which includes v2). LZCNT (Linux's abm) is not asked: some hypervisors leave it out of
 * /proc/cpuinfo although the CPU has it (this project's build machines: an EPYC with AVX-512 and no
 * abm listed, where the instruction runs), every CPU with AVX2 and BMI2 has it, and these builds of
 * hnswlib contain no LZCNT instruction.
 */
const NEEDS: Record<Exclude<HnswBuild, 'baseline'>, readonly string[]> = {
  'x86-64-v3': [
    ...['cx16', 'lahf_lm', 'popcnt', 'sse4_1', 'sse4_2', 'ssse3'],
    ...['avx', 'avx2', 'bmi1', 'bmi2', 'f16c', 'fma', 'movbe'],
  ],
  'x86-64-v4': ['avx512f', 'avx512bw', 'avx512cd', 'avx512dq', 'avx512vl'],
};

/** The builds a CPU with these features runs, fastest first (the baseline always). */
export function buildsFor(flags: ReadonlySet<string>): HnswBuild[] {
  const has = (level: Exclude<HnswBuild, 'baseline'>): boolean => NEEDS[level].every((f) => flags.has(f));
  const v3 = has('x86-64-v3');
  return [
    ...(v3 && has('x86-64-v4') ? ['x86-64-v4' as const] : []),
    ...(v3 ? ['x86-64-v3' as const] : []),
    'baseline',
  ];
}

/** This CPU's features: the flags line of /proc/cpuinfo on Linux x64; none where it cannot tell. */
export function cpuFlags(cpuinfo = '/proc/cpuinfo'): Set<string> {
  if (process.platform !== 'linux' || process.arch !== 'x64') return new Set();
  try {
    const line = /^flags\s*:(.*)$/m.exec(readFileSync(cpuinfo, 'utf8'));
    return new Set(line?.[1]?.trim().split(/\s+/) ?? []);
  } catch {
    return new Set();
  }
}

export interface LoadedHnswlib {
  lib: typeof Hnswlib;
  build: HnswBuild;
  /** Why a faster build this CPU runs was not loaded (not compiled here, failed to load), or null. */
  fellBack: string | null;
}

const requireHere = createRequire(import.meta.url);

/** The addon file of a build beside npm's (scripts/hnsw-native.mjs). */
export function buildFile(build: Exclude<HnswBuild, 'baseline'>): string {
  return join(dirname(requireHere.resolve('hnswlib-node/package.json')), 'build', build, 'addon.node');
}

/**
 * Loads the fastest build this CPU runs that is there, or the one `wanted` names (an error when the
 * CPU cannot run it or it was not built).
 */
export function loadHnswlib(
  wanted: string | undefined = process.env.LUMEN_HNSW_BUILD,
  flags: ReadonlySet<string> = cpuFlags(),
): LoadedHnswlib {
  const runs = buildsFor(flags);
  if (wanted) {
    if (!HNSW_BUILDS.includes(wanted as HnswBuild))
      throw new Error(`LUMEN_HNSW_BUILD must be one of ${HNSW_BUILDS.join(', ')}, not "${wanted}"`);
    if (!runs.includes(wanted as HnswBuild))
      throw new Error(`LUMEN_HNSW_BUILD=${wanted}: this CPU cannot run it (it runs ${runs.join(', ')})`);
  }
  const tried: string[] = [];
  for (const build of wanted ? [wanted as HnswBuild] : runs) {
    if (build === 'baseline') break;
    const file = buildFile(build);
    if (!existsSync(file)) {
      if (wanted)
        throw new Error(
          `LUMEN_HNSW_BUILD=${wanted}: ${file} is missing (node scripts/hnsw-native.mjs builds it)`,
        );
      tried.push(`${build} is not built`);
      continue;
    }
    try {
      return {
        lib: requireHere(file) as typeof Hnswlib,
        build,
        fellBack: tried.length ? tried.join('; ') : null,
      };
    } catch (err) {
      if (wanted) throw err;
      tried.push(`${build} did not load (${(err as Error).message})`);
    }
  }
  const lib = requireHere('hnswlib-node') as typeof Hnswlib;
  return { lib, build: 'baseline', fellBack: tried.length ? tried.join('; ') : null };
}

let loaded: LoadedHnswlib | null = null;

/** The build this process runs, loaded on first use. */
export function hnswlib(): LoadedHnswlib {
  loaded ??= loadHnswlib();
  return loaded;
}

const WHAT: Record<HnswBuild, string> = {
  'x86-64-v4': 'x86-64-v4 (AVX-512)',
  'x86-64-v3': 'x86-64-v3 (AVX2)',
  baseline: "npm's baseline (SSE2)",
};

/** One line for people: which build the graph runs, and why not a faster one where that applies. */
export function describeHnswBuild(loaded: LoadedHnswlib): string {
  return `hnswlib build ${WHAT[loaded.build]}${loaded.fellBack ? ` (${loaded.fellBack})` : ''}`;
}
