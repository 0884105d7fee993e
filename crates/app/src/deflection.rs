//! Deflection: similar questions and articles shown while someone asks, and whether they
//! solved the problem. Each ask flow that showed suggestions is a session whose outcome is
//! solved, posted or abandoned (`stoa_domain::deflection` holds the rules).

use crate::secrets::{new_token, token_hash};
use crate::{App, AppError, AuthUser, SearchHit};
use stoa_domain::deflection::{
    daily_report, day_start, is_session_token, transition, DayStat, Event, Outcome,
    ABANDON_AFTER_SECS, DAY_SECS, MAX_STATS_DAYS, MAX_SUGGESTIONS, STATS_DAYS,
};
use stoa_domain::policy::{decide, Action, Target};
use stoa_store::deflection::{DeflectionSession, SolvingPost};

/// Most posts listed as "solved most often".
const TOP_SOLVING: i64 = 10;

/// The person in an ask flow: the logged-in user, if any, and a key of their browser, so that
/// anonymous visitors' sessions count too and nobody else can end them.
#[derive(Debug, Clone)]
pub struct Visitor {
    /// The logged-in user.
    pub user_id: Option<i64>,
    /// Whether the logged-in user is suspended (they may not give KB feedback).
    pub(crate) suspended: bool,
    key_hash: String,
}

impl Visitor {
    /// A visitor known by `browser_key`: the value of the browser's CSRF cookie, or its
    /// address when it has none. Only a hash of it is stored.
    pub fn new(user: Option<&AuthUser>, browser_key: &str) -> Self {
        Visitor {
            user_id: user.map(|u| u.id),
            suspended: user.is_some_and(|u| u.may_write().is_err()),
            key_hash: token_hash(&format!("stoa-visitor:{browser_key}")),
        }
    }

    /// An API client, known by its user.
    pub fn user(user: &AuthUser) -> Self {
        Self::new(Some(user), &format!("user:{}", user.id))
    }

    /// The stored key.
    pub(crate) fn key(&self) -> &str {
        &self.key_hash
    }

    /// Whose "was this helpful?" answer this is: a signed-in person's wherever they answer
    /// from (page or API, any browser), so that a person counts once; else the browser's.
    pub(crate) fn feedback_key(&self) -> String {
        match self.user_id {
            Some(id) => token_hash(&format!("stoa-visitor:user:{id}")),
            None => self.key_hash.clone(),
        }
    }

    /// The same browser, or the same logged-in person on another one.
    fn owns(&self, s: &DeflectionSession) -> bool {
        s.visitor_key == self.key_hash || (self.user_id.is_some() && s.user_id == self.user_id)
    }
}

/// Suggestions for a question being typed, and the session they belong to.
#[derive(Debug, Clone)]
pub struct AskSuggestions {
    /// The session token, once any suggestion was shown; it goes into the form and the links.
    pub token: Option<String>,
    /// Best first, at most [`MAX_SUGGESTIONS`].
    pub hits: Vec<SearchHit>,
}

/// What a page reached from a suggestion offers the visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// Ask whether this page solved the problem.
    Open,
    /// This page solved it; say thanks.
    Solved,
}

/// The self-service report.
#[derive(Debug, Clone)]
pub struct SelfServiceStats {
    /// One row per day, oldest first.
    pub days: Vec<DayStat>,
    /// The whole period.
    pub total: DayStat,
    /// The suggestions that solved most sessions.
    pub top: Vec<SolvingPost>,
}

impl App {
    /// Similar questions and articles for a draft, recorded in the visitor's session (begun
    /// with the first suggestion shown; `token` continues it).
    #[tracing::instrument(skip_all)]
    pub async fn ask_suggestions(
        &self,
        visitor: &Visitor,
        token: Option<&str>,
        title: &str,
        body: &str,
    ) -> Result<AskSuggestions, AppError> {
        let mut hits = self.similar(title, body, MAX_SUGGESTIONS).await?;
        if hits.is_empty() && !body.trim().is_empty() {
            // A long or chatty body ("thanks, it is urgent", an address) can dilute a title
            // that matches well on its own; the title alone is the better question then.
            hits = self.similar(title, "", MAX_SUGGESTIONS).await?;
        }
        let shown: Vec<i64> = hits.iter().map(|h| h.post_id).collect();
        let token = self.note_shown(visitor, token, title, &shown).await?;
        Ok(AskSuggestions { token, hits })
    }

    /// Notes passages the assistant showed: their questions and articles count as suggested
    /// in the visitor's session (begun now if need be), so that "Did this solve your
    /// problem?" and the people-helped credit work from them as from suggestions. The
    /// session's token; `None` when nothing was shown and no session was going.
    pub async fn record_passages_shown(
        &self,
        visitor: &Visitor,
        token: Option<&str>,
        query: &str,
        sources: &[i64],
    ) -> Result<Option<String>, AppError> {
        let mut unique: Vec<i64> = Vec::new();
        for id in sources {
            if !unique.contains(id) {
                unique.push(*id);
            }
        }
        self.note_shown(visitor, token, query, &unique).await
    }

    /// Records `post_ids` (in the order shown) as suggested in the visitor's session `token`,
    /// or a new one; the token.
    async fn note_shown(
        &self,
        visitor: &Visitor,
        token: Option<&str>,
        query: &str,
        post_ids: &[i64],
    ) -> Result<Option<String>, AppError> {
        let existing = match token {
            Some(t) => self.owned_session(visitor, t).await?.map(|s| (t, s)),
            None => None,
        };
        if post_ids.is_empty() {
            return Ok(existing.map(|(t, _)| t.to_string()));
        }
        let now = stoa_store::now();
        let (token, id) = match existing {
            Some((t, s)) => (t.to_string(), s.id),
            None => {
                // 128 random bits are plenty for a token that only records an outcome.
                let t: String = new_token("").chars().take(32).collect();
                let id = self
                    .store()
                    .insert_deflection_session(&token_hash(&t), visitor.user_id, visitor.key(), now)
                    .await?;
                tracing::info!(deflection.id = id, "deflection session begun");
                (t, id)
            }
        };
        let shown: Vec<(i64, i64)> = post_ids
            .iter()
            .zip(1..)
            .map(|(p, rank)| (*p, rank))
            .collect();
        let query: String = query.trim().chars().take(200).collect();
        self.store()
            .record_suggestions(id, &shown, &query, visitor.user_id, now)
            .await?;
        Ok(Some(token))
    }

    /// A visitor opened `post_id` from a suggestion of session `token`: notes it and says what
    /// the page should offer. `None` when the token is not theirs or did not suggest the post,
    /// so that a shared or forged link shows the page without the question.
    pub async fn deflection_arrival(
        &self,
        visitor: &Visitor,
        token: &str,
        post_id: i64,
    ) -> Result<Option<Arrival>, AppError> {
        let Some(s) = self.owned_session(visitor, token).await? else {
            return Ok(None);
        };
        if !self.store().was_suggested(s.id, post_id).await? {
            return Ok(None);
        }
        self.store()
            .mark_suggestion_opened(s.id, post_id, stoa_store::now())
            .await?;
        Ok(match Outcome::parse(s.outcome.as_deref()) {
            Some(Outcome::Solved) if s.solved_post_id == Some(post_id) => Some(Arrival::Solved),
            Some(o) if o.is_final() => None,
            _ => Some(Arrival::Open),
        })
    }

    /// "This solved my problem": ends the session as solved by `post_id`, which must be one of
    /// its suggestions. Pressing it again changes nothing.
    #[tracing::instrument(skip_all, fields(post.id = post_id))]
    pub async fn mark_solved(
        &self,
        visitor: &Visitor,
        token: &str,
        post_id: i64,
    ) -> Result<(), AppError> {
        let s = self
            .owned_session(visitor, token)
            .await?
            .ok_or(AppError::NotFound("deflection session"))?;
        if !self.store().was_suggested(s.id, post_id).await? {
            return Err(AppError::invalid(
                "not_suggested",
                "post_id",
                "That page was not among the suggestions shown while you were asking.",
            ));
        }
        let current = Outcome::parse(s.outcome.as_deref());
        match transition(current, Event::Solved) {
            Some(next) => {
                let set = self
                    .store()
                    .set_deflection_outcome(s.id, next.as_str(), Some(post_id), None, stoa_store::now())
                    .await?;
                tracing::info!(deflection.id = s.id, set, "deflection solved");
                Ok(())
            }
            None if current == Some(Outcome::Posted) => Err(AppError::Conflict {
                code: "already_posted",
                message: "You already posted your question from this search, so it cannot be marked as solved.".into(),
            }),
            None => Ok(()),
        }
    }

    /// The visitor asked anyway: ends their session (if they had one) as posted. Never fails
    /// for a missing or foreign session, because the question is what matters.
    pub async fn record_posted(
        &self,
        visitor: &Visitor,
        token: Option<&str>,
        question_id: i64,
    ) -> Result<(), AppError> {
        let Some(t) = token else { return Ok(()) };
        let Some(s) = self.owned_session(visitor, t).await? else {
            return Ok(());
        };
        if let Some(next) = transition(Outcome::parse(s.outcome.as_deref()), Event::Posted) {
            self.store()
                .set_deflection_outcome(
                    s.id,
                    next.as_str(),
                    None,
                    Some(question_id),
                    stoa_store::now(),
                )
                .await?;
        }
        Ok(())
    }

    /// The visitor filed a support ticket from the session: it ends as `posted` (asked a
    /// person) without a question, unless it had already ended.
    pub(crate) async fn record_ticket_filed(&self, s: &DeflectionSession) -> Result<(), AppError> {
        if let Some(next) = transition(Outcome::parse(s.outcome.as_deref()), Event::Posted) {
            self.store()
                .set_deflection_outcome(s.id, next.as_str(), None, None, stoa_store::now())
                .await?;
        }
        Ok(())
    }

    /// Housekeeping: stamps `abandoned` on sessions silent for [`ABANDON_AFTER_SECS`].
    pub async fn close_stale_deflections(&self) -> Result<u64, AppError> {
        let now = stoa_store::now();
        Ok(self
            .store()
            .close_stale_deflections(now - ABANDON_AFTER_SECS, now)
            .await?)
    }

    /// The self-service resolution rate by day over the last `days` days (default 30) and
    /// the suggestions that solve most often. Staff only.
    pub async fn self_service_stats(
        &self,
        user: &AuthUser,
        days: Option<i64>,
    ) -> Result<SelfServiceStats, AppError> {
        decide(&user.actor(), Action::SeeSelfServiceStats, Target::Site)?;
        let days = days.unwrap_or(STATS_DAYS);
        if !(1..=MAX_STATS_DAYS).contains(&days) {
            return Err(AppError::invalid(
                "invalid_days",
                "days",
                format!("days must be between 1 and {MAX_STATS_DAYS}."),
            ));
        }
        let now = stoa_store::now();
        let since = day_start(now) - (days - 1) * DAY_SECS;
        let counts = self
            .store()
            .deflection_days(since, now - ABANDON_AFTER_SECS)
            .await?;
        let (rows, total) = daily_report(&counts, now, days);
        let top = self.store().top_solving(since, TOP_SOLVING).await?;
        Ok(SelfServiceStats {
            days: rows,
            total,
            top,
        })
    }

    /// The session of `token` if it belongs to `visitor`; malformed tokens are not looked up.
    pub(crate) async fn owned_session(
        &self,
        visitor: &Visitor,
        token: &str,
    ) -> Result<Option<DeflectionSession>, AppError> {
        if !is_session_token(token) {
            return Ok(None);
        }
        Ok(self
            .store()
            .deflection_session(&token_hash(token))
            .await?
            .filter(|s| visitor.owns(s)))
    }
}
