//! Static assets embedded in the binary, served under content-hashed names with long caching.

use crate::AppState;
use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::LazyLock;

struct Asset {
    name: &'static str,
    ext: &'static str,
    mime: &'static str,
    body: &'static [u8],
}

static ASSETS: &[Asset] = &[
    Asset {
        name: "app",
        ext: "css",
        mime: "text/css; charset=utf-8",
        body: include_bytes!("../static/app.css"),
    },
    Asset {
        name: "app",
        ext: "js",
        mime: "text/javascript; charset=utf-8",
        body: include_bytes!("../static/app.js"),
    },
    Asset {
        name: "htmx",
        ext: "js",
        mime: "text/javascript; charset=utf-8",
        body: include_bytes!("../static/htmx.min.js"),
    },
];

/// `name.ext` → `/static/name.<hash>.ext`, computed once.
static URLS: LazyLock<Vec<(String, String)>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| {
            (
                format!("{}.{}", a.name, a.ext),
                format!("/static/{}.{:016x}.{}", a.name, fnv1a(a.body), a.ext),
            )
        })
        .collect()
});

/// The hashed URL of an asset, e.g. `asset_url("app.css")`.
pub fn asset_url(file: &str) -> &'static str {
    URLS.iter()
        .find(|(f, _)| f == file)
        .map(|(_, u)| u.as_str())
        .unwrap_or("/static/missing")
}

/// FNV-1a: a fast, stable (unseeded) hash for cache validators.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

pub fn router() -> Router<AppState> {
    Router::new().route("/static/{file}", get(serve))
}

async fn serve(Path(file): Path<String>) -> Response {
    match URLS
        .iter()
        .position(|(_, url)| url.strip_prefix("/static/") == Some(file.as_str()))
    {
        Some(i) => (
            [
                (header::CONTENT_TYPE, ASSETS[i].mime),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            ASSETS[i].body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}
