// The window's security settings, as plain values and functions so they are tested without Electron:
// the web preferences (context isolation, sandbox, no Node), the Content-Security-Policy the app's
// pages are served with, and which URLs the window may show (only the app itself, lumen://app/).

import type { WebPreferences } from 'electron';

export const SCHEME = 'lumen';
export const APP_HOST = 'app';
export const MEDIA_HOST = 'media';
export const APP_ORIGIN = `${SCHEME}://${APP_HOST}`;
export const APP_URL = `${APP_ORIGIN}/index.html`;

/**
 * The custom scheme's privileges: a standard, secure origin (so lumen://app is a real origin for
 * 'self' and module scripts) that can fetch and stream; CSP is not bypassed.
 */
export const SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  corsEnabled: true,
  stream: true,
  codeCache: true,
} as const;

/**
 * The policy for the app's pages: scripts, styles and fonts only from the app itself, images from the
 * app and lumen://media, no network, no plugins, no frames, no <base> or form tricks. Inline styles are
 * allowed because Svelte's transitions set them; inline scripts and eval are not.
 */
export function contentSecurityPolicy(): string {
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", `${SCHEME}://${MEDIA_HOST}`, 'data:', 'blob:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'"],
    'media-src': ["'self'", `${SCHEME}://${MEDIA_HOST}`],
    'worker-src': ["'self'"],
    'object-src': ["'none'"],
    'frame-src': ["'none'"],
    'child-src': ["'none'"],
    'frame-ancestors': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}

/**
 * The preferences every window is made with; nothing of Node reaches the page. DevTools only in
 * development: a packaged app gives nobody a console into the page.
 */
export function webPreferences(preload: string, packaged = true): WebPreferences {
  return {
    preload,
    devTools: !packaged,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  };
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** Whether `url` is a page of the app itself (lumen://app/...), with nothing odd in its authority. */
export function isAppUrl(url: string): boolean {
  const u = parse(url);
  return (
    u !== null &&
    u.protocol === `${SCHEME}:` &&
    u.hostname === APP_HOST &&
    u.port === '' &&
    u.username === '' &&
    u.password === ''
  );
}

/** The window may only ever show the app: every other navigation or redirect is refused. */
export function isAllowedNavigation(url: string): boolean {
  return isAppUrl(url);
}

/**
 * Sites the app links to (a model's page and licence on Hugging Face, the project's pages): the only
 * ones a link in the app may open, in the user's own browser. An allowlist, so that a link planted in
 * a caption, a keyword or a model's metadata cannot send the user anywhere else.
 */
export const EXTERNAL_HOSTS = new Set(['huggingface.co', 'github.com', 'opensource.org']);

/** Links the user may open in their own browser (never in the app): https to an allowed site. */
export function isExternalLink(url: string): boolean {
  const u = parse(url);
  return (
    u !== null &&
    u.protocol === 'https:' &&
    u.username === '' &&
    u.password === '' &&
    u.port === '' &&
    EXTERNAL_HOSTS.has(u.hostname)
  );
}

/** IPC is answered only for frames showing the app (not a page that somehow got loaded instead). */
export function isTrustedSender(frameUrl: string | null | undefined): boolean {
  return typeof frameUrl === 'string' && isAppUrl(frameUrl);
}

const PERMITTED_SCHEMES = new Set([`${SCHEME}:`, 'data:', 'blob:', 'devtools:']);

/** What the session may load at all: the app's scheme, inline data, and devtools; no file:, no network. */
export function isPermittedRequest(url: string): boolean {
  const u = parse(url);
  return u !== null && PERMITTED_SCHEMES.has(u.protocol);
}
