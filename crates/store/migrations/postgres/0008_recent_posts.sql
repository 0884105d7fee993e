-- Duplicate screening reads the newest 100 posts of everyone and of the author on every new
-- post. Indexes in exactly that order, over live questions and answers only, let both reads stop
-- after 100 entries. With the old ones, statistics that did not yet know the day's posts (they
-- are refreshed after a tenth of the table changes) led the planner to a bitmap scan and a sort
-- of every post of the week: 8.5 ms per new post in the benchmark.
DROP INDEX posts_created;
CREATE INDEX posts_recent ON posts (created_at DESC, id DESC)
    WHERE deleted_at IS NULL AND kind IN ('question', 'answer');
DROP INDEX posts_author;
CREATE INDEX posts_author ON posts (author_id, created_at DESC, id DESC);
-- Search documents and answer terms grow with every answer and are rewritten whole each time
-- one is added; compressing them on every write (and decompressing them for every ranking)
-- cost more than the space saved. Values written from now on are kept uncompressed (out of
-- line when large); existing ones change as they are next rewritten.
ALTER TABLE search_fts ALTER COLUMN document SET STORAGE EXTERNAL;
ALTER TABLE search_docs ALTER COLUMN answer_terms SET STORAGE EXTERNAL;
ALTER TABLE search_docs ALTER COLUMN body_terms SET STORAGE EXTERNAL;
