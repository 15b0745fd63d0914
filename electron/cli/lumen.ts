#!/usr/bin/env node
// The `lumen` executable (package.json bin): runs the CLI and exits with its code.

import { main } from './main.js';

// A reader that stops early (`lumen search ... | head`) closes the pipe: that ends the output, it is not
// an error worth a stack trace. Anything else on the streams still is.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
}

process.exitCode = await main(process.argv.slice(2));
