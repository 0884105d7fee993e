//! Stoa's background worker. It claims jobs from the durable queue in the database under a
//! lease, runs them (notification fan-out, e-mail, webhooks, digests, housekeeping), and records the
//! outcome: done, retried later with exponential backoff and jitter, or a dead letter after the
//! last try. Any number of workers may run against one database (ADR 008).

mod mailer;
mod schedule;
mod webhooks;

pub use mailer::{MailError, Mailer};

use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use stoa_app::{App, AppError, Digest, JobRow, MailOutcome, MailState};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// How a worker behaves.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// This worker's name in the queue (unique per process).
    pub id: String,
    /// Wait between looks at an empty queue.
    pub poll: Duration,
    /// Seconds a claim lasts; renewed while a job runs, so only a dead worker loses it.
    pub lease_secs: i64,
    /// Jobs claimed at a time.
    pub batch: i64,
    /// Base of the exponential backoff between tries, in seconds.
    pub retry_base_secs: i64,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            id: worker_id(),
            poll: Duration::from_millis(500),
            lease_secs: 60,
            batch: 16,
            retry_base_secs: 30,
        }
    }
}

/// A name that tells processes apart: host, process id and a random part.
pub fn worker_id() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    format!(
        "{host}:{}:{}",
        std::process::id(),
        &stoa_app::new_token("")[..8]
    )
}

/// Why a job did not finish.
#[derive(Debug, thiserror::Error)]
enum JobError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error("unreadable payload: {0}")]
    Payload(#[from] serde_json::Error),
    #[error("no handler for job kind {0:?}")]
    UnknownKind(String),
}

impl JobError {
    /// Errors that no retry can fix.
    fn permanent(&self) -> bool {
        matches!(
            self,
            JobError::Payload(_) | JobError::UnknownKind(_) | JobError::Mail(MailError::Build(_))
        )
    }
}

/// The worker: the application, the mailer (if SMTP is configured) and its settings.
#[derive(Clone, Debug)]
pub struct Worker {
    app: App,
    mailer: Option<Arc<Mailer>>,
    settings: Arc<WorkerSettings>,
}

#[derive(Deserialize)]
struct ExportPayload {
    export_id: i64,
}

#[derive(Deserialize)]
struct UserPayload {
    user_id: i64,
}

#[derive(Deserialize)]
struct TicketPayload {
    ticket_id: i64,
}

#[derive(Deserialize)]
struct NotificationPayload {
    notification_id: i64,
}

#[derive(Deserialize)]
struct DigestPayload {
    user_id: i64,
    channel: String,
}

#[derive(Deserialize)]
struct RoundPayload {
    channel: String,
}

impl Worker {
    /// A worker for `app`; without a mailer, mail jobs complete without sending.
    pub fn new(app: App, mailer: Option<Mailer>, settings: WorkerSettings) -> Worker {
        Worker {
            app,
            mailer: mailer.map(Arc::new),
            settings: Arc::new(settings),
        }
    }

    /// Runs until `stop` turns true; jobs in flight then finish (or lose their lease).
    pub fn spawn(self, mut stop: watch::Receiver<bool>) -> JoinHandle<()> {
        tokio::spawn(async move {
            tracing::info!(worker = %self.settings.id, "job worker started");
            let mut last_schedule = 0_i64;
            loop {
                if *stop.borrow() {
                    break;
                }
                let now = stoa_app::now();
                if now - last_schedule >= 60 {
                    if let Err(e) = schedule::ensure(&self.app, now).await {
                        tracing::warn!(error = %e, "could not schedule periodic jobs; will retry");
                    } else {
                        last_schedule = now;
                    }
                }
                let ran = match self.run_once().await {
                    Ok(n) => n,
                    Err(e) => {
                        tracing::warn!(error = %e, "could not claim jobs; will retry");
                        0
                    }
                };
                if ran == 0 {
                    tokio::select! {
                        _ = tokio::time::sleep(self.settings.poll) => {}
                        _ = stop.changed() => {}
                    }
                }
            }
            tracing::info!(worker = %self.settings.id, "job worker stopped");
        })
    }

    /// Claims one batch and runs it; how many jobs ran.
    pub async fn run_once(&self) -> Result<usize, AppError> {
        let now = stoa_app::now();
        let store = self.app.store();
        if !store.jobs_ready(now).await? {
            return Ok(0);
        }
        let jobs = store
            .claim_jobs(
                &self.settings.id,
                now,
                self.settings.lease_secs,
                self.settings.batch,
            )
            .await?;
        let n = jobs.len();
        let (fan_outs, others): (Vec<JobRow>, Vec<JobRow>) =
            jobs.into_iter().partition(|j| j.kind == "notify");
        let mut set = JoinSet::new();
        if !fan_outs.is_empty() {
            let w = self.clone();
            set.spawn(async move { w.run_fan_out_batch(fan_outs).await });
        }
        for job in others {
            let w = self.clone();
            set.spawn(async move { w.run_job(job).await });
        }
        while set.join_next().await.is_some() {}
        Ok(n)
    }

    /// Runs the fan-out jobs of a batch together: one transaction writes every notification
    /// (SQLite's one writer takes a turn per transaction, not per job). Should the batch fail,
    /// each job runs alone, so that one bad job cannot hold back the others.
    async fn run_fan_out_batch(&self, jobs: Vec<JobRow>) {
        if jobs.len() > 1 {
            match self.app.run_fan_outs(&jobs, &self.settings.id).await {
                Ok(_) => return,
                Err(e) => tracing::warn!(error = %e, jobs = jobs.len(),
                    "a batch of fan-outs failed; running them one by one"),
            }
        }
        for job in jobs {
            self.run_job(job).await;
        }
    }

    /// Runs one claimed job, renewing its lease while it runs, and records the outcome.
    async fn run_job(&self, job: JobRow) {
        let lease = self.settings.lease_secs.max(3);
        let heartbeat = {
            let store = self.app.store().clone();
            let (id, worker, attempt) = (job.id, self.settings.id.clone(), job.attempts);
            tokio::spawn(async move {
                let every = Duration::from_secs(u64::try_from(lease / 3).unwrap_or(1));
                loop {
                    tokio::time::sleep(every).await;
                    let until = stoa_app::now() + lease;
                    match store.extend_lease(id, &worker, attempt, until).await {
                        Ok(true) => {}
                        Ok(false) => break,
                        Err(e) => {
                            tracing::warn!(job.id = id, error = %e, "could not renew a lease")
                        }
                    }
                }
            })
        };
        let started = std::time::Instant::now();
        let result = self.dispatch(&job).await;
        heartbeat.abort();
        let worker = &self.settings.id;
        let store = self.app.store();
        let now = stoa_app::now();
        let recorded = match &result {
            Ok(()) => Ok(()),
            Err(e) => {
                let retry_at = (!e.permanent() && job.attempts < job.max_attempts).then(|| {
                    let jitter = jitter_of(job.id, job.attempts);
                    now + stoa_domain::jobs::retry_delay_secs(
                        job.attempts,
                        self.settings.retry_base_secs,
                        jitter,
                    )
                });
                tracing::warn!(job.id = job.id, job.kind = %job.kind, attempt = job.attempts,
                    dead = retry_at.is_none(), error = %e, "job failed");
                store
                    .fail_job(job.id, worker, job.attempts, &e.to_string(), retry_at, now)
                    .await
            }
        };
        if let Err(e) = recorded {
            tracing::warn!(job.id = job.id, error = %e, "could not record a job's failure; its lease will run out and it will run again");
        }
        tracing::debug!(job.id = job.id, job.kind = %job.kind, ms = started.elapsed().as_millis() as u64, ok = result.is_ok(), "job ran");
    }

    /// Runs a job by kind. Each handler completes the job itself, in the transaction that
    /// records its effect, so that an effect is never recorded twice.
    async fn dispatch(&self, job: &JobRow) -> Result<(), JobError> {
        let worker = self.settings.id.as_str();
        let store = self.app.store();
        match job.kind.as_str() {
            "notify" => {
                self.app
                    .run_fan_outs(std::slice::from_ref(job), worker)
                    .await?;
                Ok(())
            }
            "mail.notification" => {
                let p: NotificationPayload = serde_json::from_str(&job.payload)?;
                let outcome = self.app.notification_mail(p.notification_id).await?;
                self.deliver(job, outcome).await
            }
            "mail.digest" => {
                let p: DigestPayload = serde_json::from_str(&job.payload)?;
                let digest = Digest::parse(&p.channel)?;
                let outcome = self
                    .app
                    .digest_mail(p.user_id, digest, &job.id.to_string())
                    .await?;
                self.deliver(job, outcome).await
            }
            "mail.confirm_email" | "mail.password_reset" => {
                let p: UserPayload = serde_json::from_str(&job.payload)?;
                let outcome = if job.kind == "mail.confirm_email" {
                    self.app.confirmation_mail(p.user_id).await?
                } else {
                    self.app.password_reset_mail(p.user_id).await?
                };
                self.deliver(job, outcome).await
            }
            "mail.change_email" => {
                let p: UserPayload = serde_json::from_str(&job.payload)?;
                let outcome = self.app.email_change_mail(p.user_id).await?;
                self.deliver(job, outcome).await
            }
            "mail.email_changed" => {
                let p: stoa_app::EmailChangedNotice = serde_json::from_str(&job.payload)?;
                let outcome = self.app.email_changed_mail(&p).await?;
                self.deliver(job, outcome).await
            }
            "account.export" => {
                let p: ExportPayload = serde_json::from_str(&job.payload)?;
                self.app.build_export(job, worker, p.export_id).await?;
                Ok(())
            }
            "accounts.delete_due" => {
                let n = self.app.run_due_deletions().await?;
                if n > 0 {
                    tracing::info!(accounts = n, "accounts erased");
                }
                let purged = store
                    .purge_expired_exports(stoa_app::now())
                    .await
                    .map_err(AppError::from)?;
                if purged > 0 {
                    tracing::info!(archives = purged, "expired exports dropped");
                }
                self.complete(job).await
            }
            "digest.round" => {
                let p: RoundPayload = serde_json::from_str(&job.payload)?;
                let n = self
                    .app
                    .enqueue_digests(Digest::parse(&p.channel)?, job.id)
                    .await?;
                tracing::info!(channel = %p.channel, digests = n, "digest round started");
                self.complete(job).await
            }
            "ticket.coverage" => {
                let p: TicketPayload = serde_json::from_str(&job.payload)?;
                self.app.match_coverage(p.ticket_id).await?;
                self.complete(job).await
            }
            "webhook.deliver" => self.run_webhook(job).await,
            "rewards.refresh" => {
                self.app.refresh_reward_standings().await?;
                self.complete(job).await
            }
            "bounties.expire" => {
                let n = self.app.expire_bounties().await?;
                if n > 0 {
                    tracing::info!(bounties = n, "bounties ended");
                }
                self.complete(job).await
            }
            "badges.award" => {
                let n = self.app.award_badges().await?;
                tracing::info!(badges = n, "badges awarded");
                self.complete(job).await
            }
            "integrity.scan" => {
                let r = self.app.integrity_scan_daily().await?;
                tracing::info!(
                    votes_reversed = r.votes_reversed,
                    serial_pairs = r.serial_pairs,
                    pairs_flagged = r.pairs_flagged,
                    "integrity scan"
                );
                self.complete(job).await
            }
            "sla.check" => {
                self.app.check_slas().await?;
                self.complete(job).await
            }
            "jobs.purge" => {
                let now = stoa_app::now();
                let purged = store
                    .purge_done_jobs(now - 7 * 86_400)
                    .await
                    .map_err(AppError::from)?;
                let buried = store
                    .bury_exhausted_jobs(now)
                    .await
                    .map_err(AppError::from)?;
                tracing::info!(purged, buried, "job queue housekeeping");
                self.complete(job).await
            }
            other => Err(JobError::UnknownKind(other.to_string())),
        }
    }

    /// Marks done a job whose handler wrote nothing of its own to commit with it.
    async fn complete(&self, job: &JobRow) -> Result<(), JobError> {
        self.app
            .store()
            .complete_job(job.id, &self.settings.id, job.attempts, stoa_app::now())
            .await
            .map_err(AppError::from)?;
        Ok(())
    }

    /// Sends (or skips) a prepared message, at most once per job: the mail log records the
    /// attempt before the SMTP conversation, so a job run again after its worker died finds it
    /// and sends nothing (ADR 008).
    async fn deliver(&self, job: &JobRow, outcome: MailOutcome) -> Result<(), JobError> {
        let worker = self.settings.id.as_str();
        let key = mail_key(job);
        match outcome {
            MailOutcome::Skip {
                reason,
                notification_ids,
            } => {
                tracing::debug!(job.id = job.id, reason, "mail not sent");
                self.app
                    .mail_skipped(job, worker, &notification_ids)
                    .await?;
                Ok(())
            }
            MailOutcome::Send(mut m) => {
                let Some(mailer) = &self.mailer else {
                    tracing::debug!(job.id = job.id, "no SMTP server configured; mail not sent");
                    self.app
                        .mail_skipped(job, worker, &m.notification_ids)
                        .await?;
                    return Ok(());
                };
                m.mail_key = key;
                match self.app.begin_mail(&m).await? {
                    MailState::Sent => {
                        self.app
                            .mail_skipped(job, worker, &m.notification_ids)
                            .await?;
                        return Ok(());
                    }
                    MailState::Interrupted => {
                        self.app.mail_interrupted(job, worker, &m).await?;
                        return Ok(());
                    }
                    MailState::New => {}
                }
                if let Err(e) = mailer.send(&m).await {
                    // Refused or unreachable: nothing was delivered, so the retry may send it.
                    self.app.abort_mail(&m).await?;
                    return Err(e.into());
                }
                self.app.mail_delivered(job, worker, &m).await?;
                Ok(())
            }
        }
    }
}

/// One message per mail job.
fn mail_key(job: &JobRow) -> String {
    format!("job:{}", job.id)
}

/// A number in `[0, 1)` that differs between jobs and tries, for spreading retries.
fn jitter_of(id: i64, attempt: i64) -> f64 {
    let mut x = (id as u64) ^ ((attempt as u64) << 32) ^ 0x9E37_79B9_7F4A_7C15;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    (x % 10_000) as f64 / 10_000.0
}
