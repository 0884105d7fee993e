//! Question coaching as the ask page and the API use it: hints for a draft, weighed by what
//! the site's own questions show (learned from the database, kept in memory as a derivative
//! only, relearned every ten minutes), and the record of which questions were coached.

use crate::{App, AppError};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use stoa_domain::coaching::{self, Coached, Evidence, Hint};
use stoa_domain::post_kind::PostKind;

/// How long learned evidence serves before it is learned again.
const REFRESH: Duration = Duration::from_secs(600);
/// Questions younger than this may not have had their answer yet, so they teach nothing.
const SETTLE_SECS: i64 = 7 * 86_400;
/// Newest questions learned from.
const SAMPLE: i64 = 20_000;
/// Longest title read.
const MAX_TITLE_CHARS: usize = 300;
/// Longest body read.
const MAX_BODY_CHARS: usize = 50_000;

/// The learned evidence and when it was learned.
#[derive(Default)]
pub(crate) struct EvidenceCache {
    current: RwLock<Option<(Instant, Arc<Evidence>)>>,
    learning: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for EvidenceCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EvidenceCache")
    }
}

impl EvidenceCache {
    fn fresh(&self) -> Option<Arc<Evidence>> {
        let c = self.current.read().ok()?;
        c.as_ref()
            .filter(|(at, _)| at.elapsed() < REFRESH)
            .map(|(_, e)| e.clone())
    }

    fn any(&self) -> Option<Arc<Evidence>> {
        let c = self.current.read().ok()?;
        c.as_ref().map(|(_, e)| e.clone())
    }
}

fn too_long(field: &'static str, message: &str) -> AppError {
    AppError::Invalid {
        code: "invalid_draft",
        field: Some(field),
        message: message.into(),
    }
}

/// A question that already asks the draft's question and has an accepted answer.
#[derive(Debug, Clone, PartialEq)]
pub struct AnsweredDuplicate {
    /// The question.
    pub post_id: i64,
    /// Its title.
    pub title: String,
}

/// What coaching says about a draft.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DraftCoaching {
    /// What it lacks, in the order to fix it.
    pub hints: Vec<Coached>,
    /// A question with an accepted answer that asks the same thing, if one does.
    pub duplicate: Option<AnsweredDuplicate>,
}

impl App {
    /// What a draft lacks that answerers will need, and a question with an accepted answer
    /// that already asks it; nothing for a draft too short to judge.
    pub async fn coach_draft(
        &self,
        title: &str,
        body: &str,
        ip: &str,
    ) -> Result<DraftCoaching, AppError> {
        if !ip.is_empty() {
            // Free to anyone, as typing goes, but each call costs a search: bounded per address.
            self.check_and_hit(
                &format!("coach:ip:{ip}"),
                self.settings().limits.assistant_per_ip,
            )
            .await?;
        }
        if title.chars().count() > MAX_TITLE_CHARS {
            return Err(too_long(
                "title",
                "The title is too long to coach (at most 300 characters).",
            ));
        }
        if body.chars().count() > MAX_BODY_CHARS {
            return Err(too_long(
                "body",
                "The body is too long to coach (at most 50,000 characters).",
            ));
        }
        let evidence = self.coaching_evidence().await?;
        let hints = coaching::coach(title, body, &evidence);
        let duplicate = if title.trim().chars().count() >= 10 {
            self.similar(title, "", 3)
                .await?
                .into_iter()
                .find(|h| {
                    h.kind == PostKind::Question
                        && h.has_accepted
                        && coaching::same_question(title, &h.title)
                })
                .map(|h| AnsweredDuplicate {
                    post_id: h.post_id,
                    title: h.title,
                })
        } else {
            None
        };
        Ok(DraftCoaching { hints, duplicate })
    }

    /// Notes which hints a question's draft was shown and which its posted text still
    /// warrants (the health page compares coached questions' answers). Never fails the post.
    pub(crate) async fn record_coaching(
        &self,
        post_id: i64,
        shown: &[Hint],
        title: &str,
        body_md: &str,
    ) {
        // The evidence at hand, if learned; a post never waits for learning.
        let evidence = self.coaching.any().unwrap_or_default();
        let remaining: Vec<Hint> = coaching::coach(title, body_md, &evidence)
            .into_iter()
            .map(|c| c.hint)
            .collect();
        if let Err(e) = self
            .store()
            .record_coaching(
                post_id,
                &coaching::codes(shown),
                &coaching::codes(&remaining),
                stoa_store::now(),
            )
            .await
        {
            tracing::warn!(error = %e, post.id = post_id, "coaching not recorded");
        }
    }

    /// The evidence: learned now the first time; when older than [`REFRESH`], served while
    /// one background task learns it again.
    async fn coaching_evidence(&self) -> Result<Arc<Evidence>, AppError> {
        if let Some(e) = self.coaching.fresh() {
            return Ok(e);
        }
        if let Some(stale) = self.coaching.any() {
            if let Ok(one) = self.coaching.learning.clone().try_lock_owned() {
                let app = self.clone();
                tokio::spawn(async move {
                    let _one = one;
                    if let Err(e) = app.learn_coaching_evidence().await {
                        tracing::warn!(error = %e, "coaching evidence not relearned");
                    }
                });
            }
            return Ok(stale);
        }
        let _one = self.coaching.learning.lock().await;
        if let Some(e) = self.coaching.any() {
            return Ok(e);
        }
        self.learn_coaching_evidence().await
    }

    async fn learn_coaching_evidence(&self) -> Result<Arc<Evidence>, AppError> {
        let started = Instant::now();
        let samples = self
            .store()
            .coaching_samples(stoa_store::now() - SETTLE_SECS, SAMPLE)
            .await?;
        let evidence = tokio::task::spawn_blocking(move || {
            Evidence::learn(
                samples
                    .iter()
                    .map(|s| (s.title.as_str(), s.body_md.as_str(), s.answered)),
            )
        })
        .await
        .map_err(|e| AppError::Internal(Box::new(e)))?;
        tracing::info!(
            ms = started.elapsed().as_millis() as u64,
            "coaching evidence learned"
        );
        let evidence = Arc::new(evidence);
        if let Ok(mut c) = self.coaching.current.write() {
            *c = Some((Instant::now(), evidence.clone()));
        }
        Ok(evidence)
    }
}
