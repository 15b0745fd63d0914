// lumen models as a user runs it, in a private app-data folder: the catalogue listing, importing a
// model folder, choosing it so other commands need no --model, and clear failures offline.

import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEST_MODEL_DIR } from '../support/paths.js';
import { tempDir } from '../support/temp.js';
import { lumen } from './run-lumen.js';

/** A local port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return port;
}

describe('models commands', () => {
  const root = join(tempDir(), 'models');

  it('list --json gives every catalogue model with its repository, none present yet', async () => {
    const r = await lumen('models', 'list', '--root', root, '--json');
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as {
      id: string;
      repository: string;
      present: boolean;
      default: boolean;
    }[];
    expect(list.find((m) => m.default)).toMatchObject({
      id: 'clip-vit-base-patch32',
      repository: 'Xenova/clip-vit-base-patch32',
      present: false,
    });
    expect(list.map((m) => m.id)).toEqual(
      expect.arrayContaining(['clip-vit-base-patch16', 'clip-vit-large-patch14']),
    );
  });

  it('import validates and copies a folder; use makes it the model commands open', async () => {
    // The default cache: this test process's private app-data folder (see run-lumen.ts).
    expect((await lumen('models', 'import', tempDir())).code).toBe(1);
    const r = await lumen('models', 'import', TEST_MODEL_DIR, '--id', 'shapes', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      id: 'shapes',
      variants: expect.arrayContaining(['fp32', 'quantized']) as string[],
    });
    const list = JSON.parse((await lumen('models', 'list', '--json')).stdout) as {
      id: string;
      present: boolean;
    }[];
    expect(list.find((m) => m.id === 'shapes')).toMatchObject({ present: true });
    expect((await lumen('models', 'use', 'nothing-here')).code).toBe(2);
    expect((await lumen('models', 'use', 'shapes')).code).toBe(0);
    const info = await lumen('info', '--json');
    expect(info.code, info.stderr).toBe(0);
    // Quantised by default on CPU.
    expect(JSON.parse(info.stdout)).toMatchObject({ precision: { vision: 'quantized', text: 'quantized' } });
  });

  it('download says clearly when the hub cannot be reached, and places nothing', async () => {
    const port = await closedPort();
    const r = await lumen('models', 'download', '--root', root, '--hub', `http://127.0.0.1:${port}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach 127\.0\.0\.1/);
    const list = JSON.parse((await lumen('models', 'list', '--root', root, '--json')).stdout) as {
      id: string;
      present: boolean;
    }[];
    expect(list.find((m) => m.id === 'clip-vit-base-patch32')?.present).toBe(false);
    expect((await lumen('models', 'download', 'no-such-model', '--root', root)).code).toBe(2);
  });
});
