// A local stand-in for the Hugging Face Hub (node:http on 127.0.0.1, port 0), so the downloader is tested
// without leaving the machine. It speaks the hub's scheme: <repo>/resolve/<rev>/<path> answers HEAD and
// GET; LFS files (the .onnx graphs) get a 302 to /cdn/<sha256> with X-Linked-Etag and X-Linked-Size,
// small files a 200 with their git blob sha1 as ETag. The CDN honours Range (206). Faults are switched
// on per test: dropped connections, corrupted bytes, wrong published hashes, HTTP errors, a slow line.

import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { CatalogueEntry, CatalogueFile } from '../../../electron/core/models/catalogue.js';

export interface HubFile {
  path: string;
  data: Buffer;
  lfs: boolean;
  sha256: string;
  gitSha1: string;
}

export interface Faults {
  /** Per path: destroy the socket after this many body bytes, on the next CDN download only. */
  dropAfter: Map<string, number>;
  /** Paths whose bytes are replaced by other bytes of the same length. */
  corrupt: Set<string>;
  /** Paths whose published X-Linked-Etag is a wrong SHA-256. */
  wrongHash: Set<string>;
  /** Per path: answer resolve requests (HEAD or GET) with this status, `times` times. */
  status: Map<string, { code: number; times: number }>;
  /** Answer range requests with the whole file (200), as a server without Range support does. */
  ignoreRange: boolean;
  /** Send bodies in chunks of this many bytes with a pause between them (a slow connection). */
  slow: { chunkBytes: number; pauseMs: number } | null;
}

export interface LoggedRequest {
  method: string;
  url: string;
  range: string | undefined;
}

export const REVISION = '0123456789abcdef0123456789abcdef01234567';
export const REPO = 'lumen-test/shapes-clip';

/** The files of a model folder as the hub would serve them; .onnx graphs are LFS. */
export function hubFilesFrom(dir: string, paths: readonly string[]): HubFile[] {
  return paths.map((path) => {
    const data = readFileSync(join(dir, path));
    return {
      path,
      data,
      lfs: path.endsWith('.onnx'),
      sha256: createHash('sha256').update(data).digest('hex'),
      gitSha1: createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex'),
    };
  });
}

/** The shapes-clip test model's files in the layout a catalogue entry lists. */
export function modelFilePaths(dir: string): string[] {
  const configs = ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json'];
  const graphs = readdirSync(join(dir, 'onnx'))
    .filter((f) => f.endsWith('.onnx'))
    .map((f) => `onnx/${f}`);
  return [...configs, ...graphs];
}

/** A catalogue entry for the served files (fp32, fp16, quantized), without pinned checksums. */
export function entryFor(files: readonly HubFile[], overrides: Partial<CatalogueEntry> = {}): CatalogueEntry {
  const file = (f: HubFile): CatalogueFile => ({
    path: f.path,
    bytes: f.data.length,
    bytesExact: true,
    sha256: null,
  });
  const graph = (suffix: string): CatalogueFile[] =>
    files
      .filter(
        (f) => f.path === `onnx/vision_model${suffix}.onnx` || f.path === `onnx/text_model${suffix}.onnx`,
      )
      .map(file);
  return {
    id: 'shapes-clip',
    name: 'Shapes CLIP (test)',
    family: 'clip',
    repo: REPO,
    revision: REVISION,
    revisionConfirmed: true,
    default: true,
    license: 'MIT',
    embedDim: 64,
    imageSize: 64,
    languages: ['en'],
    goodFor: 'tests',
    requires: [],
    confirmed: true,
    notes: '',
    sources: [],
    files: files.filter((f) => !f.lfs).map(file),
    variants: { fp32: graph(''), fp16: graph('_fp16'), quantized: graph('_quantized') },
    ...overrides,
  };
}

export class FakeHub {
  readonly requests: LoggedRequest[] = [];
  readonly faults: Faults = {
    dropAfter: new Map(),
    corrupt: new Set(),
    wrongHash: new Set(),
    status: new Map(),
    ignoreRange: false,
    slow: null,
  };
  private readonly byPath = new Map<string, HubFile>();
  private readonly bySha = new Map<string, HubFile>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    files: readonly HubFile[],
  ) {
    for (const f of files) {
      this.byPath.set(f.path, f);
      this.bySha.set(f.sha256, f);
    }
  }

  static async start(files: readonly HubFile[]): Promise<FakeHub> {
    let hub: FakeHub | null = null;
    const server = createServer((req, res) => {
      hub?.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    hub = new FakeHub(server, `http://127.0.0.1:${port}`, files);
    return hub;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  /** Requests to a path's resolve URL or its CDN URL. */
  requestsFor(path: string, method?: string): LoggedRequest[] {
    const file = this.byPath.get(path);
    return this.requests.filter(
      (r) =>
        (method === undefined || r.method === method) &&
        (r.url.endsWith(`/resolve/${REVISION}/${path}`) ||
          (file !== undefined && r.url === `/cdn/${file.sha256}`)),
    );
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const method = req.method ?? 'GET';
    this.requests.push({ method, url, range: req.headers.range });
    const prefix = `/${REPO}/resolve/`;
    if (url.startsWith('/cdn/')) {
      this.serveCdn(url.slice('/cdn/'.length), method, req, res);
      return;
    }
    if (!url.startsWith(prefix)) {
      res.writeHead(404).end('Repository not found');
      return;
    }
    const [rev, ...rest] = url.slice(prefix.length).split('/');
    const path = rest.map(decodeURIComponent).join('/');
    const file = this.byPath.get(path);
    if (rev !== REVISION || !file) {
      res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end('Entry not found');
      return;
    }
    const status = this.faults.status.get(path);
    if (status && status.times > 0) {
      status.times--;
      res.writeHead(status.code).end('injected failure');
      return;
    }
    if (file.lfs) {
      const sha = this.faults.wrongHash.has(path) ? 'f'.repeat(64) : file.sha256;
      res
        .writeHead(302, {
          location: `${this.url}/cdn/${file.sha256}`,
          'x-linked-etag': `"${sha}"`,
          'x-linked-size': String(file.data.length),
          'x-repo-commit': REVISION,
          etag: 'W/"pointer-etag"',
        })
        .end();
      return;
    }
    this.sendBody(file, method, req, res, { etag: `"${file.gitSha1}"`, 'x-repo-commit': REVISION });
  }

  private serveCdn(sha: string, method: string, req: IncomingMessage, res: ServerResponse): void {
    const file = this.bySha.get(sha);
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    this.sendBody(file, method, req, res, {});
  }

  private sendBody(
    file: HubFile,
    method: string,
    req: IncomingMessage,
    res: ServerResponse,
    headers: Record<string, string>,
  ): void {
    let data = file.data;
    if (this.faults.corrupt.has(file.path)) data = Buffer.from(data.map((b) => b ^ 0xff));
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    let start = 0;
    if (range && !this.faults.ignoreRange) {
      start = Number(range[1]);
      if (start >= data.length) {
        res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
        return;
      }
      res.writeHead(206, {
        ...headers,
        'content-length': String(data.length - start),
        'content-range': `bytes ${start}-${data.length - 1}/${data.length}`,
        'accept-ranges': 'bytes',
      });
    } else {
      res.writeHead(200, { ...headers, 'content-length': String(data.length), 'accept-ranges': 'bytes' });
    }
    if (method === 'HEAD') {
      res.end();
      return;
    }
    const body = data.subarray(start);
    const drop = this.faults.dropAfter.get(file.path);
    if (drop !== undefined && drop < body.length) {
      this.faults.dropAfter.delete(file.path);
      // Flush part of the body, then cut the connection as a flaky network would.
      res.write(body.subarray(0, drop), () => {
        setTimeout(() => res.socket?.destroy(), 20);
      });
      return;
    }
    const slow = this.faults.slow;
    if (slow) {
      let at = 0;
      const next = (): void => {
        if (res.destroyed) return;
        if (at >= body.length) {
          res.end();
          return;
        }
        const chunk = body.subarray(at, at + slow.chunkBytes);
        at += chunk.length;
        res.write(chunk, () => setTimeout(next, slow.pauseMs));
      };
      next();
      return;
    }
    res.end(body);
  }
}
