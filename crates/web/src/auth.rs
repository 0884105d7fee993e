//! Who is asking: session cookies for pages, bearer tokens for the API, and the client address.

use crate::error::{ApiError, PageError, Problem};
use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use std::net::SocketAddr;
use stoa_app::AuthUser;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "stoa_session";

/// Reads one cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The user of the browser session, if logged in.
pub struct MaybeUser(pub Option<AuthUser>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(u) = parts.extensions.get::<SessionUser>() {
            return Ok(MaybeUser(u.0.clone()));
        }
        let user = match cookie(&parts.headers, SESSION_COOKIE) {
            Some(c) => state.app.user_by_session(&c).await?,
            None => None,
        };
        parts.extensions.insert(SessionUser(user.clone()));
        Ok(MaybeUser(user))
    }
}

#[derive(Clone)]
struct SessionUser(Option<AuthUser>);

/// A logged-in browser user; anonymous visitors are sent to the log-in page.
pub struct PageUser(pub AuthUser);

impl FromRequestParts<AppState> for PageUser {
    type Rejection = axum::response::Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        match MaybeUser::from_request_parts(parts, state).await {
            Ok(MaybeUser(Some(u))) => Ok(PageUser(u)),
            Ok(MaybeUser(None)) => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let to = format!("/login?next={}", crate::pages::url_encode(next));
                Err(axum::response::Redirect::to(&to).into_response())
            }
            Err(e) => Err(e.into_response()),
        }
    }
}

/// The user of a bearer token; the API answers 401 without one.
pub struct ApiUser(pub AuthUser);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(ApiError(Problem::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "This needs an access token: send `Authorization: Bearer <token>`.",
            )));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or_else(|| {
                ApiError(Problem::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid_token",
                    "The Authorization header must be `Bearer <token>`.",
                ))
            })?;
        match state.app.user_by_token(token).await {
            Ok(u) => {
                check_scope(parts, &u)?;
                Ok(ApiUser(u))
            }
            Err(stoa_app::AppError::Unauthenticated(m)) => Err(ApiError(Problem::new(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                m,
            ))),
            Err(e) => Err(e.into()),
        }
    }
}

/// Refuses a personal access token on a route its scopes do not cover (the owner's rights
/// are checked after, by the policy, as for any request).
fn check_scope(parts: &Parts, u: &AuthUser) -> Result<(), ApiError> {
    use stoa_domain::tokens::{needs, Needs, Scopes};
    if u.scopes == Scopes::Full {
        return Ok(());
    }
    let route = parts
        .extensions
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| parts.uri.path(), |m| m.as_str());
    let refused = match needs(parts.method.as_str(), route) {
        Needs::Scope(s) if u.scopes.allows(s) => return Ok(()),
        Needs::Scope(s) => format!(
            "This token's scopes ({}) do not include {}, which this request needs.",
            u.scopes.names().join(", "),
            s.as_str()
        ),
        Needs::Account => "Tokens, sessions and the password are managed with a log-in, not \
                           with a personal access token."
            .to_string(),
    };
    Err(ApiError(Problem::new(
        StatusCode::FORBIDDEN,
        "insufficient_scope",
        refused,
    )))
}

/// The bearer user if a token was sent, for routes anonymous visitors may also read.
pub struct MaybeApiUser(pub Option<AuthUser>);

impl FromRequestParts<AppState> for MaybeApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            Ok(MaybeApiUser(Some(
                ApiUser::from_request_parts(parts, state).await?.0,
            )))
        } else {
            Ok(MaybeApiUser(None))
        }
    }
}

/// The client's address: the socket peer, or the last `X-Forwarded-For` entry (the one the
/// trusted proxy added) behind a trusted proxy.
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.web.trust_proxy {
            // The trusted proxy appends the address it saw: the last entry. Earlier entries
            // come from the client, who can write anything there.
            if let Some(ip) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                return Ok(ClientIp(ip.to_string()));
            }
        }
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(ClientIp(ip))
    }
}

/// The client's `User-Agent`, trimmed.
pub fn user_agent(headers: &HeaderMap) -> String {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(200)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; stoa_session=xyz; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&h, "stoa_session").as_deref(), Some("xyz"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
