//! Database outages: once a request finds the database unavailable, every request (but static
//! assets, `/healthz` and `/metrics`) answers 503 at once with `Retry-After`, instead of each
//! waiting for a connection that cannot come; a probe pings the database every half second and
//! reopens the gate as soon as it answers. What is remembered here is only an observation of
//! the database, never data.

use crate::error::{ApiError, PageError, Problem};
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long a health check waits for the database.
pub const PING_TIMEOUT: Duration = Duration::from_secs(1);
/// How often the probe looks while the database is away.
const PROBE_EVERY: Duration = Duration::from_millis(500);

/// Whether the database is known to be away, and whether a probe is watching for its return.
#[derive(Debug, Default)]
pub struct Outage {
    down: AtomicBool,
    probing: AtomicBool,
}

/// Marks a response produced because the database did not answer.
#[derive(Clone, Copy, Debug)]
pub struct DatabaseUnavailable;

impl Outage {
    /// Whether requests should be answered 503 without trying the database.
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Acquire)
    }
}

/// Pings the database within [`PING_TIMEOUT`].
pub async fn ping(state: &AppState) -> bool {
    matches!(
        tokio::time::timeout(PING_TIMEOUT, state.app.store().ping()).await,
        Ok(Ok(()))
    )
}

/// After a request found the database unavailable: checks with a connection of its own (busy
/// pools are overload, not an outage) and, if the database is away, closes the gate and
/// probes until it returns (one check or probe at a time).
pub fn suspect_down(state: &AppState) {
    if state.outage.probing.swap(true, Ordering::AcqRel) {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        let store = state.app.store();
        if store.reachable(PING_TIMEOUT).await {
            state.outage.probing.store(false, Ordering::Release);
            return;
        }
        state.outage.down.store(true, Ordering::Release);
        tracing::warn!("the database is not answering; requests get 503 until it returns");
        loop {
            tokio::time::sleep(PROBE_EVERY).await;
            if store.reachable(PING_TIMEOUT).await {
                state.outage.down.store(false, Ordering::Release);
                state.outage.probing.store(false, Ordering::Release);
                tracing::info!("the database answers again");
                return;
            }
        }
    });
}

fn exempt(path: &str) -> bool {
    path.starts_with("/static/") || path == "/healthz" || path == "/metrics"
}

/// The gate: 503 at once while the database is away; notes an outage a request ran into.
pub async fn gate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if state.outage.is_down() && !exempt(&path) {
        let p = Problem {
            retry_after: Some(2),
            ..Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "The service is briefly unavailable. Please try again in a moment.",
            )
        };
        return if path.starts_with("/api/") {
            ApiError(p).into_response()
        } else {
            PageError(p).into_response()
        };
    }
    let res = next.run(req).await;
    if res.extensions().get::<DatabaseUnavailable>().is_some() {
        suspect_down(&state);
    }
    res
}
