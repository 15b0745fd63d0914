// The hnswlib build the vector index runs: chosen by the CPU's features (the x86-64 psABI levels),
// built by scripts/hnsw-native.mjs at install on Linux x64, and answering exactly as npm's build does on
// the same graph file.

import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildFile,
  buildsFor,
  cpuFlags,
  describeHnswBuild,
  hnswlib,
  loadHnswlib,
} from '../../../electron/core/library/hnsw-binding.js';
import { Random } from '../../../electron/core/random.js';
import { tempDir } from '../../support/temp.js';

// Flag lists as Linux prints them (trimmed to what matters), for three generations of CPU.
const CORE2 = 'fpu sse sse2 ssse3 cx16 sse4_1 lahf_lm';
const NEHALEM = `${CORE2} sse4_2 popcnt`;
const HASWELL = `${NEHALEM} avx avx2 bmi1 bmi2 f16c fma abm movbe`;
const SKYLAKE_SP = `${HASWELL} avx512f avx512dq avx512cd avx512bw avx512vl`;
const flags = (line: string): Set<string> => new Set(line.split(' '));

describe('buildsFor', () => {
  it('offers each level only when the CPU has every feature it needs, fastest first', () => {
    expect(buildsFor(flags(SKYLAKE_SP))).toEqual(['x86-64-v4', 'x86-64-v3', 'baseline']);
    expect(buildsFor(flags(HASWELL))).toEqual(['x86-64-v3', 'baseline']);
    expect(buildsFor(flags(NEHALEM))).toEqual(['baseline']);
    expect(buildsFor(new Set())).toEqual(['baseline']);
    // One missing feature is enough: a CPU with AVX2 but no MOVBE runs none of v3's code safely.
    expect(buildsFor(flags(HASWELL.replace(' movbe', '')))).toEqual(['baseline']);
    // AVX-512 without the v3 features beneath it is not v4 (v4 includes v3).
    expect(buildsFor(flags(`${NEHALEM} avx512f avx512dq avx512cd avx512bw avx512vl`))).toEqual(['baseline']);
    expect(buildsFor(flags(SKYLAKE_SP.replace(' avx512vl', '')))).toEqual(['x86-64-v3', 'baseline']);
  });
});

describe('cpuFlags', () => {
  it("reads the first processor's flags line", () => {
    const file = join(tempDir(), 'cpuinfo');
    writeFileSync(
      file,
      `processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: ${HASWELL}\nbugs\t\t: spectre_v1\n\nprocessor\t: 1\nflags\t\t: fpu\n`,
    );
    const got = cpuFlags(file);
    if (process.platform === 'linux' && process.arch === 'x64') expect(got).toEqual(flags(HASWELL));
    else expect(got.size).toBe(0);
    expect(cpuFlags(join(tempDir(), 'missing'))).toEqual(new Set());
  });
});

describe('loadHnswlib', () => {
  it('refuses a build that is not one, or that this CPU cannot run, by name', () => {
    expect(() => loadHnswlib('avx9', flags(SKYLAKE_SP))).toThrow(
      'LUMEN_HNSW_BUILD must be one of x86-64-v4, x86-64-v3, baseline, not "avx9"',
    );
    expect(() => loadHnswlib('x86-64-v4', flags(HASWELL))).toThrow(
      'LUMEN_HNSW_BUILD=x86-64-v4: this CPU cannot run it (it runs x86-64-v3, baseline)',
    );
    const base = loadHnswlib('baseline', flags(SKYLAKE_SP));
    expect(base.build).toBe('baseline');
    expect(describeHnswBuild(base)).toBe("hnswlib build npm's baseline (SSE2)");
  });

  it('keeps to the baseline on a CPU without the newer features', () => {
    expect(loadHnswlib(undefined, flags(NEHALEM))).toMatchObject({ build: 'baseline', fellBack: null });
  });

  const here = cpuFlags();
  const best = buildsFor(here)[0];
  const linuxX64 = process.platform === 'linux' && process.arch === 'x64';

  it('loads the fastest build this CPU runs, which the install built (Linux x64)', () => {
    const loaded = hnswlib();
    if (!linuxX64) {
      expect(loaded.build).toBe('baseline');
      return;
    }
    for (const build of buildsFor(here))
      if (build !== 'baseline')
        expect(existsSync(buildFile(build)), `${buildFile(build)}: run node scripts/hnsw-native.mjs`).toBe(
          true,
        );
    expect(loaded).toMatchObject({ build: best, fellBack: null });
  });

  it('gives the same neighbours from every build this CPU runs, on one graph file', () => {
    const dim = 64;
    const n = 3000;
    const rng = new Random(5);
    const unit = (): number[] => {
      const v = Array.from({ length: dim }, () => rng.normal());
      const norm = Math.hypot(...v);
      return v.map((x) => x / norm);
    };
    const base = loadHnswlib('baseline', here).lib;
    const graph = new base.HierarchicalNSW('ip', dim);
    graph.initIndex({ maxElements: n, m: 16, efConstruction: 100, randomSeed: 7 });
    for (let i = 0; i < n; i++) graph.addPoint(unit(), i);
    const file = join(tempDir(), 'graph.bin');
    graph.writeIndexSync(file);
    const queries = Array.from({ length: 20 }, unit);
    const answers = buildsFor(here).map((build) => {
      const index = new (loadHnswlib(build, here).lib.HierarchicalNSW)('ip', dim);
      index.readIndexSync(file);
      index.setEf(200);
      return { build, hits: queries.map((q) => index.searchKnn(q, 10)) };
    });
    if (linuxX64) expect(answers.length).toBeGreaterThan(1);
    const [first, ...rest] = answers;
    for (const other of rest) {
      other.hits.forEach((hit, q) => {
        expect(hit.neighbors, `${other.build}, query ${q}`).toEqual(first?.hits[q]?.neighbors);
        hit.distances.forEach((d, j) => {
          expect(d).toBeCloseTo(first?.hits[q]?.distances[j] ?? NaN, 5);
        });
      });
    }
  });
});
