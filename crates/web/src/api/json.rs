//! A JSON body extractor whose failures use the API's error shape instead of plain text.

use crate::error::{ApiError, Problem};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// Like `axum::Json`, but a missing field, wrong type, bad UTF-8 or wrong content type is a
/// `{"error": …}` body with a message that says what to fix.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(ApiError(match rejection {
                JsonRejection::MissingJsonContentType(_) => Problem::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "Send the body as JSON with `Content-Type: application/json`.",
                ),
                JsonRejection::JsonSyntaxError(e) => Problem::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_json",
                    format!("The body is not valid JSON: {}", e.body_text()),
                ),
                JsonRejection::JsonDataError(e) => Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_request",
                    format!(
                        "The JSON does not have the expected fields: {}",
                        e.body_text()
                    ),
                ),
                other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    crate::error::too_large()
                }
                other => Problem::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    other.body_text(),
                ),
            })),
        }
    }
}

/// A JSON body that may be left out: an empty body is `T::default()`; anything else is read
/// as [`ApiJson`] reads it.
pub struct JsonOrEmpty<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for JsonOrEmpty<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, crate::BODY_LIMIT)
            .await
            .map_err(|_| ApiError(crate::error::too_large()))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonOrEmpty(T::default()));
        }
        let req = Request::from_parts(parts, axum::body::Body::from(bytes));
        ApiJson::<T>::from_request(req, state)
            .await
            .map(|ApiJson(v)| JsonOrEmpty(v))
    }
}
