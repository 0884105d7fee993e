//! Questions, answers and articles: writing them (with revisions and tag counts) in one
//! transaction each, and reading them with their authors in a fixed number of queries.

use crate::{Backend, Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use stoa_domain::post_kind::{PostKind, PostStatus};

/// A stored post with its author's and last editor's names.
#[derive(Debug, Clone)]
pub struct PostRow {
    /// Id.
    pub id: i64,
    /// Question, answer or article.
    pub kind: PostKind,
    /// The question of an answer.
    pub parent_id: Option<i64>,
    /// Author id.
    pub author_id: i64,
    /// Author name.
    pub author_name: String,
    /// Title (questions, articles).
    pub title: String,
    /// Markdown source.
    pub body_md: String,
    /// Sanitised HTML.
    pub body_html: String,
    /// Space-separated tags.
    pub tags: String,
    /// Sum of votes.
    pub score: i64,
    /// Live answers.
    pub answer_count: i64,
    /// Live comments.
    pub comment_count: i64,
    /// Views.
    pub view_count: i64,
    /// Accepted answer of a question.
    pub accepted_answer_id: Option<i64>,
    /// Published, held or hidden.
    pub status: PostStatus,
    /// When closed.
    pub closed_at: Option<i64>,
    /// When locked.
    pub locked_at: Option<i64>,
    /// When deleted.
    pub deleted_at: Option<i64>,
    /// Number of revisions.
    pub revision_count: i64,
    /// Last editor's id.
    pub last_editor_id: Option<i64>,
    /// Last editor's name.
    pub last_editor_name: Option<String>,
    /// When last edited.
    pub last_edited_at: Option<i64>,
    /// Creation time.
    pub created_at: i64,
    /// Last activity (answer, edit, comment).
    pub last_activity_at: i64,
    /// Site an imported post came from.
    pub source_site: Option<String>,
    /// Content licence.
    pub license: String,
    /// The running bounty's points (0: none).
    pub bounty: i64,
}

/// `p.id` is named `post_id` so that a column a caller appends (PostgreSQL names the review
/// queue's `(SELECT s.id …)` `id`) cannot shadow it.
pub(crate) const POST_COLUMNS: &str = "p.id AS post_id, p.kind, p.parent_id, p.author_id, u.username AS author_name, \
    p.title, p.body_md, p.body_html, p.tags, p.score, p.answer_count, p.comment_count, p.view_count, \
    p.accepted_answer_id, p.status, p.closed_at, p.locked_at, p.deleted_at, p.revision_count, p.last_editor_id, \
    e.username AS last_editor_name, p.last_edited_at, p.created_at, p.last_activity_at, p.source_site, p.license, \
    p.bounty_amount";

pub(crate) const POST_FROM: &str =
    "FROM posts p JOIN users u ON u.id = p.author_id LEFT JOIN users e ON e.id = p.last_editor_id";

pub(crate) fn post_from_row(r: &AnyRow) -> Result<PostRow, sqlx::Error> {
    Ok(PostRow {
        id: r.try_get("post_id")?,
        kind: crate::decode_name(r, "kind")?,
        parent_id: r.try_get("parent_id")?,
        author_id: r.try_get("author_id")?,
        author_name: r.try_get("author_name")?,
        title: r.try_get("title")?,
        body_md: r.try_get("body_md")?,
        body_html: r.try_get("body_html")?,
        tags: r.try_get("tags")?,
        score: r.try_get("score")?,
        answer_count: r.try_get("answer_count")?,
        comment_count: r.try_get("comment_count")?,
        view_count: r.try_get("view_count")?,
        accepted_answer_id: r.try_get("accepted_answer_id")?,
        status: crate::decode_name(r, "status")?,
        closed_at: r.try_get("closed_at")?,
        locked_at: r.try_get("locked_at")?,
        deleted_at: r.try_get("deleted_at")?,
        revision_count: r.try_get("revision_count")?,
        last_editor_id: r.try_get("last_editor_id")?,
        last_editor_name: r.try_get("last_editor_name")?,
        last_edited_at: r.try_get("last_edited_at")?,
        created_at: r.try_get("created_at")?,
        last_activity_at: r.try_get("last_activity_at")?,
        source_site: r.try_get("source_site")?,
        license: r.try_get("license")?,
        bounty: r.try_get("bounty_amount")?,
    })
}

/// A new question, answer or article, already validated and rendered.
#[derive(Debug, Clone)]
pub struct NewPost<'a> {
    /// Question, answer or article.
    pub kind: PostKind,
    /// The question of an answer.
    pub parent_id: Option<i64>,
    /// Author.
    pub author_id: i64,
    /// Title (empty for answers).
    pub title: &'a str,
    /// Markdown source.
    pub body_md: &'a str,
    /// Sanitised HTML.
    pub body_html: &'a str,
    /// Plain text for search and excerpts.
    pub body_text: &'a str,
    /// Tag names.
    pub tags: &'a [String],
    /// Published or held.
    pub status: PostStatus,
    /// Why a held post is held: the spam filter's flag, written in the post's transaction.
    pub hold_reason: Option<&'a str>,
    /// Creation time.
    pub now: i64,
}

/// An edit, already validated and rendered; `None` keeps the current value.
#[derive(Debug, Clone)]
pub struct PostEdit<'a> {
    /// The post.
    pub post_id: i64,
    /// Who edits.
    pub editor_id: i64,
    /// New title.
    pub title: &'a str,
    /// New Markdown.
    pub body_md: &'a str,
    /// New HTML.
    pub body_html: &'a str,
    /// New plain text.
    pub body_text: &'a str,
    /// New tags (questions).
    pub tags: &'a [String],
    /// Edit summary.
    pub comment: &'a str,
    /// Edit time.
    pub now: i64,
}

/// One revision of a post.
#[derive(Debug, Clone)]
pub struct RevisionRow {
    /// 1 for the original.
    pub number: i64,
    /// Author id.
    pub author_id: i64,
    /// Author name.
    pub author_name: String,
    /// Title at that revision.
    pub title: String,
    /// Markdown at that revision.
    pub body_md: String,
    /// Tags at that revision.
    pub tags: String,
    /// Edit summary.
    pub comment: String,
    /// When.
    pub created_at: i64,
}

impl Store {
    /// Inserts a post with its first revision; tags are created on first use and counted.
    pub async fn insert_post(&self, p: &NewPost<'_>) -> Result<i64, StoreError> {
        if let Some(batcher) = self.post_batcher() {
            return batcher.insert(p).await;
        }
        let mut tx = self.write_tx().await?;
        let ids = crate::post_insert::insert_posts_in(
            &mut tx,
            self.backend(),
            std::slice::from_ref(p),
            self.notifications_on(),
        )
        .await?;
        tx.commit().await?;
        ids.first()
            .copied()
            .ok_or(StoreError::Database(sqlx::Error::RowNotFound))
    }

    /// Applies an edit and records it as a new revision.
    pub async fn edit_post(&self, e: &PostEdit<'_>) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        edit_in(&mut tx, self.backend(), e, self.notifications_on()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Soft-deletes a post, keeping counts of its question and tags right.
    pub async fn delete_post(&self, post_id: i64, now: i64) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        delete_in(
            &mut tx,
            self.backend(),
            post_id,
            now,
            self.notifications_on(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Loads one post (deleted ones too; callers decide what to show).
    pub async fn post(&self, id: i64) -> Result<Option<PostRow>, StoreError> {
        let sql = format!("SELECT {POST_COLUMNS} {POST_FROM} WHERE p.id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        Ok(row.as_ref().map(post_from_row).transpose()?)
    }

    /// The live answers of a question: accepted first, then by score, then oldest first.
    pub async fn answers_of(&self, question_id: i64) -> Result<Vec<PostRow>, StoreError> {
        let sql = format!(
            "SELECT {POST_COLUMNS} {POST_FROM}
             WHERE p.parent_id = $1 AND p.deleted_at IS NULL AND p.kind = 'answer' AND p.status = 'published'
             ORDER BY CASE WHEN p.id = (SELECT accepted_answer_id FROM posts WHERE id = $1) THEN 0 ELSE 1 END,
                      p.score DESC, p.id"
        );
        let rows = sqlx::query(&sql)
            .bind(question_id)
            .fetch_all(self.reader())
            .await?;
        Ok(rows.iter().map(post_from_row).collect::<Result<_, _>>()?)
    }

    /// Sets or clears the accepted answer of a question.
    pub async fn set_accepted(
        &self,
        question_id: i64,
        answer_id: Option<i64>,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE posts SET accepted_answer_id = $2, last_activity_at = $3 WHERE id = $1",
        )
        .bind(question_id)
        .bind(answer_id)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Every revision of a post, oldest first.
    pub async fn revisions(&self, post_id: i64) -> Result<Vec<RevisionRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.number, r.author_id, u.username AS author_name, r.title, r.body_md, r.tags, r.comment,
                    r.created_at
             FROM post_revisions r JOIN users u ON u.id = r.author_id
             WHERE r.post_id = $1 ORDER BY r.number",
        )
        .bind(post_id)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RevisionRow {
                    number: r.try_get("number")?,
                    author_id: r.try_get("author_id")?,
                    author_name: r.try_get("author_name")?,
                    title: r.try_get("title")?,
                    body_md: r.try_get("body_md")?,
                    tags: r.try_get("tags")?,
                    comment: r.try_get("comment")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Adds buffered view counts in one transaction.
    pub async fn add_views(&self, views: &[(i64, i64)]) -> Result<(), StoreError> {
        if views.is_empty() {
            return Ok(());
        }
        let mut tx = self.write_tx().await?;
        for (id, n) in views {
            sqlx::query("UPDATE posts SET view_count = view_count + $2 WHERE id = $1")
                .bind(id)
                .bind(n)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Locks a post row until the transaction ends (PostgreSQL); SQLite has one writer anyway.
    pub(crate) async fn lock_post(
        &self,
        tx: &mut Transaction<'_, Any>,
        post_id: i64,
    ) -> Result<(), StoreError> {
        if self.backend() == Backend::Postgres {
            sqlx::query("SELECT id FROM posts WHERE id = $1 FOR UPDATE")
                .bind(post_id)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }
}

/// Applies an edit inside a transaction (also used when a suggested edit or a rollback is applied).
pub(crate) async fn edit_in(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    e: &PostEdit<'_>,
    notify: bool,
) -> Result<(), StoreError> {
    // The row is locked before its revision count is read: two edits landing at once (an
    // author's edit and an approved suggestion) must number their revisions one after the
    // other, not both as the next one (on SQLite the write transaction already serialises).
    let lock = if backend == Backend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    let row = sqlx::query(&format!(
        "SELECT kind, tags, revision_count, parent_id, status, deleted_at FROM posts WHERE id = $1{lock}"
    ))
    .bind(e.post_id)
    .fetch_one(&mut **tx)
    .await?;
    let kind: PostKind = crate::decode_name(&row, "kind")?;
    let old_tags: String = row.try_get("tags")?;
    let number: i64 = row.try_get::<i64, _>("revision_count")? + 1;
    let parent: Option<i64> = row.try_get("parent_id")?;
    // Tags count live, published questions only.
    let counted = crate::decode_name::<PostStatus>(&row, "status")? == PostStatus::Published
        && row.try_get::<Option<i64>, _>("deleted_at")?.is_none();
    let joined = e.tags.join(" ");
    sqlx::query(
        "UPDATE posts SET title = $2, body_md = $3, body_html = $4, body_text = $5, tags = $6,
                revision_count = $7, last_editor_id = $8, last_edited_at = $9, last_activity_at = $9
             WHERE id = $1",
    )
    .bind(e.post_id)
    .bind(e.title)
    .bind(e.body_md)
    .bind(e.body_html)
    .bind(e.body_text)
    .bind(&joined)
    .bind(number)
    .bind(e.editor_id)
    .bind(e.now)
    .execute(&mut **tx)
    .await?;
    insert_revision(
        tx,
        e.post_id,
        number,
        e.editor_id,
        e.title,
        e.body_md,
        &joined,
        e.comment,
        e.now,
    )
    .await?;
    let edited = stoa_domain::notify::Event::PostEdited {
        post_id: e.post_id,
        editor_id: e.editor_id,
        revision: number,
    };
    if notify {
        crate::jobs::enqueue_in(tx, &[crate::jobs::event_job(&edited, e.now)], e.now).await?;
    }
    if kind == PostKind::Question && old_tags != joined {
        let old: Vec<String> = old_tags.split_whitespace().map(str::to_string).collect();
        let removed: Vec<String> = old
            .iter()
            .filter(|t| !e.tags.contains(t))
            .cloned()
            .collect();
        let added: Vec<String> = e
            .tags
            .iter()
            .filter(|t| !old.contains(t))
            .cloned()
            .collect();
        remove_tags(tx, e.post_id, &removed, counted).await?;
        add_tags(tx, e.post_id, &added, e.now, counted).await?;
    }
    if let Some(q) = parent {
        sqlx::query("UPDATE posts SET last_activity_at = $2 WHERE id = $1")
            .bind(q)
            .bind(e.now)
            .execute(&mut **tx)
            .await?;
    }
    crate::search::index_post(tx, backend, e.post_id).await?;
    Ok(())
}

/// What deleting or restoring a post must know of it.
struct Lifecycle {
    kind: PostKind,
    tags: String,
    parent: Option<i64>,
    status: PostStatus,
    deleted: bool,
}

async fn lifecycle(tx: &mut Transaction<'_, Any>, post_id: i64) -> Result<Lifecycle, StoreError> {
    let row =
        sqlx::query("SELECT kind, tags, parent_id, deleted_at, status FROM posts WHERE id = $1")
            .bind(post_id)
            .fetch_one(&mut **tx)
            .await?;
    Ok(Lifecycle {
        kind: crate::decode_name(&row, "kind")?,
        tags: row.try_get("tags")?,
        parent: row.try_get("parent_id")?,
        deleted: row.try_get::<Option<i64>, _>("deleted_at")?.is_some(),
        status: crate::decode_name(&row, "status")?,
    })
}

/// Soft-deletes a post inside a transaction; a post already deleted is left alone. With
/// `notify`, the deletion is an event (webhooks hear of it).
pub(crate) async fn delete_in(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    post_id: i64,
    now: i64,
    notify: bool,
) -> Result<(), StoreError> {
    let Lifecycle {
        kind,
        tags,
        parent,
        status,
        deleted,
    } = lifecycle(tx, post_id).await?;
    if deleted {
        return Ok(());
    }
    sqlx::query("UPDATE posts SET deleted_at = $2 WHERE id = $1")
        .bind(post_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    if notify {
        let e = stoa_domain::notify::Event::PostDeleted { post_id };
        crate::jobs::enqueue_in(tx, &[crate::jobs::event_job(&e, now)], now).await?;
    }
    // What the post's votes and acceptance earned goes with it, with entries that say why.
    let earned = crate::reputation::Reverse::ByPost {
        post_id,
        reasons: vec![
            "upvote_received",
            "downvote_received",
            "answer_accepted",
            "accepted_an_answer",
        ],
    };
    crate::reputation::reverse_as(tx, &earned, now, "post_deleted").await?;
    if kind == PostKind::Question {
        let names: Vec<String> = tags.split_whitespace().map(str::to_string).collect();
        remove_tags(tx, post_id, &names, status == PostStatus::Published).await?;
    }
    if let Some(q) = parent {
        // Held and hidden answers were never counted (or were uncounted when hidden).
        let counted = if status == PostStatus::Published {
            1
        } else {
            0
        };
        sqlx::query(
            "UPDATE posts SET answer_count = answer_count - $3,
                accepted_answer_id = CASE WHEN accepted_answer_id = $2 THEN NULL ELSE accepted_answer_id END
             WHERE id = $1",
        )
        .bind(q)
        .bind(post_id)
        .bind(counted)
        .execute(&mut **tx)
        .await?;
    }
    crate::search::index_post(tx, backend, post_id).await?;
    Ok(())
}

/// Restores a soft-deleted post inside a transaction, counting it and its tags again.
pub(crate) async fn undelete_in(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    post_id: i64,
    now: i64,
) -> Result<(), StoreError> {
    let Lifecycle {
        kind,
        tags,
        parent,
        status,
        deleted,
    } = lifecycle(tx, post_id).await?;
    if !deleted {
        return Ok(());
    }
    sqlx::query("UPDATE posts SET deleted_at = NULL WHERE id = $1")
        .bind(post_id)
        .execute(&mut **tx)
        .await?;
    crate::reputation::restore_votes(tx, post_id, now).await?;
    if kind == PostKind::Question {
        let names: Vec<String> = tags.split_whitespace().map(str::to_string).collect();
        add_tags(tx, post_id, &names, now, status == PostStatus::Published).await?;
    }
    if let (Some(q), PostStatus::Published) = (parent, status) {
        sqlx::query("UPDATE posts SET answer_count = answer_count + 1 WHERE id = $1")
            .bind(q)
            .execute(&mut **tx)
            .await?;
    }
    crate::search::index_post(tx, backend, post_id).await?;
    Ok(())
}

/// Changes a post's status (`published`, `held`, `hidden`) inside a transaction, keeping its
/// question's answer count and the search index in step.
pub(crate) async fn set_status_in(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    post_id: i64,
    status: PostStatus,
) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT status, parent_id, deleted_at FROM posts WHERE id = $1")
        .bind(post_id)
        .fetch_one(&mut **tx)
        .await?;
    let old: PostStatus = crate::decode_name(&row, "status")?;
    if old == status {
        return Ok(false);
    }
    let parent: Option<i64> = row.try_get("parent_id")?;
    let deleted: Option<i64> = row.try_get("deleted_at")?;
    sqlx::query("UPDATE posts SET status = $2 WHERE id = $1")
        .bind(post_id)
        .bind(status.as_str())
        .execute(&mut **tx)
        .await?;
    let change: i64 = match (
        old == PostStatus::Published,
        status == PostStatus::Published,
    ) {
        (true, false) => -1,
        (false, true) => 1,
        _ => 0,
    };
    match (parent, deleted) {
        (Some(q), None) if change != 0 => {
            sqlx::query("UPDATE posts SET answer_count = answer_count + $2 WHERE id = $1")
                .bind(q)
                .bind(change)
                .execute(&mut **tx)
                .await?;
        }
        // A question hidden or held leaves its tags' counts; published again, it returns.
        (None, None) if change != 0 => {
            sqlx::query(
                "UPDATE tags SET question_count = question_count + $2
                 WHERE id IN (SELECT tag_id FROM post_tags WHERE post_id = $1)",
            )
            .bind(post_id)
            .bind(change)
            .execute(&mut **tx)
            .await?;
        }
        _ => {}
    }
    crate::search::index_post(tx, backend, post_id).await?;
    Ok(true)
}

/// Inserts a post with its first revision, counters, tags and search document, in `tx`.
#[expect(clippy::too_many_arguments, reason = "a revision is a flat record")]
pub(crate) async fn insert_revision(
    tx: &mut Transaction<'_, Any>,
    post_id: i64,
    number: i64,
    author_id: i64,
    title: &str,
    body_md: &str,
    tags: &str,
    comment: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO post_revisions (post_id, number, author_id, title, body_md, tags, comment, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(post_id)
    .bind(number)
    .bind(author_id)
    .bind(title)
    .bind(body_md)
    .bind(tags)
    .bind(comment)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Links a question to its tags (creating new ones); `counted`: the question is live and
/// published, so each tag's count grows.
pub(crate) async fn add_tags(
    tx: &mut Transaction<'_, Any>,
    post_id: i64,
    tags: &[String],
    now: i64,
    counted: bool,
) -> Result<(), StoreError> {
    let one = i64::from(counted);
    for t in tags {
        let tag_id: i64 = sqlx::query(
            "INSERT INTO tags (name, question_count, created_at) VALUES ($1, $3, $2)
             ON CONFLICT (name) DO UPDATE SET question_count = tags.question_count + $3 RETURNING id",
        )
        .bind(t)
        .bind(now)
        .bind(one)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
        sqlx::query("INSERT INTO post_tags (post_id, tag_id) VALUES ($1, $2)")
            .bind(post_id)
            .bind(tag_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Unlinks a question from tags; `counted`: it was counted in them.
async fn remove_tags(
    tx: &mut Transaction<'_, Any>,
    post_id: i64,
    tags: &[String],
    counted: bool,
) -> Result<(), StoreError> {
    for t in tags {
        if counted {
            sqlx::query("UPDATE tags SET question_count = question_count - 1 WHERE name = $1")
                .bind(t)
                .execute(&mut **tx)
                .await?;
        }
        sqlx::query("DELETE FROM post_tags WHERE post_id = $1 AND tag_id = (SELECT id FROM tags WHERE name = $2)")
            .bind(post_id)
            .bind(t)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
