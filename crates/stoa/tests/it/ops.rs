//! Health, metrics, OpenAPI, security headers, assets and error pages.

use crate::both;
use crate::support::{assert_error, TestApp};

both!(
    health_and_metrics,
    openapi_document,
    headers_and_errors,
    conditional_requests
);

async fn health_and_metrics(t: TestApp) {
    let (status, body) = t.get_json("/healthz", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    t.get_json("/api/v1/me", None).await;
    let text = t
        .client
        .get(t.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(
            "stoa_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
        ),
        "{text}"
    );
    assert!(text.contains("route=\"/api/v1/me\",status=\"401\"}"));
    assert!(text.contains("stoa_http_request_duration_seconds_bucket"));
    assert!(text.contains("stoa_db_pool_connections"));
    assert!(text.contains("stoa_jobs{state=\"dead\"} 0"), "{text}");
}

async fn openapi_document(t: TestApp) {
    let (status, doc) = t.get_json("/api/v1/openapi.json", None).await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/api/v1/auth/signup", "/api/v1/auth/login", "/api/v1/me"] {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    // Every operation (the router's routes are matched against the document by a unit test in
    // the web crate) says what it does, answers something on success, declares each path
    // parameter, and describes its errors with the one error shape.
    let mut operations = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            operations += 1;
            let what = format!("{method} {path}");
            assert!(op["summary"].is_string(), "{what} has a summary");
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|code| code.starts_with('2')),
                "{what} documents its success"
            );
            let declared: Vec<&str> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .filter_map(|p| p["name"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            for name in path.split('{').skip(1).filter_map(|s| s.split('}').next()) {
                assert!(declared.contains(&name), "{what} declares {{{name}}}");
            }
            for (code, response) in responses {
                if !code.starts_with('4') || response["content"].is_null() {
                    continue;
                }
                let schema = response["content"]["application/json"]["schema"]["$ref"]
                    .as_str()
                    .unwrap_or_default();
                assert!(
                    schema.ends_with("/ErrorBody"),
                    "{what}: {code} is described by ErrorBody, not {response}"
                );
            }
        }
    }
    assert!(operations > 120, "{operations} operations");
}

async fn headers_and_errors(t: TestApp) {
    t.client.get(t.url("/")).send().await.unwrap();
    let res = t.client.get(t.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'")
            && !csp.contains("unsafe-inline")
            && csp.contains("frame-ancestors 'none'")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h.contains_key("referrer-policy"));
    let html = res.text().await.unwrap();
    let css = html
        .split("href=\"/static/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let res = t
        .client
        .get(t.url(&format!("/static/{css}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    let htmx = html
        .split("src=\"/static/htmx.")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let res = t
        .client
        .get(t.url(&format!("/static/htmx.{htmx}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("htmx"));
    let res = t.client.get(t.url("/no/such/page")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.headers()["content-security-policy"].to_str().is_ok());
    assert!(res.text().await.unwrap().contains("Page not found"));
    let (status, body) = t.get_json("/api/v1/nothing-here", None).await;
    assert_eq!(status, 404);
    assert_error(&body, "not_found");
}

async fn conditional_requests(t: TestApp) {
    let (_, token) = t.signup("asker").await;
    t.post_json(
        "/api/v1/questions",
        Some(&token),
        serde_json::json!({"title": "Cache me", "body": "Body"}),
    )
    .await;
    // A first visit (no cookies yet) sets the CSRF cookie, so it is private; later ones can be shared.
    let first = crate::support::client()
        .get(t.url("/"))
        .send()
        .await
        .unwrap();
    assert_eq!(first.headers()["cache-control"], "private, no-cache");
    t.client.get(t.url("/")).send().await.unwrap();
    let res = t.client.get(t.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["cache-control"],
        "public, no-cache",
        "an anonymous page without forms is shareable"
    );
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let again = t
        .client
        .get(t.url("/"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.unwrap().is_empty());
    // Pages with this visitor's CSRF token (forms) are never shared.
    let login = t.client.get(t.url("/login")).send().await.unwrap();
    assert_eq!(login.headers()["cache-control"], "private, no-cache");
    // API reads with a token are private; a change of content changes the validator.
    let res = t
        .client
        .get(t.url("/api/v1/questions"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["cache-control"], "private, no-cache");
    let list_etag = res.headers()["etag"].to_str().unwrap().to_string();
    t.post_json(
        "/api/v1/questions",
        Some(&token),
        serde_json::json!({"title": "Another one", "body": "Body"}),
    )
    .await;
    let res = t
        .client
        .get(t.url("/api/v1/questions"))
        .header("if-none-match", &list_etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "new content, new ETag");
}
