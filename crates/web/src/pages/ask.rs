//! Asking a question, with similar questions and articles suggested while it is typed, and
//! the Markdown preview that the ask, edit and answer forms share.
//!
//! Anyone may describe a problem here and see suggestions (that is the point of deflection);
//! posting needs an account, and a visitor who is not logged in is sent to log in with the
//! title and the suggestion session kept.

use super::deflection::VisitorOf;
use super::view::{count, post_url, question_url};
use super::{is_htmx, render, url_encode, Layout};
use crate::auth::{ClientIp, MaybeUser};
use crate::csrf::CsrfForm;
use crate::error::{PageError, Problem};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use stoa_app::{AppError, AskSuggestions, QuestionInput, Visitor};
use stoa_domain::post::TagSet;
use stoa_domain::post_kind::PostKind;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/ask",
            axum::routing::get(new_question).post(create_question),
        )
        .route("/ask/similar", post(similar))
        .route("/ask/tags", post(tag_suggestions))
        .route("/ask/coach", post(coach))
        .route("/preview", post(preview))
}

/// One suggestion under the title.
pub struct SuggestionItem {
    /// The page, with the session token so that it can ask "did this solve your problem?".
    pub href: String,
    /// Escaped, with matched words in `<mark>`.
    pub title_html: String,
    pub is_article: bool,
    /// "3 votes · 2 answers".
    pub meta: String,
    pub accepted: bool,
}

/// What `_similar.html` shows: the suggestions and the session they belong to.
#[derive(Default)]
pub struct Suggestions {
    /// The session token, carried by the form's hidden field.
    pub token: Option<String>,
    pub items: Vec<SuggestionItem>,
    /// Offer "contact support" after the suggestions (not on the support form itself).
    pub offer_support: bool,
    /// Passages of answers and articles that may answer the draft ("From the community").
    pub passages: Vec<PassageItem>,
}

/// A passage the assistant offers, with its source.
pub struct PassageItem {
    /// The answer in its thread (or the article), carrying the session token.
    pub href: String,
    /// The question it answers, or the article's title.
    pub title: String,
    /// The passage, plain text.
    pub passage: String,
}

impl Suggestions {
    /// Where "contact support" leads: the support form, continuing the session.
    pub fn support_href(&self) -> String {
        match &self.token {
            Some(t) => format!("/support/new?deflection={}", url_encode(t)),
            None => "/support/new".into(),
        }
    }
}

impl Suggestions {
    fn from_app(s: AskSuggestions) -> Self {
        let token = s.token;
        let items = s
            .hits
            .into_iter()
            .map(|h| {
                let base = post_url(h.kind.as_str(), h.post_id, &h.title);
                let href = match &token {
                    Some(t) => format!("{base}?deflection={}", url_encode(t)),
                    None => base,
                };
                let is_article = h.kind == PostKind::Article;
                let mut meta = count(h.votes, "vote", "votes");
                if !is_article {
                    meta.push_str(" · ");
                    meta.push_str(&count(h.answer_count, "answer", "answers"));
                }
                SuggestionItem {
                    href,
                    title_html: h.title_html,
                    is_article,
                    meta,
                    accepted: h.has_accepted,
                }
            })
            .collect();
        Suggestions {
            token,
            items,
            offer_support: true,
            passages: Vec::new(),
        }
    }

    /// Adds the assistant's passages, their links continuing the session.
    fn with_passages(mut self, found: stoa_app::AssistantAnswer) -> Self {
        self.passages = found
            .items
            .into_iter()
            .map(|i| {
                let href = deflection_href(&i.url, self.token.as_deref());
                PassageItem {
                    href,
                    title: i.title,
                    passage: i.passage,
                }
            })
            .collect();
        self
    }
}

/// A page's address carrying a self-service session, before any `#anchor`.
pub(crate) fn deflection_href(url: &str, token: Option<&str>) -> String {
    match (token, url.split_once('#')) {
        (Some(t), Some((page, anchor))) => format!("{page}?deflection={}#{anchor}", url_encode(t)),
        (Some(t), None) => format!("{url}?deflection={}", url_encode(t)),
        (None, _) => url.to_string(),
    }
}

#[derive(Template)]
#[template(path = "ask.html")]
struct AskPage {
    l: Layout,
    title: String,
    body: String,
    tags: String,
    /// Rendered Markdown of `body`, when there is any.
    preview: String,
    error: Option<Problem>,
    s: Suggestions,
    /// Tags the site's questions suggest for the draft (not already chosen).
    suggested_tags: Vec<String>,
    /// What the draft lacks, and the hints shown so far.
    c: CoachView,
}

impl AskPage {
    fn is_field(&self, name: &str) -> bool {
        self.error.as_ref().and_then(|e| e.field) == Some(name)
    }
}

#[derive(Template)]
#[template(path = "_preview.html")]
struct PreviewFragment {
    html: String,
}

/// One coaching hint as shown.
pub struct CoachItem {
    /// What to do.
    pub advice: &'static str,
    /// The site's evidence, when it has enough.
    pub evidence: Option<String>,
}

/// The coaching block: hints, an answered question asking the same, and the codes of every
/// hint shown while this draft was written (a hidden field, recorded with the question).
#[derive(Default)]
pub struct CoachView {
    items: Vec<CoachItem>,
    duplicate: Option<(String, String)>,
    shown: String,
}

#[derive(Template)]
#[template(path = "_coaching.html")]
struct CoachFragment {
    c: CoachView,
}

/// Coaching for a draft; `shown` (codes from the form) gains the hints shown now. A draft too
/// long to coach gets none.
async fn coach_view(
    state: &AppState,
    title: &str,
    body: &str,
    shown: &str,
    ip: &str,
) -> Result<CoachView, AppError> {
    use stoa_domain::coaching::{codes, parse_codes};
    let mut all = parse_codes(shown);
    let found = match state.app.coach_draft(title, body, ip).await {
        Ok(found) => found,
        // Coaching is a help, never in the way: a draft it cannot judge, or too many asks
        // from one address, get none.
        Err(AppError::Invalid { .. } | AppError::RateLimited { .. }) => {
            stoa_app::DraftCoaching::default()
        }
        Err(e) => return Err(e),
    };
    for c in &found.hints {
        if !all.contains(&c.hint) {
            all.push(c.hint);
        }
    }
    Ok(CoachView {
        items: found
            .hints
            .into_iter()
            .map(|c| CoachItem {
                advice: c.hint.advice(),
                evidence: c.evidence,
            })
            .collect(),
        duplicate: found
            .duplicate
            .map(|d| (format!("/questions/{}", d.post_id), d.title)),
        shown: codes(&all),
    })
}

#[derive(Template)]
#[template(path = "_tag_suggestions.html")]
struct TagSuggestionsFragment {
    suggested_tags: Vec<String>,
}

/// Tags for the draft, without those already in the tags field; none for a draft too short
/// or too long to say anything.
async fn suggested_tags(
    state: &AppState,
    title: &str,
    body: &str,
    chosen: &str,
) -> Result<Vec<String>, AppError> {
    let chosen: Vec<String> = chosen
        .split([' ', ','])
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty())
        .collect();
    match state.app.suggest_tags(title, body).await {
        Ok(found) => Ok(found
            .into_iter()
            .map(|s| s.tag)
            .filter(|t| !chosen.contains(t))
            .collect()),
        Err(AppError::Invalid { .. }) => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "_similar.html")]
pub(crate) struct SimilarFragment {
    pub(crate) s: Suggestions,
}

/// `/ask?title=&tags=&deflection=`: a form started elsewhere (the search page's "ask the
/// community", or the way back from logging in).
#[derive(Deserialize, Default)]
struct AskQuery {
    title: Option<String>,
    tags: Option<String>,
    deflection: Option<String>,
}

/// The ask form.
#[derive(Deserialize)]
struct AskForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    /// Space- or comma-separated.
    #[serde(default)]
    tags: String,
    /// The suggestion session, once suggestions were shown.
    deflection: Option<String>,
    /// Present when "Preview" was pressed (the preview without JavaScript).
    preview: Option<String>,
    /// Codes of the coaching hints shown while the draft was written.
    #[serde(default)]
    coached: String,
}

/// What the suggestions are computed from; the ask form's other fields are ignored.
#[derive(Deserialize)]
struct SimilarForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    deflection: Option<String>,
    /// The tags chosen so far (suggestions leave them out).
    #[serde(default)]
    tags: String,
    /// Codes of the coaching hints shown so far.
    #[serde(default)]
    coached: String,
}

/// Only the Markdown of whichever form asks for a preview; its other fields are ignored.
#[derive(Deserialize)]
struct PreviewForm {
    #[serde(default)]
    body: String,
}

/// Errors that leave the form on screen with what was typed.
pub(crate) fn keeps_form(e: &AppError) -> bool {
    matches!(
        e,
        AppError::Invalid { .. } | AppError::RateLimited { .. } | AppError::Forbidden(_)
    )
}

pub(crate) async fn suggestions(
    state: &AppState,
    visitor: &Visitor,
    token: Option<&str>,
    title: &str,
    body: &str,
) -> Result<Suggestions, PageError> {
    let token = token.map(str::trim).filter(|t| !t.is_empty());
    let s = state
        .app
        .ask_suggestions(visitor, token, title, body)
        .await?;
    let text = format!("{title}\n{body}");
    // The passages help, but a draft too short or odd for them still gets its suggestions.
    let found = match state.app.assistant(text.trim(), &[], "").await {
        Ok(found) => found,
        Err(AppError::Invalid { .. }) => stoa_app::AssistantAnswer {
            items: Vec::new(),
            answered: false,
        },
        Err(e) => return Err(e.into()),
    };
    Ok(Suggestions::from_app(s).with_passages(found))
}

async fn new_question(
    State(state): State<AppState>,
    l: Layout,
    VisitorOf(visitor): VisitorOf,
    Query(q): Query<AskQuery>,
) -> Result<Response, PageError> {
    let title: String = q.title.unwrap_or_default().chars().take(300).collect();
    let tags: String = q.tags.unwrap_or_default().chars().take(200).collect();
    // A title brought from the search page already deserves suggestions, also without JavaScript.
    let s = if title.trim().is_empty() {
        Suggestions {
            token: q.deflection.filter(|t| !t.trim().is_empty()),
            offer_support: true,
            ..Default::default()
        }
    } else {
        suggestions(&state, &visitor, q.deflection.as_deref(), &title, "").await?
    };
    Ok(render(&AskPage {
        l,
        title,
        body: String::new(),
        tags,
        preview: String::new(),
        error: None,
        s,
        suggested_tags: Vec::new(),
        c: CoachView::default(),
    }))
}

/// Where a visitor who pressed "Post" goes to log in; the title and session come back with them.
fn login_to_post(title: &str, token: Option<&str>) -> String {
    let mut next = String::from("/ask");
    let mut sep = '?';
    if let Some(t) = token.filter(|t| !t.is_empty()) {
        next.push_str(&format!("{sep}deflection={}", url_encode(t)));
        sep = '&';
    }
    let with_title = format!("{next}{sep}title={}", url_encode(title));
    // `next` is capped at 500 characters when read back; a long title is not worth losing the session.
    if url_encode(&with_title).len() < 480 {
        next = with_title;
    }
    format!("/login?next={}", url_encode(&next))
}

async fn create_question(
    State(state): State<AppState>,
    l: Layout,
    ClientIp(ip): ClientIp,
    MaybeUser(user): MaybeUser,
    VisitorOf(visitor): VisitorOf,
    CsrfForm(form): CsrfForm<AskForm>,
) -> Result<Response, PageError> {
    let token = form
        .deflection
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let Some(user) = user else {
        if form.preview.is_none() {
            return Ok(Redirect::to(&login_to_post(&form.title, token)).into_response());
        }
        // Visitors get suggestions from a preview, but no Markdown rendering (they cannot post).
        let s = suggestions(&state, &visitor, token, &form.title, &form.body).await?;
        let suggested_tags = suggested_tags(&state, &form.title, &form.body, &form.tags).await?;
        let c = coach_view(&state, &form.title, &form.body, &form.coached, &ip).await?;
        return Ok(render(&AskPage {
            l,
            title: form.title,
            body: form.body,
            tags: form.tags,
            preview: String::new(),
            error: None,
            s,
            suggested_tags,
            c,
        }));
    };
    let preview = state.app.preview(&form.body);
    if form.preview.is_some() {
        let s = suggestions(&state, &visitor, token, &form.title, &form.body).await?;
        let suggested_tags = suggested_tags(&state, &form.title, &form.body, &form.tags).await?;
        let c = coach_view(&state, &form.title, &form.body, &form.coached, &ip).await?;
        return Ok(render(&AskPage {
            l,
            title: form.title,
            body: form.body,
            tags: form.tags,
            preview,
            error: None,
            s,
            suggested_tags,
            c,
        }));
    }
    let mut page = AskPage {
        l,
        title: form.title,
        body: form.body,
        tags: form.tags,
        preview,
        error: None,
        s: Suggestions::default(),
        suggested_tags: Vec::new(),
        c: CoachView {
            shown: form.coached.clone(),
            ..CoachView::default()
        },
    };
    let result = match TagSet::parse_text(&page.tags) {
        Ok(tags) => {
            let names = tags
                .names()
                .iter()
                .map(|t| t.as_str().to_string())
                .collect();
            let input = QuestionInput {
                title: page.title.clone(),
                body: page.body.clone(),
                tags: names,
                coached: stoa_domain::coaching::parse_codes(&page.c.shown),
            };
            state.app.ask_question(&user, input).await
        }
        Err(e) => Err(AppError::from(e)),
    };
    match result {
        Ok(q) => {
            // The question is what matters: a failure to note the outcome is logged, not shown.
            if let Err(e) = state.app.record_posted(&visitor, token, q.id).await {
                tracing::warn!(error = %e, post.id = q.id, "could not record the deflection outcome");
            }
            Ok(Redirect::to(&question_url(q.id, &q.title)).into_response())
        }
        Err(e) if keeps_form(&e) => {
            let p = Problem::from(e);
            let status = p.status;
            page.error = Some(p);
            page.s = suggestions(&state, &visitor, token, &page.title, &page.body).await?;
            Ok((status, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Suggestions while typing (htmx, debounced). A POST with the form's CSRF token, because it
/// begins or continues a session, and because a long draft does not fit in a URL.
async fn similar(
    State(state): State<AppState>,
    VisitorOf(visitor): VisitorOf,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<SimilarForm>,
) -> Result<Response, PageError> {
    if !is_htmx(&headers) {
        // Without JavaScript the Preview button shows suggestions; this address is not a page.
        let to = format!(
            "/ask?title={}",
            url_encode(&form.title.chars().take(150).collect::<String>())
        );
        return Ok(Redirect::to(&to).into_response());
    }
    let s = suggestions(
        &state,
        &visitor,
        form.deflection.as_deref(),
        &form.title,
        &form.body,
    )
    .await?;
    Ok(render(&SimilarFragment { s }))
}

/// Coaching for the draft (htmx), above the buttons.
async fn coach(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<SimilarForm>,
) -> Result<Response, PageError> {
    if !is_htmx(&headers) {
        // Without JavaScript the Preview button shows it; this address is not a page.
        return Ok(Redirect::to("/ask").into_response());
    }
    let c = coach_view(&state, &form.title, &form.body, &form.coached, &ip).await?;
    Ok(render(&CoachFragment { c }))
}

/// Tag suggestions for the draft (htmx), under the tags field.
async fn tag_suggestions(
    State(state): State<AppState>,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<SimilarForm>,
) -> Result<Response, PageError> {
    if !is_htmx(&headers) {
        // Without JavaScript the Preview button shows them; this address is not a page.
        return Ok(Redirect::to("/ask").into_response());
    }
    let suggested_tags = suggested_tags(&state, &form.title, &form.body, &form.tags).await?;
    Ok(render(&TagSuggestionsFragment { suggested_tags }))
}

/// The live preview (htmx). Visitors who are not logged in cannot post, so they get no
/// rendering work done for them.
async fn preview(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    CsrfForm(form): CsrfForm<PreviewForm>,
) -> Response {
    let html = if user.is_some() {
        state.app.preview(&form.body)
    } else {
        String::new()
    };
    render(&PreviewFragment { html })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_keeps_title_and_session() {
        let to = login_to_post("Wifi drops", Some("0123456789abcdef0123456789abcdef"));
        assert_eq!(
            to,
            "/login?next=/ask%3Fdeflection%3D0123456789abcdef0123456789abcdef%26title%3DWifi%2520drops"
        );
        assert_eq!(login_to_post("", None), "/login?next=/ask%3Ftitle%3D");
        assert!(!login_to_post(&"ü".repeat(150), Some("t")).contains("title"));
    }
}
