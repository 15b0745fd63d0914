// Zero-shot tagging end to end with the test model on a generated library: the categories
// reach precision and recall >= 0.9, exclusive groups, the template ensemble against one template,
// the review flow, re-tagging after an edit, live tagging of new photos, tags and albums as filters.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipModel } from '../../../electron/core/clip/clip-model.js';
import { Library } from '../../../electron/core/library/library.js';
import { Searcher } from '../../../electron/core/library/search.js';
import {
  fillTemplates,
  PHOTO_TEMPLATES,
  SINGLE_TEMPLATE,
} from '../../../electron/core/tags/prompt-templates.js';
import type { CategoryInput } from '../../../electron/core/tags/tag-store.js';
import { TEST_MODEL_DIR } from '../../support/paths.js';
import { generatePhotoFolder, type GeneratedPhoto } from '../../../scripts/shapes/photo-folder.js';
import { isHeldOut, SHAPES } from '../../../scripts/shapes/vocabulary.js';
import { tempDir } from '../../support/temp.js';

const model = ClipModel.open(TEST_MODEL_DIR);

/**
 * The categories, described the way a user would, with the ground truth of each, and what the
 * test asserts: the bar, precision and recall >= 0.9, over the whole library (held-out pairs
 * included: the test model never saw a red star, and "stars" must still take it in) and over the
 * photos of pairs the model was trained on.
 */
const BAR = 0.9;
const CATEGORIES: { input: CategoryInput; truth: (p: GeneratedPhoto) => boolean }[] = [
  {
    input: { name: 'red things', prompts: ['something red', 'a photo of something red', 'a red shape'] },
    truth: (p) => p.colour === 'red',
  },
  {
    input: { name: 'stars', description: 'star' },
    truth: (p) => p.shape === 'star',
  },
  {
    input: {
      name: 'dark background',
      prompts: [
        'a dark background',
        'a photo with a plain dark background',
        'a photo with a dark gradient background',
      ],
      negativePrompts: ['a light background'],
    },
    truth: (p) => p.tone === 'dark',
  },
];

function precisionRecall(tagged: Set<string>, truth: Set<string>): { precision: number; recall: number } {
  const hits = [...tagged].filter((p) => truth.has(p)).length;
  return { precision: tagged.size ? hits / tagged.size : 0, recall: truth.size ? hits / truth.size : 1 };
}

describe('tagging', () => {
  const root = tempDir();
  let photos: GeneratedPhoto[] = [];
  let library: Library;
  const pathsOf = (ids: Iterable<number>): Set<string> =>
    new Set([...ids].map((id) => library.store.photo(id)?.path ?? ''));

  beforeAll(async () => {
    photos = await generatePhotoFolder(join(root, 'photos'), { count: 288, seed: 51, subfolders: 2 });
    library = Library.open({ dbPath: join(root, 'library.sqlite'), model });
    library.addFolder(join(root, 'photos'));
    await library.scan();
    const { job, ids } = library.indexJob();
    await job.run(ids);
  }, 300_000);

  afterAll(() => {
    library.close();
  });

  it('tags "red things", "stars" and "dark background" with precision and recall >= 0.9', async () => {
    for (const c of CATEGORIES) library.tags.addCategory(c.input);
    const report = await library.tagger.run();
    // The photos of pairs the model was trained on (every pair but the held-out ones).
    const known = new Set(photos.filter((p) => !isHeldOut(p.colour, p.shape)).map((p) => p.path));
    for (const c of CATEGORIES) {
      const category = library.tags.categoryByName(c.input.name);
      if (!category) throw new Error('category missing');
      const tagged = pathsOf(library.tags.tagsFor(category.id).map((t) => t.photoId));
      const truth = new Set(photos.filter(c.truth).map((p) => p.path));
      const pr = precisionRecall(tagged, truth);
      const r = report.categories.find((x) => x.id === category.id);
      console.log(
        `${c.input.name}: precision ${pr.precision.toFixed(3)} recall ${pr.recall.toFixed(3)} ` +
          `(${tagged.size} tagged, ${truth.size} true; threshold ${r?.threshold.toFixed(3)} by ${r?.method})`,
      );
      const onKnown = precisionRecall(
        new Set([...tagged].filter((p) => known.has(p))),
        new Set([...truth].filter((p) => known.has(p))),
      );
      console.log(
        `  over the ${known.size} photos of trained pairs: precision ${onKnown.precision.toFixed(3)} ` +
          `recall ${onKnown.recall.toFixed(3)}`,
      );
      expect(pr.precision, c.input.name).toBeGreaterThanOrEqual(BAR);
      expect(pr.recall, c.input.name).toBeGreaterThanOrEqual(BAR);
      expect(onKnown.precision, `${c.input.name}, trained pairs`).toBeGreaterThanOrEqual(BAR);
      expect(onKnown.recall, `${c.input.name}, trained pairs`).toBeGreaterThanOrEqual(BAR);
    }
  });

  it('tags "stars" about the same however it is worded: a name, a noun phrase or a full prompt', async () => {
    const truth = new Set(photos.filter((p) => p.shape === 'star').map((p) => p.path));
    const wordings = [
      { name: 'stars' },
      { name: 'star' },
      { name: 'x', prompts: ['a photo of a star'] },
      { name: 'x', prompts: ['star shapes'] },
      { name: 'x', description: 'star shapes' },
    ];
    const counts: number[] = [];
    for (const w of wordings) {
      const preview = await library.tagger.preview(
        { description: null, prompts: [], negativePrompts: [], threshold: null, ...w },
        10_000,
      );
      const tagged = pathsOf(preview.top.map((t) => t.photoId));
      const pr = precisionRecall(tagged, truth);
      console.log(
        `wording ${JSON.stringify(w)}: ${tagged.size} tagged, precision ${pr.precision.toFixed(3)} recall ${pr.recall.toFixed(3)}`,
      );
      expect(pr.precision, JSON.stringify(w)).toBeGreaterThanOrEqual(BAR);
      expect(pr.recall, JSON.stringify(w)).toBeGreaterThanOrEqual(BAR);
      counts.push(tagged.size);
    }
    // Within a few photos of each other.
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(3);
  });

  it('records score, margin, source, model and prompt set with every tag', () => {
    const stars = library.tags.categoryByName('stars');
    const row = library.db
      .prepare('SELECT * FROM photo_tags WHERE category_id = ? LIMIT 1')
      .get(stars?.id) as Record<string, unknown>;
    expect(row).toMatchObject({ source: 'auto', model_id: library.modelId, adapter: null });
    expect(row.score).toEqual(expect.any(Number));
    expect(row.margin as number).toBeGreaterThanOrEqual(0);
    expect(row.prompt_set).toMatch(/^[0-9a-f]{16}$/);
  });

  it('gives each photo at most one category of an exclusive group, nearly always the right one', async () => {
    for (const shape of SHAPES)
      library.tags.addCategory({ name: `shape ${shape}`, description: shape, exclusiveGroup: 'shape' });
    const ids = SHAPES.map((s) => library.tags.categoryByName(`shape ${s}`)?.id ?? -1);
    await library.tagger.run({ categoryIds: ids });
    const perPhoto = new Map<number, string[]>();
    SHAPES.forEach((s, i) => {
      for (const t of library.tags.tagsFor(ids[i] ?? -1))
        perPhoto.set(t.photoId, [...(perPhoto.get(t.photoId) ?? []), s]);
    });
    expect(Math.max(...[...perPhoto.values()].map((v) => v.length))).toBe(1);
    let right = 0;
    for (const p of photos) {
      const id = library.store.photoByPath(p.path)?.id ?? -1;
      if (perPhoto.get(id)?.[0] === p.shape) right++;
    }
    console.log(`exclusive shape group: ${right}/${photos.length} photos tagged with their shape`);
    expect(right / photos.length).toBeGreaterThanOrEqual(0.9);
  });

  it('shows whether the template ensemble beats one template (zero-shot shape accuracy)', async () => {
    const accuracy = async (templates: readonly string[]): Promise<number> => {
      const vectors = await Promise.all(
        SHAPES.map((s) =>
          library.tagger.vectorsOf({
            id: 0,
            name: s,
            description: null,
            prompts: fillTemplates(s, templates),
            negativePrompts: [],
          }),
        ),
      );
      const stored = library.store.vectors(library.modelId, library.store.embeddedIds(library.modelId));
      let right = 0;
      for (const p of photos) {
        const v = stored.get(library.store.photoByPath(p.path)?.id ?? -1);
        if (!v) continue;
        const scores = vectors.map((c) => c.positive.reduce((s, x, i) => s + x * (v[i] as number), 0));
        if (SHAPES[scores.indexOf(Math.max(...scores))] === p.shape) right++;
      }
      return right / photos.length;
    };
    const ensemble = await accuracy(PHOTO_TEMPLATES);
    const single = await accuracy([SINGLE_TEMPLATE]);
    console.log(
      `shape top-1: ensemble of ${PHOTO_TEMPLATES.length} templates ${ensemble.toFixed(3)}, "${SINGLE_TEMPLATE}" alone ${single.toFixed(3)}`,
    );
    expect(ensemble).toBeGreaterThanOrEqual(0.9);
    expect(single).toBeGreaterThanOrEqual(0.8);
    // The default must not be the worse choice on our own model.
    expect(ensemble).toBeGreaterThanOrEqual(single - 0.01);
  });

  it('reviews the least certain first; a rejected tag stays rejected after re-tagging', async () => {
    const stars = library.tags.categoryByName('stars');
    if (!stars) throw new Error('no stars');
    const queue = library.tags.reviewQueue(stars.id, 1000);
    expect(queue.length).toBe(library.tags.tagsFor(stars.id, ['auto']).length);
    const margins = queue.map((q) => Math.abs(q.margin ?? 0));
    expect(margins).toEqual([...margins].sort((a, b) => a - b));
    const [first, second] = queue;
    if (!first || !second) throw new Error('queue too short');
    library.tags.setUserTag(first.photoId, stars.id, 'rejected');
    library.tags.setUserTag(second.photoId, stars.id, 'accepted');
    await library.tagger.run({ categoryIds: [stars.id] });
    const rows = new Map(library.tags.tagsFor(stars.id).map((t) => [t.photoId, t.source]));
    expect(rows.get(first.photoId)).toBe('rejected');
    expect(rows.get(second.photoId)).toBe('accepted');
    expect(library.tags.reviewQueue(stars.id, 1000).map((q) => q.photoId)).not.toContain(first.photoId);
    expect(library.tags.photosTagged([stars.id]).has(first.photoId)).toBe(false);
  });

  it("re-tags an edited category, dropping automatic tags that no longer apply but never the user's", async () => {
    const c = library.tags.addCategory({ name: 'circles or stars', description: 'circle' });
    await library.tagger.run({ categoryIds: [c.id] });
    const before = new Set(library.tags.tagsFor(c.id, ['auto']).map((t) => t.photoId));
    const manual = photos.find((p) => p.shape === 'triangle') as GeneratedPhoto;
    const manualId = library.store.photoByPath(manual.path)?.id ?? -1;
    library.tags.setUserTag(manualId, c.id, 'manual');
    library.tags.updateCategory(c.id, { description: 'star' });
    await library.tagger.run({ categoryIds: [c.id] });
    const after = new Set(library.tags.tagsFor(c.id, ['auto']).map((t) => t.photoId));
    // Exactly what the new definition tags on its own: nothing left over from the old one.
    const fresh = await library.tagger.preview(
      { name: 'x', description: 'star', prompts: [], negativePrompts: [], threshold: null },
      10_000,
    );
    expect([...after].sort((x, y) => x - y)).toEqual(
      fresh.top
        .map((t) => t.photoId)
        .filter((id) => id !== manualId)
        .sort((x, y) => x - y),
    );
    const circles = new Set(
      photos.filter((p) => p.shape === 'circle').map((p) => library.store.photoByPath(p.path)?.id),
    );
    expect([...before].filter((id) => circles.has(id)).length).toBeGreaterThan(10);
    expect([...after].filter((id) => circles.has(id))).toEqual([]);
    expect(library.tags.tagsFor(c.id).find((t) => t.photoId === manualId)?.source).toBe('manual');
  });

  it('tags new photos as they are indexed, against the stored calibration', async () => {
    const red = library.tags.categoryByName('red things');
    if (!red) throw new Error('no red things');
    const stored = library.tags.vectors(red.id, library.modelId, model.embedDim);
    const added = await generatePhotoFolder(join(root, 'photos', 'later'), {
      count: 24,
      seed: 52,
      pairs: [
        ['red', 'circle'],
        ['green', 'circle'],
      ],
    });
    await library.scan();
    const { job, ids } = library.indexJob();
    await job.run(ids);
    const tagged = pathsOf(library.tags.tagsFor(red.id).map((t) => t.photoId));
    // What the stored threshold says about the new photos, computed independently of the live path.
    const preview = await library.tagger.preview({ ...red, threshold: stored?.threshold ?? null }, 10_000);
    const passing = pathsOf(preview.top.map((t) => t.photoId));
    expect(added.filter((p) => tagged.has(p.path)).map((p) => p.path)).toEqual(
      added.filter((p) => passing.has(p.path)).map((p) => p.path),
    );
    const redNew = added.filter((p) => p.colour === 'red');
    expect(redNew.filter((p) => tagged.has(p.path)).length / redNew.length).toBeGreaterThanOrEqual(0.9);
    expect(added.filter((p) => p.colour === 'green' && tagged.has(p.path))).toEqual([]);
  });

  it('previews what a category would tag without saving anything', async () => {
    const before = library.tags.categories().length;
    const stars = library.tags.categoryByName('stars');
    if (!stars) throw new Error('no stars');
    const threshold = library.tags.vectors(stars.id, library.modelId, model.embedDim)?.threshold ?? null;
    const preview = await library.tagger.preview({ ...stars, threshold }, 10_000);
    // With the same threshold, the preview is the automatic tags plus photos the user decided on.
    const auto = library.tags.tagsFor(stars.id, ['auto']).map((t) => t.photoId);
    const decided = library.tags.userDecided(stars.id);
    const previewed = preview.top.map((t) => t.photoId);
    expect(previewed.filter((id) => !decided.has(id)).sort((a, b) => a - b)).toEqual(
      auto.sort((a, b) => a - b),
    );
    expect(preview.top.map((t) => t.score)).toEqual(
      [...preview.top.map((t) => t.score)].sort((a, b) => b - a),
    );
    expect(library.tags.categories().length).toBe(before);
  });

  it('filters search by tags and albums; smart albums follow the library', async () => {
    const searcher = new Searcher(library);
    const result = await searcher.search('a photo of a circle', {
      limit: 10,
      matches: 'all',
      filters: { tags: ['red things'] },
    });
    expect(result.hits).toHaveLength(10);
    const redTagged = library.tags.photosTagged([library.tags.categoryByName('red things')?.id ?? -1]);
    expect(result.hits.every((h) => redTagged.has(h.id))).toBe(true);

    const manual = library.albums.create('favourites');
    const some = result.hits.slice(0, 3).map((h) => h.id);
    expect(library.albums.add(manual.id, some)).toBe(3);
    const inAlbum = await searcher.search('a photo of a star', {
      matches: 'all',
      filters: { albums: ['favourites'] },
    });
    expect(inAlbum.hits.map((h) => h.id).sort()).toEqual([...some].sort());

    const redId = library.tags.categoryByName('red things')?.id ?? -1;
    const smart = library.albums.create('red things album', { tags: ['red things'] });
    const members = await searcher.albumPhotos(smart);
    expect(members).toEqual([...library.tags.photosTagged([redId])].sort((a, b) => a - b));
    // New photos join a smart album without anyone touching it.
    const more = await generatePhotoFolder(join(root, 'photos', 'more'), {
      count: 6,
      seed: 53,
      pairs: [['red', 'circle']],
    });
    await library.scan();
    const { job, ids } = library.indexJob();
    await job.run(ids);
    const after = pathsOf(await searcher.albumPhotos(smart));
    expect(more.filter((p) => after.has(p.path)).length).toBeGreaterThanOrEqual(5);
    await expect(searcher.search('a star', { filters: { tags: ['no such tag'] } })).rejects.toThrow(
      /no tag named "no such tag"/,
    );
  });
});
