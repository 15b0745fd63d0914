// The PIL/numpy preprocessing reference (scripts/fixtures/make_preprocess_reference.py): its cases,
// configs and expected pixels, and the per-image difference both model-input paths are held to.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { expect } from 'vitest';
import { JsonFields } from '../../electron/core/clip/json-fields.js';
import { readImageSpec } from '../../electron/core/clip/model-folder.js';
import type { ImageSpec } from '../../electron/core/clip/model-spec.js';
import { FIXTURES } from './paths.js';

export const PREPROCESS_ROOT = join(FIXTURES, 'preprocess');

export const { configs: PIL_CONFIGS, cases: PIL_CASES } = JSON.parse(
  readFileSync(join(PREPROCESS_ROOT, 'cases.json'), 'utf8'),
) as {
  configs: string[];
  cases: { name: string; file: string; note: string }[];
};

export const pilCasePath = (c: { file: string }): string => join(PREPROCESS_ROOT, c.file);

export const specFor = (config: string): ImageSpec =>
  readImageSpec(JsonFields.read(join(PREPROCESS_ROOT, 'configs', `${config}.json`)), 'clip');

/** PIL's model input for this case under this config, as 8-bit RGB HWC. */
export async function pilReference(config: string, name: string): Promise<Buffer> {
  return sharp(join(PREPROCESS_ROOT, 'expected', config, `${name.replace(/\.[^.]+$/, '')}.png`))
    .removeAlpha()
    .raw()
    .toBuffer();
}

/** Mean and largest absolute difference of two byte arrays, in 0-255 units. */
export function pixelDifference(a: Uint8Array, b: Uint8Array): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    sum += d;
    max = Math.max(max, d);
  }
  return { mean: sum / a.length, max };
}

/**
 * Holds one model-input path to the PIL reference on every case of a config: each image within 1
 * (mean) and 12 (max) of PIL in 0-255 units, and 0.3 on average. Returns the per-image report.
 */
export async function expectNearPil(
  config: string,
  input: (path: string, spec: ImageSpec) => Promise<Uint8Array>,
): Promise<string> {
  const spec = specFor(config);
  const rows: string[] = [];
  let total = 0;
  for (const c of PIL_CASES) {
    const ours = await input(pilCasePath(c), spec);
    const ref = await pilReference(config, c.name);
    expect(ours.length, c.name).toBe(ref.length);
    const s = pixelDifference(ours, ref);
    // In tensor units (what the model sees) the difference is this divided by 255 and by std (~0.27).
    rows.push(
      `${c.name.padEnd(18)} mean ${s.mean.toFixed(3).padStart(7)}  max ${String(s.max).padStart(3)}  (${c.note})`,
    );
    total += s.mean;
    expect(s.mean, c.name).toBeLessThan(1);
    expect(s.max, c.name).toBeLessThanOrEqual(12);
  }
  expect(total / PIL_CASES.length, 'mean over images').toBeLessThan(0.3);
  return `${config}: |ours - PIL| in 0-255 units, mean over images ${(total / PIL_CASES.length).toFixed(3)}\n  ${rows.join('\n  ')}\n`;
}
