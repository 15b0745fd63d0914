// Switching the library's adapter, as the CLI and the engine both do it: activate one (or none),
// re-tagging afterwards since tags follow the space they are scored in (and the sidecars with them when
// the library's settings say so); and roll back to the version that was active before the last
// activation (a stack: the model's activation history), or to the plain model.

import type { AdapterProgressFn, Library } from '../library/library.js';
import { writeSidecarsIfWanted, type TagPhaseProgress } from '../tags/tag-library.js';
import type { TagRunReport } from '../tags/tagger.js';
import { AdapterError, type AdapterRecord, type HistoryChange } from './adapter-store.js';

export interface SwitchOptions {
  onProgress?: AdapterProgressFn;
  onTagProgress?: (p: TagPhaseProgress) => void;
}

/** Makes an adapter of the library's model active (null: the plain model), then re-tags the library. */
export async function activateAdapter(
  library: Library,
  adapterId: number | null,
  options: SwitchOptions = {},
  history: HistoryChange = 'push',
): Promise<TagRunReport | null> {
  if (adapterId !== null && library.adapters.get(adapterId)?.modelId !== library.modelId)
    throw new AdapterError(`no adapter ${adapterId} for this model`);
  await library.useAdapter(adapterId, options.onProgress, history);
  const report = await library.refreshTags(Number.MAX_SAFE_INTEGER, undefined, options.onTagProgress);
  await writeSidecarsIfWanted(library, {
    ...(options.onTagProgress && { onProgress: options.onTagProgress }),
  });
  return report;
}

/**
 * The version a rollback returns to: the one that was active before the last activation (the
 * model's activation history), or the plain model (null) when there was none before it.
 */
export function rollbackTarget(library: Library): {
  current: AdapterRecord | null;
  previous: AdapterRecord | null;
} {
  const current = library.adapters.active(library.modelId) ?? null;
  if (!current) return { current: null, previous: null };
  const history = library.adapters.history(library.modelId);
  // A library activated before the history was kept knows no earlier state: the plain model.
  const before = history.at(-1) === current.id ? (history.at(-2) ?? null) : null;
  return { current, previous: before === null ? null : (library.adapters.get(before) ?? null) };
}

/**
 * Steps back from the active adapter to the one active before it; returns the one now active (null:
 * the plain model). With none active there is nothing to undo: the library is left as it is.
 */
export async function rollbackAdapter(
  library: Library,
  options: SwitchOptions = {},
): Promise<AdapterRecord | null> {
  const { current, previous } = rollbackTarget(library);
  if (!current) return null;
  await activateAdapter(library, previous?.id ?? null, options, 'pop');
  return previous;
}
