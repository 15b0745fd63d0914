// The window's security settings: web preferences, the Content-Security-Policy, and which URLs the
// window may show, load or trust.

import { describe, expect, it } from 'vitest';
import {
  APP_URL,
  contentSecurityPolicy,
  isAllowedNavigation,
  isExternalLink,
  isPermittedRequest,
  isTrustedSender,
  webPreferences,
} from '../../electron/main/security.js';

describe('webPreferences', () => {
  it('isolates the page from Node and Electron', () => {
    const p = webPreferences('/app/dist/preload/preload.cjs');
    expect(p).toMatchObject({
      preload: '/app/dist/preload/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      devTools: false,
    });
  });

  it('has DevTools only in development', () => {
    expect(webPreferences('/p', true).devTools).toBe(false);
    expect(webPreferences('/p', false).devTools).toBe(true);
  });
});

describe('contentSecurityPolicy', () => {
  const csp = contentSecurityPolicy();
  const directive = (name: string) =>
    csp
      .split('; ')
      .find((d) => d.startsWith(`${name} `))
      ?.slice(name.length + 1)
      .split(' ');

  it('allows scripts only from the app: no inline scripts, no eval, no remote code', () => {
    expect(directive('default-src')).toEqual(["'self'"]);
    expect(directive('script-src')).toEqual(["'self'"]);
    expect(csp).not.toMatch(/unsafe-eval|https?:|\*/);
    expect(directive('script-src')).not.toContain("'unsafe-inline'");
  });

  it('lets images come from lumen://media and shuts everything else', () => {
    expect(directive('img-src')).toContain('lumen://media');
    for (const name of ['object-src', 'frame-src', 'base-uri', 'form-action', 'frame-ancestors'])
      expect(directive(name), name).toEqual(["'none'"]);
  });
});

describe('navigation', () => {
  it('allows only the app itself', () => {
    expect(isAllowedNavigation(APP_URL)).toBe(true);
    expect(isAllowedNavigation('lumen://app/search?q=beach#top')).toBe(true);
    for (const url of [
      'https://example.com/',
      'http://localhost:5173/',
      'file:///etc/passwd',
      'lumen://media/photo/1',
      'lumen://evil/index.html',
      'lumen://user@app/index.html',
      'lumen://app:99/index.html',
      'javascript:alert(1)',
      'data:text/html,<script>1</script>',
      'about:blank',
      '',
      'not a url',
    ])
      expect(isAllowedNavigation(url), url).toBe(false);
  });

  it('opens only https links to the sites the app links to, in the browser', () => {
    expect(isExternalLink('https://huggingface.co/Xenova/clip-vit-base-patch32')).toBe(true);
    expect(isExternalLink('https://github.com/openai/CLIP/blob/main/LICENSE')).toBe(true);
    for (const url of [
      'http://example.com',
      'file:///etc/passwd',
      'https://u:p@example.com',
      'smb://x/y',
      'x',
      // Any https site is not enough: a link in a caption or a model card could lead anywhere.
      'https://example.com/phish',
      'https://huggingface.co.evil.example/',
      'https://evil.example/huggingface.co',
      'https://huggingface.co:8443/',
      'http://huggingface.co/',
    ])
      expect(isExternalLink(url), url).toBe(false);
  });

  it('trusts IPC only from frames showing the app', () => {
    expect(isTrustedSender('lumen://app/index.html')).toBe(true);
    for (const url of [
      undefined,
      null,
      '',
      'https://example.com',
      'file:///index.html',
      'lumen://media/thumb/1',
    ])
      expect(isTrustedSender(url), String(url)).toBe(false);
  });

  it('loads only the app scheme, inline data and devtools', () => {
    for (const url of [
      'lumen://app/assets/x.js',
      'lumen://media/thumb/2',
      'data:image/png;base64,AA',
      'devtools://devtools/x',
    ])
      expect(isPermittedRequest(url), url).toBe(true);
    for (const url of [
      'file:///etc/passwd',
      'https://example.com/x.js',
      'http://127.0.0.1:8765/api',
      'ws://x',
      'ftp://x',
    ])
      expect(isPermittedRequest(url), url).toBe(false);
  });
});
