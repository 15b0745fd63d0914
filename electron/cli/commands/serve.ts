// lumen serve: the library in a browser. Runs the engine and serves the API, its events and the
// built UI over HTTP, on 127.0.0.1 unless told otherwise (then only with a token, best given in
// $LUMEN_TOKEN: a --token is visible to every user of the machine in the process list).

import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../core/package-root.js';
import { EngineHolder } from '../../engine/engine-host.js';
import { checkServeConfig, ServeConfigError, startServer } from '../../engine/http-server.js';
import { CliError, usageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { LIBRARY_HELP, LIBRARY_OPTIONS, openLibrary } from '../library-options.js';
import { configuredModel } from '../model-options.js';

/** A listen error in a sentence, or null when it is not one a user can act on. */
function portError(e: unknown, host: string, port: number): CliError | null {
  const code = (e as { code?: string }).code;
  if (code === 'EADDRINUSE')
    return new CliError(
      `port ${port} is in use: try --port ${port === 65535 ? 8766 : port + 1} (or stop what uses it)`,
    );
  if (code === 'EACCES') return new CliError(`port ${port} needs other rights here: try --port 8765`);
  if (code === 'EADDRNOTAVAIL') return new CliError(`${host} is not an address of this machine`);
  return null;
}

/** Listens on the address for a moment, so a taken port is found before the library is opened. */
async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(port, host, () => {
      probe.close(() => {
        resolve();
      });
    });
  }).catch((e: unknown) => {
    throw portError(e, host, port) ?? e;
  });
}

export const serve: Command = {
  name: 'serve',
  summary: 'the library in a browser: the UI and the engine API over HTTP',
  help: `lumen serve [--port N] [--host ADDR] [options]

Serves the UI and the engine API (POST /api/<method>, events at /api/events,
images at /media/thumb/<id> and /media/photo/<id>) on http://127.0.0.1:8765 by
default. Only this machine can reach it there, and web pages from other sites
cannot use it (Host, Origin and Sec-Fetch-Site checks; API calls must be JSON).
Another --host (e.g. 0.0.0.0, for other devices) needs a token of 16+
characters in $LUMEN_TOKEN (or --token, which other users see in ps): open the
address it prints once per browser (the token becomes a cookie and leaves the
address bar); other clients send "Authorization: Bearer T". Ctrl-C stops.
With no model yet it starts anyway: the UI offers the download (from
$LUMEN_HUB_URL when set) and opens the library when it is done.

${LIBRARY_HELP}`,
  async run(argv, out, err) {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...LIBRARY_OPTIONS,
        port: { type: 'string' },
        host: { type: 'string' },
        token: { type: 'string' },
      },
    });
    const port = values.port === undefined ? 8765 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw usageError('--port must be 0-65535');
    const host = values.host ?? '127.0.0.1';
    const token = values.token ?? (process.env.LUMEN_TOKEN || null);
    if (values.token)
      err.write('note: --token is visible to other users in the process list; prefer $LUMEN_TOKEN\n');
    try {
      checkServeConfig(host, token);
    } catch (e) {
      if (e instanceof ServeConfigError) throw usageError(e.message);
      throw e;
    }
    // Before anything is opened or created: a port already taken is the whole answer.
    await checkPortFree(host, port);
    // Without a model (a first run) the UI and the models.* methods are served, and the library
    // opens once a model is downloaded or chosen there.
    const holder = await EngineHolder.start({
      configured: () => configuredModel(values),
      open: (model) => openLibrary(values, { choice: model, create: true }),
    });
    const running = await startServer({
      engine: holder,
      host,
      port,
      token,
      rendererDir: join(PACKAGE_ROOT, 'dist', 'renderer'),
    }).catch(async (e: unknown) => {
      await holder.close();
      throw portError(e, host, port) ?? e;
    });
    out.write(
      token
        ? `Lumen is at ${running.url} (token required): open ${running.url}/?token=${encodeURIComponent(token)} once in each browser\n`
        : `Lumen is at ${running.url}\n`,
    );
    if (!holder.engine) err.write('no model yet: download one in the UI, or run "lumen models download"\n');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    err.write('stopping\n');
    await running.close();
    await holder.close();
    return 0;
  },
};
