-- Runs of `stoa import`: a row per committed run, so that a site is imported once (a plain
-- second import of the same site is refused; `--update` runs are recorded beside it) and the
-- operator can see what was imported, when, and with which counts.
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    site TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('import', 'update')),
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    summary TEXT NOT NULL DEFAULT '{}'
);
-- One first import per site; a concurrent second one waits, then fails on this index.
CREATE UNIQUE INDEX imports_once ON imports (site) WHERE mode = 'import';
-- An imported comment exists once per site; `--update` finds it by its original id.
CREATE UNIQUE INDEX comments_source ON comments (source_site, source_id);
