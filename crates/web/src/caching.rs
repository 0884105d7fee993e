//! HTTP caching for reads: a strong validator (ETag) on every successful GET of HTML or JSON,
//! answered with 304 when the client already has it, and shared caching for pages that hold
//! nothing personal.

use crate::auth::SESSION_COOKIE;
use crate::csrf::CsrfToken;
use crate::page_cache::PrecomputedEtag;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Pages larger than this are sent without an ETag rather than buffered.
const MAX_BUFFER: usize = 4 * 1024 * 1024;

/// Adds `ETag`, answers `If-None-Match` with 304, and picks `Cache-Control`.
pub async fn etag(req: Request, next: Next) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return next.run(req).await;
    }
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    // Who is asking decides whether the answer may be shared: a session, a bearer token, or a
    // first visit (the CSRF cookie is being set further out) all make it personal.
    let has_session = crate::auth::cookie(req.headers(), SESSION_COOKIE).is_some()
        || req.headers().contains_key(header::AUTHORIZATION)
        || crate::auth::cookie(req.headers(), crate::csrf::COOKIE).is_none();
    let token = req.extensions().get::<CsrfToken>().map(|t| t.0.clone());
    let res = next.run(req).await;
    if res.extensions().get::<PrecomputedEtag>().is_some() {
        return precomputed(res, has_session, if_none_match.as_ref());
    }
    let cacheable_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html") || ct.starts_with("application/json"));
    if res.status() != StatusCode::OK || !cacheable_type || res.headers().contains_key(header::ETAG)
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BUFFER).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "response too large").into_response();
    };
    let tag = format!("\"{:016x}\"", crate::assets::fnv1a(&bytes));
    // A page may be stored by shared caches only if it is the same for everyone: no session,
    // no cookie being set, and no CSRF token of this visitor inside it.
    let personal = has_session
        || parts.headers.contains_key(header::SET_COOKIE)
        || token.is_some_and(|t| !t.is_empty() && contains(&bytes, t.as_bytes()));
    let is_page = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("text/html"));
    if is_page || !parts.headers.contains_key(header::CACHE_CONTROL) {
        let policy = if personal {
            "private, no-cache"
        } else {
            "public, no-cache"
        };
        parts
            .headers
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    if let Ok(v) = HeaderValue::from_str(&tag) {
        parts.headers.insert(header::ETAG, v);
    }
    if if_none_match.is_some_and(|v| matches_tag(&v, &tag)) {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// A response whose handler set the ETag and vouched that no visitor's token is inside: the
/// same policy and 304 answer, without reading the body.
fn precomputed(mut res: Response, personal: bool, if_none_match: Option<&HeaderValue>) -> Response {
    let personal = personal || res.headers().contains_key(header::SET_COOKIE);
    let policy = if personal {
        "private, no-cache"
    } else {
        "public, no-cache"
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    let tag = res
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !tag.is_empty() && if_none_match.is_some_and(|v| matches_tag(v, tag)) {
        let (mut parts, _) = res.into_parts();
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    res
}

fn matches_tag(if_none_match: &HeaderValue, tag: &str) -> bool {
    if_none_match.to_str().ok().is_some_and(|v| {
        v.split(',')
            .any(|t| t.trim().trim_start_matches("W/") == tag || t.trim() == "*")
    })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}
