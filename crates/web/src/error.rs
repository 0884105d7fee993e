//! The one mapping from use-case errors to HTTP: JSON bodies for the API, pages for browsers.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use stoa_app::AppError;

/// Status, code and message of any failure, decided once.
#[derive(Debug, Clone)]
pub struct Problem {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// Human message, safe to show.
    pub message: String,
    /// The input field concerned.
    pub field: Option<&'static str>,
    /// Seconds to wait, for 429 and 503.
    pub retry_after: Option<i64>,
}

impl Problem {
    /// A problem with no field and no retry hint.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Problem {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }

    /// The 404 of anything.
    pub fn not_found() -> Self {
        Problem::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "We could not find that page.",
        )
    }
}

impl From<AppError> for Problem {
    fn from(e: AppError) -> Self {
        let message = e.to_string();
        match e {
            AppError::Invalid { code, field, .. } => Problem {
                // A forged, used or expired link is a bad request, not a form to correct.
                status: if code == "invalid_token" {
                    StatusCode::BAD_REQUEST
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                },
                code,
                message,
                field,
                retry_after: None,
            },
            AppError::Conflict { code, .. } => Problem::new(StatusCode::CONFLICT, code, message),
            AppError::Unauthenticated(_) => {
                Problem::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
            }
            AppError::SecondFactor { code, .. } => {
                Problem::new(StatusCode::UNAUTHORIZED, code, message)
            }
            AppError::Forbidden(_) => Problem::new(StatusCode::FORBIDDEN, "forbidden", message),
            AppError::Refused { code, .. } => Problem::new(StatusCode::FORBIDDEN, code, message),
            AppError::NotFound(what) => Problem::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("That {what} does not exist."),
            ),
            AppError::RateLimited { retry_after } => Problem {
                retry_after: Some(retry_after),
                ..Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message)
            },
            AppError::Unavailable(source) => {
                tracing::warn!(error = %source, "database unavailable");
                Problem {
                    retry_after: Some(5),
                    ..Problem::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "unavailable",
                        "The service is briefly unavailable. Please try again in a moment.",
                    )
                }
            }
            AppError::Internal(source) => {
                tracing::error!(error = %source, error.debug = ?source, "internal error");
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Something went wrong on our side. It has been logged.",
                )
            }
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
/// The body of every API error.
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
/// What went wrong.
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `invalid_email`.
    pub code: String,
    /// Human message.
    pub message: String,
    /// The input field concerned, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An API failure, answered as `{"error": {"code", "message"}}`.
#[derive(Debug)]
pub struct ApiError(pub Problem);

impl<E: Into<Problem>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let p = self.0;
        let body_code = p.code.to_string();
        let body = ErrorBody {
            error: ErrorDetail {
                code: p.code.to_string(),
                message: p.message,
                field: p.field.map(String::from),
            },
        };
        let mut res = (p.status, axum::Json(body)).into_response();
        with_retry_after(&mut res, p.retry_after);
        mark_outage(&mut res, &body_code);
        res
    }
}

/// A browser-facing failure, answered with an error page in the site's style.
#[derive(Debug)]
pub struct PageError(pub Problem);

impl<E: Into<Problem>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let p = self.0;
        let mut res = crate::pages::errors::error_page(&p);
        with_retry_after(&mut res, p.retry_after);
        mark_outage(&mut res, p.code);
        res
    }
}

/// 413: a request body over [`crate::BODY_LIMIT`].
pub fn too_large() -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        format!(
            "The request body is larger than this site accepts ({} KB).",
            crate::BODY_LIMIT / 1024
        ),
    )
}

/// Marks a database outage for the gate (`crate::outage`), which then answers at once.
fn mark_outage(res: &mut Response, p_code: &str) {
    if res.status() == StatusCode::SERVICE_UNAVAILABLE && p_code == "unavailable" {
        res.extensions_mut()
            .insert(crate::outage::DatabaseUnavailable);
    }
}

fn with_retry_after(res: &mut Response, secs: Option<i64>) {
    if let Some(s) = secs {
        if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
}
