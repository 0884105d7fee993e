//! Spam and abuse defence: write rate limits, new-member limits, duplicate detection and the
//! learned classifier that holds likely spam for review and learns from moderators' decisions.

use crate::rate_limit::Limit;
use crate::{App, AppError, AuthUser};
use stoa_domain::governance::RateLimit;
use stoa_domain::policy::Privilege;
use stoa_domain::screening::{
    needs_link_history, screen_fingerprinted, Earlier, Facts, Fingerprint, Screening,
};
use stoa_domain::spam::SpamModel;
use stoa_store::governance::{NewSpamDecision, SpamDecisionRow};
use stoa_store::posts::PostRow;

/// How far back duplicates are looked for across the whole site (the author's own posts are
/// always compared).
const DUPLICATE_WINDOW_SECS: i64 = 7 * 86_400;
/// Most earlier posts compared with a new one, from the author and from the whole site each:
/// a spam wave or a re-post is recent, and every candidate costs a read and a comparison on
/// every new post (300 each made answers CPU-bound in the benchmark).
const DUPLICATE_CANDIDATES: i64 = 100;

/// Most fingerprints kept (a few hundred bytes each); past it the cache starts over.
const FINGERPRINT_CACHE_MAX: usize = 4_096;

/// Fingerprints of earlier posts by (post id, revision count): an edit makes a new entry.
pub(crate) type FingerprintCache =
    std::sync::Mutex<std::collections::HashMap<(i64, i64), std::sync::Arc<Fingerprint>>>;

/// The parsed spam model and when it was read: reading and parsing it for every new post cost
/// more than screening the post. A decision learned here replaces it at once; another
/// process's shows within [`crate::governance::TTL`].
#[derive(Debug, Default)]
pub(crate) struct ModelCache {
    inner: std::sync::RwLock<Option<(std::time::Instant, std::sync::Arc<SpamModel>)>>,
}

fn limit(l: RateLimit) -> Limit {
    Limit {
        max: l.max,
        window_secs: l.window_secs,
    }
}

/// What the classifier knows, for the moderators' page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpamFilterStatus {
    /// Spam decisions learned.
    pub spam_examples: u64,
    /// Not-spam decisions learned.
    pub ham_examples: u64,
    /// Probability from which a post is held.
    pub threshold: f64,
}

impl App {
    /// Counts a write by `user_id` (if known) and from `ip`; refuses with 429 over either limit.
    pub async fn check_write_limits(&self, user_id: Option<i64>, ip: &str) -> Result<(), AppError> {
        let limits = self.governance().await?.limits;
        if let Some(id) = user_id {
            self.check_and_hit(&format!("write:user:{id}"), limit(limits.per_user))
                .await?;
        }
        if !ip.is_empty() {
            self.check_and_hit(&format!("write:ip:{ip}"), limit(limits.per_ip))
                .await?;
        }
        Ok(())
    }

    /// Decides whether a new question or answer is published, held (with the reasons) or
    /// refused: new members' posting speed, links, duplicates and the classifier. The post's
    /// fingerprint comes back with the decision, for [`App::after_new_post`] to keep.
    pub(crate) async fn screen_new_post(
        &self,
        user: &AuthUser,
        parent_id: Option<i64>,
        title: &str,
        body_md: &str,
        html: &str,
        text: &str,
    ) -> Result<Screened, AppError> {
        let gov = self.governance().await?;
        let actor = user.actor();
        let trusted = actor.has(Privilege::TrustedFlag);
        if !trusted && user.reputation < gov.spam.new_user_below {
            self.check_and_hit(
                &format!("posts:new:{}", user.id),
                limit(gov.limits.new_user_posts),
            )
            .await?;
        }
        let now = stoa_store::now();
        let earlier = self
            .earlier_posts(user.id, now - DUPLICATE_WINDOW_SECS)
            .await?;
        let model = self.spam_model().await?;
        let full = screened_text(title, text);
        let fingerprint = std::sync::Arc::new(Fingerprint::of(&full));
        let facts = Facts {
            text: &full,
            html,
            author_id: user.id,
            parent_id,
            reputation: user.reputation,
            trusted,
            recent_link_posts: if needs_link_history(html) {
                self.store().link_posts_since(user.id, now - 3_600).await?
            } else {
                0
            },
            spam_probability: model.spam_probability(&classifier_text(title, body_md)),
            spam_threshold: model.threshold(),
        };
        let held = match screen_fingerprinted(&gov.spam, &facts, &fingerprint, &earlier) {
            Screening::Publish => None,
            Screening::Hold(reasons) => Some(reasons),
            Screening::DuplicateOfOwn { post_id } => {
                return Err(AppError::Conflict {
                    code: "duplicate_post",
                    message: format!("You already posted this (post {post_id}). Edit that post instead of posting it again."),
                })
            }
        };
        Ok(Screened { held, fingerprint })
    }

    /// The posts a new one is compared with, fingerprinted: texts seen before (same post, same
    /// revision) come from the cache, so only new posts are read and hashed.
    async fn earlier_posts(&self, author_id: i64, since: i64) -> Result<Vec<Earlier>, AppError> {
        let keys = self
            .store()
            .duplicate_candidates(author_id, since, DUPLICATE_CANDIDATES)
            .await?;
        let cached = |id: i64, rev: i64| {
            self.fingerprints
                .lock()
                .ok()
                .and_then(|c| c.get(&(id, rev)).cloned())
        };
        let missing: Vec<i64> = keys
            .iter()
            .filter(|(id, _, _, rev)| cached(*id, *rev).is_none())
            .map(|k| k.0)
            .collect();
        let texts = self.store().post_texts(&missing).await?;
        let mut out = Vec::with_capacity(keys.len());
        for (post_id, author_id, parent_id, rev) in keys {
            let fingerprint = match (cached(post_id, rev), texts.get(&post_id)) {
                (Some(f), _) => f,
                (None, Some((title, body))) => {
                    let f = std::sync::Arc::new(Fingerprint::of(&screened_text(title, body)));
                    self.remember_fingerprint(post_id, rev, f.clone());
                    f
                }
                (None, None) => continue,
            };
            out.push(Earlier {
                post_id,
                author_id,
                parent_id,
                fingerprint,
            });
        }
        Ok(out)
    }

    /// Keeps a post's fingerprint for later screenings. When full, the older half (by post id)
    /// goes: new posts are compared with recent ones.
    fn remember_fingerprint(&self, post_id: i64, revision: i64, f: std::sync::Arc<Fingerprint>) {
        if let Ok(mut c) = self.fingerprints.lock() {
            if c.len() >= FINGERPRINT_CACHE_MAX {
                let mut ids: Vec<i64> = c.keys().map(|k| k.0).collect();
                let mid = ids.len() / 2;
                let (_, median, _) = ids.select_nth_unstable(mid);
                let median = *median;
                c.retain(|k, _| k.0 > median);
            }
            c.insert((post_id, revision), f);
        }
    }

    /// After inserting a post (a held one carries the spam filter's flag, written with it):
    /// its fingerprint is kept so the next posts need not read it back.
    pub(crate) async fn after_new_post(
        &self,
        id: i64,
        screened: Screened,
    ) -> Result<PostRow, AppError> {
        self.remember_fingerprint(id, 1, screened.fingerprint);
        if screened.held.is_some() {
            tracing::info!(post.id = id, "post held for review");
        }
        self.store()
            .post(id)
            .await?
            .ok_or(AppError::NotFound("post"))
    }

    /// Screens a comment like a post (links from new members, the classifier), without the
    /// duplicate rules (short comments repeat innocently). Comments have no held state, so one
    /// that would be held is refused with the reasons, and nothing is written.
    pub(crate) async fn screen_comment(
        &self,
        user: &AuthUser,
        body_md: &str,
        html: &str,
    ) -> Result<(), AppError> {
        let gov = self.governance().await?;
        let trusted = user.actor().has(Privilege::TrustedFlag);
        let text = stoa_markdown::plain_text(html);
        let model = self.spam_model().await?;
        let now = stoa_store::now();
        let facts = Facts {
            text: &text,
            html,
            author_id: user.id,
            parent_id: None,
            reputation: user.reputation,
            trusted,
            recent_link_posts: if needs_link_history(html) {
                self.store().link_posts_since(user.id, now - 3_600).await?
            } else {
                0
            },
            spam_probability: model.spam_probability(body_md),
            spam_threshold: model.threshold(),
        };
        let fingerprint = Fingerprint::of(&text);
        match screen_fingerprinted(&gov.spam, &facts, &fingerprint, &[]) {
            Screening::Hold(reasons) => Err(AppError::Invalid {
                code: "looks_like_spam",
                field: Some("body"),
                message: format!(
                    "This comment looks like spam to our filter ({}), so it was not posted. Remove the links or reword it; if it is fine, a moderator can help.",
                    reasons.join("; ")
                ),
            }),
            _ => Ok(()),
        }
    }

    /// Drops this process's copy of the spam model.
    pub(crate) fn forget_spam_model(&self) {
        if let Ok(mut guard) = self.spam_model.inner.write() {
            *guard = None;
        }
    }

    /// The spam model as moderators have trained it (untrained on a new site).
    pub(crate) async fn spam_model(&self) -> Result<std::sync::Arc<SpamModel>, AppError> {
        if let Ok(guard) = self.spam_model.inner.read() {
            if let Some((at, m)) = guard.as_ref() {
                if at.elapsed() < crate::governance::TTL {
                    return Ok(m.clone());
                }
            }
        }
        let model = match self
            .store()
            .setting(stoa_store::governance::SPAM_MODEL_KEY)
            .await?
        {
            Some(json) if !json.is_empty() => serde_json::from_str(&json).map_err(|e| {
                AppError::Internal(
                    format!("the stored spam model cannot be read ({e}); retrain it").into(),
                )
            })?,
            _ => SpamModel::new(),
        };
        let model = std::sync::Arc::new(model);
        if let Ok(mut guard) = self.spam_model.inner.write() {
            *guard = Some((std::time::Instant::now(), model.clone()));
        }
        Ok(model)
    }

    /// What the classifier has learned so far.
    pub async fn spam_filter_status(&self) -> Result<SpamFilterStatus, AppError> {
        let m = self.spam_model().await?;
        Ok(SpamFilterStatus {
            spam_examples: m.examples().spam,
            ham_examples: m.examples().ham,
            threshold: m.threshold(),
        })
    }

    /// Teaches the classifier a moderator's decision about a post; a later decision on the same
    /// post replaces the earlier one exactly (untrain, then train).
    pub(crate) async fn learn(
        &self,
        post_id: i64,
        title: &str,
        body_md: &str,
        is_spam: bool,
        by: i64,
    ) -> Result<(), AppError> {
        let text = classifier_text(title, body_md);
        let decision = NewSpamDecision {
            post_id: Some(post_id),
            text: &text,
            is_spam,
            decided_by: Some(by),
        };
        self.store()
            .learn_spam(
                &decision,
                stoa_store::now(),
                |stored: Option<String>, superseded: &[SpamDecisionRow]| {
                    let mut model = match stored {
                        Some(json) => {
                            serde_json::from_str::<SpamModel>(&json).map_err(|e| e.to_string())?
                        }
                        None => SpamModel::new(),
                    };
                    for old in superseded {
                        // A decision the model cannot untrain (e.g. learned before a reset) is skipped:
                        // the new decision still counts.
                        if let Err(e) = model.untrain(&old.text, old.is_spam) {
                            tracing::warn!(error = %e, "spam decision could not be untrained");
                        }
                    }
                    model.train(&text, is_spam);
                    serde_json::to_string(&model).map_err(|e| e.to_string())
                },
            )
            .await?;
        // Forget this process's copy: the next post is screened with what was just learned.
        self.forget_spam_model();
        tracing::info!(
            post.id = post_id,
            spam = is_spam,
            "spam filter learned a decision"
        );
        Ok(())
    }
}

/// What screening decided about a new post, with the fingerprint it compared.
#[derive(Debug)]
pub(crate) struct Screened {
    /// The reasons to hold it, or `None` to publish it.
    pub(crate) held: Option<Vec<String>>,
    fingerprint: std::sync::Arc<Fingerprint>,
}

impl Screened {
    /// The text of the spam filter's flag on a held post (at most 500 characters).
    pub(crate) fn hold_reason(&self) -> Option<String> {
        self.held.as_ref().map(|reasons| {
            format!("Held by the spam filter: {}.", reasons.join("; "))
                .chars()
                .take(500)
                .collect()
        })
    }
}

/// The text duplicates are judged on: the title (if any) over the plain text.
fn screened_text(title: &str, text: &str) -> String {
    if title.is_empty() {
        text.to_string()
    } else {
        format!("{title}\n{text}")
    }
}

/// The text the classifier reads: the title and the Markdown, as a person wrote them.
fn classifier_text(title: &str, body_md: &str) -> String {
    if title.is_empty() {
        body_md.to_string()
    } else {
        format!("{title}\n{body_md}")
    }
}
