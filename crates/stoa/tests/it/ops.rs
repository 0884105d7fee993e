//! Health, metrics, OpenAPI, security headers, assets and error pages.

use crate::both;
use crate::support::{assert_error, TestApp};

both!(health_and_metrics, openapi_document, headers_and_errors);

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
}

async fn headers_and_errors(t: TestApp) {
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
