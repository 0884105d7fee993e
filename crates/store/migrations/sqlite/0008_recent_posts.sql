-- Duplicate screening reads the newest 100 posts of everyone and of the author on every new
-- post. Indexes in exactly that order, over live questions and answers only, let both reads stop
-- after 100 entries; the old ones sorted every post of the window or of the author (1.7 ms for
-- an author with 1,400 posts in the benchmark).
DROP INDEX posts_created;
CREATE INDEX posts_recent ON posts (created_at DESC, id DESC)
    WHERE deleted_at IS NULL AND kind IN ('question', 'answer');
DROP INDEX posts_author;
CREATE INDEX posts_author ON posts (author_id, created_at DESC, id DESC);
