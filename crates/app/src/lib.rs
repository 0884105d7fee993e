//! Stoa's use cases. Each public function is one thing a person does: it loads what it needs,
//! decides with `stoa_domain`, writes with `stoa_store`, and knows nothing of HTTP or HTML.

mod account_data;
mod accounts;
mod assistant;
mod badges;
mod bounties;
mod closing;
mod coaching;
mod credentials;
mod deflection;
mod error;
mod flags;
mod governance;
mod health;
mod integrity;
mod jobs_admin;
mod kb;
mod moderation;
mod notify;
mod plans;
mod profile;
mod questions;
mod rate_limit;
mod reputation;
mod review;
mod rewards;
mod search;
mod secrets;
mod social;
mod spam;
mod sso;
mod support;
mod tag_suggest;
mod ticket_clocks;
mod tickets;
mod totp;
mod two_factor;
mod views;
mod webhooks;

pub use secrets::{constant_time_eq, new_token, token_hash};

pub use account_data::{DELETIONS_JOB, DELETION_GRACE_DAYS, EXPORT_DAYS, EXPORT_JOB};
pub use accounts::{AuthUser, Credentials, SessionLogin, Signup, SignupInput};
pub use assistant::{
    AnswerWriter, AssistantAnswer, AssistantItem, WriteFuture, WrittenAnswer,
    MAX_TEXT as ASSISTANT_MAX_TEXT,
};
pub use badges::{BadgeInfo, Held, ProfileImpact};
pub use closing::CloseTally;
pub use coaching::{AnsweredDuplicate, DraftCoaching};
pub use credentials::{NewPersonalToken, TokenInput};
pub use deflection::{Arrival, AskSuggestions, SelfServiceStats, Visitor};
pub use error::AppError;
pub use flags::{flag_reasons, FlagInput, Flagged};
pub use health::{
    health_granularity, health_metric, health_window, HealthDetails, HealthReport, PlanReply,
    SeriesPoint,
};
pub use integrity::{ClientTraits, ScanReport};
pub use kb::{ArticleSummary, ArticleView, CategoryInput, PromoteInput};
pub use moderation::{LogEntry, LogQuery, ModerationInput, ModerationStats};
pub use notify::{
    Digest, MailMessage, MailOutcome, NotificationList, NotificationSettings, ReadWhich,
    Unsubscribed, MAX_READ_IDS,
};
pub use plans::{targets_for, Plan};
pub use profile::{gravatar_url, EmailChangedNotice, Profile, ProfileInput, PublicProfile};
pub use questions::{paging, EditInput, QuestionInput, QuestionView, MAX_PER_PAGE};
pub use rate_limit::{Limit, Limits};
pub use reputation::{privileges, Ledger, PrivilegeStatus};
pub use review::{QueueSummary, ReviewInput, ReviewItem};
pub use rewards::{manages_rewards, FormulaVersion, PeriodView, RewardsOverview, Statement};
pub use search::{SearchHit, SearchResults};
pub use spam::SpamFilterStatus;
pub use sso::{SsoClient, SsoIdentity};
pub use stoa_domain::support::Gap;
pub use stoa_store::account_data::ExportRow;
pub use stoa_store::badges::BadgeHolder;
pub use stoa_store::bounties::BountyRow;
pub use stoa_store::credentials::{SessionRow, TokenRow};
pub use stoa_store::deflection::SolvingPost;
pub use stoa_store::impact::{Impact, PastReward};
pub use stoa_store::jobs::{JobCounts, JobRow, NewJob};
pub use stoa_store::kb::{ArticleMeta, CategoryRow, FeedbackRow, HelpfulCounts};
pub use stoa_store::lists::{Page, QuestionSort, TagRow};
pub use stoa_store::mail::MailState;
pub use stoa_store::moderation::{
    ActionRow, AppealRow, CloseVoteRow, FlagRow, PostState, SuggestedEditRow,
};
pub use stoa_store::notify::{FollowRow, NotificationRow};
pub use stoa_store::plans::OrganizationRow;
pub use stoa_store::posts::{PostRow, RevisionRow};
pub use stoa_store::reputation::RepEventRow;
pub use stoa_store::rewards::{AllocationRow, ContributionRow, PeriodRow};
pub use stoa_store::social::CommentRow;
pub use stoa_store::sso::SsoLogin;
pub use stoa_store::support::{
    CannedReplyRow, DeflectionTrail, PublicationRow, TicketPage, TrailItem, TICKET_COUNT_CAP,
};
pub use stoa_store::tickets::{TicketEventRow, TicketMessageRow, TicketRow, NO_DUE};
pub use stoa_store::webhooks::{DeliveryRow, WebhookRow};
pub use stoa_store::{now, Backend, PoolStats, Store, StoreOptions};
pub use support::{ConsentInput, CoveringPost, PlanTimes, ProposeInput, ReportWeek, SupportReport};
pub use tag_suggest::TagSuggestion;
pub use tickets::{
    is_agent, AgentDesk, TicketChange, TicketInput, TicketQuery, TicketView, Written,
};
pub use two_factor::{TotpEnrolment, TwoFactorStatus};
pub use webhooks::{
    resolve_webhook, webhook_signature, CreatedWebhook, DeliveryStep, Outgoing, TryResult,
    WebhookInput, WebhookPatch,
};

/// Settings the use cases need; part of the binary's configuration.
#[derive(Debug, Clone)]
pub struct AppSettings {
    /// How long a browser session lasts without use, in seconds.
    pub session_ttl_secs: i64,
    /// Rate limits on sensitive actions.
    pub limits: Limits,
    /// The site's public address, for links in e-mail (no trailing slash).
    pub base_url: String,
    /// The community's name, for e-mail.
    pub site_name: String,
    /// Most notification and digest e-mails one person gets a day.
    pub mail_daily_cap: i64,
    /// Days after which a solved ticket closes by itself.
    pub auto_close_days: i64,
    /// Moderators and admins act as members until they turn on two-factor sign-in.
    pub require_two_factor_for_staff: bool,
    /// Let webhooks call loopback, private and link-local addresses (off: the SSRF guard).
    pub webhooks_allow_private: bool,
}

impl Default for AppSettings {
    fn default() -> Self {
        AppSettings {
            session_ttl_secs: 30 * 24 * 3600,
            limits: Limits::default(),
            base_url: "http://127.0.0.1:8080".into(),
            site_name: "Stoa".into(),
            mail_daily_cap: 50,
            auto_close_days: 4,
            require_two_factor_for_staff: false,
            webhooks_allow_private: false,
        }
    }
}

/// The application: the store plus settings. Cheap to clone; shared by every request.
#[derive(Clone, Debug)]
pub struct App {
    store: Store,
    settings: AppSettings,
    views: std::sync::Arc<views::ViewBuffer>,
    governance: std::sync::Arc<governance::Cache>,
    doc_freqs: std::sync::Arc<search::DocFreqCache>,
    /// Rate-limit counters in memory (SQLite: one process owns the database); `None` keeps
    /// them in the database.
    local_counters: Option<std::sync::Arc<rate_limit::LocalCounters>>,
    /// Fingerprints of recent posts for duplicate screening.
    fingerprints: std::sync::Arc<spam::FingerprintCache>,
    /// The spam model, parsed.
    spam_model: std::sync::Arc<spam::ModelCache>,
    /// The tag suggester's model (rebuilt from the database; never the only copy of anything).
    tag_models: std::sync::Arc<tag_suggest::TagModelCache>,
    /// What the site's questions show about coaching hints (learned from the database).
    coaching: std::sync::Arc<coaching::EvidenceCache>,
    /// The key that signs links in e-mail; it lives in the database, read once.
    signing_key: std::sync::Arc<tokio::sync::OnceCell<Vec<u8>>>,
    /// Called after a background job changed what pages show (the server empties its page
    /// cache); requests are covered by the web layer.
    content_hook: std::sync::Arc<std::sync::OnceLock<ContentHook>>,
    /// The operator's language model, when configured.
    answer_writer: std::sync::Arc<std::sync::OnceLock<WriterSlot>>,
}

/// The configured [`AnswerWriter`], and the permits for answers being written at once.
struct WriterSlot(
    std::sync::Arc<dyn AnswerWriter>,
    std::sync::Arc<tokio::sync::Semaphore>,
);

/// Answers a language model writes at once per process.
const WRITERS_AT_ONCE: usize = 4;

impl std::fmt::Debug for WriterSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AnswerWriter")
    }
}

/// A callback run when content changed outside a request.
pub struct ContentHook(Box<dyn Fn() + Send + Sync>);

impl std::fmt::Debug for ContentHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ContentHook")
    }
}

impl App {
    /// Wraps an open, migrated store.
    pub fn new(store: Store, settings: AppSettings) -> Self {
        let local_counters = (store.backend() == stoa_store::Backend::Sqlite)
            .then(|| std::sync::Arc::new(rate_limit::LocalCounters::default()));
        App {
            local_counters,
            fingerprints: Default::default(),
            spam_model: Default::default(),
            tag_models: Default::default(),
            coaching: Default::default(),
            store,
            settings,
            views: Default::default(),
            doc_freqs: Default::default(),
            governance: Default::default(),
            signing_key: Default::default(),
            content_hook: Default::default(),
            answer_writer: Default::default(),
        }
    }

    /// Sets the language model that writes answers from the assistant's passages (once).
    pub fn set_answer_writer(&self, writer: std::sync::Arc<dyn AnswerWriter>) {
        let _ = self.answer_writer.set(WriterSlot(
            writer,
            std::sync::Arc::new(tokio::sync::Semaphore::new(WRITERS_AT_ONCE)),
        ));
    }

    fn answer_writer(
        &self,
    ) -> Option<(
        std::sync::Arc<dyn AnswerWriter>,
        std::sync::Arc<tokio::sync::Semaphore>,
    )> {
        self.answer_writer.get().map(|w| (w.0.clone(), w.1.clone()))
    }

    /// Sets what to call when a background job changes what pages show (once; later calls
    /// are ignored).
    pub fn on_content_change(&self, hook: impl Fn() + Send + Sync + 'static) {
        let _ = self.content_hook.set(ContentHook(Box::new(hook)));
    }

    /// Tells the server that a background job changed what pages show.
    pub(crate) fn content_changed(&self) {
        if let Some(h) = self.content_hook.get() {
            (h.0)();
        }
    }

    /// The store, for health checks and metrics.
    pub fn store(&self) -> &Store {
        &self.store
    }

    fn tag_models(&self) -> &tag_suggest::TagModelCache {
        &self.tag_models
    }

    fn local_counters(&self) -> Option<&rate_limit::LocalCounters> {
        self.local_counters.as_deref()
    }

    fn views(&self) -> &views::ViewBuffer {
        &self.views
    }

    /// Sets the public address once it is known (a server bound to port 0 learns it late).
    pub fn set_base_url(&mut self, url: String) {
        self.settings.base_url = url;
    }

    /// The settings in force.
    pub fn settings(&self) -> &AppSettings {
        &self.settings
    }

    /// Housekeeping that keeps tables small: expired sessions and old rate-limit windows.
    pub async fn purge_expired(&self) -> Result<(), AppError> {
        let now = stoa_store::now();
        self.store.purge_expired_sessions(now).await?;
        self.store.purge_rate_limits(now - 24 * 3600).await?;
        if let Some(c) = self.local_counters() {
            c.purge(now);
        }
        Ok(())
    }
}
