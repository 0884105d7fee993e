//! Writing new posts: any number of them in a fixed number of statements. On SQLite every
//! statement is a hand-off between the async runtime and the writer's thread, and under many
//! concurrent writers those hand-offs, not SQLite's work, bounded the answers per second
//! (ADR 007); a batch of group-committed posts (`post_batch`) now costs what one post did.

use crate::lists::placeholders;
use crate::posts::{add_tags, NewPost};
use crate::{Backend, StoreError};
use sqlx::{Any, Row, Transaction};
use stoa_domain::post_kind::{PostKind, PostStatus};

/// Inserts posts with their first revisions, tags, question counters and search documents;
/// their ids, in the order given.
pub(crate) async fn insert_posts_in(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    posts: &[NewPost<'_>],
    notify: bool,
) -> Result<Vec<i64>, StoreError> {
    if posts.is_empty() {
        return Ok(Vec::new());
    }
    let tags: Vec<String> = posts.iter().map(|p| p.tags.join(" ")).collect();
    let ids = insert_rows(tx, posts, &tags).await?;
    insert_first_revisions(tx, posts, &tags, &ids).await?;
    for (p, &id) in posts.iter().zip(&ids) {
        if p.kind == PostKind::Question {
            add_tags(tx, id, p.tags, p.now, p.status == PostStatus::Published).await?;
        }
        // A question or article is its own search document; an answer joins its question's.
        if p.kind != PostKind::Answer {
            crate::search::index_post(tx, backend, id).await?;
        }
    }
    // A held answer waits for a moderator: it is neither counted nor indexed until published.
    let answers: Vec<(i64, &NewPost<'_>)> = posts
        .iter()
        .filter_map(|p| match (p.kind, p.parent_id, p.status) {
            (PostKind::Answer, Some(q), PostStatus::Published) => Some((q, p)),
            _ => None,
        })
        .collect();
    count_answers(tx, &answers).await?;
    let texts: Vec<(i64, &str)> = answers.iter().map(|(q, p)| (*q, p.body_text)).collect();
    crate::search::append_answers(tx, backend, &texts).await?;
    // Notifications of published posts go out through the job queue, committed with the post.
    let now = posts.iter().map(|p| p.now).max().unwrap_or(0);
    let events: Vec<crate::jobs::NewJob> = posts
        .iter()
        .zip(&ids)
        .filter(|(p, _)| notify && p.status == PostStatus::Published && p.kind != PostKind::Article)
        .map(|(_, &post_id)| {
            crate::jobs::event_job(&stoa_domain::notify::Event::PostCreated { post_id }, now)
        })
        .collect();
    crate::jobs::enqueue_in(tx, &events, now).await?;
    // A held post carries the spam filter's flag from its first moment, so moderators see why.
    for (p, &post_id) in posts.iter().zip(&ids) {
        if let Some(reason) = p.hold_reason {
            sqlx::query(
                "INSERT INTO flags (post_id, user_id, reason, text, created_at) VALUES ($1, NULL, 'spam', $2, $3)",
            )
            .bind(post_id)
            .bind(reason)
            .bind(p.now)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(ids)
}

async fn insert_rows(
    tx: &mut Transaction<'_, Any>,
    posts: &[NewPost<'_>],
    tags: &[String],
) -> Result<Vec<i64>, StoreError> {
    const COLUMNS: usize = 10;
    let rows: Vec<String> = (0..posts.len())
        .map(|i| {
            let n = i * COLUMNS;
            // The creation time is also the first activity.
            format!("({}, ${})", placeholders(n + 1, COLUMNS), n + COLUMNS)
        })
        .collect();
    let sql = format!(
        "INSERT INTO posts (kind, parent_id, author_id, title, body_md, body_html, body_text, tags, status,
            created_at, last_activity_at)
         VALUES {} RETURNING id",
        rows.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for (p, t) in posts.iter().zip(tags) {
        q = q
            .bind(p.kind.as_str())
            .bind(p.parent_id)
            .bind(p.author_id)
            .bind(p.title)
            .bind(p.body_md)
            .bind(p.body_html)
            .bind(p.body_text)
            .bind(t)
            .bind(p.status.as_str())
            .bind(p.now);
    }
    let returned = q.fetch_all(&mut **tx).await?;
    let mut ids = returned
        .iter()
        .map(|r| r.try_get::<i64, _>(0))
        .collect::<Result<Vec<_>, _>>()?;
    // Ids are given in the order of the rows (the next rowid, or the sequence's next value,
    // row by row); RETURNING's own order is unspecified.
    ids.sort_unstable();
    if ids.len() != posts.len() {
        return Err(StoreError::Database(sqlx::Error::Protocol(format!(
            "{} posts inserted, {} ids returned",
            posts.len(),
            ids.len()
        ))));
    }
    Ok(ids)
}

async fn insert_first_revisions(
    tx: &mut Transaction<'_, Any>,
    posts: &[NewPost<'_>],
    tags: &[String],
    ids: &[i64],
) -> Result<(), StoreError> {
    const COLUMNS: usize = 6;
    let rows: Vec<String> = (0..posts.len())
        .map(|i| {
            let n = i * COLUMNS;
            format!(
                "(${}, 1, ${}, ${}, ${}, ${}, '', ${})",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5,
                n + 6
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO post_revisions (post_id, number, author_id, title, body_md, tags, comment, created_at)
         VALUES {}",
        rows.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for ((p, t), id) in posts.iter().zip(tags).zip(ids) {
        q = q
            .bind(id)
            .bind(p.author_id)
            .bind(p.title)
            .bind(p.body_md)
            .bind(t)
            .bind(p.now);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Adds new published answers to their questions' counts and activity, one statement for all.
async fn count_answers(
    tx: &mut Transaction<'_, Any>,
    answers: &[(i64, &NewPost<'_>)],
) -> Result<(), StoreError> {
    // Per question: how many new answers, and the latest one's time.
    let mut per_question: Vec<(i64, i64, i64)> = Vec::new();
    for (q, p) in answers {
        match per_question.iter_mut().find(|(id, _, _)| id == q) {
            Some((_, n, at)) => {
                *n += 1;
                *at = (*at).max(p.now);
            }
            None => per_question.push((*q, 1, p.now)),
        }
    }
    if per_question.is_empty() {
        return Ok(());
    }
    let mut counts = String::new();
    let mut times = String::new();
    for i in 0..per_question.len() {
        let n = i * 3;
        counts.push_str(&format!(" WHEN ${} THEN ${}", n + 1, n + 2));
        times.push_str(&format!(" WHEN ${} THEN ${}", n + 1, n + 3));
    }
    let ids: Vec<String> = (0..per_question.len())
        .map(|i| format!("${}", i * 3 + 1))
        .collect();
    let sql = format!(
        "UPDATE posts SET answer_count = answer_count + CASE id{counts} END,
            last_activity_at = CASE id{times} END
         WHERE id IN ({})",
        ids.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for (id, n, at) in &per_question {
        q = q.bind(id).bind(n).bind(at);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Store, StoreOptions};

    async fn site(name: &str) -> (Store, std::path::PathBuf) {
        let path =
            std::env::temp_dir().join(format!("stoa-post-insert-{name}-{}.db", std::process::id()));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        let store = Store::open(&StoreOptions {
            url: format!("sqlite://{}", path.display()),
            max_connections: 1,
        })
        .await
        .unwrap();
        for name in ["asker", "helper"] {
            sqlx::query(
                "INSERT INTO users (username, username_key, email, email_key, password_hash, role, created_at, last_seen_at)
                 VALUES ($1, $1, $2, $2, '', 'member', 1, 1)",
            )
            .bind(name)
            .bind(format!("{name}@example.org"))
            .execute(store.writer())
            .await
            .unwrap();
        }
        (store, path)
    }

    fn post<'a>(
        kind: &'a str,
        parent: Option<i64>,
        text: &'a str,
        status: &'a str,
        now: i64,
    ) -> NewPost<'a> {
        let kind: PostKind = kind.parse().unwrap();
        let status: PostStatus = status.parse().unwrap();
        NewPost {
            kind,
            parent_id: parent,
            author_id: if kind == PostKind::Question { 1 } else { 2 },
            title: if kind == PostKind::Question { text } else { "" },
            body_md: text,
            body_html: text,
            body_text: text,
            tags: &[],
            status,
            hold_reason: None,
            now,
        }
    }

    async fn snapshot(store: &Store) -> Vec<String> {
        let mut out = Vec::new();
        for sql in [
            "SELECT id || '|' || kind || '|' || COALESCE(parent_id, '') || '|' || status || '|' || answer_count
                || '|' || last_activity_at || '|' || tags FROM posts ORDER BY id",
            "SELECT post_id || '|' || number || '|' || author_id || '|' || title || '|' || body_md || '|' || tags
                FROM post_revisions ORDER BY post_id, number",
            "SELECT name || '|' || question_count FROM tags ORDER BY name",
            "SELECT post_id || '|' || tag_id FROM post_tags ORDER BY post_id, tag_id",
            "SELECT post_id || '|' || title_terms || '|' || body_terms || '|' || answer_terms || '|' || tag_terms
                FROM search_docs ORDER BY post_id",
            "SELECT rowid || '|' || title || '|' || body || '|' || answers || '|' || tags FROM search_fts ORDER BY rowid",
        ] {
            let rows = sqlx::query(sql).fetch_all(store.writer()).await.unwrap();
            out.extend(rows.iter().map(|r| r.get::<String, _>(0)));
        }
        out
    }

    /// A batch writes exactly what the same posts written one at a time do: counters, revisions,
    /// tags and search documents, with answers to one question, to several, held and empty.
    #[tokio::test]
    async fn a_batch_writes_what_single_posts_write() {
        let tags = ["kettles".to_string(), "water".to_string()];
        let mut results = Vec::new();
        for batched in [true, false] {
            let (store, path) = site(if batched { "batch" } else { "single" }).await;
            let mut tx = store.writer().begin().await.unwrap();
            let first = vec![
                post(
                    "question",
                    None,
                    "Which kettle pours slowly?",
                    "published",
                    10,
                ),
                post(
                    "question",
                    None,
                    "Why does my water taste flat?",
                    "published",
                    11,
                ),
            ];
            let q = insert_posts_in(&mut tx, Backend::Sqlite, &first, true)
                .await
                .unwrap();
            let mut third = post(
                "question",
                None,
                "Is a gooseneck worth it?",
                "published",
                12,
            );
            third.tags = &tags;
            let batch = vec![
                post(
                    "answer",
                    Some(q[0]),
                    "A gooseneck kettle pours a thin stream.",
                    "published",
                    20,
                ),
                post(
                    "answer",
                    Some(q[1]),
                    "Soft water tastes flat; add minerals.",
                    "published",
                    21,
                ),
                post("answer", Some(q[0]), "Buy now at example.org!", "held", 22),
                post("answer", Some(q[0]), "...", "published", 23),
                third,
                post(
                    "answer",
                    Some(q[0]),
                    "Warm the kettle's spout first, C++ style.",
                    "published",
                    24,
                ),
            ];
            let ids = if batched {
                insert_posts_in(&mut tx, Backend::Sqlite, &batch, true)
                    .await
                    .unwrap()
            } else {
                let mut ids = Vec::new();
                for p in &batch {
                    ids.extend(
                        insert_posts_in(&mut tx, Backend::Sqlite, std::slice::from_ref(p), true)
                            .await
                            .unwrap(),
                    );
                }
                ids
            };
            tx.commit().await.unwrap();
            assert_eq!(
                ids,
                (q[1] + 1..=q[1] + 6).collect::<Vec<_>>(),
                "ids in the order given"
            );
            results.push(snapshot(&store).await);
            store.close().await;
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        assert!(
            results[0].iter().any(|l| l.contains("gooseneck")),
            "{:?}",
            results[0]
        );
        assert_eq!(results[0], results[1]);
    }
}
