// The preload's logic, without Electron so it is tested in plain Node: rawBridge wraps ipcRenderer
// (calls resolve to main's CallReply, events are unwrapped and checked for shape, the IPC event object
// never reaches the page), and installBridge turns that into the window.lumen the renderer codes
// against (shared/bridge.ts), where a failed call rejects with an Error carrying the ApiError's code.
//
// installBridge runs in the page's own world (contextBridge.executeInMainWorld serializes it there),
// because an Error copied across the context bridge keeps only its message: building the Error on the
// page's side is what lets `code` survive. It must therefore use nothing but its arguments and
// built-ins - no imports, no helpers from this file.

import { CHANNELS, type CallReply, type ImportReply, type LumenBridge } from '../shared/bridge.js';

/** The part of ipcRenderer the bridge uses. */
export interface BridgeIpc {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export interface BridgeDeps {
  ipc: BridgeIpc;
  getPathForFile: (file: File) => string;
  platform: string;
}

/** window.lumen before errors are made: call and importImage resolve to the replies as main sent them. */
export interface RawBridge extends Omit<LumenBridge, 'call' | 'importImage'> {
  call(method: string, params: unknown): Promise<CallReply>;
  importImage(file: File): Promise<ImportReply>;
}

const CODES = new Set(['bad-request', 'not-found', 'failed']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

export function isCallReply(v: unknown): v is CallReply {
  if (!isRecord(v)) return false;
  if (v.ok === true) return 'result' in v;
  if (v.ok !== false || !isRecord(v.error)) return false;
  return typeof v.error.message === 'string' && CODES.has(v.error.code as string);
}

export function rawBridge(deps: BridgeDeps): RawBridge {
  const { ipc } = deps;
  return {
    call: async (method, params) => {
      const reply = await ipc.invoke(CHANNELS.call, { method, params });
      return isCallReply(reply)
        ? reply
        : { ok: false, error: { code: 'failed', message: 'a malformed reply from the main process' } };
    },
    on: (listener) => {
      const handler = (_event: unknown, message: unknown): void => {
        if (isRecord(message) && typeof message.event === 'string') listener(message.event, message.data);
      };
      ipc.on(CHANNELS.event, handler);
      return () => {
        ipc.removeListener(CHANNELS.event, handler);
      };
    },
    pathForFile: (file) => deps.getPathForFile(file),
    importImage: async (file) => {
      const reply = await ipc.invoke(CHANNELS.importImage, deps.getPathForFile(file));
      if (isRecord(reply) && reply.ok === true && typeof reply.upload === 'string')
        return { ok: true, upload: reply.upload };
      const message =
        isRecord(reply) && typeof reply.message === 'string' ? reply.message : 'the image could not be read';
      return { ok: false, message };
    },
    chooseFolder: async () => {
      const picked = await ipc.invoke(CHANNELS.chooseFolder);
      return typeof picked === 'string' ? picked : null;
    },
    platform: deps.platform,
  };
}

/**
 * Defines `lumen` on `target` (the page's window when run by executeInMainWorld) as a frozen
 * LumenBridge over `raw`. Returns true, so the preload can tell that it ran.
 */
export function installBridge(raw: RawBridge, target: object = globalThis): boolean {
  const bridge: LumenBridge = {
    call: async (method, params) => {
      const reply = await raw.call(method, params);
      if (reply.ok) return reply.result;
      const error = new Error(reply.error.message) as Error & { code: string };
      error.code = reply.error.code;
      throw error;
    },
    on: (listener) => raw.on(listener),
    pathForFile: (file) => raw.pathForFile(file),
    importImage: async (file) => {
      const reply = await raw.importImage(file);
      if (reply.ok) return reply.upload;
      const error = new Error(reply.message) as Error & { code: string };
      error.code = 'bad-request';
      throw error;
    },
    chooseFolder: () => raw.chooseFolder(),
    platform: raw.platform,
  };
  Object.defineProperty(target, 'lumen', { value: Object.freeze(bridge), enumerable: true });
  return true;
}

/** The bridge as one object in this world (the fallback exposeInMainWorld copies, and the tests). */
export function makeBridge(deps: BridgeDeps): LumenBridge {
  const holder: { lumen?: LumenBridge } = {};
  installBridge(rawBridge(deps), holder);
  if (!holder.lumen) throw new Error('the bridge was not installed');
  return holder.lumen;
}
