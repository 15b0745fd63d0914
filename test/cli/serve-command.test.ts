// lumen serve on a port something else already holds: one line that says so and what to try, exit 1,
// no stack trace, and no library created for a server that never started.

import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_MODEL_DIR } from '../support/paths.js';
import { tempDir } from '../support/temp.js';
import { lumen } from './run-lumen.js';

describe('lumen serve', () => {
  let taken: Server;
  let port = 0;

  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    port = (taken.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) =>
      taken.close(() => {
        resolve();
      }),
    );
  });

  it('says a busy port is busy, before it opens or creates anything', async () => {
    const db = join(tempDir(), 'library.sqlite');
    const r = await lumen('serve', '--port', String(port), '--db', db, '--model', TEST_MODEL_DIR);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `lumen serve: port ${port} is in use: try --port ${port + 1} (or stop what uses it)\n`,
    );
    expect(existsSync(db)).toBe(false);
  });
});
