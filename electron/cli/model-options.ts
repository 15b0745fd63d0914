// The options every model-using command shares (--model, --precision, --providers, --threads),
// parsed into ClipModel options with clear usage errors.

import { ClipModel, type ClipModelOptions } from '../core/clip/clip-model.js';
import { PRECISIONS, type Precision } from '../core/clip/model-spec.js';
import { isProviderName, type ProviderName } from '../core/clip/providers.js';
import { ModelStoreError } from '../core/models/errors.js';
import {
  configuredModel as configuredCoreModel,
  resolveModel,
  type ModelChoice,
} from '../core/models/installed.js';
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

const explicitDir = (values: ModelValues): string | undefined =>
  values.model ?? (process.env.LUMEN_MODEL || undefined);

/** Whether the options name a model folder (--model or $LUMEN_MODEL). */
export const modelGiven = (values: ModelValues): boolean => explicitDir(values) !== undefined;

/**
 * The model the options choose (--model, $LUMEN_MODEL, else the chosen or default model in the cache),
 * or null when none is given and none is installed yet (a first run).
 */
export function configuredModel(values: ModelValues): ModelChoice | null {
  try {
    return configuredCoreModel(explicitDir(values));
  } catch (e) {
    if (e instanceof ModelStoreError) throw usageError(e.message);
    throw e;
  }
}

/** The model the options choose; a usage error saying how to get one when there is none. */
export function resolveModelChoice(values: ModelValues): ModelChoice {
  const choice = configuredModel(values);
  if (choice) return choice;
  let why = 'no model is installed';
  try {
    resolveModel();
  } catch (e) {
    if (e instanceof ModelStoreError) why = e.message;
  }
  throw usageError(`${why}\nno model yet: run "lumen models download" (or pass --model DIR)`);
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
