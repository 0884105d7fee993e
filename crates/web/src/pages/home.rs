//! The home page: the search box, then the questions with sort tabs and pages.

use super::view::{parse_page, parse_sort, QuestionList, PER_PAGE};
use super::{render, Layout};
use crate::error::PageError;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(show))
}

/// `?sort=&page=` of a question list. Strings, so a mistyped URL gets the default, not a 400.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub sort: Option<String>,
    pub page: Option<String>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    list: QuestionList,
}

async fn show(
    State(state): State<AppState>,
    l: Layout,
    headers: axum::http::HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let (sort_key, sort) = parse_sort(q.sort.as_deref());
    let page = parse_page(q.page.as_deref());
    let shared = super::is_shared(&l, &headers);
    let key = format!("home:{sort_key}:{page}");
    if shared {
        if let Some(res) = super::cached_shared(&state, &key) {
            return Ok(res);
        }
    }
    let generation = state.pages.generation();
    let rows = state
        .app
        .list_questions(sort, None, Some(page), Some(PER_PAGE))
        .await?;
    let list = QuestionList::new("/", sort_key, page, &rows, stoa_app::now());
    let csrf = l.csrf.clone();
    let p = HomePage { l, list };
    if shared {
        return Ok(super::render_shared(
            &state,
            key,
            generation,
            String::new(),
            &csrf,
            &p,
        ));
    }
    Ok(render(&p))
}
