-- Full-text index of live posts: rowid = posts.id. Porter stemming, diacritics folded.
CREATE VIRTUAL TABLE posts_fts USING fts5(title, body, tags, tokenize = 'porter unicode61 remove_diacritics 2');
