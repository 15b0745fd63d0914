// The one typed contract between the UI and the engine: every method's parameters and result, and
// every event, as zod schemas. Main, preload, the HTTP transport and the renderer all import this
// file; whatever crosses a process or network boundary is parsed with these schemas where it arrives,
// so a malformed or hostile message is refused with a clear error instead of reaching the engine.
// Photos never travel as bytes: results carry media URLs (lumen://media/... in the app, /media/...
// over HTTP) that the protocol handlers serve after their own path checks.

import { z } from 'zod';

const id = z.number().int().positive();

/**
 * Long arrays of numbers, checked with one loop: the timeline carries 100k-entry arrays, where a
 * per-element zod schema costs ~100 ms cold on each side of the boundary for the same guarantee.
 */
function numbers(name: string, ok: (x: number) => boolean) {
  return z.custom<number[]>((a) => Array.isArray(a) && a.every((x) => typeof x === 'number' && ok(x)), {
    error: `${name} must be an array of valid numbers`,
  });
}
function nullableNumbers(name: string) {
  return z.custom<(number | null)[]>(
    (a) => Array.isArray(a) && a.every((x) => x === null || (typeof x === 'number' && Number.isFinite(x))),
    { error: `${name} must be an array of numbers or nulls` },
  );
}
const text = (max: number) => z.string().trim().min(1).max(max);

export const SearchFilters = z
  .object({
    folder: z.string().min(1).max(4096).optional(),
    from: z.number().optional(),
    to: z.number().optional(),
    formats: z.array(z.string().min(1).max(16)).max(16).optional(),
    camera: z.string().min(1).max(200).optional(),
    tags: z.array(text(200)).max(32).optional(),
    albums: z.array(text(200)).max(32).optional(),
  })
  .strict();

/** The photos a bulk action on a selection acts on. */
const PhotoIds = z.array(id).min(1).max(100_000);
const DuplicatePhoto = z.object({
  id,
  path: z.string(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  bytes: z.number(),
  takenAt: z.number(),
  format: z.string().nullable(),
});
/** What forgetting photos would lose: how many, their captions, the user's tags, albums they are in. */
const Footprint = z.object({
  photos: z.number(),
  captions: z.number(),
  tags: z.number(),
  albums: z.number(),
});
const Hit = z.object({
  id,
  path: z.string(),
  score: z.number(),
  takenAt: z.number().nullable(),
  /** One of the photos that stand out (at or above the cut-off). */
  strong: z.boolean(),
});
const SearchResult = z.object({
  hits: z.array(Hit),
  /** The lowest score of the photos that stand out; null when none does. */
  cutoff: z.number().nullable(),
  /** How many photos stand out (estimated from a sample in large libraries). */
  strong: z.number(),
  /** How many photos were compared. */
  searched: z.number(),
  allowed: z.number().nullable(),
  exact: z.boolean(),
});
const SearchOptions = {
  filters: SearchFilters.optional(),
  limit: z.number().int().min(1).max(1000).optional(),
  /** 'auto' (default): the photos that stand out, at least 5; 'strong': only those; 'all': the closest. */
  matches: z.enum(['auto', 'strong', 'all']).optional(),
  sort: z.enum(['score', 'date']).optional(),
};

const Status = z.object({
  total: z.number(),
  indexed: z.number(),
  pending: z.number(),
  failed: z.number(),
  folders: z.array(z.string()),
  failures: z.array(z.object({ path: z.string(), error: z.string() })),
  /** Photos indexed from the part of a damaged file that decodes (a JPEG cut short), with why. */
  damaged: z.array(z.object({ path: z.string(), error: z.string() })),
  /** The model the counts are for (indexed: searchable with it) and its variant. */
  model: z.object({ name: z.string(), variant: z.string().nullable() }).nullable(),
  /** Folders not there at the last scan (an unplugged drive): their photos are kept until they return. */
  offline: z.array(z.object({ path: z.string(), since: z.number(), photos: z.number() })),
  /** Files and folders scans left out on purpose (a link out of its library folder), with why. */
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
  /**
   * Folder watching: 'watching'; 'stopped' (the watch setting is off); 'limited' (the system's watch
   * limit: message says how to raise it; rescans every few minutes meanwhile); 'starting'.
   */
  watch: z.object({
    state: z.enum(['starting', 'watching', 'stopped', 'limited']),
    message: z.string().nullable(),
  }),
});

const CategoryInput = z
  .object({
    name: text(200),
    description: z.string().max(500).nullable().optional(),
    prompts: z.array(text(500)).max(64).optional(),
    negativePrompts: z.array(text(500)).max(64).optional(),
    exclusiveGroup: z.string().max(200).nullable().optional(),
    threshold: z.number().min(-1).max(1).nullable().optional(),
  })
  .strict();

const Category = z.object({
  id,
  name: z.string(),
  description: z.string().nullable(),
  prompts: z.array(z.string()),
  negativePrompts: z.array(z.string()),
  exclusiveGroup: z.string().nullable(),
  /** The user's own threshold (null: calibrated on the library). */
  threshold: z.number().nullable(),
  auto: z.boolean(),
  enabled: z.boolean(),
});

/** A category as tags.list shows it: with its photos counted and the score it tags from. */
const CategorySummary = Category.extend({
  counts: z.object({ auto: z.number(), manual: z.number(), accepted: z.number(), rejected: z.number() }),
  /** Photos carrying it: automatic, yours and accepted. */
  tagged: z.number(),
  /** The score a photo needs (the user's threshold, else the calibrated one); null: none yet. */
  cutoff: z.number().nullable(),
  cutoffSource: z.enum(['yours', 'calibrated', 'not yet calibrated', 'keywords only']),
  tagsNothing: z.boolean(),
  /** Up to four of its best photos (the user's own first), for covers. */
  covers: z.array(id),
});

const TagReport = z.object({
  /** Photos scored. */
  photos: z.number(),
  categories: z.array(
    z.object({
      id,
      name: z.string(),
      /** The score a photo needed (1 or more: none stood out). */
      threshold: z.number(),
      method: z.string(),
      /** Photos carrying the category after the run (automatic and yours), as tags.list counts them. */
      tagged: z.number(),
      auto: z.number(),
    }),
  ),
  ms: z.number(),
});

const Empty = z.object({}).strict();
const Ok = z.object({ ok: z.literal(true) });

/** Held-out recall@5 before and after a fine-tuning run (null where it was not measured). */
const Recall = z.number().nullable();

const Adapter = z.object({
  id,
  version: z.number(),
  createdAt: z.number(),
  before: Recall,
  after: Recall,
  steps: z.number().nullable(),
  seconds: z.number().nullable(),
});

/** Exclusion patterns as the settings take them (core's exclusions.ts checks each one). */
const ExcludePatterns = z.array(z.string().trim().min(1).max(500)).max(200);

const Settings = z.object({
  model: z.object({
    name: z.string(),
    path: z.string(),
    family: z.string(),
    precision: z.string(),
    embedDim: z.number(),
    /** Threads the model's sessions run on now (the threads setting applies when it is next opened). */
    threads: z.number(),
  }),
  providers: z.object({ available: z.array(z.string()), active: z.string() }),
  /** How search runs, and the recall its last self-check measured, in words and in numbers. */
  search: z.object({
    summary: z.string(),
    path: z.enum(['graph', 'exact']),
    ef: z.number().nullable(),
    recall: z.number().nullable(),
    queries: z.number(),
    checkedAt: z.number().nullable(),
  }),
  threads: z.number().nullable(),
  libraryPath: z.string(),
  xmpSidecars: z.boolean(),
  /** Sidecars get Lumen's automatic tags too (marked as Lumen's), not only the ones the user set or confirmed. */
  xmpAutoTags: z.boolean(),
  /** The folders are watched and changes indexed as they happen. */
  watch: z.boolean(),
  /** Files and folders every scan leaves out. */
  exclude: ExcludePatterns,
  catalogue: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      family: z.string(),
      present: z.boolean(),
      isDefault: z.boolean(),
    }),
  ),
});

/** An uploaded image's id (core's upload-store.ts makes them; the same shape is checked there). */
export const UploadId = z
  .string()
  .regex(/^[0-9a-f]{32}\.(jpg|png|webp|gif|tif|avif|heic|heif|bmp)$/, 'not an upload id');

/** A model cache id, as the catalogue and `lumen models` name models. */
const ModelId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'not a model id');

/** The model variants the app offers for download (the CLI takes any the catalogue lists). */
const ModelVariant = z.enum(['fp32', 'fp16', 'quantized']);

const ModelListing = z.object({
  id: z.string(),
  name: z.string(),
  family: z.string(),
  /** The Hugging Face repository; null for a model imported from a folder. */
  repo: z.string().nullable(),
  /** In the model cache (at least one variant complete). */
  present: z.boolean(),
  isDefault: z.boolean(),
  /** The model the library is open with now. */
  active: z.boolean(),
  /** Download size of the variant models.download picks by default, where the catalogue knows it. */
  sizeBytes: z.number().nullable(),
  license: z.string().nullable(),
  /** What it is good for, and any caveat (unconfirmed, needs runtime support). */
  note: z.string().nullable(),
});

/** Every method: what it takes and what it gives back. */
export const API = {
  /**
   * Whether the engine has a library open (ready); otherwise why not (reason 'no model yet' on a first
   * run), and only app.state and the models.* methods work until a model is downloaded or chosen.
   * switching: the model being indexed in the background after models.use (null: none), with its
   * progress; everything is answered from the current model until it is done.
   */
  'app.state': {
    params: Empty,
    result: z.object({
      ready: z.boolean(),
      reason: z.string().nullable(),
      switching: z.object({ id: z.string(), done: z.number(), total: z.number() }).nullable(),
    }),
  },
  /** The catalogue's models and imported ones, with what is in the model cache. */
  'models.list': { params: Empty, result: z.array(ModelListing) },
  /**
   * Downloads a model in the background (default variant: quantized): models.progress events until
   * state done, failed or cancelled. One download at a time (started false while one runs). With no
   * model open yet, the finished model becomes the chosen one and the library opens on it.
   */
  'models.download': {
    params: z.object({ id: ModelId, variant: ModelVariant.optional() }).strict(),
    result: z.object({ started: z.boolean() }),
  },
  /**
   * Stops the running download (what was fetched is kept and the next download resumes from it) and a
   * model switch in progress (the current model stays the chosen one).
   */
  'models.cancel': { params: Empty, result: Ok },
  /**
   * Switches to an installed model. With no library open, it becomes the chosen one (the setting
   * `lumen models use` writes, for app and CLI) and the library opens on it. With one open, the new
   * model's library is opened beside it and indexed in the background (models.switch events) while
   * every call is still answered from the current model; when that is done the new model takes over,
   * becomes the chosen one, and library.changed {reason: 'model ready'} follows. Naming the model in use
   * cancels a switch in progress.
   */
  'models.use': { params: z.object({ id: ModelId }).strict(), result: Ok },
  'library.status': { params: Empty, result: Status },
  'library.addFolder': { params: z.object({ path: text(4096) }).strict(), result: Ok },
  'library.removeFolder': {
    params: z.object({ path: text(4096) }).strict(),
    result: z.object({ removed: z.number() }),
  },
  /** Folders whose paths start as typed (the browser's folder field completes from them). */
  'library.suggestFolders': { params: z.object({ typed: text(4096) }).strict(), result: z.array(z.string()) },
  /** What removing a folder would take with it, to ask first: photos, captions, own tags, albums. */
  'library.folderFootprint': {
    params: z.object({ path: text(4096) }).strict(),
    result: Footprint,
  },
  /** Rescans every folder and indexes what is new; progress arrives as index.progress events. */
  'index.start': { params: Empty, result: z.object({ started: z.boolean() }) },
  'index.pause': { params: Empty, result: Ok },
  'index.resume': { params: Empty, result: Ok },
  'index.cancel': { params: Empty, result: Ok },
  'search.text': { params: z.object({ query: text(2000), ...SearchOptions }).strict(), result: SearchResult },
  'search.similar': { params: z.object({ photoId: id, ...SearchOptions }).strict(), result: SearchResult },
  /**
   * Photos like an image that is not (necessarily) in the library, named by the id its upload gave:
   * POST /api/upload-image over HTTP, or the app's window.lumen.importImage for a dropped file. Never a
   * path, so no caller can make the engine open a file of its choosing. (A library photo: search.similar.)
   */
  'search.image': {
    params: z.object({ upload: UploadId, ...SearchOptions }).strict(),
    result: SearchResult,
  },
  /**
   * Every indexed photo, newest first by taken-at (the file's mtime without an EXIF date), ties by id,
   * as parallel arrays: takenAt[i] and aspect[i] (width / height, 1 when unknown) belong to ids[i].
   */
  'photos.timeline': {
    params: z
      .object({
        offset: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(200_000).optional(),
      })
      .strict(),
    result: z.object({
      total: z.number(),
      ids: numbers('ids', (x) => Number.isInteger(x) && x > 0),
      takenAt: nullableNumbers('takenAt'),
      aspect: numbers('aspect', (x) => Number.isFinite(x)),
    }),
  },
  /** Every indexed photo with a GPS position, newest first, as parallel arrays (the offline map). */
  'photos.places': {
    params: Empty,
    result: z.object({
      ids: numbers('ids', (x) => Number.isInteger(x) && x > 0),
      lat: numbers('lat', (x) => x >= -90 && x <= 90),
      lon: numbers('lon', (x) => x >= -180 && x <= 180),
    }),
  },
  /**
   * Why a photo matched: each query term's cosine with it (score: the combined query's), each prompt
   * of a category (score: its tag score, if tagged), and its nearest photos that people labelled.
   */
  'photos.explain': {
    params: z
      .object({ photoId: id, query: z.string().max(2000).optional(), categoryId: id.optional() })
      .strict(),
    result: z.object({
      score: z.number().nullable(),
      terms: z.array(z.object({ text: z.string(), weight: z.number(), score: z.number() })),
      prompts: z.array(z.object({ prompt: z.string(), score: z.number() })),
      neighbours: z.array(
        z.object({
          photoId: z.number(),
          score: z.number(),
          caption: z.string().nullable(),
          tags: z.array(z.string()),
        }),
      ),
    }),
  },
  'photos.get': {
    params: z.object({ id }).strict(),
    result: z.object({
      id,
      path: z.string(),
      width: z.number().nullable(),
      height: z.number().nullable(),
      format: z.string().nullable(),
      /** When it was taken, or the file's time where the photo has no date (dateFromFile). */
      takenAt: z.number().nullable(),
      dateFromFile: z.boolean(),
      camera: z.string().nullable(),
      lens: z.string().nullable(),
      status: z.string(),
      error: z.string().nullable(),
      caption: z.string().nullable(),
      /** Where the caption came from, in words ("written by you", "from the photo's file (…)"). */
      captionFrom: z.string().nullable(),
      /** `from`: where the tag came from, in words (typed, reviewed, a file's field, or Lumen's guess). */
      tags: z.array(
        z.object({ name: z.string(), source: z.string(), score: z.number().nullable(), from: z.string() }),
      ),
      /** Stars, 0-5 (0: unrated). */
      rating: z.number(),
      favorite: z.boolean(),
    }),
  },
  /**
   * Gives the photos a star rating (0 clears it), all or none; written to their XMP sidecars
   * (xmp:Rating) when the library writes sidecars.
   */
  'photos.rate': {
    params: z.object({ photoIds: PhotoIds, rating: z.number().int().min(0).max(5) }).strict(),
    result: z.object({ changed: z.number() }),
  },
  /** Marks the photos as favourites, or not; all or none; kept in their sidecars as the rating is. */
  'photos.favorite': {
    params: z.object({ photoIds: PhotoIds, favorite: z.boolean() }).strict(),
    result: z.object({ changed: z.number() }),
  },
  /** The favourite photos, newest first. */
  'photos.favorites': { params: Empty, result: z.array(id) },
  'captions.set': { params: z.object({ photoId: id, text: z.string().max(2000) }).strict(), result: Ok },
  /** One caption for several photos (an empty text removes theirs), all or none. */
  'captions.setMany': {
    params: z.object({ photoIds: PhotoIds, text: z.string().max(2000) }).strict(),
    result: z.object({ changed: z.number() }),
  },
  /**
   * Copies the photos' original files (and XMP sidecars) into an existing folder, given by its full
   * path; never replaces a file there (a clash gets " (2)"). A photo that cannot be copied is listed.
   */
  'photos.copy': {
    params: z.object({ photoIds: PhotoIds, folder: text(4096) }).strict(),
    result: z.object({
      copied: z.number(),
      failed: z.array(z.object({ id, path: z.string().nullable(), error: z.string() })),
    }),
  },
  /**
   * Groups of near-identical photos (embeddings at least `threshold` alike, default 0.95), each member
   * with its shape, file size and date, and the one worth keeping (most pixels, larger file, a name
   * that is not a copy's, older).
   */
  'photos.duplicates': {
    params: z.object({ threshold: z.number().min(0.8).max(1).optional() }).strict(),
    result: z.array(z.object({ photos: z.array(DuplicatePhoto), keep: id, similarity: z.number() })),
  },
  /** What moving these photos to the trash would take from the library, to ask first. */
  'photos.footprint': { params: z.object({ photoIds: PhotoIds }).strict(), result: Footprint },
  /**
   * Moves the photos' original files (and their own XMP sidecars) to the system trash and forgets them
   * with their captions, tags and album places. A file that will not go is listed and its photo kept.
   */
  'photos.trash': {
    params: z.object({ photoIds: PhotoIds }).strict(),
    result: z.object({
      trashed: z.number(),
      failed: z.array(z.object({ id, path: z.string().nullable(), error: z.string() })),
    }),
  },
  'tags.list': { params: Empty, result: z.array(CategorySummary) },
  /** The photos carrying a category, best first: the user's own, then Lumen's guesses by score. */
  'tags.photos': { params: z.object({ id }).strict(), result: z.array(id) },
  'tags.add': { params: CategoryInput, result: Category },
  'tags.update': { params: z.object({ id, change: CategoryInput.partial() }).strict(), result: Category },
  'tags.remove': { params: z.object({ id }).strict(), result: Ok },
  'tags.run': { params: z.object({ ids: z.array(id).max(10_000).optional() }).strict(), result: TagReport },
  'tags.preview': {
    params: CategoryInput,
    result: z.object({
      threshold: z.number(),
      count: z.number(),
      top: z.array(z.object({ photoId: id, score: z.number() })),
    }),
  },
  'tags.review': {
    params: z
      .object({ categoryId: id.optional(), limit: z.number().int().min(1).max(500).optional() })
      .strict(),
    result: z.array(
      z.object({
        photoId: id,
        categoryId: id,
        name: z.string(),
        path: z.string(),
        score: z.number().nullable(),
        margin: z.number().nullable(),
      }),
    ),
  },
  'tags.decide': {
    params: z
      .object({ photoId: id, categoryId: id, decision: z.enum(['accepted', 'rejected', 'manual']) })
      .strict(),
    result: Ok,
  },
  /** The same decision on several photos at once (a selection): the user's own, recorded as such. */
  'tags.decideMany': {
    params: z
      .object({ photoIds: PhotoIds, categoryId: id, decision: z.enum(['accepted', 'rejected', 'manual']) })
      .strict(),
    result: z.object({ changed: z.number() }),
  },
  /** The albums by name, each with its photo count, a cover (its first photo) and, if smart, its query. */
  'albums.list': {
    params: Empty,
    result: z.array(
      z.object({
        id,
        name: z.string(),
        smart: z.boolean(),
        count: z.number(),
        cover: id.nullable(),
        /** A smart album's search text and tags (empty for a manual album). */
        query: z.string(),
        tags: z.array(z.string()),
      }),
    ),
  },
  /** Renames an album, and/or changes a smart album's search text and tags (its photos follow). */
  'albums.update': {
    params: z
      .object({
        id,
        name: text(200).optional(),
        query: z.string().max(2000).optional(),
        tags: z.array(text(200)).optional(),
      })
      .strict(),
    result: Ok,
  },
  'albums.create': {
    params: z
      .object({
        name: text(200),
        query: z.string().max(2000).optional(),
        tags: z.array(text(200)).optional(),
      })
      .strict(),
    result: z.object({ id, name: z.string() }),
  },
  'albums.add': {
    params: z.object({ id, photoIds: z.array(id).min(1).max(10_000) }).strict(),
    result: z.object({ added: z.number() }),
  },
  'albums.photos': { params: z.object({ id }).strict(), result: z.array(id) },
  'albums.removePhotos': {
    params: z.object({ id, photoIds: PhotoIds }).strict(),
    result: z.object({ removed: z.number() }),
  },
  'albums.remove': { params: z.object({ id }).strict(), result: Ok },
  /** The training pairs fine-tuning would use: captions and accepted tags; rejected tags are negatives. */
  'finetune.pairs': {
    params: Empty,
    result: z.object({
      /** `from`: where the pair's text came from, in words ("your caption", "tag from the photo's file (…)"). */
      pairs: z.array(
        z.object({ photoId: z.number(), text: z.string(), source: z.string(), from: z.string() }),
      ),
      negatives: z.number(),
    }),
  },
  /** Trains the next adapter version in the background: finetune.progress, then finetune.done. */
  'finetune.start': {
    params: z
      .object({
        seed: z.number().int().optional(),
        maxSteps: z.number().int().min(1).max(100_000).optional(),
      })
      .strict(),
    result: z.object({ started: z.boolean() }),
  },
  'finetune.cancel': { params: Empty, result: Ok },
  'finetune.adapters': {
    params: Empty,
    result: z.object({
      active: z.number().nullable(),
      adapters: z.array(Adapter),
      /** The version finetune.rollback returns to (null: the plain model), while one is active. */
      rollbackTo: z.number().nullable(),
    }),
  },
  /** Switches adapter (null: the plain model): adapter.progress events, then library.changed. */
  'finetune.activate': { params: z.object({ id: id.nullable() }).strict(), result: Ok },
  /** Back to the version that was active before the last activation, or to the plain model. */
  'finetune.rollback': {
    params: Empty,
    result: z.object({ ok: z.literal(true), active: z.number().nullable() }),
  },
  'settings.get': { params: Empty, result: Settings },
  /**
   * Persisted in the library; threads apply the next time the model is opened, watching starts or stops
   * at once, exclusions apply from the next scan.
   */
  'settings.set': {
    params: z
      .object({
        threads: z.number().int().min(1).max(256).nullable().optional(),
        xmpSidecars: z.boolean().optional(),
        xmpAutoTags: z.boolean().optional(),
        watch: z.boolean().optional(),
        exclude: ExcludePatterns.optional(),
      })
      .strict(),
    result: Ok,
  },
} as const satisfies Record<string, { params: z.ZodType; result: z.ZodType }>;

export type Method = keyof typeof API;
export type Params<M extends Method> = z.input<(typeof API)[M]['params']>;
export type Result<M extends Method> = z.output<(typeof API)[M]['result']>;

/** Events the engine pushes: progress of long jobs, and changes the UI should refetch after. */
export const EVENTS = {
  'index.progress': z.object({
    done: z.number(),
    total: z.number(),
    indexed: z.number(),
    failed: z.number(),
    photosPerSecond: z.number(),
    etaSeconds: z.number().nullable(),
    state: z.string(),
  }),
  'tags.progress': z.object({ phase: z.string(), done: z.number(), total: z.number() }),
  /** photos.duplicates comparing each photo with its nearest ones: how many so far. */
  'duplicates.progress': z.object({ done: z.number(), total: z.number() }),
  /** At most about 20 a second; the last step is always sent. */
  'finetune.progress': z.object({
    step: z.number(),
    maxSteps: z.number(),
    loss: z.number(),
    heldOutRecall: z.number().nullable(),
  }),
  'finetune.done': z.object({
    state: z.enum(['finished', 'cancelled', 'failed']),
    error: z.string().nullable(),
    adapterId: z.number().nullable(),
    version: z.number().nullable(),
    before: Recall,
    after: Recall,
    /** Why before and after are null: too few pairs to set some aside as a test. */
    notMeasured: z.string().nullable(),
  }),
  /** Activating an adapter: phase 'projecting' (embeddings into its space), then 'indexing'. */
  'adapter.progress': z.object({ phase: z.string(), done: z.number(), total: z.number() }),
  'library.changed': z.object({ reason: z.string() }),
  /**
   * A model download: bytes so far of the total (null while unknown) and the file being fetched (null
   * between files); 'verifying' while checksums and the model folder are checked. At most about 10 a
   * second; every change of state is sent.
   */
  'models.progress': z.object({
    id: z.string(),
    file: z.string().nullable(),
    doneBytes: z.number(),
    totalBytes: z.number().nullable(),
    state: z.enum(['downloading', 'verifying', 'done', 'failed', 'cancelled']),
    error: z.string().nullable(),
  }),
  /**
   * A model switch (models.use with a library open): photos indexed for the new model so far, of the
   * total, while search keeps using the current one; 'done' once the new model is in use. At most about
   * 10 a second; every change of state is sent.
   */
  'models.switch': z.object({
    id: z.string(),
    state: z.enum(['indexing', 'done', 'cancelled', 'failed']),
    done: z.number(),
    total: z.number(),
    photosPerSecond: z.number(),
    etaSeconds: z.number().nullable(),
    error: z.string().nullable(),
  }),
} as const satisfies Record<string, z.ZodType>;

export type EventName = keyof typeof EVENTS;
export type EventData<E extends EventName> = z.output<(typeof EVENTS)[E]>;

/** bad-request: the message failed validation; not-found; failed: the engine could not do it. */
export const ERROR_CODES = ['bad-request', 'not-found', 'failed'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isMethod(name: unknown): name is Method {
  return typeof name === 'string' && Object.hasOwn(API, name);
}

/** Validates a request where it arrives; the parsed params are the only thing the engine sees. */
export function parseRequest(method: unknown, params: unknown): { method: Method; params: unknown } {
  if (!isMethod(method)) throw new ApiError('not-found', `unknown method ${JSON.stringify(method)}`);
  const parsed = API[method].params.safeParse(params ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new ApiError('bad-request', `${method}: ${issue?.message ?? 'invalid parameters'}${where}`);
  }
  return { method, params: parsed.data };
}
