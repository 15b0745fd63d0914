// The model catalogue and downloads for the UI: what models.list shows, the one background download
// (models.download / models.cancel) with its models.progress events, and choosing a model
// (use writes the same settings file `lumen models use` does; resolve finds a model without choosing it). It needs no library, so the
// engine host serves it before any model is there. Downloads go through the same resumable, verified
// downloader as `lumen models download`.

import { resolve } from 'node:path';
import type { Precision } from '../core/clip/model-spec.js';
import {
  defaultVariant,
  type DownloadVariant,
  filesFor,
  findModel,
  loadCatalogue,
  variantsOf,
  type Catalogue,
  type CatalogueEntry,
} from '../core/models/catalogue.js';
import { DownloadCancelledError, ModelStoreError } from '../core/models/errors.js';
import { downloadModel, type DownloadOptions, type DownloadProgress } from '../core/models/hub-download.js';
import {
  defaultSettingsFile,
  listModels,
  choiceOf,
  resolveModel,
  writeModelSettings,
  type ModelChoice,
} from '../core/models/installed.js';
import { ApiError, type EventData, type Params, type Result } from '../shared/api.js';

export interface ModelServiceOptions {
  /** The model cache (default: the app-data folder's models/, shared with the CLI). */
  root?: string;
  catalogue?: Catalogue;
  /** The settings file holding the chosen model (default: the app-data folder's settings.json). */
  settingsFile?: string;
  /** Hub base URL (default $LUMEN_HUB_URL, else https://huggingface.co). */
  hubUrl?: string;
  /** Passed to the downloader: retries, timeouts, an injected fetch, a token. */
  download?: Pick<DownloadOptions, 'retries' | 'retryDelayMs' | 'timeoutMs' | 'fetch' | 'token' | 'logger'>;
  /** Minimum time between two 'downloading' events (default 100 ms). */
  progressIntervalMs?: number;
}

type Progress = EventData<'models.progress'>;

export interface ModelServiceHooks {
  emit: (data: Progress) => void;
  /**
   * Called when a download has been placed, before the 'done' event: the host opens the library on it
   * if none is open. A throw turns the download's end into 'failed' with its message.
   */
  installed?: (id: string, variant: Precision | undefined) => Promise<void>;
}

/** The bytes to download, where every graph's size is known (configs of unknown size are small). */
function sizeOf(entry: CatalogueEntry, variant: DownloadVariant): number | null {
  let bytes = 0;
  for (const f of filesFor(entry, variant)) {
    if (f.bytes === null) {
      if (f.path.endsWith('.onnx')) return null;
    } else bytes += f.bytes;
  }
  return bytes || null;
}

function noteOf(entry: CatalogueEntry): string {
  const parts = [entry.goodFor];
  if (entry.requires.length) parts.push(`Needs runtime support for ${entry.requires.join(', ')}.`);
  if (!entry.confirmed) parts.push('Not yet confirmed to work with Lumen.');
  return parts.join(' ');
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class ModelService {
  private job: { id: string; controller: AbortController; done: Promise<void> } | null = null;
  private catalogueCache: Catalogue | null = null;
  private stopped = false;

  constructor(
    private readonly options: ModelServiceOptions,
    private readonly hooks: ModelServiceHooks,
  ) {}

  private get catalogue(): Catalogue {
    this.catalogueCache ??= this.options.catalogue ?? loadCatalogue();
    return this.catalogueCache;
  }

  private cache(): { root?: string; catalogue: Catalogue } {
    return { ...(this.options.root && { root: this.options.root }), catalogue: this.catalogue };
  }

  private get settingsFile(): string {
    return this.options.settingsFile ?? defaultSettingsFile();
  }

  /** The id of the running download, if any. */
  get downloading(): string | null {
    return this.job?.id ?? null;
  }

  /**
   * The model chosen now (the settings file, else the catalogue's default) if it is installed, with
   * its variant; null when there is none yet (a first run).
   */
  configured(): ModelChoice | null {
    try {
      return choiceOf(resolveModel({ ...this.cache(), settingsFile: this.settingsFile }));
    } catch (err) {
      if (err instanceof ModelStoreError) return null;
      throw err;
    }
  }

  list(activeDir: string | null): Result<'models.list'> {
    const active = activeDir === null ? null : resolve(activeDir);
    return listModels(this.cache()).map((m) => ({
      id: m.id,
      name: m.name,
      family: m.entry?.family ?? 'clip',
      repo: m.entry?.repo ?? null,
      present: m.installed,
      isDefault: m.isDefault,
      active: m.dir !== null && active !== null && resolve(m.dir) === active,
      sizeBytes: m.entry ? sizeOf(m.entry, defaultVariant(m.entry)) : null,
      license: m.entry?.license ?? null,
      note: m.entry ? noteOf(m.entry) : null,
    }));
  }

  /** Starts a download in the background; false when one is running already. */
  download({ id, variant }: Params<'models.download'>): Result<'models.download'> {
    if (this.stopped) throw new ApiError('failed', 'the engine is shutting down');
    const entry = findModel(this.catalogue, id);
    if (!entry) throw new ApiError('not-found', `no model "${id}" in the catalogue`);
    if (variant && !variantsOf(entry).includes(variant))
      throw new ApiError(
        'bad-request',
        `${id} has no ${variant} variant (it has ${variantsOf(entry).join(', ')})`,
      );
    const chosen = variant ?? defaultVariant(entry);
    if (this.job) return { started: false };
    const job = { id, controller: new AbortController(), done: Promise.resolve() };
    this.job = job;
    // The job ends before its last event goes out, so a listener may start the next one at once.
    const release = (): void => {
      if (this.job === job) this.job = null;
    };
    job.done = this.run(entry, chosen, variant, job.controller.signal, release).finally(release);
    return { started: true };
  }

  private async run(
    entry: CatalogueEntry,
    variant: DownloadVariant,
    asked: Precision | undefined,
    signal: AbortSignal,
    release: () => void,
  ): Promise<void> {
    const expected = sizeOf(entry, variant);
    let last: Progress = {
      id: entry.id,
      file: null,
      doneBytes: 0,
      totalBytes: expected,
      state: 'downloading',
      error: null,
    };
    let sentAt = 0;
    const send = (next: Progress, force = false): void => {
      const now = Date.now();
      const changed = next.state !== last.state || next.file !== last.file;
      last = next;
      if (!force && !changed && now - sentAt < (this.options.progressIntervalMs ?? 100)) return;
      sentAt = now;
      this.hooks.emit(next);
    };
    send(last, true);
    const onProgress = (p: DownloadProgress): void => {
      // A file whose bytes are all there is being hashed; placing checks the whole model folder.
      const verifying =
        p.phase === 'placing' ||
        p.phase === 'done' ||
        (p.phase === 'downloading' && p.fileTotal !== null && p.fileBytes >= p.fileTotal);
      send({
        ...last,
        file: p.file,
        doneBytes: p.bytes,
        totalBytes: p.total ?? expected,
        state: verifying ? 'verifying' : 'downloading',
      });
    };
    try {
      await downloadModel(entry, variant, {
        ...this.options.download,
        ...(this.options.root && { root: this.options.root }),
        ...(this.options.hubUrl && { hubUrl: this.options.hubUrl }),
        signal,
        onProgress,
      });
      send({ ...last, file: null, state: 'verifying' });
      await this.hooks.installed?.(entry.id, asked);
      release();
      send({ ...last, doneBytes: last.totalBytes ?? last.doneBytes, state: 'done' }, true);
    } catch (err) {
      release();
      if (err instanceof DownloadCancelledError || signal.aborted)
        send({ ...last, state: 'cancelled' }, true);
      else send({ ...last, state: 'failed', error: message(err) }, true);
    }
  }

  cancel(): void {
    this.job?.controller.abort(new Error('cancelled'));
  }

  /**
   * Where an installed model is, with the variant it would open in (the one asked for if installed,
   * else none: each encoder at its default), without choosing it; `use` makes it the chosen one.
   */
  resolve(id: string, variant?: Precision): ModelChoice & { id: string } {
    const listing = listModels(this.cache()).find((m) => m.id === id);
    if (!listing) throw new ApiError('not-found', `no model "${id}" in the catalogue or the model cache`);
    if (!listing.installed || !listing.dir)
      throw new ApiError('bad-request', `model "${id}" is not downloaded yet`);
    const chosen = variant && listing.installedVariants.includes(variant) ? variant : undefined;
    return { id, dir: listing.dir, ...(chosen && { variant: chosen }) };
  }

  /**
   * Makes an installed model the chosen one for the app and the CLI (the settings file `lumen models
   * use` writes) and returns where it is, with the variant it will open in.
   */
  use(id: string, variant?: Precision): ModelChoice {
    const listing = listModels(this.cache()).find((m) => m.id === id);
    if (!listing) throw new ApiError('not-found', `no model "${id}" in the catalogue or the model cache`);
    if (!listing.installed) throw new ApiError('bad-request', `model "${id}" is not downloaded yet`);
    writeModelSettings(
      { model: id, ...(variant && listing.installedVariants.includes(variant) && { variant }) },
      this.settingsFile,
    );
    return choiceOf(resolveModel({ ...this.cache(), settingsFile: this.settingsFile }));
  }

  /** Cancels the running download and waits for it to stop. */
  async stop(): Promise<void> {
    this.stopped = true;
    const job = this.job;
    if (!job) return;
    job.controller.abort(new Error('shutting down'));
    await job.done.catch(() => undefined);
  }
}
