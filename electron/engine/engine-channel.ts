// The envelopes between the app's main process and the engine's utility process. Both directions carry
// small messages, each parsed with zod where it arrives: main -> engine a contract call, a media
// lookup (id -> file, so main can serve lumen://media without its own database handle), a shutdown or
// the answer to a trash request; engine -> main a reply, an event, a status line, or a file to move to
// the system trash (shell.trashItem is main's alone). The engine's end is utility-entry.ts; main's end is
// EngineClient (electron/main/engine-client.ts).

import { z } from 'zod';
import { ERROR_CODES, EVENTS, type EventName } from '../shared/api.js';

/** Anything that carries structured-clone messages both ways. */
export interface EnginePort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

const requestId = z.number().int().nonnegative();
const errorCode = z.enum(ERROR_CODES);

/** main -> engine. */
export const ToEngine = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('call'),
      id: requestId,
      method: z.string().min(1).max(200),
      params: z.unknown(),
    })
    .strict(),
  z
    .object({
      type: z.literal('media'),
      id: requestId,
      kind: z.enum(['thumb', 'photo']),
      mediaId: z.number().int().positive(),
    })
    .strict(),
  z.object({ type: z.literal('shutdown') }).strict(),
  /** The answer to the engine's trash request: null when the file went to the trash. */
  z.object({ type: z.literal('trashed'), id: requestId, error: z.string().max(10_000).nullable() }).strict(),
]);
export type ToEngine = z.infer<typeof ToEngine>;

/** engine -> main. */
export const FromEngine = z.discriminatedUnion('type', [
  /** The library is open and calls will be served. */
  z.object({ type: z.literal('ready') }).strict(),
  /** The library could not be opened (no model yet, a damaged file): calls will fail with this. */
  z.object({ type: z.literal('unavailable'), message: z.string().max(10_000) }).strict(),
  z.object({ type: z.literal('result'), id: requestId, result: z.unknown() }).strict(),
  z
    .object({ type: z.literal('error'), id: requestId, code: errorCode, message: z.string().max(10_000) })
    .strict(),
  z
    .object({
      type: z.literal('media'),
      id: requestId,
      file: z.object({ path: z.string().min(1).max(32_768), contentType: z.string().max(200) }).nullable(),
    })
    .strict(),
  z.object({ type: z.literal('event'), event: z.string().max(200), data: z.unknown() }).strict(),
  /** Move this file to the system trash: Electron's shell.trashItem works in the main process only. */
  z.object({ type: z.literal('trash'), id: requestId, path: z.string().min(1).max(32_768) }).strict(),
]);
export type FromEngine = z.infer<typeof FromEngine>;

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(EVENTS, name);
}
