// The desktop app's main process: one window with the secure defaults from security.ts, the lumen://
// protocol (protocol.ts) for the renderer and its images, and the engine in a utility process that is
// restarted with backoff when it dies (Supervisor) and shut down cleanly on quit. The renderer reaches
// the engine only through two IPC channels (shared/bridge.ts); every call is validated here with the
// contract's parseRequest (ipc.ts), every envelope from the engine with zod and every event against
// EVENTS (engine-client.ts) before it is forwarded. This file only wires Electron to those functions.

import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  protocol,
  session,
  shell,
  utilityProcess,
  type IpcMainInvokeEvent,
} from 'electron';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defaultDatabasePath } from '../core/app-paths.js';
import { UploadStore } from '../core/library/upload-store.js';
import { attachEngine, EngineClient } from './engine-client.js';
import { ApiError } from '../shared/api.js';
import { CHANNELS, type EventMessage } from '../shared/bridge.js';
import { handleCall, handleImport, toReply } from './ipc.js';
import {
  engineEntry,
  engineEnv,
  preloadPath,
  rendererDir,
  sqliteBindingPath,
  type AppLocation,
} from './paths.js';
import { registerProtocol } from './protocol.js';
import { Supervisor } from './supervisor.js';
import {
  APP_URL,
  isAllowedNavigation,
  isExternalLink,
  isPermittedRequest,
  isTrustedSender,
  SCHEME,
  SCHEME_PRIVILEGES,
  webPreferences,
} from './security.js';

/** The library's uploads (the engine opens the library in the app-data folder; see utility-entry.ts). */
const uploads = new UploadStore(join(dirname(defaultDatabasePath()), 'uploads'));

const log = (line: string): void => {
  process.stderr.write(`lumen: ${line}\n`);
};

// Before ready: the scheme's privileges, the name (userData is <appData>/Lumen, where the CLI keeps
// the library too), and sandboxing for every renderer.
protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: SCHEME_PRIVILEGES }]);
app.setName('Lumen');
app.enableSandbox();

const location: AppLocation = {
  appPath: app.getAppPath(),
  packaged: app.isPackaged,
  resourcesPath: process.resourcesPath,
};

const client = new EngineClient({
  onInvalid: (reason) => {
    log(`dropped: ${reason}`);
  },
  trashItem: (path) => shell.trashItem(path),
});

const supervisor = new Supervisor(() =>
  attachEngine(
    utilityProcess.fork(engineEntry(location), [], {
      serviceName: 'Lumen engine',
      env: engineEnv(location, process.env),
      stdio: 'inherit',
    }),
    client,
  ),
);
supervisor.on('exit', (code, restartInMs) => {
  if (restartInMs !== null)
    log(`the engine stopped (exit code ${String(code)}); restarting in ${restartInMs} ms`);
});
supervisor.on('give-up', (reason) => {
  client.close(reason);
  dialog.showErrorBox('Lumen', `The engine keeps stopping, so Lumen gave up restarting it: ${reason}`);
});
client.onState((state, detail) => {
  if (state === 'unavailable' && detail) log(detail);
});

let window: BrowserWindow | null = null;

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1280,
    height: 840,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Lumen',
    backgroundColor: '#121316',
    autoHideMenuBar: true,
    ...(!location.packaged && process.platform === 'linux'
      ? { icon: join(location.appPath, 'resources', 'icon.png') }
      : {}),
    webPreferences: webPreferences(preloadPath(location), location.packaged),
  });
  win.once('ready-to-show', () => {
    win.show();
  });
  win.on('closed', () => {
    if (window === win) window = null;
  });
  window = win;
  void win.loadURL(APP_URL);
}

function harden(): void {
  const ses = session.defaultSession;
  // Nothing but the app's own scheme (and devtools) loads: no file://, no network.
  ses.webRequest.onBeforeRequest((details, callback) => {
    const cancel = !isPermittedRequest(details.url);
    if (cancel) log(`blocked a request for ${details.url}`);
    callback({ cancel });
  });
  ses.setPermissionRequestHandler((_contents, permission, callback) => {
    callback(permission === 'clipboard-sanitized-write');
  });
  ses.setPermissionCheckHandler((_contents, permission) => permission === 'clipboard-sanitized-write');
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event) => {
      if (isAllowedNavigation(event.url)) return;
      event.preventDefault();
      if (isExternalLink(event.url)) void shell.openExternal(event.url);
    });
    contents.on('will-redirect', (event) => {
      if (!isAllowedNavigation(event.url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => {
      event.preventDefault();
    });
    contents.setWindowOpenHandler(({ url }) => {
      if (isExternalLink(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}

const trusted = (event: IpcMainInvokeEvent): boolean => isTrustedSender(event.senderFrame?.url);

function listen(): void {
  ipcMain.handle(CHANNELS.call, (event, payload: unknown) =>
    trusted(event)
      ? handleCall(client, payload)
      : toReply(new ApiError('bad-request', 'calls are only answered for the app')),
  );
  ipcMain.handle(CHANNELS.importImage, (event, payload: unknown) =>
    trusted(event)
      ? handleImport(uploads, payload)
      : { ok: false, message: 'images are only taken from the app' },
  );
  ipcMain.handle(CHANNELS.chooseFolder, async (event) => {
    if (!trusted(event)) return null;
    const options = { properties: ['openDirectory' as const, 'createDirectory' as const] };
    const owner = BrowserWindow.fromWebContents(event.sender);
    const picked = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options);
    return picked.canceled ? null : (picked.filePaths[0] ?? null);
  });
  client.onEvent((event, data) => {
    const message: EventMessage = { event, data };
    for (const win of BrowserWindow.getAllWindows())
      if (!win.isDestroyed()) win.webContents.send(CHANNELS.event, message);
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });

  let stopped = false;
  let stopping = false;
  app.on('before-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    if (stopping) return;
    stopping = true;
    void supervisor.stop().finally(() => {
      stopped = true;
      client.close('the app is quitting');
      app.quit();
    });
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });

  void app.whenReady().then(() => {
    harden();
    const renderer = rendererDir(location);
    if (!existsSync(join(renderer, 'index.html')))
      dialog.showErrorBox('Lumen', `The UI is not built (${renderer}): run npm run build:renderer.`);
    const binding = sqliteBindingPath(location);
    if (!process.env.LUMEN_SQLITE_BINDING && !existsSync(binding))
      log(`${binding} is missing: run node scripts/electron-native.mjs to build SQLite for Electron`);
    registerProtocol(protocol, {
      rendererDir: renderer,
      resolveMedia: (kind, id) => client.resolveMedia(kind, id),
      onRefused: (url, reason) => {
        log(`refused ${url} (${reason})`);
      },
    });
    listen();
    supervisor.start();
    createWindow();
  });
}
