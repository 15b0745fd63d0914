// What the desktop app's preload script puts on `window.lumen`: the renderer's only way to reach the
// engine. It is a thin pipe over the one typed contract in ./api.ts; main validates every request with
// parseRequest and every event against EVENTS before it gets here. The renderer narrows the unknown
// values with the same schemas (or casts to Result<M> / EventData<E>). In a browser (lumen serve)
// `window.lumen` is absent and the renderer talks HTTP instead.

import type { ErrorCode } from './api.js';

/** IPC channel names shared by preload and main. */
export const CHANNELS = {
  /** renderer -> main, invoke: {method, params} -> result, or a rejection carrying an ApiError. */
  call: 'lumen:call',
  /** main -> renderer, send: {event, data} for every engine event. */
  event: 'lumen:event',
  /** renderer -> main, invoke: () -> absolute folder path or null when the dialog was cancelled. */
  chooseFolder: 'lumen:choose-folder',
  /**
   * renderer -> main, invoke: a dropped image file's path -> its upload id for search.image (main
   * copies the file into the library's uploads; the bytes never cross IPC), or an ImportReply error.
   */
  importImage: 'lumen:import-image',
} as const;

export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];

/** The payload of a CHANNELS.call invoke. */
export interface CallMessage {
  method: string;
  params: unknown;
}

/** The payload of a CHANNELS.event message. */
export interface EventMessage {
  event: string;
  data: unknown;
}

/** How main answers a CHANNELS.call: never a thrown error (Electron would mangle its message). */
export type CallReply =
  { ok: true; result: unknown } | { ok: false; error: { code: ErrorCode; message: string } };

/** The Error `call` rejects with: message and code are the ApiError's. */
export interface LumenCallError extends Error {
  code: ErrorCode;
}

/** How main answers a CHANNELS.importImage: the upload id, or why not. */
export type ImportReply = { ok: true; upload: string } | { ok: false; message: string };

export interface LumenBridge {
  /** Calls an API method; resolves to its result or rejects with a LumenCallError. */
  call(method: string, params: unknown): Promise<unknown>;
  /** Listens to every engine event; returns the function that stops listening. */
  on(listener: (event: string, data: unknown) => void): () => void;
  /** The absolute path of a dropped or picked File (a folder dropped on the library). */
  pathForFile(file: File): string;
  /** Hands a dropped image file to the engine for search.image; resolves with its upload id. */
  importImage(file: File): Promise<string>;
  /** Opens the system folder picker; null when cancelled. */
  chooseFolder(): Promise<string | null>;
  /** process.platform of the app: 'darwin', 'win32', 'linux', ... */
  platform: string;
}

declare global {
  interface Window {
    lumen?: LumenBridge;
  }
}
