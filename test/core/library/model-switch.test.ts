// One library, two models: photos indexed with one model are pending for another opened on the same
// database (its status counts them so), indexing for the second adds its embeddings beside the first's
// without touching the photos' tags, captions, thumbnails or rows, and each model searches its own.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipModel } from '../../../electron/core/clip/clip-model.js';
import { Library, modelKey } from '../../../electron/core/library/library.js';
import { Searcher } from '../../../electron/core/library/search.js';
import { TEST_MODEL_DIR } from '../../support/paths.js';
import { generatePhotoFolder, type GeneratedPhoto } from '../../../scripts/shapes/photo-folder.js';
import { tempDir } from '../../support/temp.js';

const fp32 = ClipModel.open(TEST_MODEL_DIR);
const quantized = ClipModel.open(TEST_MODEL_DIR, { precision: 'quantized' });

const sidecar = (keywords: string[]): string => `<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:subject><rdf:Bag>${keywords.map((k) => `<rdf:li>${k}</rdf:li>`).join('')}</rdf:Bag></dc:subject>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
`;

describe('a library opened with a second model', () => {
  const root = tempDir('lumen-two-models-');
  const photosDir = join(root, 'photos');
  const dbPath = join(root, 'data', 'library.sqlite');
  let photos: GeneratedPhoto[] = [];
  let first: Library;
  let second: Library;
  const count = (library: Library, sql: string, ...args: unknown[]): number =>
    library.db
      .prepare(sql)
      .pluck()
      .get(...args) as number;

  beforeAll(async () => {
    photos = await generatePhotoFolder(photosDir, {
      count: 24,
      seed: 71,
      formats: ['jpeg', 'png'],
      pairs: [
        ['red', 'star'],
        ['blue', 'circle'],
      ],
    });
    writeFileSync(join(photosDir, 'broken.jpg'), 'not a picture');
    writeFileSync(`${photos[0]?.path ?? ''}.xmp`, sidecar(['holiday']));
    first = Library.open({ dbPath, model: fp32 });
    first.addFolder(photosDir);
    await first.scan();
    const { job, ids } = first.indexJob();
    expect(await job.run(ids)).toMatchObject({ indexed: 24, failed: 1, state: 'finished' });
  }, 120_000);

  afterAll(() => {
    second.close();
    first.close();
  });

  it('has its own model key, and finds every photo pending for it while the first stays indexed', () => {
    expect(modelKey(quantized)).not.toBe(modelKey(fp32));
    // Both open at once, as the engine host does during a switch (two connections, WAL).
    second = Library.open({ dbPath, model: quantized });
    expect(second.modelId).not.toBe(first.modelId);
    expect(second.status()).toMatchObject({ total: 25, indexed: 0, pending: 24, failed: 1 });
    expect(first.status()).toMatchObject({ total: 25, indexed: 24, pending: 0, failed: 1 });
    const indexed = first.store.embeddedIds(first.modelId);
    expect(second.store.pendingIds(second.modelId)).toEqual(indexed);
    expect(second.store.pendingIds(second.modelId, 5)).toEqual(indexed.slice(0, 5));
    // Without a model, only never-read photos are pending.
    expect(second.store.pendingIds()).toEqual([]);
    expect(first.store.pendingIds(first.modelId)).toEqual([]);
  });

  it('indexes them for the second model, keeping tags, captions, thumbnails and rows', async () => {
    const id = first.store.photoByPath(photos[0]?.path ?? '')?.id ?? 0;
    // The keyword from the sidecar became a tag; the user removes it and writes a caption.
    const holiday = first.tags.categoryByName('holiday');
    expect(holiday).toBeDefined();
    expect(first.tags.tagsOf(id).map((t) => t.name)).toEqual(['holiday']);
    first.tags.removeCategory(holiday?.id ?? 0);
    first.tags.setCaption(id, 'my star', 'user');
    const indexedAt = first.store.photo(id)?.indexed_at;
    const thumbnails = count(first, 'SELECT COUNT(*) FROM thumbnails');

    const { job, ids } = second.indexJob({ batchSize: 5 });
    expect(ids).toHaveLength(24);
    expect(await job.run(ids)).toMatchObject({ done: 24, indexed: 24, failed: 0, state: 'finished' });
    expect(second.status()).toMatchObject({ total: 25, indexed: 24, pending: 0, failed: 1 });
    expect(first.status()).toMatchObject({ total: 25, indexed: 24, pending: 0, failed: 1 });
    expect(second.store.pendingIds(second.modelId)).toEqual([]);

    expect(count(first, 'SELECT COUNT(*) FROM photos')).toBe(25);
    expect(count(first, 'SELECT COUNT(*) FROM thumbnails')).toBe(thumbnails);
    expect(count(first, 'SELECT COUNT(*) FROM embeddings WHERE model_id = ?', first.modelId)).toBe(24);
    expect(count(first, 'SELECT COUNT(*) FROM embeddings WHERE model_id = ?', second.modelId)).toBe(24);
    expect(first.tags.categoryByName('holiday')).toBeUndefined();
    expect(first.tags.tagsOf(id)).toEqual([]);
    expect(first.tags.caption(id)).toEqual({ text: 'my star', source: 'user', origin: 'you' });
    expect(first.store.photo(id)?.indexed_at).toBe(indexedAt);
    expect(second.index.size).toBe(24);
    expect(first.index.size).toBe(24);
  });

  it('searches each model in its own embedding space', async () => {
    const byPath = new Map(photos.map((p) => [p.path, p]));
    for (const library of [first, second]) {
      const result = await new Searcher(library).search('a photo of a red star', {
        limit: 5,
        matches: 'all',
      });
      expect(result.hits).toHaveLength(5);
      const top = byPath.get(result.hits[0]?.path ?? '');
      expect([top?.colour, top?.shape]).toEqual(['red', 'star']);
    }
    const a = first.store.vectors(first.modelId, [1]).get(1);
    const b = second.store.vectors(second.modelId, [1]).get(1);
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    expect(a).not.toEqual(b);
  });

  it('a changed photo is pending for both models again', () => {
    const id = first.store.photoByPath(photos[1]?.path ?? '')?.id ?? 0;
    const row = first.store.photo(id);
    first.store.markChanged(id, (row?.size ?? 0) + 1, (row?.mtime_ms ?? 0) + 1);
    expect(first.store.pendingIds(first.modelId)).toEqual([id]);
    expect(second.store.pendingIds(second.modelId)).toEqual([id]);
    expect(second.status()).toMatchObject({ indexed: 23, pending: 1 });
  });
});
