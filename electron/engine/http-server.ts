// `lumen serve`: the engine over HTTP for the browser UI. POST /api/<method> with a JSON body runs one
// contract method (validated on arrival, like IPC in the app); GET /api/events streams the engine's
// events as server-sent events; GET /media/thumb/<id> and /media/photo/<id> serve images after the
// media path checks; everything else serves the built renderer. It listens on 127.0.0.1 by default;
// any other address needs a token, checked on every request (header, or ?token= for media and events
// that a browser requests by URL). On loopback the Host header must name loopback too, which stops DNS
// rebinding from turning a web page into a client of the user's library. POST /api/upload-image takes
// an image's bytes (search by an image the browser holds) into a private temporary folder and answers
// its path for search.image; the folder keeps the last few uploads and goes when the server closes.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, realpathSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { ApiError, EVENTS, parseRequest, type EventName } from '../shared/api.js';
import type { Library } from '../core/library/library.js';
import type { Engine } from './engine.js';
import { isInside, parseMediaPath, resolveMedia } from './media-paths.js';

/**
 * What the server serves: an Engine, or the EngineHolder around one (which may have no library yet,
 * on a first run). Media URLs need the library; while there is none they answer 404.
 */
export interface ServedEngine {
  call: Engine['call'];
  on: Engine['on'];
  readonly library: Library | null;
}

export interface ServeOptions {
  engine: ServedEngine;
  host?: string;
  port?: number;
  token?: string | null;
  /** The built renderer (index.html and its assets); null serves the API only. */
  rendererDir?: string | null;
}

export interface RunningServer {
  url: string;
  server: Server;
  close: () => Promise<void>;
}

const MAX_BODY = 1 << 20;
/** The largest image /api/upload-image takes. */
export const MAX_UPLOAD = 50 * 1024 * 1024;
/** Uploads kept on disk; older ones are deleted as new ones arrive. */
export const KEPT_UPLOADS = 20;
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export class ServeConfigError extends Error {
  override readonly name = 'ServeConfigError';
}

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

/** Binding beyond this machine without a token would hand the library to the whole network. */
export function checkServeConfig(host: string, token: string | null | undefined): void {
  if (!isLoopback(host) && !token)
    throw new ServeConfigError(
      `binding to ${host} exposes your library to the network: give a --token (16+ characters)`,
    );
  if (token && token.length < 16) throw new ServeConfigError('the token must be at least 16 characters');
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(json);
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ApiError('bad-request', 'request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text ? (JSON.parse(text) as unknown) : {});
      } catch {
        reject(new ApiError('bad-request', 'the body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

/** The raw body, or null when it grows past `max` (reading stops; the caller answers and closes). */
function readRaw(req: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size <= max) {
        chunks.push(c);
        return;
      }
      req.off('data', onData);
      req.pause();
      resolve(null);
    };
    req.on('data', onData);
    req.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

const UPLOAD_EXTENSIONS: Record<string, string> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/webp': '.webp',
  'image/gif': '.gif',
  'image/tiff': '.tif',
  'image/avif': '.avif',
  'image/heic': '.heic',
  'image/heif': '.heif',
  'image/bmp': '.bmp',
};

/** Uploaded images: a private folder (0700) made on first use, files 0600 under random names. */
class UploadFolder {
  private dir: Promise<string> | null = null;
  private readonly files: string[] = [];
  private made: string | null = null;

  async save(bytes: Buffer, type: string): Promise<string> {
    this.dir ??= mkdtemp(join(tmpdir(), 'lumen-upload-')).then((d) => (this.made = d));
    const dir = await this.dir;
    const path = join(dir, randomBytes(16).toString('hex') + (UPLOAD_EXTENSIONS[type] ?? ''));
    await writeFile(path, bytes, { mode: 0o600, flag: 'wx' });
    this.files.push(path);
    for (const old of this.files.splice(0, Math.max(0, this.files.length - KEPT_UPLOADS)))
      await rm(old, { force: true });
    return path;
  }

  removeAll(): void {
    if (this.made) rmSync(this.made, { recursive: true, force: true });
  }
}

const STATUS = { 'bad-request': 400, 'not-found': 404, failed: 500 } as const;

const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const CSP =
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

function serveFile(
  res: ServerResponse,
  path: string,
  type: string,
  extra: Record<string, string> = {},
): void {
  const size = statSync(path).size;
  res.writeHead(200, {
    'content-type': type,
    'content-length': String(size),
    'x-content-type-options': 'nosniff',
    ...extra,
  });
  createReadStream(path).pipe(res);
}

export function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? null;
  checkServeConfig(host, token);
  const { engine } = options;
  const renderer =
    options.rendererDir && existsSync(options.rendererDir) ? realpathSync(options.rendererDir) : null;
  const uploads = new UploadFolder();

  const upload = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!/^image\/[a-z0-9.+-]+$/.test(type)) {
      send(res, 415, {
        error: { code: 'bad-request', message: 'send the image bytes with an image/* content type' },
      });
      return;
    }
    const tooLarge = (): void => {
      res.setHeader('connection', 'close');
      send(res, 413, { error: { code: 'bad-request', message: 'the image is larger than 50 MB' } });
      res.on('finish', () => req.destroy());
    };
    if (Number(req.headers['content-length'] ?? 0) > MAX_UPLOAD) {
      tooLarge();
      return;
    }
    const bytes = await readRaw(req, MAX_UPLOAD);
    if (!bytes) {
      tooLarge();
      return;
    }
    if (!bytes.length) {
      send(res, 400, { error: { code: 'bad-request', message: 'the body is empty: send the image bytes' } });
      return;
    }
    const path = await uploads.save(bytes, type);
    // Like every /api answer, under result (and at the top level, for the simplest clients).
    send(res, 200, { result: { path }, path });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (isLoopback(host)) {
      const hostname = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
      if (!isLoopback(hostname)) {
        send(res, 403, { error: { code: 'forbidden', message: 'wrong Host header' } });
        return;
      }
    }
    if (token) {
      const header = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
      const given = header || url.searchParams.get('token') || '';
      if (!sameToken(given, token)) {
        send(res, 401, { error: { code: 'unauthorized', message: 'a valid token is required' } });
        return;
      }
    }
    if (url.pathname.startsWith('/api/')) {
      if (url.pathname === '/api/upload-image' && req.method === 'POST') {
        await upload(req, res);
        return;
      }
      if (url.pathname === '/api/events' && req.method === 'GET') {
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-store',
          connection: 'keep-alive',
        });
        res.write(': connected\n\n');
        const stops = (Object.keys(EVENTS) as EventName[]).map((name) =>
          engine.on(name, (data) => {
            res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
          }),
        );
        req.on('close', () => {
          for (const stop of stops) stop();
        });
        return;
      }
      if (req.method !== 'POST') {
        send(res, 405, { error: { code: 'bad-request', message: 'use POST for API methods' } });
        return;
      }
      try {
        const { method, params } = parseRequest(
          decodeURIComponent(url.pathname.slice(5)),
          await readBody(req),
        );
        send(res, 200, { result: await engine.call(method, params as never) });
      } catch (err) {
        const e =
          err instanceof ApiError
            ? err
            : new ApiError('failed', err instanceof Error ? err.message : String(err));
        send(res, STATUS[e.code], { error: { code: e.code, message: e.message } });
      }
      return;
    }
    if (url.pathname.startsWith('/media/')) {
      const media = parseMediaPath(url.pathname.slice(6));
      const { library } = engine;
      const file = media && library && resolveMedia(library, media.kind, media.id);
      if (!file) {
        send(res, 404, { error: { code: 'not-found', message: 'no such image' } });
        return;
      }
      serveFile(res, file.path, file.contentType, { 'cache-control': 'private, max-age=3600' });
      return;
    }
    if (!renderer) {
      send(res, 404, {
        error: { code: 'not-found', message: 'the UI is not built; the API is at /api/<method>' },
      });
      return;
    }
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^[/\\]+/, '');
    let path = join(renderer, rel || 'index.html');
    if (!existsSync(path) || statSync(path).isDirectory()) path = join(renderer, 'index.html');
    const realPath = realpathSync(path);
    if (!isInside(renderer, realPath)) {
      send(res, 404, { error: { code: 'not-found', message: 'not found' } });
      return;
    }
    serveFile(res, realPath, STATIC_TYPES[extname(realPath)] ?? 'application/octet-stream', {
      'content-security-policy': CSP,
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        send(res, 500, {
          error: { code: 'failed', message: err instanceof Error ? err.message : String(err) },
        });
      else res.end();
    });
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      const { port } = server.address() as AddressInfo;
      const shown = host.includes(':') ? `[${host}]` : host;
      resolvePromise({
        url: `http://${shown}:${port}`,
        server,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => {
              uploads.removeAll();
              r();
            });
          }),
      });
    });
  });
}
