//! Imports a Stack Exchange data dump (a folder of `Posts.xml` and, when present, `Users.xml`,
//! `Comments.xml`, `Votes.xml`, `Tags.xml`, `PostLinks.xml`, `Badges.xml`, `PostHistory.xml`)
//! into Stoa.
//!
//! Two passes over the files (see `docs/adr-004-import.md`):
//! 1. **check**: every present file is read to the end and every value Stoa uses is parsed, so a
//!    malformed or truncated file stops the run, with its file, line and reason, before the
//!    database is touched; the pass also gathers what the second needs (which posts exist, tag
//!    names, vote tallies, duplicate links).
//! 2. **write**: the files are read again and written in one transaction, with batched multi-row
//!    INSERTs, ids chosen up front; counters, tag counts and the search index are brought up to
//!    date before the commit. Any failure rolls everything back.
//!
//! HTML bodies are sanitised into `body_html`; `body_md` keeps the original HTML, which
//! Stoa's Markdown renderer accepts as raw HTML, so imported posts stay readable and editable.

mod fields;
mod names;
mod scan;
mod users;
mod write;
mod xml;

use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use stoa_store::{Store, StoreError};

/// How to import.
#[derive(Clone, Default)]
pub struct Options {
    /// The site's name (`source_site` of everything imported); default: the folder's name.
    pub site: Option<String>,
    /// Merge into an earlier import of the same site instead of refusing.
    pub update: bool,
    /// Receives progress as the import runs.
    pub progress: Option<Arc<dyn Progress>>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("site", &self.site)
            .field("update", &self.update)
            .finish_non_exhaustive()
    }
}

/// Where an import is; reported through [`Progress`].
#[derive(Debug, Clone, PartialEq)]
pub enum ProgressEvent {
    /// A phase starts; `total` counts its `unit`s (0 when unknown).
    Phase {
        /// What is being done, e.g. `checking Posts.xml`, `writing posts`.
        name: String,
        /// What `total` and `done` count: `bytes`, `posts`, `comments`, `users`, `questions`.
        unit: &'static str,
        /// How many there are.
        total: u64,
    },
    /// Units of the current phase done so far.
    Advance {
        /// Done so far in this phase.
        done: u64,
        /// Posts written so far in the whole run (for a posts-per-second rate).
        posts: u64,
    },
}

/// Receives an import's progress; called from the import's threads.
pub trait Progress: Send + Sync {
    /// Called for each event, in order.
    fn event(&self, event: &ProgressEvent);
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// The site name given to everything imported.
    pub site: String,
    /// Whether this run merged into an earlier import.
    pub update: bool,
    /// Questions inserted.
    pub questions: u64,
    /// Answers inserted.
    pub answers: u64,
    /// Comments inserted.
    pub comments: u64,
    /// Profiles inserted (the site's placeholder profile included).
    pub users: u64,
    /// Distinct tags on the site's imported questions.
    pub tags: u64,
    /// Questions marked as duplicates.
    pub duplicates: u64,
    /// Badges inserted (from Badges.xml, shown as imported).
    pub badges: u64,
    /// Stored posts changed by an update.
    pub posts_updated: u64,
    /// Stored comments changed by an update.
    pub comments_updated: u64,
    /// Stored profiles changed by an update.
    pub users_updated: u64,
    /// Questions whose search document was rebuilt.
    pub indexed: u64,
    /// Rows read per file.
    pub rows_read: BTreeMap<String, u64>,
    /// Rows not imported, by reason.
    pub skipped: BTreeMap<String, u64>,
    /// What the operator should know about data Stoa did not take.
    pub notes: Vec<String>,
    /// Wall-clock time of the whole run.
    #[serde(serialize_with = "seconds")]
    pub duration: Duration,
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

impl Summary {
    /// Questions and answers written (inserted or updated).
    pub fn posts(&self) -> u64 {
        self.questions + self.answers + self.posts_updated
    }

    /// Questions and answers inserted per second of the whole run (checking pass, search index
    /// and commit included).
    pub fn posts_per_sec(&self) -> f64 {
        let secs = self.duration.as_secs_f64();
        if secs > 0.0 {
            (self.questions + self.answers) as f64 / secs
        } else {
            0.0
        }
    }

    /// A human-readable report, one fact a line.
    pub fn report(&self) -> String {
        let mut out = format!(
            "{} site \"{}\" in {:.2} s ({:.0} posts/s)\n",
            if self.update { "updated" } else { "imported" },
            self.site,
            self.duration.as_secs_f64(),
            self.posts_per_sec()
        );
        let mut line = |label: &str, n: u64| out.push_str(&format!("  {label:<22}{n:>10}\n"));
        line("questions", self.questions);
        line("answers", self.answers);
        line("comments", self.comments);
        line("users", self.users);
        line("tags", self.tags);
        line("duplicates linked", self.duplicates);
        line("badges", self.badges);
        if self.update {
            line("posts updated", self.posts_updated);
            line("comments updated", self.comments_updated);
            line("users updated", self.users_updated);
        }
        line("questions indexed", self.indexed);
        for (reason, n) in &self.skipped {
            out.push_str(&format!("  skipped: {reason}: {n}\n"));
        }
        for note in &self.notes {
            out.push_str(&format!("  note: {note}\n"));
        }
        out
    }
}

/// Why an import failed. In every case nothing of the run was kept.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The folder has no `Posts.xml`.
    #[error("{0}: no Posts.xml here; a Stack Exchange dump folder holds at least Posts.xml")]
    NoPosts(PathBuf),
    /// The site name cannot be used.
    #[error(
        "invalid site name {0:?}: use 1 to 60 letters, digits, '.', '-' or '_' (pass --site NAME)"
    )]
    BadSite(String),
    /// A file cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file is not a well-formed dump file (truncated, bad XML, a bad value).
    #[error("{path} line {line}: {reason}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line of the offending row.
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// The site was imported before and `update` was not asked for.
    #[error(
        "site \"{site}\" was already imported ({posts} posts); nothing was changed. \
         Run again with --update to merge this dump into it"
    )]
    AlreadyImported {
        /// The site.
        site: String,
        /// Its posts in the database.
        posts: i64,
    },
    /// The database refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A worker thread of the import stopped unexpectedly.
    #[error("the import stopped unexpectedly: {0}")]
    Internal(String),
}

/// The dump files an import reads, by name.
pub(crate) const FILES: [(&str, &str); 8] = [
    ("Users.xml", "users"),
    ("Tags.xml", "tags"),
    ("Posts.xml", "posts"),
    ("Comments.xml", "comments"),
    ("Votes.xml", "votes"),
    ("PostLinks.xml", "postlinks"),
    ("PostHistory.xml", "posthistory"),
    ("Badges.xml", "badges"),
];

/// Imports the Stack Exchange dump in `dir` into `store` (which must be migrated).
///
/// Refuses a site that was imported before unless `opts.update`; then stored posts, comments
/// and profiles are matched by their original ids, missing ones inserted and changed ones
/// updated. On any error nothing of the run is kept.
pub async fn import_dir(store: &Store, dir: &Path, opts: &Options) -> Result<Summary, ImportError> {
    let started = std::time::Instant::now();
    let site = site_name(dir, opts.site.as_deref())?;
    if !dir.join("Posts.xml").is_file() {
        return Err(ImportError::NoPosts(dir.to_path_buf()));
    }
    // Refuse early, before the long checking pass; `write` checks again inside its transaction.
    let status = store.import_status(&site).await?;
    if !opts.update && (status.posts > 0 || status.imported_at.is_some()) {
        return Err(ImportError::AlreadyImported {
            site,
            posts: status.posts,
        });
    }
    let progress = Reporter(opts.progress.clone());
    let scan_dir = dir.to_path_buf();
    let scan_progress = progress.clone();
    let catalog = tokio::task::spawn_blocking(move || scan::scan(&scan_dir, &scan_progress))
        .await
        .map_err(|e| ImportError::Internal(e.to_string()))??;
    let mut summary =
        write::write(store, dir, &site, opts.update, catalog, &progress, started).await?;
    summary.duration = started.elapsed();
    tracing::info!(
        import.site = %summary.site,
        import.questions = summary.questions,
        import.answers = summary.answers,
        import.comments = summary.comments,
        import.users = summary.users,
        duration_ms = summary.duration.as_millis() as u64,
        "import finished"
    );
    Ok(summary)
}

/// The site name: given, or the folder's name without a `.stackexchange.com` suffix (the real
/// dumps unpack to folders like `beer.stackexchange.com`).
fn site_name(dir: &Path, given: Option<&str>) -> Result<String, ImportError> {
    let raw = match given {
        Some(s) => s.to_string(),
        None => {
            let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
            abs.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        }
    };
    let lower = raw.trim().to_ascii_lowercase();
    let name = lower
        .strip_suffix(".stackexchange.com")
        .unwrap_or(&lower)
        .to_string();
    let ok = !name.is_empty()
        && name.len() <= 60
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric());
    if ok {
        Ok(name)
    } else {
        Err(ImportError::BadSite(raw))
    }
}

/// Sends progress to the caller's [`Progress`], if any.
#[derive(Clone, Default)]
pub(crate) struct Reporter(Option<Arc<dyn Progress>>);

impl Reporter {
    pub(crate) fn phase(&self, name: impl Into<String>, unit: &'static str, total: u64) {
        if let Some(p) = &self.0 {
            p.event(&ProgressEvent::Phase {
                name: name.into(),
                unit,
                total,
            });
        }
    }

    pub(crate) fn advance(&self, done: u64, posts: u64) {
        if let Some(p) = &self.0 {
            p.event(&ProgressEvent::Advance { done, posts });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_names() {
        assert_eq!(site_name(Path::new("/d/beer"), None).unwrap(), "beer");
        assert_eq!(
            site_name(Path::new("/d/Beer.StackExchange.com/"), None).unwrap(),
            "beer"
        );
        assert_eq!(
            site_name(Path::new("/d/x"), Some("meta.history")).unwrap(),
            "meta.history"
        );
        assert!(site_name(Path::new("/d/x"), Some("bad name")).is_err());
        assert!(site_name(Path::new("/"), None).is_err());
    }
}
