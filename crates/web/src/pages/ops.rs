//! Operations endpoints: health and metrics.

use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// 200 when the database answers, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> Response {
    match crate::outage::ping(&state).await {
        true => (
            StatusCode::OK,
            [(header::CACHE_CONTROL, "no-store")],
            axum::Json(serde_json::json!({"status": "ok"})),
        )
            .into_response(),
        false => {
            crate::outage::suspect_down(&state);
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CACHE_CONTROL, "no-store")],
                axum::Json(serde_json::json!({"status": "unavailable", "error": {"code": "unavailable", "message": "The database is not answering."}})),
            )
                .into_response()
        }
    }
}

/// With a configured token, its bearers; without one, clients on this machine that did not
/// come through a proxy (a proxy's requests carry `X-Forwarded-For`). Others get a 404: the
/// metrics name routes and volumes an outsider has no business seeing.
fn may_read_metrics(
    state: &AppState,
    peer: Option<std::net::SocketAddr>,
    headers: &axum::http::HeaderMap,
) -> bool {
    let token = &state.web.metrics_token;
    if !token.is_empty() {
        return headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|t| stoa_app::constant_time_eq(t.trim(), token));
    }
    peer.is_some_and(|p| p.ip().is_loopback()) && !headers.contains_key("x-forwarded-for")
}

/// Prometheus metrics.
pub async fn metrics(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0);
    if !may_read_metrics(&state, peer, req.headers()) {
        return crate::pages::errors::not_found(axum::http::Uri::from_static("/metrics")).await;
    }
    let pool = state.app.store().pool_stats();
    let mut text = state.metrics.render(pool.size, pool.idle);
    // The queue lives in the database, so every process reports the same, shared figures;
    // an unreachable database leaves them out rather than failing the scrape.
    if let Ok(c) = state.app.job_counts().await {
        text.push_str(
            "# HELP stoa_jobs Background jobs in the shared queue, by state (dead: given up, see /admin/jobs).\n\
             # TYPE stoa_jobs gauge\n",
        );
        for (s, n) in [
            ("queued", c.queued),
            ("running", c.running),
            ("dead", c.dead),
            ("done", c.done),
        ] {
            text.push_str(&format!("stoa_jobs{{state=\"{s}\"}} {n}\n"));
        }
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}
