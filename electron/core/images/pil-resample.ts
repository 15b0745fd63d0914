// Pillow's separable resampling (Resample.c), reproduced for 8-bit RGB: the same filter supports,
// the same coefficient windows, 22-bit fixed-point weights, horizontal pass then vertical, each
// rounded and clipped to 8 bits. Used where libvips differs from PIL: enlarging, which libvips does
// with an interpolator on a different pixel grid. CLIP's preprocessing is defined by PIL, so this
// keeps small images on the model's own input distribution.

import type { ResizeKernel } from '../clip/model-spec.js';

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

interface Filter {
  support: number;
  weight(x: number): number;
}

const FILTERS: Record<Exclude<ResizeKernel, 'nearest'>, Filter> = {
  linear: { support: 1, weight: (x) => Math.max(0, 1 - Math.abs(x)) },
  cubic: {
    support: 2,
    weight: (t) => {
      const a = -0.5;
      const x = Math.abs(t);
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    },
  },
  lanczos3: {
    support: 3,
    weight: (x) => {
      const sinc = (v: number): number => (v === 0 ? 1 : Math.sin(Math.PI * v) / (Math.PI * v));
      return x > -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0;
    },
  },
};

interface Coefficients {
  start: Int32Array;
  count: Int32Array;
  weights: Float64Array;
  window: number;
}

function coefficients(inSize: number, outSize: number, filter: Filter): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const window = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * window);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const n = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let sum = 0;
    const k: number[] = [];
    for (let x = 0; x < n; x++) {
      const w = filter.weight((x + xmin - center + 0.5) / filterScale);
      k.push(w);
      sum += w;
    }
    for (let x = 0; x < n; x++) {
      const w = sum !== 0 ? (k[x] as number) / sum : 0;
      // Pillow's normalize_coeffs_8bpc: round half away from zero to fixed point.
      weights[xx * window + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    start[xx] = xmin;
    count[xx] = n;
  }
  return { start, count, weights, window };
}

const clip8 = (v: number): number => {
  const x = Math.floor(v / ONE);
  return x < 0 ? 0 : x > 255 ? 255 : x;
};

/**
 * One separable pass along an axis. The image is a set of lines; position p of line l is pixel
 * (l * lineStride + p * posStride). Horizontal: lines are rows; vertical: lines are columns.
 */
function pass(
  src: Uint8Array,
  lines: number,
  outLen: number,
  strides: { inLine: number; inPos: number; outLine: number; outPos: number },
  c: Coefficients,
): Uint8Array {
  const out = new Uint8Array(lines * outLen * 3);
  for (let l = 0; l < lines; l++) {
    for (let j = 0; j < outLen; j++) {
      let r = HALF;
      let g = HALF;
      let b = HALF;
      const s = c.start[j] as number;
      const n = c.count[j] as number;
      for (let k = 0; k < n; k++) {
        const w = c.weights[j * c.window + k] as number;
        const p = (l * strides.inLine + (s + k) * strides.inPos) * 3;
        r += (src[p] as number) * w;
        g += (src[p + 1] as number) * w;
        b += (src[p + 2] as number) * w;
      }
      const o = (l * strides.outLine + j * strides.outPos) * 3;
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  }
  return out;
}

function nearest(src: Uint8Array, sw: number, sh: number, dw: number, dh: number): Uint8Array {
  const out = new Uint8Array(dw * dh * 3);
  for (let y = 0; y < dh; y++) {
    const sy = Math.min(Math.floor((y + 0.5) * (sh / dh)), sh - 1);
    for (let x = 0; x < dw; x++) {
      const sx = Math.min(Math.floor((x + 0.5) * (sw / dw)), sw - 1);
      const p = (sy * sw + sx) * 3;
      out.set(src.subarray(p, p + 3), (y * dw + x) * 3);
    }
  }
  return out;
}

/** Resizes interleaved 8-bit RGB exactly as Pillow's Image.resize(reducing_gap=None) does. */
export function resampleRgb(
  src: Uint8Array,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
  kernel: ResizeKernel,
): Uint8Array {
  if (src.length !== sw * sh * 3) throw new Error(`expected ${sw}x${sh} RGB, got ${src.length} bytes`);
  if (kernel === 'nearest') return nearest(src, sw, sh, dw, dh);
  const filter = FILTERS[kernel];
  let img = src;
  if (dw !== sw)
    img = pass(img, sh, dw, { inLine: sw, inPos: 1, outLine: dw, outPos: 1 }, coefficients(sw, dw, filter));
  if (dh !== sh)
    img = pass(img, dw, dh, { inLine: 1, inPos: dw, outLine: 1, outPos: dw }, coefficients(sh, dh, filter));
  return img;
}

/** Copies a rectangle out of interleaved RGB. */
export function cropRgb(
  src: Uint8Array,
  sw: number,
  left: number,
  top: number,
  w: number,
  h: number,
): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    out.set(src.subarray(((top + y) * sw + left) * 3, ((top + y) * sw + left + w) * 3), y * w * 3);
  return out;
}
