//! CSRF protection for HTML forms: a random token in an HttpOnly, SameSite=Lax cookie from which
//! every form's hidden field is derived (double submit). Cross-site pages can neither read the
//! cookie nor set it, so they cannot forge the field. The field is bound to the session: it is
//! the SHA-256 of the cookie's token and the session cookie, so a field from one session (or
//! from before logging in) is refused in another. A form post whose `Origin` is another site
//! is refused too. The JSON API uses bearer tokens and needs none.

use crate::error::{PageError, Problem};
use crate::AppState;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// Name of the CSRF cookie.
pub const COOKIE: &str = "stoa_csrf";

/// The CSRF token of this request, for rendering into forms.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

/// Ensures every request has a CSRF token; sets the cookie when it was missing.
pub async fn issue_token(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let existing = crate::auth::cookie(req.headers(), COOKIE).filter(|t| valid_shape(t));
    let (token, fresh) = match existing {
        Some(t) => (t, false),
        None => (stoa_app::new_token(""), true),
    };
    let session = crate::auth::cookie(req.headers(), crate::auth::SESSION_COOKIE);
    req.extensions_mut()
        .insert(CsrfToken(form_token(&token, session.as_deref())));
    let mut res = next.run(req).await;
    if fresh {
        let secure = if state.web.secure_cookies {
            "; Secure"
        } else {
            ""
        };
        let cookie = format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{secure}");
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// The value forms carry: the cookie's token bound to the session, if there is one.
fn form_token(cookie: &str, session: Option<&str>) -> String {
    match session {
        Some(s) => stoa_app::token_hash(&format!("{cookie}:{s}")),
        None => cookie.to_string(),
    }
}

/// Whether the request's `Origin` (when the browser sent one) is this site.
fn same_origin(headers: &axum::http::HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest.trim_end_matches('/') == host)
}

fn valid_shape(t: &str) -> bool {
    t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_tokens_are_bound_to_the_session() {
        let cookie = "a".repeat(64);
        assert_eq!(form_token(&cookie, None), cookie);
        let one = form_token(&cookie, Some("stoa_s_one"));
        assert!(valid_shape(&one));
        assert_ne!(one, form_token(&cookie, Some("stoa_s_two")));
    }

    #[test]
    fn origins() {
        let mut h = axum::http::HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("help.example.org"));
        assert!(
            same_origin(&h),
            "no Origin: older browsers, same-site navigations"
        );
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://help.example.org"),
        );
        assert!(same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&h));
    }
}

#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf_token: String,
}

/// A URL-encoded form whose `csrf_token` field matched the cookie; otherwise a 403 page.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for CsrfForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let expected = req
            .extensions()
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        if !same_origin(req.headers()) {
            return Err(PageError(Problem::new(
                StatusCode::FORBIDDEN,
                "cross_origin",
                "This form was sent from another site, so it was not accepted.",
            )));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                PageError(if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    crate::error::too_large()
                } else {
                    Problem::new(
                        StatusCode::BAD_REQUEST,
                        "bad_form",
                        "The form could not be read.",
                    )
                })
            })?;
        let field: CsrfField = serde_urlencoded::from_bytes(&bytes).map_err(|_| bad_form())?;
        if expected.is_empty() || !stoa_app::constant_time_eq(&field.csrf_token, &expected) {
            return Err(PageError(Problem::new(
                StatusCode::FORBIDDEN,
                "csrf_mismatch",
                "This form has expired or did not come from this site. Please go back, reload the page and try again.",
            )));
        }
        let value = serde_urlencoded::from_bytes(&bytes).map_err(|_| bad_form())?;
        Ok(CsrfForm(value))
    }
}

fn bad_form() -> PageError {
    PageError(Problem::new(
        StatusCode::BAD_REQUEST,
        "bad_form",
        "The form was incomplete or malformed. Please reload the page and try again.",
    ))
}
