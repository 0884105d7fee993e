//! The versioned JSON API under `/api/v1`, and its OpenAPI document generated from the handlers.

mod accounts;
mod json;

use crate::AppState;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub use json::ApiJson;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/auth/signup", post(accounts::signup))
        .route("/auth/login", post(accounts::login))
        .route("/me", get(accounts::me))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Stoa API", version = "1", description = "The JSON API of a Stoa community help center. \
        Authenticate with `Authorization: Bearer <token>`; errors are `{\"error\": {\"code\", \"message\"}}`."),
    paths(accounts::signup, accounts::login, accounts::me),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail)),
    modifiers(&BearerAuth),
    tags((name = "accounts", description = "Sign-up, log-in and the current user"))
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
    ApiDoc::openapi().to_pretty_json().unwrap_or_else(|_| "{}".into())
}

async fn openapi() -> impl IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], openapi_json())
}
