// Who may talk to `lumen serve`, decided before a request reaches the engine. Any web page the user
// visits can send requests to a port on loopback, so:
// - On loopback, the Host header must name loopback exactly ("localhost" or a loopback IP literal):
//   a DNS-rebinding page reaches us under its own name (127.0.0.1.evil.example), never under ours.
// - A request that a page on another origin made (a cross-site fetch, a form, an <img>) is refused:
//   browsers say where a request comes from in Sec-Fetch-Site and Origin. Tools that are not
//   browsers (curl, the tests) send neither and are judged by the Host check and the token alone.
// - API calls carry JSON (application/json), which no form and no "simple" cross-site request can
//   send without a CORS preflight, which this server never grants.

import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';

/** "localhost" and loopback IP literals (127.0.0.0/8, ::1), exactly: never a name that starts so. */
export function isLoopback(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (name === 'localhost') return true;
  const family = isIP(name);
  if (family === 4) return name.split('.')[0] === '127';
  if (family === 6) return name === '::1' || name === '0:0:0:0:0:0:0:1';
  return false;
}

/**
 * The hostname a Host header names, or null when it is not a plain host[:port] (userinfo, paths and
 * anything a URL parser would read another way are refused rather than guessed at).
 */
export function hostHeaderName(header: string | undefined): string | null {
  if (!header || !/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(header)) return null;
  return header.replace(/:\d{1,5}$/, '').replace(/^\[(.*)\]$/, '$1');
}

/** Why a request is refused as coming from another site; null when it may go on. */
export function crossSiteReason(headers: IncomingHttpHeaders, ownOrigin: string): string | null {
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    return `requests from other sites are refused (Sec-Fetch-Site: ${site})`;
  const origin = headers.origin;
  if (origin !== undefined && origin !== ownOrigin)
    return `requests from other origins are refused (Origin: ${origin})`;
  return null;
}

/** Whether the Content-Type is JSON (charset and other parameters allowed). */
export function isJsonContentType(header: string | undefined): boolean {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';
}
