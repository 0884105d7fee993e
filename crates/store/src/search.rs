//! The full-text index: the one place where SQLite (FTS5) and PostgreSQL (tsvector + GIN)
//! differ. It is kept in step with every write inside the writer's transaction.

use crate::{Backend, StoreError};
use sqlx::{Any, Transaction};

/// (Re)indexes one post from its stored text; a deleted or unpublished post is removed.
pub(crate) async fn index_post(tx: &mut Transaction<'_, Any>, backend: Backend, post_id: i64) -> Result<(), StoreError> {
    match backend {
        Backend::Sqlite => {
            sqlx::query("DELETE FROM posts_fts WHERE rowid = $1").bind(post_id).execute(&mut **tx).await?;
            sqlx::query(
                "INSERT INTO posts_fts (rowid, title, body, tags)
                 SELECT id, title, body_text, tags FROM posts
                 WHERE id = $1 AND deleted_at IS NULL AND status = 'published'",
            )
            .bind(post_id)
            .execute(&mut **tx)
            .await?;
        }
        Backend::Postgres => {
            sqlx::query("DELETE FROM posts_fts WHERE post_id = $1").bind(post_id).execute(&mut **tx).await?;
            sqlx::query(
                "INSERT INTO posts_fts (post_id, document)
                 SELECT id, setweight(to_tsvector('english', title), 'A')
                         || setweight(to_tsvector('english', replace(tags, '-', ' ')), 'B')
                         || setweight(to_tsvector('english', body_text), 'C')
                 FROM posts WHERE id = $1 AND deleted_at IS NULL AND status = 'published'",
            )
            .bind(post_id)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// Removes a post from the index.
pub(crate) async fn unindex_post(tx: &mut Transaction<'_, Any>, backend: Backend, post_id: i64) -> Result<(), StoreError> {
    let sql = match backend {
        Backend::Sqlite => "DELETE FROM posts_fts WHERE rowid = $1",
        Backend::Postgres => "DELETE FROM posts_fts WHERE post_id = $1",
    };
    sqlx::query(sql).bind(post_id).execute(&mut **tx).await?;
    Ok(())
}
