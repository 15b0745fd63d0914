// Samples a scene of the shapes world (the same distribution as scripts/models/shapes_world.py)
// and computes its shape outline.

import type { Random } from './random.js';
import { COLOURS, SHAPES, SIZES, TONES, vocabulary, type Range } from './vocabulary.js';

export interface Scene {
  colour: string;
  shape: string;
  size: (typeof SIZES)[number];
  tone: (typeof TONES)[number];
  kind: 'plain' | 'gradient' | 'noisy';
  width: number;
  height: number;
  cx: number;
  cy: number;
  radius: number;
  rotation: number;
  blur: number;
  quality: number;
  seed: number;
}

export interface SceneOptions {
  colour?: string;
  shape?: string;
  /** Override the picture's shorter side (e.g. 3000 for a 12 MP photo). */
  shortSide?: number;
  aspect?: number;
}

const uniform = (rng: Random, [lo, hi]: Range): number => rng.uniform(lo, hi);

/**
 * A shape outside the trained vocabulary, drawn as a ring: the "never seen" concept that
 * fine-tuning must learn from a few captioned photos. Never part of the model's training data.
 */
export const NEW_CONCEPT = 'zorb';

export function shapeExtent(shape: string): number {
  if (shape === NEW_CONCEPT) return 1;
  const g = vocabulary.shapes[shape];
  if (!g) throw new Error(`unknown shape ${shape}`);
  if (g.kind === 'cross') return Math.hypot(g.radius, g.armHalfWidth);
  return g.kind === 'ellipse' ? 1 : g.radius;
}

export function sampleScene(rng: Random, options: SceneOptions = {}): Scene {
  const r = vocabulary.render;
  const colour = options.colour ?? rng.pick(COLOURS);
  const shape = options.shape ?? rng.pick(SHAPES);
  const short = options.shortSide ?? rng.int(r.shortSide[0], r.shortSide[1]);
  const aspect = options.aspect ?? uniform(rng, r.aspect);
  const [width, height] =
    aspect >= 1 ? [short, Math.round(short * aspect)] : [Math.round(short / aspect), short];
  const size = rng.pick(SIZES);
  const radius = uniform(rng, vocabulary.sizes[size]) * short;
  const extent = radius * shapeExtent(shape);
  // Inside the central square, wholly visible, so a centre crop never cuts it.
  const x0 = (width - short) / 2;
  const y0 = (height - short) / 2;
  return {
    colour,
    shape,
    size,
    tone: rng.pick(TONES),
    kind: rng.pick(vocabulary.backgrounds.kinds),
    width,
    height,
    cx: x0 + rng.uniform(extent, short - extent),
    cy: y0 + rng.uniform(extent, short - extent),
    radius,
    rotation: uniform(rng, r.rotationDeg),
    // Big photos (12 MP) get proportionally more blur so they look the same once downscaled.
    blur: rng.next() < 0.6 ? uniform(rng, r.blurSigma) * Math.max(1, short / r.shortSide[1]) : 0,
    quality: rng.int(r.jpegQuality[0], r.jpegQuality[1]),
    seed: rng.int(0, 2 ** 31 - 1),
  };
}

/** Polygon vertices in pixels, or null for a circle. */
export function shapeOutline(scene: Scene): [number, number][] | null {
  const g = vocabulary.shapes[scene.shape];
  if (!g) throw new Error(`unknown shape ${scene.shape}`);
  const rad = (deg: number): number => (deg * Math.PI) / 180;
  let pts: [number, number][];
  switch (g.kind) {
    case 'ellipse':
      return null;
    case 'polygon':
      pts = Array.from({ length: g.vertices }, (_, i) => {
        const a = rad(g.startDeg + (360 * i) / g.vertices);
        return [g.radius * Math.cos(a), g.radius * Math.sin(a)];
      });
      break;
    case 'star':
      pts = Array.from({ length: 2 * g.points }, (_, i) => {
        const a = rad(g.startDeg + (180 * i) / g.points);
        const rr = i % 2 === 0 ? g.radius : g.radius * g.innerRatio;
        return [rr * Math.cos(a), rr * Math.sin(a)];
      });
      break;
    case 'cross': {
      const w = g.armHalfWidth;
      const r = g.radius;
      pts = [
        [-w, -r],
        [w, -r],
        [w, -w],
        [r, -w],
        [r, w],
        [w, w],
        [w, r],
        [-w, r],
        [-w, w],
        [-r, w],
        [-r, -w],
        [-w, -w],
      ];
      break;
    }
  }
  const c = Math.cos(rad(scene.rotation));
  const s = Math.sin(rad(scene.rotation));
  return pts.map(([x, y]) => [
    scene.cx + scene.radius * (x * c - y * s),
    scene.cy + scene.radius * (x * s + y * c),
  ]);
}
