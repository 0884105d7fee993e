//! Notification pages: the list (grouped), the unread badge fragment, settings and follows,
//! follow buttons, and the links that arrive by e-mail (confirm, unsubscribe, password reset).

use super::flags::DonePage;
use super::view::When;
use super::{render, safe_next, Layout};
use crate::auth::{ClientIp, PageUser};
use crate::csrf::CsrfForm;
use crate::error::{PageError, Problem};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use std::collections::HashMap;
use stoa_app::{AppError, ReadWhich};
use stoa_domain::notify::Channel;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list))
        .route("/notifications/count", get(count))
        .route("/notifications/read", post(read_all))
        .route("/notifications/{id}", get(open))
        .route("/settings/notifications", get(settings).post(save_settings))
        .route("/follow", post(follow))
        .route(
            "/unsubscribe/{user}/{scope}/{sig}",
            get(unsubscribe_page).post(unsubscribe),
        )
        .route("/confirm-email", get(confirm_email))
        .route("/forgot-password", get(forgot_page).post(forgot))
        .route("/reset-password", get(reset_page).post(reset))
}

/// One line of the list: a notification, or several about the same thing.
struct Item {
    id: i64,
    text: String,
    more: i64,
    read: bool,
    when: When,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct ListPage {
    l: Layout,
    items: Vec<Item>,
    unread_only: bool,
    total: i64,
}

#[derive(Template)]
#[template(path = "_notif_link.html")]
struct CountFragment {
    l: Unread,
}

/// What the badge needs of the layout, under the same name, so both render one template.
struct Unread {
    unread: i64,
}

#[derive(Deserialize)]
struct ListQuery {
    unread: Option<String>,
}

/// Groups unread notifications about the same thing ("and 2 more"); read ones stay single.
fn group(items: Vec<stoa_app::NotificationRow>, now: i64) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for n in items {
        let read = n.read_at.is_some();
        if !read {
            if let Some(&i) = index.get(&n.group_key) {
                out[i].more += 1;
                continue;
            }
            index.insert(n.group_key.clone(), out.len());
        }
        out.push(Item {
            id: n.id,
            text: n.text,
            more: 0,
            read,
            when: When::at(n.created_at, now),
        });
    }
    out
}

async fn list(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let unread_only = q.unread.is_some_and(|v| v == "true" || v == "1");
    let list = state
        .app
        .notifications(&u, unread_only, Some(1), Some(100))
        .await?;
    Ok(render(&ListPage {
        l,
        items: group(list.items, stoa_app::now()),
        unread_only,
        total: list.total,
    }))
}

/// The header's link with the unread count, for htmx to refresh without a reload.
async fn count(
    State(state): State<AppState>,
    PageUser(u): PageUser,
) -> Result<Response, PageError> {
    let unread = state.app.unread_count(u.id).await?;
    let mut res = render(&CountFragment {
        l: Unread { unread },
    });
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

/// Opens a notification: marks it (and the others of its group) read and goes to its page.
async fn open(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = crate::api::parse_id(&id).map_err(|e| PageError(e.0))?;
    let list = state
        .app
        .notifications(&u, false, Some(1), Some(100))
        .await?;
    let Some(n) = list.items.iter().find(|n| n.id == id) else {
        return Err(AppError::NotFound("notification").into());
    };
    let same: Vec<i64> = list
        .items
        .iter()
        .filter(|m| m.group_key == n.group_key && m.read_at.is_none())
        .map(|m| m.id)
        .chain(std::iter::once(id))
        .collect();
    state.app.mark_read(&u, ReadWhich::Ids(same)).await?;
    Ok(Redirect::to(&safe_next(Some(&n.url))).into_response())
}

async fn read_all(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    state.app.mark_read(&u, ReadWhich::All).await?;
    Ok(Redirect::to("/notifications").into_response())
}

struct KindRow {
    kind: &'static str,
    label: &'static str,
    channel: &'static str,
}

struct FollowView {
    what: &'static str,
    label: String,
    href: String,
    target_type: String,
    target: String,
}

#[derive(Template)]
#[template(path = "notification_settings.html")]
struct SettingsPage {
    l: Layout,
    kinds: Vec<KindRow>,
    channels: Vec<(&'static str, &'static str)>,
    auto_follow: bool,
    follows: Vec<FollowView>,
    saved: bool,
    error: Option<Problem>,
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn settings_page(
    state: &AppState,
    u: &stoa_app::AuthUser,
    l: Layout,
    saved: bool,
    error: Option<Problem>,
) -> Result<Response, PageError> {
    let s = state.app.notification_settings(u).await?;
    let follows = state
        .app
        .follows(u)
        .await?
        .into_iter()
        .map(|f| {
            let (what, href) = match f.target_type.as_str() {
                "tag" => ("Tag", format!("/tags/{}", f.target)),
                "question" => ("Question", format!("/questions/{}", f.target)),
                _ => ("Person", format!("/users/{}", f.target)),
            };
            FollowView {
                what,
                label: f.label,
                href,
                target_type: f.target_type,
                target: f.target,
            }
        })
        .collect();
    Ok(render(&SettingsPage {
        l,
        kinds: s
            .channels
            .iter()
            .map(|(kind, c, label)| KindRow {
                kind,
                label,
                channel: c.as_str(),
            })
            .collect(),
        channels: Channel::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        auto_follow: s.auto_follow,
        follows,
        saved,
        error,
    }))
}

async fn settings(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    Query(q): Query<SavedQuery>,
) -> Result<Response, PageError> {
    settings_page(&state, &u, l, q.saved.is_some(), None).await
}

async fn save_settings(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let changes: Vec<(String, String)> = form
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("channel_")
                .map(|k| (k.to_string(), v.clone()))
        })
        .collect();
    let auto = form.contains_key("auto_follow");
    match state
        .app
        .put_notification_settings(&u, &changes, Some(auto))
        .await
    {
        Ok(_) => Ok(Redirect::to("/settings/notifications?saved=1").into_response()),
        Err(e @ AppError::Invalid { .. }) => {
            settings_page(&state, &u, l, false, Some(e.into())).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct FollowForm {
    target_type: String,
    target: String,
    #[serde(default)]
    unfollow: Option<String>,
    #[serde(default)]
    back: Option<String>,
}

/// The follow buttons on question, tag and user pages, and the settings page's "stop".
async fn follow(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    CsrfForm(f): CsrfForm<FollowForm>,
) -> Result<Response, PageError> {
    if f.unfollow.is_some() {
        state
            .app
            .unfollow_target(&u, &f.target_type, &f.target)
            .await?;
    } else {
        state.app.follow(&u, &f.target_type, &f.target).await?;
    }
    Ok(Redirect::to(&safe_next(f.back.as_deref())).into_response())
}

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage {
    l: Layout,
    what: String,
    action: String,
}

async fn unsubscribe_page(
    State(state): State<AppState>,
    l: Layout,
    Path((user, scope, sig)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let user = crate::api::parse_id(&user).map_err(|e| PageError(e.0))?;
    let what = state.app.check_unsubscribe(user, &scope, &sig).await?;
    Ok(render(&UnsubscribePage {
        l,
        what,
        action: format!("/unsubscribe/{user}/{scope}/{sig}"),
    }))
}

/// RFC 8058 one-click: the signed link is the authority, so no session or CSRF token is needed.
async fn unsubscribe(
    State(state): State<AppState>,
    l: Layout,
    Path((user, scope, sig)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let user = crate::api::parse_id(&user).map_err(|e| PageError(e.0))?;
    let done = state.app.unsubscribe(user, &scope, &sig).await?;
    let message = if done.changed {
        format!(
            "You will no longer get e-mail for {}. It still shows under Notifications on the site.",
            done.what
        )
    } else {
        format!("E-mail for {} was already off.", done.what)
    };
    Ok(render(&DonePage {
        l,
        heading: "Unsubscribed".into(),
        message,
        back: "/settings/notifications".into(),
        back_label: "Notification settings".into(),
    }))
}

#[derive(Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

async fn confirm_email(
    State(state): State<AppState>,
    l: Layout,
    Query(q): Query<TokenQuery>,
) -> Result<Response, PageError> {
    state.app.confirm_email(&q.token).await?;
    Ok(render(&DonePage {
        l,
        heading: "Address confirmed".into(),
        message: "Thank you: notifications you choose to get by e-mail can now reach you.".into(),
        back: "/settings/notifications".into(),
        back_label: "Choose what arrives by e-mail".into(),
    }))
}

#[derive(Template)]
#[template(path = "forgot_password.html")]
struct ForgotPage {
    l: Layout,
    sent: bool,
}

async fn forgot_page(l: Layout) -> Response {
    render(&ForgotPage { l, sent: false })
}

#[derive(Deserialize)]
struct ForgotForm {
    #[serde(default)]
    email: String,
}

async fn forgot(
    State(state): State<AppState>,
    l: Layout,
    ClientIp(ip): ClientIp,
    CsrfForm(f): CsrfForm<ForgotForm>,
) -> Result<Response, PageError> {
    state.app.request_password_reset(&f.email, &ip).await?;
    Ok(render(&ForgotPage { l, sent: true }))
}

#[derive(Template)]
#[template(path = "reset_password.html")]
struct ResetPage {
    l: Layout,
    token: String,
    error: Option<Problem>,
}

async fn reset_page(l: Layout, Query(q): Query<TokenQuery>) -> Response {
    render(&ResetPage {
        l,
        token: q.token,
        error: None,
    })
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

async fn reset(
    State(state): State<AppState>,
    l: Layout,
    CsrfForm(f): CsrfForm<ResetForm>,
) -> Result<Response, PageError> {
    match state.app.reset_password(&f.token, &f.password).await {
        Ok(()) => Ok(render(&DonePage {
            l,
            heading: "Password changed".into(),
            message:
                "Your password was changed and every other session ended. Log in with the new one."
                    .into(),
            back: "/login".into(),
            back_label: "Log in".into(),
        })),
        Err(
            e @ AppError::Invalid {
                code: "invalid_password",
                ..
            },
        ) => Ok(render(&ResetPage {
            l,
            token: f.token,
            error: Some(e.into()),
        })),
        Err(e) => Err(e.into()),
    }
}

/// A Follow / Following button on a question, tag or profile page.
pub struct FollowButton {
    /// `tag`, `question` or `user`.
    pub target_type: &'static str,
    /// The tag's name or the id.
    pub target: String,
    /// Whether the viewer follows it already.
    pub following: bool,
    /// Where to come back to.
    pub back: String,
}

/// The button for a logged-in viewer (none for visitors, whose pages are shared and cached).
pub async fn follow_button(
    state: &AppState,
    l: &Layout,
    target_type: &'static str,
    target: String,
    back: String,
) -> Option<FollowButton> {
    let u = l.user.as_ref()?;
    if target_type == "user" && target == u.id.to_string() {
        return None;
    }
    let following = state
        .app
        .follows_target(u.id, target_type, &target)
        .await
        .unwrap_or(false);
    Some(FollowButton {
        target_type,
        target,
        following,
        back,
    })
}
