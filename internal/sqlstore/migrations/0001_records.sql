-- pocketkms storage schema, version 1 (docs/storage.md).
-- Portable SQLite: the same file runs on the server's SQLite file and on
-- Cloudflare D1. One statement per ";" at the end of a line; no semicolons
-- inside statements, no transactions (the applier wraps each file in one).

-- Which migrations a database has. Each migration file records itself in
-- its last statement, so a file applied by any tool leaves the same trace.
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Every store record: "keys/<KeyId>" (sealed key record), "aliases/<name>",
-- "clientkeys/<AccessKeyId>". rev is the number of the commit that last
-- wrote the record; an absent row is rev 0.
CREATE TABLE records (
  key   TEXT PRIMARY KEY NOT NULL,
  value BLOB NOT NULL,
  rev   INTEGER NOT NULL CHECK (rev > 0)
);

-- The last commit number handed out. A single row, only ever incremented,
-- so a record deleted and created again never gets an old rev back.
CREATE TABLE rev_counter (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  last_rev INTEGER NOT NULL
);
INSERT INTO rev_counter (id, last_rev) VALUES (1, 0);

-- The optimistic-concurrency check as a constraint: a commit sets ok to
-- "does this read rev still match" once per record it read; a stale read
-- sets 0, the named CHECK fails, and the whole transaction (or D1 batch)
-- rolls back with "CHECK constraint failed: pocketkms_conflict".
CREATE TABLE commit_guard (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  ok INTEGER NOT NULL CONSTRAINT pocketkms_conflict CHECK (ok = 1)
);
INSERT INTO commit_guard (id, ok) VALUES (1, 1);

INSERT INTO schema_migrations (version, name) VALUES (1, 'records');
