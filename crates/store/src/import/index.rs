//! Search documents for imported questions, many at a time: the same rows as
//! `search::index_post` writes one question at a time.

use super::sql::{params, push_rows, rows_per_statement, MAX_ROWS};
use super::ImportTx;
use crate::{Backend, StoreError};
use sqlx::Row;
use std::collections::HashMap;

/// The text a search document is built from (see [`ImportTx::index_sources`]).
#[derive(Debug, Clone, Default)]
pub struct IndexSource {
    /// The question or article.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// Its plain text.
    pub body_text: String,
    /// Its space-separated tags.
    pub tags: String,
    /// The plain text of its live answers.
    pub answers: Vec<String>,
}

/// A search document: the rows `search::index_post` writes for one question.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexDoc {
    /// The question or article.
    pub id: i64,
    /// `search_docs.title_terms`.
    pub title_terms: String,
    /// `search_docs.body_terms`.
    pub body_terms: String,
    /// `search_docs.answer_terms`.
    pub answer_terms: String,
    /// `search_docs.tag_terms`.
    pub tag_terms: String,
    /// Full-text index form of the title.
    pub title_index: String,
    /// Full-text index form of the body.
    pub body_index: String,
    /// Full-text index form of the answers.
    pub answer_index: String,
    /// Full-text index form of the tags.
    pub tag_index: String,
}

/// Builds a search document exactly as `search::index_post` does (CPU only, so callers can run
/// it off the async threads). An integration test compares the two on real dumps.
pub fn index_doc(src: &IndexSource) -> IndexDoc {
    use stoa_domain::search::analyze;
    let title = analyze(&src.title);
    let body = analyze(&src.body_text);
    let answers: Vec<String> = src.answers.iter().flat_map(|a| analyze(a)).collect();
    let tags: Vec<String> = src.tags.split_whitespace().map(str::to_string).collect();
    let index_text = |terms: &[String]| {
        terms
            .iter()
            .map(|t| crate::search::index_form(t))
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    IndexDoc {
        id: src.id,
        title_index: index_text(&title),
        body_index: index_text(&body),
        answer_index: index_text(&answers),
        tag_index: index_text(&tags),
        title_terms: title.join(" "),
        body_terms: body.join(" "),
        answer_terms: answers.join(" "),
        tag_terms: tags.join(" "),
    }
}

impl ImportTx {
    /// What the search documents of these questions are built from: each live, published
    /// question or article among `ids`, with the text of its live, published answers (by score,
    /// then age). The same rows as [`crate::search`]'s `index_post` reads, for many at once.
    pub async fn index_sources(&mut self, ids: &[i64]) -> Result<Vec<IndexSource>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(MAX_ROWS) {
            let sql = format!(
                "SELECT id, title, body_text, tags FROM posts
                 WHERE id IN ({}) AND deleted_at IS NULL AND status = 'published' AND kind IN ('question', 'article')
                 ORDER BY id",
                params(self.backend, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            let mut by_id: HashMap<i64, usize> = HashMap::with_capacity(chunk.len());
            let first = out.len();
            for r in q.fetch_all(&mut *self.tx).await? {
                let id: i64 = r.try_get("id")?;
                by_id.insert(id, out.len());
                out.push(IndexSource {
                    id,
                    title: r.try_get("title")?,
                    body_text: r.try_get("body_text")?,
                    tags: r.try_get("tags")?,
                    answers: Vec::new(),
                });
            }
            if out.len() == first {
                continue;
            }
            let sql = format!(
                "SELECT parent_id, body_text FROM posts
                 WHERE parent_id IN ({}) AND kind = 'answer' AND deleted_at IS NULL AND status = 'published'
                 ORDER BY parent_id, score DESC, id",
                params(self.backend, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for r in q.fetch_all(&mut *self.tx).await? {
                let parent: i64 = r.try_get("parent_id")?;
                if let Some(&i) = by_id.get(&parent) {
                    out[i].answers.push(r.try_get("body_text")?);
                }
            }
        }
        Ok(out)
    }

    /// Replaces the search documents of `ids` with `docs` (built by [`index_doc`]); an id
    /// without a document is left unindexed, as `index_post` leaves a deleted post.
    pub async fn write_index(&mut self, ids: &[i64], docs: &[IndexDoc]) -> Result<(), StoreError> {
        let fts_key = match self.backend {
            Backend::Sqlite => "rowid",
            Backend::Postgres => "post_id",
        };
        for chunk in ids.chunks(MAX_ROWS) {
            for table_key in [("search_docs", "post_id"), ("search_fts", fts_key)] {
                let sql = format!(
                    "DELETE FROM {} WHERE {} IN ({})",
                    table_key.0,
                    table_key.1,
                    params(self.backend, chunk.len())
                );
                let mut q = sqlx::query(&sql);
                for id in chunk {
                    q = q.bind(*id);
                }
                q.execute(&mut *self.tx).await?;
            }
        }
        for chunk in docs.chunks(rows_per_statement(5)) {
            let mut sql = String::from(
                "INSERT INTO search_docs (post_id, title_terms, body_terms, answer_terms, tag_terms) VALUES ",
            );
            push_rows(&mut sql, self.backend, 5, chunk.len());
            let mut q = sqlx::query(&sql);
            for d in chunk {
                q = q
                    .bind(d.id)
                    .bind(d.title_terms.as_str())
                    .bind(d.body_terms.as_str());
                q = q.bind(d.answer_terms.as_str()).bind(d.tag_terms.as_str());
            }
            q.execute(&mut *self.tx).await?;
            let sql = match self.backend {
                Backend::Sqlite => {
                    let mut sql = String::from(
                        "INSERT INTO search_fts (rowid, title, body, answers, tags) VALUES ",
                    );
                    push_rows(&mut sql, self.backend, 5, chunk.len());
                    sql
                }
                // The weights and their order are index_post's: title A, tags B, body C, answers D.
                Backend::Postgres => {
                    use std::fmt::Write;
                    let mut sql =
                        String::from("INSERT INTO search_fts (post_id, document) VALUES ");
                    for r in 0..chunk.len() {
                        let b = r * 5;
                        let _ = write!(
                            sql,
                            "{}(${}, setweight(to_tsvector('simple', ${}), 'A') || setweight(to_tsvector('simple', ${}), 'B') \
                             || setweight(to_tsvector('simple', ${}), 'C') || setweight(to_tsvector('simple', ${}), 'D'))",
                            if r == 0 { "" } else { ", " },
                            b + 1,
                            b + 2,
                            b + 5,
                            b + 3,
                            b + 4
                        );
                    }
                    sql
                }
            };
            let mut q = sqlx::query(&sql);
            for d in chunk {
                q = q
                    .bind(d.id)
                    .bind(d.title_index.as_str())
                    .bind(d.body_index.as_str());
                q = q.bind(d.answer_index.as_str()).bind(d.tag_index.as_str());
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(())
    }
}
