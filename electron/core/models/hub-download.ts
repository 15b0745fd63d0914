// Downloads one catalogue model variant from the Hugging Face Hub (or a mirror speaking its URL scheme,
// <base>/<repo>/resolve/<revision>/<path>) into the shared model cache.
//
// Per file: a HEAD request reads what the hub publishes (size; the SHA-256 of LFS files in X-Linked-Etag,
// the git blob sha1 of small files in ETag, as huggingface_hub's file_download.py reads them), then a GET
// follows the redirect to the CDN and streams into a .part file. A dropped connection resumes with a
// Range request; transient failures (5xx, 429, resets, stalls) are retried with backoff. Every file is
// verified before it is kept. Everything lands in <root>/.incoming/<id>-<random>/, is validated as a
// model folder, and only then renamed to <root>/<id>, so a half-downloaded model is never loaded.

import { createHash, type Hash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { readModelFolder } from '../clip/model-folder.js';
import { isRecord } from '../clip/json-fields.js';
import { quietLogger, type Logger } from '../log.js';
import {
  filesFor,
  isValidModelId,
  type CatalogueEntry,
  type CatalogueFile,
  type DownloadVariant,
} from './catalogue.js';
import {
  DiskFullError,
  DownloadCancelledError,
  DownloadError,
  HubHttpError,
  IntegrityError,
  OfflineError,
} from './errors.js';
import {
  defaultModelRoot,
  fileSize,
  incomingDir,
  isDiskFull,
  linkMissing,
  listFiles,
  lockModel,
  newStagingDir,
  nodeFileLayer,
  placeModel,
  readManifest,
  recoverModel,
  removeDir,
  towerVariants,
  writeFileAtomic,
  writeManifest,
  type FileLayer,
  type ManifestFile,
  type ModelManifest,
} from './model-cache.js';

export const DEFAULT_HUB_URL = 'https://huggingface.co';

/** Where downloads come from by default: $LUMEN_HUB_URL (a mirror with the hub's URL scheme), else the hub. */
export function defaultHubUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.LUMEN_HUB_URL || DEFAULT_HUB_URL;
}

export interface DownloadProgress {
  phase: 'checking' | 'downloading' | 'placing' | 'done';
  /** The repo path being worked on, null between files. */
  file: string | null;
  fileBytes: number;
  fileTotal: number | null;
  /** Bytes on disk across all files of this download (resumed bytes included). */
  bytes: number;
  /** Total across all files; null while a size is unknown. */
  total: number | null;
  filesDone: number;
  filesTotal: number;
}

export interface DownloadOptions {
  /** The cache root; default <app data>/models. The model goes to <root>/<id>. */
  root?: string;
  /** Hub base URL; default $LUMEN_HUB_URL, else https://huggingface.co (a mirror with its URL scheme). */
  hubUrl?: string;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Retries of one request after transient failures (5xx, 429, resets, stalls). Default 4. */
  retries?: number;
  /** First backoff delay; it doubles on each retry (with jitter). Default 1000 ms. */
  retryDelayMs?: number;
  /** No response, or no data, for this long counts as a dropped connection. Default 30 s. */
  timeoutMs?: number;
  /** Sent as "Authorization: Bearer" to the hub only (gated or private repos). */
  token?: string;
  userAgent?: string;
  logger?: Logger;
  /** Injectable: the HTTP client (default: global fetch). */
  fetch?: typeof fetch;
  /** Injectable: how file contents are written (tests simulate a full disk). */
  files?: FileLayer;
}

export interface DownloadResult {
  id: string;
  dir: string;
  variant: DownloadVariant;
  /** Bytes fetched over the network by this call (0 when already installed). */
  downloadedBytes: number;
  alreadyInstalled: boolean;
}

/** What the hub publishes for one file. */
interface RemoteFile {
  path: string;
  url: string;
  size: number | null;
  /** Expected SHA-256 (LFS files), from the hub, else from the catalogue. */
  sha256: string | null;
  /** Git blob sha1 of a small non-LFS file. */
  gitSha1: string | null;
  lfs: boolean;
}

/** <staging>/.lumen-download.json: which download a staging folder belongs to, and what is done. */
interface StagingState {
  id: string;
  repo: string;
  revision: string;
  done: Record<string, ManifestFile>;
}
const STATE_FILE = '.lumen-download.json';

export function resolveUrl(hubUrl: string, repo: string, revision: string, path: string): string {
  const base = hubUrl.replace(/\/+$/, '');
  const rev = encodeURIComponent(revision);
  return `${base}/${repo}/resolve/${rev}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

export async function downloadModel(
  entry: CatalogueEntry,
  variant: DownloadVariant,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  if (!isValidModelId(entry.id)) throw new DownloadError(`"${entry.id}" is not a valid model id`);
  const wanted = filesFor(entry, variant);
  const root = options.root ?? defaultModelRoot();
  const target = join(root, entry.id);
  mkdirSync(incomingDir(root), { recursive: true });
  recoverModel(root, entry.id);

  if (installedFiles(target, entry, wanted)) {
    return { id: entry.id, dir: target, variant, downloadedBytes: 0, alreadyInstalled: true };
  }

  const release = lockModel(root, entry.id);
  try {
    return await new Downloader(entry, variant, wanted, root, target, options).run();
  } finally {
    release();
  }
}

/** True when <target> already holds this revision's files for the variant. */
function installedFiles(target: string, entry: CatalogueEntry, wanted: CatalogueFile[]): boolean {
  const manifest = readManifest(target);
  if (!manifest || manifest.source !== 'hub' || manifest.repo !== entry.repo) return false;
  if (manifest.revision !== entry.revision) return false;
  return wanted.every((f) => manifest.files[f.path] !== undefined && existsSync(join(target, f.path)));
}

class Downloader {
  private readonly hubUrl: string;
  private readonly fetch: typeof fetch;
  private readonly files: FileLayer;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  private readonly signal: AbortSignal | undefined;
  private staging = '';
  private state: StagingState;
  private downloaded = 0;
  private progress: DownloadProgress;

  constructor(
    private readonly entry: CatalogueEntry,
    private readonly variant: DownloadVariant,
    private readonly wanted: CatalogueFile[],
    private readonly root: string,
    private readonly target: string,
    private readonly options: DownloadOptions,
  ) {
    this.hubUrl = options.hubUrl ?? defaultHubUrl();
    this.fetch = options.fetch ?? globalThis.fetch;
    this.files = options.files ?? nodeFileLayer;
    this.retries = options.retries ?? 4;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.logger = options.logger ?? quietLogger;
    this.signal = options.signal;
    this.state = { id: entry.id, repo: entry.repo, revision: entry.revision, done: {} };
    this.progress = {
      phase: 'checking',
      file: null,
      fileBytes: 0,
      fileTotal: null,
      bytes: 0,
      total: null,
      filesDone: 0,
      filesTotal: 0,
    };
  }

  async run(): Promise<DownloadResult> {
    this.staging = this.adoptStaging() ?? newStagingDir(this.root, this.entry.id);
    this.saveState();
    try {
      const manifest = readManifest(this.target);
      // Files of the same revision already installed (the configs, when adding a variant) are reused.
      const reuse =
        manifest?.source === 'hub' &&
        manifest.repo === this.entry.repo &&
        manifest.revision === this.entry.revision;
      const needed = this.wanted.filter(
        (f) => !(reuse && manifest.files[f.path] && existsSync(join(this.target, f.path))),
      );

      const remote: RemoteFile[] = [];
      this.progress.filesTotal = needed.length;
      this.emit();
      for (const f of needed) {
        if (this.state.done[f.path] && existsSync(join(this.staging, f.path))) continue;
        this.progress.file = f.path;
        this.emit();
        remote.push(await this.head(f));
      }
      this.progress.filesDone = needed.length - remote.length;
      const doneBytes = needed.reduce((s, f) => s + (this.state.done[f.path]?.bytes ?? 0), 0);
      const partBytes = remote.reduce((s, r) => s + fileSize(this.partPath(r.path)), 0);
      this.progress.bytes = doneBytes + partBytes;
      this.progress.total = remote.every((r) => r.size !== null)
        ? doneBytes + remote.reduce((s, r) => s + (r.size ?? 0), 0)
        : null;

      this.progress.phase = 'downloading';
      for (const r of remote) {
        await this.downloadFile(r);
        this.progress.filesDone++;
      }

      this.progress.phase = 'placing';
      this.progress.file = null;
      this.emit();
      this.finish(reuse ? manifest : null);
      this.progress.phase = 'done';
      this.emit();
      return {
        id: this.entry.id,
        dir: this.target,
        variant: this.variant,
        downloadedBytes: this.downloaded,
        alreadyInstalled: false,
      };
    } catch (err) {
      // A full disk or a folder that fails validation cannot be resumed: keep nothing. Otherwise the
      // verified files and .part files stay in .incoming for the next attempt to resume from.
      if (err instanceof DiskFullError || !(err instanceof DownloadError)) removeDir(this.staging);
      throw err;
    }
  }

  /** A staging folder an interrupted earlier run left for this repo and revision. */
  private adoptStaging(): string | null {
    const inc = incomingDir(this.root);
    let adopted: string | null = null;
    for (const name of readdirSync(inc)) {
      if (!name.startsWith(`${this.entry.id}-`)) continue;
      const dir = join(inc, name);
      let state: unknown;
      try {
        state = JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8'));
      } catch {
        continue;
      }
      if (!isRecord(state) || state.id !== this.entry.id) continue;
      // We hold the model's lock, so any other staging folder of this id is an abandoned one.
      if (adopted === null && state.repo === this.entry.repo && state.revision === this.entry.revision) {
        adopted = dir;
        const done = isRecord(state.done) ? state.done : {};
        for (const [path, f] of Object.entries(done)) {
          if (isRecord(f) && typeof f.bytes === 'number' && fileSize(join(dir, path)) === f.bytes) {
            this.state.done[path] =
              typeof f.sha256 === 'string' ? { bytes: f.bytes, sha256: f.sha256 } : { bytes: f.bytes };
          }
        }
        this.logger.info(`resuming the download of ${this.entry.id} from ${dir}`);
      } else {
        removeDir(dir);
      }
    }
    return adopted;
  }

  private saveState(): void {
    writeFileAtomic(join(this.staging, STATE_FILE), JSON.stringify(this.state));
  }

  private partPath(path: string): string {
    return `${join(this.staging, path)}.part`;
  }

  private emit(): void {
    this.options.onProgress?.({ ...this.progress });
  }

  private checkAbort(what: string): void {
    if (this.signal?.aborted) throw new DownloadCancelledError(what, { cause: this.signal.reason });
  }

  // ---- HEAD: what the hub publishes ---------------------------------------------------------------

  private async head(file: CatalogueFile): Promise<RemoteFile> {
    const url = resolveUrl(this.hubUrl, this.entry.repo, this.entry.revision, file.path);
    const res = await this.withRetries(file.path, async () => {
      let current = url;
      // Follow the hub's own redirects, which are relative (renamed repos, its resolve cache); stop at
      // an absolute one (to the CDN): that response carries the LFS headers. As huggingface_hub does.
      for (let hop = 0; hop < 5; hop++) {
        const r = await this.request(current, 'HEAD', file.path);
        const location = r.headers.get('location');
        if (r.status >= 300 && r.status < 400 && location && !/^([a-z][a-z0-9+.-]*:)?\/\//i.test(location)) {
          current = new URL(location, current).href;
          continue;
        }
        if (r.status >= 400) throw this.httpError(r.status, file.path, url);
        return r;
      }
      throw new HubHttpError(310, file.path, url, 'too many redirects');
    });

    const linkedEtag = normalizeEtag(res.headers.get('x-linked-etag'));
    const etag = normalizeEtag(res.headers.get('etag'));
    const redirected = res.status >= 300 && res.status < 400;
    const lfs = linkedEtag !== null || redirected;
    const hash = linkedEtag ?? etag;
    const hubSha256 = hash !== null && /^[0-9a-f]{64}$/.test(hash) ? hash : null;
    const gitSha1 = !lfs && hash !== null && /^[0-9a-f]{40}$/.test(hash) ? hash : null;
    const sizeHeader =
      res.headers.get('x-linked-size') ?? (redirected ? null : res.headers.get('content-length'));
    const size = sizeHeader !== null && /^\d+$/.test(sizeHeader) ? Number(sizeHeader) : null;

    // The catalogue pins content where it knows the checksum: the hub must publish the same.
    if (file.sha256 && hubSha256 && file.sha256 !== hubSha256) {
      throw new IntegrityError(file.path, file.sha256, hubSha256, 'published SHA-256 (catalogue vs hub)');
    }
    if (file.bytesExact && file.bytes !== null && size !== null && file.bytes !== size) {
      throw new IntegrityError(file.path, `${file.bytes} bytes`, `${size} bytes`, 'published size');
    }
    const sha256 = hubSha256 ?? file.sha256;
    if (lfs && !sha256) {
      throw new DownloadError(
        `${file.path}: the hub published no SHA-256 for this large file, so it cannot be verified`,
      );
    }
    return {
      path: file.path,
      url,
      size: size ?? (file.bytesExact ? file.bytes : null),
      sha256,
      gitSha1,
      lfs,
    };
  }

  // ---- GET: one file, resumable -------------------------------------------------------------------

  private async downloadFile(file: RemoteFile): Promise<void> {
    const part = this.partPath(file.path);
    const final = join(this.staging, file.path);
    mkdirSync(dirname(final), { recursive: true });
    const bytesBefore = this.progress.bytes - fileSize(part);
    this.progress.file = file.path;
    this.progress.fileTotal = file.size;

    await this.withRetries(file.path, async () => {
      let offset = fileSize(part);
      if (file.size !== null && offset > file.size) {
        rmSync(part, { force: true });
        offset = 0;
      }
      if (file.size !== null && offset === file.size && offset > 0) return; // complete: verify below
      const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
      const res = await this.get(file, headers);
      if (res.status === 416 && offset > 0) {
        // Our part is not a prefix the server recognises: start over.
        await res.body?.cancel();
        rmSync(part, { force: true });
        throw new TransientError('the server refused the resume range');
      }
      if (res.status >= 400) {
        await res.body?.cancel();
        throw this.httpError(res.status, file.path, file.url);
      }
      let append = false;
      if (res.status === 206) {
        const start = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1];
        if (Number(start) !== offset) {
          await res.body?.cancel();
          rmSync(part, { force: true });
          throw new TransientError('the server resumed at the wrong offset');
        }
        append = true;
      } else if (offset > 0) {
        this.logger.debug(`${file.path}: the server ignored the range request; starting over`);
      }
      if (!append) offset = 0;
      this.progress.bytes = bytesBefore + offset;
      this.progress.fileBytes = offset;
      this.emit();
      await this.streamBody(res, part, append, file.path);
    });

    await this.verify(file, part);
    renameSync(part, final);
    this.state.done[file.path] = file.sha256
      ? { bytes: fileSize(final), sha256: file.sha256 }
      : { bytes: fileSize(final) };
    this.saveState();
  }

  private async streamBody(res: Response, part: string, append: boolean, path: string): Promise<void> {
    if (!res.body) throw new TransientError('the response had no body');
    let sink;
    try {
      sink = await this.files.openSink(part, append);
    } catch (err) {
      await res.body.cancel();
      throw isDiskFull(err) ? new DiskFullError(this.root, path, { cause: err }) : err;
    }
    try {
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      for (;;) {
        const { done, value } = await this.timed(reader.read(), () => {
          void reader.cancel();
        });
        if (done) break;
        try {
          await sink.write(value);
        } catch (err) {
          void reader.cancel();
          throw isDiskFull(err) ? new DiskFullError(this.root, path, { cause: err }) : err;
        }
        this.downloaded += value.byteLength;
        this.progress.bytes += value.byteLength;
        this.progress.fileBytes += value.byteLength;
        this.emit();
      }
    } finally {
      await sink.close().catch(() => undefined);
    }
  }

  /**
   * Hashes the finished part file (streaming: graphs reach gigabytes) and compares size and checksum;
   * a mismatch deletes it. Hashing after the download rather than during it keeps resume simple.
   */
  private async verify(file: RemoteFile, part: string): Promise<void> {
    const size = fileSize(part);
    const fail = (expected: string, actual: string, what: string): never => {
      rmSync(part, { force: true });
      throw new IntegrityError(file.path, expected, actual, what);
    };
    if (file.size !== null && size !== file.size) fail(`${file.size} bytes`, `${size} bytes`, 'size');
    if (file.sha256) {
      const actual = await hashFile(part, createHash('sha256'));
      if (actual !== file.sha256) fail(file.sha256, actual, 'SHA-256');
    } else if (file.gitSha1) {
      // Small files: the hub's ETag is the git blob id, sha1("blob <size>\0" + content).
      const actual = await hashFile(part, createHash('sha1').update(`blob ${size}\0`));
      if (actual !== file.gitSha1) fail(file.gitSha1, actual, 'git blob sha1');
    }
  }

  // ---- finishing ------------------------------------------------------------------------------------

  /** Writes the manifest, validates the complete folder, and renames it into place. */
  private finish(installed: ModelManifest | null): void {
    rmSync(join(this.staging, STATE_FILE), { force: true });
    // Parts of other files (left by an earlier, different download of this revision) are not placed.
    for (const rel of listFiles(this.staging)) {
      if (rel.endsWith('.part')) rmSync(join(this.staging, rel), { force: true });
    }
    if (installed) linkMissing(this.target, this.staging);
    const manifest: ModelManifest = {
      id: this.entry.id,
      source: 'hub',
      repo: this.entry.repo,
      revision: this.entry.revision,
      hubUrl: this.hubUrl,
      variants: towerVariants(this.staging),
      files: { ...(installed?.files ?? {}), ...this.state.done },
      updatedAt: new Date().toISOString(),
    };
    writeManifest(this.staging, manifest);
    readModelFolder(this.staging); // a ModelFolderError naming the file; run() then removes staging
    placeModel(this.staging, this.target);
  }

  // ---- HTTP plumbing ------------------------------------------------------------------------------

  private async request(
    url: string,
    method: 'HEAD' | 'GET',
    path: string,
    extra: Record<string, string> = {},
  ): Promise<Response> {
    this.checkAbort(path);
    const headers: Record<string, string> = {
      'accept-encoding': 'identity',
      'user-agent': this.options.userAgent ?? 'lumen-photo-organizer',
      ...extra,
    };
    // The token goes to the hub only, never to the CDN it redirects to.
    if (this.options.token && url.startsWith(this.hubUrl))
      headers.authorization = `Bearer ${this.options.token}`;
    const controller = new AbortController();
    const signal = this.signal ? AbortSignal.any([this.signal, controller.signal]) : controller.signal;
    return this.timed(
      this.fetch(url, { method, headers, redirect: 'manual', signal }).catch((err: unknown) => {
        throw this.networkError(err, url, path);
      }),
      () => {
        controller.abort(new TransientError('no response'));
      },
      url,
    );
  }

  /** GET following redirects by hand, so the token (if any) never leaves the hub for the CDN. */
  private async get(file: RemoteFile, headers: Record<string, string>): Promise<Response> {
    let url = file.url;
    for (let hop = 0; hop < 8; hop++) {
      const res = await this.request(url, 'GET', file.path, headers);
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return res;
      await res.body?.cancel();
      url = new URL(location, url).href;
    }
    throw new HubHttpError(310, file.path, file.url, 'too many redirects');
  }

  /** Races a promise with the stall timeout; on timeout calls onTimeout and rejects. */
  private timed<T>(promise: Promise<T>, onTimeout: () => void, url?: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        onTimeout();
        reject(
          url
            ? new ConnectError(new URL(url).host, `no answer in ${this.timeoutMs / 1000} s`)
            : new TransientError(`no data for ${this.timeoutMs / 1000} s`),
        );
      }, this.timeoutMs);
      promise.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(timer);
          const error = e instanceof Error ? e : new Error(String(e));
          reject(this.signal?.aborted ? error : this.bodyError(error));
        },
      );
    });
  }

  private networkError(err: unknown, url: string, path: string): Error {
    if (this.signal?.aborted) return new DownloadCancelledError(path, { cause: err });
    const code = errorCode(err);
    return new ConnectError(
      new URL(url).host,
      code ?? (err instanceof Error ? err.message : String(err)),
      err,
    );
  }

  /** An error while reading a body: a dropped connection unless it is one of ours. */
  private bodyError(err: Error): Error {
    if (err instanceof DownloadError || err instanceof TransientError || err instanceof ConnectError)
      return err;
    if (isDiskFull(err)) return err;
    return new TransientError(errorCode(err) ?? err.message, err);
  }

  private httpError(status: number, path: string, url: string): Error {
    if (status === 429 || status >= 500) return new TransientHttpError(status, path, url);
    const hint =
      status === 404
        ? `not found at revision ${this.entry.revision} of ${this.entry.repo}`
        : status === 401 || status === 403
          ? 'the repo is gated or private: accept its terms on the hub and pass a token'
          : '';
    return new HubHttpError(status, path, url, hint);
  }

  /** Runs one request with retries and exponential backoff; maps the final failure to a clear error. */
  private async withRetries<T>(path: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      this.checkAbort(path);
      try {
        return await fn();
      } catch (err) {
        if (this.signal?.aborted) throw new DownloadCancelledError(path, { cause: err });
        const retryable =
          err instanceof TransientError || err instanceof TransientHttpError || err instanceof ConnectError;
        // No network at all (no DNS, no route) will not come back within a backoff, and a refused or
        // unanswered connection gets one more try: an offline user hears so in about a second, not
        // after the ~15 s a full backoff for dropped transfers would take.
        const hopeless = err instanceof ConnectError && NO_NETWORK_CODES.has(err.reason);
        const limit = err instanceof ConnectError ? Math.min(1, this.retries) : this.retries;
        if (!retryable || hopeless || attempt >= limit) throw finalError(err, path, attempt + 1);
        const delay = this.retryDelayMs * 2 ** attempt * (0.75 + Math.random() * 0.5);
        this.logger.debug(`${path}: ${(err as Error).message}; retrying in ${Math.round(delay)} ms`);
        await sleep(delay, this.signal);
      }
    }
  }
}

// ---- internal error kinds -------------------------------------------------------------------------

/** A failure worth retrying: dropped connection, stall, bad resume. */
class TransientError extends Error {
  override readonly name = 'TransientError';
  constructor(
    readonly reason: string,
    cause?: unknown,
  ) {
    super(reason, { cause });
  }
}

/** No connection could be made (or no answer came): offline if it persists. */
class ConnectError extends Error {
  override readonly name = 'ConnectError';
  constructor(
    readonly host: string,
    readonly reason: string,
    cause?: unknown,
  ) {
    super(`${host}: ${reason}`, { cause });
  }
}

class TransientHttpError extends HubHttpError {}

function finalError(err: unknown, path: string, attempts: number): unknown {
  if (err instanceof ConnectError) {
    // Unreachable (DNS, refused, no route, no answer) reads as offline; anything else (TLS, a proxy
    // cutting connections) is reported as it is.
    if (OFFLINE_CODES.has(err.reason) || err.reason.startsWith('no answer')) {
      return new OfflineError(err.host, err.reason, { cause: err });
    }
    return new DownloadError(`${path}: the connection to ${err.host} failed (${err.reason})`, { cause: err });
  }
  if (err instanceof TransientHttpError) {
    return new HubHttpError(err.status, path, err.url, `still failing after ${attempts} attempts`);
  }
  if (err instanceof TransientError) {
    return new DownloadError(
      `${path}: the connection kept dropping (${err.reason}, ${attempts} attempts); ` +
        'run the download again to resume where it stopped',
      { cause: err },
    );
  }
  return err;
}

const NO_NETWORK_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN']);

const OFFLINE_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The system error code behind a fetch failure (fetch wraps it in TypeError.cause). */
function errorCode(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

/** "W/\"abc\"" -> "abc", lower-cased; null when absent. */
function normalizeEtag(value: string | null): string | null {
  if (!value) return null;
  return value.replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase() || null;
}

/** Streams a file through a hash and returns the hex digest. */
function hashFile(path: string, hash: Hash): Promise<string> {
  return new Promise((resolve, reject) => {
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => {
        resolve(hash.digest('hex'));
      });
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DownloadCancelledError('download', { cause: signal.reason }));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new DownloadCancelledError('download', { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
