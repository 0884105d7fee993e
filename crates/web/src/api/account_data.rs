//! `/me/export`, `/me/exports` and `/me/delete`: the person's data taken away, and the account
//! deleted after a grace period.

use super::{parse_id, ApiJson};
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use stoa_app::ExportRow;
use stoa_domain::time::format_rfc3339;
use utoipa::ToSchema;

/// An export of the person's data.
#[derive(Serialize, ToSchema)]
pub struct ExportJson {
    /// Id.
    pub id: i64,
    /// `pending`, `ready` or `expired`.
    pub status: String,
    /// Asked for (RFC 3339).
    pub requested_at: String,
    /// Built.
    pub ready_at: Option<String>,
    /// The archive is dropped then.
    pub expires_at: Option<String>,
    /// Archive size in bytes.
    pub size_bytes: Option<i64>,
    /// Where to download the ZIP while it is kept (with the same credentials).
    pub download_url: Option<String>,
}

/// The person's exports.
#[derive(Serialize, ToSchema)]
pub struct ExportList {
    /// Newest first.
    pub items: Vec<ExportJson>,
}

/// Whether an export can still be downloaded, and its status word.
pub fn export_status(e: &ExportRow, now: i64) -> &'static str {
    match (e.ready_at, e.expires_at) {
        (None, _) => "pending",
        (Some(_), Some(until)) if until > now => "ready",
        _ => "expired",
    }
}

fn export_json(e: &ExportRow, now: i64) -> ExportJson {
    let status = export_status(e, now);
    ExportJson {
        id: e.id,
        status: status.to_string(),
        requested_at: format_rfc3339(e.requested_at),
        ready_at: e.ready_at.map(format_rfc3339),
        expires_at: e.expires_at.map(format_rfc3339),
        size_bytes: e.size_bytes,
        download_url: (status == "ready").then(|| format!("/api/v1/me/exports/{}/archive", e.id)),
    }
}

/// Asks for an archive (ZIP of JSON Lines files and a README) of everything you wrote and
/// did; it is built in the background and a notification says when it is ready. Kept 7 days.
#[utoipa::path(post, path = "/api/v1/me/export", tag = "accounts", security(("bearer" = [])),
    responses((status = 202, body = ExportJson), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "One is being prepared already"),
        (status = 429, body = ErrorBody)))]
pub async fn request(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> Result<(StatusCode, Json<ExportJson>), ApiError> {
    let id = state.app.request_export(&u).await?;
    let now = stoa_app::now();
    let row = ExportRow {
        id,
        requested_at: now,
        ready_at: None,
        expires_at: None,
        size_bytes: None,
    };
    Ok((StatusCode::ACCEPTED, Json(export_json(&row, now))))
}

/// Your exports, newest first.
#[utoipa::path(get, path = "/api/v1/me/exports", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = ExportList), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> Result<Json<ExportList>, ApiError> {
    let now = stoa_app::now();
    let items = state
        .app
        .exports(&u)
        .await?
        .iter()
        .map(|e| export_json(e, now))
        .collect();
    Ok(Json(ExportList { items }))
}

/// A ZIP response for an archive.
pub fn zip_response(id: i64, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"my-data-{id}.zip\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// Downloads an export's archive while it is kept.
#[utoipa::path(get, path = "/api/v1/me/exports/{id}/archive", tag = "accounts", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Export id")),
    responses((status = 200, content_type = "application/zip", description = "The archive"),
        (status = 404, body = ErrorBody, description = "No such export, not ready, or expired")))]
pub async fn archive(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let bytes = state.app.export_archive(&u, id).await?;
    Ok(zip_response(id, bytes))
}

/// A deletion request.
#[derive(Deserialize, ToSchema)]
pub struct DeleteBody {
    /// The current password.
    pub password: String,
    /// Also delete your posts that have no answers by others (default: they stay, attributed
    /// to "deleted user N").
    #[serde(default)]
    pub delete_posts: bool,
}

/// When a scheduled deletion takes effect.
#[derive(Serialize, ToSchema)]
pub struct DeletionJson {
    /// RFC 3339; until then `DELETE /api/v1/me/delete` cancels it.
    pub effective_at: String,
}

/// Deletes your account after 14 days (cancellable until then): personal data is erased;
/// public posts stay under the content licence as "deleted user N" unless `delete_posts`.
/// See docs/account-deletion.md for exactly what is kept.
#[utoipa::path(post, path = "/api/v1/me/delete", tag = "accounts", request_body = DeleteBody, security(("bearer" = [])),
    responses((status = 202, body = DeletionJson), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Already scheduled"),
        (status = 422, body = ErrorBody, description = "Wrong password")))]
pub async fn delete(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<DeleteBody>,
) -> Result<(StatusCode, Json<DeletionJson>), ApiError> {
    let due = state
        .app
        .request_deletion(&u, &b.password, b.delete_posts)
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(DeletionJson {
            effective_at: format_rfc3339(due),
        }),
    ))
}

/// Cancels a scheduled deletion.
#[utoipa::path(delete, path = "/api/v1/me/delete", tag = "accounts", security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ErrorBody, description = "None scheduled")))]
pub async fn cancel(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> Result<StatusCode, ApiError> {
    state.app.cancel_deletion(&u).await?;
    Ok(StatusCode::NO_CONTENT)
}
