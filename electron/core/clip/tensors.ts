// Builds onnxruntime tensors in the element type a graph declares, and reads float outputs back as float32.

import { Tensor } from 'onnxruntime-node';
import { float32ToHalf, halfToFloat32 } from './float16.js';

export function floatTensor(
  type: 'float32' | 'float16',
  data: Float32Array,
  dims: readonly number[],
): Tensor {
  return type === 'float16'
    ? new Tensor('float16', float32ToHalf(data), dims)
    : new Tensor('float32', data, dims);
}

export function intTensor(type: 'int64' | 'int32', data: BigInt64Array, dims: readonly number[]): Tensor {
  if (type === 'int64') return new Tensor('int64', data, dims);
  return new Tensor(
    'int32',
    Int32Array.from(data, (x) => Number(x)),
    dims,
  );
}

/** A float32 or float16 output as float32 (float16 arrives as Uint16Array bit patterns on Node 20). */
export function floatData(t: Tensor): Float32Array {
  const d = t.data;
  if (d instanceof Float32Array) return d;
  if (d instanceof Uint16Array) return halfToFloat32(d);
  if (
    ArrayBuffer.isView(d) &&
    !(d instanceof DataView) &&
    !(d instanceof BigInt64Array) &&
    !(d instanceof BigUint64Array)
  ) {
    return Float32Array.from(d as ArrayLike<number>);
  }
  throw new Error(`expected a float output, got ${t.type}`);
}
