//! One try of a webhook delivery: check the receiver's address again (DNS may have changed
//! since registration), connect only to the addresses checked, POST the signed payload with a
//! timeout and without following redirects, and record the outcome with the job (ADR 014).

use crate::{JobError, Worker};
use serde::Deserialize;
use std::time::{Duration, Instant};
use stoa_app::{DeliveryStep, JobRow, Outgoing, TryResult};
use stoa_domain::webhooks::{excerpt, Target, WebhookUrl};

/// The longest a receiver may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The longest a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The most of an answer read (only an excerpt is kept).
const READ_LIMIT: usize = 4096;
const USER_AGENT: &str = concat!("Stoa-Webhooks/", env!("CARGO_PKG_VERSION"));

#[derive(Deserialize)]
struct DeliveryPayload {
    delivery_id: i64,
}

impl Worker {
    /// Runs a `webhook.deliver` job: one try, recorded with the job's completion.
    pub(crate) async fn run_webhook(&self, job: &JobRow) -> Result<(), JobError> {
        let p: DeliveryPayload = serde_json::from_str(&job.payload)?;
        let worker = self.settings.id.as_str();
        match self.app.webhook_step(p.delivery_id).await? {
            DeliveryStep::Done => self.complete(job).await,
            DeliveryStep::Cancel => {
                self.app
                    .cancel_webhook_delivery(job, worker, p.delivery_id)
                    .await?;
                Ok(())
            }
            DeliveryStep::Send(out) => {
                let result = send(&out, self.app.settings().webhooks_allow_private).await;
                tracing::info!(webhook.id = out.webhook_id, delivery.id = out.delivery_id,
                    attempt = out.number, ok = result.ok, status = result.response_code,
                    duration_ms = result.duration_ms, error = %result.error, "webhook delivery tried");
                self.app
                    .record_webhook_try(job, worker, &out, &result)
                    .await?;
                Ok(())
            }
        }
    }
}

/// Makes one try and measures it.
async fn send(out: &Outgoing, allow_private: bool) -> TryResult {
    let started = Instant::now();
    let mut result = match attempt(out, allow_private).await {
        Ok(r) => r,
        Err(error) => TryResult {
            error,
            ..TryResult::default()
        },
    };
    result.duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    result
}

async fn attempt(out: &Outgoing, allow_private: bool) -> Result<TryResult, String> {
    let url = WebhookUrl::parse(&out.url, allow_private).map_err(|e| e.to_string())?;
    let addrs = stoa_app::resolve_webhook(&url, allow_private)
        .await
        .map_err(|e| e.to_string())?;
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        // A proxy would connect wherever the name leads, past the guard's check.
        .no_proxy()
        .user_agent(USER_AGENT);
    if let Target::Name(name) = &url.target {
        // Connect to the addresses just checked, not to what a second lookup might return.
        builder = builder.resolve_to_addrs(name, &addrs);
    }
    let client = builder
        .build()
        .map_err(|e| format!("could not prepare the request: {e}"))?;
    let timestamp = stoa_app::now();
    let signature = stoa_app::webhook_signature(&out.secret, timestamp, out.body.as_bytes());
    let mut res = client
        .post(&url.url)
        .header("Content-Type", "application/json")
        .header("Stoa-Event", &out.event)
        .header("Stoa-Delivery", out.delivery_id.to_string())
        .header("Stoa-Signature", signature)
        .body(out.body.clone())
        .send()
        .await
        .map_err(|e| describe(&e))?;
    let status = res.status();
    let mut body = Vec::new();
    while body.len() < READ_LIMIT {
        match res.chunk().await {
            Ok(Some(c)) => body.extend_from_slice(&c),
            _ => break,
        }
    }
    let ok = status.is_success();
    Ok(TryResult {
        ok,
        response_code: Some(i64::from(status.as_u16())),
        response_excerpt: excerpt(&String::from_utf8_lossy(&body)),
        error: if ok {
            String::new()
        } else if status.is_redirection() {
            format!("HTTP {} (redirects are not followed)", status.as_u16())
        } else {
            format!("HTTP {}", status.as_u16())
        },
        duration_ms: 0,
    })
}

/// A failure in words, with its cause (reqwest's own text hides it in the source chain).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return format!("no answer within {} seconds", TIMEOUT.as_secs());
    }
    let mut text = if e.is_connect() {
        "could not connect".to_string()
    } else {
        "the request failed".to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
