-- The reference a network already uses for a row (its CRM's or spreadsheet's
-- key): an import that names a row by the same reference updates it instead of
-- adding a second copy. One table per kind, unique both ways, going with its
-- row; tables rather than columns so that the migration can run again after a
-- crash between its commit and its mark (IF NOT EXISTS) on both databases.
CREATE TABLE IF NOT EXISTS city_refs (
    id  TEXT PRIMARY KEY REFERENCES cities (id) ON DELETE CASCADE,
    ref TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS practice_refs (
    id  TEXT PRIMARY KEY REFERENCES practices (id) ON DELETE CASCADE,
    ref TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS challenge_refs (
    id  TEXT PRIMARY KEY REFERENCES challenges (id) ON DELETE CASCADE,
    ref TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS expert_refs (
    id  TEXT PRIMARY KEY REFERENCES experts (id) ON DELETE CASCADE,
    ref TEXT NOT NULL UNIQUE
);

-- An import run as a job: its state and progress, what it wrote, and every
-- bad row it found (JSON, as the API shows them).
CREATE TABLE IF NOT EXISTS imports (
    id          TEXT PRIMARY KEY,
    state       TEXT NOT NULL,
    dry_run     BOOLEAN NOT NULL,
    phase       TEXT NOT NULL DEFAULT '',
    rows_total  INTEGER NOT NULL DEFAULT 0,
    rows_done   INTEGER NOT NULL DEFAULT 0,
    counts      TEXT NOT NULL DEFAULT '{}',
    problems    TEXT NOT NULL DEFAULT '[]',
    detail      TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);

-- The files of an import, kept until it ends so that whichever replica claims
-- its job reads them.
CREATE TABLE IF NOT EXISTS import_files (
    import_id TEXT NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    name      TEXT NOT NULL,
    body      TEXT NOT NULL,
    PRIMARY KEY (import_id, position)
);
