// The lumen:// protocol: the only way the window gets files. lumen://app/<file> serves the built
// renderer (dist/renderer) and nothing else; lumen://media/thumb/<id> and lumen://media/photo/<id>
// serve a thumbnail from the cache or a photo from inside a library folder, resolved by the engine
// with the same media-paths.ts functions lumen serve uses. Photo bytes are streamed from disk by this
// handler, never sent over IPC, and the page never gets file:// access.
//
// Why main asks the engine for id -> path instead of opening its own read-only database handle: the
// engine's process owns the library (it runs the migrations and writes the folder list), so asking it
// gives the same answer resolveMedia gives over HTTP without a second SQLite connection and without
// loading better-sqlite3 - a native module built for one ABI - into the main process, which stays a
// thin shell that cannot crash on native code. The cost is one small message per image.
//
// routeProtocolRequest decides what a URL may name; handleProtocolRequest turns that into a Response.
// Both are plain functions (Request and Response are Node globals), tested without Electron.

import { createReadStream, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { Protocol } from 'electron';
import { realPathOrNull } from '../core/library/library-folders.js';
import { isInside, parseMediaPath, type MediaFile, type MediaKind } from '../engine/media-paths.js';
import { APP_HOST, contentSecurityPolicy, MEDIA_HOST, SCHEME } from './security.js';

export type ProtocolRoute =
  | { kind: 'app'; file: string }
  | { kind: 'media'; media: MediaKind; id: number }
  | { kind: 'not-found' }
  | { kind: 'forbidden'; reason: string };

const forbidden = (reason: string): ProtocolRoute => ({ kind: 'forbidden', reason });

/** "..", "%2e%2e", ".%2e" ... as a whole segment, between slashes or backslashes, anywhere. */
const TRAVERSAL = /(^|[/\\]|%2f|%5c)(\.|%2e){2}($|[/\\?#]|%2f|%5c)/i;
/** Characters no file name of the built renderer has: separators, drive colons, NUL, control. */
// eslint-disable-next-line no-control-regex
const BAD_SEGMENT = /[/\\:\x00-\x1f]/;

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * What a lumen:// URL names. App files are looked up inside `rendererDir` after resolving symlinks;
 * a missing page without an extension is the single-page app's index.html (client-side routes).
 */
export function routeProtocolRequest(url: string, rendererDir: string): ProtocolRoute {
  if (url.includes('\\') || /%5c/i.test(url)) return forbidden('backslash');
  if (TRAVERSAL.test(url.replace(/^[a-z]+:\/\/[^/]*/i, ''))) return forbidden('path traversal');
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return forbidden('not a URL');
  }
  if (u.protocol !== `${SCHEME}:`) return forbidden(`scheme ${u.protocol}`);
  if (u.username || u.password || u.port) return forbidden('credentials or port');

  if (u.hostname === MEDIA_HOST) {
    const media = parseMediaPath(u.pathname);
    return media ? { kind: 'media', media: media.kind, id: media.id } : forbidden('bad media path');
  }
  if (u.hostname !== APP_HOST) return forbidden(`host ${u.hostname}`);

  const raw = u.pathname === '' || u.pathname === '/' ? ['index.html'] : u.pathname.slice(1).split('/');
  const segments: string[] = [];
  for (const s of raw) {
    let name: string;
    try {
      name = decodeURIComponent(s);
    } catch {
      return forbidden('bad escape');
    }
    if (name === '' || name === '.' || name === '..' || BAD_SEGMENT.test(name))
      return forbidden(`bad path segment ${JSON.stringify(name)}`);
    segments.push(name);
  }

  const root = realPathOrNull(rendererDir);
  if (!root) return { kind: 'not-found' };
  const inRoot = (path: string): string | null => {
    const real = realPathOrNull(path);
    return real && isInside(root, real) && isFile(real) ? real : null;
  };
  const candidate = join(root, ...segments);
  const found = inRoot(candidate);
  if (found) return { kind: 'app', file: found };
  // Something that exists but resolves elsewhere (a symlink out of dist/renderer) is refused outright.
  if (realPathOrNull(candidate) !== null) return forbidden('outside the renderer');
  if (extname(segments[segments.length - 1] ?? '') !== '') return { kind: 'not-found' };
  const index = inRoot(join(root, 'index.html'));
  return index ? { kind: 'app', file: index } : { kind: 'not-found' };
}

const APP_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export interface ProtocolDeps {
  /** The built renderer (dist/renderer). */
  rendererDir: string;
  /** id -> the file to serve, after the media path checks (the engine's resolveMedia). */
  resolveMedia: (kind: MediaKind, id: number) => Promise<MediaFile | null>;
  /** Told about refused requests (for the log). */
  onRefused?: (url: string, reason: string) => void;
}

function plain(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
  });
}

function fileResponse(
  method: string,
  path: string,
  contentType: string,
  extra: Record<string, string>,
): Response {
  const size = statSync(path).size;
  const headers = {
    'content-type': contentType,
    'content-length': String(size),
    'x-content-type-options': 'nosniff',
    ...extra,
  };
  if (method === 'HEAD') return new Response(null, { status: 200, headers });
  const body = Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
  return new Response(body, { status: 200, headers });
}

/** Answers one lumen:// request. */
export async function handleProtocolRequest(request: Request, deps: ProtocolDeps): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'method not allowed');
  const route = routeProtocolRequest(request.url, deps.rendererDir);
  switch (route.kind) {
    case 'forbidden':
      deps.onRefused?.(request.url, route.reason);
      return plain(403, 'forbidden');
    case 'not-found':
      return plain(404, 'not found');
    case 'app':
      return fileResponse(
        request.method,
        route.file,
        APP_TYPES[extname(route.file)] ?? 'application/octet-stream',
        {
          'content-security-policy': contentSecurityPolicy(),
          'cache-control': 'no-cache',
        },
      );
    case 'media': {
      let file: MediaFile | null;
      try {
        file = await deps.resolveMedia(route.media, route.id);
      } catch (err) {
        return plain(503, `the engine could not look up the image: ${(err as Error).message}`);
      }
      if (!file || !isFile(file.path)) return plain(404, 'no such image');
      return fileResponse(request.method, file.path, file.contentType, {
        'cache-control': 'private, max-age=3600',
        'content-security-policy': "default-src 'none'; sandbox",
      });
    }
  }
}

/** Installs the handler on Electron's protocol module (the session's, after app ready). */
export function registerProtocol(protocol: Pick<Protocol, 'handle'>, deps: ProtocolDeps): void {
  protocol.handle(SCHEME, (request) => handleProtocolRequest(request, deps));
}
