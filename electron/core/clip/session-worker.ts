// The worker side of an off-thread onnxruntime session (off-thread-session.ts): one session per
// worker. onnxruntime-node runs a graph synchronously on the calling thread, so a session here keeps
// the engine's thread free to decode, write and answer while a batch encodes.

import { parentPort } from 'node:worker_threads';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { SessionReply, SessionRequest, WireTensor } from './session-wire.js';

let session: InferenceSession | null = null;

// A copy, which this thread owns and can hand over (onnxruntime's own buffer may not be transferable).
const toWire = (t: Tensor): WireTensor => ({
  type: t.type as WireTensor['type'],
  data: (t.data as WireTensor['data']).slice(),
  dims: [...t.dims],
});

async function answer(request: SessionRequest): Promise<SessionReply> {
  switch (request.kind) {
    case 'create': {
      session = await InferenceSession.create(request.file, request.options);
      return {
        id: request.id,
        ok: true,
        io: { inputMetadata: session.inputMetadata, outputMetadata: session.outputMetadata },
      };
    }
    case 'run': {
      if (!session) throw new Error('no session');
      const feeds = Object.fromEntries(
        Object.entries(request.feeds).map(([name, t]) => [name, new Tensor(t.type, t.data, t.dims)]),
      );
      const result = await session.run(feeds, request.fetches);
      return {
        id: request.id,
        ok: true,
        outputs: Object.fromEntries(Object.entries(result).map(([name, t]) => [name, toWire(t)])),
      };
    }
    case 'release': {
      await session?.release();
      session = null;
      return { id: request.id, ok: true };
    }
  }
}

parentPort?.on('message', (request: SessionRequest) => {
  answer(request).then(
    (reply) => {
      const buffers = reply.outputs
        ? Object.values(reply.outputs).map((t) => t.data.buffer as ArrayBuffer)
        : [];
      parentPort?.postMessage(reply, buffers);
    },
    (err: unknown) => {
      parentPort?.postMessage({
        id: request.id,
        ok: false,
        error: err instanceof Error ? err.message : String(err),
      } satisfies SessionReply);
    },
  );
});
