-- Stoa's first schema: accounts, sessions, tokens, rate limits, settings, jobs,
-- and the Q&A core (posts, revisions, tags, comments, votes, drafts).
-- Timestamps are Unix seconds (UTC); ids are 64-bit integers on both backends.

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    username_key TEXT NOT NULL UNIQUE,
    email TEXT,
    email_key TEXT UNIQUE,
    password_hash TEXT,
    role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'agent', 'moderator', 'admin')),
    reputation BIGINT NOT NULL DEFAULT 1,
    about_md TEXT NOT NULL DEFAULT '',
    about_html TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    suspended_until BIGINT,
    deleted_at BIGINT,
    source_site TEXT,
    source_id BIGINT
);
CREATE UNIQUE INDEX users_source ON users (source_site, source_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL DEFAULT 'read write',
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    expires_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE rate_limits (
    key TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    queue TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    run_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL DEFAULT 8,
    last_error TEXT,
    locked_until BIGINT,
    done_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX jobs_ready ON jobs (queue, run_at) WHERE done_at IS NULL;

CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position BIGINT NOT NULL DEFAULT 0
);

-- Questions, answers and knowledge-base articles share one table so that votes,
-- comments, revisions, flags and search treat them alike.
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('question', 'answer', 'article')),
    parent_id BIGINT REFERENCES posts (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL DEFAULT '',
    body_md TEXT NOT NULL,
    body_html TEXT NOT NULL,
    body_text TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    score BIGINT NOT NULL DEFAULT 0,
    answer_count BIGINT NOT NULL DEFAULT 0,
    comment_count BIGINT NOT NULL DEFAULT 0,
    view_count BIGINT NOT NULL DEFAULT 0,
    accepted_answer_id BIGINT,
    category_id BIGINT REFERENCES categories (id),
    source_post_id BIGINT REFERENCES posts (id),
    status TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'held', 'hidden')),
    closed_at BIGINT,
    close_reason TEXT,
    duplicate_of BIGINT REFERENCES posts (id),
    locked_at BIGINT,
    deleted_at BIGINT,
    revision_count BIGINT NOT NULL DEFAULT 1,
    last_editor_id BIGINT REFERENCES users (id),
    last_edited_at BIGINT,
    created_at BIGINT NOT NULL,
    last_activity_at BIGINT NOT NULL,
    source_site TEXT,
    source_id BIGINT,
    license TEXT NOT NULL DEFAULT 'CC BY-SA 4.0'
);
CREATE INDEX posts_parent ON posts (parent_id, score DESC, id);
CREATE INDEX posts_author ON posts (author_id, created_at DESC);
CREATE INDEX posts_questions_newest ON posts (kind, deleted_at, created_at DESC, id DESC);
CREATE INDEX posts_questions_active ON posts (kind, deleted_at, last_activity_at DESC, id DESC);
CREATE INDEX posts_questions_votes ON posts (kind, deleted_at, score DESC, id DESC);
CREATE INDEX posts_questions_unanswered ON posts (kind, deleted_at, answer_count, created_at DESC, id DESC);
CREATE INDEX posts_category ON posts (category_id, kind);
CREATE UNIQUE INDEX posts_source ON posts (source_site, source_id);

CREATE TABLE post_revisions (
    id INTEGER PRIMARY KEY,
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    number BIGINT NOT NULL,
    author_id BIGINT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL DEFAULT '',
    body_md TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    UNIQUE (post_id, number)
);

CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    question_count BIGINT NOT NULL DEFAULT 0,
    excerpt TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX tags_popular ON tags (question_count DESC, name);

CREATE TABLE post_tags (
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tags (id),
    PRIMARY KEY (post_id, tag_id)
);
CREATE INDEX post_tags_tag ON post_tags (tag_id, post_id);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    author_id BIGINT NOT NULL REFERENCES users (id),
    body_md TEXT NOT NULL,
    body_html TEXT NOT NULL,
    score BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    deleted_at BIGINT,
    source_site TEXT,
    source_id BIGINT
);
CREATE INDEX comments_post ON comments (post_id, created_at);

CREATE TABLE votes (
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    value BIGINT NOT NULL CHECK (value IN (-1, 1)),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (post_id, user_id)
);
CREATE INDEX votes_user ON votes (user_id);

CREATE TABLE drafts (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    draft_key TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    body_md TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, draft_key)
);

-- Every point of reputation has a reason (filled by the governance capability).
CREATE TABLE reputation_events (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    delta BIGINT NOT NULL,
    reason TEXT NOT NULL,
    post_id BIGINT REFERENCES posts (id),
    actor_id BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    reversed_at BIGINT
);
CREATE INDEX reputation_events_user ON reputation_events (user_id, created_at DESC);
