// Dense similarity matrices (stored embeddings x text embeddings) computed by onnxruntime's MatMul,
// whose CPU kernel (MLAS) is an order of magnitude faster than a JavaScript loop: tagging 100k photos
// against 200 categories is 10 GFLOP. The one-node graph is encoded here as ONNX protobuf bytes, so no
// model file ships for it.

import { InferenceSession, Tensor } from 'onnxruntime-node';
import { availableParallelism } from 'node:os';

// -- a minimal protobuf writer: just the wire types ONNX's ModelProto needs

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

const tag = (field: number, wire: number): number[] => varint(field * 8 + wire);
const intField = (field: number, value: number): number[] => [...tag(field, 0), ...varint(value)];

function bytesField(field: number, bytes: number[] | Uint8Array | string): number[] {
  const body = typeof bytes === 'string' ? [...Buffer.from(bytes, 'utf8')] : [...bytes];
  return [...tag(field, 2), ...varint(body.length), ...body];
}

const FLOAT = 1; // TensorProto.DataType.FLOAT

/** ValueInfoProto of a float tensor whose dimensions are named (symbolic), e.g. ['n', 'd']. */
function floatTensorInfo(name: string, dims: readonly string[]): number[] {
  const shape = dims.flatMap((d) => bytesField(1, bytesField(2, d))); // Dimension.dim_param
  const tensorType = [...intField(1, FLOAT), ...bytesField(2, shape)];
  return [...bytesField(1, name), ...bytesField(2, bytesField(1, tensorType))];
}

/** ModelProto bytes for scores[n, c] = rows[n, d] x queries[d, c]. */
function matmulModelBytes(): Uint8Array {
  const node = [
    ...bytesField(1, 'rows'),
    ...bytesField(1, 'queries'),
    ...bytesField(2, 'scores'),
    ...bytesField(3, 'matmul'),
    ...bytesField(4, 'MatMul'),
  ];
  const graph = [
    ...bytesField(1, node),
    ...bytesField(2, 'similarity'),
    ...bytesField(11, floatTensorInfo('rows', ['n', 'd'])),
    ...bytesField(11, floatTensorInfo('queries', ['d', 'c'])),
    ...bytesField(12, floatTensorInfo('scores', ['n', 'c'])),
  ];
  const opset = [...bytesField(1, ''), ...intField(2, 17)];
  return Uint8Array.from([
    ...intField(1, 8), // ir_version
    ...bytesField(2, 'lumen'),
    ...bytesField(7, graph),
    ...bytesField(8, opset),
  ]);
}

export interface MatmulOptions {
  /**
   * Whether the pool threads spin between runs (onnxruntime's default, best for one big product).
   * Training runs many small products with JavaScript in between, and spinning threads took the CPU
   * from that JavaScript: 1k-pair training ran ~1.4x slower on a 2-core machine. MLAS splits a product
   * by output blocks, so results do not depend on this.
   */
  spinning?: boolean;
}

const sessions = new Map<boolean, Promise<InferenceSession>>();

function matmulSession(spinning: boolean): Promise<InferenceSession> {
  let s = sessions.get(spinning);
  if (!s) {
    s = InferenceSession.create(matmulModelBytes(), {
      executionProviders: ['cpu'],
      intraOpNumThreads: availableParallelism(),
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      ...(!spinning && { extra: { session: { intra_op: { allow_spinning: '0' } } } }),
    });
    sessions.set(spinning, s);
  }
  return s;
}

/** a [n, k] x b [k, m], both row-major; returns [n, m] row-major. */
export async function matmul(
  a: Float32Array,
  n: number,
  k: number,
  b: Float32Array,
  m: number,
  options: MatmulOptions = {},
): Promise<Float32Array> {
  if (a.length < n * k || b.length < k * m) throw new Error(`matmul: expected ${n}x${k} by ${k}x${m}`);
  if (n === 0 || m === 0) return new Float32Array(n * m);
  const s = await matmulSession(options.spinning ?? true);
  const out = await s.run({
    rows: new Tensor('float32', a.subarray(0, n * k), [n, k]),
    queries: new Tensor('float32', b.subarray(0, k * m), [k, m]),
  });
  const scores = out.scores;
  if (!scores) throw new Error('MatMul returned no output');
  return scores.data as Float32Array;
}

/**
 * rows: n row vectors of length d, row-major. queries: c vectors of length d.
 * Returns the n x c dot products, row-major (scores[i * c + j] = rows_i . queries_j).
 */
export async function similarityMatrix(
  rows: Float32Array,
  n: number,
  queries: readonly Float32Array[],
): Promise<Float32Array> {
  const c = queries.length;
  if (n === 0 || c === 0) return new Float32Array(n * c);
  const d = rows.length / n;
  if (!Number.isInteger(d)) throw new Error(`rows hold ${rows.length} values, not a multiple of ${n}`);
  // MatMul wants the queries as a [d, c] matrix: transpose once (c x d is small).
  const q = new Float32Array(d * c);
  queries.forEach((v, j) => {
    if (v.length !== d) throw new Error(`query ${j} has ${v.length} dimensions, rows have ${d}`);
    for (let k = 0; k < d; k++) q[k * c + j] = v[k] as number;
  });
  return matmul(rows, n, d, q, c);
}
