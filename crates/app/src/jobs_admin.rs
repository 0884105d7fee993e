//! The job queue as admins see it: counts, dead letters, retrying one, starting a digest round.

use crate::{paging, App, AppError, AuthUser, Digest};
use stoa_domain::policy::{decide, Action, Target};
use stoa_store::jobs::{JobCounts, JobRow};
use stoa_store::lists::Page;

impl App {
    /// Jobs by state and a page of dead letters, newest first (admins).
    pub async fn dead_jobs(
        &self,
        user: &AuthUser,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> Result<(JobCounts, Page<JobRow>), AppError> {
        decide(&user.actor(), Action::ManageSettings, Target::Site)?;
        let (limit, offset) = paging(page, per_page, 50)?;
        let counts = self.store().job_counts(stoa_store::now()).await?;
        Ok((counts, self.store().dead_jobs(limit, offset).await?))
    }

    /// Jobs by state, for `/metrics` (no permission: the counts say nothing about content).
    pub async fn job_counts(&self) -> Result<JobCounts, AppError> {
        Ok(self.store().job_counts(stoa_store::now()).await?)
    }

    /// Gives a dead job a fresh set of tries (admins); 404 when it is not dead.
    pub async fn retry_job(&self, user: &AuthUser, id: i64) -> Result<(), AppError> {
        decide(&user.actor(), Action::ManageSettings, Target::Site)?;
        if self.store().retry_job(id, stoa_store::now()).await? {
            tracing::info!(job.id = id, user.id = user.id, "dead job retried");
            Ok(())
        } else {
            Err(AppError::NotFound("dead job"))
        }
    }

    /// Sends a digest round now rather than at the next period (admins).
    pub async fn send_digests_now(&self, user: &AuthUser, channel: &str) -> Result<(), AppError> {
        decide(&user.actor(), Action::ManageSettings, Target::Site)?;
        let digest = Digest::parse(channel)?;
        let key = format!("manual:{}", &crate::new_token("")[..12]);
        self.start_digest_round(digest, &key).await
    }
}
