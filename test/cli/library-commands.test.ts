// The library commands as a user runs them: index a folder, status, search, similar, duplicates,
// with --db and --model, JSON output and exit codes.

import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_MODEL_DIR } from '../support/paths.js';
import { generatePhotoFolder, type GeneratedPhoto } from '../support/shapes/photo-folder.js';
import { tempDir } from '../support/temp.js';
import { lumen } from './run-lumen.js';

describe('library commands', () => {
  const root = tempDir();
  const photosDir = join(root, 'photos');
  const db = join(root, 'lib', 'library.sqlite');
  const common = ['--model', TEST_MODEL_DIR, '--db', db];
  let photos: GeneratedPhoto[] = [];

  beforeAll(async () => {
    photos = await generatePhotoFolder(photosDir, { count: 40, seed: 77 });
    photos.push(
      ...(await generatePhotoFolder(join(photosDir, 'reds'), {
        count: 12,
        seed: 78,
        pairs: [['red', 'circle']],
      })),
    );
    // An exact copy: a near-duplicate pair.
    copyFileSync(photos[3]?.path ?? '', join(photosDir, 'copy-of-3.jpg'));
    writeFileSync(join(photosDir, 'broken.jpg'), 'nope');
  }, 300_000);

  it('index adds the folder and indexes it; exit 1 because one file failed', async () => {
    const r = await lumen('index', photosDir, ...common, '--json');
    expect(r.code, r.stderr).toBe(1);
    const summary = JSON.parse(r.stdout) as {
      indexed: number;
      failed: number;
      status: { indexed: number; failed: number };
    };
    expect(summary).toMatchObject({ indexed: 53, failed: 1, status: { indexed: 53, failed: 1 } });
  });

  it('index again finds nothing new', async () => {
    const r = await lumen('index', ...common, '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({ scan: { added: 0, unchanged: 54 }, indexed: 0 });
  });

  it('status --json gives the counts and each failure', async () => {
    const r = await lumen('status', ...common, '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as {
      indexed: number;
      pending: number;
      failed: number;
      failures: { path: string; error: string }[];
    };
    expect(s).toMatchObject({ indexed: 53, pending: 0, failed: 1 });
    expect(s.failures).toEqual([
      { path: join(photosDir, 'broken.jpg'), error: 'not a supported image format' },
    ]);
  });

  it('search --json prints an array of {path, score}, red circles first', async () => {
    const r = await lumen(
      'search',
      'a photo of a red circle',
      ...common,
      '--json',
      '--limit',
      '8',
      '--strictness',
      '0',
    );
    expect(r.code, r.stderr).toBe(0);
    const hits = JSON.parse(r.stdout) as { path: string; score: number }[];
    expect(hits).toHaveLength(8);
    const truth = new Map(photos.map((p) => [p.path, p]));
    const good = hits.filter(
      (h) => truth.get(h.path)?.colour === 'red' && truth.get(h.path)?.shape === 'circle',
    ).length;
    expect(good).toBeGreaterThanOrEqual(7);
    expect(hits[0]?.score).toBeGreaterThanOrEqual(hits[7]?.score ?? 1);
  });

  it('search filters by folder and rejects bad input', async () => {
    const r = await lumen(
      'search',
      'a star',
      ...common,
      '--json',
      '--folder',
      join(photosDir, 'reds'),
      '--strictness',
      '0',
    );
    const hits = JSON.parse(r.stdout) as { path: string }[];
    expect(hits.length).toBe(12);
    expect(hits.every((h) => h.path.startsWith(join(photosDir, 'reds')))).toBe(true);
    expect((await lumen('search', ' + ', ...common)).stderr).toMatch(/bad query/);
    expect((await lumen('search', 'x', ...common, '--from', 'last week')).code).toBe(2);
  });

  it('similar finds the same colour and shape', async () => {
    const red = photos.find((p) => p.colour === 'red' && p.shape === 'circle') as GeneratedPhoto;
    const r = await lumen('similar', red.path, ...common, '--json', '--limit', '5');
    const hits = JSON.parse(r.stdout) as { path: string }[];
    const truth = new Map(photos.map((p) => [p.path, p]));
    expect(
      hits.filter((h) => truth.get(h.path)?.shape === 'circle' && truth.get(h.path)?.colour === 'red').length,
    ).toBeGreaterThanOrEqual(4);
  });

  it('duplicates groups the copied photo with its original', async () => {
    const r = await lumen('duplicates', ...common, '--json', '--threshold', '0.999');
    const groups = JSON.parse(r.stdout) as { paths: string[] }[];
    expect(
      groups.some(
        (g) => g.paths.includes(photos[3]?.path ?? '') && g.paths.includes(join(photosDir, 'copy-of-3.jpg')),
      ),
    ).toBe(true);
  });

  it('index refuses an unreadable folder with a usage error', async () => {
    const r = await lumen('index', join(root, 'missing'), ...common);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read folder/);
  });
});
