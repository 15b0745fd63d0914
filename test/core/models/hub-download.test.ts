// Downloading a model from a hub: against a local fake of the Hugging Face Hub, with failures injected.
// Every case checks that nothing half-downloaded ever appears at <root>/<id>.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModelFolder } from '../../../electron/core/clip/model-folder.js';
import {
  DiskFullError,
  DownloadCancelledError,
  HubHttpError,
  IntegrityError,
  OfflineError,
} from '../../../electron/core/models/errors.js';
import {
  downloadModel,
  resolveUrl,
  type DownloadProgress,
} from '../../../electron/core/models/hub-download.js';
import { nodeFileLayer, readManifest, type FileLayer } from '../../../electron/core/models/model-cache.js';
import { TEST_MODEL_DIR } from '../../support/paths.js';
import { tempDir } from '../../support/temp.js';
import { entryFor, FakeHub, hubFilesFrom, modelFilePaths, REPO, REVISION, type HubFile } from './fake-hub.js';

const FAST = { retries: 3, retryDelayMs: 5, timeoutMs: 5000 };

let files: HubFile[];
let hub: FakeHub;

beforeAll(async () => {
  files = hubFilesFrom(TEST_MODEL_DIR, modelFilePaths(TEST_MODEL_DIR));
  hub = await FakeHub.start(files);
});

afterAll(async () => {
  await hub.close();
});

/** A fresh cache root, a fresh fault set and request log. */
function fresh(): string {
  hub.requests.length = 0;
  hub.faults.dropAfter.clear();
  hub.faults.corrupt.clear();
  hub.faults.wrongHash.clear();
  hub.faults.status.clear();
  hub.faults.ignoreRange = false;
  return tempDir('lumen-hub-');
}

const source = (path: string): Buffer => readFileSync(join(TEST_MODEL_DIR, path));
const sizeOf = (paths: string[]): number => paths.reduce((s, p) => s + source(p).length, 0);
const CONFIGS = ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json'];
const QUANTIZED = ['onnx/vision_model_quantized.onnx', 'onnx/text_model_quantized.onnx'];

function stagingDirs(root: string): string[] {
  const inc = join(root, '.incoming');
  return existsSync(inc) ? readdirSync(inc).filter((n) => !n.endsWith('.lock')) : [];
}

describe('downloadModel', () => {
  it('uses the hub URL scheme <base>/<repo>/resolve/<revision>/<path>', () => {
    expect(
      resolveUrl('https://huggingface.co/', 'Xenova/clip-vit-base-patch32', 'main', 'onnx/a b.onnx'),
    ).toBe('https://huggingface.co/Xenova/clip-vit-base-patch32/resolve/main/onnx/a%20b.onnx');
  });

  it('downloads a variant, verifies every file, reports progress to the total and places a loadable folder', async () => {
    const root = fresh();
    const events: DownloadProgress[] = [];
    const result = await downloadModel(entryFor(files), 'quantized', {
      ...FAST,
      root,
      hubUrl: hub.url,
      onProgress: (p) => events.push(p),
    });
    expect(result).toMatchObject({ id: 'shapes-clip', variant: 'quantized', alreadyInstalled: false });
    expect(result.dir).toBe(join(root, 'shapes-clip'));
    expect(result.downloadedBytes).toBe(sizeOf([...CONFIGS, ...QUANTIZED]));

    const spec = readModelFolder(result.dir);
    expect(Object.keys(spec.vision.variants)).toEqual(['quantized']);
    for (const p of [...CONFIGS, ...QUANTIZED])
      expect(readFileSync(join(result.dir, p)).equals(source(p))).toBe(true);
    expect(existsSync(join(result.dir, 'onnx', 'vision_model.onnx'))).toBe(false);

    const last = events.at(-1);
    expect(last?.phase).toBe('done');
    const total = sizeOf([...CONFIGS, ...QUANTIZED]);
    expect(events.some((e) => e.phase === 'downloading' && e.total === total)).toBe(true);
    expect(Math.max(...events.map((e) => e.bytes))).toBe(total);
    expect(
      events.some((e) => e.file === 'onnx/vision_model_quantized.onnx' && e.fileBytes === e.fileTotal),
    ).toBe(true);

    // The LFS graphs came through the redirect to the CDN, the configs straight from resolve.
    expect(hub.requestsFor('onnx/vision_model_quantized.onnx', 'GET').map((r) => r.url)).toEqual([
      `/${REPO}/resolve/${REVISION}/onnx/vision_model_quantized.onnx`,
      `/cdn/${files.find((f) => f.path === 'onnx/vision_model_quantized.onnx')?.sha256 ?? ''}`,
    ]);
    expect(readManifest(result.dir)).toMatchObject({
      source: 'hub',
      repo: REPO,
      revision: REVISION,
      variants: ['quantized'],
    });
    expect(stagingDirs(root)).toEqual([]);

    // Asking again costs no request; adding a variant keeps the first and reuses the configs.
    hub.requests.length = 0;
    const again = await downloadModel(entryFor(files), 'quantized', { ...FAST, root, hubUrl: hub.url });
    expect(again.alreadyInstalled).toBe(true);
    expect(hub.requests).toEqual([]);
    await downloadModel(entryFor(files), 'fp16', { ...FAST, root, hubUrl: hub.url });
    expect(hub.requestsFor('config.json')).toEqual([]);
    expect(Object.keys(readModelFolder(result.dir).vision.variants).sort()).toEqual(['fp16', 'quantized']);
    expect(readManifest(result.dir)?.variants).toEqual(['fp16', 'quantized']);
    expect(stagingDirs(root)).toEqual([]);
  });

  it('resumes a dropped connection with a Range request and ends with the exact file', async () => {
    const root = fresh();
    const path = 'onnx/vision_model_quantized.onnx';
    hub.faults.dropAfter.set(path, 300_000);
    const result = await downloadModel(entryFor(files), 'quantized', { ...FAST, root, hubUrl: hub.url });
    const cdn = hub.requestsFor(path, 'GET').filter((r) => r.url.startsWith('/cdn/'));
    expect(cdn).toHaveLength(2);
    expect(cdn[0]?.range).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(cdn[1]?.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(300_000);
    expect(readFileSync(join(result.dir, path)).equals(source(path))).toBe(true);
    readModelFolder(result.dir);
  });

  it('starts the file over when the server ignores the Range request', async () => {
    const root = fresh();
    const path = 'onnx/text_model_quantized.onnx';
    hub.faults.dropAfter.set(path, 200_000);
    hub.faults.ignoreRange = true;
    const result = await downloadModel(entryFor(files), 'quantized', { ...FAST, root, hubUrl: hub.url });
    expect(readFileSync(join(result.dir, path)).equals(source(path))).toBe(true);
  });

  it('rejects a corrupted file (right length, wrong bytes) naming it, and places nothing', async () => {
    const root = fresh();
    const path = 'onnx/text_model_quantized.onnx';
    hub.faults.corrupt.add(path);
    const err = await downloadModel(entryFor(files), 'quantized', { ...FAST, root, hubUrl: hub.url }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).file).toBe(path);
    expect((err as Error).message).toMatch(/onnx\/text_model_quantized\.onnx: SHA-256 mismatch/);
    expect(existsSync(join(root, 'shapes-clip'))).toBe(false);
    const leftovers = stagingDirs(root).flatMap((d) => {
      const onnx = join(root, '.incoming', d, 'onnx');
      return existsSync(onnx) ? readdirSync(onnx) : [];
    });
    expect(leftovers).not.toContain('text_model_quantized.onnx.part');
    expect(leftovers).not.toContain('text_model_quantized.onnx');
  });

  it('rejects a file whose published hash is wrong, and a hub hash that contradicts the catalogue', async () => {
    const root = fresh();
    hub.faults.wrongHash.add('onnx/vision_model_quantized.onnx');
    await expect(
      downloadModel(entryFor(files), 'quantized', { ...FAST, root, hubUrl: hub.url }),
    ).rejects.toThrow(/onnx\/vision_model_quantized\.onnx: SHA-256 mismatch \(expected f{64}/);
    expect(existsSync(join(root, 'shapes-clip'))).toBe(false);

    hub.faults.wrongHash.clear();
    const pinned = entryFor(files);
    const graph = pinned.variants.quantized?.[0];
    if (!graph) throw new Error('no graph');
    graph.sha256 = 'a'.repeat(64);
    await expect(
      downloadModel(pinned, 'quantized', { ...FAST, root: fresh(), hubUrl: hub.url }),
    ).rejects.toThrow(/published SHA-256 \(catalogue vs hub\) mismatch/);
    expect(hub.requests.some((r) => r.url.startsWith('/cdn/'))).toBe(false);
  });

  it('gives a clear error for a persistent server error, and retries a passing one', async () => {
    const root = fresh();
    hub.faults.status.set('config.json', { code: 500, times: Infinity });
    const err = await downloadModel(entryFor(files), 'quantized', { ...FAST, root, hubUrl: hub.url }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HubHttpError);
    expect((err as HubHttpError).status).toBe(500);
    expect((err as Error).message).toMatch(
      /^config\.json: the hub answered HTTP 500 .*still failing after 4 attempts/,
    );
    expect(hub.requestsFor('config.json', 'HEAD')).toHaveLength(4);
    expect(existsSync(join(root, 'shapes-clip'))).toBe(false);

    hub.faults.status.set('onnx/vision_model_quantized.onnx', { code: 503, times: 1 });
    hub.faults.status.delete('config.json');
    hub.requests.length = 0;
    const result = await downloadModel(entryFor(files), 'quantized', { ...FAST, root, hubUrl: hub.url });
    expect(hub.requestsFor('onnx/vision_model_quantized.onnx', 'HEAD')).toHaveLength(2);
    readModelFolder(result.dir);
  });

  it('does not retry a missing file', async () => {
    const root = fresh();
    const entry = entryFor(files, { revision: 'f'.repeat(40) });
    const err = await downloadModel(entry, 'quantized', { ...FAST, root, hubUrl: hub.url }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HubHttpError);
    expect((err as Error).message).toMatch(
      /HTTP 404 .*not found at revision f{40} of lumen-test\/shapes-clip/,
    );
    expect(hub.requests).toHaveLength(1);
  });

  it('reports a full disk, removes every partial file and places nothing', async () => {
    const root = fresh();
    let written = 0;
    const fullAfter = 1_000_000;
    const layer: FileLayer = {
      async openSink(path, append) {
        const sink = await nodeFileLayer.openSink(path, append);
        return {
          async write(chunk) {
            if (written + chunk.byteLength > fullAfter) {
              throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
            }
            written += chunk.byteLength;
            await sink.write(chunk);
          },
          close: () => sink.close(),
        };
      },
    };
    const err = await downloadModel(entryFor(files), 'quantized', {
      ...FAST,
      root,
      hubUrl: hub.url,
      files: layer,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiskFullError);
    expect((err as Error).message).toMatch(/not enough disk space in .*ENOSPC while writing onnx\//);
    expect(existsSync(join(root, 'shapes-clip'))).toBe(false);
    expect(stagingDirs(root)).toEqual([]);
  });

  it('says clearly when the hub cannot be reached', async () => {
    const root = fresh();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    // Default retry delays: being offline must be reported in seconds, not after a full backoff.
    const started = Date.now();
    const err = await downloadModel(entryFor(files), 'quantized', {
      root,
      hubUrl: `http://127.0.0.1:${port}`,
    }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(err).toBeInstanceOf(OfflineError);
    expect((err as Error).message).toMatch(
      new RegExp(`^cannot reach 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`),
    );
    expect((err as Error).message).toMatch(/offline/);
    expect(existsSync(join(root, 'shapes-clip'))).toBe(false);
  });

  it('stops on cancellation without placing anything, and a later run resumes', async () => {
    const root = fresh();
    const controller = new AbortController();
    const err = await downloadModel(entryFor(files), 'quantized', {
      ...FAST,
      root,
      hubUrl: hub.url,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.file === 'onnx/vision_model_quantized.onnx' && p.fileBytes > 0) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadCancelledError);
    expect((err as Error).name).toBe('AbortError');
    expect(existsSync(join(root, 'shapes-clip'))).toBe(false);
    expect(stagingDirs(root)).toHaveLength(1);

    hub.requests.length = 0;
    const result = await downloadModel(entryFor(files), 'quantized', { ...FAST, root, hubUrl: hub.url });
    expect(hub.requestsFor('config.json')).toEqual([]); // finished before the cancel: kept
    const resumed = hub
      .requestsFor('onnx/vision_model_quantized.onnx', 'GET')
      .find((r) => r.url.startsWith('/cdn/'));
    expect(resumed?.range).toMatch(/^bytes=[1-9]\d*-$/);
    for (const p of [...CONFIGS, ...QUANTIZED])
      expect(readFileSync(join(result.dir, p)).equals(source(p))).toBe(true);
    expect(stagingDirs(root)).toEqual([]);
  });
});
