//! HTML pages. Each resource owns a module with its handlers; templates live in `templates/`.

pub mod account_data;
pub mod account_profile;
pub mod account_settings;
pub mod accounts;
pub mod ask;
pub mod assistant;
pub mod chart;
pub mod deflection;
pub mod edit;
pub mod errors;
pub mod home;
pub mod kb;
pub mod ops;
pub mod post_view;
pub mod questions;
pub mod revisions;
pub mod search;
pub mod social;
pub mod tags;
pub mod users;
pub mod view;
// Governance pages.
pub mod admin_jobs;
pub mod agent;
pub mod badges;
pub mod flags;
pub mod health;
pub mod moderation;
pub mod notify;
pub mod plans;
pub mod reputation;
pub mod review;
pub mod rewards;
pub mod sso;
pub mod suggest;
pub mod support;
pub mod two_factor;
pub mod webhooks;

use crate::assets::asset_url;
use crate::auth::MaybeUser;
use crate::csrf::CsrfToken;
use crate::error::PageError;
use crate::AppState;
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use stoa_app::AuthUser;

/// Every HTML route.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(home::router())
        .merge(accounts::router())
        .merge(questions::router())
        .merge(ask::router())
        .merge(social::router())
        .merge(edit::router())
        .merge(revisions::router())
        .merge(tags::router())
        .merge(users::router())
        .merge(search::router())
        .merge(deflection::router())
        .merge(kb::router())
        .route("/favicon.ico", axum::routing::get(no_favicon))
        .merge(moderation::router())
        .merge(review::router())
        .merge(flags::router())
        .merge(suggest::router())
        .merge(reputation::router())
        .merge(notify::router())
        .merge(admin_jobs::router())
        .merge(plans::router())
        .merge(support::router())
        .merge(agent::router())
        .merge(rewards::router())
        .merge(badges::router())
        .merge(health::router())
        .merge(account_settings::router())
        .merge(account_profile::router())
        .merge(account_data::router())
        .merge(sso::router())
        .merge(assistant::router())
        .merge(two_factor::router())
        .merge(webhooks::router())
}

/// Browsers ask for `/favicon.ico` on their own; a 404 would log an error on every first visit.
async fn no_favicon() -> Response {
    (
        StatusCode::NO_CONTENT,
        [(header::CACHE_CONTROL, "public, max-age=86400")],
    )
        .into_response()
}

/// What the base layout needs: site, visitor, CSRF token, asset URLs.
pub struct Layout {
    /// Community name.
    pub site_name: String,
    /// Content licence for the footer.
    pub license: String,
    /// The logged-in user.
    pub user: Option<AuthUser>,
    /// CSRF token for forms.
    pub csrf: String,
    /// Current search text, echoed in the header search box.
    pub q: String,
    /// The logged-in user's unread notifications.
    pub unread: i64,
}

impl Layout {
    /// Whether the visitor works tickets (the menu links to the inbox instead of "Support").
    pub fn works_tickets(&self) -> bool {
        self.user.as_ref().is_some_and(stoa_app::is_agent)
    }

    /// Hashed URL of the stylesheet.
    pub fn css_url(&self) -> &'static str {
        asset_url("app.css")
    }
    /// Hashed URL of htmx.
    pub fn htmx_url(&self) -> &'static str {
        asset_url("htmx.js")
    }
    /// Hashed URL of our small script.
    pub fn js_url(&self) -> &'static str {
        asset_url("app.js")
    }
}

impl FromRequestParts<AppState> for Layout {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let MaybeUser(user) = MaybeUser::from_request_parts(parts, state).await?;
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        let unread = match &user {
            // A missing count must not cost the page: the badge refreshes itself.
            Some(u) => state.app.unread_count(u.id).await.unwrap_or(0),
            None => 0,
        };
        Ok(Layout {
            unread,
            site_name: state.web.site_name.clone(),
            license: state.web.content_license.clone(),
            user,
            csrf,
            q: String::new(),
        })
    }
}

/// Whether this request gets the page every anonymous visitor gets (and may be served from,
/// or stored in, the page cache): no account, no search text echoed, not an htmx fragment.
pub(crate) fn is_shared(l: &Layout, headers: &axum::http::HeaderMap) -> bool {
    l.user.is_none() && l.q.is_empty() && !headers.contains_key("hx-request")
}

/// Renders a page every anonymous visitor gets, keeps it in the page cache under `key` (as
/// rendered from data read after `generation`), and serves it.
pub(crate) fn render_shared<T: Template>(
    state: &AppState,
    key: String,
    generation: u64,
    slug: String,
    csrf: &str,
    t: &T,
) -> Response {
    match t.render() {
        // A page holding this visitor's form token must never reach another visitor.
        Ok(html) if csrf.is_empty() || !html.contains(csrf) => {
            state.pages.put(key, generation, slug, html).response()
        }
        _ => render(t),
    }
}

/// Serves a list page: to anonymous visitors from the page cache under `key` when it is there,
/// else built by `build` (from data read after the cache's generation was taken) and kept.
pub(crate) async fn serve_list<T, F, Fut>(
    state: &AppState,
    l: Layout,
    headers: &axum::http::HeaderMap,
    key: String,
    build: F,
) -> Result<Response, PageError>
where
    T: Template,
    F: FnOnce(Layout) -> Fut,
    Fut: std::future::Future<Output = Result<T, PageError>>,
{
    let shared = is_shared(&l, headers);
    if shared {
        if let Some(page) = state.pages.get(&key) {
            return Ok(page.hit());
        }
    }
    let generation = state.pages.generation();
    let csrf = l.csrf.clone();
    let page = build(l).await?;
    Ok(if shared {
        render_shared(state, key, generation, String::new(), &csrf, &page)
    } else {
        render(&page)
    })
}

/// Renders a template as a full HTML response; pages with a user are private to them.
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => (
            [
                (header::CACHE_CONTROL, "private, no-cache"),
                (header::VARY, "Cookie, HX-Request"),
            ],
            Html(html),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            errors::plain_500()
        }
    }
}

/// Whether htmx asked for a fragment. A history restore (cache miss after "back") also carries
/// `HX-Request` but needs the whole page.
pub fn is_htmx(headers: &HeaderMap) -> bool {
    headers.get("hx-request").is_some_and(|v| v == "true")
        && !headers.contains_key("hx-history-restore-request")
}

/// An id from a path segment; anything that is not one is simply a page that does not exist.
pub fn parse_id(raw: &str) -> Result<i64, PageError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| PageError(crate::error::Problem::not_found()))
}

/// A 301 to the canonical address (`Redirect::permanent` would be a 308).
pub fn moved_permanently(to: &str) -> Response {
    (
        StatusCode::MOVED_PERMANENTLY,
        [(header::LOCATION, to.to_string())],
    )
        .into_response()
}

/// Sends an anonymous visitor to the log-in page, returning to `next`. htmx would follow a
/// plain redirect and swap the whole log-in page into a fragment, so it gets `HX-Redirect`.
pub fn login_redirect(next: &str, htmx: bool) -> Response {
    let to = format!("/login?next={}", url_encode(next));
    if htmx {
        ([(header::HeaderName::from_static("hx-redirect"), to)]).into_response()
    } else {
        axum::response::Redirect::to(&to).into_response()
    }
}

/// Percent-encodes a string for a query parameter.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A local path to return to after logging in; anything else (other hosts, `//x`) becomes `/`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            // Browsers drop tabs and newlines from URLs, so "/\t/evil.example" would become
            // "//evil.example": anything unprintable is refused.
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(|c| c.is_control() || c.is_whitespace())
                && n.len() < 500 =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_local_only() {
        assert_eq!(safe_next(Some("/questions/1")), "/questions/1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\n/evil.example")), "/");
        assert_eq!(safe_next(Some("/ /evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn encodes() {
        assert_eq!(url_encode("/a b?c=d&e"), "/a%20b%3Fc%3Dd%26e");
    }
}
