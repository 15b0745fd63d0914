// scripts/make-photos.ts as the test model's trainer uses it: a child process that writes photos of the
// trained pairs only, in the formats asked, with a manifest that records what captions need.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.js';
import { runTsx } from '../support/run-tsx.js';
import type { GeneratedPhoto } from '../../scripts/shapes/photo-folder.js';
import { isHeldOut, vocabulary } from '../../scripts/shapes/vocabulary.js';
import { tempDir } from '../support/temp.js';

const SCRIPT = join(REPO_ROOT, 'scripts', 'make-photos.ts');
const makePhotos = (...args: string[]) => runTsx(SCRIPT, args);

describe('npm run fixtures:photos', () => {
  it('--pairs trained --formats jpeg,png: no held-out pair, only those formats, blur in the manifest', async () => {
    const out = tempDir();
    const r = await makePhotos(
      '--out',
      out,
      '--count',
      '60',
      '--seed',
      '3',
      '--pairs',
      'trained',
      '--formats',
      'jpeg,png',
      '--no-orientations',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote 60 photos/);
    const photos = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as GeneratedPhoto[];
    expect(photos).toHaveLength(60);
    expect(photos.filter((p) => isHeldOut(p.colour, p.shape))).toEqual([]);
    expect(new Set(photos.map((p) => p.format))).toEqual(new Set(['jpeg', 'png']));
    expect(new Set(photos.map((p) => p.orientation))).toEqual(new Set([1]));
    const [, maxBlur] = vocabulary.render.blurSigma;
    expect(photos.every((p) => p.blur >= 0 && p.blur <= maxBlur)).toBe(true);
    // About 60% of scenes are blurred.
    expect(photos.filter((p) => p.blur > 0).length).toBeGreaterThan(20);
    expect(photos.filter((p) => p.blur === 0).length).toBeGreaterThan(10);
  }, 60_000);

  it('--pairs held-out writes only held-out pairs', async () => {
    const out = tempDir();
    const r = await makePhotos('--out', out, '--count', '12', '--pairs', 'held-out', '--formats', 'jpeg');
    expect(r.code, r.stderr).toBe(0);
    const photos = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as GeneratedPhoto[];
    expect(photos.every((p) => isHeldOut(p.colour, p.shape))).toBe(true);
  }, 60_000);

  it('rejects an unknown format or pair set with usage and exit code 2', async () => {
    const bad = await makePhotos('--out', tempDir(), '--formats', 'jpeg,bmp');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown format bmp/);
    const pairs = await makePhotos('--out', tempDir(), '--pairs', 'some');
    expect(pairs.code).toBe(2);
    expect(pairs.stderr).toMatch(/unknown --pairs some/);
  }, 60_000);
});
