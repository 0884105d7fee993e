//! The home page: the search box, then the questions with sort tabs and pages.

use super::view::{parse_page, parse_sort, QuestionList, PER_PAGE};
use super::Layout;
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
    let app = &state.app;
    super::serve_list(
        &state,
        l,
        &headers,
        format!("home:{sort_key}:{page}"),
        |l| async move {
            let rows = app
                .list_questions(sort, None, Some(page), Some(PER_PAGE))
                .await?;
            let list = QuestionList::new("/", sort_key, page, &rows, stoa_app::now());
            Ok(HomePage { l, list })
        },
    )
    .await
}
