//! The versioned JSON API under `/api/v1`, and its OpenAPI document generated from the handlers.

pub(crate) mod account_data;
mod assistant;

pub(crate) use assistant::escalate_url as assistant_escalate_url;
mod accounts;
mod badges;
mod bounties;
mod credentials;
mod deflection;
mod dto;
mod governance;
pub(crate) mod health;
mod json;
mod kb;
mod moderation;
mod notifications;
mod plans;
mod profile;
mod query;
mod questions;
mod review;
mod rewards;
mod search;
mod tickets;
mod two_factor;
mod users;
mod webhooks;

use crate::error::{ApiError, Problem};
use crate::AppState;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get, post};
use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub use json::{ApiJson, JsonOrEmpty};
pub use query::ApiQuery;

#[cfg(test)]
mod openapi_coverage;

/// The JSON API under `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/auth/signup", post(accounts::signup))
        .route("/auth/login", post(accounts::login))
        .route("/me", get(profile::me).patch(profile::update))
        .route(
            "/me/email",
            post(profile::change_email).delete(profile::cancel_email),
        )
        .route("/me/totp", get(two_factor::status).post(two_factor::begin))
        .route("/me/totp/confirm", post(two_factor::confirm))
        .route("/me/totp/recovery-codes", post(two_factor::recovery_codes))
        .route("/me/totp/disable", post(two_factor::disable))
        .route("/me/export", post(account_data::request))
        .route("/me/exports", get(account_data::list))
        .route("/me/exports/{id}/archive", get(account_data::archive))
        .route(
            "/me/delete",
            post(account_data::delete).delete(account_data::cancel),
        )
        .route(
            "/me/tokens",
            get(credentials::list_tokens).post(credentials::create_token),
        )
        .route("/me/tokens/{id}", delete(credentials::revoke_token))
        .route("/me/sessions", get(credentials::list_sessions))
        .route("/me/sessions/{id}", delete(credentials::end_session))
        .route("/me/password", post(credentials::change_password))
        .route("/questions", get(questions::list).post(questions::create))
        .route("/questions/coach", post(assistant::coach))
        .route("/questions/{id}", get(questions::show))
        .route("/questions/{id}/answers", post(questions::answer))
        .route("/questions/{id}/accept", post(questions::accept))
        .route("/questions/{id}/bounty", post(bounties::offer))
        .route("/questions/{id}/bounty/award", post(bounties::award))
        .route("/health", get(health::report))
        .route("/health/series", get(health::series))
        .route("/badges", get(badges::list))
        .route("/badges/{key}", get(badges::show))
        .route("/users/{id}/badges", get(badges::of_user))
        .route("/admin/badges/award", post(badges::award))
        .route(
            "/moderation/integrity-scan",
            post(moderation::integrity_scan),
        )
        .route(
            "/posts/{id}",
            axum::routing::patch(questions::edit).delete(questions::delete),
        )
        .route("/posts/{id}/comments", post(questions::comment))
        .route("/posts/{id}/vote", post(questions::vote))
        .route("/posts/{id}/revisions", get(questions::revisions))
        .route("/users/{id}", get(users::show))
        .route("/tags", get(users::tags))
        .route("/tags/suggest", get(assistant::suggest_tags))
        .route(
            "/governance/settings",
            get(governance::settings).put(governance::put_settings),
        )
        .route("/users/{id}/reputation", get(governance::reputation))
        .route("/users/{id}/privileges", get(governance::privileges))
        .route("/posts/{id}/flags", post(moderation::flag))
        .route("/posts/{id}/state", get(moderation::post_state))
        .route("/moderation/actions", post(moderation::act))
        .route("/moderation/actions/{id}", get(moderation::show_action))
        .route("/moderation/actions/{id}/appeal", post(moderation::appeal))
        .route("/moderation/log", get(moderation::log))
        .route("/moderation/stats", get(moderation::stats))
        .route("/moderation/appeals", get(moderation::appeals))
        .route(
            "/moderation/appeals/{id}/decision",
            post(moderation::decide),
        )
        .route("/review", get(review::queues))
        .route("/review/{queue}", get(review::queue))
        .route("/review/{queue}/{id}", post(review::review))
        .route("/posts/{id}/suggested-edits", post(review::suggest))
        .route("/suggested-edits/{id}", get(review::show_suggestion))
        .route(
            "/suggested-edits/{id}/review",
            post(review::review_suggestion),
        )
        .route("/posts/{id}/rollback", post(review::rollback))
        .route("/questions/{id}/close", post(review::close))
        .route("/questions/{id}/reopen", post(review::reopen))
        .route("/search", get(search::search))
        .route("/assistant", post(assistant::ask))
        .route("/similar", get(search::similar))
        .route("/deflection/stats", get(deflection::stats))
        .route("/categories", get(kb::categories).post(kb::create_category))
        .route("/articles", get(kb::list))
        .route("/articles/{id}", get(kb::show))
        .route("/articles/{id}/feedback", post(kb::feedback))
        .route("/posts/{id}/promote", post(kb::promote))
        .route("/notifications", get(notifications::list))
        .route("/notifications/read", post(notifications::read))
        .route(
            "/me/notification-settings",
            get(notifications::get_settings).put(notifications::put_settings),
        )
        .route("/follows", post(notifications::follow))
        .route(
            "/follows/{id}",
            axum::routing::delete(notifications::unfollow),
        )
        .route("/me/follows", get(notifications::follows))
        .route("/usernames", get(notifications::usernames))
        .route("/auth/password-reset", post(notifications::password_reset))
        .route(
            "/auth/password-reset/confirm",
            post(notifications::password_reset_confirm),
        )
        .route("/auth/confirm-email", post(notifications::confirm_email))
        .route("/admin/jobs", get(notifications::jobs))
        .route("/admin/jobs/{id}/retry", post(notifications::retry_job))
        .route("/admin/digests", post(notifications::send_digests))
        .route("/plans", get(plans::list).post(plans::create))
        .route("/users/{id}/plan", axum::routing::put(plans::set_user_plan))
        .route(
            "/organizations",
            get(plans::organizations).post(plans::create_organization),
        )
        .route("/tickets", get(tickets::list).post(tickets::create))
        .route("/tickets/{id}", get(tickets::show).patch(tickets::change))
        .route("/tickets/{id}/messages", post(tickets::message))
        .route("/tickets/{id}/publish", post(tickets::publish))
        .route("/tickets/{id}/consent", post(tickets::consent))
        .route("/tickets/{id}/rating", post(tickets::rating))
        .route("/tickets/{id}/coverage", post(tickets::coverage))
        .route(
            "/canned-replies",
            get(tickets::canned_list).post(tickets::canned_create),
        )
        .route("/canned-replies/{id}", delete(tickets::canned_delete))
        .route("/support/report", get(tickets::report))
        .route("/rewards", get(rewards::overview))
        .route("/rewards/formulas", post(rewards::publish_formula))
        .route("/rewards/periods", post(rewards::open_period))
        .route("/rewards/periods/{id}", get(rewards::period))
        .route("/rewards/periods/{id}/close", post(rewards::close_period))
        .route("/rewards/periods/{id}/users/{uid}", get(rewards::statement))
        .route("/rewards/periods/{id}/payouts.csv", get(rewards::payouts))
        .route(
            "/me/rewards",
            get(rewards::preferences).put(rewards::set_preferences),
        )
        .route("/webhooks", get(webhooks::list).post(webhooks::create))
        .route(
            "/webhooks/{id}",
            get(webhooks::show)
                .patch(webhooks::update)
                .delete(webhooks::delete),
        )
        .route("/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route(
            "/webhooks/{id}/deliveries/{did}/redeliver",
            post(webhooks::redeliver),
        )
}

/// Ids in paths are positive integers; anything else names nothing, so it is a 404.
pub fn parse_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        ApiError(Problem::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "No such item.",
        ))
    })
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Stoa API", version = "1", description = "The JSON API of a Stoa community help center. \
        Authenticate with `Authorization: Bearer <token>`; errors are `{\"error\": {\"code\", \"message\"}}`."),
    paths(
        accounts::signup, accounts::login, profile::me, profile::update, profile::change_email,
        profile::cancel_email, two_factor::status, two_factor::begin, two_factor::confirm,
        two_factor::recovery_codes, two_factor::disable, account_data::request,
        account_data::list, account_data::archive, account_data::delete, account_data::cancel,
        questions::list, questions::create, questions::show, questions::answer, questions::accept,
        questions::comment, questions::vote, questions::edit, questions::delete, questions::revisions,
        users::show, users::tags, search::search, search::similar, assistant::ask, assistant::suggest_tags, assistant::coach,
        deflection::stats, kb::categories, kb::create_category, kb::list, kb::show, kb::promote, kb::feedback,
        governance::settings, governance::put_settings, governance::reputation, governance::privileges,
        moderation::flag, moderation::post_state, moderation::act, moderation::show_action, moderation::appeal,
        moderation::log, moderation::stats, moderation::appeals, moderation::decide,
        review::queues, review::queue, review::review, review::suggest, review::show_suggestion,
        review::review_suggestion, review::rollback, review::close, review::reopen,
        notifications::list, notifications::read, notifications::get_settings, notifications::put_settings,
        notifications::follow, notifications::unfollow, notifications::follows, notifications::usernames,
        notifications::password_reset, notifications::password_reset_confirm, notifications::confirm_email,
        notifications::jobs, notifications::retry_job, notifications::send_digests,
        plans::list, plans::create, plans::set_user_plan, plans::organizations, plans::create_organization,
        tickets::create, tickets::list, tickets::show, tickets::message, tickets::change,
        tickets::publish, tickets::consent, tickets::rating, tickets::coverage,
        tickets::canned_list, tickets::canned_create, tickets::canned_delete, tickets::report,
        rewards::overview, rewards::publish_formula, rewards::open_period, rewards::period,
        rewards::close_period, rewards::statement, rewards::payouts, rewards::preferences,
        rewards::set_preferences,
        bounties::offer, bounties::award, badges::list, badges::show, badges::of_user, badges::award,
        moderation::integrity_scan, health::report, health::series,
        credentials::list_tokens, credentials::create_token, credentials::revoke_token,
        credentials::list_sessions, credentials::end_session, credentials::change_password,
        webhooks::list, webhooks::create, webhooks::show, webhooks::update, webhooks::delete,
        webhooks::deliveries, webhooks::redeliver,
    ),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail)),
    modifiers(&BearerAuth),
    tags(
        (name = "accounts", description = "Sign-up, log-in and the current user"),
        (name = "questions", description = "Questions, answers, acceptance and tags"),
        (name = "posts", description = "Operations on any post: comments, votes, edits, history, deletion"),
        (name = "users", description = "Public profiles"),
        (name = "search", description = "Full-text search, similar-question suggestions and the self-service (deflection) report"),
        (name = "knowledge-base", description = "Categories, articles, promoting answers to articles, and \"was this helpful?\""),
        (name = "governance", description = "Privilege thresholds, reputation points, spam rules and write limits"),
        (name = "moderation", description = "Flags, moderation actions, the public moderation log, statistics and appeals"),
        (name = "review", description = "Review queues, suggested edits and close votes"),
        (name = "support", description = "Support plans, organizations and private tickets with SLA clocks"),
        (name = "badges", description = "Bronze, silver and gold badges awarded by rules, and badges imported from Stack Exchange"),
        (name = "rewards", description = "Fair value sharing: the published formula, reward periods, statements, fairness figures and payouts"),
        (name = "health", description = "Commons health: public metrics of activity, concentration, self-service and governance, with series as JSON or CSV"),
        (name = "notifications", description = "Notifications, their settings, follows of tags, questions and people, and the job queue behind them"),
        (name = "webhooks", description = "Signed HTTP deliveries of events, retried for a day, with a delivery log and redelivery"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = doc.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// The OpenAPI 3 document, as JSON text.
pub fn openapi_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".into())
}

async fn openapi() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        openapi_json(),
    )
}
