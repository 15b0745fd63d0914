// The options every model-using command shares (--model, --precision, --providers, --threads),
// parsed into ClipModel options with clear usage errors.

import { existsSync } from 'node:fs';
import { ClipModel, type ClipModelOptions } from '../core/clip/clip-model.js';
import { PRECISIONS, type Precision } from '../core/clip/model-spec.js';
import { isProviderName, type ProviderName } from '../core/clip/providers.js';
import { ModelStoreError } from '../core/models/errors.js';
import { resolveModel, type ModelChoice } from '../core/models/installed.js';
import { usageError } from './cli-error.js';

export type { ModelChoice } from '../core/models/installed.js';

export const MODEL_OPTIONS = {
  model: { type: 'string' },
  precision: { type: 'string' },
  providers: { type: 'string' },
  threads: { type: 'string' },
} as const;

export const MODEL_HELP = `  --model DIR          model folder (Hugging Face ONNX layout); default $LUMEN_MODEL, else the
                       model chosen with lumen models use (or downloaded by lumen models download)
  --precision P        ${PRECISIONS.join(' | ')} (default: fp32 where present)
  --providers LIST     execution providers to try in order, e.g. cuda,cpu (default: auto)
  --threads N          threads per inference session (default: all cores)`;

export interface ModelValues {
  model?: string | undefined;
  precision?: string | undefined;
  providers?: string | undefined;
  threads?: string | undefined;
}

/**
 * The model folder: --model, else $LUMEN_MODEL, else the model chosen with `lumen models use` (or the
 * catalogue's default) from the cache shared with the app, with its preferred variant.
 */
export function modelDir(values: ModelValues): string {
  return resolveModelChoice(values).dir;
}

export function resolveModelChoice(values: ModelValues): ModelChoice {
  const dir = values.model ?? (process.env.LUMEN_MODEL || undefined);
  if (dir) {
    if (!existsSync(dir)) throw usageError(`model folder not found: ${dir}`);
    return { dir };
  }
  try {
    const resolved = resolveModel();
    return { dir: resolved.dir, variant: resolved.variant };
  } catch (e) {
    if (e instanceof ModelStoreError)
      throw usageError(`${e.message}\nno model yet: run "lumen models download" (or pass --model DIR)`);
    throw e;
  }
}

/**
 * The model the options choose, or null when none is given and none is installed yet (a first run:
 * `lumen serve` and the app then start without a library and offer the download).
 */
export function configuredModel(values: ModelValues): ModelChoice | null {
  if (values.model ?? (process.env.LUMEN_MODEL || undefined)) return resolveModelChoice(values);
  try {
    const resolved = resolveModel();
    return { dir: resolved.dir, variant: resolved.variant };
  } catch (e) {
    if (e instanceof ModelStoreError) return null;
    throw e;
  }
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

/**
 * Opens the model the options choose (or the given choice), in the variant chosen for it unless
 * --precision says otherwise.
 */
export function openModel(values: ModelValues, choice: ModelChoice = resolveModelChoice(values)): ClipModel {
  const options = modelOptions(values);
  if (!options.precision && choice.variant) options.precision = choice.variant;
  return ClipModel.open(choice.dir, options);
}
