// How the renderer reaches the engine. In the desktop app the preload bridge (window.lumen) carries
// calls over validated IPC and images come from lumen://media/...; in a browser (`lumen serve`) the
// same calls are HTTP POSTs, events a server-sent stream and images /media/... URLs. Everything above
// this file sees one Transport, so no feature exists in only one of them. Results and events are
// parsed with the contract's own schemas where they arrive here, as main and the server do. Over HTTP
// a token (when lumen serve needs one) travels as the HttpOnly cookie the server set on the first
// visit: this page never sees it, and takes it out of the address bar should it still be there.

import {
  API,
  EVENTS,
  type EventName,
  type Method,
  type Params,
  type Result,
} from '../../../electron/shared/api';
import type { LumenBridge } from '../../../electron/shared/bridge';

export type EventListener = (event: EventName, data: unknown) => void;

export class CallError extends Error {
  override readonly name = 'CallError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Transport {
  readonly kind: 'electron' | 'http';
  call<M extends Method>(method: M, params: Params<M>): Promise<Result<M>>;
  /** Every engine event, already validated; returns the unsubscribe function. */
  on(listener: EventListener): () => void;
  thumbUrl(id: number): string;
  photoUrl(id: number): string;
  /** The system folder picker where there is one (desktop); null in a browser. */
  chooseFolder: (() => Promise<string | null>) | null;
  /** Hands a dropped image to the engine for search.image; resolves with its upload id. */
  uploadImage(file: File): Promise<string>;
  /** The path of a dropped folder, where the system tells it (desktop); null in a browser. */
  folderPath: ((file: File) => string) | null;
}

function parseResult<M extends Method>(method: M, value: unknown): Result<M> {
  const parsed = API[method].result.safeParse(value);
  if (!parsed.success)
    throw new CallError('bad-response', `${method}: the engine answered in an unexpected shape`);
  return parsed.data as Result<M>;
}

function dispatch(listeners: Set<EventListener>, event: string, data: unknown): void {
  if (!Object.hasOwn(EVENTS, event)) return;
  const name = event as EventName;
  const parsed = EVENTS[name].safeParse(data);
  if (!parsed.success) return;
  for (const l of listeners) l(name, parsed.data);
}

class BridgeTransport implements Transport {
  readonly kind = 'electron' as const;
  private readonly listeners = new Set<EventListener>();
  readonly chooseFolder: () => Promise<string | null>;

  constructor(private readonly bridge: LumenBridge) {
    bridge.on((event, data) => {
      dispatch(this.listeners, event, data);
    });
    this.chooseFolder = () => bridge.chooseFolder();
  }

  async call<M extends Method>(method: M, params: Params<M>): Promise<Result<M>> {
    try {
      return parseResult(method, await this.bridge.call(method, params));
    } catch (err) {
      if (err instanceof CallError) throw err;
      const e = err as { code?: string; message?: string };
      throw new CallError(e.code ?? 'failed', e.message ?? String(err));
    }
  }

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  thumbUrl(id: number): string {
    return `lumen://media/thumb/${id}`;
  }

  photoUrl(id: number): string {
    return `lumen://media/photo/${id}`;
  }

  uploadImage(file: File): Promise<string> {
    return this.bridge.importImage(file);
  }

  readonly folderPath = (file: File): string => this.bridge.pathForFile(file);
}

class HttpTransport implements Transport {
  readonly kind = 'http' as const;
  readonly chooseFolder = null;
  readonly folderPath = null;
  private readonly listeners = new Set<EventListener>();
  private source: EventSource | null = null;

  private async post(path: string, body: BodyInit, type: string): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(path, { method: 'POST', headers: { 'content-type': type }, body });
    } catch {
      throw new CallError('offline', 'Lumen is not reachable: is `lumen serve` still running?');
    }
    const json = (await res.json().catch(() => ({}))) as {
      result?: unknown;
      error?: { code: string; message: string };
    };
    if (!res.ok || json.error)
      throw new CallError(json.error?.code ?? 'failed', json.error?.message ?? res.statusText);
    return json.result;
  }

  async call<M extends Method>(method: M, params: Params<M>): Promise<Result<M>> {
    return parseResult(method, await this.post(`api/${method}`, JSON.stringify(params), 'application/json'));
  }

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    if (!this.source) {
      const source = new EventSource('api/events');
      for (const name of Object.keys(EVENTS))
        source.addEventListener(name, (e) => {
          let data: unknown;
          try {
            data = JSON.parse((e as MessageEvent<string>).data);
          } catch {
            return;
          }
          dispatch(this.listeners, name, data);
        });
      this.source = source;
    }
    return () => this.listeners.delete(listener);
  }

  thumbUrl(id: number): string {
    return `media/thumb/${id}`;
  }

  photoUrl(id: number): string {
    return `media/photo/${id}`;
  }

  async uploadImage(file: File): Promise<string> {
    const result = (await this.post('api/upload-image', file, file.type || 'application/octet-stream')) as {
      upload?: unknown;
    };
    if (typeof result.upload !== 'string') throw new CallError('bad-response', 'the upload gave no id');
    return result.upload;
  }
}

/** The desktop bridge when the preload put one on window, otherwise HTTP to the page's own origin. */
export function pickTransport(): Transport {
  if (window.lumen) return new BridgeTransport(window.lumen);
  // The server moves a token from the address into a cookie; a token left in the address (an old
  // bookmark) is taken out of it and out of history.
  const url = new URL(location.href);
  if (url.searchParams.has('token')) {
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url);
  }
  return new HttpTransport();
}
