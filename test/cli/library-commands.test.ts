// The library commands as a user runs them: index a folder, status, search, similar, duplicates,
// with --db and --model, JSON output and exit codes.

import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_MODEL_DIR } from '../support/paths.js';
import { generatePhotoFolder, type GeneratedPhoto } from '../../scripts/shapes/photo-folder.js';
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
    const r = await lumen('search', 'a photo of a red circle', ...common, '--json', '--limit', '8', '--all');
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

  it('search at its defaults prints every red circle, says how many stand out, and a smart album agrees', async () => {
    const isRedCircle = (path: string): boolean =>
      photos.some((p) => p.path === path && p.colour === 'red' && p.shape === 'circle');
    const redCircles = photos.filter((p) => isRedCircle(p.path)).length;
    const r = await lumen('search', 'a photo of a red circle', ...common);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const strong = lines.filter((l) => !/^\S+~/.test(l)).map((l) => l.replace(/^\S+\s+/, ''));
    expect(strong.filter(isRedCircle).length).toBeGreaterThanOrEqual(redCircles - 1);
    expect(strong.filter((p) => !isRedCircle(p)).length).toBeLessThanOrEqual(2);
    // (The library also holds an exact copy of one photo, so it searches one more than were generated.)
    expect(r.stderr).toContain(
      `${strong.length} photos of ${photos.length + 1} stand out (--all shows weaker matches too)`,
    );
    // --strict and --all say what they do; together they are a mistake.
    const all = await lumen('search', 'a photo of a red circle', ...common, '--all');
    expect(all.stdout.trim().split('\n')).toHaveLength(20);
    expect(all.stderr).toMatch(/weaker matches below them/);
    const both = await lumen('search', 'a photo of a red circle', ...common, '--all', '--strict');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--all and --strict do not go together/);
    // A query the model cannot place: the closest photos, ranked, and a line that says so.
    const vague = await lumen('search', 'a bowl of noodles on a wooden table', ...common);
    expect(vague.stdout.trim().split('\n')).toHaveLength(20);
    expect(vague.stderr).toMatch(/no photo stands out for this query: these are the 20 closest/);
    // A smart album built from the query holds the same photos as the search.
    expect(
      (await lumen('albums', 'create', 'round reds', '--query', 'a photo of a red circle', ...common)).code,
    ).toBe(0);
    const album = JSON.parse((await lumen('albums', 'show', 'round reds', ...common, '--json')).stdout) as {
      path: string;
    }[];
    expect(album.map((a) => a.path).sort()).toEqual([...strong].sort());
  });

  it('search filters by folder and rejects bad input', async () => {
    const r = await lumen(
      'search',
      'a star',
      ...common,
      '--json',
      '--folder',
      join(photosDir, 'reds'),
      '--all',
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
    const groups = JSON.parse(r.stdout) as { paths: string[]; keep: string }[];
    const group = groups.find(
      (g) => g.paths.includes(photos[3]?.path ?? '') && g.paths.includes(join(photosDir, 'copy-of-3.jpg')),
    );
    // Same pixels and bytes: the original, older than the copy made from it, is the one to keep.
    expect(group?.keep).toBe(photos[3]?.path);
    const text = await lumen('duplicates', ...common, '--threshold', '0.999');
    expect(text.stdout).toContain(`  keep  ${photos[3]?.path ?? ''}  (`);
    expect(text.stdout).toContain(`        ${join(photosDir, 'copy-of-3.jpg')}  (`);
  });

  it('says "1 photo", not "1 photos"', async () => {
    const one = join(root, 'one');
    await generatePhotoFolder(join(one, 'photos'), { count: 1, seed: 5 });
    const r = await lumen(
      'index',
      join(one, 'photos'),
      '--model',
      TEST_MODEL_DIR,
      '--db',
      join(one, 'lib.sqlite'),
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^indexed 1 photo \(/m);
  });

  it('index and status list a JPEG cut short as damaged, indexed from what decodes', async () => {
    const dir = join(root, 'damaged');
    const [photo] = await generatePhotoFolder(join(dir, 'photos'), { count: 1, seed: 9 });
    const noise = Buffer.alloc(640 * 480 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    const jpeg = await sharp(noise, { raw: { width: 640, height: 480, channels: 3 } })
      .jpeg()
      .toBuffer();
    const cut = join(dir, 'photos', 'cut-short.jpg');
    writeFileSync(cut, jpeg.subarray(0, jpeg.length >> 1));
    const args = ['--model', TEST_MODEL_DIR, '--db', join(dir, 'lib.sqlite')];
    const r = await lumen('index', join(dir, 'photos'), ...args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^indexed 2 photos \([\d.]+\/s, 1 damaged\), 0 failed$/m);
    expect(r.stderr).toMatch(
      /cut-short\.jpg: damaged: the file ends early or is corrupt; indexed from the \d+ % /,
    );
    const s = await lumen('status', ...args);
    expect(s.stdout).toMatch(/^photos: 2 \(2 indexed for .*, 1 of them damaged, 0 pending, 0 failed\)$/m);
    expect(s.stdout).toContain(`${cut}: damaged:`);
    expect(s.stdout).not.toContain(photo?.path ?? '?');
  });

  it('index refuses an unreadable folder and a system folder with a usage error', async () => {
    const r = await lumen('index', join(root, 'missing'), ...common);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read folder/);
    for (const folder of ['/', '/proc', '/etc']) {
      const sys = await lumen('index', folder, ...common);
      expect(sys.code, folder).toBe(2);
      expect(sys.stderr, folder).toMatch(/is a system folder, not a photo folder/);
    }
    expect(JSON.parse((await lumen('status', ...common, '--json')).stdout)).toMatchObject({
      folders: [photosDir],
    });
  });

  it('tags run with no categories says there is nothing to tag with, not a count of photos', async () => {
    const r = await lumen('tags', 'run', ...common);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('no categories to tag with: lumen tags add NAME, or lumen tags starter\n');
  });

  it('a read-only command given a --db that does not exist says so and creates nothing', async () => {
    const typo = join(root, 'lbi', 'library.sqlite');
    for (const args of [
      ['status'],
      ['search', 'a star'],
      ['similar', photos[0]?.path ?? ''],
      ['duplicates'],
      ['tags', 'list'],
      ['tags', 'run'],
      ['albums', 'list'],
      ['finetune', 'list'],
      ['caption', photos[0]?.path ?? ''],
      ['settings'],
    ]) {
      const r = await lumen(...args, '--db', typo, '--model', TEST_MODEL_DIR);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(
        /no library at .*lbi\/library\.sqlite \(check --db\): "lumen index FOLDER" creates one/,
      );
      expect(existsSync(join(root, 'lbi')), args.join(' ')).toBe(false);
    }
  });

  it('a library that cannot be created gets one clear line, not a stack trace', async () => {
    const r = await lumen(
      'index',
      photosDir,
      '--db',
      join(photos[0]?.path ?? '', 'lib', 'library.sqlite'),
      '--model',
      TEST_MODEL_DIR,
    );
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot be created: a part of the path is a file, not a folder/);
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('commands that need no model work without one, on the model the library recorded', async () => {
    // No --model and nothing installed in this LUMEN_HOME: no model at all.
    const status = await lumen('status', '--db', db, '--json');
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      indexed: 53,
      failed: 1,
      model: { name: 'lumen/shapes-clip', variant: 'fp32' },
      offline: [],
    });
    expect((await lumen('status', '--db', db)).stdout).toMatch(/53 indexed for lumen\/shapes-clip \(fp32\)/);
    for (const args of [['tags', 'list'], ['albums', 'list'], ['finetune', 'list'], ['settings'], ['info']]) {
      const r = await lumen(...args, '--db', db);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    expect((await lumen('info', '--db', db)).stdout).toMatch(
      /none installed yet: run "lumen models download"/,
    );
    // Search does need one, and says how to get it.
    expect((await lumen('search', 'a star', '--db', db)).stderr).toMatch(
      /no model yet: run "lumen models download"/,
    );
  });
});
