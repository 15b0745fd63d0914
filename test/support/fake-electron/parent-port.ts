// Stands in for Electron's process.parentPort in an engine process that fake-electron's
// utilityProcess.fork started with child_process.fork (loaded with --import before the entry runs):
// messages from main arrive as MessageEvent-like { data }, postMessage answers over the fork's channel.
// A utility process ends with the app, so this one ends when main's end of the channel goes away.

import { EventEmitter } from 'node:events';

class ParentPort extends EventEmitter {
  postMessage(message: unknown): void {
    process.send?.(message);
  }
}

const parentPort = new ParentPort();
process.on('message', (data: unknown) => {
  parentPort.emit('message', { data, ports: [] });
});
process.on('disconnect', () => {
  process.exit(1);
});
Object.defineProperty(process, 'parentPort', { value: parentPort });
