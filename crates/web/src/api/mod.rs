//! The versioned JSON API under `/api/v1`, and its OpenAPI document generated from the handlers.

mod accounts;
mod dto;
mod json;
mod query;
mod questions;
mod search;
mod users;

use crate::error::{ApiError, Problem};
use crate::AppState;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub use json::ApiJson;
pub use query::ApiQuery;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/auth/signup", post(accounts::signup))
        .route("/auth/login", post(accounts::login))
        .route("/me", get(accounts::me))
        .route("/questions", get(questions::list).post(questions::create))
        .route("/questions/{id}", get(questions::show))
        .route("/questions/{id}/answers", post(questions::answer))
        .route("/questions/{id}/accept", post(questions::accept))
        .route(
            "/posts/{id}",
            axum::routing::patch(questions::edit).delete(questions::delete),
        )
        .route("/posts/{id}/comments", post(questions::comment))
        .route("/posts/{id}/vote", post(questions::vote))
        .route("/posts/{id}/revisions", get(questions::revisions))
        .route("/users/{id}", get(users::show))
        .route("/tags", get(users::tags))
        .route("/search", get(search::search))
        .route("/similar", get(search::similar))
}

/// Ids in paths are positive integers; anything else names nothing, so it is a 404.
pub fn parse_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        ApiError(Problem::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "No such item.",
        ))
    })
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Stoa API", version = "1", description = "The JSON API of a Stoa community help center. \
        Authenticate with `Authorization: Bearer <token>`; errors are `{\"error\": {\"code\", \"message\"}}`."),
    paths(
        accounts::signup, accounts::login, accounts::me,
        questions::list, questions::create, questions::show, questions::answer, questions::accept,
        questions::comment, questions::vote, questions::edit, questions::delete, questions::revisions,
        users::show, users::tags, search::search, search::similar,
    ),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail)),
    modifiers(&BearerAuth),
    tags(
        (name = "accounts", description = "Sign-up, log-in and the current user"),
        (name = "questions", description = "Questions, answers, acceptance and tags"),
        (name = "posts", description = "Operations on any post: comments, votes, edits, history, deletion"),
        (name = "users", description = "Public profiles"),
        (name = "search", description = "Full-text search and similar-question suggestions"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = doc.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// The OpenAPI 3 document, as JSON text.
pub fn openapi_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".into())
}

async fn openapi() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        openapi_json(),
    )
}
