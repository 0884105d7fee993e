//! `/assistant`: "From the community" for a problem in words — the passages of answers and
//! articles that answer it, with their sources, or an honest "we found nothing" and the way to
//! a person. A page of its own (works without JavaScript) and a fragment the search page loads.

use super::deflection::VisitorOf;
use super::{is_htmx, render, Layout};
use crate::auth::ClientIp;
use crate::error::PageError;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use stoa_app::{AppError, AssistantItem};

pub fn router() -> Router<AppState> {
    Router::new().route("/assistant", get(page))
}

/// What the page or fragment shows.
pub struct Found {
    /// The problem as asked.
    pub text: String,
    /// Passages, best first.
    pub items: Vec<AssistantItem>,
    /// Whether the best one is likely to answer.
    pub answered: bool,
    /// Whether anything was asked.
    pub asked: bool,
    /// `/ask` with the problem as the title.
    pub ask_href: String,
    /// `/support/new` with the problem as the subject.
    pub support_href: String,
    /// A problem too short or too long to look up, in words.
    pub error: Option<String>,
    /// The site's language model's answer from the passages, citations checked.
    pub written: Option<String>,
    /// Whether to offer "ask the community" / "contact support" here; the search page that
    /// embeds the fragment already offers both, and twice is noise.
    pub escalate: bool,
}

#[derive(Template)]
#[template(path = "assistant.html")]
struct AssistantPage {
    l: Layout,
    f: Found,
}

#[derive(Template)]
#[template(path = "_assistant.html")]
struct AssistantFragment {
    f: Found,
}

#[derive(Deserialize)]
struct AssistantQuery {
    text: Option<String>,
    /// A self-service session already going (from the ask page or an earlier look).
    deflection: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    l: Layout,
    ClientIp(ip): ClientIp,
    VisitorOf(visitor): VisitorOf,
    headers: HeaderMap,
    Query(q): Query<AssistantQuery>,
) -> Result<Response, PageError> {
    let text: String = q
        .text
        .unwrap_or_default()
        .chars()
        .take(stoa_app::ASSISTANT_MAX_TEXT)
        .collect();
    let asked = !text.trim().is_empty();
    let (items, answered, error, written) = if asked {
        match state.app.assistant_with_answer(&text, &[], &ip).await {
            Ok((found, written)) => (found.items, found.answered, None, written.map(|w| w.text)),
            Err(AppError::Invalid { message, .. }) => (Vec::new(), false, Some(message), None),
            Err(e) => return Err(e.into()),
        }
    } else {
        (Vec::new(), false, None, None)
    };
    // The passages start (or continue) a self-service session, so that the page each leads
    // to asks "Did this solve your problem?" and credits its authors.
    let mut items = items;
    if !items.is_empty() {
        let sources: Vec<i64> = items.iter().map(|i| i.source_id).collect();
        let token = state
            .app
            .record_passages_shown(
                &visitor,
                q.deflection.as_deref().filter(|t| !t.trim().is_empty()),
                &text,
                &sources,
            )
            .await?;
        for i in &mut items {
            i.url = super::ask::deflection_href(&i.url, token.as_deref());
        }
    }
    let title: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let htmx = is_htmx(&headers);
    let f = Found {
        escalate: !htmx,
        written,
        ask_href: crate::api::assistant_escalate_url(&title),
        support_href: format!(
            "/support/new?subject={}",
            super::url_encode(&title.chars().take(150).collect::<String>())
        ),
        text,
        items,
        answered,
        asked,
        error,
    };
    Ok(if htmx {
        render(&AssistantFragment { f })
    } else {
        render(&AssistantPage { l, f })
    })
}
