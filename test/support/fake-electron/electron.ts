// A stand-in for the `electron` module, for test/main/main-wiring.test.ts. Electron's binary cannot be
// downloaded where these tests run, so the app's main process (dist/electron/main/main.js) runs in plain
// Node with this module resolved in place of 'electron' (./register.ts). It implements only what main.ts
// uses, and it only records: the windows and their options, the URL each loads, the lumen:// handler,
// the IPC handlers, the session's hooks, dialogs and external links. Nothing of the engine is faked:
// utilityProcess.fork starts a real child process (child_process.fork, with ./parent-port.ts standing in
// for Electron's process.parentPort), so the real engine answers over the real channel.
//
// The test drives this process over its fork IPC channel (./driver.ts): it calls the captured handlers
// the way Chromium and the preload would, and hears what main sends to the window and to the engine.
// So this covers main.ts's wiring, not Chromium's behaviour: that the sandbox, the CSP and the refused
// navigations are enforced is Electron's part and is not tested here.

import { fork, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { EventEmitter } from 'node:events';

// ---------------------------------------------------------------------------------------------------
// The control channel (the test's end is driver.ts).

/** What the test asks this process to do. */
export type Op =
  | { op: 'state' }
  /** Calls the lumen:// handler with a Request for `url`, as Chromium would (any scheme: it must refuse). */
  | { op: 'protocol'; url: string; method?: string }
  /** Calls an ipcMain.handle handler as the preload's ipcRenderer.invoke would, from a frame at frameUrl. */
  | { op: 'invoke'; channel: string; args: unknown[]; frameUrl: string }
  /** Asks the session's onBeforeRequest listener about a request for `url`. */
  | { op: 'web-request'; url: string }
  /** Asks the session's permission request and check handlers about `permission`. */
  | { op: 'permission'; permission: string }
  /** Emits will-navigate / will-redirect on the window's webContents; says whether main prevented it. */
  | { op: 'navigate'; event: 'will-navigate' | 'will-redirect'; url: string }
  /** Asks the window-open handler about window.open(url). */
  | { op: 'open-window'; url: string }
  /** The user closes the window. */
  | { op: 'close-window' }
  /** app.quit(), as the menu's Quit would. */
  | { op: 'quit' };

export interface ControlMessage {
  control: number;
  op: Op;
}

export type ReplyMessage = { reply: number; value: unknown } | { reply: number; error: string };

/** What this process reports as it happens. */
export type Note =
  | { type: 'window'; id: number; options: Record<string, unknown> }
  | { type: 'load'; id: number; url: string }
  | { type: 'show'; id: number }
  | { type: 'send'; channel: string; args: unknown[] }
  | { type: 'dialog'; kind: 'error' | 'open'; title?: string; content?: string }
  | { type: 'open-external'; url: string }
  | { type: 'fork'; pid: number; modulePath: string; options: Record<string, unknown> }
  | { type: 'to-engine'; pid: number; message: unknown }
  | { type: 'engine-exit'; pid: number; code: number | null; signal: string | null }
  | { type: 'before-quit'; prevented: boolean }
  | { type: 'quit'; runningEngines: number[] };

export interface NoteMessage {
  note: Note;
}

function report(note: Note, then?: () => void): void {
  if (process.send && process.connected) {
    process.send({ note } satisfies NoteMessage, () => then?.());
  } else then?.();
}

/** An event main may call preventDefault() on (before-quit, will-navigate, ...). */
class Preventable {
  defaultPrevented = false;
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

function preventable<T extends object>(fields: T): T & Preventable {
  return Object.assign(new Preventable(), fields);
}

// ---------------------------------------------------------------------------------------------------
// app

class App extends EventEmitter {
  readonly isPackaged = false;
  private ready = false;
  private readonly readyPromise: Promise<void>;
  private name = 'Electron';
  sandboxed = false;

  constructor() {
    super();
    // Ready comes after the main script's first run, as in Electron.
    this.readyPromise = new Promise((resolve) => {
      setImmediate(() => {
        this.ready = true;
        this.emit('ready');
        resolve();
      });
    });
  }

  whenReady(): Promise<void> {
    return this.readyPromise;
  }

  isReady(): boolean {
    return this.ready;
  }

  setName(name: string): void {
    this.name = name;
  }

  getName(): string {
    return this.name;
  }

  enableSandbox(): void {
    if (this.ready) throw new Error('app.enableSandbox() must be called before the app is ready');
    this.sandboxed = true;
  }

  /** The folder of the app's package.json: `electron .` runs in it. */
  getAppPath(): string {
    return process.env.FAKE_ELECTRON_APP_PATH ?? process.cwd();
  }

  requestSingleInstanceLock(): boolean {
    return true;
  }

  /** before-quit (which may prevent it), the windows close, will-quit, quit, then exit code 0. */
  quit(): void {
    const beforeQuit = preventable({});
    this.emit('before-quit', beforeQuit);
    report({ type: 'before-quit', prevented: beforeQuit.defaultPrevented });
    if (beforeQuit.defaultPrevented) return;
    for (const win of BrowserWindow.getAllWindows()) win.destroy();
    const willQuit = preventable({});
    this.emit('will-quit', willQuit);
    if (willQuit.defaultPrevented) return;
    this.emit('quit', preventable({}), 0);
    const runningEngines = [...engines].filter((c) => c.running).map((c) => c.pid);
    report({ type: 'quit', runningEngines }, () => process.exit(0));
  }
}

export const app = new App();

// ---------------------------------------------------------------------------------------------------
// BrowserWindow and its webContents

type WindowOpenHandler = (details: { url: string }) => { action: 'allow' | 'deny' };

let nextId = 1;

class WebContents extends EventEmitter {
  readonly id = nextId++;
  windowOpenHandler: WindowOpenHandler | null = null;

  setWindowOpenHandler(handler: WindowOpenHandler): void {
    this.windowOpenHandler = handler;
  }

  /** What main sends to the page is reported to the test. */
  send(channel: string, ...args: unknown[]): void {
    report({ type: 'send', channel, args });
  }
}

const windows = new Set<BrowserWindow>();

export class BrowserWindow extends EventEmitter {
  readonly id = nextId++;
  readonly webContents = new WebContents();
  url: string | null = null;
  shown = false;
  private destroyed = false;

  constructor(readonly options: Record<string, unknown> = {}) {
    super();
    windows.add(this);
    report({ type: 'window', id: this.id, options });
    app.emit('web-contents-created', preventable({}), this.webContents);
  }

  static getAllWindows(): BrowserWindow[] {
    return [...windows];
  }

  static fromWebContents(contents: unknown): BrowserWindow | null {
    return [...windows].find((w) => w.webContents === contents) ?? null;
  }

  loadURL(url: string): Promise<void> {
    this.url = url;
    report({ type: 'load', id: this.id, url });
    setImmediate(() => {
      if (!this.destroyed) this.emit('ready-to-show');
    });
    return Promise.resolve();
  }

  show(): void {
    this.shown = true;
    report({ type: 'show', id: this.id });
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  isMinimized(): boolean {
    return false;
  }

  restore(): void {
    // nothing to restore: the fake window is never minimized
  }

  focus(): void {
    // nothing to focus
  }

  /** The user closes it: closed, and window-all-closed when it was the last one. */
  close(): void {
    const event = preventable({});
    this.emit('close', event);
    if (event.defaultPrevented) return;
    this.destroy();
    if (windows.size === 0) app.emit('window-all-closed');
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    windows.delete(this);
    this.emit('closed');
  }
}

// ---------------------------------------------------------------------------------------------------
// protocol, ipcMain, session, dialog, shell

type ProtocolHandler = (request: Request) => Response | Promise<Response>;
const privilegedSchemes: unknown[] = [];
const protocolHandlers = new Map<string, ProtocolHandler>();

export const protocol = {
  registerSchemesAsPrivileged(schemes: unknown[]): void {
    if (app.isReady()) throw new Error('registerSchemesAsPrivileged must be called before the app is ready');
    privilegedSchemes.push(...schemes);
  },
  handle(scheme: string, handler: ProtocolHandler): void {
    if (!app.isReady()) throw new Error('protocol.handle must be called after the app is ready');
    if (protocolHandlers.has(scheme)) throw new Error(`the scheme ${scheme} is already handled`);
    protocolHandlers.set(scheme, handler);
  },
};

type IpcHandler = (event: unknown, ...args: unknown[]) => unknown;
const ipcHandlers = new Map<string, IpcHandler>();

export const ipcMain = {
  handle(channel: string, handler: IpcHandler): void {
    if (ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    ipcHandlers.set(channel, handler);
  },
};

type BeforeRequestListener = (
  details: { url: string },
  callback: (response: { cancel?: boolean }) => void,
) => void;
type PermissionRequestHandler = (
  contents: unknown,
  permission: string,
  callback: (granted: boolean) => void,
) => void;
type PermissionCheckHandler = (contents: unknown, permission: string) => boolean;

const sessionHooks: {
  beforeRequest: BeforeRequestListener | null;
  permissionRequest: PermissionRequestHandler | null;
  permissionCheck: PermissionCheckHandler | null;
} = { beforeRequest: null, permissionRequest: null, permissionCheck: null };

const defaultSession = {
  webRequest: {
    /** Only the one-argument form (no URL filter), which is what main uses. */
    onBeforeRequest(listener: BeforeRequestListener): void {
      sessionHooks.beforeRequest = listener;
    },
  },
  setPermissionRequestHandler(handler: PermissionRequestHandler): void {
    sessionHooks.permissionRequest = handler;
  },
  setPermissionCheckHandler(handler: PermissionCheckHandler): void {
    sessionHooks.permissionCheck = handler;
  },
};

export const session = {
  get defaultSession(): typeof defaultSession {
    if (!app.isReady()) throw new Error('session.defaultSession is only available once the app is ready');
    return defaultSession;
  },
};

export const dialog = {
  showErrorBox(title: string, content: string): void {
    report({ type: 'dialog', kind: 'error', title, content });
  },
  /** As if the user cancelled. */
  showOpenDialog(): Promise<{ canceled: boolean; filePaths: string[] }> {
    report({ type: 'dialog', kind: 'open' });
    return Promise.resolve({ canceled: true, filePaths: [] });
  },
};

export const shell = {
  openExternal(url: string): Promise<void> {
    report({ type: 'open-external', url });
    return Promise.resolve();
  },
};

// ---------------------------------------------------------------------------------------------------
// utilityProcess: a real Node child process

const PARENT_PORT = new URL('./parent-port.ts', import.meta.url).href;
const TSX = import.meta.resolve('tsx');

interface ForkOptions {
  env?: Record<string, string>;
  cwd?: string;
  stdio?: 'pipe' | 'ignore' | 'inherit';
  serviceName?: string;
}

class UtilityProcess extends EventEmitter {
  readonly pid: number;
  running = true;

  constructor(private readonly child: ChildProcess) {
    super();
    if (child.pid === undefined) throw new Error('the engine process could not be started');
    const pid = child.pid;
    this.pid = pid;
    child.on('message', (message) => this.emit('message', message));
    // Sending to a process that has just died fails asynchronously; Electron drops such a message.
    child.on('error', (err) => {
      process.stderr.write(`fake-electron: engine process ${pid}: ${err.message}\n`);
    });
    child.on('exit', (code, signal) => {
      this.running = false;
      report({ type: 'engine-exit', pid, code, signal });
      // Electron reports a number; a signal as 128 + its number here, as a shell would.
      this.emit('exit', code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  }

  postMessage(message: unknown): void {
    report({ type: 'to-engine', pid: this.pid, message });
    this.child.send(message as object);
  }

  kill(): boolean {
    return this.child.kill('SIGTERM');
  }
}

const engines = new Set<UtilityProcess>();

export const utilityProcess = {
  fork(modulePath: string, args: string[] = [], options: ForkOptions = {}): UtilityProcess {
    const child = fork(modulePath, args, {
      ...(options.env && { env: options.env }),
      ...(options.cwd && { cwd: options.cwd }),
      stdio: options.stdio ?? 'inherit',
      serialization: 'advanced',
      execArgv: ['--import', TSX, '--import', PARENT_PORT],
    });
    const engine = new UtilityProcess(child);
    engines.add(engine);
    // Of the environment, only what the test checks (the rest is this process's own).
    report({
      type: 'fork',
      pid: engine.pid,
      modulePath,
      options: { ...options, env: options.env && { LUMEN_SQLITE_BINDING: options.env.LUMEN_SQLITE_BINDING } },
    });
    return engine;
  },
};

// ---------------------------------------------------------------------------------------------------
// Answering the test

function firstWindow(): BrowserWindow | null {
  return BrowserWindow.getAllWindows()[0] ?? null;
}

function need<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`main has not set up ${what}`);
  return value;
}

async function perform(op: Op): Promise<unknown> {
  switch (op.op) {
    case 'state':
      return {
        name: app.getName(),
        sandboxed: app.sandboxed,
        privilegedSchemes,
        protocolSchemes: [...protocolHandlers.keys()],
        ipcChannels: [...ipcHandlers.keys()],
        windows: BrowserWindow.getAllWindows().map((w) => ({
          id: w.id,
          options: w.options,
          url: w.url,
          shown: w.shown,
        })),
      };
    case 'protocol': {
      const handler = need(protocolHandlers.get('lumen'), 'the lumen:// handler');
      const response = await handler(new Request(op.url, { method: op.method ?? 'GET' }));
      return {
        status: response.status,
        headers: Object.fromEntries(response.headers),
        body: new Uint8Array(await response.arrayBuffer()),
      };
    }
    case 'invoke': {
      const handler = need(ipcHandlers.get(op.channel), `a handler for ${op.channel}`);
      const sender = firstWindow()?.webContents ?? null;
      const event = { sender, senderFrame: { url: op.frameUrl }, processId: 1, frameId: 1 };
      return await handler(event, ...op.args);
    }
    case 'web-request': {
      const listener = need(sessionHooks.beforeRequest, 'onBeforeRequest');
      return await new Promise((resolve) => {
        listener({ url: op.url }, resolve);
      });
    }
    case 'permission': {
      const request = need(sessionHooks.permissionRequest, 'a permission request handler');
      const check = need(sessionHooks.permissionCheck, 'a permission check handler');
      const sender = firstWindow()?.webContents ?? null;
      const granted = await new Promise<boolean>((resolve) => {
        request(sender, op.permission, resolve);
      });
      return { granted, checked: check(sender, op.permission) };
    }
    case 'navigate': {
      const contents = need(firstWindow(), 'a window').webContents;
      const event = preventable({ url: op.url });
      contents.emit(op.event, event, op.url);
      return { prevented: event.defaultPrevented };
    }
    case 'open-window': {
      const handler = need(
        need(firstWindow(), 'a window').webContents.windowOpenHandler,
        'a window-open handler',
      );
      return handler({ url: op.url });
    }
    case 'close-window':
      need(firstWindow(), 'a window').close();
      return null;
    case 'quit':
      app.quit();
      return null;
  }
}

process.on('message', (raw: unknown) => {
  if (typeof raw !== 'object' || raw === null || !('control' in raw)) return;
  const { control, op } = raw as ControlMessage;
  perform(op).then(
    (value) => process.send?.({ reply: control, value } satisfies ReplyMessage),
    (err: unknown) =>
      process.send?.({
        reply: control,
        error: err instanceof Error ? err.message : String(err),
      } satisfies ReplyMessage),
  );
});
