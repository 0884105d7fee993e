-- Self-service: deflection sessions (an ask flow that showed suggestions, and how it ended),
-- the suggestions each one showed, knowledge-base promotion and "was this helpful?" feedback.

-- One ask flow that showed suggestions. The token travels in the ask form and in suggestion
-- links; only its SHA-256 is stored. `visitor_key` is a hash of the browser's CSRF cookie (or
-- of its address), so anonymous visitors' sessions count too.
CREATE TABLE deflection_sessions (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    visitor_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    outcome TEXT CHECK (outcome IN ('solved', 'posted', 'abandoned')),
    outcome_at BIGINT,
    -- The suggestion that solved the problem (outcome 'solved').
    solved_post_id BIGINT REFERENCES posts (id),
    -- The question asked anyway (outcome 'posted').
    question_id BIGINT REFERENCES posts (id)
);
CREATE INDEX deflection_sessions_created ON deflection_sessions (created_at);
CREATE INDEX deflection_sessions_open ON deflection_sessions (last_seen_at) WHERE outcome IS NULL;
CREATE INDEX deflection_sessions_solved ON deflection_sessions (solved_post_id) WHERE solved_post_id IS NOT NULL;

-- Each post a session suggested, at its best rank (1 = first), and whether it was opened.
CREATE TABLE deflection_suggestions (
    session_id BIGINT NOT NULL REFERENCES deflection_sessions (id) ON DELETE CASCADE,
    post_id BIGINT NOT NULL REFERENCES posts (id),
    rank BIGINT NOT NULL,
    shown_at BIGINT NOT NULL,
    clicked_at BIGINT,
    PRIMARY KEY (session_id, post_id)
);
CREATE INDEX deflection_suggestions_post ON deflection_suggestions (post_id);

-- Who promoted an answer to an article (the article keeps the answer's author as author).
ALTER TABLE posts ADD COLUMN promoted_by BIGINT REFERENCES users (id);
-- An answer becomes at most one live article; a second promotion is a conflict.
CREATE UNIQUE INDEX posts_source_post_id_article ON posts (source_post_id)
    WHERE kind = 'article' AND deleted_at IS NULL;

-- "Was this helpful?" on articles: one answer per visitor and article, changeable.
CREATE TABLE article_feedback (
    id INTEGER PRIMARY KEY,
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    visitor_key TEXT NOT NULL,
    helpful BIGINT NOT NULL CHECK (helpful IN (0, 1)),
    comment TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    UNIQUE (post_id, visitor_key)
);
CREATE INDEX article_feedback_post ON article_feedback (post_id, created_at DESC);
