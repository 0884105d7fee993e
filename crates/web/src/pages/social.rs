//! Votes and comments. With htmx they answer with the fragment to swap in place; without
//! JavaScript they redirect back to the post (303), or show the error.

use super::post_view::{CommentView, VoteBox};
use super::questions::{post_location, question_response, Drafts};
use super::{is_htmx, login_redirect, parse_id, render, Layout};
use crate::auth::MaybeUser;
use crate::csrf::CsrfForm;
use crate::error::{PageError, Problem};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use stoa_app::AppError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/posts/{id}/vote", post(vote))
        .route("/posts/{id}/comments", post(create_comment))
}

#[derive(Template)]
#[template(path = "_votes.html")]
struct VotesFragment {
    l: Layout,
    v: VoteBox,
}

#[derive(Template)]
#[template(path = "_comment_added.html")]
struct CommentAdded {
    c: CommentView,
    post_id: i64,
}

#[derive(Template)]
#[template(
    source = "<p class=\"alert\" role=\"alert\">{{ message }}</p>",
    ext = "html"
)]
struct AlertFragment<'a> {
    message: &'a str,
}

/// Errors a person can act on: shown where they acted rather than as an error page.
fn is_for_the_user(e: &AppError) -> bool {
    matches!(
        e,
        AppError::Invalid { .. }
            | AppError::Forbidden(_)
            | AppError::RateLimited { .. }
            | AppError::Conflict { .. }
    )
}

#[derive(Deserialize)]
struct VoteForm {
    #[serde(default)]
    value: String,
}

async fn vote(
    State(state): State<AppState>,
    l: Layout,
    headers: HeaderMap,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<VoteForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let htmx = is_htmx(&headers);
    let post = state.app.post(id).await?;
    let back = post_location(&state.app, &post).await?;
    let Some(user) = l.user.clone() else {
        return Ok(login_redirect(&back, htmx));
    };
    let result = match form.value.trim().parse::<i64>() {
        Ok(value) => state
            .app
            .vote(&user, id, value)
            .await
            .map(|score| (score, value)),
        Err(_) => Err(AppError::invalid(
            "invalid_vote",
            "value",
            "A vote is 1, -1 or 0.",
        )),
    };
    if !htmx {
        result?;
        return Ok(Redirect::to(&back).into_response());
    }
    let mut v = VoteBox {
        post_id: id,
        score: post.score,
        mine: 0,
        signed_in: true,
        login_href: String::new(),
        error: None,
    };
    match result {
        Ok((score, value)) => (v.score, v.mine) = (score, value),
        Err(e) if is_for_the_user(&e) => {
            v.mine = state.app.my_vote(&user, id).await?;
            v.error = Some(Problem::from(e).message);
        }
        Err(e) => return Err(e.into()),
    }
    // 200 even for a refused vote: htmx swaps only successful responses, and the message must show.
    Ok(render(&VotesFragment { l, v }))
}

#[derive(Deserialize)]
struct CommentForm {
    #[serde(default)]
    body: String,
}

async fn create_comment(
    State(state): State<AppState>,
    l: Layout,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<CommentForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let htmx = is_htmx(&headers);
    let post = state.app.post(id).await?;
    let Some(user) = user else {
        return Ok(login_redirect(
            &post_location(&state.app, &post).await?,
            htmx,
        ));
    };
    match state.app.add_comment(&user, id, &form.body).await {
        Ok(c) if htmx => Ok(render(&CommentAdded {
            c: CommentView::from_row(&c, stoa_app::now()),
            post_id: id,
        })),
        Ok(c) => {
            let back = post_location(&state.app, &post).await?;
            let back = back.split('#').next().unwrap_or(&back).to_string();
            Ok(Redirect::to(&format!("{back}#comment-{}", c.id)).into_response())
        }
        Err(e) if is_for_the_user(&e) && htmx => {
            // Show the message above the field instead of appending it to the list.
            let p = Problem::from(e);
            let mut res = render(&AlertFragment {
                message: &p.message,
            });
            if let Ok(target) = HeaderValue::from_str(&format!("#comment-error-{id}")) {
                res.headers_mut()
                    .insert(HeaderName::from_static("hx-retarget"), target);
            }
            res.headers_mut().insert(
                HeaderName::from_static("hx-reswap"),
                HeaderValue::from_static("innerHTML"),
            );
            Ok(res)
        }
        Err(e @ AppError::Invalid { .. }) => {
            let p = Problem::from(e);
            let drafts = Drafts {
                comment: Some((id, form.body, p.message)),
                ..Drafts::default()
            };
            question_response(&state, l, post.parent_id.unwrap_or(id), drafts, p.status).await
        }
        Err(e) => Err(e.into()),
    }
}
