// Opening a library the way every entry point does (the app's engine, `lumen serve`, each CLI command):
// the database at dbPath with the model chosen for it, in the chosen variant unless the caller asks for
// another precision, on the library's own thread setting unless the caller gives threads, and with its
// active adapter. Whether a missing library may be created is the caller's to say.

import { ClipModel, type ClipModelOptions } from '../clip/clip-model.js';
import type { ModelChoice } from '../models/installed.js';
import { Library } from './library.js';
import { readStoredSettings } from './settings-store.js';

export interface OpenLibraryOptions {
  dbPath: string;
  model: ModelChoice;
  /** Precision, providers and threads asked for explicitly (a command's options). */
  modelOptions?: ClipModelOptions;
  /** Create the library when there is none (default false: only indexing and the app create one). */
  create?: boolean;
}

/**
 * How the model runs for the library at dbPath: the options asked for, over the chosen variant and the
 * library's own thread setting (`lumen info` reports it this way too).
 */
export function libraryModelOptions(
  dbPath: string,
  choice: ModelChoice,
  modelOptions: ClipModelOptions = {},
): ClipModelOptions {
  const stored = readStoredSettings(dbPath).threads;
  return {
    ...modelOptions,
    ...(modelOptions.precision === undefined && choice.variant && { precision: choice.variant }),
    ...(modelOptions.threads === undefined && stored !== null && { threads: stored }),
  };
}

export async function openLibrary(options: OpenLibraryOptions): Promise<Library> {
  const { dbPath, model: choice } = options;
  const model = ClipModel.open(choice.dir, libraryModelOptions(dbPath, choice, options.modelOptions));
  return Library.load({ dbPath, model, create: options.create ?? false });
}
