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
-- Candidate lookup; rowid = post id. The terms are already analysed, so a plain tokenizer.
CREATE VIRTUAL TABLE search_fts USING fts5(title, body, answers, tags, tokenize = 'unicode61 remove_diacritics 0');
