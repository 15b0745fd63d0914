// The shapes world's vocabulary, read from the JSON file the Python trainer also reads.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type Rgb = readonly [number, number, number];
export type Range = readonly [number, number];

export type ShapeGeometry =
  | { kind: 'ellipse' }
  | { kind: 'polygon'; vertices: number; startDeg: number; radius: number }
  | { kind: 'star'; points: number; startDeg: number; radius: number; innerRatio: number }
  | { kind: 'cross'; armHalfWidth: number; radius: number };

export interface Vocabulary {
  colours: Record<string, Rgb>;
  colourJitter: number;
  shapes: Record<string, ShapeGeometry>;
  backgrounds: {
    tones: Record<'light' | 'dark', { min: number; max: number }>;
    kinds: ('plain' | 'gradient' | 'noisy')[];
    tint: number;
    noiseSigma: Range;
  };
  sizes: Record<'small' | 'medium' | 'large', Range>;
  render: { rotationDeg: Range; blurSigma: Range; jpegQuality: Range; shortSide: Range; aspect: Range };
  heldOutPairs: [string, string][];
  zeroShotPrompt: string;
}

export const VOCABULARY_PATH = fileURLToPath(
  new URL('../../test/fixtures/shapes/vocabulary.json', import.meta.url),
);
export const vocabulary = JSON.parse(readFileSync(VOCABULARY_PATH, 'utf8')) as Vocabulary;

export const COLOURS = Object.keys(vocabulary.colours);
export const SHAPES = Object.keys(vocabulary.shapes);
export const TONES = ['light', 'dark'] as const;
export const SIZES = ['small', 'medium', 'large'] as const;

export function isHeldOut(colour: string, shape: string): boolean {
  return vocabulary.heldOutPairs.some(([c, s]) => c === colour && s === shape);
}

export function zeroShotPrompt(colour: string, shape: string): string {
  return vocabulary.zeroShotPrompt.replace('{colour}', colour).replace('{shape}', shape);
}
