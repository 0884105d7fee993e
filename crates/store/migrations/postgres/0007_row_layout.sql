-- Row layout (SQLite only): PostgreSQL keeps long values out of line (TOAST), so the order of
-- a table's columns does not make reading its small columns walk the bodies. Nothing to do.
SELECT 1;
