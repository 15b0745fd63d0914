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
const INT32 = 6; // TensorProto.DataType.INT32

/** ValueInfoProto of a tensor whose dimensions are named (symbolic), e.g. ['n', 'd']. */
function tensorInfo(name: string, dims: readonly string[], type = FLOAT): number[] {
  const shape = dims.flatMap((d) => bytesField(1, bytesField(2, d))); // Dimension.dim_param
  const tensorType = [...intField(1, type), ...bytesField(2, shape)];
  return [...bytesField(1, name), ...bytesField(2, bytesField(1, tensorType))];
}

type Op = 'MatMul' | 'GemmTransB' | 'GatherGemm';

/** AttributeProto of an INT attribute. */
const intAttribute = (name: string, value: number): number[] => [
  ...bytesField(1, name),
  ...intField(3, value),
  ...intField(20, 2), // AttributeType.INT
];

/** NodeProto: `op` from `inputs` to `output`, with INT attributes. */
function nodeBytes(
  op: string,
  inputs: readonly string[],
  output: string,
  attributes: Record<string, number> = {},
): number[] {
  return [
    ...inputs.flatMap((i) => bytesField(1, i)),
    ...bytesField(2, output),
    ...bytesField(3, output),
    ...bytesField(4, op),
    ...Object.entries(attributes).flatMap(([name, value]) => bytesField(5, intAttribute(name, value))),
  ];
}

/** Each product's nodes and inputs (`a`, `b`, and for GatherGemm `rows`); every one writes `y`. */
const PRODUCT_GRAPHS: Record<Op, { nodes: number[][]; inputs: number[][] }> = {
  MatMul: {
    nodes: [nodeBytes('MatMul', ['a', 'b'], 'y')],
    inputs: [tensorInfo('a', ['n', 'k']), tensorInfo('b', ['k', 'm'])],
  },
  GemmTransB: {
    nodes: [nodeBytes('Gemm', ['a', 'b'], 'y', { transB: 1 })],
    inputs: [tensorInfo('a', ['n', 'k']), tensorInfo('b', ['m', 'k'])],
  },
  GatherGemm: {
    nodes: [
      nodeBytes('Gather', ['b', 'rows'], 'picked', { axis: 0 }),
      nodeBytes('Gemm', ['a', 'picked'], 'y', { transB: 1 }),
    ],
    inputs: [tensorInfo('a', ['n', 'k']), tensorInfo('b', ['r', 'k']), tensorInfo('rows', ['m'], INT32)],
  },
};

/**
 * ModelProto bytes for one product into `y`:
 * MatMul: y[n, m] = a[n, k] x b[k, m]. GemmTransB: y[n, m] = a[n, k] x b[m, k]^T.
 * GatherGemm: y[n, m] = a[n, k] x (the rows `rows` of b)^T, where b is [r, k] and rows [m].
 */
function productModelBytes(op: Op): Uint8Array {
  const { nodes, inputs } = PRODUCT_GRAPHS[op];
  const graph = [
    ...nodes.flatMap((node) => bytesField(1, node)),
    ...bytesField(2, 'product'),
    ...inputs.flatMap((input) => bytesField(11, input)),
    ...bytesField(12, tensorInfo('y', ['n', 'm'])),
  ];
  const opset = [...bytesField(1, ''), ...intField(2, 17)];
  return Uint8Array.from([
    ...intField(1, 8), // ir_version
    ...bytesField(2, 'lumen'),
    ...bytesField(7, graph),
    ...bytesField(8, opset),
  ]);
}

const sessions = new Map<Op, Promise<InferenceSession>>();

/**
 * One session per product, whose pool threads sleep between runs rather than spin (onnxruntime's
 * default). Each session has a pool of its own, and threads left spinning after a run take the cores
 * from whatever runs next: the next product in another session, a text query's encoder, or training's
 * JavaScript between its many small products (1k pairs ran ~1.4x slower). Measured on two cores, each
 * setting in a process of its own: gathering 50k of a million rows after the other products 7.7 ms
 * without spinning, 21 ms with; a big product is one parallel section and loses nothing (100k x 200
 * for tagging 282 against 288-306 ms, one query over a million rows 69-70 against 66-74). MLAS splits a
 * product by output blocks, so results do not depend on this.
 */
function productSession(op: Op): Promise<InferenceSession> {
  let s = sessions.get(op);
  if (!s) {
    s = InferenceSession.create(productModelBytes(op), {
      executionProviders: ['cpu'],
      intraOpNumThreads: availableParallelism(),
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    sessions.set(op, s);
  }
  return s;
}

async function product(op: Op, a: Tensor, b: Tensor, rows?: Tensor): Promise<Float32Array> {
  const s = await productSession(op);
  const out = await s.run({ a, b, ...(rows && { rows }) });
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
): Promise<Float32Array> {
  if (a.length < n * k || b.length < k * m) throw new Error(`matmul: expected ${n}x${k} by ${k}x${m}`);
  if (n === 0 || m === 0) return new Float32Array(n * m);
  return product(
    'MatMul',
    new Tensor('float32', a.subarray(0, n * k), [n, k]),
    new Tensor('float32', b.subarray(0, k * m), [k, m]),
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
  );
}

/**
 * The query's dot products with some rows of a matrix, in the order the row numbers are given: one
 * onnxruntime run that gathers the rows and multiplies them, so that scattered rows (a filter's photos)
 * are never copied one by one in JavaScript. That copy ran at ~0.5 us a row; the gather in onnxruntime,
 * which reads the matrix where it lies, takes ~0.15 us.
 */
export async function similarityOfRows(
  rows: Float32Array,
  n: number,
  picked: Int32Array,
  query: Float32Array,
): Promise<Float32Array> {
  const d = query.length;
  if (rows.length < n * d) throw new Error(`rows hold ${rows.length} values, fewer than ${n} x ${d}`);
  for (const r of picked) if (r < 0 || r >= n) throw new Error(`row ${r} is outside the ${n} rows`);
  if (picked.length === 0 || n === 0) return new Float32Array(picked.length);
  return product(
    'GatherGemm',
    new Tensor('float32', query, [1, d]),
    new Tensor('float32', rows.subarray(0, n * d), [n, d]),
    new Tensor('int32', picked, [picked.length]),
  );
}
