// A library's records without a model: the database with its photos, folders, tags, albums, adapters
// and settings, and where its own files live. Commands that only read or edit records (status, tags
// list, albums list, finetune list) open this, so they work on a machine with no model installed and
// without loading an HNSW index; Library (library.ts) extends it with the model, the index and search.
// Opening is deliberate: a database that does not exist is created only when the caller says so, so a
// mistyped --db on a read-only command leaves nothing behind.

import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AdapterStore } from '../finetune/adapter-store.js';
import { AlbumStore } from '../tags/album-store.js';
import { TagStore } from '../tags/tag-store.js';
import { DatabaseError, openDatabase, type Db } from './database.js';
import { PhotoStore, type StatusCounts } from './photo-store.js';
import { SettingsStore } from './settings-store.js';
import { UploadStore } from './upload-store.js';

/** The library asked for does not exist and the caller did not ask to create it. */
export class LibraryMissingError extends Error {
  override readonly name = 'LibraryMissingError';
  constructor(readonly file: string) {
    super(`no library at ${file}`);
  }
}

export interface OpenRecordsOptions {
  /** Create the database (and its folder) when it is not there; default false. */
  create?: boolean;
}

/** A model (embedding space) the library has embeddings for, as recorded when it was opened. */
export interface ModelRecord {
  id: number;
  name: string;
  dim: number;
  /** The precision of the image encoder the embeddings came from (null: recorded before Lumen kept it). */
  variant: string | null;
}

export interface OfflineFolder {
  path: string;
  /** When a scan first found it unavailable (ms since the epoch). */
  since: number;
  /** Its photos, kept while it is away. */
  photos: number;
}

export interface LibraryStatus extends StatusCounts {
  folders: string[];
  failures: { path: string; error: string }[];
  /** Photos indexed from the part of a damaged file that decodes (a JPEG cut short), with why. */
  damaged: { path: string; error: string }[];
  /** The model the counts are for: indexed means searchable with it. */
  model: { name: string; variant: string | null } | null;
  /** Folders not there at the last scan (an unplugged drive); their photos are kept. */
  offline: OfflineFolder[];
  /** Files and folders scans left out on purpose (links out of a library folder), with why. */
  skipped: { path: string; reason: string }[];
}

/** The folders a library keeps beside its database; never photos, whatever folder they sit in. */
export function libraryOwnFolders(dataDir: string): string[] {
  return ['thumbnails', 'index', 'uploads'].map((name) => join(dataDir, name));
}

/** Opens the database, refusing to create one unless asked; an uncreatable folder is one clear error. */
export function openLibraryDatabase(dbPath: string, options: OpenRecordsOptions = {}): Db {
  const file = resolve(dbPath);
  if (!existsSync(file)) {
    if (!options.create) throw new LibraryMissingError(file);
    try {
      mkdirSync(dirname(file), { recursive: true });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new DatabaseError(file, `cannot be created: ${describeFsError(e)} (${dirname(file)})`);
    }
  }
  return openDatabase(file);
}

/** A file system error in a few plain words. */
export function describeFsError(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the disk is read-only';
    case 'ENOSPC':
      return 'the disk is full';
    case 'ENOENT':
      return 'the folder does not exist';
    default:
      return e.code ?? e.message;
  }
}

export class LibraryRecords {
  readonly store: PhotoStore;
  readonly tags: TagStore;
  readonly albums: AlbumStore;
  readonly adapters: AdapterStore;
  readonly settings: SettingsStore;
  /** The folder beside the database: thumbnails/, index/, uploads/. */
  readonly dataDir: string;
  /** Images handed in for a search by example (upload-store.ts). */
  readonly uploads: UploadStore;

  protected constructor(
    readonly db: Db,
    dbPath: string,
  ) {
    this.store = new PhotoStore(db);
    this.tags = new TagStore(db);
    this.albums = new AlbumStore(db);
    this.adapters = new AdapterStore(db);
    this.settings = new SettingsStore(db);
    this.dataDir = dirname(resolve(dbPath));
    this.uploads = new UploadStore(join(this.dataDir, 'uploads'));
  }

  /** The records of an existing library (LibraryMissingError when there is none at dbPath). */
  static openExisting(dbPath: string): LibraryRecords {
    return new LibraryRecords(openLibraryDatabase(dbPath), dbPath);
  }

  /** The library's own folders (thumbnails, index, uploads), which scans and watching never enter. */
  ownFolders(): string[] {
    return libraryOwnFolders(this.dataDir);
  }

  /**
   * The model the counts and calibrations are for: the library's own when it is open with one
   * (Library), else the one it was last opened on (the one the app or the CLI indexes with), if any.
   */
  currentModel(): ModelRecord | null {
    return this.store.lastOpenedModel();
  }

  /** The embedding space search and tagging use for a model: its active adapter's, or its own. */
  spaceOf(model: ModelRecord): number {
    return this.adapters.active(model.id)?.spaceModelId ?? model.id;
  }

  /** Counts for `model` (default: the current one), the folders, failures and offline folders. */
  status(model: ModelRecord | null = this.currentModel()): LibraryStatus {
    return {
      ...this.store.counts(model?.id ?? null),
      folders: this.store.folders().map((f) => f.path),
      failures: this.store.failures(),
      damaged: this.store.damaged(),
      model: model && { name: model.name, variant: model.variant },
      offline: this.store.offlineFolders(),
      skipped: this.store.skipped(),
    };
  }

  close(): void {
    this.db.close();
  }
}
