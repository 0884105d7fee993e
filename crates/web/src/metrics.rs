//! Request counts and latencies by route, in the Prometheus text format.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

/// Counters shared by every request of this process.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<(String, String), Histogram>>,
}

impl Metrics {
    fn record(&self, method: &str, route: &str, status: u16, secs: f64) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((method.to_string(), route.to_string(), status))
                .or_default() += 1;
        }
        if let Ok(mut m) = self.latency.lock() {
            let h = m
                .entry((method.to_string(), route.to_string()))
                .or_default();
            for (i, b) in BUCKETS.iter().enumerate() {
                if secs <= *b {
                    h.counts[i] += 1;
                }
            }
            h.sum += secs;
            h.count += 1;
        }
    }

    /// The Prometheus exposition of the counters, plus the pool gauges given.
    pub fn render(&self, pool_size: u32, pool_idle: u32) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP stoa_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE stoa_http_requests_total counter\n");
        if let Ok(m) = self.requests.lock() {
            for ((method, route, status), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "stoa_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }
        out.push_str(
            "# HELP stoa_http_request_duration_seconds HTTP request latency by method and route.\n",
        );
        out.push_str("# TYPE stoa_http_request_duration_seconds histogram\n");
        if let Ok(m) = self.latency.lock() {
            for ((method, route), h) in m.iter() {
                let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
                for (i, b) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "stoa_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {}",
                        h.counts[i]
                    );
                }
                let _ = writeln!(
                    out,
                    "stoa_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(
                    out,
                    "stoa_http_request_duration_seconds_sum{{{labels}}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "stoa_http_request_duration_seconds_count{{{labels}}} {}",
                    h.count
                );
            }
        }
        out.push_str("# HELP stoa_db_pool_connections Database connections open.\n");
        out.push_str("# TYPE stoa_db_pool_connections gauge\n");
        let _ = writeln!(out, "stoa_db_pool_connections {pool_size}");
        out.push_str("# HELP stoa_db_pool_idle_connections Database connections idle.\n");
        out.push_str("# TYPE stoa_db_pool_idle_connections gauge\n");
        let _ = writeln!(out, "stoa_db_pool_idle_connections {pool_idle}");
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Times each request and counts it under its route pattern (not the raw path, to bound cardinality).
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let res = next.run(req).await;
    let secs = start.elapsed().as_secs_f64();
    state
        .metrics
        .record(&method, &route, res.status().as_u16(), secs);
    tracing::debug!(http.method = %method, http.route = %route, http.status = res.status().as_u16(), duration_ms = secs * 1000.0, "request");
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        m.record("GET", "/q/{id}", 200, 0.003);
        m.record("GET", "/q/{id}", 200, 0.3);
        let text = m.render(3, 1);
        assert!(text.contains(
            "stoa_http_requests_total{method=\"GET\",route=\"/q/{id}\",status=\"200\"} 2"
        ));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"+Inf\"} 2"));
        assert!(text.contains("stoa_db_pool_connections 3"));
    }
}
