// The library database's schema, as an append-only list of migrations. PRAGMA user_version records how
// many have run; never edit a shipped migration, add a new one.

export const MIGRATIONS: readonly string[] = [
  // 1: folders, photos with their metadata and status, models, per-model embeddings, thumbnails, and the
  // change counter that ties each model's HNSW file to the database.
  `
  CREATE TABLE folders (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    added_at INTEGER NOT NULL
  );

  CREATE TABLE photos (
    id INTEGER PRIMARY KEY,
    folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
    path TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    mtime_ms INTEGER NOT NULL,
    content_hash TEXT,
    width INTEGER,
    height INTEGER,
    format TEXT,
    taken_at INTEGER,
    camera TEXT,
    lens TEXT,
    gps_lat REAL,
    gps_lon REAL,
    orientation INTEGER,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'indexed', 'failed')),
    error TEXT,
    indexed_at INTEGER
  );
  CREATE INDEX photos_folder ON photos(folder_id);
  CREATE INDEX photos_status ON photos(status);
  CREATE INDEX photos_hash ON photos(content_hash);
  CREATE INDEX photos_taken ON photos(taken_at);

  CREATE TABLE models (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    dim INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    -- Bumped with every embedding added or removed; the HNSW file records the value it was saved at.
    change_counter INTEGER NOT NULL DEFAULT 0
  );

  CREATE TABLE embeddings (
    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    vector BLOB NOT NULL,
    PRIMARY KEY (model_id, photo_id)
  ) WITHOUT ROWID;
  CREATE INDEX embeddings_photo ON embeddings(photo_id);

  CREATE TABLE thumbnails (
    photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
    file TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL
  );

  CREATE TRIGGER embeddings_added AFTER INSERT ON embeddings BEGIN
    UPDATE models SET change_counter = change_counter + 1 WHERE id = NEW.model_id;
  END;
  CREATE TRIGGER embeddings_removed AFTER DELETE ON embeddings BEGIN
    UPDATE models SET change_counter = change_counter + 1 WHERE id = OLD.model_id;
  END;
  `,
  // 2: categories (the user's own, zero-shot tagged), their cached prompt embeddings per model, photo
  // tags with where each came from, captions, and albums (manual, or smart: a saved query).
  `
  CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    -- What the templates are filled with ("a photo of a {}."); NULL means the name.
    description TEXT,
    -- JSON arrays of texts used as they are. With no prompts, the template ensemble is used.
    prompts TEXT NOT NULL DEFAULT '[]',
    negative_prompts TEXT NOT NULL DEFAULT '[]',
    exclusive_group TEXT COLLATE NOCASE,
    -- A user-set cosine threshold; NULL means calibrated from the library.
    threshold REAL,
    -- 0 for labels that only people apply (keywords read from files): never tagged automatically.
    auto INTEGER NOT NULL DEFAULT 1,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );

  CREATE TABLE category_embeddings (
    category_id INTEGER NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    -- Hash of the prompts the vectors came from: an edit invalidates them.
    prompt_set TEXT NOT NULL,
    positive BLOB NOT NULL,
    negatives BLOB,
    -- Calibrated on the library's scores at the last full run; new photos are tagged against it.
    threshold REAL,
    spread REAL,
    calibration TEXT,
    PRIMARY KEY (category_id, model_id)
  ) WITHOUT ROWID;

  CREATE TABLE photo_tags (
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    category_id INTEGER NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
    source TEXT NOT NULL CHECK (source IN ('auto', 'manual', 'accepted', 'rejected')),
    score REAL,
    -- How far above the category's threshold, in units of its score spread: the review queue's order.
    margin REAL,
    model_id INTEGER REFERENCES models(id) ON DELETE SET NULL,
    adapter TEXT,
    prompt_set TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (photo_id, category_id)
  ) WITHOUT ROWID;
  CREATE INDEX photo_tags_category ON photo_tags(category_id, source);

  CREATE TABLE captions (
    photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('user', 'file')),
    updated_at INTEGER NOT NULL
  );

  CREATE TABLE albums (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    -- JSON of a saved query for a smart album; NULL for a manual one.
    query TEXT,
    created_at INTEGER NOT NULL
  );

  CREATE TABLE album_photos (
    album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (album_id, photo_id)
  ) WITHOUT ROWID;
  CREATE INDEX album_photos_photo ON album_photos(photo_id);
  `,
  // 3: fine-tuned adapters, versioned per model, and which one is active. An adapter with an image
  // side keeps its re-projected photo embeddings as an embedding space of its own (a models row),
  // with its own HNSW index, so activating and rolling back never touch the model's own embeddings.
  `
  CREATE TABLE adapters (
    id INTEGER PRIMARY KEY,
    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    dim INTEGER NOT NULL,
    image BLOB,
    text BLOB,
    logit_scale REAL NOT NULL,
    settings TEXT NOT NULL,
    metrics TEXT NOT NULL,
    space_model_id INTEGER REFERENCES models(id) ON DELETE SET NULL,
    UNIQUE (model_id, version)
  );

  CREATE TABLE active_adapters (
    model_id INTEGER PRIMARY KEY REFERENCES models(id) ON DELETE CASCADE,
    adapter_id INTEGER NOT NULL REFERENCES adapters(id) ON DELETE CASCADE
  );
  `,
  // 4: the library's own settings (JSON values by key), and the timeline's order as an index: indexed
  // photos newest first by taken-at (the file's mtime without EXIF), covering the aspect ratio too, so
  // the whole timeline of a large library is one index walk instead of a sort and 100k row lookups.
  `
  CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE INDEX photos_timeline ON photos(COALESCE(taken_at, mtime_ms) DESC, id, width, height)
    WHERE status = 'indexed';
  `,
  // 5: a category's automatic tags in photo order with everything a re-run compares, so that re-tagging
  // the whole library reads them from this index alone instead of looking up every tag's row (100k
  // tags: about 35 ms against 300-450 ms).
  `
  CREATE INDEX photo_tags_auto ON photo_tags(category_id, photo_id, score, margin, model_id, adapter, prompt_set)
    WHERE source = 'auto';
  `,
  // 6: which model and variant each embedding space came from, and when a library was last opened on it
  // (commands that need no model report on that one); a folder found unavailable at the last scan (an
  // unplugged drive): its photos are kept and shown as offline until it returns.
  `
  ALTER TABLE models ADD COLUMN variant TEXT;
  ALTER TABLE models ADD COLUMN opened_at INTEGER;
  ALTER TABLE folders ADD COLUMN offline_since INTEGER;
  `,
  // 7: files a scan left out on purpose, with why (a link whose target leaves its library folder), so
  // status can say what was not indexed and why; a scan of a folder replaces the folder's list.
  `
  CREATE TABLE skipped (
    path TEXT PRIMARY KEY,
    folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    seen_at INTEGER NOT NULL
  );
  CREATE INDEX skipped_folder ON skipped(folder_id);
  `,
  // 8: which adapter was made active when (null: back to the plain model), per model, so a rollback
  // returns to the version that was active before the last activation, not to the next older one.
  `
  CREATE TABLE adapter_history (
    id INTEGER PRIMARY KEY,
    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    adapter_id INTEGER REFERENCES adapters(id) ON DELETE CASCADE,
    at INTEGER NOT NULL
  );
  CREATE INDEX adapter_history_model ON adapter_history(model_id, id);
  `,
  // 9: where a tag or caption the user owns came from: typed ('you'), decided in review ('review'), or
  // read from a file ('XMP dc:subject', 'IPTC Keywords', 'sidecar XMP dc:subject', ...). Automatic
  // tags carry their own provenance already (model, adapter, prompt set, score); older rows: unknown.
  `
  ALTER TABLE photo_tags ADD COLUMN origin TEXT;
  ALTER TABLE captions ADD COLUMN origin TEXT;
  `,
  // 10: search filters answered from covering indexes: a folder as a range of paths (with status, so
  // no row is read: 100k photos 20 ms, not 95), camera and format scanned in the index, not the table.
  `
  CREATE INDEX photos_path_status ON photos(path, status);
  CREATE INDEX photos_filters ON photos(status, camera, format);
  `,
  // 11: photos indexed from a damaged file (a JPEG cut short) keep why in \`error\`; the status line
  // lists them, so they are found without scanning every indexed photo (100k: 12 ms -> 0).
  `
  CREATE INDEX photos_damaged ON photos(path) WHERE status = 'indexed' AND error IS NOT NULL;
  `,
  // 12: the owner's stars (0-5, as xmp:Rating; null: never rated in Lumen nor in the file) and
  // favourites, read from files and sidecars and written back to sidecars; favourites listed by index.
  `
  ALTER TABLE photos ADD COLUMN rating INTEGER;
  ALTER TABLE photos ADD COLUMN favorite INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX photos_favorite ON photos(id) WHERE favorite = 1;
  `,
  // 13: counters of changes to what search filters read: 'photos' (path, status, date, format, camera)
  // and 'tags' (which photos carry which category), so the copies held in memory for large libraries
  // (filter-columns.ts) know when they are stale.
  `
  CREATE TABLE filter_changes (name TEXT PRIMARY KEY, counter INTEGER NOT NULL) WITHOUT ROWID;
  INSERT INTO filter_changes VALUES ('photos', 0), ('tags', 0);
  CREATE TRIGGER filter_changes_insert AFTER INSERT ON photos BEGIN
    UPDATE filter_changes SET counter = counter + 1 WHERE name = 'photos';
  END;
  CREATE TRIGGER filter_changes_delete AFTER DELETE ON photos BEGIN
    UPDATE filter_changes SET counter = counter + 1 WHERE name = 'photos';
  END;
  CREATE TRIGGER filter_changes_update AFTER UPDATE OF path, status, taken_at, mtime_ms, format, camera
    ON photos BEGIN
    UPDATE filter_changes SET counter = counter + 1 WHERE name = 'photos';
  END;
  CREATE TRIGGER filter_changes_tag_insert AFTER INSERT ON photo_tags BEGIN
    UPDATE filter_changes SET counter = counter + 1 WHERE name = 'tags';
  END;
  CREATE TRIGGER filter_changes_tag_delete AFTER DELETE ON photo_tags BEGIN
    UPDATE filter_changes SET counter = counter + 1 WHERE name = 'tags';
  END;
  CREATE TRIGGER filter_changes_tag_update AFTER UPDATE OF photo_id, category_id, source ON photo_tags BEGIN
    UPDATE filter_changes SET counter = counter + 1 WHERE name = 'tags';
  END;
  `,
];
