// Switching the library's adapter, as the CLI and the engine both do it: activate one (or none),
// re-tagging afterwards since tags follow the space they are scored in (and the sidecars with them when
// the library's settings say so); and roll back from the active version to the one before it, or to the
// plain model when it was the first.

import type { AdapterProgressFn, Library } from '../library/library.js';
import { writeSidecarsIfWanted, type TagPhaseProgress } from '../tags/tag-library.js';
import type { TagRunReport } from '../tags/tagger.js';
import { AdapterError, type AdapterRecord } from './adapter-store.js';

export interface SwitchOptions {
  onProgress?: AdapterProgressFn;
  onTagProgress?: (p: TagPhaseProgress) => void;
}

/** Makes an adapter of the library's model active (null: the plain model), then re-tags the library. */
export async function activateAdapter(
  library: Library,
  adapterId: number | null,
  options: SwitchOptions = {},
): Promise<TagRunReport | null> {
  if (adapterId !== null && library.adapters.get(adapterId)?.modelId !== library.modelId)
    throw new AdapterError(`no adapter ${adapterId} for this model`);
  await library.useAdapter(adapterId, options.onProgress);
  const report = await library.refreshTags(Number.MAX_SAFE_INTEGER, undefined, options.onTagProgress);
  await writeSidecarsIfWanted(library, {
    ...(options.onTagProgress && { onProgress: options.onTagProgress }),
  });
  return report;
}

/** The version a rollback returns to: the newest one older than the active one, else none (null). */
export function rollbackTarget(library: Library): {
  current: AdapterRecord | null;
  previous: AdapterRecord | null;
} {
  const current = library.adapters.active(library.modelId) ?? null;
  if (!current) return { current: null, previous: null };
  const previous =
    library.adapters
      .list(library.modelId)
      .filter((a) => a.version < current.version)
      .at(-1) ?? null;
  return { current, previous };
}

/**
 * Steps back from the active adapter; returns the one now active (null: the plain model). With none
 * active there is nothing to undo: the library is left as it is.
 */
export async function rollbackAdapter(
  library: Library,
  options: SwitchOptions = {},
): Promise<AdapterRecord | null> {
  const { current, previous } = rollbackTarget(library);
  if (!current) return null;
  await activateAdapter(library, previous?.id ?? null, options);
  return previous;
}
