// The options every model-using command shares (--model, --precision, --providers, --threads),
// parsed into ClipModel options with clear usage errors.

import { existsSync } from 'node:fs';
import type { ClipModelOptions } from '../core/clip/clip-model.js';
import { PRECISIONS, type Precision } from '../core/clip/model-spec.js';
import { isProviderName, type ProviderName } from '../core/clip/providers.js';
import { usageError } from './cli-error.js';

export const MODEL_OPTIONS = {
  model: { type: 'string' },
  precision: { type: 'string' },
  providers: { type: 'string' },
  threads: { type: 'string' },
} as const;

export const MODEL_HELP = `  --model DIR          model folder (Hugging Face ONNX layout); default $LUMEN_MODEL
  --precision P        ${PRECISIONS.join(' | ')} (default: fp32 where present)
  --providers LIST     execution providers to try in order, e.g. cuda,cpu (default: auto)
  --threads N          threads per inference session (default: all cores)`;

export interface ModelValues {
  model?: string | undefined;
  precision?: string | undefined;
  providers?: string | undefined;
  threads?: string | undefined;
}

export function modelDir(values: ModelValues): string {
  const dir = values.model ?? process.env.LUMEN_MODEL;
  if (!dir) throw usageError('no model: pass --model DIR or set LUMEN_MODEL');
  if (!existsSync(dir)) throw usageError(`model folder not found: ${dir}`);
  return dir;
}

export function modelOptions(values: ModelValues): ClipModelOptions {
  const options: ClipModelOptions = {};
  if (values.precision) {
    if (!(PRECISIONS as string[]).includes(values.precision)) {
      throw usageError(`--precision must be one of ${PRECISIONS.join(', ')}`);
    }
    options.precision = values.precision as Precision;
  }
  if (values.providers && values.providers !== 'auto') {
    const list = values.providers.split(',').map((p) => p.trim());
    const bad = list.filter((p) => !isProviderName(p));
    if (bad.length)
      throw usageError(`unknown provider ${bad.join(', ')} (known: cuda, dml, coreml, webgpu, cpu)`);
    options.providers = list as ProviderName[];
  }
  if (values.threads) {
    const n = Number(values.threads);
    if (!Number.isInteger(n) || n < 1) throw usageError('--threads must be a positive integer');
    options.threads = n;
  }
  return options;
}
