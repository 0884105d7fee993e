-- Partial indexes for the question lists: only live, published questions, in each list's order,
-- so a page is an index range scan instead of a scan of every post (measured by bench/run.py:
-- the home page went from a sequential scan of 350,000 posts to reading 30 index entries).
CREATE INDEX posts_list_newest ON posts (created_at DESC, id DESC)
    WHERE kind = 'question' AND deleted_at IS NULL AND status = 'published';
CREATE INDEX posts_list_active ON posts (last_activity_at DESC, id DESC)
    WHERE kind = 'question' AND deleted_at IS NULL AND status = 'published';
CREATE INDEX posts_list_votes ON posts (score DESC, id DESC)
    WHERE kind = 'question' AND deleted_at IS NULL AND status = 'published';
CREATE INDEX posts_list_unanswered ON posts (created_at DESC, id DESC)
    WHERE kind = 'question' AND deleted_at IS NULL AND status = 'published' AND answer_count = 0;
-- The full indexes they replace made the planner count a list through table lookups.
DROP INDEX posts_questions_newest;
DROP INDEX posts_questions_active;
DROP INDEX posts_questions_votes;
DROP INDEX posts_questions_unanswered;
-- Recent posts of everyone, for duplicate detection on every new post.
CREATE INDEX posts_created ON posts (created_at);
