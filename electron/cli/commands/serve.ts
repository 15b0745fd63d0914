// lumen serve: the library in a browser. Runs the engine and serves the API, its events and the
// built UI over HTTP, on 127.0.0.1 unless told otherwise (then only with a token).

import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../core/package-root.js';
import { EngineHolder } from '../../engine/engine-host.js';
import { checkServeConfig, ServeConfigError, startServer } from '../../engine/http-server.js';
import { usageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { LIBRARY_HELP, LIBRARY_OPTIONS, openLibrary } from '../library-options.js';
import { configuredModel } from '../model-options.js';

export const serve: Command = {
  name: 'serve',
  summary: 'the library in a browser: the UI and the engine API over HTTP',
  help: `lumen serve [--port N] [--host ADDR] [--token T] [options]

Serves the UI and the engine API (POST /api/<method>, events at /api/events,
images at /media/thumb/<id> and /media/photo/<id>) on http://127.0.0.1:8765 by
default. Another --host (e.g. 0.0.0.0) needs --token (16+ characters, or
$LUMEN_TOKEN), sent as "Authorization: Bearer T" or ?token=T. Ctrl-C stops.
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
    const token = values.token ?? process.env.LUMEN_TOKEN ?? null;
    try {
      checkServeConfig(host, token);
    } catch (e) {
      if (e instanceof ServeConfigError) throw usageError(e.message);
      throw e;
    }
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
    });
    out.write(`Lumen is at ${running.url}${token ? ' (token required)' : ''}\n`);
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
