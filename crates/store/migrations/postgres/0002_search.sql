-- Full-text index of live posts: title weighted A, tags B, body C; GIN for candidate lookup.
CREATE TABLE posts_fts (
    post_id BIGINT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    document TSVECTOR NOT NULL
);
CREATE INDEX posts_fts_document ON posts_fts USING GIN (document);
