// The library's settings from the command line (lumen settings), and every CLI path honouring them as
// the engine does: exclusions in lumen index, XMP sidecars after lumen index and lumen tags run,
// threads in how the model runs. Bad values are usage errors that change nothing.

import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sidecarPathFor } from '../../electron/core/tags/xmp-sidecar.js';
import { generatePhotoFolder, type GeneratedPhoto } from '../../scripts/shapes/photo-folder.js';
import { TEST_MODEL_DIR } from '../support/paths.js';
import { tempDir } from '../support/temp.js';
import { lumen } from './run-lumen.js';

interface Settings {
  threads: number | null;
  xmpSidecars: boolean;
  xmpAutoTags: boolean;
  watch: boolean;
  exclude: string[];
}

describe('lumen settings', () => {
  const root = tempDir();
  const folder = join(root, 'photos');
  const db = join(root, 'lib', 'library.sqlite');
  const common = ['--db', db, '--model', TEST_MODEL_DIR];
  let stars: GeneratedPhoto[] = [];
  const settings = async (...args: string[]): Promise<Settings> => {
    const r = await lumen('settings', ...args, '--db', db, '--json');
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Settings;
  };

  beforeAll(async () => {
    await generatePhotoFolder(folder, { count: 20, seed: 51, formats: ['jpeg'] });
    stars = await generatePhotoFolder(join(root, 'staging'), {
      count: 4,
      seed: 52,
      formats: ['jpeg'],
      pairs: [['red', 'star']],
    });
    const r = await lumen('index', folder, ...common);
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);

  it('shows the defaults and changes each setting', async () => {
    expect(await settings()).toEqual({
      threads: null,
      xmpSidecars: false,
      xmpAutoTags: false,
      watch: true,
      exclude: [],
    });
    expect(await settings('watch', 'off')).toMatchObject({ watch: false });
    expect(await settings('watch', 'on')).toMatchObject({ watch: true });
    expect(await settings('threads', '2')).toMatchObject({ threads: 2 });
    expect(await settings('threads', 'auto')).toMatchObject({ threads: null });
    expect(await settings('exclude', 'add', 'Screenshots', '*.tmp.jpg')).toMatchObject({
      exclude: ['Screenshots', '*.tmp.jpg'],
    });
    expect(await settings('exclude', 'remove', '*.tmp.jpg')).toMatchObject({ exclude: ['Screenshots'] });
    const text = await lumen('settings', '--db', db);
    expect(text.stdout).toMatch(/exclude\s+Screenshots/);
  });

  it('refuses bad values with exit code 2 and keeps what was there', async () => {
    for (const args of [
      ['threads', '0'],
      ['threads', 'many'],
      ['watch', 'maybe'],
      ['xmp-auto', 'sometimes'],
      ['exclude', 'add', '/etc'],
      ['exclude', 'add', '../up'],
      ['exclude'],
      ['colour', 'blue'],
    ]) {
      const r = await lumen('settings', ...args, '--db', db);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^lumen settings: /);
    }
    expect(await settings()).toMatchObject({ threads: null, exclude: ['Screenshots'] });
  });

  it('lumen index leaves out what the exclusions name', async () => {
    mkdirSync(join(folder, 'Screenshots'));
    cpSync((stars[0] as GeneratedPhoto).path, join(folder, 'Screenshots', 'shot.jpg'));
    cpSync((stars[1] as GeneratedPhoto).path, join(folder, 'kept.jpg'));
    const r = await lumen('index', ...common, '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({ scan: { added: 1 }, status: { total: 21 } });
  });

  it('lumen index and lumen tags run write XMP sidecars when the settings are on, not before', async () => {
    /** The photos tagged "stars" (the review queue lists every automatic tag). */
    const tagged = async (): Promise<string[]> =>
      (
        JSON.parse(
          (await lumen('tags', 'review', '--category', 'stars', '--limit', '500', ...common, '--json'))
            .stdout,
        ) as { path: string }[]
      ).map((t) => t.path);
    const add = await lumen('tags', 'add', 'stars', '--description', 'star', ...common);
    expect(add.code, add.stderr).toBe(0);
    const before = await tagged();
    expect(before.length).toBeGreaterThan(0);
    expect(before.filter((p) => existsSync(sidecarPathFor(p)))).toEqual([]);
    await settings('xmp', 'on');
    // By default sidecars get only the user's own tags: Lumen's guesses stay out of them.
    const yoursOnly = await lumen('tags', 'run', 'stars', ...common);
    expect(yoursOnly.stderr).toMatch(/wrote 0 XMP sidecars/);
    expect(before.filter((p) => existsSync(sidecarPathFor(p)))).toEqual([]);
    expect(await settings('xmp-auto', 'on')).toMatchObject({ xmpSidecars: true, xmpAutoTags: true });
    expect((await lumen('settings', '--db', db)).stdout).toMatch(
      /xmp-auto\s+on: sidecars get Lumen's automatic/,
    );
    const run = await lumen('tags', 'run', 'stars', ...common);
    expect(run.stderr).toMatch(/wrote \d+ XMP sidecars/);
    expect(before.filter((p) => !existsSync(sidecarPathFor(p)))).toEqual([]);
    // New photos indexed by lumen index get theirs too.
    const late = [join(folder, 'late star.jpg'), join(folder, 'later star.jpg')];
    cpSync((stars[2] as GeneratedPhoto).path, late[0] as string);
    cpSync((stars[3] as GeneratedPhoto).path, late[1] as string);
    const index = await lumen('index', ...common, '--json');
    const report = JSON.parse(index.stdout) as { indexed: number; sidecars: { written: number } | null };
    expect(report.indexed).toBe(2);
    expect(report.sidecars?.written).toBe(2);
    const lateTagged = (await tagged()).filter((p) => late.includes(p));
    expect(lateTagged.length).toBeGreaterThan(0);
    expect(lateTagged.filter((p) => !existsSync(sidecarPathFor(p)))).toEqual([]);
  });

  it("runs the model on the library's thread setting unless --threads says otherwise", async () => {
    await settings('threads', '1');
    const info = async (...args: string[]): Promise<number> =>
      (
        JSON.parse(
          (await lumen('info', '--model', TEST_MODEL_DIR, '--db', db, '--json', ...args)).stdout,
        ) as {
          threads: number;
        }
      ).threads;
    expect(await info()).toBe(1);
    expect(await info('--threads', '2')).toBe(2);
    await settings('threads', 'auto');
  });
});
