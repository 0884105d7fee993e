//! The public moderation log (`/moderation`) with its statistics, one action with its appeal,
//! the moderators' appeals queue, and the forms moderators act through.

use super::view::{parse_page, question_url, Pager, When};
use super::{parse_id, render, Layout};
use crate::auth::PageUser;
use crate::csrf::CsrfForm;
use crate::error::{PageError, Problem};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use stoa_app::{ActionRow, AppError, AppealRow, LogQuery, ModerationInput};
use stoa_domain::moderation::{Category, CloseReason, ModAction};
use stoa_domain::post_kind::PostKind;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/moderation", get(log))
        .route("/moderation/actions", post(create_action))
        .route("/moderation/actions/{id}", get(show_action))
        .route("/moderation/actions/{id}/appeal", post(create_appeal))
        .route("/moderation/appeals", get(appeals))
        .route("/moderation/appeals/{id}/decision", post(decide_appeal))
        .route("/posts/{id}/moderate", get(moderate_post))
        .route("/users/{id}/moderate", get(moderate_user))
}

/// Errors a person can act on are shown in the form; the rest become error pages.
pub(crate) fn form_error(e: AppError) -> Result<Problem, PageError> {
    match e {
        e @ (AppError::Invalid { .. }
        | AppError::Conflict { .. }
        | AppError::Forbidden(_)
        | AppError::RateLimited { .. }) => Ok(Problem::from(e)),
        other => Err(other.into()),
    }
}

/// A form's optional id field: empty is none, anything else must be a positive number.
pub(crate) fn optional_id(raw: &str, field: &'static str) -> Result<Option<i64>, AppError> {
    let s = raw.trim().trim_start_matches('#');
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(Some)
        .ok_or_else(|| {
            AppError::invalid("invalid_number", field, format!("“{s}” is not a number."))
        })
}

/// One entry of the log, ready to print.
pub struct EntryView {
    pub id: i64,
    pub when: When,
    /// Moderator (id, name); `None` is the community.
    pub actor: Option<(i64, String)>,
    /// "deleted", "suspended"…
    pub verb: &'static str,
    pub action: String,
    pub target: String,
    pub target_href: Option<String>,
    pub category: &'static str,
    pub reason: String,
    pub reversed: bool,
    pub appeal: Option<String>,
    pub private_detail: Option<String>,
    pub duration: Option<String>,
}

pub(crate) fn entry_view(row: &ActionRow, private_visible: bool, now: i64) -> EntryView {
    let action = ModAction::parse(&row.action).ok();
    let (target, target_href) = match (&row.question, &row.target_username) {
        (Some((qid, title)), _) if *qid == row.target_id => (
            format!("the question “{title}”"),
            Some(question_url(*qid, title)),
        ),
        (Some((qid, title)), _) => (
            format!("an answer to “{title}”"),
            Some(format!(
                "{}#answer-{}",
                question_url(*qid, title),
                row.target_id
            )),
        ),
        (None, Some(name)) => (
            format!("the account of {name}"),
            Some(format!("/users/{}", row.target_id)),
        ),
        _ => (format!("{} {}", row.target_type, row.target_id), None),
    };
    EntryView {
        id: row.id,
        when: When::at(row.created_at, now),
        actor: row.actor_id.zip(row.actor_name.clone()),
        verb: action.map_or("acted on", ModAction::past),
        action: row.action.clone(),
        target,
        target_href,
        category: Category::parse(&row.category).map_or("Other", Category::label),
        reason: row.reason.clone(),
        reversed: row.reversed_at.is_some(),
        appeal: row.appeal_status.clone(),
        private_detail: (private_visible && !row.private_detail.is_empty())
            .then(|| row.private_detail.clone()),
        duration: row.duration_hours.map(|h| {
            if h % 24 == 0 {
                format!("{} days", h / 24)
            } else {
                format!("{h} hours")
            }
        }),
    }
}

/// A bar of the weekly chart.
pub struct WeekBar {
    pub label: String,
    pub actions: i64,
    pub reversed: i64,
}

#[derive(Template)]
#[template(path = "moderation.html")]
struct LogPage {
    l: Layout,
    entries: Vec<EntryView>,
    pager: Pager,
    total: i64,
    weeks: usize,
    stat_total: i64,
    stat_reversed: i64,
    reversal_rate: String,
    by_action: Vec<(&'static str, i64)>,
    by_moderator: Vec<(Option<(i64, String)>, i64)>,
    weekly: Vec<WeekBar>,
    max_week: i64,
    actions: Vec<(&'static str, &'static str)>,
    categories: Vec<(&'static str, &'static str)>,
    action: String,
    category: String,
    can_see_appeals: bool,
}

#[derive(Deserialize)]
struct LogFilters {
    action: Option<String>,
    category: Option<String>,
    page: Option<String>,
}

async fn log(
    State(state): State<AppState>,
    l: Layout,
    Query(f): Query<LogFilters>,
) -> Result<Response, PageError> {
    let page = parse_page(f.page.as_deref());
    // Unknown filter values from a hand-edited URL are ignored rather than an error page.
    let action = f
        .action
        .filter(|a| ModAction::parse(a).is_ok())
        .unwrap_or_default();
    let category = f
        .category
        .filter(|c| Category::parse(c).is_ok())
        .unwrap_or_default();
    let q = LogQuery {
        action: Some(action.clone()).filter(|a| !a.is_empty()),
        category: Some(category.clone()).filter(|c| !c.is_empty()),
        actor_id: None,
        page: Some(page),
        per_page: Some(30),
    };
    let rows = state.app.moderation_log(l.user.as_ref(), &q).await?;
    let stats = state.app.moderation_stats(12).await?;
    let now = stoa_app::now();
    let link = |n: i64| {
        let mut qs = vec![format!("page={n}")];
        if !action.is_empty() {
            qs.push(format!("action={action}"));
        }
        if !category.is_empty() {
            qs.push(format!("category={category}"));
        }
        format!("/moderation?{}", qs.join("&"))
    };
    let s = &stats.stats;
    let weekly: Vec<WeekBar> = s
        .weekly
        .iter()
        .map(|w| WeekBar {
            label: stoa_domain::time::format_utc(w.week_start)[..10].to_string(),
            actions: w.actions,
            reversed: w.reversed,
        })
        .collect();
    Ok(render(&LogPage {
        entries: rows
            .items
            .iter()
            .map(|e| entry_view(&e.row, e.private_visible, now))
            .collect(),
        pager: Pager::new(page, 30, rows.total, link),
        total: rows.total,
        weeks: stats.weeks,
        stat_total: s.total,
        stat_reversed: s.reversed,
        reversal_rate: format!("{:.0}%", s.reversal_rate * 100.0),
        by_action: s.by_action.iter().map(|(a, n)| (a.past(), *n)).collect(),
        by_moderator: s
            .by_actor
            .iter()
            .map(|(id, n)| {
                (
                    id.and_then(|id| stats.names.get(&id).map(|name| (id, name.clone()))),
                    *n,
                )
            })
            .collect(),
        max_week: weekly.iter().map(|w| w.actions).max().unwrap_or(0).max(1),
        weekly,
        actions: ModAction::ALL
            .iter()
            .map(|a| (a.as_str(), a.past()))
            .collect(),
        categories: Category::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        action,
        category,
        can_see_appeals: l
            .user
            .as_ref()
            .is_some_and(|u| state.app.may_see_appeals(u)),
        l,
    }))
}

/// An appeal, ready to print.
pub struct AppealView {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub text: String,
    pub status: String,
    pub decided_by: Option<String>,
    pub decision_reason: String,
    pub when: When,
}

fn appeal_view(a: &AppealRow, now: i64) -> AppealView {
    AppealView {
        id: a.id,
        user_id: a.user_id,
        username: a.username.clone(),
        text: a.text.clone(),
        status: a.status.clone(),
        decided_by: a.decided_by_name.clone(),
        decision_reason: a.decision_reason.clone(),
        when: When::at(a.created_at, now),
    }
}

#[derive(Template)]
#[template(path = "moderation_action.html")]
struct ActionPage {
    l: Layout,
    e: EntryView,
    appeal: Option<AppealView>,
    can_appeal: bool,
    can_decide: bool,
    text: String,
    reason: String,
    error: Option<Problem>,
}

async fn show_action(
    State(state): State<AppState>,
    l: Layout,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    action_page(&state, l, id, String::new(), String::new(), None).await
}

async fn action_page(
    state: &AppState,
    l: Layout,
    id: i64,
    text: String,
    reason: String,
    error: Option<Problem>,
) -> Result<Response, PageError> {
    let entry = state.app.moderation_entry(l.user.as_ref(), id).await?;
    let now = stoa_app::now();
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    let page = ActionPage {
        e: entry_view(&entry.row, entry.private_visible, now),
        appeal: entry.appeal.as_ref().map(|a| appeal_view(a, now)),
        can_appeal: entry.can_appeal,
        can_decide: entry.can_decide,
        text,
        reason,
        error,
        l,
    };
    Ok((status, render(&page)).into_response())
}

#[derive(Deserialize)]
struct AppealForm {
    #[serde(default)]
    text: String,
}

async fn create_appeal(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<AppealForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    match state.app.appeal(&user, id, &form.text).await {
        Ok(_) => Ok(Redirect::to(&format!("/moderation/actions/{id}#appeal")).into_response()),
        Err(e) => {
            action_page(
                &state,
                l,
                id,
                form.text,
                String::new(),
                Some(form_error(e)?),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
struct DecisionForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    reason: String,
    /// Where the decision was made: the action's page or the appeals queue.
    #[serde(default)]
    from: String,
}

async fn decide_appeal(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    match state
        .app
        .decide_appeal(&user, id, &form.outcome, &form.reason)
        .await
    {
        Ok(a) if form.from == "queue" => {
            Ok(Redirect::to(&format!("/moderation/appeals?decided={}", a.id)).into_response())
        }
        Ok(a) => Ok(
            Redirect::to(&format!("/moderation/actions/{}#appeal", a.action_id)).into_response(),
        ),
        Err(e) => {
            let problem = form_error(e)?;
            let action_id = state.app.appeal_by_id(id).await?.action_id;
            action_page(
                &state,
                l,
                action_id,
                String::new(),
                form.reason,
                Some(problem),
            )
            .await
        }
    }
}

/// A pending appeal in the moderators' queue.
pub struct PendingAppeal {
    pub appeal: AppealView,
    pub entry: EntryView,
    /// The viewer took the action, so another moderator must decide.
    pub own: bool,
}

#[derive(Template)]
#[template(path = "moderation_appeals.html")]
struct AppealsPage {
    l: Layout,
    items: Vec<PendingAppeal>,
    pager: Pager,
    decided: bool,
}

#[derive(Deserialize)]
struct AppealsQuery {
    page: Option<String>,
    decided: Option<String>,
}

async fn appeals(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    Query(q): Query<AppealsQuery>,
) -> Result<Response, PageError> {
    let page = parse_page(q.page.as_deref());
    let rows = state
        .app
        .pending_appeals(&user, Some(page), Some(20))
        .await?;
    let now = stoa_app::now();
    let items = rows
        .items
        .iter()
        .map(|(a, r)| PendingAppeal {
            appeal: appeal_view(a, now),
            entry: entry_view(r, true, now),
            own: r.actor_id == Some(user.id),
        })
        .collect();
    Ok(render(&AppealsPage {
        items,
        pager: Pager::new(page, 20, rows.total, |n| {
            format!("/moderation/appeals?page={n}")
        }),
        decided: q.decided.is_some(),
        l,
    }))
}

/// A choice in a select.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "moderate.html")]
struct ModeratePage {
    l: Layout,
    target_type: &'static str,
    target_id: i64,
    target: String,
    back: String,
    actions: Vec<Choice>,
    categories: Vec<Choice>,
    reason: String,
    private_detail: String,
    duration_hours: String,
    duplicate_of: String,
    error: Option<Problem>,
}

impl ModeratePage {
    fn is_field(&self, name: &str) -> bool {
        self.error.as_ref().and_then(|e| e.field) == Some(name)
    }
}

fn choices<T: Copy>(
    all: &[T],
    value: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
    selected: &str,
) -> Vec<Choice> {
    all.iter()
        .map(|a| Choice {
            value: value(*a),
            label: label(*a),
            selected: value(*a) == selected,
        })
        .collect()
}

fn action_label(a: ModAction) -> &'static str {
    match a {
        ModAction::Delete => "Delete",
        ModAction::Undelete => "Undelete",
        ModAction::Lock => "Lock",
        ModAction::Unlock => "Unlock",
        ModAction::Close => "Close",
        ModAction::Reopen => "Reopen",
        ModAction::Suspend => "Suspend",
        ModAction::Unsuspend => "End the suspension",
        ModAction::Protect => "Protect",
        ModAction::Unprotect => "Unprotect",
        ModAction::Hide => "Hide",
        ModAction::Publish => "Publish (release a held or hidden post)",
    }
}

fn moderate_page(
    l: Layout,
    target_type: &'static str,
    target_id: i64,
    target: String,
    back: String,
    form: &ActionForm,
    error: Option<Problem>,
) -> ModeratePage {
    let actions: Vec<ModAction> = ModAction::ALL
        .iter()
        .copied()
        .filter(|a| a.is_manual() && a.target_type().as_str() == target_type)
        .collect();
    ModeratePage {
        l,
        target_type,
        target_id,
        target,
        back,
        actions: choices(&actions, ModAction::as_str, action_label, &form.action),
        categories: choices(
            Category::ALL,
            Category::as_str,
            Category::label,
            &form.category,
        ),
        reason: form.reason.clone(),
        private_detail: form.private_detail.clone(),
        duration_hours: form.duration_hours.clone(),
        duplicate_of: form.duplicate_of.clone(),
        error,
    }
}

async fn moderate_post(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let st = state.app.post_for_moderation(&user, id).await?;
    let (target, back) = post_target(&st);
    let form = ActionForm {
        target_type: "post".into(),
        target_id: id.to_string(),
        ..ActionForm::default()
    };
    Ok(render(&moderate_page(
        l, "post", id, target, back, &form, None,
    )))
}

async fn moderate_user(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let u = state.app.user_for_moderation(&user, id).await?;
    let form = ActionForm {
        target_type: "user".into(),
        target_id: id.to_string(),
        duration_hours: "24".into(),
        ..ActionForm::default()
    };
    Ok(render(&moderate_page(
        l,
        "user",
        id,
        format!("the account of {}", u.username),
        format!("/users/{id}"),
        &form,
        None,
    )))
}

fn post_target(st: &stoa_app::PostState) -> (String, String) {
    let qid = st.parent_id.unwrap_or(st.id);
    let url = question_url(qid, &st.question_title);
    if st.kind == PostKind::Question {
        (format!("the question “{}”", st.question_title), url)
    } else {
        (
            format!("an answer to “{}”", st.question_title),
            format!("{url}#answer-{}", st.id),
        )
    }
}

#[derive(Deserialize, Default)]
struct ActionForm {
    #[serde(default)]
    target_type: String,
    #[serde(default)]
    target_id: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    private_detail: String,
    #[serde(default)]
    duration_hours: String,
    #[serde(default)]
    duplicate_of: String,
}

async fn create_action(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    CsrfForm(form): CsrfForm<ActionForm>,
) -> Result<Response, PageError> {
    let target_id = parse_id(&form.target_id)?;
    let target_type: &'static str = if form.target_type == "user" {
        "user"
    } else {
        "post"
    };
    let result = async {
        let duration = if form.action == ModAction::Suspend.as_str() {
            optional_id(&form.duration_hours, "duration_hours")?
        } else {
            None
        };
        let duplicate_of = if form.action == ModAction::Close.as_str()
            && form.category == CloseReason::Duplicate.as_str()
        {
            optional_id(&form.duplicate_of, "duplicate_of")?
        } else {
            None
        };
        state
            .app
            .moderate(
                &user,
                ModerationInput {
                    action: form.action.clone(),
                    target_type: target_type.into(),
                    target_id,
                    category: form.category.clone(),
                    reason: form.reason.clone(),
                    private_detail: Some(form.private_detail.clone())
                        .filter(|d| !d.trim().is_empty()),
                    duration_hours: duration,
                    duplicate_of,
                },
            )
            .await
    }
    .await;
    match result {
        Ok(row) => Ok(Redirect::to(&format!("/moderation/actions/{}", row.id)).into_response()),
        Err(e) => {
            let problem = form_error(e)?;
            let (target, back) = if target_type == "user" {
                let u = state.app.user(target_id).await?;
                (
                    format!("the account of {}", u.username),
                    format!("/users/{target_id}"),
                )
            } else {
                post_target(&state.app.post_state(Some(&user), target_id).await?)
            };
            let status = problem.status;
            Ok((
                status,
                render(&moderate_page(
                    l,
                    target_type,
                    target_id,
                    target,
                    back,
                    &form,
                    Some(problem),
                )),
            )
                .into_response())
        }
    }
}
