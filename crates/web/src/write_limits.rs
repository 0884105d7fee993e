//! Per-account and per-address limits on writes (posts, comments, votes, flags, edits, reviews,
//! moderation), counted by `stoa_app` (in memory on SQLite, in the database on PostgreSQL). Over a limit the request
//! is refused before it reaches a handler: 429 with `Retry-After`, as JSON for the API and as an
//! error page for forms.

use crate::auth::{cookie, ClientIp, SESSION_COOKIE};
use crate::error::{ApiError, PageError};
use crate::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Paths with limits of their own (sign-up, log-in, the assistant) or that write nothing
/// (previews).
fn exempt(path: &str) -> bool {
    path.starts_with("/api/v1/auth/")
        || matches!(
            path,
            "/signup" | "/login" | "/logout" | "/preview" | "/api/v1/assistant" | "/assistant"
        )
        || path.ends_with("/preview")
}

/// Counts a write against the caller's account and address; refuses over either limit.
pub async fn limit_writes(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    if matches!(method, Method::GET | Method::HEAD | Method::OPTIONS) || exempt(&path) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let ClientIp(ip) = match ClientIp::from_request_parts(&mut parts, &state).await {
        Ok(ip) => ip,
        Err(never) => match never {},
    };
    let api = path.starts_with("/api/");
    // Identify the account the way the handler will; an unknown credential counts by address only
    // and the handler refuses it.
    // A database error fails closed (the error's own answer, a 503 while the database is away)
    // instead of quietly counting the write against the address alone.
    let refuse = |e: stoa_app::AppError| {
        tracing::warn!(error = %e, path = %path, "cannot identify the writer; refusing the write");
        if api {
            ApiError::from(e).into_response()
        } else {
            PageError::from(e).into_response()
        }
    };
    let user_id = if api {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim);
        match token {
            Some(t) => match state.app.user_by_token(t).await {
                Ok(u) => Some(u.id),
                Err(stoa_app::AppError::Unauthenticated(_)) => None,
                Err(e) => return refuse(e),
            },
            None => None,
        }
    } else {
        match cookie(&parts.headers, SESSION_COOKIE) {
            Some(c) => match state.app.user_by_session(&c).await {
                Ok(u) => u.map(|u| u.id),
                Err(e) => return refuse(e),
            },
            None => None,
        }
    };
    if let Err(e) = state.app.check_write_limits(user_id, &ip).await {
        tracing::info!(path = %path, user.id = ?user_id, ip = %ip, "write refused by rate limit");
        return if api {
            ApiError::from(e).into_response()
        } else {
            PageError::from(e).into_response()
        };
    }
    next.run(Request::from_parts(parts, body)).await
}
