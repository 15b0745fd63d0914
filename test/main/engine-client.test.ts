// The main <-> engine channel: EngineClient in main and serveEngine in the utility process, over a
// Node MessageChannel as Electron's parentPort stands in. Envelopes and events are validated where they
// arrive, replies are matched to requests, timeouts, crashes and restarts fail or requeue what they
// should, shutdown is clean - and the real Engine answers through it, media lookups included.

import { EventEmitter } from 'node:events';
import { existsSync, realpathSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ClipModel } from '../../electron/core/clip/clip-model.js';
import { Library } from '../../electron/core/library/library.js';
import { Engine } from '../../electron/engine/engine.js';
import { FromEngine, ToEngine } from '../../electron/engine/engine-channel.js';
import { attachEngine, EngineClient, type EngineClientOptions } from '../../electron/main/engine-client.js';
import type { MediaFile } from '../../electron/engine/media-paths.js';
import { Supervisor } from '../../electron/main/supervisor.js';
import {
  hostFor,
  serveEngine,
  TrashThroughMain,
  type EngineHost,
} from '../../electron/engine/utility-entry.js';
import { systemTrash } from '../../electron/core/library/system-trash.js';
import { ApiError, type EventData, type EventName } from '../../electron/shared/api.js';
import { TEST_MODEL_DIR } from '../support/paths.js';
import { generatePhotoFolder } from '../../scripts/shapes/photo-folder.js';
import { tempDir } from '../support/temp.js';

const STATUS = {
  total: 2,
  indexed: 1,
  pending: 1,
  failed: 0,
  folders: ['/p'],
  failures: [],
  damaged: [],
  model: { name: 'm', variant: 'fp32' },
  offline: [],
  skipped: [],
  watch: { state: 'watching', message: null },
};

/** An engine stand-in: answers from `answers`, emits events on demand. */
class FakeEngine {
  readonly events = new EventEmitter();
  answers: Record<string, (params: unknown) => unknown> = { 'library.status': () => STATUS };
  calls: { method: string; params: unknown }[] = [];
  on<E extends EventName>(event: E, listener: (data: EventData<E>) => void): () => void {
    this.events.on(event, listener);
    return () => this.events.off(event, listener);
  }
  emit(event: string, data: unknown): void {
    this.events.emit(event, data);
  }
  call = ((method: string, params: unknown) => {
    this.calls.push({ method, params });
    const answer = this.answers[method];
    if (!answer) return Promise.reject(new ApiError('failed', `no answer for ${method}`));
    try {
      return Promise.resolve(answer(params));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }) as unknown as EngineHost['engine']['call'];
}

function fakeHost(engine = new FakeEngine(), media = new Map<number, MediaFile>()) {
  const close = vi.fn();
  const host: EngineHost = {
    engine,
    resolveMedia: (kind, id) => (kind === 'photo' ? (media.get(id) ?? null) : null),
    close,
  };
  return { engine, host, close };
}

const ports: MessagePort[] = [];
afterEach(() => {
  for (const p of ports.splice(0)) p.close();
});

function wire(opening: Promise<EngineHost>, options: EngineClientOptions = {}) {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  const exit = vi.fn();
  const log = vi.fn();
  serveEngine(port2, opening, { exit, log });
  const invalid = vi.fn();
  const client = new EngineClient({ onInvalid: invalid, ...options });
  client.connect(port1);
  return { client, exit, log, invalid, engineSide: port2, mainSide: port1 };
}

const nextState = (client: EngineClient) =>
  new Promise<string>((resolve) => {
    const stop = client.onState((s) => {
      stop();
      resolve(s);
    });
  });

describe('envelopes', () => {
  it('accept what each side sends and refuse anything else', () => {
    expect(ToEngine.safeParse({ type: 'call', id: 1, method: 'library.status', params: {} }).success).toBe(
      true,
    );
    expect(ToEngine.safeParse({ type: 'media', id: 2, kind: 'thumb', mediaId: 5 }).success).toBe(true);
    expect(ToEngine.safeParse({ type: 'shutdown' }).success).toBe(true);
    for (const bad of [
      null,
      'shutdown',
      { type: 'eval', code: '1' },
      { type: 'call', id: -1, method: 'x', params: {} },
      { type: 'call', id: 1, method: '', params: {} },
      { type: 'media', id: 1, kind: 'file', mediaId: 5 },
      { type: 'media', id: 1, kind: 'photo', mediaId: 0 },
      { type: 'shutdown', now: true },
    ])
      expect(ToEngine.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    expect(FromEngine.safeParse({ type: 'error', id: 1, code: 'failed', message: 'x' }).success).toBe(true);
    expect(FromEngine.safeParse({ type: 'error', id: 1, code: 'teapot', message: 'x' }).success).toBe(false);
    expect(FromEngine.safeParse({ type: 'media', id: 1, file: { path: '' } }).success).toBe(false);
  });
});

describe('EngineClient with serveEngine', () => {
  it('runs calls and checks their results against the contract', async () => {
    const { engine, host } = fakeHost();
    const { client } = wire(Promise.resolve(host));
    expect(await client.call('library.status', {})).toEqual(STATUS);
    engine.answers['library.status'] = () => ({ total: 'many' });
    await expect(client.call('library.status', {})).rejects.toThrow(/does not match the contract/);
  });

  it('validates params again in the engine process and passes errors back with their code', async () => {
    const { engine, host } = fakeHost();
    engine.answers['photos.get'] = () => {
      throw new ApiError('not-found', 'no photo 9');
    };
    const { client } = wire(Promise.resolve(host));
    await expect(client.call('photos.get', { id: 9 })).rejects.toMatchObject({
      code: 'not-found',
      message: 'no photo 9',
    });
    await expect(client.call('photos.get', { id: 'x' })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(client.call('nope' as never, {})).rejects.toMatchObject({ code: 'not-found' });
    expect(engine.calls.map((c) => c.method)).toEqual(['photos.get']);
  });

  it('forwards only events that match EVENTS', async () => {
    const { engine, host } = fakeHost();
    const { client, invalid, engineSide } = wire(Promise.resolve(host));
    await nextState(client);
    const seen: [string, unknown][] = [];
    client.onEvent((event, data) => seen.push([event, data]));
    engine.emit('library.changed', { reason: 'scan' });
    engine.emit('library.changed', { reason: 42 });
    engine.emit('tags.progress', { phase: 'scoring', done: 1, total: 2 });
    engineSide.postMessage({ type: 'event', event: 'shell.exec', data: {} });
    engineSide.postMessage({ type: 'result', id: 'x' });
    engineSide.postMessage('hello');
    await vi.waitFor(() => {
      expect(invalid).toHaveBeenCalledTimes(4);
    });
    expect(seen).toEqual([
      ['library.changed', { reason: 'scan' }],
      ['tags.progress', { phase: 'scoring', done: 1, total: 2 }],
    ]);
  });

  it('resolves media ids to files in the engine', async () => {
    const media = new Map([[4, { path: '/photos/a.jpg', contentType: 'image/jpeg' }]]);
    const { host } = fakeHost(undefined, media);
    const { client } = wire(Promise.resolve(host));
    expect(await client.resolveMedia('photo', 4)).toEqual(media.get(4));
    expect(await client.resolveMedia('photo', 5)).toBeNull();
    expect(await client.resolveMedia('thumb', 4)).toBeNull();
  });

  it('ignores malformed requests in the engine process without dying', async () => {
    const { host } = fakeHost();
    const { client, log, mainSide } = wire(Promise.resolve(host));
    mainSide.postMessage({ type: 'call', id: 'one', method: 'library.status' });
    mainSide.postMessage({ type: 'exec', command: 'rm -rf /' });
    await vi.waitFor(() => {
      expect(log).toHaveBeenCalledTimes(2);
    });
    expect(await client.call('library.status', {})).toEqual(STATUS);
  });

  it('gives up on a call that takes too long, and ignores its late reply', async () => {
    const { engine, host } = fakeHost();
    let finish = () => undefined as unknown;
    engine.answers['library.status'] = () =>
      new Promise((resolve) => {
        finish = () => {
          resolve(STATUS);
        };
      });
    const { client } = wire(Promise.resolve(host), { timeoutMs: 50 });
    await expect(client.call('library.status', {})).rejects.toThrow(/library\.status timed out/);
    finish();
    engine.answers['library.status'] = () => STATUS;
    expect(await client.call('library.status', {})).toEqual(STATUS);
  });

  it('says why when the library could not be opened, and fails calls with that', async () => {
    const { client, log } = wire(Promise.reject(new Error('no model yet')));
    expect(await nextState(client)).toBe('unavailable');
    await expect(client.call('library.status', {})).rejects.toThrow(
      'the library could not be opened: no model yet',
    );
    expect(log).toHaveBeenCalledWith('the library could not be opened: no model yet');
  });

  it('closes the library and exits on shutdown', async () => {
    const { host, close } = fakeHost();
    const { client, exit } = wire(Promise.resolve(host));
    client.shutdown();
    await vi.waitFor(() => {
      expect(exit).toHaveBeenCalledWith(0);
    });
    expect(close).toHaveBeenCalledTimes(1);
  });
});

describe('trash through main', () => {
  /** An engine side that asks main to trash files, as the app's utility process does. */
  function trashWire(options: EngineClientOptions) {
    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    const trash = new TrashThroughMain(port2);
    serveEngine(port2, Promise.resolve(fakeHost().host), { trash });
    const client = new EngineClient(options);
    client.connect(port1);
    return trash;
  }

  it('moves the file with main’s trashItem and settles the engine’s request', async () => {
    const root = tempDir();
    const path = join(root, 'IMG_7.jpg');
    writeFileSync(path, 'pixels');
    const trash = trashWire({ trashItem: systemTrash('linux', { XDG_DATA_HOME: join(root, 'data') }) });
    await trash.trashItem(path);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(join(root, 'data', 'Trash', 'files', 'IMG_7.jpg'))).toBe(true);
    // What main could not do comes back as the engine's error, the file left where it was.
    await expect(trash.trashItem(join(root, 'missing.jpg'))).rejects.toThrow(/not there any more/);
  });

  it('refuses a relative path before main’s trash sees it, and says when it has no trash', async () => {
    const seen: string[] = [];
    const trash = trashWire({
      trashItem: (p) => {
        seen.push(p);
        return Promise.resolve();
      },
    });
    await expect(trash.trashItem('../Photos/IMG_7.jpg')).rejects.toThrow(/not a full path/);
    expect(seen).toEqual([]);
    await expect(trashWire({}).trashItem('/photos/a.jpg')).rejects.toThrow(/cannot move files to the trash/);
  });

  it('drops malformed trash envelopes in both directions', () => {
    expect(FromEngine.safeParse({ type: 'trash', id: 1, path: '/a.jpg' }).success).toBe(true);
    expect(ToEngine.safeParse({ type: 'trashed', id: 1, error: null }).success).toBe(true);
    for (const bad of [
      { type: 'trash', id: 1, path: '' },
      { type: 'trash', id: 1, paths: ['/a.jpg'] },
      { type: 'trash', id: -1, path: '/a.jpg' },
    ])
      expect(FromEngine.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    for (const bad of [
      { type: 'trashed', id: 1 },
      { type: 'trashed', id: 1, error: 5 },
    ])
      expect(ToEngine.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });
});

describe('EngineClient handshake', () => {
  it('holds requests until the engine says it is listening', async () => {
    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    const client = new EngineClient();
    client.connect(port1);
    const received: unknown[] = [];
    port2.on('message', (m) => received.push(m));
    const status = client.call('library.status', {});
    await new Promise((r) => setTimeout(r, 30));
    expect(received).toEqual([]);
    port2.postMessage({ type: 'ready' });
    await vi.waitFor(() => {
      expect(received).toEqual([{ type: 'call', id: 1, method: 'library.status', params: {} }]);
    });
    port2.postMessage({ type: 'result', id: 1, result: STATUS });
    expect(await status).toEqual(STATUS);
    expect(client.state).toBe('ready');
  });
});

describe('EngineClient across engine restarts', () => {
  it('fails what was in flight, queues new calls for the next engine, and refuses all once closed', async () => {
    const first = fakeHost();
    first.engine.answers['library.status'] = () => new Promise(() => undefined);
    const a = wire(Promise.resolve(first.host));
    const inFlight = a.client.call('library.status', {});
    await vi.waitFor(() => {
      expect(first.engine.calls).toHaveLength(1);
    });
    a.client.disconnect('exit code 1');
    await expect(inFlight).rejects.toThrow('the engine stopped (exit code 1)');
    expect(a.client.state).toBe('stopped');

    const queued = a.client.call('library.status', {});
    const second = fakeHost();
    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    serveEngine(port2, Promise.resolve(second.host));
    a.client.connect(port1);
    expect(await queued).toEqual(STATUS);
    // Replies from the old engine's port no longer count.
    a.mainSide.postMessage({ type: 'shutdown' });

    const pending = a.client.call('library.status', {});
    a.client.disconnect('exit code 1');
    a.client.close('gave up');
    await expect(pending).rejects.toThrow(/the engine (stopped|is not running)/);
    await expect(a.client.call('library.status', {})).rejects.toThrow('the engine is not running (gave up)');
    expect(a.client.state).toBe('closed');
  });
});

/** An engine process made of a MessageChannel: exits when served a shutdown, or crashes on demand. */
class FakeProcess extends EventEmitter {
  readonly port: MessagePort;
  readonly killed = vi.fn();
  constructor(host: EngineHost, respondToShutdown = true) {
    super();
    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    this.port = port1;
    serveEngine(port2, Promise.resolve(host), {
      exit: (code) => {
        if (respondToShutdown) this.emit('exit', code);
      },
    });
  }
  postMessage(m: unknown): void {
    this.port.postMessage(m);
  }
  override on(event: string | symbol, listener: (message: unknown) => void): this {
    if (event === 'message') this.port.on('message', listener);
    else super.on(event, listener);
    return this;
  }
  kill(): void {
    this.killed();
    this.emit('exit', null);
  }
  crash(): void {
    this.emit('exit', 1);
  }
}

describe('attachEngine with the Supervisor', () => {
  it('restarts a crashed engine, serves queued calls from the new one, and stops it cleanly', async () => {
    const client = new EngineClient();
    const processes: FakeProcess[] = [];
    const hosts: ReturnType<typeof fakeHost>[] = [];
    const supervisor = new Supervisor(
      () => {
        const h = fakeHost();
        hosts.push(h);
        const p = new FakeProcess(h.host);
        processes.push(p);
        return attachEngine(p, client, 1000);
      },
      { baseDelayMs: 20 },
    );
    supervisor.start();
    expect(await client.call('library.status', {})).toEqual(STATUS);
    processes[0]?.crash();
    expect(client.state).toBe('stopped');
    const during = client.call('library.status', {});
    expect(await during).toEqual(STATUS);
    expect(processes).toHaveLength(2);
    expect(hosts[1]?.engine.calls).toHaveLength(1);

    await supervisor.stop();
    expect(hosts[1]?.close).toHaveBeenCalledTimes(1);
    expect(processes[1]?.killed).not.toHaveBeenCalled();
  });

  it('kills an engine that does not exit after being asked to', async () => {
    const client = new EngineClient();
    const p = new FakeProcess(fakeHost().host, false);
    const supervisor = new Supervisor(() => attachEngine(p, client, 30));
    supervisor.start();
    await supervisor.stop();
    expect(p.killed).toHaveBeenCalledTimes(1);
  });
});

describe('the real engine through the channel', () => {
  const root = tempDir();
  let library: Library;
  let engine: Engine;
  let client: EngineClient;

  beforeAll(async () => {
    await generatePhotoFolder(join(root, 'photos'), { count: 2, seed: 3, formats: ['jpeg'] });
    library = Library.open({
      dbPath: join(root, 'lib', 'library.sqlite'),
      model: ClipModel.open(TEST_MODEL_DIR),
    });
    engine = new Engine(library);
    ({ client } = wire(Promise.resolve(hostFor(engine))));
  });
  afterAll(async () => {
    await engine.close();
    library.close();
  });

  it('adds a folder, announces it, and serves its photos by id, never through a link out of the library', async () => {
    const changed = new Promise((resolve) => {
      client.onEvent((event, data) => {
        resolve([event, data]);
      });
    });
    expect(await client.call('library.addFolder', { path: join(root, 'photos') })).toEqual({ ok: true });
    expect(await changed).toEqual(['library.changed', { reason: 'folder added' }]);
    await library.scan();
    const status = await client.call('library.status', {});
    expect(status.total).toBe(2);
    const photo = await client.call('photos.get', { id: 1 });
    // Scanned, not yet decoded: nothing is served until the file has proved to be an image.
    expect(await client.resolveMedia('photo', photo.id)).toBeNull();
    expect(await client.resolveMedia('thumb', photo.id)).toBeNull();
    const { job, ids } = library.indexJob();
    await job.run(ids);
    expect(await client.resolveMedia('photo', photo.id)).toEqual({
      path: realpathSync(photo.path),
      contentType: 'image/jpeg',
    });
    expect(await client.resolveMedia('thumb', photo.id)).toMatchObject({ contentType: 'image/webp' });
    expect(await client.resolveMedia('photo', 999)).toBeNull();
    await expect(client.call('photos.get', { id: 999 })).rejects.toMatchObject({ code: 'not-found' });
    // Neither the photo nor its thumbnail once the photo's file leads out of the library.
    const away = join(root, 'outside.jpg');
    renameSync(photo.path, away);
    symlinkSync(away, photo.path);
    expect(await client.resolveMedia('photo', photo.id)).toBeNull();
    expect(await client.resolveMedia('thumb', photo.id)).toBeNull();
  });
});
