// The engine's methods through Engine.call on a real library indexed with the test model: the
// timeline, explaining a match, search by an image file, fine-tuning as a background job with its
// events, adapter switching, settings kept in the library, removing albums, and the validation every
// call goes through.

import { readFileSync, statSync, utimesSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipModel } from '../../electron/core/clip/clip-model.js';
import { filterColumns } from '../../electron/core/library/filter-columns.js';
import { Library } from '../../electron/core/library/library.js';
import { systemTrash } from '../../electron/core/library/system-trash.js';
import { readStoredSettings } from '../../electron/core/library/settings-store.js';
import { PHOTO_TEMPLATES } from '../../electron/core/tags/prompt-templates.js';
import { sidecarPathFor } from '../../electron/core/tags/xmp-sidecar.js';
import { readSidecarLabels } from '../../electron/core/tags/embedded-keywords.js';
import { Engine } from '../../electron/engine/engine.js';
import {
  ApiError,
  type EventData,
  type EventName,
  type Method,
  type Params,
} from '../../electron/shared/api.js';
import { syntheticLibrary } from '../../bench/support/synthetic-library.js';
import { TEST_MODEL_DIR } from '../support/paths.js';
import { generatePhotoFolder, type GeneratedPhoto } from '../../scripts/shapes/photo-folder.js';
import { tempDir } from '../support/temp.js';

const model = ClipModel.open(TEST_MODEL_DIR);

/** Resolves with the first event of that name that passes the test. */
function next<E extends EventName>(
  engine: Engine,
  event: E,
  test: (data: EventData<E>) => boolean = () => true,
): Promise<EventData<E>> {
  return new Promise((resolve) => {
    const stop = engine.on(event, (data) => {
      if (!test(data)) return;
      stop();
      resolve(data);
    });
  });
}

/** Collects every event of the given names until stopped. */
function record<E extends EventName>(
  engine: Engine,
  ...events: E[]
): { seen: [E, EventData<E>][]; stop: () => void } {
  const seen: [E, EventData<E>][] = [];
  const stops = events.map((e) => engine.on(e, (data) => seen.push([e, data])));
  return {
    seen,
    stop: () => {
      for (const s of stops) s();
    },
  };
}

async function refused(
  engine: Engine,
  method: Method,
  params: unknown,
  code: ApiError['code'],
): Promise<string> {
  const err: unknown = await engine.call(method, params as Params<typeof method>).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `${method} ${JSON.stringify(params)}`).toBeInstanceOf(ApiError);
  expect((err as ApiError).code, `${method} ${JSON.stringify(params)}: ${(err as ApiError).message}`).toBe(
    code,
  );
  return (err as ApiError).message;
}

describe('Engine', () => {
  const root = tempDir();
  const photosDir = join(root, 'photos');
  let photos: GeneratedPhoto[] = [];
  let outside: GeneratedPhoto[] = [];
  let library: Library;
  let engine: Engine;
  const idOf = (p: GeneratedPhoto): number => library.store.photoByPath(p.path)?.id ?? -1;
  const showing = (colour: string, shape: string): GeneratedPhoto[] =>
    photos.filter((p) => p.colour === colour && p.shape === shape);

  beforeAll(async () => {
    photos = await generatePhotoFolder(photosDir, {
      count: 48,
      seed: 91,
      formats: ['jpeg'],
      pairs: [
        ['red', 'star'],
        ['blue', 'circle'],
        ['green', 'square'],
        ['yellow', 'triangle'],
      ],
    });
    outside = await generatePhotoFolder(join(root, 'outside'), {
      count: 2,
      seed: 92,
      formats: ['png'],
      pairs: [['red', 'star']],
    });
    writeFileSync(join(photosDir, 'broken.jpg'), 'not a jpeg');
    // Distinct file times, a few of them shared, so the timeline's order and its ties are known.
    photos.forEach((p, i) => {
      const t = new Date(Date.UTC(2020, 0, 1) + Math.floor(i / 2) * 86_400_000);
      utimesSync(p.path, t, t);
    });
    library = Library.open({ dbPath: join(root, 'lib', 'library.sqlite'), model });
    engine = new Engine(library, {
      models: { root: join(root, 'models') },
      trashItem: systemTrash('linux', { XDG_DATA_HOME: join(root, 'data') }),
    });
    await engine.call('library.addFolder', { path: photosDir });
    const finished = next(engine, 'library.changed', (d) => d.reason === 'index finished');
    expect(await engine.call('index.start', {})).toEqual({ started: true });
    await finished;
  }, 300_000);

  afterAll(async () => {
    await engine.close();
    library.close();
  });

  it('refuses bad params with ApiError bad-request, before any handler runs', async () => {
    await refused(engine, 'photos.timeline', { limit: 0 }, 'bad-request');
    await refused(engine, 'photos.timeline', { limit: 200_001 }, 'bad-request');
    await refused(engine, 'photos.timeline', { offset: -1 }, 'bad-request');
    await refused(engine, 'photos.timeline', { offset: 1.5 }, 'bad-request');
    await refused(engine, 'photos.explain', { photoId: 0 }, 'bad-request');
    await refused(engine, 'photos.explain', { photoId: 1, query: 'x'.repeat(2001) }, 'bad-request');
    await refused(engine, 'photos.explain', { photoId: 1, extra: true }, 'bad-request');
    await refused(engine, 'search.image', { upload: '' }, 'bad-request');
    await refused(engine, 'search.image', { upload: `${'a'.repeat(32)}.jpg`, limit: 0 }, 'bad-request');
    await refused(engine, 'finetune.start', { maxSteps: 0 }, 'bad-request');
    await refused(engine, 'finetune.start', { maxSteps: 100_001 }, 'bad-request');
    await refused(engine, 'finetune.start', { seed: 0.5 }, 'bad-request');
    await refused(engine, 'finetune.pairs', { x: 1 }, 'bad-request');
    await refused(engine, 'finetune.activate', {}, 'bad-request');
    await refused(engine, 'finetune.activate', { id: -2 }, 'bad-request');
    await refused(engine, 'settings.set', { threads: 0 }, 'bad-request');
    await refused(engine, 'settings.set', { threads: 257 }, 'bad-request');
    await refused(engine, 'settings.set', { xmpSidecars: 'yes' }, 'bad-request');
    await refused(engine, 'settings.set', { xmpAutoTags: 1 }, 'bad-request');
    await refused(engine, 'albums.remove', { id: 'a' }, 'bad-request');
    await refused(engine, 'no.such.method' as Method, {}, 'not-found');
  });

  it('search.text at its defaults returns every photo that stands out, and says how many', async () => {
    const stars = new Set(showing('red', 'star').map(idOf));
    const r = await engine.call('search.text', { query: 'a photo of a red star' });
    const strong = r.hits.filter((h) => h.strong);
    expect(strong.filter((h) => stars.has(h.id)).length).toBeGreaterThanOrEqual(stars.size - 1);
    expect(strong.filter((h) => !stars.has(h.id)).length).toBeLessThanOrEqual(2);
    expect(r.strong).toBe(strong.length);
    expect(r.searched).toBe(photos.length);
    // Asked for everything, the same photos come first, and the rest are marked weaker.
    const all = await engine.call('search.text', {
      query: 'a photo of a red star',
      matches: 'all',
      limit: 40,
    });
    expect(all.hits.slice(0, strong.length).map((h) => h.id)).toEqual(strong.map((h) => h.id));
    expect(all.hits.slice(strong.length).every((h) => !h.strong)).toBe(true);
  });

  it('lists the indexed photos newest first as parallel arrays, failed photos left out', async () => {
    const status = await engine.call('library.status', {});
    expect(status.failed).toBe(1);
    const t = await engine.call('photos.timeline', {});
    expect(t.total).toBe(photos.length);
    expect(t.ids).toHaveLength(photos.length);
    expect(t.takenAt).toHaveLength(photos.length);
    expect(t.aspect).toHaveLength(photos.length);
    expect(new Set(t.ids)).toEqual(new Set(photos.map(idOf)));
    // No EXIF dates in the test photos: taken-at falls back to each file's mtime.
    for (const p of photos)
      expect(t.takenAt[t.ids.indexOf(idOf(p))]).toBe(Math.trunc(statSync(p.path).mtimeMs));
    for (let i = 1; i < t.ids.length; i++) {
      const [a, b] = [t.takenAt[i - 1] as number, t.takenAt[i] as number];
      expect(a > b || (a === b && (t.ids[i - 1] as number) < (t.ids[i] as number))).toBe(true);
    }
    for (const p of photos.slice(0, 5))
      expect(t.aspect[t.ids.indexOf(idOf(p))]).toBeCloseTo(p.width / p.height, 3);
    // An EXIF date outranks the file time.
    const oldest = t.ids.at(-1) as number;
    library.db.prepare('UPDATE photos SET taken_at = ? WHERE id = ?').run(Date.UTC(2030, 0, 1), oldest);
    const page = await engine.call('photos.timeline', { offset: 0, limit: 3 });
    expect(page.ids[0]).toBe(oldest);
    expect(page.takenAt[0]).toBe(Date.UTC(2030, 0, 1));
    const again = await engine.call('photos.timeline', {});
    expect(await engine.call('photos.timeline', { offset: 10, limit: 7 })).toEqual({
      total: photos.length,
      ids: again.ids.slice(10, 17),
      takenAt: again.takenAt.slice(10, 17),
      aspect: again.aspect.slice(10, 17),
    });
    expect((await engine.call('photos.timeline', { offset: 1000 })).ids).toEqual([]);
  });

  it('explains a query match term by term, in the same numbers search uses', async () => {
    const star = idOf(showing('red', 'star')[0] as GeneratedPhoto);
    const circle = idOf(showing('blue', 'circle')[0] as GeneratedPhoto);
    const onStar = await engine.call('photos.explain', { photoId: star, query: 'a photo of a red star' });
    const onCircle = await engine.call('photos.explain', { photoId: circle, query: 'a photo of a red star' });
    expect(onStar.terms).toEqual([
      { text: 'a photo of a red star', weight: 1, score: expect.any(Number) as number },
    ]);
    const starTerm = onStar.terms[0]?.score as number;
    expect(starTerm).toBeGreaterThan(0);
    expect(starTerm).toBeGreaterThan(onCircle.terms[0]?.score as number);
    // One term: the combined query is that term.
    expect(onStar.score).toBeCloseTo(starTerm, 5);
    expect(onStar.prompts).toEqual([]);

    const query = 'a photo of a red star - 0.5:a photo of a blue circle';
    const both = await engine.call('photos.explain', { photoId: star, query });
    expect(both.terms.map((t) => [t.text, t.weight])).toEqual([
      ['a photo of a red star', 1],
      ['a photo of a blue circle', -0.5],
    ]);
    const hits = (await engine.call('search.text', { query, limit: 1000, matches: 'all' })).hits;
    expect(both.score).toBeCloseTo(hits.find((h) => h.id === star)?.score ?? NaN, 4);
    await refused(engine, 'photos.explain', { photoId: star, query: '- a photo' }, 'bad-request');
    await refused(engine, 'photos.explain', { photoId: 99_999, query: 'x' }, 'not-found');
  });

  it('explains a category by the prompts the tagger averages, and the tag score', async () => {
    const stars = await engine.call('tags.add', { name: 'stars', description: 'star' });
    await engine.call('tags.run', { ids: [stars.id] });
    const tagged = photos
      .map(idOf)
      .find((id) => library.tags.tagsOf(id).some((t) => t.categoryId === stars.id));
    expect(tagged).toBeDefined();
    const e = await engine.call('photos.explain', { photoId: tagged as number, categoryId: stars.id });
    // The eight templates, each with the article English wants: "a photo of a star.", "a photo of the star.".
    expect(e.prompts.map((p) => p.prompt).sort()).toEqual(
      PHOTO_TEMPLATES.map((t) => t.replace('{}', t.includes('the {}') ? 'star' : 'a star')).sort(),
    );
    const scores = e.prompts.map((p) => p.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const tag = (await engine.call('photos.get', { id: tagged as number })).tags.find(
      (t) => t.name === 'stars',
    );
    expect(e.score).toBe(tag?.score);
    // The ensemble's mean prompt vector, renormalised, is what the tag score measures: it sits within
    // the prompts' range scaled by the mean's norm, so at least the weakest prompt's score.
    expect(e.score as number).toBeGreaterThanOrEqual(Math.min(...scores) - 1e-6);
    await refused(engine, 'photos.explain', { photoId: tagged as number, categoryId: 9999 }, 'not-found');
  });

  it('explains by the nearest photos people labelled, with their captions and tags', async () => {
    const target = idOf(showing('red', 'star')[0] as GeneratedPhoto);
    expect((await engine.call('photos.explain', { photoId: target })).neighbours).toEqual([]);
    const labelled = [...showing('red', 'star').slice(1, 4), ...showing('blue', 'circle').slice(0, 4)];
    for (const p of labelled)
      await engine.call('captions.set', { photoId: idOf(p), text: `a ${p.colour} ${p.shape} on paper` });
    const stars = library.tags.categoryByName('stars')?.id as number;
    await engine.call('tags.decide', {
      photoId: idOf(labelled[0] as GeneratedPhoto),
      categoryId: stars,
      decision: 'accepted',
    });
    // The photo's own caption does not make it its own neighbour.
    await engine.call('captions.set', { photoId: target, text: 'the one being explained' });
    const { neighbours, score, terms } = await engine.call('photos.explain', { photoId: target });
    expect(score).toBeNull();
    expect(terms).toEqual([]);
    expect(neighbours).toHaveLength(5);
    expect(neighbours.map((n) => n.photoId)).not.toContain(target);
    const ids = new Set(labelled.map(idOf));
    for (const n of neighbours) expect(ids.has(n.photoId)).toBe(true);
    expect(neighbours.map((n) => n.score)).toEqual(neighbours.map((n) => n.score).sort((a, b) => b - a));
    // The three other red stars are nearer than any blue circle.
    expect(neighbours.slice(0, 3).every((n) => n.caption?.startsWith('a red star'))).toBe(true);
    const withTag = neighbours.find((n) => n.photoId === idOf(labelled[0] as GeneratedPhoto));
    expect(withTag?.tags).toEqual(['stars']);
    await engine.call('captions.set', { photoId: target, text: '' });
  });

  it('searches by an uploaded image that is not in the library', async () => {
    const upload = await library.uploads.copyIn((outside[0] as GeneratedPhoto).path);
    const r = await engine.call('search.image', { upload, limit: 5, matches: 'all' });
    expect(r.hits).toHaveLength(5);
    const redStars = new Set(showing('red', 'star').map((p) => p.path));
    expect(redStars.has(r.hits[0]?.path ?? '')).toBe(true);
    expect(r.hits.filter((h) => redStars.has(h.path)).length).toBeGreaterThanOrEqual(3);
    // The same options as search.text: filters apply.
    const filtered = await engine.call('search.image', {
      upload,
      matches: 'all',
      filters: { folder: join(root, 'elsewhere') },
    });
    expect(filtered).toMatchObject({ hits: [], allowed: 0 });
    // Bytes that are not an image, uploaded as one.
    const text = join(root, 'notes.jpg');
    writeFileSync(text, 'hello');
    const junk = await library.uploads.copyIn(text);
    expect(await refused(engine, 'search.image', { upload: junk }, 'bad-request')).toMatch(/not an image/);
  });

  it('never opens a path a caller names: search.image takes an upload id only', async () => {
    // As an attacker would try it: a path, a path in the upload field, an id that was never issued.
    expect(await refused(engine, 'search.image', { path: '/etc/hostname' }, 'bad-request')).toMatch(/upload/);
    const outsidePhoto = (outside[1] as GeneratedPhoto).path;
    await refused(engine, 'search.image', { path: outsidePhoto }, 'bad-request');
    await refused(engine, 'search.image', { upload: outsidePhoto }, 'bad-request');
    await refused(engine, 'search.image', { upload: '../../../etc/hostname' }, 'bad-request');
    expect(await refused(engine, 'search.image', { upload: `${'0'.repeat(32)}.jpg` }, 'not-found')).toMatch(
      /no upload/,
    );
  });

  it('lists the training pairs: captions and accepted tags, rejections as negatives', async () => {
    const stars = library.tags.categoryByName('stars')?.id as number;
    const circle = idOf(showing('blue', 'circle')[4] as GeneratedPhoto);
    await engine.call('tags.decide', { photoId: circle, categoryId: stars, decision: 'rejected' });
    const { pairs, negatives } = await engine.call('finetune.pairs', {});
    expect(negatives).toBe(1);
    expect(pairs.filter((p) => p.source === 'caption')).toHaveLength(7);
    expect(
      pairs.filter((p) => p.source === 'caption').every((p) => p.from === 'caption written by you'),
    ).toBe(true);
    expect(pairs.filter((p) => p.source === 'tag')).toEqual([
      expect.objectContaining({
        photoId: idOf(showing('red', 'star')[1] as GeneratedPhoto),
        text: 'a photo of a star.',
        from: 'tag confirmed by you in review',
      }),
    ]);
    // The viewer's photo: each tag and the caption say where they came from.
    const shown = await engine.call('photos.get', { id: idOf(showing('red', 'star')[1] as GeneratedPhoto) });
    expect(shown.captionFrom).toBe('written by you');
    expect(shown.tags.find((t) => t.name === 'stars')?.from).toBe('confirmed by you in review');
    const declined = await engine.call('photos.get', { id: circle });
    expect(declined.tags.find((t) => t.name === 'stars')?.from).toBe('turned down by you in review');
    const guessed = photos
      .map(idOf)
      .map((id) => library.tags.tagsOf(id).find((t) => t.source === 'auto'))
      .find((t) => t !== undefined);
    const guess = (await engine.call('photos.get', { id: guessed?.photoId as number })).tags.find(
      (t) => t.name === guessed?.name,
    );
    expect(guess?.from).toMatch(
      /^guessed by Lumen \(score -?\d\.\d{3}; .*shapes-clip; prompts [0-9a-f]{8}\)$/,
    );
  });

  it('fine-tunes in the background with throttled progress, then lists the new adapter', async () => {
    // More captions, so the run has a held-out side to measure.
    for (const p of photos.filter((x) => x.colour !== 'yellow'))
      await engine.call('captions.set', { photoId: idOf(p), text: `a photo of a ${p.colour} ${p.shape}` });
    const events = record(engine, 'finetune.progress', 'finetune.done');
    const done = next(engine, 'finetune.done');
    const started = performance.now();
    expect(await engine.call('finetune.start', { seed: 3, maxSteps: 60 })).toEqual({ started: true });
    expect(await engine.call('finetune.start', {})).toEqual({ started: false });
    // The engine answers other calls while training (it yields between steps).
    const status = await engine.call('library.status', {});
    expect(status.indexed).toBe(photos.length);
    expect(events.seen.some(([e]) => e === 'finetune.done')).toBe(false);
    const result = await done;
    const seconds = (performance.now() - started) / 1000;
    events.stop();
    expect(result).toMatchObject({ state: 'finished', error: null, version: 1 });
    expect(result.adapterId).toEqual(expect.any(Number));
    expect(result.before).toEqual(expect.any(Number));
    expect(result.after).toEqual(expect.any(Number));
    const progress = events.seen
      .filter(([e]) => e === 'finetune.progress')
      .map(([, d]) => d as EventData<'finetune.progress'>);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.length).toBeLessThanOrEqual(Math.ceil(seconds * 20) + 2);
    const steps = progress.map((p) => p.step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(progress.every((p) => p.maxSteps === 60 && Number.isFinite(p.loss))).toBe(true);
    // Progress comes first and the last step is always sent.
    expect(events.seen.at(-1)?.[0]).toBe('finetune.done');
    const adapter = library.adapters.get(result.adapterId as number);
    expect(adapter?.metrics.steps).toBe(steps.at(-1));
    const listed = await engine.call('finetune.adapters', {});
    expect(listed.active).toBeNull();
    expect(listed.adapters).toEqual([
      {
        id: result.adapterId,
        version: 1,
        createdAt: expect.any(Number) as number,
        before: result.before,
        after: result.after,
        steps: steps.at(-1),
        seconds: expect.any(Number) as number,
      },
    ]);
  });

  it('cancels a run: done says cancelled and nothing is saved', async () => {
    const done = next(engine, 'finetune.done');
    const first = next(engine, 'finetune.progress');
    expect(await engine.call('finetune.start', { seed: 4, maxSteps: 100_000 })).toEqual({ started: true });
    await first;
    expect(await engine.call('finetune.cancel', {})).toEqual({ ok: true });
    expect(await done).toEqual({
      state: 'cancelled',
      error: null,
      adapterId: null,
      version: null,
      before: null,
      after: null,
      notMeasured: null,
    });
    expect((await engine.call('finetune.adapters', {})).adapters).toHaveLength(1);
    // Nothing running: cancel is harmless, and a new run may start.
    expect(await engine.call('finetune.cancel', {})).toEqual({ ok: true });
  });

  it('activates adapters with progress, and rolls back through what was active, to the plain model', async () => {
    const second = next(engine, 'finetune.done');
    expect(await engine.call('finetune.start', { seed: 5, maxSteps: 20 })).toEqual({ started: true });
    const v2 = await second;
    expect(v2).toMatchObject({ state: 'finished', version: 2 });
    const v1 = (await engine.call('finetune.adapters', {})).adapters[0]?.id as number;

    const events = record(engine, 'adapter.progress', 'library.changed');
    expect(await engine.call('finetune.activate', { id: v2.adapterId })).toEqual({ ok: true });
    events.stop();
    const phases = events.seen
      .filter(([e]) => e === 'adapter.progress')
      .map(([, d]) => d as EventData<'adapter.progress'>);
    expect(phases.map((p) => p.phase)).toContain('projecting');
    expect(phases.find((p) => p.phase === 'projecting' && p.done === p.total)?.total).toBe(photos.length);
    expect(events.seen.at(-1)).toEqual(['library.changed', { reason: 'adapter changed' }]);
    expect((await engine.call('finetune.adapters', {})).active).toBe(v2.adapterId);
    expect(library.space.adapter?.id).toBe(v2.adapterId);
    // Search runs in the adapter's space.
    expect(
      (await engine.call('search.text', { query: 'a photo of a red star', limit: 3 })).hits.length,
    ).toBeGreaterThan(0);

    // v1 was never active: back from v2 is the plain model, not the next older version.
    expect((await engine.call('finetune.adapters', {})).rollbackTo).toBeNull();
    expect(await engine.call('finetune.rollback', {})).toEqual({ ok: true, active: null });
    expect(library.space.adapter).toBeNull();
    // v1, then v2: back is v1, then the plain model.
    await engine.call('finetune.activate', { id: v1 });
    await engine.call('finetune.activate', { id: v2.adapterId });
    expect((await engine.call('finetune.adapters', {})).rollbackTo).toBe(v1);
    expect(await engine.call('finetune.rollback', {})).toEqual({ ok: true, active: v1 });
    expect(library.space.adapter?.id).toBe(v1);
    expect(await engine.call('finetune.rollback', {})).toEqual({ ok: true, active: null });
    expect(library.space.adapter).toBeNull();
    expect(library.space.modelId).toBe(library.modelId);
    // Nothing left to undo.
    expect(await engine.call('finetune.rollback', {})).toEqual({ ok: true, active: null });
    expect(await engine.call('finetune.activate', { id: v1 })).toEqual({ ok: true });
    expect(await engine.call('finetune.activate', { id: null })).toEqual({ ok: true });
    expect((await engine.call('finetune.adapters', {})).active).toBeNull();
    await refused(engine, 'finetune.activate', { id: 9999 }, 'not-found');
  });

  it('reports the model and settings; tag runs write XMP sidecars when asked', async () => {
    const s = await engine.call('settings.get', {});
    expect(s.model).toEqual({
      name: 'lumen/shapes-clip',
      path: TEST_MODEL_DIR,
      family: 'clip',
      precision: 'image fp32, text quantized',
      embedDim: 64,
      threads: model.threads,
    });
    expect(s.providers.available).toContain('cpu');
    expect(s.providers.available).toContain(s.providers.active);
    expect(s).toMatchObject({
      threads: null,
      xmpSidecars: false,
      xmpAutoTags: false,
      libraryPath: join(root, 'lib', 'library.sqlite'),
    });
    expect(s.catalogue.length).toBeGreaterThan(0);
    expect(s.catalogue.filter((m) => m.isDefault)).toHaveLength(1);
    expect(s.catalogue.every((m) => !m.present)).toBe(true);

    await engine.call('tags.run', {});
    const tagged = photos
      .map(idOf)
      .filter((id) => library.tags.tagsOf(id).some((t) => t.name === 'stars' && t.source !== 'rejected'));
    expect(tagged.length).toBeGreaterThan(0);
    const sidecars = tagged.map((id) => sidecarPathFor(library.store.photo(id)?.path ?? ''));
    expect(sidecars.some((f) => existsSync(f))).toBe(false);
    expect(await engine.call('settings.set', { xmpSidecars: true })).toEqual({ ok: true });
    // By default only the user's own tags go to sidecars: photos with nothing but guesses get none.
    const guessedOnly = tagged.filter((id) =>
      library.tags.tagsOf(id).every((t) => t.source === 'auto' || t.source === 'rejected'),
    );
    expect(guessedOnly.length).toBeGreaterThan(0);
    await engine.call('tags.run', {});
    expect(guessedOnly.some((id) => existsSync(sidecarPathFor(library.store.photo(id)?.path ?? '')))).toBe(
      false,
    );
    expect(await engine.call('settings.set', { xmpAutoTags: true })).toEqual({ ok: true });
    expect(await engine.call('settings.get', {})).toMatchObject({ xmpSidecars: true, xmpAutoTags: true });
    const phases = record(engine, 'tags.progress');
    await engine.call('tags.run', {});
    phases.stop();
    expect(sidecars.every((f) => existsSync(f))).toBe(true);
    expect(phases.seen.some(([, d]) => d.phase === 'sidecars')).toBe(true);
    await engine.call('settings.set', { xmpSidecars: false, xmpAutoTags: false });
  });

  it('keeps settings in the library database, across engines', async () => {
    const dbPath = join(root, 'other', 'library.sqlite');
    mkdirSync(join(root, 'other'));
    const first = Library.open({ dbPath, model });
    const a = new Engine(first);
    expect(await a.call('settings.set', { threads: 3, xmpSidecars: true })).toEqual({ ok: true });
    expect(await a.call('settings.set', { xmpSidecars: false })).toEqual({ ok: true });
    await a.close();
    first.close();
    expect(readStoredSettings(dbPath)).toEqual({
      threads: 3,
      xmpSidecars: false,
      xmpAutoTags: false,
      watch: true,
      exclude: [],
    });
    const second = Library.open({ dbPath, model });
    const b = new Engine(second);
    try {
      expect(await b.call('settings.get', {})).toMatchObject({
        threads: 3,
        xmpSidecars: false,
        libraryPath: dbPath,
      });
      await b.call('settings.set', { threads: null });
      expect(await b.call('settings.get', {})).toMatchObject({ threads: null });
    } finally {
      await b.close();
      second.close();
    }
    expect(readStoredSettings(join(root, 'nowhere.sqlite'))).toEqual({
      threads: null,
      xmpSidecars: false,
      xmpAutoTags: false,
      watch: true,
      exclude: [],
    });
  });

  it('renames albums and changes a smart album’s search, its photos following', async () => {
    const manual = await engine.call('albums.create', { name: 'trip' });
    const smart = await engine.call('albums.create', { name: 'stars', query: 'a photo of a red star' });
    const listed = async (id: number) => (await engine.call('albums.list', {})).find((a) => a.id === id);
    const reds = showing('red', 'star').map(idOf);
    const blues = showing('blue', 'circle').map(idOf);
    expect(await listed(smart.id)).toMatchObject({ smart: true, query: 'a photo of a red star', tags: [] });
    const before = await engine.call('albums.photos', { id: smart.id });
    // What the album's search finds (its cut-off may leave out a weak one), and no blue circle.
    expect(before.filter((id) => reds.includes(id)).length).toBeGreaterThanOrEqual(reds.length / 2);
    expect(before.filter((id) => blues.includes(id))).toEqual([]);
    expect((await listed(smart.id))?.cover).toBe(before[0]);
    expect(
      await engine.call('albums.update', {
        id: smart.id,
        name: 'circles',
        query: 'a photo of a blue circle',
      }),
    ).toEqual({ ok: true });
    const after = await engine.call('albums.photos', { id: smart.id });
    expect(after.filter((id) => blues.includes(id)).length).toBeGreaterThanOrEqual(blues.length / 2);
    expect(after.filter((id) => reds.includes(id))).toEqual([]);
    expect(await listed(smart.id)).toMatchObject({ name: 'circles', query: 'a photo of a blue circle' });
    // A taken name, a manual album given a query, an empty search: refused, and nothing changes.
    expect(await refused(engine, 'albums.update', { id: manual.id, name: 'circles' }, 'bad-request')).toMatch(
      /already exists/,
    );
    expect(await refused(engine, 'albums.update', { id: manual.id, query: 'dogs' }, 'bad-request')).toMatch(
      /not a smart album/,
    );
    await refused(engine, 'albums.update', { id: smart.id, name: 'renamed?', query: '' }, 'bad-request');
    expect(await listed(smart.id)).toMatchObject({ name: 'circles', query: 'a photo of a blue circle' });
    await refused(engine, 'albums.update', { id: 99_999, name: 'x' }, 'not-found');
    await engine.call('albums.remove', { id: manual.id });
    await engine.call('albums.remove', { id: smart.id });
  });

  it('removes an album', async () => {
    const album = await engine.call('albums.create', { name: 'to go' });
    await engine.call('albums.add', { id: album.id, photoIds: [idOf(photos[0] as GeneratedPhoto)] });
    expect(await engine.call('albums.remove', { id: album.id })).toEqual({ ok: true });
    expect((await engine.call('albums.list', {})).map((a) => a.id)).not.toContain(album.id);
    await refused(engine, 'albums.remove', { id: album.id }, 'not-found');
  });

  it('acts on a selection all or nothing: one unknown photo and no photo changes', async () => {
    const [a, b] = [idOf(photos[0] as GeneratedPhoto), idOf(photos[1] as GeneratedPhoto)];
    await refused(engine, 'captions.setMany', { photoIds: [a, 99_999], text: 'half done?' }, 'not-found');
    expect((await engine.call('photos.get', { id: a })).caption).not.toBe('half done?');
    expect(await engine.call('captions.setMany', { photoIds: [a, b], text: 'both' })).toEqual({ changed: 2 });
    expect((await engine.call('photos.get', { id: b })).caption).toBe('both');
    await engine.call('captions.setMany', { photoIds: [a, b], text: '' });
    const category = await engine.call('tags.add', { name: 'bulk' });
    const tagged = async (id: number) =>
      (await engine.call('photos.get', { id })).tags.find((t) => t.name === 'bulk')?.source ?? null;
    await refused(
      engine,
      'tags.decideMany',
      { photoIds: [a, 99_999], categoryId: category.id, decision: 'manual' },
      'not-found',
    );
    expect(await tagged(a)).toBeNull();
    const decide = { photoIds: [a, b], categoryId: category.id, decision: 'manual' as const };
    expect(await engine.call('tags.decideMany', decide)).toEqual({ changed: 2 });
    // The same decision again changes nothing.
    expect(await engine.call('tags.decideMany', decide)).toEqual({ changed: 0 });
    expect([await tagged(a), await tagged(b)]).toEqual(['manual', 'manual']);
    await refused(engine, 'tags.decideMany', { ...decide, photoIds: [] }, 'bad-request');
    await engine.call('tags.remove', { id: category.id });
    const album = await engine.call('albums.create', { name: 'picked' });
    await engine.call('albums.add', { id: album.id, photoIds: [a, b] });
    expect(await engine.call('albums.removePhotos', { id: album.id, photoIds: [a] })).toEqual({ removed: 1 });
    expect(await engine.call('albums.photos', { id: album.id })).toEqual([b]);
    await refused(engine, 'albums.removePhotos', { id: 99_999, photoIds: [a] }, 'not-found');
    await engine.call('albums.remove', { id: album.id });
  });

  it('finds duplicates with progress and marks the one to keep in each group', async () => {
    const progress = record(engine, 'duplicates.progress');
    const groups = await engine.call('photos.duplicates', { threshold: 0.999 });
    progress.stop();
    const total = library.index.size;
    expect(progress.seen.at(-1)?.[1]).toEqual({ done: total, total });
    expect(progress.seen.map(([, d]) => d.done)).toEqual(
      [...progress.seen.map(([, d]) => d.done)].sort((a, b) => a - b),
    );
    for (const g of groups) {
      expect(g.photos.length).toBeGreaterThan(1);
      expect(g.photos.map((p) => p.id)).toContain(g.keep);
    }
  });

  it('rates and favourites photos, all or none, into their sidecars when the library writes them', async () => {
    const [a, b] = [idOf(photos[4] as GeneratedPhoto), idOf(photos[5] as GeneratedPhoto)];
    await refused(engine, 'photos.rate', { photoIds: [a, 99_999], rating: 3 }, 'not-found');
    await refused(engine, 'photos.rate', { photoIds: [a], rating: 6 }, 'bad-request');
    expect((await engine.call('photos.get', { id: a })).rating).toBe(0);
    expect(await engine.call('photos.rate', { photoIds: [a, b], rating: 4 })).toEqual({ changed: 2 });
    expect(await engine.call('photos.rate', { photoIds: [a, b], rating: 4 })).toEqual({ changed: 0 });
    expect((await engine.call('photos.get', { id: b })).rating).toBe(4);
    expect(await engine.call('photos.favorite', { photoIds: [b], favorite: true })).toEqual({ changed: 1 });
    expect(await engine.call('photos.favorites', {})).toEqual([b]);
    expect((await engine.call('photos.get', { id: b })).favorite).toBe(true);
    // Sidecars off (the default): no file is written. On: the change goes to the sidecar at once.
    const sidecarOf = (id: number) => sidecarPathFor(library.store.photo(id)?.path ?? '');
    expect(existsSync(sidecarOf(a))).toBe(false);
    await engine.call('settings.set', { xmpSidecars: true });
    try {
      await engine.call('photos.rate', { photoIds: [a], rating: 2 });
      await engine.call('photos.favorite', { photoIds: [a], favorite: true });
      expect(readSidecarLabels(readFileSync(sidecarOf(a), 'utf8'))).toMatchObject({
        rating: 2,
        favorite: true,
      });
      await engine.call('photos.favorite', { photoIds: [a], favorite: false });
      expect(readSidecarLabels(readFileSync(sidecarOf(a), 'utf8')).favorite).toBe(false);
    } finally {
      await engine.call('settings.set', { xmpSidecars: false });
    }
    await engine.call('photos.favorite', { photoIds: [b], favorite: false });
    expect(await engine.call('photos.favorites', {})).toEqual([]);
  });

  it('reads stars and favourite marks from the sidecars of photos it indexes', async () => {
    const dir = join(root, 'rated');
    mkdirSync(dir);
    const path = join(dir, 'rated.jpg');
    writeFileSync(path, readFileSync((outside[0] as GeneratedPhoto).path));
    writeFileSync(
      `${path}.xmp`,
      `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
        <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:lumen="https://lumen.photos/xmp/1.0/"
          xmp:Rating="5" lumen:Favorite="True"/></rdf:RDF></x:xmpmeta>`,
    );
    await engine.call('library.addFolder', { path: dir });
    const finished = next(engine, 'library.changed', (d) => d.reason === 'index finished');
    await engine.call('index.start', {});
    await finished;
    const id = library.store.photoByPath(path)?.id ?? -1;
    expect(await engine.call('photos.get', { id })).toMatchObject({ rating: 5, favorite: true });
    expect(await engine.call('photos.favorites', {})).toEqual([id]);
    await engine.call('library.removeFolder', { path: dir });
  });

  it('moves photos to the trash: asked first what goes, then gone from search, timeline and index', async () => {
    const stars = showing('red', 'star').slice(0, 2);
    const ids = stars.map(idOf);
    await engine.call('captions.set', { photoId: ids[0] as number, text: 'my favourite star' });
    const details = await Promise.all(ids.map((id) => engine.call('photos.get', { id })));
    expect(await engine.call('photos.footprint', { photoIds: ids })).toEqual({
      photos: 2,
      captions: details.filter((d) => d.caption !== null).length,
      tags: details.flatMap((d) => d.tags.filter((t) => t.source !== 'auto')).length,
      albums: 0,
    });
    const changed = next(engine, 'library.changed', (d) => d.reason === 'photos trashed');
    expect(await engine.call('photos.trash', { photoIds: [...ids, 99_999] })).toEqual({
      trashed: 2,
      failed: [{ id: 99_999, path: null, error: 'not in the library' }],
    });
    await changed;
    for (const p of stars) {
      expect(existsSync(p.path)).toBe(false);
      expect(existsSync(join(root, 'data', 'Trash', 'files', basename(p.path)))).toBe(true);
    }
    const timeline = await engine.call('photos.timeline', {});
    expect(timeline.ids.filter((id) => ids.includes(id))).toEqual([]);
    expect([...library.index.ids()].filter((id) => ids.includes(id))).toEqual([]);
    const found = await engine.call('search.text', {
      query: 'a photo of a red star',
      matches: 'all',
      limit: 100,
    });
    expect(found.hits.filter((h) => ids.includes(h.id))).toEqual([]);
    await refused(engine, 'photos.trash', { photoIds: [] }, 'bad-request');
  });

  it('refuses to fine-tune a library with nothing to learn from', async () => {
    const dbPath = join(root, 'empty', 'library.sqlite');
    const empty = Library.open({ dbPath, model });
    const e = new Engine(empty);
    try {
      expect(await e.call('finetune.pairs', {})).toEqual({ pairs: [], negatives: 0 });
      expect(await refused(e, 'finetune.start', {}, 'bad-request')).toMatch(/no training pairs/);
      expect(await e.call('finetune.adapters', {})).toEqual({ active: null, adapters: [], rollbackTo: null });
    } finally {
      await e.close();
      empty.close();
    }
  });
});

describe('Engine, a large library', () => {
  it('builds the filter columns once the app is quiet after opening, before any filtered search', async () => {
    // Over COLUMNS_FROM (20,000) photos, filters are answered from columns in memory.
    const synthetic = syntheticLibrary(tempDir(), 20_001, model);
    const library = Library.open({ dbPath: synthetic.dbPath, model });
    const e = new Engine(library, { searchCheckIdleMs: 200 });
    try {
      const opened = Date.now();
      await new Promise((r) => setTimeout(r, 2000));
      // Asked now (a time at which nothing would be built again), they are there, built since opening.
      const columns = filterColumns(library.db, 0);
      expect(columns?.builtAt).toBeGreaterThanOrEqual(opened);
      expect(columns?.builtAt).toBeLessThan(Date.now() - 200);
      expect(columns?.allowed({ folder: '/synthetic' }).size).toBe(20_001);
    } finally {
      await e.close();
      library.close();
    }
  }, 120_000);
});
