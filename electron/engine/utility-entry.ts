// The engine's process in the desktop app: Electron's main process starts this file with
// utilityProcess.fork, so onnxruntime, SQLite and HNSW live here and a crash in any of them takes down
// only this process (the main process restarts it with backoff). It opens the library as the CLI does
// (core's openLibrary): $LUMEN_HOME for the database, $LUMEN_MODEL or the chosen model,
// $LUMEN_SQLITE_BINDING for better-sqlite3 built for Electron. It does so through an EngineHolder
// (engine-host.ts), so with no model yet (a first run) it still serves app.state and the models.*
// methods and opens the library when a model arrives. It answers main's envelopes (engine-channel.ts), parsing each on arrival and each call's
// params with the contract's parseRequest, so nothing unvalidated reaches the engine. serveEngine takes
// any port; the tests drive it over a Node MessageChannel. The process entry at the bottom only runs
// where Electron provides process.parentPort.

import type { ParentPort } from 'electron';
import { defaultDatabasePath } from '../core/app-paths.js';
import { openLibrary } from '../core/library/open-library.js';
import { configuredModel } from '../core/models/installed.js';
import { ApiError, EVENTS, parseRequest, type EventName } from '../shared/api.js';
import type { Engine } from './engine.js';
import { EngineHolder } from './engine-host.js';
import { ToEngine, type EnginePort, type FromEngine } from './engine-channel.js';
import { resolveMedia, type MediaFile, type MediaKind } from './media-paths.js';
import type { TrashItem } from '../core/library/system-trash.js';

/** What the process serves: the engine, the media lookup over its library, and a clean close. */
export interface EngineHost {
  engine: Pick<Engine, 'call' | 'on'>;
  resolveMedia(kind: MediaKind, id: number): MediaFile | null;
  close(): Promise<void> | void;
}

export function hostFor(engine: Engine): EngineHost {
  const { library } = engine;
  return {
    engine,
    resolveMedia: (kind, id) => resolveMedia(library, kind, id),
    close: async () => {
      try {
        await engine.close();
      } finally {
        library.close();
      }
    },
  };
}

export interface ServeEngineOptions {
  /** Ends the process after a shutdown request (process.exit in the app). */
  exit?: (code: number) => void;
  log?: (line: string) => void;
  /** The engine's trash requests to main, answered by 'trashed' messages on the same port. */
  trash?: TrashThroughMain;
}

/**
 * The engine's trashItem in the app: Electron's shell.trashItem exists in the main process only, so
 * each file is sent to main as a 'trash' message and the promise settles on main's 'trashed' answer.
 */
export class TrashThroughMain {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();

  constructor(private readonly port: Pick<EnginePort, 'postMessage'>) {}

  readonly trashItem: TrashItem = (path) =>
    new Promise<void>((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      this.port.postMessage({ type: 'trash', id, path } satisfies FromEngine);
    });

  settle(id: number, error: string | null): void {
    const waiting = this.waiting.get(id);
    if (!waiting) return;
    this.waiting.delete(id);
    if (error === null) waiting.resolve();
    else waiting.reject(new Error(error));
  }
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Answers main's requests on `port` once `opening` has produced the engine (or failed to). */
export function serveEngine(
  port: EnginePort,
  opening: Promise<EngineHost>,
  options: ServeEngineOptions = {},
): void {
  const log = options.log ?? (() => undefined);
  const post = (m: FromEngine): void => {
    port.postMessage(m);
  };
  const ready: Promise<{ host: EngineHost } | { error: string }> = opening.then(
    (host) => {
      for (const name of Object.keys(EVENTS) as EventName[])
        host.engine.on(name, (data) => {
          post({ type: 'event', event: name, data });
        });
      post({ type: 'ready' });
      return { host };
    },
    (err: unknown) => {
      const text = `the library could not be opened: ${message(err)}`;
      log(text);
      post({ type: 'unavailable', message: text });
      return { error: text };
    },
  );

  let shuttingDown = false;
  const handle = async (m: ToEngine): Promise<void> => {
    if (m.type === 'shutdown') {
      if (shuttingDown) return;
      shuttingDown = true;
      const state = await ready;
      try {
        if ('host' in state) await state.host.close();
      } catch (err) {
        log(`closing the library failed: ${message(err)}`);
      }
      options.exit?.(0);
      return;
    }
    if (m.type === 'trashed') {
      options.trash?.settle(m.id, m.error);
      return;
    }
    const state = await ready;
    try {
      if ('error' in state) throw new ApiError('failed', state.error);
      if (shuttingDown) throw new ApiError('failed', 'the engine is shutting down');
      if (m.type === 'media') {
        post({ type: 'media', id: m.id, file: state.host.resolveMedia(m.kind, m.mediaId) });
        return;
      }
      const { method, params } = parseRequest(m.method, m.params);
      const result = await state.host.engine.call(method, params as never);
      post({ type: 'result', id: m.id, result });
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError('failed', message(err));
      post({ type: 'error', id: m.id, code: e.code, message: e.message });
    }
  };

  port.on('message', (raw: unknown) => {
    const parsed = ToEngine.safeParse(raw);
    if (!parsed.success) {
      log(`dropped a malformed message: ${parsed.error.issues[0]?.message ?? ''}`);
      return;
    }
    void handle(parsed.data).catch((err: unknown) => {
      log(`could not answer a ${parsed.data.type} message: ${message(err)}`);
    });
  });
}

/** Electron's parentPort delivers MessageEvents; the channel wants the data. */
export function parentPortAdapter(parentPort: ParentPort): EnginePort {
  return {
    postMessage: (m) => {
      parentPort.postMessage(m);
    },
    on: (_event, listener) =>
      parentPort.on('message', (e) => {
        listener(e.data);
      }),
  };
}

/** The EngineHolder as the process serves it: with no model yet it answers app.state and models.*. */
export function hostForHolder(holder: EngineHolder): EngineHost {
  return {
    engine: holder,
    resolveMedia: (kind, id) => {
      const { library } = holder;
      return library ? resolveMedia(library, kind, id) : null;
    },
    close: () => holder.close(),
  };
}

async function openHost(trash: TrashThroughMain): Promise<EngineHost> {
  const holder = await EngineHolder.start({
    configured: () => configuredModel(process.env.LUMEN_MODEL || undefined),
    open: (model) => openLibrary({ dbPath: defaultDatabasePath(), model, create: true }),
    trashItem: trash.trashItem,
  });
  return hostForHolder(holder);
}

// The process entry: only in an Electron utility process (absent in plain Node and the tests).
const parentPort = Reflect.get(process, 'parentPort') as ParentPort | undefined;
if (parentPort) {
  const port = parentPortAdapter(parentPort);
  const trash = new TrashThroughMain(port);
  serveEngine(port, openHost(trash), {
    trash,
    exit: (code) => process.exit(code),
    log: (line) => {
      process.stderr.write(`lumen engine: ${line}\n`);
    },
  });
}
