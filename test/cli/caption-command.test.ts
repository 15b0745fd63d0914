// lumen caption as a user runs it: one photo, several with one text, a spreadsheet's CSV with paths
// relative to it, all or nothing when a row is wrong, and no model needed.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generatePhotoFolder, type GeneratedPhoto } from '../../scripts/shapes/photo-folder.js';
import { TEST_MODEL_DIR } from '../support/paths.js';
import { tempDir } from '../support/temp.js';
import { lumen } from './run-lumen.js';

describe('lumen caption', () => {
  const root = tempDir();
  const photosDir = join(root, 'photos');
  const db = ['--db', join(root, 'lib.sqlite')];
  let photos: GeneratedPhoto[] = [];
  const captionOf = async (p: GeneratedPhoto): Promise<string> =>
    (await lumen('caption', p.path, ...db)).stdout;

  beforeAll(async () => {
    photos = await generatePhotoFolder(photosDir, { count: 6, seed: 31, formats: ['jpeg'] });
    expect((await lumen('index', photosDir, '--model', TEST_MODEL_DIR, ...db)).code).toBe(0);
  }, 300_000);

  it('captions the rows of a CSV, paths relative to it, in one run without a model', async () => {
    const sheets = join(root, 'sheets');
    mkdirSync(sheets);
    const rel = (p: GeneratedPhoto | undefined): string => relative(sheets, p?.path ?? '');
    const csv = join(sheets, 'captions.csv');
    writeFileSync(
      csv,
      `path,caption\r\n${rel(photos[0])},"Rex, asleep on the sofa"\r\n${rel(photos[1])},The garden in May\r\n${photos[2]?.path},"She said ""cheese"""\r\n`,
    );
    // No --model, none installed: captions need none.
    const r = await lumen('caption', '--csv', csv, ...db);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('captioned 3 photos\n');
    expect(await captionOf(photos[0] as GeneratedPhoto)).toBe('Rex, asleep on the sofa\n');
    expect(await captionOf(photos[1] as GeneratedPhoto)).toBe('The garden in May\n');
    expect(await captionOf(photos[2] as GeneratedPhoto)).toBe('She said "cheese"\n');
  });

  it('writes nothing when a row names a photo the library does not have, and says which', async () => {
    const csv = join(root, 'typo.csv');
    writeFileSync(csv, `${photos[0]?.path},Changed\n${join(photosDir, 'no-such.jpg')},Lost\n`);
    const r = await lumen('caption', '--csv', csv, ...db);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `${csv}: line 2: not a photo in the library: ${join(photosDir, 'no-such.jpg')}`,
    );
    expect(r.stderr).toMatch(/nothing written: 1 photo not found/);
    expect(await captionOf(photos[0] as GeneratedPhoto)).toBe('Rex, asleep on the sofa\n');
  });

  it('refuses a malformed CSV with the line, and one it cannot read', async () => {
    const csv = join(root, 'bad.csv');
    writeFileSync(csv, `${photos[0]?.path},Rex, asleep\n`);
    const r = await lumen('caption', '--csv', csv, ...db);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /line 1: expected path,caption but found 3 fields \(put a caption with commas in "quotes"\)/,
    );
    const missing = await lumen('caption', '--csv', join(root, 'nope.csv'), ...db);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.csv: ENOENT/);
  });

  it('gives several photos one caption with --text, and an empty one removes them', async () => {
    const [a, b] = [photos[3]?.path ?? '', photos[4]?.path ?? ''];
    const set = await lumen('caption', a, b, '--text', 'Holiday in Crete', ...db, '--json');
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({ captioned: 2, removed: 0 });
    expect(await captionOf(photos[4] as GeneratedPhoto)).toBe('Holiday in Crete\n');
    const removed = await lumen('caption', a, b, '--text', '', ...db);
    expect(removed.stdout).toBe('captioned 0 photos, removed 2 captions\n');
    expect(await captionOf(photos[3] as GeneratedPhoto)).toBe('(no caption)\n');
  });

  it('says how to caption several photos, and not to mix --csv with photos', async () => {
    const three = await lumen('caption', photos[0]?.path ?? '', photos[1]?.path ?? '', 'text', ...db);
    expect(three.code).toBe(2);
    expect(three.stderr).toMatch(/to caption several photos, give the caption with --text "TEXT"/);
    const both = await lumen('caption', photos[0]?.path ?? '', '--csv', 'x.csv', ...db);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/give either --csv FILE or photos, not both/);
  });
});
