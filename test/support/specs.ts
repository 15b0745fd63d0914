// A small CLIP-style image spec (32 px, bicubic, centre crop) for tests that decode images without
// a model folder.

import type { ImageSpec } from '../../electron/core/clip/model-spec.js';

export const SMALL_SPEC: ImageSpec = {
  resize: { shortestEdge: 32 },
  kernel: 'cubic',
  crop: { height: 32, width: 32 },
  height: 32,
  width: 32,
  rescale: 1 / 255,
  mean: [0.5, 0.5, 0.5],
  std: [0.5, 0.5, 0.5],
  convertRgb: true,
};
