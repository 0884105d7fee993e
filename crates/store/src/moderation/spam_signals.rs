//! What the spam and duplicate checks compare a new post with: recent posts, their texts and
//! the author's posts with links.

use super::rows;
use crate::{Store, StoreError};
use sqlx::Row;

impl Store {
    /// Earlier posts to compare a new one with: the author's latest and everyone's since
    /// `since`, newest first, as (id, author, question, revision count), without their text
    /// (callers keep fingerprints of texts they have seen; see [`Store::post_texts`]).
    pub async fn duplicate_candidates(
        &self,
        author_id: i64,
        since: i64,
        limit: i64,
    ) -> Result<Vec<(i64, i64, Option<i64>, i64)>, StoreError> {
        // Two indexed reads instead of one with `OR`, which no index serves (on a large site
        // that OR read the whole posts table for every new post), in one statement: each read is
        // a round trip to the database, and this runs on every new post.
        let rs = sqlx::query(
            "SELECT * FROM (SELECT id, author_id, parent_id, revision_count FROM posts
                 WHERE author_id = $1 AND deleted_at IS NULL AND kind IN ('question', 'answer')
                 ORDER BY created_at DESC, id DESC LIMIT $3) AS mine
             UNION ALL
             SELECT * FROM (SELECT id, author_id, parent_id, revision_count FROM posts
                 WHERE created_at >= $2 AND deleted_at IS NULL AND kind IN ('question', 'answer')
                 ORDER BY created_at DESC, id DESC LIMIT $3) AS recent",
        )
        .bind(author_id)
        .bind(since)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        let mut out = rows(&rs, |r| {
            Ok((
                r.try_get("id")?,
                r.try_get("author_id")?,
                r.try_get("parent_id")?,
                r.try_get("revision_count")?,
            ))
        })?;
        // Both lists whole: cutting the merged list to `limit` would drop the author's own
        // posts on a busy site, and with them the re-post check.
        out.sort_by_key(|r: &(i64, i64, Option<i64>, i64)| std::cmp::Reverse(r.0));
        out.dedup_by_key(|r| r.0);
        Ok(out)
    }

    /// Title and plain text of these posts, by id.
    pub async fn post_texts(
        &self,
        ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, (String, String)>, StoreError> {
        if ids.is_empty() {
            return Ok(std::collections::HashMap::new());
        }
        let sql = format!(
            "SELECT id, title, body_text FROM posts WHERE id IN ({})",
            crate::lists::placeholders(1, ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(id);
        }
        let rs = q.fetch_all(self.reader()).await?;
        Ok(rows(&rs, |r| {
            Ok((
                r.try_get("id")?,
                (r.try_get("title")?, r.try_get("body_text")?),
            ))
        })?
        .into_iter()
        .collect())
    }

    /// Posts with links the author wrote since `since` (published or held).
    pub async fn link_posts_since(&self, author_id: i64, since: i64) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM posts WHERE author_id = $1 AND created_at >= $2 AND deleted_at IS NULL
               AND kind IN ('question', 'answer') AND body_html LIKE '%<a %'",
        )
        .bind(author_id)
        .bind(since)
        .fetch_one(self.reader())
        .await?;
        Ok(row.try_get(0)?)
    }
}
