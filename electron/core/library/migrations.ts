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
];
