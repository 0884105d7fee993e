//! Bulk writes for `stoa import`: one transaction per run, multi-row INSERTs with ids chosen up
//! front (so that rows can refer to rows written later, and no statement needs `RETURNING` to
//! learn them), then counters, tag counts and the search index brought up to date before the
//! commit. Deciding what to write (mapping, sanitising, naming) is the importer's job.

use crate::{Backend, Store, StoreError};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Row, Transaction};
use std::collections::{HashMap, HashSet};

mod index;
mod records;
mod sql;

pub use index::{index_doc, IndexDoc, IndexSource};
pub use records::{
    IdTable, ImportComment, ImportPost, ImportUser, SiteStatus, StoredPost, StoredTable,
};
use sql::{params, push_rows, rows_per_statement, MAX_ROWS};
/// Ids fetched per sequence query on PostgreSQL, to bound the rows held at once.
const ID_CHUNK: i64 = 50_000;

/// One import run: a single transaction, so that a failure anywhere leaves the database as it was.
pub struct ImportTx {
    tx: Transaction<'static, Any>,
    backend: Backend,
    site: String,
    run_id: i64,
    /// Multi-row statements by (table, rows): built once per shape, prepared once per connection.
    sql: HashMap<(&'static str, usize), String>,
}

impl std::fmt::Debug for ImportTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportTx")
            .field("site", &self.site)
            .field("run_id", &self.run_id)
            .finish()
    }
}

impl Store {
    /// Vacuums the tables an import grows, on PostgreSQL (SQLite has nothing to do): freshly
    /// written rows are not yet known to be visible to everyone, so the first reads after an
    /// import would set that row by row and autovacuum would scan the tables under the first
    /// visitors' load (search 335 → 243 req/s in the benchmark just after an import).
    pub async fn tidy_after_import(&self) -> Result<(), StoreError> {
        if self.backend() == Backend::Postgres {
            sqlx::query(
                "VACUUM (ANALYZE) posts, post_revisions, comments, votes, post_tags, tags, users,
                    search_docs, search_fts",
            )
            .execute(self.writer())
            .await?;
        }
        Ok(())
    }

    /// What the database holds of `site`: committed runs and imported posts.
    pub async fn import_status(&self, site: &str) -> Result<SiteStatus, StoreError> {
        status(self.reader(), site).await
    }

    /// Starts an import run of `site` from `source` (e.g. `stackexchange`). The run's row is the
    /// first write, so on SQLite the transaction holds the write lock from here on; a second
    /// first-import of the same site fails on the `imports_once` index
    /// ([`StoreError::Conflict`]), even when both run at once on PostgreSQL.
    pub async fn begin_import(
        &self,
        source: &str,
        site: &str,
        update: bool,
        now: i64,
    ) -> Result<ImportTx, StoreError> {
        let mut tx = self.write_tx().await?;
        let run_id: i64 = sqlx::query(
            "INSERT INTO imports (source, site, mode, started_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(source)
        .bind(site)
        .bind(if update { "update" } else { "import" })
        .bind(now)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        Ok(ImportTx {
            tx,
            backend: self.backend(),
            site: site.to_string(),
            run_id,
            sql: HashMap::new(),
        })
    }
}

async fn status<'e, E>(exec: E, site: &str) -> Result<SiteStatus, StoreError>
where
    E: sqlx::Executor<'e, Database = Any> + Copy,
{
    let row = sqlx::query(
        "SELECT COUNT(*) AS runs, MIN(CASE WHEN mode = 'import' THEN finished_at END) AS imported_at
         FROM imports
         WHERE site = $1 AND finished_at IS NOT NULL",
    )
    .bind(site)
    .fetch_one(exec)
    .await?;
    let posts: i64 = sqlx::query("SELECT COUNT(*) FROM posts WHERE source_site = $1")
        .bind(site)
        .fetch_one(exec)
        .await?
        .try_get(0)?;
    Ok(SiteStatus {
        runs: row.try_get("runs")?,
        imported_at: row.try_get("imported_at")?,
        posts,
    })
}

impl ImportTx {
    /// The site being imported.
    pub fn site(&self) -> &str {
        &self.site
    }

    /// Posts of the site already stored (seen inside this transaction).
    pub async fn stored_post_count(&mut self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query("SELECT COUNT(*) FROM posts WHERE source_site = $1")
                .bind(&self.site)
                .fetch_one(&mut *self.tx)
                .await?
                .try_get(0)?,
        )
    }

    /// Original id → stored id of the site's posts, users or comments already stored.
    pub async fn stored_ids(
        &mut self,
        table: StoredTable,
    ) -> Result<HashMap<i64, i64>, StoreError> {
        let sql = match table {
            StoredTable::Users => "SELECT source_id, id FROM users WHERE source_site = $1",
            StoredTable::Posts => "SELECT source_id, id FROM posts WHERE source_site = $1",
            StoredTable::Comments => "SELECT source_id, id FROM comments WHERE source_site = $1",
        };
        let rows = sqlx::query(sql)
            .bind(&self.site)
            .fetch_all(&mut *self.tx)
            .await?;
        let mut out = HashMap::with_capacity(rows.len());
        for r in &rows {
            let source: Option<i64> = r.try_get("source_id")?;
            if let Some(source) = source {
                out.insert(source, r.try_get("id")?);
            }
        }
        Ok(out)
    }

    /// `n` fresh ids for `table`, in increasing order, that no other writer will take.
    pub async fn reserve_ids(&mut self, table: IdTable, n: usize) -> Result<Vec<i64>, StoreError> {
        let mut ids = Vec::with_capacity(n);
        if n == 0 {
            return Ok(ids);
        }
        match self.backend {
            // The transaction already holds SQLite's one write lock (see `begin_import`), so the
            // ids past the current maximum stay free until the commit.
            Backend::Sqlite => {
                let sql = format!("SELECT COALESCE(MAX(id), 0) FROM {}", table.name());
                let max: i64 = sqlx::query(&sql)
                    .fetch_one(&mut *self.tx)
                    .await?
                    .try_get(0)?;
                ids.extend((1..=n as i64).map(|i| max + i));
            }
            // Values drawn from the identity sequence are never handed out again, even if this
            // transaction rolls back, so concurrent writers (a live site) cannot collide with us.
            Backend::Postgres => {
                let sql = format!(
                    "SELECT nextval(pg_get_serial_sequence('{}', 'id')) FROM generate_series(1, $1)",
                    table.name()
                );
                let mut left = n as i64;
                while left > 0 {
                    let take = left.min(ID_CHUNK);
                    let rows = sqlx::query(&sql)
                        .bind(take)
                        .fetch_all(&mut *self.tx)
                        .await?;
                    for r in &rows {
                        ids.push(r.try_get(0)?);
                    }
                    left -= take;
                }
                ids.sort_unstable();
            }
        }
        Ok(ids)
    }

    /// Which of these case-folded usernames are taken.
    pub async fn taken_usernames(
        &mut self,
        keys: &[String],
    ) -> Result<HashSet<String>, StoreError> {
        let mut taken = HashSet::new();
        for chunk in keys.chunks(MAX_ROWS) {
            let sql = format!(
                "SELECT username_key FROM users WHERE username_key IN ({})",
                params(self.backend, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for k in chunk {
                q = q.bind(k.as_str());
            }
            for r in q.fetch_all(&mut *self.tx).await? {
                taken.insert(r.try_get(0)?);
            }
        }
        Ok(taken)
    }

    /// Inserts unclaimed profiles.
    pub async fn insert_users(&mut self, users: &[ImportUser]) -> Result<(), StoreError> {
        const COLS: usize = 9;
        for chunk in users.chunks(rows_per_statement(COLS)) {
            let sql = self.multi_row(
                "users",
                "INSERT INTO users (id, username, username_key, about_md, about_html, created_at, last_seen_at, \
                 source_id, source_site) VALUES ",
                COLS,
                chunk.len(),
            );
            let mut q = sqlx::query(&sql);
            for u in chunk {
                q = q
                    .bind(u.id)
                    .bind(u.username.as_str())
                    .bind(u.username_key.as_str())
                    .bind(u.about_md.as_str())
                    .bind(u.about_html.as_str())
                    .bind(u.created_at)
                    .bind(u.last_seen_at)
                    .bind(u.source_id)
                    .bind(self.site.as_str());
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Refreshes a stored, still unclaimed profile; true when something changed.
    pub async fn update_user(&mut self, u: &ImportUser) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE users SET about_md = $3, about_html = $4, last_seen_at = $5
             WHERE source_site = $1 AND source_id = $2 AND password_hash IS NULL
               AND (about_md <> $3 OR last_seen_at <> $5)",
        )
        .bind(self.site.as_str())
        .bind(u.source_id)
        .bind(u.about_md.as_str())
        .bind(u.about_html.as_str())
        .bind(u.last_seen_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Creates the tags that do not exist yet (with no questions: counts are set at the end) and
    /// returns the id of every name given. Tags are shared by the whole site, imported or not.
    pub async fn ensure_tags(
        &mut self,
        tags: &[(String, i64)],
    ) -> Result<HashMap<String, i64>, StoreError> {
        let mut ids = HashMap::with_capacity(tags.len());
        for chunk in tags.chunks(rows_per_statement(2)) {
            let mut sql = String::from("INSERT INTO tags (name, created_at) VALUES ");
            push_rows(&mut sql, self.backend, 2, chunk.len());
            sql.push_str(" ON CONFLICT (name) DO NOTHING");
            let mut q = sqlx::query(&sql);
            for (name, created) in chunk {
                q = q.bind(name.as_str()).bind(*created);
            }
            q.execute(&mut *self.tx).await?;
            let sql = format!(
                "SELECT id, name FROM tags WHERE name IN ({})",
                params(self.backend, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for (name, _) in chunk {
                q = q.bind(name.as_str());
            }
            for r in q.fetch_all(&mut *self.tx).await? {
                ids.insert(r.try_get("name")?, r.try_get("id")?);
            }
        }
        Ok(ids)
    }

    /// Inserts posts with their first revision and their tags. Parents must exist by the end of
    /// each call (rows of one call may refer to each other in any order).
    pub async fn insert_posts(&mut self, posts: &[ImportPost]) -> Result<(), StoreError> {
        const COLS: usize = 23;
        for chunk in posts.chunks(rows_per_statement(COLS)) {
            let sql = self.multi_row(
                "posts",
                "INSERT INTO posts (id, kind, parent_id, author_id, title, body_md, body_html, body_text, tags, \
                 score, answer_count, comment_count, view_count, accepted_answer_id, closed_at, close_reason, last_editor_id, last_edited_at, \
                 created_at, last_activity_at, source_id, license, source_site) VALUES ",
                COLS,
                chunk.len(),
            );
            let mut q = sqlx::query(&sql);
            for p in chunk {
                q = q
                    .bind(p.id)
                    .bind(p.kind)
                    .bind(p.parent_id)
                    .bind(p.author_id)
                    .bind(p.title.as_str())
                    .bind(p.body_md.as_str())
                    .bind(p.body_html.as_str())
                    .bind(p.body_text.as_str())
                    .bind(p.tags.as_str())
                    .bind(p.score)
                    .bind(p.answer_count)
                    .bind(p.comment_count)
                    .bind(p.view_count)
                    .bind(p.accepted_answer_id)
                    .bind(p.closed_at)
                    .bind(p.close_reason.as_deref())
                    .bind(p.last_editor_id)
                    .bind(p.last_edited_at)
                    .bind(p.created_at)
                    .bind(p.last_activity_at)
                    .bind(p.source_id)
                    .bind(p.license.as_str())
                    .bind(self.site.as_str());
            }
            q.execute(&mut *self.tx).await?;
        }
        let revisions: Vec<Revision<'_>> = posts
            .iter()
            .map(|p| Revision {
                post_id: p.id,
                number: 1,
                author_id: p.author_id,
                title: &p.title,
                body_md: &p.body_md,
                tags: &p.tags,
                comment: &p.revision_comment,
                created_at: p.created_at,
            })
            .collect();
        self.insert_revisions(&revisions).await?;
        let pairs: Vec<(i64, i64)> = posts
            .iter()
            .flat_map(|p| p.tag_ids.iter().map(move |t| (p.id, *t)))
            .collect();
        self.insert_post_tags(&pairs).await
    }

    /// The stored versions of these posts, for comparison with the dump.
    pub async fn stored_posts(&mut self, ids: &[i64]) -> Result<Vec<StoredPost>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(MAX_ROWS) {
            let sql = format!(
                "SELECT id, title, body_md, tags, score, view_count, accepted_answer_id, closed_at, last_activity_at,
                        revision_count, deleted_at
                 FROM posts WHERE id IN ({})",
                params(self.backend, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for r in q.fetch_all(&mut *self.tx).await? {
                out.push(StoredPost {
                    id: r.try_get("id")?,
                    title: r.try_get("title")?,
                    body_md: r.try_get("body_md")?,
                    tags: r.try_get("tags")?,
                    score: r.try_get("score")?,
                    view_count: r.try_get("view_count")?,
                    accepted_answer_id: r.try_get("accepted_answer_id")?,
                    closed_at: r.try_get("closed_at")?,
                    last_activity_at: r.try_get("last_activity_at")?,
                    revision_count: r.try_get("revision_count")?,
                    deleted: r.try_get::<Option<i64>, _>("deleted_at")?.is_some(),
                });
            }
        }
        Ok(out)
    }

    /// Overwrites a stored post with the dump's version. With `revision` (its number, author and
    /// time) the text changed and a revision records it; with `retag` the tags changed too.
    pub async fn update_post(
        &mut self,
        p: &ImportPost,
        revision: Option<(i64, i64, i64)>,
        retag: bool,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE posts SET title = $2, body_md = $3, body_html = $4, body_text = $5, tags = $6, score = $7,
                view_count = $8, accepted_answer_id = $9, closed_at = $10, close_reason = $11, last_editor_id = $12,
                last_edited_at = $13, last_activity_at = $14, license = $15,
                revision_count = CASE WHEN $16 > revision_count THEN $16 ELSE revision_count END
             WHERE id = $1",
        )
        .bind(p.id)
        .bind(p.title.as_str())
        .bind(p.body_md.as_str())
        .bind(p.body_html.as_str())
        .bind(p.body_text.as_str())
        .bind(p.tags.as_str())
        .bind(p.score)
        .bind(p.view_count)
        .bind(p.accepted_answer_id)
        .bind(p.closed_at)
        .bind(p.close_reason.as_deref())
        .bind(p.last_editor_id)
        .bind(p.last_edited_at)
        .bind(p.last_activity_at)
        .bind(p.license.as_str())
        .bind(revision.map_or(0, |r| r.0))
        .execute(&mut *self.tx)
        .await?;
        if let Some((number, author_id, created_at)) = revision {
            let comment = format!("{} (updated)", p.revision_comment);
            self.insert_revisions(&[Revision {
                post_id: p.id,
                number,
                author_id,
                title: &p.title,
                body_md: &p.body_md,
                tags: &p.tags,
                comment: &comment,
                created_at,
            }])
            .await?;
        }
        if retag {
            sqlx::query("DELETE FROM post_tags WHERE post_id = $1")
                .bind(p.id)
                .execute(&mut *self.tx)
                .await?;
            let pairs: Vec<(i64, i64)> = p.tag_ids.iter().map(|t| (p.id, *t)).collect();
            self.insert_post_tags(&pairs).await?;
        }
        Ok(())
    }

    /// Inserts comments.
    pub async fn insert_comments(&mut self, comments: &[ImportComment]) -> Result<(), StoreError> {
        const COLS: usize = 8;
        for chunk in comments.chunks(rows_per_statement(COLS)) {
            let sql = self.multi_row(
                "comments",
                "INSERT INTO comments (post_id, author_id, body_md, body_html, score, created_at, source_id, \
                 source_site) VALUES ",
                COLS,
                chunk.len(),
            );
            let mut q = sqlx::query(&sql);
            for c in chunk {
                q = q
                    .bind(c.post_id)
                    .bind(c.author_id)
                    .bind(c.body_md.as_str())
                    .bind(c.body_html.as_str())
                    .bind(c.score)
                    .bind(c.created_at)
                    .bind(c.source_id)
                    .bind(self.site.as_str());
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Stores imported badges; ones stored by an earlier run (same dump id) stay as they are.
    pub async fn insert_badges(
        &mut self,
        badges: &[crate::badges::ImportedBadge],
    ) -> Result<u64, StoreError> {
        const COLS: usize = 7;
        let mut n = 0;
        for chunk in badges.chunks(rows_per_statement(COLS)) {
            let mut sql = self.multi_row(
                "badge_awards",
                "INSERT INTO badge_awards (user_id, badge, tier, imported, awarded_at, source_site, source_id) VALUES ",
                COLS,
                chunk.len(),
            );
            sql.push_str(" ON CONFLICT (source_site, source_id) DO NOTHING");
            let mut q = sqlx::query(&sql);
            for b in chunk {
                q = q
                    .bind(b.user_id)
                    .bind(b.badge.as_str())
                    .bind(b.tier)
                    .bind(1_i64)
                    .bind(b.awarded_at)
                    .bind(self.site.as_str())
                    .bind(b.source_id);
            }
            n += q.execute(&mut *self.tx).await?.rows_affected();
        }
        Ok(n)
    }

    /// Overwrites a stored comment's text and score when they differ; true when they did.
    pub async fn update_comment(&mut self, c: &ImportComment) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE comments SET body_md = $3, body_html = $4, score = $5
             WHERE source_site = $1 AND source_id = $2 AND (body_md <> $3 OR score <> $5)",
        )
        .bind(self.site.as_str())
        .bind(c.source_id)
        .bind(c.body_md.as_str())
        .bind(c.body_html.as_str())
        .bind(c.score)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Marks questions as duplicates: (duplicate, original) pairs of stored ids.
    pub async fn set_duplicates(&mut self, pairs: &[(i64, i64)]) -> Result<(), StoreError> {
        for (dup, original) in pairs {
            sqlx::query("UPDATE posts SET duplicate_of = $2 WHERE id = $1")
                .bind(*dup)
                .bind(*original)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    /// Sets tag excerpts, only where a tag has none yet (a local one is never overwritten).
    pub async fn set_tag_excerpts(&mut self, excerpts: &[(i64, String)]) -> Result<(), StoreError> {
        for (tag_id, text) in excerpts {
            sqlx::query("UPDATE tags SET excerpt = $2 WHERE id = $1 AND excerpt = ''")
                .bind(*tag_id)
                .bind(text.as_str())
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    /// Recomputes, from the rows themselves, the answer and comment counts of the site's posts
    /// and the question counts of the tags its questions use, plus the tags named in
    /// `also_tags` (tags that updated questions dropped), so that no counter can drift.
    pub async fn recount(&mut self, also_tags: &[String]) -> Result<(), StoreError> {
        // Only rows whose count is wrong are written: rewriting every imported row would cost as
        // much as inserting it again.
        for sql in [
            "UPDATE posts SET answer_count = (SELECT COUNT(*) FROM posts a
                 WHERE a.parent_id = posts.id AND a.kind = 'answer' AND a.deleted_at IS NULL)
             WHERE source_site = $1 AND kind = 'question' AND answer_count <> (SELECT COUNT(*) FROM posts a
                 WHERE a.parent_id = posts.id AND a.kind = 'answer' AND a.deleted_at IS NULL)",
            "UPDATE posts SET comment_count = (SELECT COUNT(*) FROM comments c
                 WHERE c.post_id = posts.id AND c.deleted_at IS NULL)
             WHERE source_site = $1 AND comment_count <> (SELECT COUNT(*) FROM comments c
                 WHERE c.post_id = posts.id AND c.deleted_at IS NULL)",
            // `post_tags` holds exactly the live questions' tags (deleting a question removes its
            // rows), which is what `question_count` counts everywhere else.
            "UPDATE tags SET question_count = (SELECT COUNT(*) FROM post_tags pt WHERE pt.tag_id = tags.id)
             WHERE id IN (SELECT pt.tag_id FROM post_tags pt JOIN posts p ON p.id = pt.post_id
                          WHERE p.source_site = $1)",
        ] {
            sqlx::query(sql).bind(self.site.as_str()).execute(&mut *self.tx).await?;
        }
        for chunk in also_tags.chunks(MAX_ROWS) {
            let sql = format!(
                "UPDATE tags SET question_count = (SELECT COUNT(*) FROM post_tags pt WHERE pt.tag_id = tags.id)
                 WHERE name IN ({})",
                params(self.backend, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for name in chunk {
                q = q.bind(name.as_str());
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Refreshes the planner's statistics of the tables an import grows. Without them SQLite
    /// answers "the answers of question N" by scanning every answer (through the
    /// `kind, deleted_at` index instead of `posts_parent`), which made counting and indexing a
    /// fresh site quadratic. `analysis_limit` bounds the cost on large databases.
    pub async fn analyze(&mut self) -> Result<(), StoreError> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA analysis_limit = 1000")
                .execute(&mut *self.tx)
                .await?;
        }
        for table in ["posts", "comments", "post_tags", "tags", "users"] {
            sqlx::query(&format!("ANALYZE {table}"))
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    /// Ids of the site's live questions, oldest first.
    pub async fn question_ids(&mut self) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT id FROM posts WHERE source_site = $1 AND kind = 'question' AND deleted_at IS NULL ORDER BY id",
        )
        .bind(self.site.as_str())
        .fetch_all(&mut *self.tx)
        .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?)
    }

    /// Records the run's summary (JSON) and commits everything.
    pub async fn commit(mut self, summary_json: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE imports SET finished_at = $2, summary = $3 WHERE id = $1")
            .bind(self.run_id)
            .bind(now)
            .bind(summary_json)
            .execute(&mut *self.tx)
            .await?;
        self.tx.commit().await?;
        Ok(())
    }

    async fn insert_revisions(&mut self, revisions: &[Revision<'_>]) -> Result<(), StoreError> {
        const COLS: usize = 8;
        for chunk in revisions.chunks(rows_per_statement(COLS)) {
            let mut sql = String::from(
                "INSERT INTO post_revisions (post_id, number, author_id, title, body_md, tags, comment, created_at) VALUES ",
            );
            push_rows(&mut sql, self.backend, COLS, chunk.len());
            let mut q: Query<'_, Any, AnyArguments<'_>> = sqlx::query(&sql);
            for r in chunk {
                q = q
                    .bind(r.post_id)
                    .bind(r.number)
                    .bind(r.author_id)
                    .bind(r.title)
                    .bind(r.body_md)
                    .bind(r.tags)
                    .bind(r.comment)
                    .bind(r.created_at);
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    async fn insert_post_tags(&mut self, pairs: &[(i64, i64)]) -> Result<(), StoreError> {
        for chunk in pairs.chunks(rows_per_statement(2)) {
            let mut sql = String::from("INSERT INTO post_tags (post_id, tag_id) VALUES ");
            push_rows(&mut sql, self.backend, 2, chunk.len());
            let mut q = sqlx::query(&sql);
            for (post, tag) in chunk {
                q = q.bind(*post).bind(*tag);
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// `head` followed by `rows` rows of `cols` parameters, built once per shape.
    fn multi_row(&mut self, table: &'static str, head: &str, cols: usize, rows: usize) -> String {
        self.sql
            .entry((table, rows))
            .or_insert_with(|| {
                let mut sql = String::with_capacity(head.len() + rows * cols * 6);
                sql.push_str(head);
                push_rows(&mut sql, self.backend, cols, rows);
                sql
            })
            .clone()
    }
}

struct Revision<'a> {
    post_id: i64,
    number: i64,
    author_id: i64,
    title: &'a str,
    body_md: &'a str,
    tags: &'a str,
    comment: &'a str,
    created_at: i64,
}
