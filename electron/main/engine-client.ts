// Main's end of the engine channel (electron/engine/engine-channel.ts): EngineClient numbers requests,
// matches replies to them, gives up on a request after a timeout, rejects what was in flight when the
// engine dies, queues what is asked until the engine says it listens (its first message, 'ready' or
// 'unavailable', comes after its handler is installed), and forwards only events that match EVENTS.
// It takes any port with postMessage and on('message') - Electron's UtilityProcess, or a Node
// MessagePort in the tests - so none of this needs Electron to run. It also moves files to the system
// trash when the engine asks, with the trashItem it was given (shell.trashItem lives in main only). attachEngine wires a started
// engine process to it for the Supervisor.

import { isAbsolute } from 'node:path';
import { API, ApiError, EVENTS, type EventName, type Method, type Result } from '../shared/api.js';
import { FromEngine, isEventName, type EnginePort, type ToEngine } from '../engine/engine-channel.js';
import type { MediaFile, MediaKind } from '../engine/media-paths.js';

export type EngineState = 'connecting' | 'ready' | 'unavailable' | 'stopped' | 'closed';

export interface EngineClientOptions {
  /** How long a call may take before it is given up (default 2 minutes). */
  timeoutMs?: number;
  /** Per-method overrides: tagging a large library legitimately takes longer. */
  methodTimeoutsMs?: Partial<Record<Method, number>>;
  /** How long a media lookup may take (default 10 s). */
  mediaTimeoutMs?: number;
  /** Told about every message that was dropped because it failed validation. */
  onInvalid?: (reason: string) => void;
  /** Moves a file to the system trash when the engine asks (Electron's shell.trashItem in the app). */
  trashItem?: (path: string) => Promise<void>;
}

const DEFAULT_METHOD_TIMEOUTS: Partial<Record<Method, number>> = {
  'tags.run': 6 * 3600_000,
  'tags.preview': 10 * 60_000,
  // One graph search per photo: minutes on a large library, on a slow disk.
  'photos.duplicates': 30 * 60_000,
};

interface Pending {
  message: ToEngine & { id: number };
  sent: boolean;
  timer: NodeJS.Timeout;
  settle: (reply: FromEngine) => void;
  fail: (error: ApiError) => void;
}

type EventListener = (event: EventName, data: unknown) => void;
type StateListener = (state: EngineState, detail: string | null) => void;

export class EngineClient {
  private port: EnginePort | null = null;
  /** The current engine has said it listens (ready or unavailable): requests may be sent. */
  private accepting = false;
  private generation = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Set<EventListener>();
  private readonly stateListeners = new Set<StateListener>();
  private stateValue: EngineState = 'connecting';
  private closedReason: string | null = null;
  private readonly o: Required<Omit<EngineClientOptions, 'onInvalid' | 'trashItem'>> &
    Pick<EngineClientOptions, 'onInvalid' | 'trashItem'>;

  constructor(options: EngineClientOptions = {}) {
    this.o = {
      timeoutMs: 120_000,
      mediaTimeoutMs: 10_000,
      ...options,
      methodTimeoutsMs: { ...DEFAULT_METHOD_TIMEOUTS, ...options.methodTimeoutsMs },
    };
  }

  get state(): EngineState {
    return this.stateValue;
  }

  private setState(state: EngineState, detail: string | null = null): void {
    this.stateValue = state;
    for (const l of this.stateListeners) l(state, detail);
  }

  /**
   * A new engine process: only its messages are listened to from now on, and once it says it is
   * listening (ready, or unavailable with why) the queued requests go to it.
   */
  connect(port: EnginePort): void {
    if (this.closedReason !== null) return;
    const generation = ++this.generation;
    this.port = port;
    this.accepting = false;
    this.setState('connecting');
    port.on('message', (message: unknown) => {
      if (generation === this.generation) this.receive(message);
    });
  }

  private flush(): void {
    this.accepting = true;
    for (const p of this.pending.values()) {
      if (!p.sent) this.send(p);
    }
  }

  /** The engine process ended: what it was working on fails; new requests wait for the next one. */
  disconnect(reason: string): void {
    this.generation++;
    this.port = null;
    this.accepting = false;
    for (const [id, p] of this.pending) {
      if (!p.sent) continue;
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.fail(new ApiError('failed', `the engine stopped (${reason})`));
    }
    if (this.closedReason === null) this.setState('stopped', reason);
  }

  /** No engine will come back (quitting, or the supervisor gave up): everything fails from now on. */
  close(reason: string): void {
    this.disconnect(reason);
    this.closedReason = reason;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.fail(new ApiError('failed', `the engine is not running (${reason})`));
    }
    this.setState('closed', reason);
  }

  /** Every validated engine event; returns the function that stops listening. */
  onEvent(listener: EventListener): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Changes of the engine's state (ready, unavailable with why, stopped, closed). */
  onState(listener: StateListener): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /**
   * Runs a contract method in the engine. The params should already be parsed (parseRequest) where the
   * request arrived; the engine parses them again and the result is checked against the contract here.
   */
  async call<M extends Method>(method: M, params: unknown): Promise<Result<M>> {
    const timeout = this.o.methodTimeoutsMs[method] ?? this.o.timeoutMs;
    const reply = await this.request({ type: 'call', id: 0, method, params }, timeout, method);
    if (reply.type === 'error') throw new ApiError(reply.code, reply.message);
    if (reply.type !== 'result') throw new ApiError('failed', `${method}: unexpected ${reply.type} reply`);
    const parsed = API[method].result.safeParse(reply.result);
    if (!parsed.success)
      throw new ApiError('failed', `${method}: the engine's result does not match the contract`);
    return parsed.data as Result<M>;
  }

  /** The file behind lumen://media/<kind>/<id>, as the engine's media path checks resolve it. */
  async resolveMedia(kind: MediaKind, id: number): Promise<MediaFile | null> {
    const reply = await this.request(
      { type: 'media', id: 0, kind, mediaId: id },
      this.o.mediaTimeoutMs,
      `media ${kind} ${id}`,
    );
    if (reply.type === 'error') throw new ApiError(reply.code, reply.message);
    if (reply.type !== 'media') throw new ApiError('failed', `media: unexpected ${reply.type} reply`);
    return reply.file;
  }

  /** Asks the engine to close the library and exit; the caller waits for the process to end. */
  shutdown(): void {
    this.port?.postMessage({ type: 'shutdown' } satisfies ToEngine);
  }

  private request(
    message: Extract<ToEngine, { id: number }>,
    timeoutMs: number,
    what: string,
  ): Promise<FromEngine> {
    if (this.closedReason !== null)
      return Promise.reject(new ApiError('failed', `the engine is not running (${this.closedReason})`));
    const id = this.nextId++;
    return new Promise<FromEngine>((resolve, reject) => {
      const p: Pending = {
        message: { ...message, id },
        sent: false,
        timer: setTimeout(() => {
          this.pending.delete(id);
          reject(new ApiError('failed', `${what} timed out after ${Math.round(timeoutMs / 1000)} s`));
        }, timeoutMs),
        settle: resolve,
        fail: reject,
      };
      this.pending.set(id, p);
      if (this.accepting) this.send(p);
    });
  }

  private send(p: Pending): void {
    if (!this.port || !this.accepting) return;
    try {
      this.port.postMessage(p.message);
      p.sent = true;
    } catch (err) {
      this.pending.delete(p.message.id);
      clearTimeout(p.timer);
      p.fail(new ApiError('failed', `could not reach the engine: ${(err as Error).message}`));
    }
  }

  /** Moves a file to the trash for the engine and answers; only full paths, never a folder's guess. */
  private async trash(id: number, path: string): Promise<void> {
    const port = this.port;
    let error: string | null = null;
    try {
      if (!this.o.trashItem) throw new Error('this app cannot move files to the trash');
      if (!isAbsolute(path)) throw new Error(`not a full path: ${path}`);
      await this.o.trashItem(path);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    port?.postMessage({ type: 'trashed', id, error } satisfies ToEngine);
  }

  private receive(raw: unknown): void {
    const parsed = FromEngine.safeParse(raw);
    if (!parsed.success) {
      this.o.onInvalid?.(`malformed message from the engine: ${parsed.error.issues[0]?.message ?? ''}`);
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'ready':
        this.flush();
        this.setState('ready');
        return;
      case 'unavailable':
        this.flush();
        this.setState('unavailable', message.message);
        return;
      case 'event': {
        const { event, data } = message;
        if (!isEventName(event)) {
          this.o.onInvalid?.(`unknown event ${JSON.stringify(event)}`);
          return;
        }
        const checked = EVENTS[event].safeParse(data);
        if (!checked.success) {
          this.o.onInvalid?.(`event ${event} does not match the contract`);
          return;
        }
        for (const l of this.eventListeners) l(event, checked.data);
        return;
      }
      case 'trash':
        void this.trash(message.id, message.path);
        return;
      default: {
        const p = this.pending.get(message.id);
        if (!p) return; // timed out already, or from before a restart
        this.pending.delete(message.id);
        clearTimeout(p.timer);
        p.settle(message);
      }
    }
  }
}

/** An engine process as main sees it: Electron's UtilityProcess has this shape. */
export interface EngineProcess extends EnginePort {
  once(event: 'exit', listener: (code: number | null) => void): unknown;
  kill(): unknown;
}

/**
 * Connects a freshly started engine process to the client and wraps it for the Supervisor: its exit
 * disconnects the client (failing what was in flight), and kill() is a clean shutdown - the engine is
 * asked to close the library and exit, and only killed if it has not after `graceMs`.
 */
export function attachEngine(
  child: EngineProcess,
  client: EngineClient,
  graceMs = 5000,
): { once(event: 'exit', listener: (code: number | null) => void): unknown; kill(): void } {
  let exited = false;
  client.connect(child);
  child.once('exit', (code) => {
    exited = true;
    client.disconnect(`exit code ${String(code)}`);
  });
  return {
    once: (event, listener) => child.once(event, listener),
    kill: () => {
      if (exited) return;
      try {
        child.postMessage({ type: 'shutdown' } satisfies ToEngine);
      } catch {
        child.kill();
        return;
      }
      const timer = setTimeout(() => {
        if (!exited) child.kill();
      }, graceMs);
      timer.unref();
      child.once('exit', () => {
        clearTimeout(timer);
      });
    },
  };
}
