//! A query-string extractor whose failures use the API's error shape.

use crate::error::{ApiError, Problem};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// Like `axum::extract::Query`, but a bad value (e.g. `page=abc`) is a 422 `{"error": …}`.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str(q).map(ApiQuery).map_err(|e| {
            ApiError(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_query",
                format!("The query string is invalid: {e}."),
            ))
        })
    }
}
