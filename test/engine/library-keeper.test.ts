// The engine keeps its library current by itself, as the app and `lumen serve` run it (EngineHolder
// opening the library through core's openLibrary, settings at their defaults): a photo copied into a
// folder reaches status, search and the timeline with library.changed; the library's settings mean the
// same here as in the CLI: watching on or off, exclusions, XMP sidecars for what it indexes, threads.

import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLibrary } from '../../electron/core/library/open-library.js';
import { sidecarPathFor } from '../../electron/core/tags/xmp-sidecar.js';
import { EngineHolder } from '../../electron/engine/engine-host.js';
import type { EventData } from '../../electron/shared/api.js';
import { generatePhotoFolder, type GeneratedPhoto } from '../../scripts/shapes/photo-folder.js';
import { TEST_MODEL_DIR } from '../support/paths.js';
import { tempDir } from '../support/temp.js';
import { until } from '../support/until.js';

const root = tempDir();
const dbPath = join(root, 'lib', 'library.sqlite');

/** The engine as `lumen serve` and the app start it. */
const start = (): Promise<EngineHolder> =>
  EngineHolder.start({
    configured: () => ({ dir: TEST_MODEL_DIR }),
    open: (model) => openLibrary({ dbPath, model, create: true }),
    models: { root: join(root, 'models'), settingsFile: join(root, 'settings.json') },
  });

describe('the engine keeps the library current', () => {
  const folder = join(root, 'photos');
  let holder: EngineHolder;
  let stars: GeneratedPhoto[] = [];
  const changes: string[] = [];
  const status = () => holder.call('library.status', {});
  const indexed = (path: string): number | undefined => {
    const row = holder.library?.store.photoByPath(path);
    return row?.status === 'indexed' ? row.id : undefined;
  };

  beforeAll(async () => {
    await generatePhotoFolder(folder, { count: 24, seed: 31, formats: ['jpeg'] });
    stars = await generatePhotoFolder(join(root, 'staging'), {
      count: 6,
      seed: 32,
      formats: ['jpeg'],
      pairs: [['red', 'star']],
    });
    holder = await start();
    holder.on('library.changed', (d: EventData<'library.changed'>) => changes.push(d.reason));
    await holder.call('library.addFolder', { path: folder });
    await holder.call('index.start', {});
    await until(() => changes.includes('index finished'), 60_000);
  }, 120_000);
  afterAll(() => holder.close());

  it('watches by default: a photo copied in is searchable within seconds, and the UI is told', async () => {
    expect((await status()).watch).toEqual({ state: 'watching', message: null });
    const seen = changes.length;
    const path = join(folder, 'new.jpg');
    cpSync((stars[0] as GeneratedPhoto).path, path);
    const ms = await until(() => indexed(path) !== undefined, 20_000);
    const id = indexed(path);
    expect((await status()).total).toBe(25);
    expect((await holder.call('photos.timeline', {})).ids).toContain(id);
    const hits = await holder.call('search.text', {
      query: 'a photo of a red star',
      matches: 'all',
      limit: 100,
    });
    expect(hits.hits.map((h) => h.id)).toContain(id);
    expect(changes.slice(seen)).toContain('index finished');
    process.stdout.write(`engine: a photo copied in was in the timeline ${ms} ms later\n`);
  });

  it('stops watching when the setting is off (index.start still works), and starts again', async () => {
    await holder.call('settings.set', { watch: false });
    await until(() => holder.library !== null);
    await expect.poll(async () => (await status()).watch.state).toBe('stopped');
    const path = join(folder, 'unwatched.jpg');
    cpSync((stars[1] as GeneratedPhoto).path, path);
    await new Promise((r) => setTimeout(r, 4000));
    expect((await status()).total).toBe(25);
    await holder.call('index.start', {});
    await expect.poll(async () => (await status()).total, { timeout: 20_000 }).toBe(26);
    await holder.call('settings.set', { watch: true });
    await expect.poll(async () => (await status()).watch.state).toBe('watching');
  });

  it('leaves out what the exclusions name, watching or rescanning', async () => {
    await holder.call('settings.set', { exclude: ['Screenshots'] });
    mkdirSync(join(folder, 'Screenshots'));
    cpSync((stars[2] as GeneratedPhoto).path, join(folder, 'Screenshots', 'shot.jpg'));
    cpSync((stars[3] as GeneratedPhoto).path, join(folder, 'kept.jpg'));
    await expect.poll(async () => (await status()).total, { timeout: 20_000 }).toBe(27);
    await holder.call('index.start', {});
    await new Promise((r) => setTimeout(r, 2000));
    expect((await status()).total).toBe(27);
    expect(holder.library?.store.photoByPath(join(folder, 'Screenshots', 'shot.jpg'))).toBeUndefined();
    // Taking the exclusion out brings the photos back at once.
    await holder.call('settings.set', { exclude: [] });
    await expect.poll(async () => (await status()).total, { timeout: 20_000 }).toBe(28);
  });

  it('writes XMP sidecars for the photos it indexes when the setting is on', async () => {
    // A category every photo passes (a cosine of -1), so each new photo has a tag to write; the tags are
    // Lumen's guesses, which sidecars carry only when the user asks for them too.
    await holder.call('tags.add', { name: 'everything', threshold: -1 });
    await holder.call('settings.set', { xmpSidecars: true, xmpAutoTags: true });
    const paths = [4, 5].map((i) => join(folder, `star ${i}.jpg`));
    for (const [k, p] of paths.entries()) cpSync((stars[4 + k] as GeneratedPhoto).path, p);
    await expect.poll(async () => (await status()).total, { timeout: 20_000 }).toBe(30);
    await until(() => paths.every((p) => existsSync(sidecarPathFor(p))), 10_000);
    expect(readFileSync(sidecarPathFor(paths[0] as string), 'utf8')).toContain('everything');
    await holder.call('settings.set', { xmpSidecars: false, xmpAutoTags: false });
  });

  it('follows a rename (caption kept) and a deletion, and keeps an unplugged folder as offline', async () => {
    const path = join(folder, 'star 4.jpg');
    const id = holder.library?.store.photoByPath(path)?.id as number;
    await holder.call('captions.set', { photoId: id, text: 'my star' });
    const renamed = join(folder, 'renamed star.jpg');
    renameSync(path, renamed);
    await expect
      .poll(async () => (await holder.call('photos.get', { id })).path, { timeout: 20_000 })
      .toBe(renamed);
    expect((await holder.call('photos.get', { id })).caption).toBe('my star');
    rmSync(renamed);
    await expect.poll(async () => (await status()).total, { timeout: 20_000 }).toBe(29);
    await expect(holder.call('photos.get', { id })).rejects.toMatchObject({ code: 'not-found' });

    const card = join(root, 'card');
    await generatePhotoFolder(card, { count: 3, seed: 33, formats: ['jpeg'] });
    await holder.call('library.addFolder', { path: card });
    await holder.call('index.start', {});
    await expect.poll(async () => (await status()).indexed, { timeout: 20_000 }).toBe(32);
    renameSync(card, `${card}-unplugged`);
    await expect
      .poll(async () => (await status()).offline, { timeout: 20_000 })
      .toEqual([{ path: card, since: expect.any(Number) as number, photos: 3 }]);
    expect((await status()).total).toBe(32);
    renameSync(`${card}-unplugged`, card);
    await expect.poll(async () => (await status()).offline, { timeout: 20_000 }).toEqual([]);
    expect((await status()).total).toBe(32);
  }, 60_000);

  it('runs the model on the thread count the library asks for, once it is opened again', async () => {
    await holder.call('settings.set', { threads: 1 });
    expect((await holder.call('settings.get', {})).threads).toBe(1);
    await holder.close();
    holder = await start();
    expect((await holder.call('settings.get', {})).model.threads).toBe(1);
    await holder.call('settings.set', { threads: null });
  });
});
