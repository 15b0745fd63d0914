// Loaded with --import (after tsx) in the process that runs the app's compiled main: resolves the
// bare specifier 'electron' to the fake (./electron.ts), through the next hooks (tsx's, so that it is
// compiled), and everything else as usual.

import { register } from 'node:module';

const FAKE = new URL('./electron.ts', import.meta.url).href;
const hooks = `
export async function resolve(specifier, context, next) {
  return next(specifier === 'electron' ? ${JSON.stringify(FAKE)} : specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
