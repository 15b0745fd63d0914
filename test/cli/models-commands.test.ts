// lumen models as a user runs it, in a private app-data folder: the catalogue listing, importing a
// model folder, choosing it so other commands need no --model, and clear failures offline.

import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatePhotoFolder } from '../../scripts/shapes/photo-folder.js';
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
    // On CPU the image encoder runs in full precision and the text encoder quantised, as with --model.
    expect(JSON.parse(info.stdout)).toMatchObject({ precision: { vision: 'fp32', text: 'quantized' } });
  });

  it('a library indexed with --model searches the same after models use; another variant says to index', async () => {
    const dir = tempDir();
    const photos = join(dir, 'photos');
    await generatePhotoFolder(photos, { count: 6, seed: 4 });
    const db = ['--db', join(dir, 'library.sqlite')];
    const indexed = await lumen('index', photos, '--model', TEST_MODEL_DIR, ...db);
    expect(indexed.code, indexed.stderr).toBe(0);
    // The model chosen with `models use` (previous test) is the same folder at the same defaults.
    const found = await lumen('search', 'a photo of a star', ...db, '--all', '--limit', '6');
    expect(found.code, found.stderr).toBe(0);
    expect(found.stdout.trim().split('\n')).toHaveLength(6);
    // A variant the photos were not indexed with: no silent empty list.
    expect((await lumen('models', 'use', 'shapes', '--variant', 'quantized')).code).toBe(0);
    const other = await lumen('search', 'a photo of a star', ...db);
    expect(other.code).toBe(1);
    expect(other.stdout).toBe('');
    expect(other.stderr).toMatch(/0 of 6 photos indexed for .* \(quantized\): run lumen index/);
    expect((await lumen('models', 'use', 'shapes')).code).toBe(0);
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
