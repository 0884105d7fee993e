//! The tag list (with a name filter) and each tag's questions.

use super::home::ListQuery;
use super::view::{count, parse_page, parse_sort, tag_url, Pager, QuestionList, PER_PAGE};
use super::{render, url_encode, Layout};
use crate::error::{PageError, Problem};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use stoa_app::{AppError, TagRow};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tags", get(list))
        .route("/tags/{tag}", get(show))
}

/// A tag as the pages show it.
pub struct TagView {
    name: String,
    href: String,
    questions: String,
    excerpt: String,
}

impl TagView {
    fn from_row(t: &TagRow) -> Self {
        TagView {
            href: tag_url(&t.name),
            questions: count(t.question_count, "question", "questions"),
            name: t.name.clone(),
            excerpt: t.excerpt.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "tags.html")]
struct TagsPage {
    l: Layout,
    q: String,
    tags: Vec<TagView>,
    pager: Pager,
    error: Option<Problem>,
}

#[derive(Template)]
#[template(path = "tag.html")]
struct TagPage {
    l: Layout,
    tag: TagView,
    list: QuestionList,
    follow: Option<super::notify::FollowButton>,
}

#[derive(Deserialize)]
struct TagsQuery {
    #[serde(default)]
    q: String,
    page: Option<String>,
}

/// Tags shown on one page of the tag list.
const TAGS_PER_PAGE: i64 = 60;

async fn list(
    State(state): State<AppState>,
    l: Layout,
    Query(query): Query<TagsQuery>,
) -> Result<Response, PageError> {
    let page = parse_page(query.page.as_deref());
    let q = query.q.trim().to_string();
    let filter = Some(q.as_str()).filter(|s| !s.is_empty());
    match state
        .app
        .list_tags(filter, Some(page), Some(TAGS_PER_PAGE))
        .await
    {
        Ok(rows) => {
            let base = if q.is_empty() {
                "/tags?".to_string()
            } else {
                format!("/tags?q={}&", url_encode(&q))
            };
            let pager = Pager::new(page, TAGS_PER_PAGE, rows.total, |n| {
                format!("{base}page={n}")
            });
            let tags = rows.items.iter().map(TagView::from_row).collect();
            Ok(render(&TagsPage {
                l,
                q,
                tags,
                pager,
                error: None,
            }))
        }
        // A filter that cannot match (too long) is explained next to the filter box.
        Err(e @ AppError::Invalid { .. }) => {
            let p = Problem::from(e);
            let status = p.status;
            let pager = Pager::new(1, TAGS_PER_PAGE, 0, |_| String::new());
            Ok((
                status,
                render(&TagsPage {
                    l,
                    q,
                    tags: Vec::new(),
                    pager,
                    error: Some(p),
                }),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn show(
    State(state): State<AppState>,
    l: Layout,
    headers: axum::http::HeaderMap,
    Path(name): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let (sort_key, sort) = parse_sort(q.sort.as_deref());
    let page = parse_page(q.page.as_deref());
    let app = &state.app;
    // Keyed by the tag's canonical name, so `/tags/Rust` and `/tags/rust` share one entry.
    let canonical = stoa_domain::post::TagName::parse(&name)
        .map(|t| t.as_str().to_string())
        .unwrap_or_else(|_| name.clone());
    let key = format!("tag:{canonical}:{sort_key}:{page}");
    let st = &state;
    super::serve_list(&state, l, &headers, key, |l| async move {
        let tag = app.tag(&name).await?;
        let follow =
            super::notify::follow_button(st, &l, "tag", tag.name.clone(), tag_url(&tag.name)).await;
        let rows = app
            .list_questions(sort, Some(&tag.name), Some(page), Some(PER_PAGE))
            .await?;
        let tag = TagView::from_row(&tag);
        let list = QuestionList::new(&tag.href, sort_key, page, &rows, stoa_app::now());
        Ok(TagPage {
            l,
            tag,
            list,
            follow,
        })
    })
    .await
}
