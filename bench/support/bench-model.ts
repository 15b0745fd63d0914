// Where the benchmarks find the full-size random ViT-B/32 (made by make_shapes_clip.py --full-size)
// and their caches; a missing model stops the benchmark with how to make it.

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const BENCH_CACHE = join(homedir(), '.cache', 'lumen');
export const BENCH_MODEL_DIR =
  process.env.LUMEN_BENCH_MODEL ?? join(BENCH_CACHE, 'bench-models', 'clip-vit-b32-random');

/** Exits with code 2 and instructions unless the model folder holds `file` (under onnx/). */
export function requireBenchModel(file = 'vision_model.onnx'): void {
  if (existsSync(join(BENCH_MODEL_DIR, 'onnx', file))) return;
  process.stderr.write(
    `No benchmark model at ${BENCH_MODEL_DIR}.\nMake it with: python3 scripts/models/make_shapes_clip.py --full-size\n`,
  );
  process.exit(2);
}
