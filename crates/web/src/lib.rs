//! Stoa's HTTP layer: HTML pages (with htmx fragments), the JSON API and its OpenAPI document,
//! sessions, CSRF, security headers and metrics. It parses and renders; `stoa_app` decides.

mod api;
mod assets;
mod auth;
mod caching;
mod csrf;
mod error;
mod headers;
pub mod metrics;
pub mod outage;
mod page_cache;
mod pages;
mod paths;
mod write_limits;

use axum::Router;
use std::sync::Arc;
use stoa_app::App;

pub use api::openapi_json;

/// The health report as the API returns it, as pretty JSON (for `stoa health --json`).
pub fn health_report_json(r: &stoa_app::HealthReport) -> String {
    serde_json::to_string_pretty(&api::health::health_json(r)).unwrap_or_else(|_| "{}".into())
}
pub use page_cache::PageCache;

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// The community's name, shown in the header and titles.
    pub site_name: String,
    /// Licence of user content, shown in the footer.
    pub content_license: String,
    /// Set the `Secure` flag on cookies (the site is served over TLS).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_proxy: bool,
    /// The bearer token `/metrics` asks for; empty: local, direct clients only.
    pub metrics_token: String,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            site_name: "Stoa".into(),
            content_license: "CC BY-SA 4.0".into(),
            secure_cookies: false,
            trust_proxy: false,
            metrics_token: String::new(),
        }
    }
}

/// What every handler can reach: one shared allocation, so the clone each layer and handler
/// takes is a single reference count (cloning the parts was an eighth of a cached page's time).
pub type AppState = Arc<Shared>;

/// The parts of [`AppState`].
pub struct Shared {
    /// The use cases.
    pub app: App,
    /// Web settings.
    pub web: Arc<WebSettings>,
    /// Request metrics.
    pub metrics: Arc<metrics::Metrics>,
    /// Rendered pages for anonymous visitors.
    pub pages: Arc<PageCache>,
    /// Whether the database is known to be away.
    pub outage: Arc<outage::Outage>,
    /// Single sign-on providers.
    pub sso: Arc<stoa_sso::Sso>,
}

/// The largest request body accepted (413 beyond): a post of 30,000 characters, each as
/// many bytes as UTF-8 and form encoding can make of it, fits.
pub const BODY_LIMIT: usize = 512 * 1024;

/// The whole HTTP surface of Stoa.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::router())
        .nest("/api/v1", api::router())
        .merge(assets::router())
        .route("/healthz", axum::routing::get(pages::ops::healthz))
        .route("/metrics", axum::routing::get(pages::ops::metrics))
        .fallback(pages::errors::not_found)
        .layer(axum::middleware::from_fn(paths::refuse_undecodable))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(caching::etag))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            page_cache::invalidate_after_writes,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            write_limits::limit_writes,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            csrf::issue_token,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            outage::gate,
        ))
        .layer(axum::middleware::from_fn(headers::security_headers))
        .with_state(state)
}

/// Serves HTTP on `listener` until `shutdown` resolves, then lets in-flight requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let service = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
}

/// A minimal handler of the same framework and server, for the benchmark: the ceiling of what
/// this machine can serve, against which Stoa's own figures are compared.
pub async fn serve_ceiling(
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = Router::new().route("/", axum::routing::get(|| async { "ok" }));
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
