//! Tag suggestions for a question being written, from a model of the site's own tagged
//! questions (`stoa_domain::tag_suggest`). The model lives in memory but is only ever a
//! derivative of the database: built from it on first use, taught each question asked through
//! this process as it is asked, and rebuilt in the background every five minutes, or within a
//! minute once the change feed says another process changed content, so that questions asked
//! through other processes, edits and deletions reach it too.

use crate::{App, AppError};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use stoa_domain::tag_suggest::{TagModel, MAX_SUGGESTIONS};

/// How long a built model serves before it is rebuilt from the database.
const REFRESH: Duration = Duration::from_secs(300);
/// After another process changed content, the soonest a model is rebuilt (at most once a
/// minute, however busy the site).
const CHANGED_REFRESH: Duration = Duration::from_secs(60);
/// Newest questions learned from at a rebuild.
const TRAIN_LIMIT: i64 = 50_000;
/// Longest title read.
const MAX_TITLE_CHARS: usize = 300;
/// Longest body read.
const MAX_BODY_CHARS: usize = 50_000;

/// One suggested tag.
#[derive(Debug, Clone, PartialEq)]
pub struct TagSuggestion {
    /// The tag.
    pub tag: String,
    /// How strongly the draft points to it, in (0, 1]; the best has 1.
    pub score: f64,
}

struct Built {
    model: RwLock<TagModel>,
    at: Instant,
}

/// The current model, and a lock that lets one rebuild run at a time.
#[derive(Default)]
pub(crate) struct TagModelCache {
    current: RwLock<Option<Arc<Built>>>,
    rebuilding: Arc<tokio::sync::Mutex<()>>,
    /// Another process changed content since the model was built (the change feed says).
    changed_elsewhere: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for TagModelCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TagModelCache")
    }
}

impl TagModelCache {
    fn get(&self) -> Option<Arc<Built>> {
        self.current.read().ok().and_then(|c| c.clone())
    }

    fn set(&self, built: Arc<Built>) {
        if let Ok(mut c) = self.current.write() {
            *c = Some(built);
        }
    }
}

fn invalid(field: &'static str, message: &str) -> AppError {
    AppError::Invalid {
        code: "invalid_draft",
        field: Some(field),
        message: message.into(),
    }
}

impl App {
    /// Up to five of the site's tags for a draft, best first.
    pub async fn suggest_tags(
        &self,
        title: &str,
        body: &str,
    ) -> Result<Vec<TagSuggestion>, AppError> {
        if title.trim().is_empty() && body.trim().is_empty() {
            return Err(invalid(
                "title",
                "Give a title or a body to suggest tags for.",
            ));
        }
        if title.chars().count() > MAX_TITLE_CHARS {
            return Err(invalid(
                "title",
                "The title is too long to suggest tags for (at most 300 characters).",
            ));
        }
        if body.chars().count() > MAX_BODY_CHARS {
            return Err(invalid(
                "body",
                "The body is too long to suggest tags for (at most 50,000 characters).",
            ));
        }
        let built = self.tag_model().await?;
        let model = built
            .model
            .read()
            .map_err(|_| AppError::Internal("tag model lock poisoned".into()))?;
        Ok(model
            .suggest(title, body, MAX_SUGGESTIONS)
            .into_iter()
            .map(|s| TagSuggestion {
                tag: s.tag,
                score: s.score,
            })
            .collect())
    }

    /// Notes that another process changed content (from the change feed): the model is
    /// rebuilt within a minute rather than five.
    pub fn content_changed_elsewhere(&self) {
        self.tag_models()
            .changed_elsewhere
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Teaches the model (when built) a question just published through this process.
    pub(crate) fn learn_tags(&self, title: &str, body_text: &str, tags: &[String]) {
        if let Some(built) = self.tag_models().get() {
            if let Ok(mut m) = built.model.write() {
                m.learn(title, body_text, tags);
            }
        }
    }

    /// The model: built now on first use; when older than [`REFRESH`], served while one
    /// background task rebuilds it.
    async fn tag_model(&self) -> Result<Arc<Built>, AppError> {
        if let Some(built) = self.tag_models().get() {
            let age = built.at.elapsed();
            let changed = self
                .tag_models()
                .changed_elsewhere
                .load(std::sync::atomic::Ordering::Relaxed);
            if age >= REFRESH || (changed && age >= CHANGED_REFRESH) {
                // One rebuild at a time: the task holds the lock it took here, so requests
                // meanwhile find it taken and start none.
                if let Ok(one) = self.tag_models().rebuilding.clone().try_lock_owned() {
                    let app = self.clone();
                    app.tag_models()
                        .changed_elsewhere
                        .store(false, std::sync::atomic::Ordering::Relaxed);
                    tokio::spawn(async move {
                        let _one = one;
                        match app.build_tag_model().await {
                            Ok(b) => app.tag_models().set(b),
                            Err(e) => tracing::warn!(error = %e, "tag model rebuild failed"),
                        }
                    });
                }
            }
            return Ok(built);
        }
        let _one = self.tag_models().rebuilding.lock().await;
        if let Some(built) = self.tag_models().get() {
            return Ok(built);
        }
        let built = self.build_tag_model().await?;
        self.tag_models().set(built.clone());
        Ok(built)
    }

    async fn build_tag_model(&self) -> Result<Arc<Built>, AppError> {
        let rows = self.store().tagged_questions(TRAIN_LIMIT).await?;
        let started = Instant::now();
        let model = tokio::task::spawn_blocking(move || {
            let mut m = TagModel::new();
            // Oldest first, as they were asked.
            for q in rows.iter().rev() {
                let tags: Vec<String> = q.tags.split_whitespace().map(str::to_string).collect();
                m.learn(&q.title, &q.body_text, &tags);
            }
            m
        })
        .await
        .map_err(|e| AppError::Internal(Box::new(e)))?;
        tracing::info!(
            questions = model.questions(),
            ms = started.elapsed().as_millis() as u64,
            "tag model built"
        );
        Ok(Arc::new(Built {
            model: RwLock::new(model),
            at: Instant::now(),
        }))
    }
}
