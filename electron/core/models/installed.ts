// What is in the model cache, and which model to use. Lists the catalogue's models with the variants
// present on disk, plus imported ones; resolves the selected model folder from an explicit choice, the
// settings file (<app data>/settings.json: { "model": "<id>", "variant": "quantized" }) or the
// catalogue default. A variant the user chose runs both encoders; otherwise each encoder runs at the
// one default every entry point shares (clip/default-precision.ts).

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { appDataDir } from '../app-paths.js';
import { defaultPrecision, type EncoderPrecision } from '../clip/default-precision.js';
import { isRecord } from '../clip/json-fields.js';
import { PRECISIONS, type Precision } from '../clip/model-spec.js';
import {
  defaultModel,
  findModel,
  loadCatalogue,
  variantsOf,
  type Catalogue,
  type CatalogueEntry,
} from './catalogue.js';
import { ModelStoreError } from './errors.js';
import {
  defaultModelRoot,
  graphPrecisions,
  readManifest,
  towerVariants,
  writeFileAtomic,
} from './model-cache.js';

export interface ModelListing {
  id: string;
  name: string;
  /** The catalogue entry; null for a folder imported under an id the catalogue does not know. */
  entry: CatalogueEntry | null;
  /** Both encoders have a graph on disk. */
  installed: boolean;
  dir: string | null;
  /** Variants with both towers on disk (those a user can choose). */
  installedVariants: Precision[];
  /** What the model runs at on CPU when no variant is chosen (null when not installed). */
  precision: EncoderPrecision | null;
  /** Variants the catalogue offers for download (empty for imported models). */
  offeredVariants: Precision[];
  /** hub: downloaded; import: imported from a folder; manual: copied in without a manifest. */
  source: 'hub' | 'import' | 'manual' | null;
  /** The installed revision, where it came from the hub. */
  revision: string | null;
  /** Installed from the hub at another revision than the catalogue's now. */
  outdated: boolean;
  isDefault: boolean;
}

export interface CacheOptions {
  root?: string;
  catalogue?: Catalogue;
}

/** The catalogue's models in catalogue order, then other model folders in the cache by id. */
export function listModels(options: CacheOptions = {}): ModelListing[] {
  const root = options.root ?? defaultModelRoot();
  const catalogue = options.catalogue ?? loadCatalogue();
  const out: ModelListing[] = catalogue.models.map((entry) => describe(root, entry.id, entry));
  const known = new Set(catalogue.models.map((m) => m.id));
  let names: string[] = [];
  try {
    names = readdirSync(root).filter((n) => !n.startsWith('.') && !known.has(n));
  } catch {
    // no cache yet
  }
  for (const name of names.sort()) {
    const dir = join(root, name);
    if (!statSync(dir).isDirectory()) continue;
    const listing = describe(root, name, null);
    if (listing.installed) out.push(listing);
  }
  return out;
}

function describe(root: string, id: string, entry: CatalogueEntry | null): ModelListing {
  const dir = join(root, id);
  const hasConfig = existsSync(join(dir, 'config.json'));
  const variants = hasConfig ? towerVariants(dir) : [];
  const precision = hasConfig ? defaultPrecision(graphPrecisions(dir), true) : null;
  const installed = precision !== null;
  const manifest = installed ? readManifest(dir) : null;
  const revision = manifest?.source === 'hub' ? (manifest.revision ?? null) : null;
  return {
    id,
    name: entry?.name ?? id,
    entry,
    installed,
    dir: installed ? dir : null,
    installedVariants: variants,
    precision,
    offeredVariants: entry ? variantsOf(entry) : [],
    source: installed ? (manifest?.source ?? 'manual') : null,
    revision,
    outdated: entry !== null && revision !== null && revision !== entry.revision,
    isDefault: entry?.default ?? false,
  };
}

// ---- settings -------------------------------------------------------------------------------------

export interface ModelSettings {
  model?: string;
  variant?: Precision;
}

export function defaultSettingsFile(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  return join(appDataDir(env, platform), 'settings.json');
}

function readSettingsObject(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ModelStoreError(`${file}: is not valid JSON (${(err as Error).message})`);
  }
  if (!isRecord(parsed)) throw new ModelStoreError(`${file}: must hold a JSON object`);
  return parsed;
}

/** The model choice in the settings file; {} where there is none. Other keys are ignored. */
export function readModelSettings(file: string = defaultSettingsFile()): ModelSettings {
  const raw = readSettingsObject(file);
  const settings: ModelSettings = {};
  if (raw.model !== undefined && raw.model !== null) {
    if (typeof raw.model !== 'string' || raw.model === '') {
      throw new ModelStoreError(`${file}: "model" must be a model id`);
    }
    settings.model = raw.model;
  }
  if (raw.variant !== undefined && raw.variant !== null) {
    if (!isPrecision(raw.variant)) {
      throw new ModelStoreError(`${file}: "variant" must be one of ${PRECISIONS.join(', ')}`);
    }
    settings.variant = raw.variant;
  }
  return settings;
}

/** Sets (or, with undefined, clears) the model choice, keeping any other settings in the file. */
export function writeModelSettings(settings: ModelSettings, file: string = defaultSettingsFile()): void {
  const raw = readSettingsObject(file);
  const next: Record<string, unknown> = { ...raw, model: settings.model, variant: settings.variant };
  if (settings.model === undefined) delete next.model;
  if (settings.variant === undefined) delete next.variant;
  writeFileAtomic(file, `${JSON.stringify(next, null, 2)}\n`);
}

function isPrecision(value: unknown): value is Precision {
  return (PRECISIONS as readonly unknown[]).includes(value);
}

// ---- resolving the model to use -------------------------------------------------------------------

export interface ResolveOptions extends CacheOptions {
  settingsFile?: string;
  /** An explicit model id (overrides the settings). */
  model?: string;
  /** An explicit variant (overrides the settings and the CPU/GPU rule). */
  variant?: Precision;
  /** Whether the model will run on CPU; default true (the CPU defaults apply). */
  onCpu?: boolean;
}

/** A model folder to open, and the variant chosen for it (absent: each encoder's default). */
export interface ModelChoice {
  dir: string;
  variant?: Precision;
}

export interface ResolvedModel {
  id: string;
  dir: string;
  /** The variant chosen for both encoders; absent: each runs at its default (`precision`). */
  variant?: Precision;
  /** What each encoder runs at. */
  precision: EncoderPrecision;
  entry: CatalogueEntry | null;
  /** Where the model choice came from. */
  modelFrom: 'option' | 'settings' | 'default';
  /** Where the variant came from: chosen, or each encoder's default among the graphs installed. */
  variantFrom: 'option' | 'settings' | 'default';
}

/** The model folder and variant to load; a clear ModelStoreError when it is not installed. */
export function resolveModel(options: ResolveOptions = {}): ResolvedModel {
  const root = options.root ?? defaultModelRoot();
  const catalogue = options.catalogue ?? loadCatalogue();
  const settings = readModelSettings(options.settingsFile ?? defaultSettingsFile());
  const id = options.model ?? settings.model ?? defaultModel(catalogue).id;
  const modelFrom = options.model ? 'option' : settings.model ? 'settings' : 'default';
  const entry = findModel(catalogue, id) ?? null;
  const listing = describe(root, id, entry);
  if (!listing.installed || !listing.dir) {
    const how = entry
      ? 'download it from the model catalogue or import a model folder'
      : 'import a model folder';
    throw new ModelStoreError(`model "${id}" is not installed in ${root}; ${how}`);
  }
  // The saved variant belongs to the saved model (or to the default when no model is saved).
  const savedFor = settings.model === undefined ? !options.model : settings.model === id;
  const asked = options.variant ?? (savedFor ? settings.variant : undefined);
  if (asked) {
    if (!listing.installedVariants.includes(asked)) {
      throw new ModelStoreError(
        `model "${id}" has no ${asked} variant installed (installed: ${listing.installedVariants.join(', ')})`,
      );
    }
    return {
      id,
      dir: listing.dir,
      variant: asked,
      precision: { vision: asked, text: asked },
      entry,
      modelFrom,
      variantFrom: options.variant ? 'option' : 'settings',
    };
  }
  const precision = defaultPrecision(graphPrecisions(listing.dir), options.onCpu ?? true);
  if (!precision)
    throw new ModelStoreError(`model "${id}" has no graph for one of its encoders in ${listing.dir}`);
  return { id, dir: listing.dir, precision, entry, modelFrom, variantFrom: 'default' };
}

/** What to open for a resolved model: its folder, and its variant where one was chosen. */
export function choiceOf(resolved: ResolvedModel): ModelChoice {
  return { dir: resolved.dir, ...(resolved.variant && { variant: resolved.variant }) };
}

/**
 * The model a library opens with when nothing more is said: `dir` (the --model option or
 * $LUMEN_MODEL), else the model chosen with `lumen models use` (or the catalogue's default) from the
 * model cache with its variant; null when none is installed yet (a first run). The app, `lumen serve`
 * and every CLI command resolve it here.
 */
export function configuredModel(dir: string | undefined, options: ResolveOptions = {}): ModelChoice | null {
  if (dir) {
    if (!existsSync(dir)) throw new ModelStoreError(`model folder not found: ${dir}`);
    return { dir };
  }
  try {
    return choiceOf(resolveModel(options));
  } catch (e) {
    if (e instanceof ModelStoreError) return null;
    throw e;
  }
}
