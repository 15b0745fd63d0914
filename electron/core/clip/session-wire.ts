// The messages between an off-thread session (off-thread-session.ts) and its worker
// (session-worker.ts): plain data that structured clone carries, tensors as type, data and dims.

import type { InferenceSession } from 'onnxruntime-node';

export interface WireTensor {
  type: 'float32' | 'float16' | 'int64' | 'int32';
  data: Float32Array | Uint16Array | BigInt64Array | Int32Array;
  dims: number[];
}

export interface GraphIo {
  inputMetadata: readonly InferenceSession.ValueMetadata[];
  outputMetadata: readonly InferenceSession.ValueMetadata[];
}

export type SessionRequest =
  | { id: number; kind: 'create'; file: string; options: InferenceSession.SessionOptions }
  | { id: number; kind: 'run'; feeds: Record<string, WireTensor>; fetches: string[] }
  | { id: number; kind: 'release' };

export interface SessionReply {
  id: number;
  ok: boolean;
  error?: string;
  io?: GraphIo;
  outputs?: Record<string, WireTensor>;
}
