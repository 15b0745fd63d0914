// Watching, with real files and the real watcher (chokidar) at its default timings: photos added,
// changed, renamed, moved between folders or deleted reach the library and search within seconds; a
// renamed or moved photo keeps its caption, tags and albums; a card of 500 photos copied in is a few
// updates, not 500; a file still being written is not read half-way; a folder that disappears keeps
// its photos as offline and they come back with it; the watch limit is reported with its fix.

import {
  closeSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { FSWatcher } from 'chokidar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipModel } from '../../../electron/core/clip/clip-model.js';
import type { IndexProgress } from '../../../electron/core/library/index-job.js';
import type { UpdateReport } from '../../../electron/core/library/library-update.js';
import { LibraryUpdater } from '../../../electron/core/library/library-updater.js';
import {
  LibraryWatcher,
  watchLimitMessage,
  type WatchState,
} from '../../../electron/core/library/library-watcher.js';
import { Library } from '../../../electron/core/library/library.js';
import { Searcher } from '../../../electron/core/library/search.js';
import { generatePhotoFolder, type GeneratedPhoto } from '../../../scripts/shapes/photo-folder.js';
import { TEST_MODEL_DIR } from '../../support/paths.js';
import { tempDir } from '../../support/temp.js';
import { until } from '../../support/until.js';

const model = ClipModel.open(TEST_MODEL_DIR);
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A library with an updater and a watcher, as the engine and `lumen watch` put them together. */
function watched(
  root: string,
  timings: { pollMs?: number; fallbackScanMs?: number; debounceMs?: number } = {},
) {
  const library = Library.open({ dbPath: join(root, 'lib', 'library.sqlite'), model });
  const runs: UpdateReport[] = [];
  const progress: IndexProgress[] = [];
  const states: WatchState[] = [];
  const updater = new LibraryUpdater(library, {
    onDone: (r) => runs.push(r),
    onProgress: (p) => progress.push(p),
  });
  const watcher = new LibraryWatcher(library, {
    ...timings,
    request: (paths) => updater.request(paths),
    onState: (s) => states.push(s),
  });
  const searcher = new Searcher(library);
  return {
    library,
    updater,
    watcher,
    runs,
    progress,
    states,
    /** Ids of the photos search ranks for a query (the whole library, no cut-off). */
    found: async (query: string): Promise<number[]> =>
      (await searcher.search(query, { matches: 'all', limit: 1000 })).hits.map((h) => h.id),
    close: async () => {
      await watcher.close();
      await updater.close();
      library.close();
    },
  };
}

describe('library watcher', () => {
  const root = tempDir();
  const folder = join(root, 'photos');
  const other = join(root, 'other');
  const w = watched(root);
  const { library } = w;
  const idOf = (path: string): number | undefined => library.store.photoByPath(path)?.id;
  let extra: GeneratedPhoto[] = [];

  beforeAll(async () => {
    await generatePhotoFolder(folder, { count: 5, seed: 1, formats: ['jpeg'] });
    await generatePhotoFolder(other, { count: 2, seed: 3, formats: ['jpeg'] });
    extra = await generatePhotoFolder(join(root, 'staging'), {
      count: 4,
      seed: 2,
      formats: ['jpeg'],
      pairs: [['red', 'star']],
    });
    library.addFolder(folder);
    library.addFolder(other);
    await w.updater.request();
    await w.watcher.start();
  }, 120_000);
  afterAll(() => w.close());

  it('indexes a photo copied in, and search finds it', async () => {
    const path = join(folder, 'new', 'deeper', 'star.jpg');
    cpSync((extra[0] as GeneratedPhoto).path, path);
    const ms = await until(() => library.store.photoByPath(path)?.status === 'indexed');
    const id = idOf(path) as number;
    expect(await w.found('a photo of a red star')).toContain(id);
    expect(library.index.has(id)).toBe(true);
    process.stdout.write(`watcher: a photo copied in was searchable ${ms} ms later\n`);
  });

  it('re-indexes a photo whose file changed', async () => {
    const path = join(folder, 'new', 'deeper', 'star.jpg');
    const id = idOf(path) as number;
    const before = library.store.photo(id)?.content_hash;
    copyFileSync((extra[1] as GeneratedPhoto).path, path);
    const hash = sha256(path);
    expect(hash).not.toBe(before);
    await until(() => library.store.photo(id)?.content_hash === hash);
    expect(idOf(path)).toBe(id);
    expect(library.store.photo(id)?.status).toBe('indexed');
  });

  it('keeps the caption, tags and albums of a renamed photo, and of one moved to another folder', async () => {
    const from = join(folder, 'new', 'deeper', 'star.jpg');
    const id = idOf(from) as number;
    library.tags.setCaption(id, 'the red star from the beach', 'user');
    const category = library.tags.addCategory({ name: 'keepers' });
    library.tags.setUserTag(id, category.id, 'manual');
    const album = library.albums.create('favourites');
    library.albums.add(album.id, [id]);

    const renamed = join(folder, 'renamed star.jpg');
    renameSync(from, renamed);
    await until(() => idOf(renamed) === id);
    const moved = join(other, 'moved', 'star.jpg');
    cpSync(renamed, moved, { preserveTimestamps: true });
    rmSync(renamed);
    await until(() => idOf(moved) === id && idOf(renamed) === undefined);

    expect(library.store.photo(id)?.folder_id).toBe(
      library.store.folders().find((f) => f.path === other)?.id,
    );
    expect(library.tags.caption(id)?.text).toBe('the red star from the beach');
    expect(library.tags.tagsOf(id).map((t) => t.name)).toContain('keepers');
    expect(library.albums.members(album.id)).toEqual([id]);
    expect(library.status().total).toBe(8);
  });

  it('forgets a deleted photo: gone from status, the index and search', async () => {
    const path = join(other, 'moved', 'star.jpg');
    const id = idOf(path) as number;
    rmSync(path);
    await until(() => library.status().total === 7);
    expect(library.index.has(id)).toBe(false);
    expect(await w.found('a photo of a red star')).not.toContain(id);
  });

  it('does not read a file half-way while it is being written slowly', async () => {
    const bytes = readFileSync((extra[2] as GeneratedPhoto).path);
    // In a folder that is new too: the folder's own event must not take the file half-written either.
    mkdirSync(join(folder, 'incoming'));
    const path = join(folder, 'incoming', 'slow.jpg');
    const fd = openSync(path, 'w');
    const chunks = 6;
    const step = Math.ceil(bytes.length / chunks);
    const seen: string[] = [];
    for (let i = 0; i < chunks; i++) {
      writeSync(fd, bytes, i * step, Math.min(step, bytes.length - i * step));
      await new Promise((r) => setTimeout(r, 400));
      const row = library.store.photoByPath(path);
      if (row) seen.push(row.status);
    }
    closeSync(fd);
    await until(() => library.store.photoByPath(path)?.status === 'indexed');
    // Nothing was read while the file grew: no row, or one still waiting to be indexed.
    expect(seen.filter((status) => status !== 'pending')).toEqual([]);
    expect(library.store.photoByPath(path)?.content_hash).toBe(sha256(path));
    expect(library.status().failed).toBe(0);
  });

  it('keeps the photos of a folder that disappears, as offline, and brings them back with it', async () => {
    const ids = library.store.photosInFolder(library.store.folders().find((f) => f.path === other)?.id ?? -1);
    const caption = 'still mine';
    library.tags.setCaption(ids[0]?.id ?? -1, caption, 'user');
    const away = `${other}-unplugged`;
    renameSync(other, away);
    await until(() => library.status().offline.some((f) => f.path === other));
    expect(library.status().offline).toEqual([
      { path: other, since: expect.any(Number) as number, photos: 2 },
    ]);
    expect(library.status().total).toBe(8);
    expect(library.tags.caption(ids[0]?.id ?? -1)?.text).toBe(caption);

    // Photos added to the drive elsewhere come back with it.
    cpSync((extra[3] as GeneratedPhoto).path, join(away, 'while away.jpg'));
    renameSync(away, other);
    await until(() => library.status().offline.length === 0 && library.status().indexed === 9, 30_000);
    expect(
      library.store
        .photosInFolder(library.store.folders().find((f) => f.path === other)?.id ?? -1)
        .map((p) => p.id),
    ).toEqual(expect.arrayContaining(ids.map((p) => p.id)));
    expect(library.tags.caption(ids[0]?.id ?? -1)?.text).toBe(caption);
  }, 60_000);

  it('indexes a card of 500 photos copied in as a few updates in batches, with progress', async () => {
    const card = await generatePhotoFolder(join(root, 'card'), { count: 500, seed: 9, formats: ['jpeg'] });
    const runsBefore = w.runs.length;
    const progressBefore = w.progress.length;
    const total = library.status().total;
    const t0 = Date.now();
    cpSync(join(root, 'card'), join(folder, 'DCIM'), { recursive: true });
    const indexedByRuns = (): number => w.runs.slice(runsBefore).reduce((n, r) => n + r.indexed, 0);
    // Every photo indexed, and the updates that did it finished (an update reports after tagging).
    await until(() => indexedByRuns() === card.length, 120_000);
    expect(library.status().indexed).toBe(total + card.length);
    const runs = w.runs.length - runsBefore;
    process.stdout.write(
      `watcher: 500 photos copied in were indexed in ${((Date.now() - t0) / 1000).toFixed(1)} s by ${runs} updates\n`,
    );
    // A few updates of many photos each, not one per photo; progress along the way.
    expect(runs).toBeLessThanOrEqual(10);
    expect(w.progress.length - progressBefore).toBeGreaterThan(runs);
  }, 180_000);
});

describe('a rename seen by a watcher with a short quiet time', () => {
  it('is still one move: the deletion waits for the new name to settle', async () => {
    const root = tempDir();
    const folder = join(root, 'photos');
    const [photo] = await generatePhotoFolder(folder, { count: 1, seed: 8, formats: ['jpeg'] });
    // A quiet time well under the settle time: the old name's unlink comes a second before the add.
    const w = watched(root, { debounceMs: 200 });
    try {
      w.library.addFolder(folder);
      await w.updater.request();
      await w.watcher.start();
      const id = w.library.store.photoByPath((photo as GeneratedPhoto).path)?.id as number;
      w.library.tags.setCaption(id, 'kept through a rename', 'user');
      const renamed = join(folder, 'renamed.jpg');
      renameSync((photo as GeneratedPhoto).path, renamed);
      await until(() => w.library.store.photoByPath(renamed) !== undefined);
      expect(w.library.store.photoByPath(renamed)?.id).toBe(id);
      expect(w.library.tags.caption(id)?.text).toBe('kept through a rename');
      expect(w.runs.some((r) => r.scan.removed > 0)).toBe(false);
    } finally {
      await w.close();
    }
  });
});

describe('watching, when the system will not watch more', () => {
  it('says what the limit is and how to raise it, and rescans every few minutes instead', async () => {
    const root = tempDir();
    const folder = join(root, 'photos');
    await generatePhotoFolder(folder, { count: 2, seed: 4, formats: ['jpeg'] });
    const w = watched(root, { fallbackScanMs: 500 });
    try {
      w.library.addFolder(folder);
      await w.watcher.start();
      const err = Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), {
        code: 'ENOSPC',
      });
      // The real watcher's error, as inotify_add_watch failing with ENOSPC reaches it.
      (Reflect.get(w.watcher, 'watcher') as FSWatcher).emit('error', err);
      expect(w.watcher.state.state).toBe('limited');
      expect(w.watcher.state.message).toMatch(/fs\.inotify\.max_user_watches/);
      expect(w.watcher.state.message).toMatch(/sudo sysctl/);
      // The fallback rescans find the folder's photos without any event.
      await until(() => w.library.status().indexed === 2);
    } finally {
      await w.close();
    }
  });

  it('words the limit for each system', () => {
    const enospc = Object.assign(new Error('x'), { code: 'ENOSPC' });
    expect(watchLimitMessage(enospc, 'linux')).toMatch(/max_user_watches.*sysctl/);
    expect(watchLimitMessage(Object.assign(new Error('x'), { code: 'EMFILE' }), 'darwin')).toMatch(
      /will not watch more files \(EMFILE\)/,
    );
    expect(watchLimitMessage(Object.assign(new Error('x'), { code: 'EACCES' }), 'linux')).toBeNull();
  });
});
