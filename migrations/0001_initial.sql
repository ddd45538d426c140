-- 0001_initial: the experiment store (DESIGN section 3).
--
-- Applied by the Tracker's Migrator inside one transaction and recorded in schema_migrations with this
-- file's sha256; never edit it once released: add 0002_... instead.
--
-- Size: the figures in BENCHMARKS.md (store section) come from this layout. Per-epoch metrics are one
-- row per epoch holding packed (name id, float64) pairs: a row per value cost 22.7 bytes per value on
-- disk (measured with dbstat), a packed pair 12, which keeps a 30-epoch x 20-metric run under 17 KiB.
-- Final results stay one row per value: they are what --where filters and compare groups on. Config
-- texts live in their own table, shared by the runs that have the same config, so the runs table stays
-- narrow (about 250 bytes a row) for the scans of `runs --where` and `compare`.

-- Every string the store repeats (config keys, metric names, splits, tasks, modalities) once.
CREATE TABLE names (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
) STRICT;

-- Canonical config JSON, stored once per distinct config.
CREATE TABLE configs (
  id INTEGER PRIMARY KEY,
  sha256 TEXT NOT NULL UNIQUE,
  text TEXT NOT NULL
) STRICT;

CREATE TABLE runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,   -- internal; AUTOINCREMENT so a removed run's id is never reused
  uid TEXT NOT NULL UNIQUE,               -- the id users see: 16 hex digits, any unique prefix works
  name TEXT NOT NULL,
  experiment TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'killed')),
  seed INTEGER NOT NULL,
  config INTEGER NOT NULL REFERENCES configs(id),
  cell_sha256 TEXT NOT NULL,              -- sha256 of the grid cell key (config without naming fields)
  started_at REAL NOT NULL,               -- Unix seconds
  finished_at REAL,
  heartbeat_at REAL NOT NULL,
  epochs INTEGER NOT NULL DEFAULT 0,      -- epoch rows logged (kept by logEpoch, so listing needs no count)
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  pid_start INTEGER,                      -- the process's start time in clock ticks (Linux), against pid reuse
  git_commit TEXT,
  git_dirty INTEGER,
  swift_version TEXT,
  openblas_version TEXT,
  openblas_core TEXT,
  threads INTEGER,
  resumes INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  error TEXT,
  note TEXT,
  best_epoch INTEGER,
  train_seconds REAL,
  parameter_count INTEGER,
  thresholds TEXT                         -- JSON list of the ER thresholds chosen on validation
) STRICT;
CREATE INDEX runs_by_cell ON runs(cell_sha256, seed);
CREATE INDEX runs_by_status ON runs(status);
CREATE INDEX runs_by_name ON runs(name);
CREATE INDEX runs_by_resumes ON runs(resumes);
CREATE INDEX runs_by_config ON runs(config);

-- One row per dotted config key; kind says how to read value back (0 null, 1 bool, 2 int, 3 double,
-- 4 string, 5 canonical JSON of a list or object).
CREATE TABLE params (
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key INTEGER NOT NULL REFERENCES names(id),
  kind INTEGER NOT NULL,
  value ANY,
  PRIMARY KEY (run, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX params_by_key ON params(key, value);

-- One row per finished epoch (1-based). train and valid hold packed little-endian (uint32 name id,
-- float64 value) pairs; routing holds, per (task, modality, block), uint32 task id, uint32 modality id,
-- uint16 block, uint16 expert count, then one float64 mean gate per expert.
CREATE TABLE epochs (
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  epoch INTEGER NOT NULL,
  learning_rate REAL NOT NULL,
  seconds REAL NOT NULL,
  steps INTEGER NOT NULL,
  train BLOB NOT NULL,
  valid BLOB NOT NULL,
  routing BLOB,
  PRIMARY KEY (run, epoch)
) STRICT, WITHOUT ROWID;

-- Final metrics of the selected checkpoint, per split; NULL is an undefined metric (NaN).
CREATE TABLE results (
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  split INTEGER NOT NULL REFERENCES names(id),
  key INTEGER NOT NULL REFERENCES names(id),
  value REAL,
  PRIMARY KEY (run, split, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX results_by_key ON results(split, key, value);

-- Per-sample predictions of a split: a safetensors file of float64 columns, sample ids in its metadata.
CREATE TABLE predictions (
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  split TEXT NOT NULL,
  rows INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (run, split)
) STRICT;

CREATE TABLE fingerprints (
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  PRIMARY KEY (run, name)
) STRICT, WITHOUT ROWID;

CREATE TABLE tags (
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  PRIMARY KEY (run, tag)
) STRICT, WITHOUT ROWID;
CREATE INDEX tags_by_tag ON tags(tag);

-- Content-addressed bytes (safetensors weights, training state): sha256 of the bytes, checked on read.
CREATE TABLE blobs (
  sha256 TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  bytes BLOB NOT NULL
) STRICT;

-- The best and the latest checkpoint of a run; 'last' is replaced every epoch.
CREATE TABLE checkpoints (
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('best', 'last')),
  epoch INTEGER NOT NULL,
  weights TEXT NOT NULL REFERENCES blobs(sha256),
  state TEXT REFERENCES blobs(sha256),
  PRIMARY KEY (run, kind)
) STRICT, WITHOUT ROWID;
CREATE INDEX checkpoints_by_weights ON checkpoints(weights);
CREATE INDEX checkpoints_by_state ON checkpoints(state);

-- The zoo registry: named, versioned models; the weights outlive the run they came from.
CREATE TABLE models (
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  run INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  weights TEXT NOT NULL REFERENCES blobs(sha256),
  card TEXT NOT NULL,                     -- JSON model card
  registered_at REAL NOT NULL,
  PRIMARY KEY (name, version)
) STRICT;
CREATE INDEX models_by_weights ON models(weights);
CREATE INDEX models_by_run ON models(run);
