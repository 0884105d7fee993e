//! Every route of the API router is in the OpenAPI document with each of its methods, and the
//! document names no route the router lacks. The routes are read from the router's own
//! definition (`api/mod.rs`), so a new route cannot be forgotten in the document.

use std::collections::BTreeSet;

/// `(METHOD, /api/v1 path)` pairs of every `.route(...)` call in the router's source.
fn router_routes() -> BTreeSet<(String, String)> {
    let source = include_str!("mod.rs");
    let body = source
        .split("pub fn router()")
        .nth(1)
        .and_then(|rest| rest.split("\n}\n").next())
        .expect("the router function");
    let mut out = BTreeSet::new();
    for call in body.split(".route(").skip(1) {
        let mut parts = call.splitn(3, '"');
        let path = parts.nth(1).expect("a route's path is a string literal");
        let handlers = parts.next().unwrap_or_default();
        for method in ["get", "post", "put", "patch", "delete"] {
            if routes_method(handlers, method) {
                out.insert((method.to_uppercase(), format!("/api/v1{path}")));
            }
        }
    }
    out
}

/// Whether `method(` appears as a routing function (`get(`, `.patch(`, `routing::put(`),
/// not as the end of a longer name.
fn routes_method(call: &str, method: &str) -> bool {
    let needle = format!("{method}(");
    call.match_indices(&needle).any(|(i, _)| {
        i == 0
            || !call[..i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// `(METHOD, path)` pairs of the OpenAPI document.
fn documented_routes() -> BTreeSet<(String, String)> {
    let doc: serde_json::Value =
        serde_json::from_str(&super::openapi_json()).expect("the document is JSON");
    let mut out = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for method in ops.as_object().expect("operations").keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

#[test]
fn every_route_is_documented_and_nothing_else() {
    let mut routes = router_routes();
    // The document does not describe itself.
    assert!(routes.remove(&("GET".to_string(), "/api/v1/openapi.json".to_string())));
    let documented = documented_routes();
    assert!(
        routes.len() > 90,
        "read {} routes from the router",
        routes.len()
    );
    let missing: Vec<_> = routes.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&routes).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the OpenAPI document: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "documented routes the router does not have: {extra:?}"
    );
}

#[test]
fn the_route_reader_sees_chained_and_qualified_methods() {
    let routes = router_routes();
    for (method, path) in [
        ("GET", "/api/v1/webhooks/{id}"),
        ("PATCH", "/api/v1/webhooks/{id}"),
        ("DELETE", "/api/v1/webhooks/{id}"),
        ("PUT", "/api/v1/users/{id}/plan"),
        ("DELETE", "/api/v1/follows/{id}"),
        ("POST", "/api/v1/auth/signup"),
    ] {
        assert!(
            routes.contains(&(method.to_string(), path.to_string())),
            "{method} {path} in {routes:?}"
        );
    }
    assert!(!routes.contains(&("GET".to_string(), "/api/v1/me/totp/confirm".to_string())));
}
