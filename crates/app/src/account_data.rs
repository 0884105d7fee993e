//! "Download my data" (an archive built in the background, kept seven days) and "Delete my
//! account" (after the password and fourteen days' grace, cancellable). What erasure keeps
//! and why: docs/account-deletion.md.

use crate::{App, AppError, AuthUser, JobRow};
use std::io::Write as _;
use stoa_store::account_data::{DirectNotification, ExportRow, EXPORT_FILES};
use stoa_store::jobs::NewJob;

/// How long an archive stays downloadable.
pub const EXPORT_DAYS: i64 = 7;
/// The grace period before a deletion takes effect.
pub const DELETION_GRACE_DAYS: i64 = 14;
/// The job that builds an export (`{"export_id"}`).
pub const EXPORT_JOB: &str = "account.export";
/// The periodic job that erases the accounts whose deletion fell due.
pub const DELETIONS_JOB: &str = "accounts.delete_due";

const README: &str = "\
Your data, as the community holds it
====================================

Each file holds one JSON object per line (JSON Lines). Times are Unix seconds (UTC).

account.jsonl                your account and profile
posts.jsonl                  your questions, answers and articles
revisions.jsonl              every version of your posts, and your edits of others' posts
comments.jsonl               your comments
votes.jsonl                  your votes (value 1 up, -1 down)
flags.jsonl                  flags you raised
suggested_edits.jsonl        edits you suggested
appeals.jsonl                your appeals against moderation
reputation.jsonl             your reputation ledger: every change and why
badges.jsonl                 badges you earned
bounties.jsonl               bounties you offered
rewards.jsonl                your shares of closed reward periods
reward_preferences.jsonl     how you chose to receive rewards
tickets.jsonl                your support tickets
ticket_messages.jsonl        the messages on them (not the team's internal notes)
notification_settings.jsonl  what you chose to hear about, and how
follows.jsonl                tags, questions and people you follow
drafts.jsonl                 drafts kept for you
sessions.jsonl               where you were signed in
tokens.jsonl                 your personal access tokens (names and scopes, never secrets)

Your public posts are published under the site's content licence, named in posts.jsonl.
";

/// The ZIP archive of one person's data.
fn zip_archive(files: &[(&str, Vec<serde_json::Value>)]) -> Result<Vec<u8>, AppError> {
    let internal = |e: &dyn std::fmt::Display| AppError::Internal(e.to_string().into());
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("README.txt", options)
        .map_err(|e| internal(&e))?;
    zip.write_all(README.as_bytes()).map_err(|e| internal(&e))?;
    for (name, rows) in files {
        zip.start_file(format!("{name}.jsonl"), options)
            .map_err(|e| internal(&e))?;
        for row in rows {
            let line = serde_json::to_string(row).map_err(|e| internal(&e))?;
            zip.write_all(line.as_bytes()).map_err(|e| internal(&e))?;
            zip.write_all(b"\n").map_err(|e| internal(&e))?;
        }
    }
    Ok(zip.finish().map_err(|e| internal(&e))?.into_inner())
}

impl App {
    /// Asks for an archive of everything the person wrote and did; built in the background,
    /// announced by a notification. One waits at a time.
    pub async fn request_export(&self, user: &AuthUser) -> Result<i64, AppError> {
        crate::credentials::whole_account(user)?;
        self.check_and_hit(
            &format!("export:{}", user.id),
            crate::Limit {
                max: 3,
                window_secs: 86_400,
            },
        )
        .await?;
        let now = stoa_store::now();
        let job = |id: i64| {
            NewJob::now(EXPORT_JOB, format!("{{\"export_id\":{id}}}"), now)
                .keyed(format!("export:{id}"))
        };
        self.store()
            .request_export(user.id, now, job)
            .await?
            .ok_or_else(|| AppError::Conflict {
                code: "export_waiting",
                message: "Your last request is still being prepared; it will be ready in a \
                          moment."
                    .into(),
            })
    }

    /// The person's exports, newest first.
    pub async fn exports(&self, user: &AuthUser) -> Result<Vec<ExportRow>, AppError> {
        crate::credentials::whole_account(user)?;
        Ok(self.store().exports_of(user.id).await?)
    }

    /// One of the person's archives, while it is kept.
    pub async fn export_archive(&self, user: &AuthUser, id: i64) -> Result<Vec<u8>, AppError> {
        crate::credentials::whole_account(user)?;
        self.store()
            .export_archive(user.id, id, stoa_store::now())
            .await?
            .ok_or(AppError::NotFound("export"))
    }

    /// Builds an export (the worker's job), stores it and tells its owner, completing the job
    /// in the same transaction.
    pub async fn build_export(
        &self,
        job: &JobRow,
        worker: &str,
        export_id: i64,
    ) -> Result<(), AppError> {
        let now = stoa_store::now();
        let Some(user_id) = self.store().pending_export(export_id).await? else {
            self.store()
                .complete_job(job.id, worker, job.attempts, now)
                .await?;
            return Ok(());
        };
        let mut files = Vec::with_capacity(EXPORT_FILES.len());
        for (name, sql) in EXPORT_FILES {
            files.push((*name, self.store().export_rows(user_id, sql).await?));
        }
        let archive = tokio::task::spawn_blocking(move || zip_archive(&files))
            .await
            .map_err(|e| AppError::Internal(Box::new(e)))??;
        let key = format!("export:{export_id}");
        self.store()
            .finish_export(
                export_id,
                &archive,
                now,
                now + EXPORT_DAYS * 86_400,
                &DirectNotification {
                    user_id,
                    kind: "account",
                    event_key: &key,
                    text: "Your data is ready to download (for 7 days).",
                    url: "/settings/data",
                },
                (job.id, worker, job.attempts),
            )
            .await?;
        tracing::info!(
            user.id = user_id,
            export.id = export_id,
            bytes = archive.len(),
            "export built"
        );
        Ok(())
    }

    /// Schedules the deletion of the person's account after the password, in fourteen days;
    /// returns when it takes effect. `erase_posts`: their posts that have no answers by
    /// others are deleted too.
    pub async fn request_deletion(
        &self,
        user: &AuthUser,
        password: &str,
        erase_posts: bool,
    ) -> Result<i64, AppError> {
        crate::credentials::whole_account(user)?;
        self.verify_current_password(user, password, "password")
            .await?;
        let due = stoa_store::now() + DELETION_GRACE_DAYS * 86_400;
        if !self
            .store()
            .schedule_deletion(user.id, Some(due), erase_posts)
            .await?
        {
            return Err(AppError::Conflict {
                code: "deletion_scheduled",
                message: "Your account is already set to be deleted; cancel that first to \
                          change it."
                    .into(),
            });
        }
        tracing::info!(
            user.id = user.id,
            due,
            erase_posts,
            "account deletion scheduled"
        );
        Ok(due)
    }

    /// Cancels a scheduled deletion.
    pub async fn cancel_deletion(&self, user: &AuthUser) -> Result<(), AppError> {
        crate::credentials::whole_account(user)?;
        if !self.store().schedule_deletion(user.id, None, false).await? {
            return Err(AppError::NotFound("scheduled deletion"));
        }
        tracing::info!(user.id = user.id, "account deletion cancelled");
        Ok(())
    }

    /// When the person's account is set to be deleted, if it is.
    pub async fn deletion_due(&self, user: &AuthUser) -> Result<Option<i64>, AppError> {
        Ok(self.store().deletion_due(user.id).await?)
    }

    /// Erases the accounts whose deletion fell due (the periodic job); how many.
    pub async fn run_due_deletions(&self) -> Result<usize, AppError> {
        let now = stoa_store::now();
        let due = self.store().deletions_due(now).await?;
        for (user_id, erase_posts) in &due {
            if *erase_posts {
                for post_id in self.store().erasable_posts(*user_id, now).await? {
                    // Cancelled meanwhile: nothing more goes.
                    if !matches!(self.store().deletion_due(*user_id).await?, Some(d) if d <= now) {
                        break;
                    }
                    self.store().delete_post(post_id, now).await?;
                }
            }
            if self.store().erase_account(*user_id, now).await? {
                tracing::info!(user.id = user_id, erase_posts, "account erased");
            }
        }
        if !due.is_empty() {
            self.content_changed();
        }
        Ok(due.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_archive_is_a_zip_with_a_readme_and_one_file_per_kind() {
        let files = vec![
            (
                "account",
                vec![serde_json::json!({"id": 1, "username": "ann"})],
            ),
            ("votes", vec![]),
        ];
        let bytes = zip_archive(&files).unwrap();
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let names: Vec<String> = z.file_names().map(String::from).collect();
        assert_eq!(names, ["README.txt", "account.jsonl", "votes.jsonl"]);
        let mut account = String::new();
        std::io::Read::read_to_string(&mut z.by_name("account.jsonl").unwrap(), &mut account)
            .unwrap();
        assert_eq!(account, "{\"id\":1,\"username\":\"ann\"}\n");
    }
}
