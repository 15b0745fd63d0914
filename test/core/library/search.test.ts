// The searcher's filters and its two ways to rank, on a real library: a folder filter that a careless or
// hostile folder name cannot widen (siblings that share a prefix, the character after the separator,
// % and _ in names), a camera filter that reads % and _ as characters, filters answered from indexes,
// and the graph path (large libraries) agreeing with the exact path (every photo scored).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipModel } from '../../../electron/core/clip/clip-model.js';
import { Library } from '../../../electron/core/library/library.js';
import { filterQuery } from '../../../electron/core/library/search-filters.js';
import { Searcher } from '../../../electron/core/library/search.js';
import { generatePhotoFolder, type GeneratedPhoto } from '../../../scripts/shapes/photo-folder.js';
import { TEST_MODEL_DIR } from '../../support/paths.js';
import { tempDir } from '../../support/temp.js';

const model = ClipModel.open(TEST_MODEL_DIR);
// Folders whose names start alike: "set" must not take in "set-2", "set0" ("0" follows "/"), "set 2".
const FOLDERS = ['set', 'set-2', 'set0', 'set 2', '100% real_photos'];

describe('Searcher', () => {
  const root = tempDir();
  const photosDir = join(root, 'photos');
  let library: Library;
  const inFolder = new Map<string, GeneratedPhoto[]>();

  beforeAll(async () => {
    for (const [i, name] of FOLDERS.entries())
      inFolder.set(name, await generatePhotoFolder(join(photosDir, name), { count: 8, seed: 60 + i }));
    // Two cameras whose names hold LIKE's wildcards.
    const [a, b] = (inFolder.get('set') ?? []).filter((p) => p.format === 'jpeg');
    for (const [p, camera] of [
      [a, 'Cam_One'],
      [b, 'Cam 100%'],
    ] as const) {
      if (!p) throw new Error('the fixture needs two JPEGs');
      const buffer = await sharp(p.path)
        .withExif({ IFD0: { Make: 'Test', Model: camera } })
        .jpeg()
        .toBuffer();
      writeFileSync(p.path, buffer);
    }
    library = Library.open({ dbPath: join(root, 'data', 'library.sqlite'), model, create: true });
    library.addFolder(photosDir);
    await library.scan();
    const { job, ids } = library.indexJob();
    await job.run(ids);
  });

  afterAll(() => {
    library.close();
  });

  it('a folder filter keeps to that folder, whatever its siblings or its own name hold', async () => {
    const searcher = new Searcher(library);
    for (const name of FOLDERS) {
      const folder = join(photosDir, name);
      for (const given of [folder, `${folder}/`]) {
        const r = await searcher.search('a photo of a star', {
          matches: 'all',
          limit: 100,
          filters: { folder: given },
        });
        expect(r.hits.map((h) => h.path).sort(), given).toEqual(
          (inFolder.get(name) ?? []).map((p) => p.path).sort(),
        );
      }
    }
    const none = await searcher.search('a star', {
      matches: 'all',
      filters: { folder: join(photosDir, 'se') },
    });
    expect(none.hits).toEqual([]);
  });

  it('a camera filter reads % and _ as characters, not wildcards', async () => {
    const searcher = new Searcher(library);
    const cameras = async (camera: string): Promise<number> =>
      (await searcher.search('a star', { matches: 'all', limit: 100, filters: { camera } })).hits.length;
    expect(await cameras('_')).toBe(1);
    expect(await cameras('%')).toBe(1);
    expect(await cameras('cam')).toBe(2);
  });

  it('answers each filter from an index, never by walking every photo', () => {
    const plan = (filters: Parameters<typeof filterQuery>[0]): string => {
      const q = filterQuery(filters);
      if (!q) throw new Error('no query');
      return (library.db.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.args) as { detail: string }[])
        .map((r) => r.detail)
        .join('; ');
    };
    expect(plan({ folder: photosDir })).toMatch(/COVERING INDEX photos_path_status \(path>\? AND path<\?\)/);
    expect(plan({ from: 0, to: Date.now() })).toMatch(/INDEX photos_timeline \(<expr>>\? AND <expr><\?\)/);
    expect(plan({ from: 0, folder: photosDir })).toMatch(/INDEX photos_timeline/);
    expect(plan({ camera: 'cam' })).toMatch(/COVERING INDEX photos_filters/);
    expect(plan({ formats: ['png'] })).toMatch(/COVERING INDEX photos_filters/);
    expect(filterQuery({})).toBeNull();
  });

  it('the graph (large libraries) ranks as exact scoring does, and says which ran', async () => {
    const exact = new Searcher(library);
    const graph = new Searcher(library, 0);
    for (const query of ['a photo of a red circle', 'a photo of a blue star', 'green']) {
      const a = await exact.search(query, { matches: 'all', limit: 10 });
      const b = await graph.search(query, { matches: 'all', limit: 10 });
      expect(a.exact).toBe(true);
      expect(b.exact).toBe(false);
      expect(b.hits.map((h) => h.id)).toEqual(a.hits.map((h) => h.id));
      expect(b.searched).toBe(a.searched);
      // A filter is always scored exactly: the graph would call back into JavaScript per candidate.
      expect((await graph.search(query, { filters: { formats: ['png'] } })).exact).toBe(true);
    }
  });
});
