// `lumen serve`: the engine over HTTP for the browser UI. POST /api/<method> with a JSON body runs one
// contract method (validated on arrival, like IPC in the app); GET /api/events streams the engine's
// events as server-sent events; GET /media/thumb/<id> and /media/photo/<id> serve images after the
// media path checks; POST /api/upload-image streams an image into the library's uploads (upload-store.ts)
// and answers its id for search.image; everything else serves the built renderer.
//
// Who may ask (request-guard.ts): it listens on 127.0.0.1 by default, where the Host header must name
// loopback exactly (DNS rebinding); requests a page on another site made are refused by Sec-Fetch-Site
// and Origin, and API calls must be JSON, so no form or cross-site fetch can change the library. Any
// other address needs a token: the address `lumen serve` prints carries it once (?token=), which sets an
// HttpOnly, SameSite=Strict cookie and redirects to the same page without it; after that the browser
// sends the cookie, and other clients send "Authorization: Bearer". The query string is never accepted
// for the API. Answers carry nosniff; media carry Cross-Origin-Resource-Policy: same-origin and a
// sandbox CSP. Uploads stream to disk, a few at a time; event streams are capped.

import { timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { UploadError, UploadStore, UploadTooLargeError } from '../core/library/upload-store.js';
import { ApiError, EVENTS, parseRequest, type EventName } from '../shared/api.js';
import type { Library } from '../core/library/library.js';
import type { Engine } from './engine.js';
import { isInside, parseMediaPath, resolveMedia } from './media-paths.js';
import { crossSiteReason, hostHeaderName, isJsonContentType, isLoopback } from './request-guard.js';

export { isLoopback } from './request-guard.js';

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
/** Uploads received at once; more wait for none, they are refused (503) and may be retried. */
export const MAX_CONCURRENT_UPLOADS = 4;
/** Event streams open at once (a UI tab holds one). */
export const MAX_EVENT_STREAMS = 16;
/** The cookie a token visit sets. */
export const TOKEN_COOKIE = 'lumen_token';

export class ServeConfigError extends Error {
  override readonly name = 'ServeConfigError';
}

/** Binding beyond this machine without a token would hand the library to the whole network. */
export function checkServeConfig(host: string, token: string | null | undefined): void {
  if (!isLoopback(host) && !token)
    throw new ServeConfigError(
      `binding to ${host} exposes your library to the network: give a token (16+ characters) in $LUMEN_TOKEN`,
    );
  if (token && token.length < 16) throw new ServeConfigError('the token must be at least 16 characters');
  if (token && !/^[\x21-\x7e]+$/.test(token))
    throw new ServeConfigError('the token must be printable ASCII without spaces');
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token a request carries: the bearer header, or the cookie a token visit set. */
function givenToken(req: IncomingMessage): string {
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (bearer) return bearer;
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === TOKEN_COOKIE) {
      try {
        return decodeURIComponent(value.join('='));
      } catch {
        return '';
      }
    }
  }
  return '';
}

const NOSNIFF = { 'x-content-type-options': 'nosniff' };

function send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...NOSNIFF,
    ...extra,
  });
  res.end(json);
}

const refuse = (res: ServerResponse, status: number, code: string, message: string): void => {
  send(res, status, { error: { code, message } });
};

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
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Media are images to show on our own pages only: never embedded elsewhere, never run as a document. */
const MEDIA_HEADERS = {
  'cross-origin-resource-policy': 'same-origin',
  'content-security-policy': "default-src 'none'; sandbox",
  'cache-control': 'private, max-age=3600',
};

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
    ...NOSNIFF,
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
  let uploading = 0;
  let streams = 0;

  const upload = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const extension = UploadStore.extensionForType(req.headers['content-type'] ?? '');
    if (!extension) {
      refuse(res, 415, 'bad-request', 'send the image bytes with an image content type (image/jpeg, ...)');
      return;
    }
    const tooLarge = (): void => {
      res.setHeader('connection', 'close');
      refuse(res, 413, 'bad-request', 'the image is larger than 50 MB');
      res.on('finish', () => req.destroy());
    };
    if (Number(req.headers['content-length'] ?? 0) > MAX_UPLOAD) {
      tooLarge();
      return;
    }
    const { library } = engine;
    if (!library) {
      refuse(res, 503, 'failed', 'no library yet: download a model first');
      return;
    }
    if (uploading >= MAX_CONCURRENT_UPLOADS) {
      res.setHeader('retry-after', '1');
      res.setHeader('connection', 'close');
      refuse(res, 503, 'failed', 'too many uploads at once: try again in a moment');
      res.on('finish', () => req.destroy());
      return;
    }
    uploading++;
    try {
      const id = await library.uploads.receive(req, extension, MAX_UPLOAD);
      send(res, 200, { result: { upload: id } });
    } catch (err) {
      if (err instanceof UploadTooLargeError) tooLarge();
      else if (err instanceof UploadError) refuse(res, 400, 'bad-request', err.message);
      else throw err;
    } finally {
      uploading--;
    }
  };

  const events = (req: IncomingMessage, res: ServerResponse): void => {
    if (streams >= MAX_EVENT_STREAMS) {
      refuse(res, 503, 'failed', `at most ${MAX_EVENT_STREAMS} event streams at once`);
      return;
    }
    streams++;
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      ...NOSNIFF,
    });
    res.write(': connected\n\n');
    const stops = (Object.keys(EVENTS) as EventName[]).map((name) =>
      engine.on(name, (data) => {
        res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
      }),
    );
    req.on('close', () => {
      streams--;
      for (const stop of stops) stop();
    });
  };

  const api = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    if (url.pathname === '/api/upload-image' && req.method === 'POST') {
      await upload(req, res);
      return;
    }
    if (url.pathname === '/api/events' && req.method === 'GET') {
      events(req, res);
      return;
    }
    if (req.method !== 'POST') {
      refuse(res, 405, 'bad-request', 'use POST for API methods');
      return;
    }
    // JSON only: a form or a "simple" cross-site request cannot send it without a CORS preflight.
    if (!isJsonContentType(req.headers['content-type'])) {
      refuse(res, 415, 'bad-request', 'API calls are JSON: send Content-Type: application/json');
      return;
    }
    try {
      const { method, params } = parseRequest(decodeURIComponent(url.pathname.slice(5)), await readBody(req));
      send(res, 200, { result: await engine.call(method, params as never) });
    } catch (err) {
      const e =
        err instanceof ApiError
          ? err
          : new ApiError('failed', err instanceof Error ? err.message : String(err));
      send(res, STATUS[e.code], { error: { code: e.code, message: e.message } });
    }
  };

  const page = (res: ServerResponse, url: URL): void => {
    if (!renderer) {
      refuse(res, 404, 'not-found', 'the UI is not built; the API is at /api/<method>');
      return;
    }
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^[/\\]+/, '');
    let path = join(renderer, rel || 'index.html');
    if (!existsSync(path) || statSync(path).isDirectory()) path = join(renderer, 'index.html');
    const realPath = realpathSync(path);
    if (!isInside(renderer, realPath)) {
      refuse(res, 404, 'not-found', 'not found');
      return;
    }
    serveFile(res, realPath, STATIC_TYPES[extname(realPath)] ?? 'application/octet-stream', {
      'content-security-policy': CSP,
      'referrer-policy': 'no-referrer',
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const hostname = hostHeaderName(req.headers.host);
    if (hostname === null || (isLoopback(host) && !isLoopback(hostname))) {
      refuse(res, 403, 'forbidden', 'wrong Host header');
      return;
    }
    const isApi = url.pathname.startsWith('/api/');
    const isMedia = url.pathname.startsWith('/media/');
    if (isApi || isMedia) {
      const why = crossSiteReason(req.headers, `http://${req.headers.host ?? ''}`);
      if (why) {
        refuse(res, 403, 'forbidden', why);
        return;
      }
    }
    if (token) {
      // The address lumen serve prints: the token once in the query. It becomes a cookie, and the
      // page is asked for again without it, so it stays out of history, bookmarks and Referer.
      const fromQuery = url.searchParams.get('token');
      if (fromQuery !== null && !isApi && !isMedia && req.method === 'GET') {
        if (!sameToken(fromQuery, token)) {
          refuse(res, 401, 'unauthorized', 'this token is not the one lumen serve was started with');
          return;
        }
        url.searchParams.delete('token');
        res.writeHead(303, {
          location: `${url.pathname}${url.search}`,
          'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
          'cache-control': 'no-store',
          'referrer-policy': 'no-referrer',
        });
        res.end();
        return;
      }
      if (!sameToken(givenToken(req), token)) {
        refuse(res, 401, 'unauthorized', 'a valid token is required: open the address lumen serve printed');
        return;
      }
    }
    if (isApi) {
      await api(req, res, url);
      return;
    }
    if (isMedia) {
      const media = parseMediaPath(url.pathname.slice(6));
      const { library } = engine;
      const file = media && library && resolveMedia(library, media.kind, media.id);
      if (!file) {
        refuse(res, 404, 'not-found', 'no such image');
        return;
      }
      serveFile(res, file.path, file.contentType, MEDIA_HEADERS);
      return;
    }
    page(res, url);
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
              r();
            });
          }),
      });
    });
  });
}
