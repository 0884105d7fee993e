//! The home page.

use super::{render, Layout};
use crate::AppState;
use askama::Template;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(show))
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
}

async fn show(l: Layout) -> Response {
    render(&HomePage { l })
}
