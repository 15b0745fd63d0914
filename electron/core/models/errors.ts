// Errors of the model catalogue, downloader and cache. Each names what failed (the file, the host, the
// folder) and what the user can do, because these reach people who are offline or out of disk space.

/** models/catalogue.json (or another catalogue) is malformed; names the field at fault. */
export class CatalogueError extends Error {
  override readonly name = 'CatalogueError';
  constructor(
    readonly source: string,
    detail: string,
  ) {
    super(`${source}: ${detail}`);
  }
}

/** Base of every download failure, so callers can catch them together. */
export class DownloadError extends Error {
  override readonly name: string = 'DownloadError';
}

/** The hub (or its CDN) could not be reached at all: no route, no DNS, refused, timed out. */
export class OfflineError extends DownloadError {
  override readonly name = 'OfflineError';
  constructor(
    readonly host: string,
    /** The system's reason, e.g. ENOTFOUND, ECONNREFUSED, timeout. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `cannot reach ${host} (${reason}): this computer seems to be offline or the host is blocked. ` +
        'Connect and try again (the download resumes where it stopped), or import a model folder ' +
        'copied from another machine.',
      options,
    );
  }
}

/** The hub answered with an HTTP error for one file. */
export class HubHttpError extends DownloadError {
  override readonly name = 'HubHttpError';
  constructor(
    readonly status: number,
    /** The file's path in the repo, e.g. onnx/vision_model.onnx. */
    readonly file: string,
    readonly url: string,
    hint = '',
  ) {
    super(`${file}: the hub answered HTTP ${status} for ${url}${hint ? ` (${hint})` : ''}`);
  }
}

/** A downloaded file does not match the checksum or size the hub (or the catalogue) publishes. */
export class IntegrityError extends DownloadError {
  override readonly name = 'IntegrityError';
  constructor(
    readonly file: string,
    readonly expected: string,
    readonly actual: string,
    what = 'checksum',
  ) {
    super(
      `${file}: ${what} mismatch (expected ${expected}, got ${actual}); the partial file was deleted, ` +
        'try the download again',
    );
  }
}

/** The disk filled up while writing; nothing of the model was kept. */
export class DiskFullError extends DownloadError {
  override readonly name = 'DiskFullError';
  constructor(
    readonly dir: string,
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(
      `not enough disk space in ${dir} (ENOSPC while writing ${file}); the partial files were removed. ` +
        'Free some space or choose another model folder, then try again.',
      options,
    );
  }
}

/** The caller's AbortSignal fired. Partial files are kept so a later download resumes. */
export class DownloadCancelledError extends DownloadError {
  override readonly name = 'AbortError';
  constructor(what: string, options?: { cause?: unknown }) {
    super(`${what}: cancelled`, options);
  }
}

/** Another process is downloading or importing the same model into the same cache. */
export class ModelBusyError extends DownloadError {
  override readonly name = 'ModelBusyError';
  constructor(
    readonly id: string,
    readonly pid: number,
  ) {
    super(`model ${id} is already being downloaded or imported (process ${pid})`);
  }
}

/** An import or selection problem that is not a broken folder (those are ModelFolderError). */
export class ModelStoreError extends Error {
  override readonly name = 'ModelStoreError';
}
