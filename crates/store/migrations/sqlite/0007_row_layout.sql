-- Row layout: SQLite stores a row's columns in declaration order and spills what does not fit
-- on the page to a chain of overflow pages, so reading `score` after three copies of the body
-- walked that chain for every row of every list and every search candidate. The posts table is
-- rebuilt with its small, often-read columns first and the bodies last; search_docs gets its
-- post id as the rowid (one lookup instead of two). Runs with foreign keys off (the migrator
-- turns them off for this migration and checks them before committing), as SQLite's documented
-- table rebuild requires: dropping the old table must not cascade.
CREATE TABLE posts_new (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('question', 'answer', 'article')),
    parent_id BIGINT REFERENCES posts (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'held', 'hidden')),
    deleted_at BIGINT,
    score BIGINT NOT NULL DEFAULT 0,
    answer_count BIGINT NOT NULL DEFAULT 0,
    comment_count BIGINT NOT NULL DEFAULT 0,
    view_count BIGINT NOT NULL DEFAULT 0,
    accepted_answer_id BIGINT,
    created_at BIGINT NOT NULL,
    last_activity_at BIGINT NOT NULL,
    category_id BIGINT REFERENCES categories (id),
    source_post_id BIGINT REFERENCES posts (id),
    closed_at BIGINT,
    close_reason TEXT,
    duplicate_of BIGINT REFERENCES posts (id),
    locked_at BIGINT,
    protected_at BIGINT,
    promoted_by BIGINT REFERENCES users (id),
    revision_count BIGINT NOT NULL DEFAULT 1,
    last_editor_id BIGINT REFERENCES users (id),
    last_edited_at BIGINT,
    source_site TEXT,
    source_id BIGINT,
    license TEXT NOT NULL DEFAULT 'CC BY-SA 4.0',
    title TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_md TEXT NOT NULL
);
INSERT INTO posts_new (id, kind, parent_id, author_id, status, deleted_at, score, answer_count,
    comment_count, view_count, accepted_answer_id, created_at, last_activity_at, category_id,
    source_post_id, closed_at, close_reason, duplicate_of, locked_at, protected_at, promoted_by,
    revision_count, last_editor_id, last_edited_at, source_site, source_id, license, title, tags,
    body_html, body_text, body_md)
SELECT id, kind, parent_id, author_id, status, deleted_at, score, answer_count,
    comment_count, view_count, accepted_answer_id, created_at, last_activity_at, category_id,
    source_post_id, closed_at, close_reason, duplicate_of, locked_at, protected_at, promoted_by,
    revision_count, last_editor_id, last_edited_at, source_site, source_id, license, title, tags,
    body_html, body_text, body_md
FROM posts;
DROP TABLE posts;
ALTER TABLE posts_new RENAME TO posts;
CREATE INDEX posts_parent ON posts (parent_id, score DESC, id);
CREATE INDEX posts_author ON posts (author_id, created_at DESC);
CREATE INDEX posts_category ON posts (category_id, kind);
CREATE UNIQUE INDEX posts_source ON posts (source_site, source_id);
CREATE UNIQUE INDEX posts_source_post_id_article ON posts (source_post_id)
    WHERE kind = 'article' AND deleted_at IS NULL;
CREATE INDEX posts_list_newest ON posts (created_at DESC, id DESC)
    WHERE kind = 'question' AND deleted_at IS NULL AND status = 'published';
CREATE INDEX posts_list_active ON posts (last_activity_at DESC, id DESC)
    WHERE kind = 'question' AND deleted_at IS NULL AND status = 'published';
CREATE INDEX posts_list_votes ON posts (score DESC, id DESC)
    WHERE kind = 'question' AND deleted_at IS NULL AND status = 'published';
CREATE INDEX posts_list_unanswered ON posts (created_at DESC, id DESC)
    WHERE kind = 'question' AND deleted_at IS NULL AND status = 'published' AND answer_count = 0;
CREATE INDEX posts_created ON posts (created_at);
CREATE TABLE search_docs_new (
    post_id INTEGER PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    title_terms TEXT NOT NULL,
    body_terms TEXT NOT NULL,
    answer_terms TEXT NOT NULL,
    tag_terms TEXT NOT NULL
);
INSERT INTO search_docs_new (post_id, title_terms, body_terms, answer_terms, tag_terms)
SELECT post_id, title_terms, body_terms, answer_terms, tag_terms FROM search_docs;
DROP TABLE search_docs;
ALTER TABLE search_docs_new RENAME TO search_docs;
