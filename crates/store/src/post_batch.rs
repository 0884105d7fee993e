//! Group commit for new posts on SQLite. One connection writes, and every statement is a
//! hand-off between the async runtime and that connection's thread; under many concurrent
//! writers the hand-offs, not the work, were the limit (ADR 007). Posts that arrive while a
//! transaction is open wait for it and then go in together, in one transaction, one commit and
//! the same few statements as a single post (`post_insert`). If any of them fails, the batch is rolled back and each is retried alone, so
//! a failure is only ever its own post's.

use crate::post_insert::insert_posts_in;
use crate::posts::NewPost;
use crate::{Backend, StoreError};
use sqlx::AnyPool;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use stoa_domain::post_kind::{PostKind, PostStatus};
use tokio::sync::{mpsc, oneshot};

/// Most posts committed together.
const MAX_BATCH: usize = 32;

/// A new post owned, to cross to the batching task.
#[derive(Debug)]
struct OwnedPost {
    kind: PostKind,
    parent_id: Option<i64>,
    author_id: i64,
    title: String,
    body_md: String,
    body_html: String,
    body_text: String,
    tags: Vec<String>,
    status: PostStatus,
    hold_reason: Option<String>,
    now: i64,
}

impl OwnedPost {
    fn from(p: &NewPost<'_>) -> Self {
        OwnedPost {
            kind: p.kind,
            parent_id: p.parent_id,
            author_id: p.author_id,
            title: p.title.to_string(),
            body_md: p.body_md.to_string(),
            body_html: p.body_html.to_string(),
            body_text: p.body_text.to_string(),
            tags: p.tags.to_vec(),
            status: p.status,
            hold_reason: p.hold_reason.map(str::to_string),
            now: p.now,
        }
    }

    fn as_new(&self) -> NewPost<'_> {
        NewPost {
            kind: self.kind,
            parent_id: self.parent_id,
            author_id: self.author_id,
            title: &self.title,
            body_md: &self.body_md,
            body_html: &self.body_html,
            body_text: &self.body_text,
            tags: &self.tags,
            status: self.status,
            hold_reason: self.hold_reason.as_deref(),
            now: self.now,
        }
    }
}

type Job = (OwnedPost, oneshot::Sender<Result<i64, StoreError>>);

/// The way into the batching task.
#[derive(Debug, Clone)]
pub(crate) struct PostBatcher {
    jobs: mpsc::Sender<Job>,
}

impl PostBatcher {
    /// Starts the task that writes posts through `writer`.
    /// `notify` is the store's switch for notification events.
    pub(crate) fn spawn(writer: AnyPool, backend: Backend, notify: Arc<AtomicBool>) -> Self {
        let (jobs, queue) = mpsc::channel(256);
        tokio::spawn(run(queue, writer, backend, notify));
        PostBatcher { jobs }
    }

    /// Inserts a post (in whichever batch it joins); its id once committed.
    pub(crate) async fn insert(&self, p: &NewPost<'_>) -> Result<i64, StoreError> {
        let (reply, answer) = oneshot::channel();
        let closed = || StoreError::Unavailable(sqlx::Error::PoolClosed);
        self.jobs
            .send((OwnedPost::from(p), reply))
            .await
            .map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }
}

async fn run(
    mut queue: mpsc::Receiver<Job>,
    writer: AnyPool,
    backend: Backend,
    notify: Arc<AtomicBool>,
) {
    while let Some(first) = queue.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let posts: Vec<&OwnedPost> = jobs.iter().map(|(p, _)| p).collect();
        let notify = notify.load(Ordering::Relaxed);
        match insert_all(&writer, backend, &posts, notify).await {
            Ok(ids) => {
                for ((_, reply), id) in jobs.into_iter().zip(ids) {
                    let _ = reply.send(Ok(id));
                }
            }
            Err(e) if jobs.len() == 1 => {
                if let Some((_, reply)) = jobs.pop() {
                    let _ = reply.send(Err(e));
                }
            }
            Err(_) => {
                for (post, reply) in jobs {
                    let alone = insert_all(&writer, backend, &[&post], notify).await;
                    let _ = reply.send(alone.map(|ids| ids.first().copied().unwrap_or_default()));
                }
            }
        }
    }
}

async fn insert_all(
    writer: &AnyPool,
    backend: Backend,
    posts: &[&OwnedPost],
    notify: bool,
) -> Result<Vec<i64>, StoreError> {
    let mut tx = crate::begin_write(writer, backend).await?;
    let new: Vec<NewPost<'_>> = posts.iter().map(|p| p.as_new()).collect();
    let ids = insert_posts_in(&mut tx, backend, &new, notify).await?;
    tx.commit().await?;
    Ok(ids)
}
