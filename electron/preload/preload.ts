// The preload of the app's window (sandboxed, so built to CommonJS: dist/preload/preload.cjs). It puts
// exactly one object on the page, window.lumen (shared/bridge.ts), made in make-bridge.ts. The bridge
// is installed in the page's world with executeInMainWorld so a failed call's Error keeps its code;
// where that is unavailable it is exposed with exposeInMainWorld, which keeps only the message.

import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { installBridge, makeBridge, rawBridge, type BridgeDeps } from './make-bridge.js';

const deps: BridgeDeps = {
  ipc: ipcRenderer,
  getPathForFile: (file) => webUtils.getPathForFile(file),
  platform: process.platform,
};

function installInPageWorld(): boolean {
  try {
    return contextBridge.executeInMainWorld({ func: installBridge, args: [rawBridge(deps)] }) === true;
  } catch {
    return false;
  }
}

if (!installInPageWorld()) contextBridge.exposeInMainWorld('lumen', makeBridge(deps));
