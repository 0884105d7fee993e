//! The durable job queue: jobs are rows, enqueued in the transaction of the write that causes
//! them, claimed under a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL, one atomic
//! `UPDATE … RETURNING` on SQLite's single writer), retried, and dead-lettered. ADR 008.

use crate::lists::{placeholders, Page};
use crate::{Backend, Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// What to do (the worker dispatches on it).
    pub kind: String,
    /// Its input, JSON.
    pub payload: String,
    /// Not before this time.
    pub run_at: i64,
    /// Idempotency key: a second job with the same key is not enqueued.
    pub key: Option<String>,
    /// Tries before it becomes a dead letter.
    pub max_attempts: i64,
}

impl NewJob {
    /// A job to run now, with the default number of tries.
    pub fn now(kind: &str, payload: String, now: i64) -> Self {
        NewJob {
            kind: kind.to_string(),
            payload,
            run_at: now,
            key: None,
            max_attempts: 8,
        }
    }

    /// The same job, deduplicated by `key`.
    pub fn keyed(mut self, key: String) -> Self {
        self.key = Some(key);
        self
    }
}

/// A job as stored.
#[derive(Debug, Clone)]
pub struct JobRow {
    /// Id.
    pub id: i64,
    /// What to do.
    pub kind: String,
    /// Input, JSON.
    pub payload: String,
    /// Idempotency key.
    pub key: Option<String>,
    /// Not before.
    pub run_at: i64,
    /// Tries so far (a claim counts as one).
    pub attempts: i64,
    /// Tries allowed.
    pub max_attempts: i64,
    /// The last failure.
    pub last_error: Option<String>,
    /// The worker holding it.
    pub locked_by: Option<String>,
    /// The lease's end.
    pub locked_until: Option<i64>,
    /// When it finished.
    pub done_at: Option<i64>,
    /// When it was given up.
    pub dead_at: Option<i64>,
    /// When it was enqueued.
    pub created_at: i64,
}

/// How many jobs are in each state.
#[derive(Debug, Clone, Copy, Default)]
pub struct JobCounts {
    /// Waiting to run (now or later).
    pub queued: i64,
    /// Claimed under a live lease.
    pub running: i64,
    /// Given up after their last try.
    pub dead: i64,
    /// Finished and not yet purged.
    pub done: i64,
}

const COLUMNS: &str = "id, kind, payload, job_key, run_at, attempts, max_attempts, last_error,
    locked_by, locked_until, done_at, dead_at, created_at";

fn job_from_row(r: &AnyRow) -> Result<JobRow, sqlx::Error> {
    Ok(JobRow {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        payload: r.try_get("payload")?,
        key: r.try_get("job_key")?,
        run_at: r.try_get("run_at")?,
        attempts: r.try_get("attempts")?,
        max_attempts: r.try_get("max_attempts")?,
        last_error: r.try_get("last_error")?,
        locked_by: r.try_get("locked_by")?,
        locked_until: r.try_get("locked_until")?,
        done_at: r.try_get("done_at")?,
        dead_at: r.try_get("dead_at")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Enqueues jobs inside a caller's transaction, in one statement; keyed jobs already there are
/// left as they are.
pub(crate) async fn enqueue_in(
    tx: &mut Transaction<'_, Any>,
    jobs: &[NewJob],
    now: i64,
) -> Result<(), StoreError> {
    // 6 parameters a row; stay far below both backends' parameter limits.
    for chunk in jobs.chunks(1000) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| format!("('default', {}, $1)", placeholders(2 + i * 5, 5)))
            .collect();
        let sql = format!(
            "INSERT INTO jobs (queue, kind, payload, run_at, job_key, max_attempts, created_at)
             VALUES {} ON CONFLICT (job_key) DO NOTHING",
            rows.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(now);
        for j in chunk {
            q = q
                .bind(&j.kind)
                .bind(&j.payload)
                .bind(j.run_at)
                .bind(&j.key)
                .bind(j.max_attempts);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

impl Store {
    /// Enqueues jobs on their own (work not tied to another write).
    pub async fn enqueue(&self, jobs: &[NewJob]) -> Result<(), StoreError> {
        if jobs.is_empty() {
            return Ok(());
        }
        let mut tx = self.write_tx().await?;
        enqueue_in(&mut tx, jobs, crate::now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether any job is ready to be claimed; a cheap read so that idle workers do not take
    /// SQLite's one write lock to learn there is nothing to do.
    pub async fn jobs_ready(&self, now: i64) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT id FROM jobs WHERE done_at IS NULL AND dead_at IS NULL AND run_at <= $1
               AND (locked_until IS NULL OR locked_until <= $1) LIMIT 1",
        )
        .bind(now)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.is_some())
    }

    /// Claims up to `limit` ready jobs for `worker` until `now + lease_secs`; each claim counts
    /// as a try. A job whose lease ran out (its worker died) is ready again.
    pub async fn claim_jobs(
        &self,
        worker: &str,
        now: i64,
        lease_secs: i64,
        limit: i64,
    ) -> Result<Vec<JobRow>, StoreError> {
        let lock = match self.backend() {
            // Rows another worker is claiming are skipped, not waited for.
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            // SQLite's one writer makes the statement atomic on its own.
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE jobs SET locked_by = $1, locked_until = $2, attempts = attempts + 1
             WHERE id IN (
                SELECT id FROM jobs
                WHERE done_at IS NULL AND dead_at IS NULL AND run_at <= $3
                  AND (locked_until IS NULL OR locked_until <= $3)
                ORDER BY run_at, id LIMIT $4 {lock})
             RETURNING {COLUMNS}"
        );
        let rows = sqlx::query(&sql)
            .bind(worker)
            .bind(now + lease_secs)
            .bind(now)
            .bind(limit)
            .fetch_all(self.writer())
            .await?;
        let mut jobs = rows
            .iter()
            .map(job_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        jobs.sort_by_key(|j| (j.run_at, j.id));
        Ok(jobs)
    }

    /// Extends a lease the worker still holds; false when it lost it.
    pub async fn extend_lease(
        &self,
        id: i64,
        worker: &str,
        attempt: i64,
        until: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET locked_until = $4
             WHERE id = $1 AND locked_by = $2 AND attempts = $3 AND done_at IS NULL",
        )
        .bind(id)
        .bind(worker)
        .bind(attempt)
        .bind(until)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks a job done, if this worker's claim is still the current one.
    pub async fn complete_job(
        &self,
        id: i64,
        worker: &str,
        attempt: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        let done = complete_in(&mut tx, id, worker, attempt, now).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Records a failed try: the job runs again at `retry_at`, or, without one, is dead.
    pub async fn fail_job(
        &self,
        id: i64,
        worker: &str,
        attempt: i64,
        error: &str,
        retry_at: Option<i64>,
        now: i64,
    ) -> Result<(), StoreError> {
        let error: String = error.chars().take(2000).collect();
        sqlx::query(
            "UPDATE jobs SET last_error = $4, locked_by = NULL, locked_until = NULL,
                run_at = COALESCE($5, run_at),
                dead_at = CASE WHEN $5 IS NULL THEN $6 ELSE NULL END
             WHERE id = $1 AND locked_by = $2 AND attempts = $3 AND done_at IS NULL",
        )
        .bind(id)
        .bind(worker)
        .bind(attempt)
        .bind(error)
        .bind(retry_at)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Gives up on jobs whose every try was claimed by workers that died before finishing.
    pub async fn bury_exhausted_jobs(&self, now: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET dead_at = $1, locked_by = NULL, locked_until = NULL,
                last_error = COALESCE(last_error, 'the worker stopped while running it')
             WHERE done_at IS NULL AND dead_at IS NULL AND attempts >= max_attempts
               AND locked_until IS NOT NULL AND locked_until <= $1",
        )
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected())
    }

    /// Dead letters, newest first.
    pub async fn dead_jobs(&self, limit: i64, offset: i64) -> Result<Page<JobRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM jobs WHERE dead_at IS NOT NULL ORDER BY dead_at DESC, id DESC
             LIMIT $1 OFFSET $2"
        ))
        .bind(limit)
        .bind(offset)
        .fetch_all(self.reader())
        .await?;
        let total: i64 = sqlx::query("SELECT COUNT(*) FROM jobs WHERE dead_at IS NOT NULL")
            .fetch_one(self.reader())
            .await?
            .try_get(0)?;
        Ok(Page {
            items: rows.iter().map(job_from_row).collect::<Result<_, _>>()?,
            total,
        })
    }

    /// One job.
    pub async fn job(&self, id: i64) -> Result<Option<JobRow>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        Ok(row.as_ref().map(job_from_row).transpose()?)
    }

    /// Gives a dead job a fresh set of tries, now; false when it is not dead.
    pub async fn retry_job(&self, id: i64, now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET dead_at = NULL, attempts = 0, run_at = $2, locked_by = NULL,
                locked_until = NULL
             WHERE id = $1 AND dead_at IS NOT NULL",
        )
        .bind(id)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Jobs by state.
    pub async fn job_counts(&self, now: i64) -> Result<JobCounts, StoreError> {
        let row = sqlx::query(
            "SELECT
                COALESCE(SUM(CASE WHEN done_at IS NULL AND dead_at IS NULL
                    AND (locked_until IS NULL OR locked_until <= $1) THEN 1 ELSE 0 END), 0) AS queued,
                COALESCE(SUM(CASE WHEN done_at IS NULL AND dead_at IS NULL
                    AND locked_until > $1 THEN 1 ELSE 0 END), 0) AS running,
                COALESCE(SUM(CASE WHEN dead_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS dead,
                COALESCE(SUM(CASE WHEN done_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS done
             FROM jobs",
        )
        .bind(now)
        .fetch_one(self.reader())
        .await?;
        Ok(JobCounts {
            queued: row.try_get("queued")?,
            running: row.try_get("running")?,
            dead: row.try_get("dead")?,
            done: row.try_get("done")?,
        })
    }

    /// Forgets jobs finished before `before` (their keys may then be used again).
    pub async fn purge_done_jobs(&self, before: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM jobs WHERE done_at IS NOT NULL AND done_at < $1")
            .bind(before)
            .execute(self.writer())
            .await?;
        Ok(done.rows_affected())
    }
}

/// Marks a job done inside a transaction that also records its effect, so that a job whose
/// effect is committed is never run again.
pub(crate) async fn complete_in(
    tx: &mut Transaction<'_, Any>,
    id: i64,
    worker: &str,
    attempt: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE jobs SET done_at = $4, locked_until = NULL
         WHERE id = $1 AND locked_by = $2 AND attempts = $3 AND done_at IS NULL",
    )
    .bind(id)
    .bind(worker)
    .bind(attempt)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The job that mails an address confirmation link.
pub const CONFIRM_EMAIL_JOB: &str = "mail.confirm_email";

/// The job that mails a password reset link.
pub const PASSWORD_RESET_JOB: &str = "mail.password_reset";

/// The job that mails the link confirming a new address (`{"user_id"}`).
pub const CHANGE_EMAIL_JOB: &str = "mail.change_email";

/// The job that tells the old address it was replaced (`{"user_id", "old_email", "new_email"}`).
pub const EMAIL_CHANGED_JOB: &str = "mail.email_changed";

/// The job that sends one digest (`{"user_id", "channel"}`).
pub const DIGEST_JOB: &str = "mail.digest";

/// The job that starts a digest round (`{"channel"}`): one digest job per person waiting.
pub const DIGEST_ROUND_JOB: &str = "digest.round";

/// The job that matches a new ticket against public knowledge (`{"ticket_id"}`).
pub const TICKET_COVERAGE_JOB: &str = "ticket.coverage";

/// The job kind that fans an event out to notifications.
pub const NOTIFY_JOB: &str = "notify";

/// The fan-out job of an event, to enqueue with the write that caused it.
pub fn event_job(event: &stoa_domain::notify::Event, now: i64) -> NewJob {
    NewJob::now(
        NOTIFY_JOB,
        serde_json::to_string(event).unwrap_or_default(),
        now,
    )
}
