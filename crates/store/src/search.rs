//! Full-text search storage: the one place where SQLite (FTS5) and PostgreSQL (tsvector + GIN)
//! differ. Every live question and article has a search document of analysed terms, rewritten
//! inside the same transaction as any write that changes its text (the post, or an answer).

use crate::lists::placeholders;
use crate::{Backend, Store, StoreError};
use sqlx::{Any, Row, Transaction};
use std::collections::HashMap;
use stoa_domain::search::analyze;

/// A candidate document with what ranking needs: signals and analysed terms, but not the
/// body text (only the page of results shown needs that; see [`Store::search_bodies`]).
#[derive(Debug, Clone)]
pub struct SearchDoc {
    /// The question or article.
    pub post_id: i64,
    /// Question or article.
    pub kind: stoa_domain::post_kind::PostKind,
    /// Title as written.
    pub title: String,
    /// Space-separated tags.
    pub tags: String,
    /// Votes.
    pub score: i64,
    /// Whether an answer is accepted.
    pub has_accepted: bool,
    /// Live answers.
    pub answer_count: i64,
    /// Creation time.
    pub created_at: i64,
    /// Analysed title terms, space-separated.
    pub title_terms: String,
    /// Analysed body terms, space-separated.
    pub body_terms: String,
    /// Analysed answer terms, space-separated.
    pub answer_terms: String,
}

/// The form a term takes in the full-text index: letters and digits only, so that both
/// backends' plain tokenizers keep it whole (`c++` → `cpp`, `c#` → `csharp`, `node.js` → `nodejs`).
pub fn index_form(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 4);
    for c in term.chars() {
        match c {
            '+' => out.push('p'),
            '#' => out.push_str("sharp"),
            c if c.is_alphanumeric() => out.extend(c.to_lowercase()),
            _ => {}
        }
    }
    out
}

fn index_text(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| index_form(t))
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether PostgreSQL full-text reads keep a prepared statement: they do not. After five runs
/// of a prepared statement PostgreSQL may switch to one generic plan, which cannot know how
/// common the searched words are; for common words it read every match and sorted them (7.7 ms
/// on average, 71 ms at worst, in the benchmark) where walking the newest documents finds 200
/// matches in 1 ms. An unnamed statement is planned with the words each time.
const PREPARED_FTS: bool = false;

/// A PostgreSQL search document from `$2` title, `$3` body, `$4` answers and `$5` tags (index
/// forms), weighted A (title), B (tags), C (body), D (answers).
const PG_DOCUMENT: &str =
    "setweight(to_tsvector('simple', $2), 'A') || setweight(to_tsvector('simple', $5), 'B')
     || setweight(to_tsvector('simple', $3), 'C') || setweight(to_tsvector('simple', $4), 'D')";

/// `sql` (which uses [`PG_DOCUMENT`]) bound to the document's id and its four fields.
fn pg_document<'q>(
    sql: &'q str,
    id: i64,
    [title, body, answers, tags]: [&'q String; 4],
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    sqlx::query(sql)
        .bind(id)
        .bind(title)
        .bind(body)
        .bind(answers)
        .bind(tags)
}

/// Rewrites the search document of the question or article that `post_id` belongs to.
pub(crate) async fn index_post(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    post_id: i64,
) -> Result<(), StoreError> {
    let row = sqlx::query("SELECT COALESCE(parent_id, id) FROM posts WHERE id = $1")
        .bind(post_id)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(row) = row else { return Ok(()) };
    let doc_id: i64 = row.try_get(0)?;
    unindex_post(tx, backend, doc_id).await?;
    let post = sqlx::query(
        "SELECT title, body_text, tags FROM posts
         WHERE id = $1 AND deleted_at IS NULL AND status = 'published' AND kind IN ('question', 'article')",
    )
    .bind(doc_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(post) = post else { return Ok(()) };
    let (title, body, tags): (String, String, String) = (
        post.try_get("title")?,
        post.try_get("body_text")?,
        post.try_get("tags")?,
    );
    let answers = sqlx::query(
        "SELECT body_text FROM posts WHERE parent_id = $1 AND kind = 'answer' AND deleted_at IS NULL AND status = 'published'",
    )
    .bind(doc_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut answer_terms = Vec::new();
    for a in &answers {
        answer_terms.extend(analyze(&a.try_get::<String, _>(0)?));
    }
    let title_terms = analyze(&title);
    let body_terms = analyze(&body);
    let tag_terms: Vec<String> = tags.split_whitespace().map(str::to_string).collect();
    let (t, b, a, g) = (
        title_terms.join(" "),
        body_terms.join(" "),
        answer_terms.join(" "),
        tag_terms.join(" "),
    );
    sqlx::query(
        "INSERT INTO search_docs (post_id, title_terms, body_terms, answer_terms, tag_terms) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(doc_id)
    .bind(&t)
    .bind(&b)
    .bind(&a)
    .bind(&g)
    .execute(&mut **tx)
    .await?;
    let (ti, bi, ai, gi) = (
        index_text(&title_terms),
        index_text(&body_terms),
        index_text(&answer_terms),
        index_text(&tag_terms),
    );
    match backend {
        Backend::Sqlite => {
            sqlx::query("INSERT INTO search_fts (rowid, title, body, answers, tags) VALUES ($1, $2, $3, $4, $5)")
                .bind(doc_id)
                .bind(&ti)
                .bind(&bi)
                .bind(&ai)
                .bind(&gi)
                .execute(&mut **tx)
                .await?;
        }
        Backend::Postgres => {
            let sql =
                format!("INSERT INTO search_fts (post_id, document) VALUES ($1, {PG_DOCUMENT})");
            pg_document(&sql, doc_id, [&ti, &bi, &ai, &gi])
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// Adds new published answers' terms to their questions' search documents: the documents
/// [`index_post`] would build, without reading and analysing every earlier answer again, and in
/// one statement per table whatever the number of answers (`post_insert`).
pub(crate) async fn append_answers(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    answers: &[(i64, &str)],
) -> Result<(), StoreError> {
    // Per question, in the answers' order: their analysed terms.
    let mut per_question: Vec<(i64, Vec<String>)> = Vec::new();
    for (q, text) in answers {
        let terms = analyze(text);
        if terms.is_empty() {
            continue;
        }
        match per_question.iter_mut().find(|(id, _)| id == q) {
            Some((_, all)) => all.extend(terms),
            None => per_question.push((*q, terms)),
        }
    }
    let terms: Vec<(i64, String)> = per_question
        .iter()
        .map(|(q, t)| (*q, t.join(" ")))
        .collect();
    // Questions without a document are not searchable (held, hidden or deleted): no row
    // matches them, here or in the full-text table.
    append_each(
        tx,
        "UPDATE search_docs SET answer_terms = CASE WHEN answer_terms = '' THEN {new}
            ELSE answer_terms || ' ' || {new} END
         WHERE post_id IN ({ids})",
        "post_id",
        &terms,
    )
    .await?;
    let indexed: Vec<(i64, String)> = per_question
        .iter()
        .map(|(q, t)| (*q, index_text(t)))
        .filter(|(_, t)| !t.is_empty())
        .collect();
    // Appended in the database, not rebuilt here: a question's document grows with every
    // answer, and re-forming all of it on each new answer made answers slower the more a
    // question had.
    let (sql, key) = match backend {
        Backend::Sqlite => (
            "UPDATE search_fts SET answers = CASE WHEN answers = '' THEN {new}
                ELSE answers || ' ' || {new} END
             WHERE rowid IN ({ids})",
            "rowid",
        ),
        // The new words take positions after the document's last, where a rebuild puts them.
        Backend::Postgres => (
            "UPDATE search_fts SET document = document || setweight(to_tsvector('simple', {new}), 'D')
             WHERE post_id IN ({ids})",
            "post_id",
        ),
    };
    append_each(tx, sql, key, &indexed).await
}

/// Runs `template` with `{new}` as each row's value (by `key`) and `{ids}` as the keys.
async fn append_each(
    tx: &mut Transaction<'_, Any>,
    template: &str,
    key: &str,
    values: &[(i64, String)],
) -> Result<(), StoreError> {
    if values.is_empty() {
        return Ok(());
    }
    let mut new = format!("CASE {key}");
    for i in 0..values.len() {
        new.push_str(&format!(" WHEN ${} THEN ${}", 2 * i + 1, 2 * i + 2));
    }
    new.push_str(" END");
    let ids: Vec<String> = (0..values.len())
        .map(|i| format!("${}", 2 * i + 1))
        .collect();
    let sql = template
        .replace("{new}", &new)
        .replace("{ids}", &ids.join(", "));
    let mut q = sqlx::query(&sql);
    for (id, value) in values {
        q = q.bind(id).bind(value);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Removes a post's search document.
pub(crate) async fn unindex_post(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    post_id: i64,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM search_docs WHERE post_id = $1")
        .bind(post_id)
        .execute(&mut **tx)
        .await?;
    let sql = match backend {
        Backend::Sqlite => "DELETE FROM search_fts WHERE rowid = $1",
        Backend::Postgres => "DELETE FROM search_fts WHERE post_id = $1",
    };
    sqlx::query(sql).bind(post_id).execute(&mut **tx).await?;
    Ok(())
}

/// The order in which the index hands out candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CandidateOrder {
    /// The database's own rough relevance (costs time in proportion to the matches).
    Relevance,
    /// Newest first (cheap however many documents match).
    Newest,
}

impl Store {
    /// Ids of documents containing any of `terms` (every one of them when `all`), in `order`,
    /// at most `limit`. Final ranking happens in the domain layer.
    pub async fn search_candidates(
        &self,
        terms: &[String],
        all: bool,
        order: CandidateOrder,
        limit: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let forms: Vec<String> = terms
            .iter()
            .map(|t| index_form(t))
            .filter(|t| !t.is_empty())
            .collect();
        if forms.is_empty() {
            return Ok(Vec::new());
        }
        let rows = match self.backend() {
            Backend::Sqlite => {
                let q = forms
                    .iter()
                    .map(|f| format!("\"{f}\""))
                    .collect::<Vec<_>>()
                    .join(if all { " AND " } else { " OR " });
                let sql = match order {
                    CandidateOrder::Relevance => {
                        "SELECT rowid FROM search_fts WHERE search_fts MATCH $1
                         ORDER BY bm25(search_fts, 2.5, 1.0, 0.2, 1.5) LIMIT $2"
                    }
                    CandidateOrder::Newest => {
                        "SELECT rowid FROM search_fts WHERE search_fts MATCH $1
                         ORDER BY rowid DESC LIMIT $2"
                    }
                };
                sqlx::query(sql)
                    .bind(q)
                    .bind(limit)
                    .fetch_all(self.reader())
                    .await?
            }
            Backend::Postgres => {
                let q = forms.join(if all { " & " } else { " | " });
                let sql = match order {
                    CandidateOrder::Relevance => {
                        "SELECT s.post_id FROM search_fts s, to_tsquery('simple', $1) q WHERE s.document @@ q
                         ORDER BY ts_rank(s.document, q) DESC, s.post_id LIMIT $2"
                    }
                    CandidateOrder::Newest => {
                        "SELECT s.post_id FROM search_fts s WHERE s.document @@ to_tsquery('simple', $1)
                         ORDER BY s.post_id DESC LIMIT $2"
                    }
                };
                // Planned for these words each time (see `PREPARED_FTS`).
                sqlx::query(sql)
                    .persistent(PREPARED_FTS)
                    .bind(q)
                    .bind(limit)
                    .fetch_all(self.reader())
                    .await?
            }
        };
        Ok(rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?)
    }

    /// Indexed terms starting with `prefix` and how many of `docs` hold each, gathered from the
    /// analysed text of up to `limit` documents that contain such a term (for typo tolerance).
    pub async fn terms_with_prefix(
        &self,
        prefix: &str,
        limit: i64,
    ) -> Result<HashMap<String, u64>, StoreError> {
        let form = index_form(prefix);
        if form.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = match self.backend() {
            Backend::Sqlite => {
                sqlx::query(
                    "SELECT d.title_terms, d.body_terms, d.answer_terms FROM search_docs d
                     WHERE d.post_id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH $1 LIMIT $2)",
                )
                .bind(format!("\"{form}\"*"))
                .bind(limit)
                .fetch_all(self.reader())
                .await?
            }
            Backend::Postgres => {
                sqlx::query(
                    "SELECT d.title_terms, d.body_terms, d.answer_terms FROM search_docs d
                     WHERE d.post_id IN (SELECT post_id FROM search_fts WHERE document @@ to_tsquery('simple', $1) LIMIT $2)",
                )
                .persistent(PREPARED_FTS)
                .bind(format!("{form}:*"))
                .bind(limit)
                .fetch_all(self.reader())
                .await?
            }
        };
        let mut counts: HashMap<String, u64> = HashMap::new();
        for r in &rows {
            let mut seen = std::collections::HashSet::new();
            for col in ["title_terms", "body_terms", "answer_terms"] {
                let text: String = r.try_get(col)?;
                for t in text.split_whitespace() {
                    if index_form(t).starts_with(&form) && seen.insert(t.to_string()) {
                        *counts.entry(t.to_string()).or_default() += 1;
                    }
                }
            }
        }
        Ok(counts)
    }

    /// How many documents contain each term, counted up to `cap` (beyond it a term carries
    /// almost no information, and counting further would cost time).
    pub async fn term_doc_counts(
        &self,
        terms: &[String],
        cap: i64,
    ) -> Result<HashMap<String, u64>, StoreError> {
        let mut out = HashMap::new();
        for t in terms {
            let form = index_form(t);
            if form.is_empty() || out.contains_key(t) {
                continue;
            }
            let row = match self.backend() {
                Backend::Sqlite => {
                    sqlx::query("SELECT COUNT(*) FROM (SELECT 1 FROM search_fts WHERE search_fts MATCH $1 LIMIT $2)")
                        .bind(format!("\"{form}\""))
                        .bind(cap)
                        .fetch_one(self.reader())
                        .await?
                }
                Backend::Postgres => {
                    // Prepared (unlike the other full-text reads): planned for one word, a
                    // count of a common one walked the documents instead of the index (17 ms
                    // on average against 9 ms).
                    sqlx::query(
                        "SELECT COUNT(*) FROM (SELECT 1 FROM search_fts WHERE document @@ to_tsquery('simple', $1) LIMIT $2) s",
                    )
                    .bind(form)
                    .bind(cap)
                    .fetch_one(self.reader())
                    .await?
                }
            };
            let n: i64 = row.try_get(0)?;
            out.insert(t.clone(), n.max(0) as u64);
        }
        Ok(out)
    }

    /// Number of searchable documents.
    pub async fn search_doc_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COUNT(*) FROM search_docs")
            .fetch_one(self.reader())
            .await?
            .try_get(0)?)
    }

    /// The documents with these ids (unordered), with their posts' ranking signals.
    pub async fn search_docs(&self, ids: &[i64]) -> Result<Vec<SearchDoc>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT d.post_id, p.kind, p.title, p.tags, p.score, p.accepted_answer_id, p.answer_count,
                    p.created_at, d.title_terms, d.body_terms, d.answer_terms
             FROM search_docs d JOIN posts p ON p.id = d.post_id
             WHERE d.post_id IN ({}) AND p.deleted_at IS NULL AND p.status = 'published'",
            placeholders(1, ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(id);
        }
        let rows = q.fetch_all(self.reader()).await?;
        rows.iter()
            .map(|r| {
                Ok(SearchDoc {
                    post_id: r.try_get("post_id")?,
                    kind: crate::decode_name(r, "kind")?,
                    title: r.try_get("title")?,
                    tags: r.try_get("tags")?,
                    score: r.try_get("score")?,
                    has_accepted: r.try_get::<Option<i64>, _>("accepted_answer_id")?.is_some(),
                    answer_count: r.try_get("answer_count")?,
                    created_at: r.try_get("created_at")?,
                    title_terms: r.try_get("title_terms")?,
                    body_terms: r.try_get("body_terms")?,
                    answer_terms: r.try_get("answer_terms")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// The plain-text bodies of these posts, by id: for snippets and phrase matching.
    pub async fn search_bodies(&self, ids: &[i64]) -> Result<HashMap<i64, String>, StoreError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT id, body_text FROM posts WHERE id IN ({})",
            placeholders(1, ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(id);
        }
        q.fetch_all(self.reader())
            .await?
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("body_text")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Ids of live questions and articles matching only filters (no text), newest first.
    pub async fn filtered_docs(&self, tags: &[String], limit: i64) -> Result<Vec<i64>, StoreError> {
        let mut sql = String::from(
            "SELECT p.id FROM posts p WHERE p.kind IN ('question', 'article') AND p.deleted_at IS NULL AND p.status = 'published'",
        );
        // Articles keep their question's tags on the post only (tag counts are question
        // counts), so they match on the stored, space-separated list instead of `post_tags`.
        for i in 0..tags.len() {
            sql.push_str(&format!(
                " AND (p.id IN (SELECT pt.post_id FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE t.name = ${n})
                   OR (p.kind = 'article' AND (' ' || p.tags || ' ') LIKE ('% ' || ${n} || ' %')))",
                n = i + 2
            ));
        }
        sql.push_str(" ORDER BY p.created_at DESC, p.id DESC LIMIT $1");
        let mut q = sqlx::query(&sql).bind(limit);
        for t in tags {
            q = q.bind(t);
        }
        let rows = q.fetch_all(self.reader()).await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?)
    }

    /// Rebuilds every search document (after an import, or to repair the index).
    pub async fn reindex_all(&self) -> Result<u64, StoreError> {
        let ids: Vec<i64> = sqlx::query(
            "SELECT id FROM posts WHERE kind IN ('question', 'article') AND deleted_at IS NULL ORDER BY id",
        )
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
        for chunk in ids.chunks(500) {
            let mut tx = self.write_tx().await?;
            for id in chunk {
                index_post(&mut tx, self.backend(), *id).await?;
            }
            tx.commit().await?;
        }
        Ok(ids.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_forms_are_plain_words() {
        assert_eq!(index_form("c++"), "cpp");
        assert_eq!(index_form("c#"), "csharp");
        assert_eq!(index_form("node.js"), "nodejs");
        assert_eq!(index_form("don't"), "dont");
        assert_eq!(index_form("\"); DROP"), "drop");
    }
}
