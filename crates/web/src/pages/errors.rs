//! Error pages in the site's style.

use crate::error::Problem;
use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: &'a str,
    css: &'static str,
}

/// A standalone error page (no user context, so it can be produced anywhere).
pub fn error_page(p: &Problem) -> Response {
    let title = match p.status {
        StatusCode::NOT_FOUND => "Page not found",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::UNAUTHORIZED => "Please log in",
        StatusCode::TOO_MANY_REQUESTS => "Slow down a little",
        StatusCode::SERVICE_UNAVAILABLE => "Back in a moment",
        s if s.is_server_error() => "Something went wrong",
        _ => "That did not work",
    };
    let page = ErrorPage {
        status: p.status.as_u16(),
        title,
        message: &p.message,
        css: crate::assets::asset_url("app.css"),
    };
    match page.render() {
        Ok(html) => (p.status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(_) => plain_500(),
    }
}

/// The last resort when even the error template fails.
pub fn plain_500() -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, "Internal error").into_response()
}

/// The fallback for unknown paths: JSON under `/api/`, a page elsewhere.
pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        crate::error::ApiError(Problem::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "No such API route.",
        ))
        .into_response()
    } else {
        error_page(&Problem::not_found())
    }
}
