// The searcher's filters and its two ways to rank, on a real library: a folder filter that a careless or
// hostile folder name cannot widen (siblings that share a prefix, the character after the separator,
// % and _ in names), a camera filter that reads % and _ as characters, filters answered from indexes,
// and the graph path (large libraries) agreeing with the exact path (every photo scored), a filter
// answered from the graph's unfiltered neighbours or, when too few of them are allowed, by a filtered walk.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipModel } from '../../../electron/core/clip/clip-model.js';
import { Library } from '../../../electron/core/library/library.js';
import { filterQuery } from '../../../electron/core/library/search-filters.js';
import { IdSet } from '../../../electron/core/library/id-set.js';
import { Searcher } from '../../../electron/core/library/search.js';
import { syntheticLibrary, syntheticQueries } from '../../../bench/support/synthetic-library.js';
import { Random } from '../../../electron/core/random.js';
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

  // Small libraries answer filters from SQL; large ones (here: over 0 photos) from the columns in memory.
  const SIZES = [
    ['a small library', undefined],
    ['a large library', 0],
  ] as const;

  it.each(SIZES)(
    'a folder filter keeps to that folder, whatever its siblings or its own name hold (%s)',
    async (_, exactLimit) => {
      const searcher = new Searcher(library, exactLimit);
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
    },
  );

  it.each(SIZES)(
    'a camera filter reads %% and _ as characters, not wildcards (%s)',
    async (_, exactLimit) => {
      const searcher = new Searcher(library, exactLimit);
      const cameras = async (camera: string): Promise<number> =>
        (await searcher.search('a star', { matches: 'all', limit: 100, filters: { camera } })).hits.length;
      expect(await cameras('_')).toBe(1);
      expect(await cameras('%')).toBe(1);
      expect(await cameras('cam')).toBe(2);
    },
  );

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
    }
  });

  it('a filter allowing more photos than are scored exactly runs inside the graph, and ranks as exact does', async () => {
    const exact = new Searcher(library);
    // Up to 10 photos compared are scored exactly: one folder (8) is, the "set" family (40) is not.
    const searcher = new Searcher(library, 10);
    const few = { folder: join(photosDir, 'set') };
    const many = { formats: ['jpeg', 'png'] };
    for (const query of ['a photo of a red circle', 'a photo of a blue star']) {
      const small = await searcher.search(query, { matches: 'all', limit: 5, filters: few });
      expect(small.exact).toBe(true);
      expect(small.allowed).toBe(8);
      const a = await exact.search(query, { matches: 'all', limit: 10, filters: many });
      const b = await searcher.search(query, { matches: 'all', limit: 10, filters: many });
      expect(b.exact).toBe(false);
      expect(b.allowed).toBe(a.allowed);
      expect(b.searched).toBe(a.searched);
      expect(b.hits.map((h) => h.id)).toEqual(a.hits.map((h) => h.id));
      // Photos like one of them, that one excluded: the same on both paths.
      const target = a.hits[0]?.id as number;
      const simA = await exact.similar(target, { matches: 'all', limit: 10, filters: many });
      const simB = await searcher.similar(target, { matches: 'all', limit: 10, filters: many });
      expect(simB.exact).toBe(false);
      expect(simB.hits.map((h) => h.id)).toEqual(simA.hits.map((h) => h.id));
      expect(simB.hits.map((h) => h.id)).not.toContain(target);
    }
  });

  it('a tag filter alone allows exactly the tagged photos', async () => {
    const searcher = new Searcher(library, 10);
    const tagged = (inFolder.get('set-2') ?? []).map((p) => library.store.photoByPath(p.path)?.id as number);
    const category = library.tags.addCategory({ name: 'set two', auto: false });
    library.tags.setUserTags(tagged, category.id, 'manual');
    const allowed = await searcher.allowedIds({ tags: ['set two'] });
    expect([...(allowed?.values() ?? [])].sort((a, b) => a - b)).toEqual([...tagged].sort((a, b) => a - b));
    const r = await searcher.search('a photo of a star', {
      matches: 'all',
      limit: 100,
      filters: { tags: ['set two'] },
    });
    expect(r.hits.map((h) => h.id).sort((a, b) => a - b)).toEqual([...tagged].sort((a, b) => a - b));
  });
});

describe('Searcher, a filter through the graph', () => {
  it("ranks as exact does, whether the graph's neighbours hold enough allowed photos or none", async () => {
    const n = 2000;
    const library = Library.open({ dbPath: syntheticLibrary(tempDir(), n, model).dbPath, model });
    await library.space.index.whenComplete();
    const exact = new Searcher(library);
    const graph = new Searcher(library, 0); // every filter through the graph
    const dim = model.embedDim;
    const { acrossGap } = syntheticQueries(n, dim, n, 6);
    const rng = new Random(3);
    for (let q = 0; q < 6; q++) {
      const query = acrossGap.subarray(q * dim, (q + 1) * dim);
      const all = await exact.nearest(query, n, null);
      const ranked = all.hits.map((h) => h.id);
      const filters = {
        // Half the photos at random: 60 unfiltered neighbours hold ~30 allowed, enough for 20.
        random: new IdSet(ranked.filter(() => rng.next() < 0.5)),
        // The half farthest from the query: none of its nearest neighbours is allowed.
        farthest: new IdSet(ranked.slice(n / 2)),
        // One in 20: 600 neighbours asked for.
        few: new IdSet(ranked.filter((_, i) => i % 20 === 7)),
        // Too few for neighbours to be worth asking: the filtered walk.
        rare: new IdSet(ranked.filter((_, i) => i % 250 === 3)),
      };
      for (const [name, allowed] of Object.entries(filters)) {
        const want = await exact.nearest(query, 20, allowed);
        const got = await graph.nearest(query, 20, allowed);
        expect(got.exact, name).toBe(false);
        expect(got.hits.length, name).toBe(Math.min(20, allowed.size));
        expect(
          got.hits.map((h) => h.id),
          name,
        ).toEqual(want.hits.map((h) => h.id));
      }
    }
    library.close();
  });
});
