// window.lumen as the preload builds it, over a stand-in for ipcRenderer: calls resolve to results or
// reject with an Error carrying the ApiError's code, events arrive unwrapped, and the folder picker and
// file paths pass through.

import { EventEmitter } from 'node:events';
import { runInNewContext } from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import {
  installBridge,
  isCallReply,
  makeBridge,
  rawBridge,
  type BridgeIpc,
} from '../../electron/preload/make-bridge.js';
import { CHANNELS, type LumenBridge } from '../../electron/shared/bridge.js';

class FakeIpc extends EventEmitter implements BridgeIpc {
  replies = new Map<string, (...args: unknown[]) => unknown>();
  invoke = vi.fn((channel: string, ...args: unknown[]) =>
    Promise.resolve(this.replies.get(channel)?.(...args)),
  );
}

function setup() {
  const ipc = new FakeIpc();
  const deps = { ipc, getPathForFile: (f: File) => `/dropped/${f.name}`, platform: 'linux' };
  return { ipc, deps, bridge: makeBridge(deps) };
}

describe('the preload bridge', () => {
  it('calls through lumen:call and resolves to the result', async () => {
    const { ipc, bridge } = setup();
    ipc.replies.set(CHANNELS.call, () => ({ ok: true, result: { hits: [] } }));
    expect(await bridge.call('search.text', { query: 'beach' })).toEqual({ hits: [] });
    expect(ipc.invoke).toHaveBeenCalledWith('lumen:call', {
      method: 'search.text',
      params: { query: 'beach' },
    });
  });

  it("rejects with an Error whose message and code are the ApiError's", async () => {
    const { ipc, bridge } = setup();
    ipc.replies.set(CHANNELS.call, () => ({
      ok: false,
      error: { code: 'not-found', message: 'no photo 9' },
    }));
    const err = await bridge.call('photos.get', { id: 9 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ message: 'no photo 9', code: 'not-found' });
    ipc.replies.set(CHANNELS.call, () => 'garbage');
    await expect(bridge.call('library.status', {})).rejects.toMatchObject({ code: 'failed' });
  });

  it('delivers events as (event, data) until unsubscribed, without the IPC event object', () => {
    const { ipc, bridge } = setup();
    const seen: unknown[][] = [];
    const stop = bridge.on((...args) => seen.push(args));
    const ipcEvent = { sender: 'secret' };
    ipc.emit(CHANNELS.event, ipcEvent, { event: 'library.changed', data: { reason: 'scan' } });
    ipc.emit(CHANNELS.event, ipcEvent, 'malformed');
    ipc.emit(CHANNELS.event, ipcEvent, { event: 3, data: {} });
    stop();
    ipc.emit(CHANNELS.event, ipcEvent, { event: 'library.changed', data: { reason: 'later' } });
    expect(seen).toEqual([['library.changed', { reason: 'scan' }]]);
    expect(ipc.listenerCount(CHANNELS.event)).toBe(0);
  });

  it('picks folders, names dropped files and tells the platform', async () => {
    const { ipc, bridge } = setup();
    ipc.replies.set(CHANNELS.chooseFolder, () => '/home/me/Pictures');
    expect(await bridge.chooseFolder()).toBe('/home/me/Pictures');
    ipc.replies.set(CHANNELS.chooseFolder, () => null);
    expect(await bridge.chooseFolder()).toBeNull();
    expect(bridge.pathForFile(new File([], 'rex.jpg'))).toBe('/dropped/rex.jpg');
    expect(bridge.platform).toBe('linux');
    expect(Object.keys(bridge).sort()).toEqual([
      'call',
      'chooseFolder',
      'importImage',
      'on',
      'pathForFile',
      'platform',
    ]);
    expect(Object.isFrozen(bridge)).toBe(true);
  });

  it('hands a dropped image to main by its path and gets an upload id, or an error with a reason', async () => {
    const { ipc, bridge } = setup();
    const sent: unknown[] = [];
    ipc.replies.set(CHANNELS.importImage, (path: unknown) => {
      sent.push(path);
      return { ok: true, upload: `${'a'.repeat(32)}.jpg` };
    });
    expect(await bridge.importImage(new File([], 'rex.jpg'))).toBe(`${'a'.repeat(32)}.jpg`);
    expect(sent).toEqual(['/dropped/rex.jpg']);
    ipc.replies.set(CHANNELS.importImage, () => ({ ok: false, message: 'not an image file' }));
    await expect(bridge.importImage(new File([], 'notes.txt'))).rejects.toMatchObject({
      message: 'not an image file',
      code: 'bad-request',
    });
    ipc.replies.set(CHANNELS.importImage, () => 'garbage');
    await expect(bridge.importImage(new File([], 'x.jpg'))).rejects.toThrow(/could not be read/);
  });

  it('installs itself as a read-only lumen property on the target window', async () => {
    const { deps } = setup();
    const target: { lumen?: LumenBridge } = {};
    expect(installBridge(rawBridge(deps), target)).toBe(true);
    expect(target.lumen?.platform).toBe('linux');
    expect(() => {
      (target as Record<string, unknown>).lumen = {};
    }).toThrow(TypeError);
    deps.ipc.replies.set(CHANNELS.call, () => ({ ok: true, result: 1 }));
    expect(await target.lumen?.call('library.status', {})).toBe(1);
  });

  it('installBridge uses nothing but its arguments, so it can run in the page world', () => {
    // executeInMainWorld serializes the function: it must survive being rebuilt from its source, in a
    // context (here a fresh VM context) that has none of this module's bindings.
    const rebuilt = runInNewContext(`(${installBridge.toString()})`) as typeof installBridge;
    const target: { lumen?: LumenBridge } = {};
    expect(rebuilt(rawBridge(setup().deps), target)).toBe(true);
    expect(typeof target.lumen?.call).toBe('function');
  });

  it('recognises well-formed call replies only', () => {
    expect(isCallReply({ ok: true, result: null })).toBe(true);
    expect(isCallReply({ ok: false, error: { code: 'failed', message: 'x' } })).toBe(true);
    for (const v of [
      null,
      {},
      { ok: true },
      { ok: false, error: { code: 'teapot', message: 'x' } },
      { ok: 'yes' },
    ])
      expect(isCallReply(v), JSON.stringify(v)).toBe(false);
  });
});
