// The engine host on a first run: no model in the cache, so it answers app.state and the models.*
// methods and refuses library calls with a clear message; a model download from a local fake of the
// Hugging Face Hub reports progress (and can be cancelled and resumed), and when it is done the library
// opens on the new model in place, with no restart, and answers like any engine. Over HTTP (and the
// app's engine channel) media answer 404 (null) while there is no library.

import { cpSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipModel } from '../../electron/core/clip/clip-model.js';
import { Library } from '../../electron/core/library/library.js';
import type { Catalogue } from '../../electron/core/models/catalogue.js';
import type { ModelChoice } from '../../electron/core/models/installed.js';
import { importModelFolder } from '../../electron/core/models/model-import.js';
import { EngineHolder, NO_MODEL_MESSAGE } from '../../electron/engine/engine-host.js';
import { EngineClient } from '../../electron/main/engine-client.js';
import { startServer, type RunningServer } from '../../electron/engine/http-server.js';
import { hostForHolder, serveEngine } from '../../electron/engine/utility-entry.js';
import { ApiError, type EventData, type EventName } from '../../electron/shared/api.js';
import { entryFor, FakeHub, hubFilesFrom, modelFilePaths, type HubFile } from '../core/models/fake-hub.js';
import { TEST_MODEL_DIR } from '../support/paths.js';
import { generatePhotoFolder } from '../../scripts/shapes/photo-folder.js';
import { tempDir } from '../support/temp.js';

type Progress = EventData<'models.progress'>;
type Switch = EventData<'models.switch'>;

/** Resolves with the first event of that name that passes the test. */
function next<E extends EventName>(
  holder: EngineHolder,
  event: E,
  test: (data: EventData<E>) => boolean = () => true,
): Promise<EventData<E>> {
  return new Promise((resolve) => {
    const stop = holder.on(event, (data) => {
      if (!test(data)) return;
      stop();
      resolve(data);
    });
  });
}

/** A local port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return port;
}

const ended = (p: Progress | Switch): boolean =>
  p.state === 'done' || p.state === 'failed' || p.state === 'cancelled';

/** A copy of the test model with only one variant's graphs, so that is the variant it opens in. */
function onlyVariant(to: string, suffix: '' | '_fp16' | '_quantized'): string {
  cpSync(TEST_MODEL_DIR, to, {
    recursive: true,
    filter: (src) =>
      !src.endsWith('.onnx') ||
      /^(vision|text)_model(_\w+)?\.onnx$/.exec(basename(src))?.[2] === (suffix || undefined),
  });
  return to;
}

describe('EngineHolder without a model', () => {
  const root = tempDir('lumen-host-');
  const modelRoot = join(root, 'models');
  const settingsFile = join(root, 'settings.json');
  let files: HubFile[];
  let hub: FakeHub;
  let catalogue: Catalogue;
  let holder: EngineHolder;
  let server: RunningServer;
  const opened: ModelChoice[] = [];
  const progress: Progress[] = [];
  const changes: string[] = [];
  const switches: Switch[] = [];
  /** Holds a model switch's indexing after its first batch while set. */
  let hold: { reached: () => void; gate: Promise<void> } | null = null;
  /** Holds the next model switch after its first batch: `reached` resolves there, `release` lets it go on. */
  const holdNextSwitch = (): { reached: Promise<void>; release: () => void } => {
    let release = (): void => undefined;
    // The executors run synchronously, so `release` is the gate's resolver by the time this returns.
    const reached = new Promise<void>((resolve) => {
      hold = { reached: resolve, gate: new Promise<void>((r) => (release = r)) };
    });
    return { reached, release };
  };

  beforeAll(async () => {
    files = hubFilesFrom(TEST_MODEL_DIR, modelFilePaths(TEST_MODEL_DIR));
    hub = await FakeHub.start(files);
    catalogue = { version: 1, models: [entryFor(files)] };
    holder = await EngineHolder.start({
      open: (model) => {
        opened.push(model);
        if (model.dir.endsWith('shapes-broken')) return Promise.reject(new Error('this model is broken'));
        return Library.load({
          dbPath: join(root, 'library', 'library.sqlite'),
          model: ClipModel.open(model.dir, model.variant ? { precision: model.variant } : {}),
        });
      },
      models: {
        root: modelRoot,
        catalogue,
        settingsFile,
        hubUrl: hub.url,
        download: { retries: 1, retryDelayMs: 5, timeoutMs: 5000 },
      },
      switching: {
        batchSize: 2,
        onBatch: async () => {
          if (!hold) return;
          hold.reached();
          await hold.gate;
        },
      },
    });
    holder.on('models.progress', (p) => progress.push(p));
    holder.on('models.switch', (p) => switches.push(p));
    holder.on('library.changed', (d) => changes.push(d.reason));
    server = await startServer({ engine: holder });
  });

  afterAll(async () => {
    await server.close();
    await holder.close();
    await hub.close();
  });

  it('says it is not ready and why, and refuses library calls with a clear message', async () => {
    expect(holder.engine).toBeNull();
    expect(holder.library).toBeNull();
    expect(opened).toEqual([]);
    expect(await holder.call('app.state', {})).toEqual({
      ready: false,
      reason: 'no model yet',
      switching: null,
    });
    for (const [method, params] of [
      ['library.status', {}],
      ['search.text', { query: 'a red star' }],
      ['settings.get', {}],
    ] as const) {
      const err: unknown = await holder.call(method, params).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect(err).toMatchObject({ code: 'failed', message: NO_MODEL_MESSAGE });
    }
    // Validation still comes first.
    await expect(holder.call('search.text', { query: '' })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(holder.call('models.download', { id: '../x' })).rejects.toMatchObject({
      code: 'bad-request',
    });
  });

  it('lists the catalogue with sizes, none present or active', async () => {
    const list = await holder.call('models.list', {});
    // The recommended download: configs, the fp32 image encoder and the quantized text encoder.
    const recommended = files
      .filter(
        (f) => !f.lfs || f.path === 'onnx/vision_model.onnx' || f.path === 'onnx/text_model_quantized.onnx',
      )
      .reduce((s, f) => s + f.data.length, 0);
    expect(list).toEqual([
      {
        id: 'shapes-clip',
        name: 'Shapes CLIP (test)',
        family: 'clip',
        repo: 'lumen-test/shapes-clip',
        present: false,
        isDefault: true,
        active: false,
        sizeBytes: recommended,
        license: 'MIT',
        note: 'tests',
      },
    ]);
    await expect(holder.call('models.download', { id: 'nope' })).rejects.toMatchObject({ code: 'not-found' });
    await expect(holder.call('models.use', { id: 'shapes-clip' })).rejects.toMatchObject({
      code: 'bad-request',
    });
  });

  it('over HTTP: app.state answers, media are 404 and library methods fail clearly', async () => {
    const post = (method: string) =>
      fetch(`${server.url}/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
    const state = await post('app.state');
    expect(await state.json()).toEqual({ result: { ready: false, reason: 'no model yet', switching: null } });
    expect((await fetch(`${server.url}/media/thumb/1`)).status).toBe(404);
    expect((await fetch(`${server.url}/media/photo/1`)).status).toBe(404);
    const status = await post('library.status');
    expect(status.status).toBe(500);
    expect(await status.json()).toEqual({ error: { code: 'failed', message: NO_MODEL_MESSAGE } });
  });

  it('in the app: the engine process says it is ready and serves app.state, no media', async () => {
    const { port1, port2 } = new MessageChannel();
    try {
      serveEngine(port2, Promise.resolve(hostForHolder(holder)));
      const client = new EngineClient();
      const ready = new Promise<void>((resolve) =>
        client.onState((s) => {
          if (s === 'ready') resolve();
        }),
      );
      client.connect(port1);
      await ready;
      expect(await client.call('app.state', {})).toEqual({
        ready: false,
        reason: 'no model yet',
        switching: null,
      });
      expect(await client.resolveMedia('photo', 1)).toBeNull();
      await expect(client.call('library.status', {})).rejects.toMatchObject({ message: NO_MODEL_MESSAGE });
    } finally {
      port1.close();
      port2.close();
    }
  });

  it('reports a download that fails, and stays without a model', async () => {
    progress.length = 0;
    hub.faults.status.set('config.json', { code: 404, times: 1 });
    const done = next(holder, 'models.progress', ended);
    expect(await holder.call('models.download', { id: 'shapes-clip' })).toEqual({ started: true });
    const last = await done;
    expect(last).toMatchObject({ id: 'shapes-clip', state: 'failed' });
    expect(last.error).toMatch(/config\.json: the hub answered HTTP 404/);
    expect(await holder.call('app.state', {})).toEqual({
      ready: false,
      reason: 'no model yet',
      switching: null,
    });
  });

  it('says so when the hub cannot be reached', async () => {
    const port = await closedPort();
    const offline = await EngineHolder.start({
      open: () => Promise.reject(new Error('no model should be opened')),
      models: {
        root: join(root, 'offline-models'),
        catalogue,
        settingsFile: join(root, 'offline-settings.json'),
        hubUrl: `http://127.0.0.1:${port}`,
        download: { retries: 0 },
      },
    });
    try {
      const done = next(offline, 'models.progress', ended);
      expect(await offline.call('models.download', { id: 'shapes-clip' })).toEqual({ started: true });
      const last = await done;
      expect(last.state).toBe('failed');
      expect(last.error).toMatch(
        /^cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\): this computer seems to be offline/,
      );
      expect(await offline.call('app.state', {})).toEqual({
        ready: false,
        reason: 'no model yet',
        switching: null,
      });
    } finally {
      await offline.close();
    }
  });

  it('cancels a download; the next one resumes from what was fetched', async () => {
    progress.length = 0;
    hub.faults.slow = { chunkBytes: 64 * 1024, pauseMs: 40 };
    const started = next(holder, 'models.progress', (p) => p.doneBytes > 200_000);
    const done = next(holder, 'models.progress', ended);
    expect(await holder.call('models.download', { id: 'shapes-clip' })).toEqual({ started: true });
    // One download at a time.
    expect(await holder.call('models.download', { id: 'shapes-clip' })).toEqual({ started: false });
    await started;
    expect(await holder.call('models.cancel', {})).toEqual({ ok: true });
    expect(await done).toMatchObject({ state: 'cancelled', error: null });
    expect(holder.engine).toBeNull();
    const fetched = Math.max(...progress.map((p) => p.doneBytes));
    expect(fetched).toBeGreaterThan(200_000);

    // Download again: progress to the total, then the library opens on the model, in place.
    progress.length = 0;
    hub.faults.slow = null;
    hub.requests.length = 0;
    const ready = next(holder, 'library.changed', (d) => d.reason === 'model ready');
    const finished = next(holder, 'models.progress', ended);
    expect(await holder.call('models.download', { id: 'shapes-clip' })).toEqual({ started: true });
    expect(await finished).toMatchObject({ state: 'done', error: null, id: 'shapes-clip' });
    await ready;
    // It resumed: some request asked for a range rather than the whole file again.
    expect(hub.requests.some((r) => r.range !== undefined)).toBe(true);
    const total = progress[0]?.totalBytes ?? 0;
    expect(total).toBeGreaterThan(fetched);
    expect(progress.map((p) => p.state)).toContain('downloading');
    expect(progress.map((p) => p.state)).toContain('verifying');
    expect(progress.at(-1)).toMatchObject({ state: 'done', doneBytes: total, totalBytes: total });
    const bytes = progress.map((p) => p.doneBytes);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    // The recommended download: the image encoder in full precision, the text encoder quantized.
    expect(progress.some((p) => p.file === 'onnx/vision_model.onnx')).toBe(true);
    expect(progress.some((p) => p.file === 'onnx/text_model_quantized.onnx')).toBe(true);
    expect(progress.some((p) => p.file === 'onnx/vision_model_quantized.onnx')).toBe(false);
    // 'done' comes once the library is open on it.
    expect(changes).toContain('model ready');
  });

  it('is ready on the downloaded model, chosen for the CLI too, and answers library calls', async () => {
    expect(await holder.call('app.state', {})).toEqual({ ready: true, reason: null, switching: null });
    expect(holder.library).not.toBeNull();
    expect(opened).toEqual([{ dir: join(modelRoot, 'shapes-clip') }]);
    expect(JSON.parse(readFileSync(settingsFile, 'utf8'))).toEqual({ model: 'shapes-clip' });
    expect(await holder.call('models.list', {})).toMatchObject([
      { id: 'shapes-clip', present: true, active: true },
    ]);
    expect((await holder.call('settings.get', {})).model.precision).toBe('image fp32, text quantized');

    const photos = join(root, 'photos');
    await generatePhotoFolder(photos, {
      count: 8,
      seed: 5,
      formats: ['jpeg'],
      pairs: [
        ['red', 'star'],
        ['blue', 'circle'],
      ],
    });
    await holder.call('library.addFolder', { path: photos });
    const indexed = next(holder, 'library.changed', (d) => d.reason === 'index finished');
    expect(await holder.call('index.start', {})).toEqual({ started: true });
    await indexed;
    expect(await holder.call('library.status', {})).toMatchObject({ total: 8, indexed: 8, failed: 0 });
    const result = await holder.call('search.text', { query: 'a red star', limit: 3, matches: 'all' });
    expect(result.hits).toHaveLength(3);
    expect((await fetch(`${server.url}/media/thumb/${result.hits[0]?.id ?? 0}`)).status).toBe(200);
  });

  it('models.use on the model already open changes nothing; an unknown id is not found', async () => {
    const before = holder.engine;
    expect(await holder.call('models.use', { id: 'shapes-clip' })).toEqual({ ok: true });
    expect(holder.engine).toBe(before);
    await expect(holder.call('models.use', { id: 'nothing-here' })).rejects.toMatchObject({
      code: 'not-found',
    });
  });

  it('models.use on a model with the same weights switches at once: nothing to index', async () => {
    await importModelFolder(TEST_MODEL_DIR, { root: modelRoot, id: 'shapes-copy' });
    const before = holder.engine;
    switches.length = 0;
    const ready = next(holder, 'library.changed', (d) => d.reason === 'model ready');
    const done = next(holder, 'models.switch', ended);
    expect(await holder.call('models.use', { id: 'shapes-copy' })).toEqual({ ok: true });
    expect(await done).toMatchObject({ id: 'shapes-copy', state: 'done', done: 0, total: 0, error: null });
    await ready;
    expect(switches.map((s) => s.state)).toEqual(['indexing', 'done']);
    expect(holder.engine).not.toBe(before);
    expect(before?.library.db.open).toBe(false);
    expect(opened.at(-1)?.dir).toBe(join(modelRoot, 'shapes-copy'));
    expect(JSON.parse(readFileSync(settingsFile, 'utf8'))).toEqual({ model: 'shapes-copy' });
    expect(await holder.call('library.status', {})).toMatchObject({ total: 8, indexed: 8, pending: 0 });
    const list = await holder.call('models.list', {});
    expect(list.map((m) => [m.id, m.active, m.repo])).toEqual([
      ['shapes-clip', false, 'lumen-test/shapes-clip'],
      ['shapes-copy', true, null],
    ]);
    expect((await holder.call('settings.get', {})).model.path).toBe(join(modelRoot, 'shapes-copy'));
  });

  it('models.use on another model indexes it in the background; the old one answers until it is done', async () => {
    await importModelFolder(onlyVariant(join(root, 'quantized-only'), '_quantized'), {
      root: modelRoot,
      id: 'shapes-quantized',
    });
    const before = holder.engine;
    const query = { query: 'a red star', limit: 3, matches: 'all' } as const;
    const oldResult = await holder.call('search.text', query);
    switches.length = 0;
    changes.length = 0;
    const { reached, release } = holdNextSwitch();
    expect(await holder.call('models.use', { id: 'shapes-quantized' })).toEqual({ ok: true });
    await reached;

    // Mid-switch: the current model answers everything, and is still the one chosen.
    expect(await holder.call('app.state', {})).toEqual({
      ready: true,
      reason: null,
      switching: { id: 'shapes-quantized', done: 0, total: 8 },
    });
    expect(holder.engine).toBe(before);
    expect(await holder.call('search.text', query)).toEqual(oldResult);
    expect(await holder.call('library.status', {})).toMatchObject({ total: 8, indexed: 8, pending: 0 });
    expect(JSON.parse(readFileSync(settingsFile, 'utf8'))).toEqual({ model: 'shapes-copy' });
    expect((await holder.call('models.list', {})).find((m) => m.active)?.id).toBe('shapes-copy');
    // Asking again for the model being switched to changes nothing.
    expect(await holder.call('models.use', { id: 'shapes-quantized' })).toEqual({ ok: true });

    const done = next(holder, 'models.switch', ended);
    hold = null;
    release();
    expect(await done).toMatchObject({
      id: 'shapes-quantized',
      state: 'done',
      done: 8,
      total: 8,
      error: null,
    });
    expect(switches[0]).toMatchObject({ state: 'indexing', done: 0, total: 0 });
    expect(switches.filter((s) => s.state !== 'indexing').map((s) => s.state)).toEqual(['done']);
    expect(switches.some((s) => s.state === 'indexing' && s.total === 8 && s.photosPerSecond > 0)).toBe(true);
    const dones = switches.map((s) => s.done);
    expect(dones).toEqual([...dones].sort((a, b) => a - b));
    expect(changes).toContain('model ready');

    // Now the new model answers: its own embeddings, so its own scores; the old engine is closed.
    expect(holder.engine).not.toBe(before);
    expect(before?.library.db.open).toBe(false);
    expect(holder.library?.modelId).not.toBe(before?.library.modelId);
    expect(JSON.parse(readFileSync(settingsFile, 'utf8'))).toEqual({ model: 'shapes-quantized' });
    expect(await holder.call('app.state', {})).toEqual({ ready: true, reason: null, switching: null });
    expect(await holder.call('library.status', {})).toMatchObject({ total: 8, indexed: 8, pending: 0 });
    expect((await holder.call('settings.get', {})).model.precision).toBe('quantized');
    const newResult = await holder.call('search.text', query);
    expect(newResult.hits).toHaveLength(3);
    expect(newResult.hits.map((h) => h.score)).not.toEqual(oldResult.hits.map((h) => h.score));
    expect((await holder.call('models.list', {})).find((m) => m.active)?.id).toBe('shapes-quantized');
  });

  it('models.cancel stops a switch: the current model stays in use and chosen', async () => {
    await importModelFolder(onlyVariant(join(root, 'fp16-only'), '_fp16'), {
      root: modelRoot,
      id: 'shapes-fp16',
    });
    const before = holder.engine;
    switches.length = 0;
    const { reached, release } = holdNextSwitch();
    expect(await holder.call('models.use', { id: 'shapes-fp16' })).toEqual({ ok: true });
    await reached;
    expect((await holder.call('app.state', {})).switching).toMatchObject({ id: 'shapes-fp16', total: 8 });
    const done = next(holder, 'models.switch', ended);
    expect(await holder.call('models.cancel', {})).toEqual({ ok: true });
    expect((await holder.call('app.state', {})).switching).toBeNull();
    hold = null;
    release();
    expect(await done).toMatchObject({ id: 'shapes-fp16', state: 'cancelled', error: null });
    expect(holder.engine).toBe(before);
    expect(JSON.parse(readFileSync(settingsFile, 'utf8'))).toEqual({ model: 'shapes-quantized' });
    expect(await holder.call('library.status', {})).toMatchObject({ total: 8, indexed: 8, pending: 0 });
    expect((await holder.call('search.text', { query: 'a red star', limit: 3 })).hits.length).toBeGreaterThan(
      0,
    );
  });

  it('a model that cannot be opened fails the switch and the current one stays', async () => {
    await importModelFolder(TEST_MODEL_DIR, { root: modelRoot, id: 'shapes-broken' });
    const before = holder.engine;
    const done = next(holder, 'models.switch', ended);
    expect(await holder.call('models.use', { id: 'shapes-broken' })).toEqual({ ok: true });
    expect(await done).toMatchObject({ id: 'shapes-broken', state: 'failed', error: 'this model is broken' });
    expect(holder.engine).toBe(before);
    expect(await holder.call('app.state', {})).toEqual({ ready: true, reason: null, switching: null });
    expect(JSON.parse(readFileSync(settingsFile, 'utf8'))).toEqual({ model: 'shapes-quantized' });
    expect(await holder.call('library.status', {})).toMatchObject({ total: 8, indexed: 8 });
  });
});
