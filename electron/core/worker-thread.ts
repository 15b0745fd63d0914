// Starts a worker thread on one of core's modules, given the URL of its compiled .js sibling. The
// built app and `lumen` from dist run that file. Run from the TypeScript sources (tests, `npx tsx`),
// there is no .js: the worker then registers tsx's loader first and imports the .ts module.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export function startWorker(jsUrl: URL): Worker {
  // None of this process's Node flags: a worker would inherit them (and run every --import again).
  if (existsSync(fileURLToPath(jsUrl))) return new Worker(jsUrl, { execArgv: [] });
  const tsUrl = new URL(jsUrl.href.replace(/\.js$/, '.ts'));
  const loader = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(loader)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(tsUrl.href)}); })`;
  return new Worker(boot, { eval: true, execArgv: [] });
}
