-- Search documents: one per live question or article, holding the analysed terms (stemmed,
-- stop words removed, by stoa_domain::search::analyze) of its title, body, answers and tags,
-- so that both backends index and rank the very same terms.
CREATE TABLE search_docs (
    post_id BIGINT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    title_terms TEXT NOT NULL,
    body_terms TEXT NOT NULL,
    answer_terms TEXT NOT NULL,
    tag_terms TEXT NOT NULL
);
-- Candidate lookup with GIN; the terms are already analysed, so the 'simple' configuration.
CREATE TABLE search_fts (
    post_id BIGINT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    document TSVECTOR NOT NULL
);
CREATE INDEX search_fts_document ON search_fts USING GIN (document);
