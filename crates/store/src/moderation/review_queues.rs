//! Review queues: the items a reviewer sees and the reviews they record.

use crate::lists::Page;
use crate::posts::{post_from_row, PostRow, POST_COLUMNS, POST_FROM};
use crate::{Store, StoreError};
use sqlx::Row;

/// An item of a review queue: the post and the queue's item id.
#[derive(Debug, Clone)]
pub struct QueueItem {
    /// The post.
    pub post: PostRow,
    /// The suggested edit, the first vote of a close round, or 0.
    pub item_id: i64,
}

/// A review to record.
#[derive(Debug, Clone)]
pub struct NewReview<'a> {
    /// Queue name.
    pub queue: &'a str,
    /// The post.
    pub post_id: i64,
    /// See [`QueueItem::item_id`].
    pub item_id: i64,
    /// Who reviewed.
    pub reviewer_id: i64,
    /// Outcome name.
    pub outcome: &'a str,
    /// Explanation.
    pub reason: &'a str,
}

impl Store {
    /// How many reviewers chose `outcome` for one queue item.
    pub async fn review_count(
        &self,
        queue: &str,
        post_id: i64,
        item_id: i64,
        outcome: &str,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM reviews WHERE queue = $1 AND post_id = $2 AND item_id = $3 AND outcome = $4",
        )
        .bind(queue)
        .bind(post_id)
        .bind(item_id)
        .bind(outcome)
        .fetch_one(self.reader())
        .await?;
        Ok(row.try_get(0)?)
    }

    /// A page of a review queue as `viewer` sees it (never their own posts or suggestions, nor
    /// items they already reviewed). `late_after_secs` is the late-answer age (0: no late answers).
    pub async fn review_queue(
        &self,
        queue: &str,
        viewer: i64,
        late_after_secs: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Page<QueueItem>, StoreError> {
        let live =
            "p.deleted_at IS NULL AND p.source_site IS NULL AND p.kind IN ('question', 'answer')";
        let unreviewed =
            "NOT EXISTS (SELECT 1 FROM reviews r WHERE r.queue = $1 AND r.post_id = p.id)";
        let (item, filter, order): (&str, String, &str) = match queue {
            "first_posts" => (
                "0",
                format!(
                    "{live} AND p.status = 'published' AND p.author_id <> $2 AND {unreviewed}
                     AND p.id = (SELECT MIN(x.id) FROM posts x WHERE x.author_id = p.author_id AND x.kind IN ('question', 'answer'))"
                ),
                "p.created_at, p.id",
            ),
            "late_answers" => (
                "0",
                format!(
                    "{live} AND p.status = 'published' AND p.kind = 'answer' AND p.author_id <> $2 AND {unreviewed} AND $3 > 0
                     AND p.created_at - (SELECT q.created_at FROM posts q WHERE q.id = p.parent_id) >= $3"
                ),
                "p.created_at, p.id",
            ),
            "flagged" => (
                "0",
                format!(
                    "{live} AND (p.status IN ('held', 'hidden')
                       OR EXISTS (SELECT 1 FROM flags f WHERE f.post_id = p.id AND f.status = 'pending'))"
                ),
                "CASE WHEN p.status = 'published' THEN 1 ELSE 0 END, p.created_at, p.id",
            ),
            "suggested_edits" => (
                "(SELECT s.id FROM suggested_edits s WHERE s.post_id = p.id AND s.status = 'pending')",
                format!(
                    "{live} AND EXISTS (SELECT 1 FROM suggested_edits s WHERE s.post_id = p.id AND s.status = 'pending'
                       AND s.author_id <> $2)"
                ),
                "p.id",
            ),
            "close_votes" => (
                "(SELECT MIN(v.id) FROM close_votes v WHERE v.post_id = p.id AND v.status = 'pending')",
                format!(
                    "{live} AND p.kind = 'question' AND EXISTS (SELECT 1 FROM close_votes v WHERE v.post_id = p.id
                       AND v.status = 'pending' AND v.kind = CASE WHEN p.closed_at IS NULL THEN 'close' ELSE 'reopen' END)
                     AND NOT EXISTS (SELECT 1 FROM close_votes v WHERE v.post_id = p.id AND v.status = 'pending' AND v.user_id = $2)
                     AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.queue = $1 AND r.post_id = p.id AND r.reviewer_id = $2
                       AND r.item_id = (SELECT MIN(v.id) FROM close_votes v WHERE v.post_id = p.id AND v.status = 'pending'))"
                ),
                "p.id",
            ),
            _ => return Ok(Page { items: Vec::new(), total: 0 }),
        };
        // Every queue binds the same three parameters; PostgreSQL refuses a statement that does
        // not mention each one it is given, so the ones a queue does not need are mentioned idly.
        let all = "$1 = $1 AND $2 = $2 AND $3 = $3";
        let sql = format!(
            "SELECT {POST_COLUMNS}, {item} AS item_id {POST_FROM} WHERE {filter} AND {all} ORDER BY {order} LIMIT $4 OFFSET $5"
        );
        let count_sql = format!("SELECT COUNT(*) FROM posts p WHERE {filter} AND {all}");
        let rows = sqlx::query(&sql)
            .bind(queue)
            .bind(viewer)
            .bind(late_after_secs)
            .bind(limit)
            .bind(offset)
            .fetch_all(self.reader())
            .await?;
        let total: i64 = sqlx::query(&count_sql)
            .bind(queue)
            .bind(viewer)
            .bind(late_after_secs)
            .fetch_one(self.reader())
            .await?
            .try_get(0)?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(QueueItem {
                    post: post_from_row(r)?,
                    item_id: r.try_get::<Option<i64>, _>("item_id")?.unwrap_or(0),
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        Ok(Page { items, total })
    }
}
