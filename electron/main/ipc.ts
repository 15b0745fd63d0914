// What main does with a renderer's call, as a plain function: the payload is parsed with zod and the
// method and params with the contract's parseRequest where they arrive, then the engine runs it. The
// answer is a CallReply, never a thrown error: Electron would rewrite a thrown error's message and drop
// its code on the way back, so the preload turns the reply into the Error the renderer sees. A dropped
// image for search by example is copied into the library's uploads here (handleImport).

import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { UploadError, type UploadStore } from '../core/library/upload-store.js';
import { ApiError, parseRequest, type Method } from '../shared/api.js';
import type { CallReply, ImportReply } from '../shared/bridge.js';

const CallPayload = z.object({ method: z.string().max(200), params: z.unknown() }).strict();

export interface CallTarget {
  call(method: Method, params: unknown): Promise<unknown>;
}

export function toReply(err: unknown): CallReply {
  const e =
    err instanceof ApiError ? err : new ApiError('failed', err instanceof Error ? err.message : String(err));
  return { ok: false, error: { code: e.code, message: e.message } };
}

/** Validates a 'lumen:call' payload and runs it; always resolves. */
export async function handleCall(engine: CallTarget, payload: unknown): Promise<CallReply> {
  try {
    const shape = CallPayload.safeParse(payload);
    if (!shape.success) throw new ApiError('bad-request', 'a call is {method, params}');
    const { method, params } = parseRequest(shape.data.method, shape.data.params);
    return { ok: true, result: await engine.call(method, params) };
  } catch (err) {
    return toReply(err);
  }
}

/**
 * A 'lumen:import-image' payload: the path of a file dropped on the window. Only an absolute path to
 * a regular file with an image extension is copied into the library's uploads; the engine then
 * searches by that copy's id. Always resolves.
 */
export async function handleImport(
  uploads: Pick<UploadStore, 'copyIn'>,
  payload: unknown,
): Promise<ImportReply> {
  if (typeof payload !== 'string' || payload.length > 32_768 || !isAbsolute(payload))
    return { ok: false, message: 'an image to search by is a dropped file' };
  try {
    return { ok: true, upload: await uploads.copyIn(payload) };
  } catch (err) {
    if (err instanceof UploadError) return { ok: false, message: err.message };
    return {
      ok: false,
      message: `the image could not be read (${err instanceof Error ? err.message : String(err)})`,
    };
  }
}
