// Handlers for the settings screen: the model in use and how it runs (precision, execution
// providers, threads), the library's own settings (threads, XMP sidecars, watching, exclusions) and the
// catalogue's models with whether each is present in the model cache.

import { describePrecision } from '../../core/clip/default-precision.js';
import { describeSearchHealth } from '../../core/library/search-check.js';
import { EXACT_LIMIT } from '../../core/library/search.js';
import { autoProviders, detectEnvironment } from '../../core/clip/providers.js';
import { listModels } from '../../core/models/installed.js';
import { SettingsError } from '../../core/library/settings-store.js';
import { ApiError } from '../../shared/api.js';
import { ok, defined, type HandlerContext, type HandlerGroup } from './context.js';

export function settingsHandlers(
  ctx: HandlerContext,
  /** Told after every change (watching starts or stops at once). */
  onChanged: () => void,
): HandlerGroup<'settings.get' | 'settings.set'> {
  const { library } = ctx;
  const catalogue = () => {
    try {
      return listModels(ctx.options.models ?? {})
        .filter((m) => m.entry !== null)
        .map((m) => ({
          id: m.id,
          name: m.name,
          family: m.entry?.family ?? 'clip',
          present: m.installed,
          isDefault: m.isDefault,
        }));
    } catch {
      // No catalogue file (a bare engine without the package around it): nothing to list.
      return [];
    }
  };
  return {
    'settings.get': () => {
      const { model } = library;
      const info = model.info();
      const stored = library.settings.get();
      return {
        model: {
          name: info.name,
          path: info.dir,
          family: info.family,
          precision: describePrecision(info.precision),
          embedDim: info.embedDim,
          threads: info.threads,
        },
        providers: {
          available: autoProviders(detectEnvironment()),
          // The provider that ran the model last; before its first run, the one it will try first.
          active: info.ran.vision ?? info.ran.text ?? info.providerOrder[0] ?? 'cpu',
        },
        search: {
          ...library.searchHealth,
          summary: describeSearchHealth(library.searchHealth, EXACT_LIMIT, library.space.index.size),
        },
        threads: stored.threads,
        libraryPath: library.db.name,
        xmpSidecars: stored.xmpSidecars,
        xmpAutoTags: stored.xmpAutoTags,
        watch: stored.watch,
        exclude: stored.exclude,
        catalogue: catalogue(),
      };
    },
    'settings.set': (p) => {
      try {
        library.settings.set(defined(p));
      } catch (err) {
        if (err instanceof SettingsError) throw new ApiError('bad-request', err.message);
        throw err;
      }
      onChanged();
      ctx.emit('library.changed', { reason: 'settings changed' });
      return ok;
    },
  };
}
