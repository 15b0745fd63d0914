// Dense matrix products computed by onnxruntime's MatMul and Gemm, whose CPU kernel (MLAS) is an order
// of magnitude faster than a JavaScript loop: tagging 100k photos against 200 categories is 10 GFLOP.
// The one-node graphs are encoded here as ONNX protobuf bytes, so no model file ships for them.

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

type Op = 'MatMul' | 'GemmTransB';

/** AttributeProto of an INT attribute. */
const intAttribute = (name: string, value: number): number[] => [
  ...bytesField(1, name),
  ...intField(3, value),
  ...intField(20, 2), // AttributeType.INT
];

/**
 * ModelProto bytes for one product of two float inputs `a` and `b` into `y`:
 * MatMul: y[n, m] = a[n, k] x b[k, m]. GemmTransB: y[n, m] = a[n, k] x b[m, k]^T.
 */
function productModelBytes(op: Op): Uint8Array {
  const gemm = op === 'GemmTransB';
  const node = [
    ...bytesField(1, 'a'),
    ...bytesField(1, 'b'),
    ...bytesField(2, 'y'),
    ...bytesField(3, 'product'),
    ...bytesField(4, gemm ? 'Gemm' : 'MatMul'),
    ...(gemm ? bytesField(5, intAttribute('transB', 1)) : []),
  ];
  const graph = [
    ...bytesField(1, node),
    ...bytesField(2, 'product'),
    ...bytesField(11, floatTensorInfo('a', ['n', 'k'])),
    ...bytesField(11, floatTensorInfo('b', gemm ? ['m', 'k'] : ['k', 'm'])),
    ...bytesField(12, floatTensorInfo('y', ['n', 'm'])),
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

const sessions = new Map<string, Promise<InferenceSession>>();

function productSession(op: Op, spinning: boolean): Promise<InferenceSession> {
  const key = `${op}:${spinning}`;
  let s = sessions.get(key);
  if (!s) {
    s = InferenceSession.create(productModelBytes(op), {
      executionProviders: ['cpu'],
      intraOpNumThreads: availableParallelism(),
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      ...(!spinning && { extra: { session: { intra_op: { allow_spinning: '0' } } } }),
    });
    sessions.set(key, s);
  }
  return s;
}

async function product(op: Op, a: Tensor, b: Tensor, spinning: boolean): Promise<Float32Array> {
  const s = await productSession(op, spinning);
  const out = await s.run({ a, b });
  const y = out.y;
  if (!y) throw new Error(`${op} returned no output`);
  return y.data as Float32Array;
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
  return product(
    'MatMul',
    new Tensor('float32', a.subarray(0, n * k), [n, k]),
    new Tensor('float32', b.subarray(0, k * m), [k, m]),
    options.spinning ?? true,
  );
}

/**
 * rows: n row vectors of length d, row-major. queries: c vectors of length d.
 * Returns the c x n dot products, query by query (scores[j * n + i] = queries_j . rows_i), so that each
 * query's scores over all rows are one contiguous run: tagging reads them category by category.
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
  const q = new Float32Array(c * d);
  queries.forEach((v, j) => {
    if (v.length !== d) throw new Error(`query ${j} has ${v.length} dimensions, rows have ${d}`);
    q.set(v, j * d);
  });
  // Gemm with transB reads the rows as they are stored; the [c, n] result needs no transposing.
  return product(
    'GemmTransB',
    new Tensor('float32', q, [c, d]),
    new Tensor('float32', rows.subarray(0, n * d), [n, d]),
    true,
  );
}
