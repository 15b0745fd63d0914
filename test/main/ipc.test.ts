// A renderer's call as main handles it: validated with the contract on arrival, run by the engine,
// answered as a CallReply whose error keeps the ApiError's code and message.

import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { UploadStore } from '../../electron/core/library/upload-store.js';
import { handleCall, handleImport, toReply } from '../../electron/main/ipc.js';
import { tempDir } from '../support/temp.js';
import { ApiError } from '../../electron/shared/api.js';

describe('handleCall', () => {
  const engine = { call: vi.fn((method: string, params: unknown) => Promise.resolve({ method, params })) };

  it('runs a valid call with the parsed params', async () => {
    const reply = await handleCall(engine, {
      method: 'search.text',
      params: { query: '  beach  ', limit: 5 },
    });
    expect(reply).toEqual({
      ok: true,
      result: { method: 'search.text', params: { query: 'beach', limit: 5 } },
    });
    expect(await handleCall(engine, { method: 'library.status', params: undefined })).toMatchObject({
      ok: true,
    });
  });

  it('refuses unknown methods, bad params and malformed payloads before the engine sees them', async () => {
    engine.call.mockClear();
    expect(await handleCall(engine, { method: 'fs.readFile', params: {} })).toMatchObject({
      ok: false,
      error: { code: 'not-found' },
    });
    expect(await handleCall(engine, { method: 'toString', params: {} })).toMatchObject({
      ok: false,
      error: { code: 'not-found' },
    });
    const bad = await handleCall(engine, { method: 'search.text', params: { query: 'x', limit: 'all' } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(!bad.ok && bad.error.message).toMatch(/search\.text: .* at limit/);
    expect(await handleCall(engine, { method: 'photos.get', params: { id: 1, extra: 1 } })).toMatchObject({
      ok: false,
      error: { code: 'bad-request' },
    });
    for (const payload of [
      null,
      'library.status',
      ['library.status'],
      { method: 1 },
      { method: 'library.status', x: 1 },
    ])
      expect(await handleCall(engine, payload)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(engine.call).not.toHaveBeenCalled();
  });

  it("passes the engine's errors back with their code", async () => {
    const failing = { call: () => Promise.reject(new ApiError('not-found', 'no photo 9')) };
    expect(await handleCall(failing, { method: 'photos.get', params: { id: 9 } })).toEqual({
      ok: false,
      error: { code: 'not-found', message: 'no photo 9' },
    });
    expect(toReply(new Error('disk full'))).toEqual({
      ok: false,
      error: { code: 'failed', message: 'disk full' },
    });
    expect(toReply('odd')).toEqual({ ok: false, error: { code: 'failed', message: 'odd' } });
  });
});

describe('handleImport', () => {
  const root = tempDir();
  const uploads = new UploadStore(join(root, 'library', 'uploads'));

  it('copies a dropped image into the uploads and answers its id', async () => {
    const photo = join(root, 'dropped.JPG');
    writeFileSync(photo, 'jpeg bytes');
    const reply = await handleImport(uploads, photo);
    expect(reply).toMatchObject({ ok: true, upload: expect.stringMatching(/^[0-9a-f]{32}\.jpg$/) as string });
    expect(reply.ok && uploads.pathOf(reply.upload)).toBeTruthy();
  });

  it('takes nothing but an absolute path to an image file', async () => {
    mkdirSync(join(root, 'a folder.jpg'));
    writeFileSync(join(root, 'notes.txt'), 'x');
    const before = readdirSync(uploads.dir).length;
    for (const payload of [
      'relative.jpg',
      join(root, 'missing.jpg'),
      join(root, 'a folder.jpg'),
      join(root, 'notes.txt'),
      '/etc/passwd',
      42,
      { path: '/x.jpg' },
      null,
    ]) {
      const reply = await handleImport(uploads, payload);
      expect(reply.ok, JSON.stringify(payload)).toBe(false);
    }
    expect(readdirSync(uploads.dir)).toHaveLength(before);
  });
});
