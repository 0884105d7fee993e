//! A person's public profile: who they are and what they asked and answered.

use super::home::ListQuery;
use super::view::{count, parse_page, question_url, Pager, When, PER_PAGE};
use super::{parse_id, render, Layout};
use crate::error::PageError;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new().route("/users/{id}", get(show))
}

/// One of the person's questions or answers.
struct UserPost {
    is_question: bool,
    title: String,
    href: String,
    votes: String,
    /// A question with an accepted answer.
    accepted: bool,
    when: When,
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    l: Layout,
    username: String,
    /// "Admin", "Moderator" or "Agent"; members get no badge.
    role: Option<&'static str>,
    reputation: i64,
    joined: When,
    total: String,
    posts: Vec<UserPost>,
    pager: Pager,
    follow: Option<super::notify::FollowButton>,
}

async fn show(
    State(state): State<AppState>,
    l: Layout,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let user = state.app.user(id).await?;
    let page = parse_page(q.page.as_deref());
    let (rows, titles) = state.app.user_posts(id, Some(page), Some(PER_PAGE)).await?;
    let now = stoa_app::now();
    let posts = rows
        .items
        .iter()
        .map(|p| {
            let (title, href) = match p.parent_id {
                Some(qid) => {
                    let t = titles
                        .get(&qid)
                        .cloned()
                        .unwrap_or_else(|| format!("Question {qid}"));
                    let href = format!("{}#answer-{}", question_url(qid, &t), p.id);
                    (t, href)
                }
                None => (p.title.clone(), question_url(p.id, &p.title)),
            };
            UserPost {
                is_question: p.parent_id.is_none(),
                title,
                href,
                votes: count(p.score, "vote", "votes"),
                accepted: p.parent_id.is_none() && p.accepted_answer_id.is_some(),
                when: When::at(p.created_at, now),
            }
        })
        .collect();
    let role = match user.role {
        r if r.is_staff() => Some(match r.as_str() {
            "admin" => "Admin",
            "moderator" => "Moderator",
            _ => "Agent",
        }),
        _ => None,
    };
    let follow =
        super::notify::follow_button(&state, &l, "user", id.to_string(), format!("/users/{id}"))
            .await;
    Ok(render(&UserPage {
        follow,
        l,
        role,
        reputation: user.reputation,
        joined: When::at(user.created_at, now),
        total: count(rows.total, "post", "posts"),
        posts,
        pager: Pager::new(page, PER_PAGE, rows.total, |n| {
            format!("/users/{id}?page={n}")
        }),
        username: user.username,
    }))
}
