//! The search page: results with the matched words highlighted, a tag filter, paging, and,
//! when nothing matches, the way to a person (ask the community, or open a ticket).

use super::view::{count, parse_page, post_url, Pager};
use super::{render, url_encode, Layout};
use crate::error::{PageError, Problem};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use stoa_app::{AppError, SearchHit};
use stoa_domain::post_kind::PostKind;
use stoa_domain::search::KindFilter;

pub fn router() -> Router<AppState> {
    Router::new().route("/search", get(show))
}

/// Results per page.
const PER_PAGE: i64 = 20;

/// `?q=&tag=&page=`, all strings so that a hand-edited URL still gets a page.
#[derive(Deserialize, Default)]
struct SearchQuery {
    q: Option<String>,
    tag: Option<String>,
    page: Option<String>,
}

/// A tag on a result: a link that narrows the search to it.
struct TagFilter {
    name: String,
    href: String,
}

/// One result as the page shows it.
struct ResultItem {
    href: String,
    is_article: bool,
    /// Escaped, with matches in `<mark>`.
    title_html: String,
    /// Escaped, with matches in `<mark>`.
    snippet_html: String,
    votes: String,
    answers: String,
    accepted: bool,
    tags: Vec<TagFilter>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    l: Layout,
    q: String,
    tag: String,
    /// Whether anything was asked for (an empty query shows help instead of "no results").
    searched: bool,
    error: Option<String>,
    items: Vec<ResultItem>,
    /// "3 results".
    total: String,
    /// The corrected words, when nothing matched as typed.
    corrected: Option<String>,
    /// Filters as understood, e.g. `[sqlite]`, `is:article`.
    filters: Vec<String>,
    /// The search without the tag filter, when one is set.
    clear_tag_href: Option<String>,
    pager: Pager,
    /// `/ask` prefilled with the words searched for.
    ask_href: String,
    /// `/support/new` with the words searched for as the subject.
    support_href: String,
}

fn search_href(q: &str, tag: &str, page: i64) -> String {
    let mut parts = vec![format!("q={}", url_encode(q))];
    if !tag.is_empty() {
        parts.push(format!("tag={}", url_encode(tag)));
    }
    if page > 1 {
        parts.push(format!("page={page}"));
    }
    format!("/search?{}", parts.join("&"))
}

/// The words of a query without its filters and quotes: a fair first draft of a title.
fn title_from_query(q: &str) -> String {
    let is_filter = |w: &str| w.starts_with("is:") || (w.starts_with('[') && w.ends_with(']'));
    let words: Vec<&str> = q.split_whitespace().filter(|w| !is_filter(w)).collect();
    words.join(" ").replace('"', "").chars().take(150).collect()
}

fn ask_href(q: &str, tags: &[String]) -> String {
    let mut href = format!("/ask?title={}", url_encode(&title_from_query(q)));
    if !tags.is_empty() {
        href.push_str(&format!("&tags={}", url_encode(&tags.join(" "))));
    }
    href
}

fn item(h: SearchHit, q: &str) -> ResultItem {
    let is_article = h.kind == PostKind::Article;
    ResultItem {
        href: post_url(h.kind.as_str(), h.post_id, &h.title),
        is_article,
        title_html: h.title_html,
        snippet_html: h.snippet_html,
        votes: count(h.votes, "vote", "votes"),
        answers: count(h.answer_count, "answer", "answers"),
        accepted: h.has_accepted,
        tags: h
            .tags
            .into_iter()
            .map(|t| TagFilter {
                href: search_href(q, &t, 1),
                name: t,
            })
            .collect(),
    }
}

async fn show(
    State(state): State<AppState>,
    mut l: Layout,
    Query(p): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let q = p.q.unwrap_or_default();
    let tag = p.tag.unwrap_or_default().trim().to_string();
    let page = parse_page(p.page.as_deref());
    l.q = q.chars().take(500).collect();
    let mut view = SearchPage {
        q: l.q.clone(),
        l,
        tag: tag.clone(),
        searched: !q.trim().is_empty() || !tag.is_empty(),
        error: None,
        items: Vec::new(),
        total: String::new(),
        corrected: None,
        filters: Vec::new(),
        clear_tag_href: (!tag.is_empty()).then(|| search_href(&q, "", 1)),
        pager: Pager::new(1, PER_PAGE, 0, |_| String::new()),
        ask_href: ask_href(&q, &[]),
        support_href: format!("/support/new?subject={}", url_encode(&title_from_query(&q))),
    };
    if !view.searched {
        return Ok(render(&view));
    }
    let tag_param = (!tag.is_empty()).then_some(tag.as_str());
    match state
        .app
        .search(&q, tag_param, Some(page), Some(PER_PAGE))
        .await
    {
        Ok(r) => {
            let parsed = &r.query;
            view.filters = parsed.tags.iter().map(|t| format!("[{t}]")).collect();
            match parsed.kind {
                Some(KindFilter::Question) => view.filters.push("is:question".into()),
                Some(KindFilter::Article) => view.filters.push("is:article".into()),
                None => {}
            }
            if parsed.accepted_only {
                view.filters.push("is:accepted".into());
            }
            view.ask_href = ask_href(&q, &parsed.tags);
            view.total = count(r.total, "result", "results");
            view.corrected = r.corrected.as_ref().map(|t| t.join(" "));
            view.pager = Pager::new(page, PER_PAGE, r.total, |n| search_href(&q, &tag, n));
            view.items = r.hits.into_iter().map(|h| item(h, &q)).collect();
            Ok(render(&view))
        }
        // A query too long or a malformed tag: say so on the page, with the form to fix it.
        Err(e @ AppError::Invalid { .. }) => {
            let problem = Problem::from(e);
            let status = problem.status;
            view.error = Some(problem.message);
            Ok((status, render(&view)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_drop_filters() {
        assert_eq!(
            title_from_query("backup \"live database\" [sqlite] is:accepted"),
            "backup live database"
        );
        assert_eq!(title_from_query("   "), "");
    }

    #[test]
    fn hrefs_are_encoded() {
        assert_eq!(
            search_href("a b", "c#", 2),
            "/search?q=a%20b&tag=c%23&page=2"
        );
        assert_eq!(
            ask_href("wifi drops [router]", &["router".into()]),
            "/ask?title=wifi%20drops&tags=router"
        );
    }
}
