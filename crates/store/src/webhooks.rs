//! Webhooks and their delivery log. A delivery is a row written with the fan-out of its event,
//! and each try is a `webhook.deliver` job; the outcome of a try, the next try, and disabling
//! a webhook that fails for a day are recorded in one transaction with the job's completion.

use crate::jobs::{complete_in, enqueue_in, event_job, NewJob};
use crate::lists::Page;
use crate::{Backend, Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

/// The job that makes one try of one delivery (`{"delivery_id"}`).
pub const DELIVER_JOB: &str = "webhook.deliver";

/// The most webhooks one person may own.
pub const MAX_WEBHOOKS: i64 = 20;

/// Job-level tries of one delivery try: only for faults on our side (the database away);
/// the receiver's failures are retried on the webhook schedule instead.
const JOB_TRIES: i64 = 5;

/// A webhook as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRow {
    /// Id.
    pub id: i64,
    /// Owner.
    pub owner_id: i64,
    /// Owner's username.
    pub owner_name: String,
    /// Where deliveries go.
    pub url: String,
    /// The signing secret.
    pub secret: String,
    /// Event names separated by spaces.
    pub events: String,
    /// `site` or `own`.
    pub audience: String,
    /// Whether deliveries are made.
    pub active: bool,
    /// When it was switched off after failing.
    pub disabled_at: Option<i64>,
    /// Why.
    pub disabled_reason: String,
    /// Failed tries since the last success.
    pub failure_streak: i64,
    /// Last successful try.
    pub last_success_at: Option<i64>,
    /// Last failed try.
    pub last_failure_at: Option<i64>,
    /// Created.
    pub created_at: i64,
    /// Last changed.
    pub updated_at: i64,
}

const WEBHOOK_COLUMNS: &str = "w.id, w.owner_id, u.username AS owner_name, w.url, w.secret,
    w.events, w.audience, w.active, w.disabled_at, w.disabled_reason, w.failure_streak,
    w.last_success_at, w.last_failure_at, w.created_at, w.updated_at";

fn webhook_from_row(r: &AnyRow) -> Result<WebhookRow, sqlx::Error> {
    Ok(WebhookRow {
        id: r.try_get("id")?,
        owner_id: r.try_get("owner_id")?,
        owner_name: r.try_get("owner_name")?,
        url: r.try_get("url")?,
        secret: r.try_get("secret")?,
        events: r.try_get("events")?,
        audience: r.try_get("audience")?,
        active: r.try_get::<i64, _>("active")? != 0,
        disabled_at: r.try_get("disabled_at")?,
        disabled_reason: r.try_get("disabled_reason")?,
        failure_streak: r.try_get("failure_streak")?,
        last_success_at: r.try_get("last_success_at")?,
        last_failure_at: r.try_get("last_failure_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// One delivery of one event to one webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    /// Id (the `Stoa-Delivery` header).
    pub id: i64,
    /// The webhook.
    pub webhook_id: i64,
    /// Event name.
    pub event: String,
    /// The event's id (the payload's `id`).
    pub event_id: String,
    /// The JSON body sent.
    pub payload: String,
    /// `pending`, `retrying`, `delivered`, `failed` or `cancelled`.
    pub status: String,
    /// Tries made.
    pub attempts: i64,
    /// Tries allowed.
    pub max_attempts: i64,
    /// The receiver's last HTTP status.
    pub response_code: Option<i64>,
    /// The start of its last answer.
    pub response_excerpt: String,
    /// Why the last try failed.
    pub error: String,
    /// How long the last try took.
    pub duration_ms: Option<i64>,
    /// The delivery a manual redelivery repeats.
    pub redelivery_of: Option<i64>,
    /// Created.
    pub created_at: i64,
    /// Last try.
    pub last_attempt_at: Option<i64>,
    /// Next try, when one is scheduled.
    pub next_attempt_at: Option<i64>,
    /// When the receiver accepted it.
    pub delivered_at: Option<i64>,
}

const DELIVERY_COLUMNS: &str = "id, webhook_id, event, event_id, payload, status, attempts,
    max_attempts, response_code, response_excerpt, error, duration_ms, redelivery_of, created_at,
    last_attempt_at, next_attempt_at, delivered_at";

fn delivery_from_row(r: &AnyRow) -> Result<DeliveryRow, sqlx::Error> {
    Ok(DeliveryRow {
        id: r.try_get("id")?,
        webhook_id: r.try_get("webhook_id")?,
        event: r.try_get("event")?,
        event_id: r.try_get("event_id")?,
        payload: r.try_get("payload")?,
        status: r.try_get("status")?,
        attempts: r.try_get("attempts")?,
        max_attempts: r.try_get("max_attempts")?,
        response_code: r.try_get("response_code")?,
        response_excerpt: r.try_get("response_excerpt")?,
        error: r.try_get("error")?,
        duration_ms: r.try_get("duration_ms")?,
        redelivery_of: r.try_get("redelivery_of")?,
        created_at: r.try_get("created_at")?,
        last_attempt_at: r.try_get("last_attempt_at")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        delivered_at: r.try_get("delivered_at")?,
    })
}

/// A new webhook.
#[derive(Debug, Clone)]
pub struct NewWebhook<'a> {
    /// Owner.
    pub owner_id: i64,
    /// URL, checked.
    pub url: &'a str,
    /// Secret.
    pub secret: &'a str,
    /// Stored events.
    pub events: &'a str,
    /// `site` or `own`.
    pub audience: &'a str,
    /// Now.
    pub now: i64,
}

/// Changes to a webhook; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct WebhookChange<'a> {
    /// New URL, checked.
    pub url: Option<&'a str>,
    /// New stored events.
    pub events: Option<&'a str>,
    /// On or off; turning it on clears the failure record.
    pub active: Option<bool>,
}

/// An enabled webhook, as the fan-out matches events against it.
#[derive(Debug, Clone)]
pub struct WebhookTarget {
    /// Id.
    pub id: i64,
    /// Owner.
    pub owner_id: i64,
    /// Whether the owner is an administrator now.
    pub owner_is_admin: bool,
    /// Whether the owner signs in with a second factor (staff must, when the site says so).
    pub owner_two_factor: bool,
    /// Stored events.
    pub events: String,
    /// `site` or `own`.
    pub audience: String,
}

/// A delivery to write with an event's fan-out.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    /// The webhook.
    pub webhook_id: i64,
    /// Event name.
    pub event: String,
    /// The event's id.
    pub event_id: String,
    /// The JSON body.
    pub payload: String,
    /// Tries allowed.
    pub max_attempts: i64,
}

/// The outcome of one try, to record.
#[derive(Debug, Clone)]
pub struct Attempt<'a> {
    /// The worker's claim on the job: job id, worker, try.
    pub claim: (i64, &'a str, i64),
    /// The delivery.
    pub delivery_id: i64,
    /// The webhook.
    pub webhook_id: i64,
    /// This try's number (from 1).
    pub number: i64,
    /// Whether the receiver answered 2xx.
    pub ok: bool,
    /// Its HTTP status, if it answered.
    pub response_code: Option<i64>,
    /// The start of its answer.
    pub response_excerpt: &'a str,
    /// Why it failed.
    pub error: &'a str,
    /// How long it took.
    pub duration_ms: i64,
    /// When to try again (a failure with tries left).
    pub retry_at: Option<i64>,
    /// Whether this was an automatic delivery's last try (a failure then may disable the
    /// webhook).
    pub last_automatic: bool,
    /// The reason recorded if the webhook is disabled.
    pub disable_reason: &'a str,
    /// Now.
    pub now: i64,
}

/// The next try's job.
fn deliver_job(delivery_id: i64, number: i64, run_at: i64) -> NewJob {
    NewJob {
        kind: DELIVER_JOB.to_string(),
        payload: format!("{{\"delivery_id\":{delivery_id}}}"),
        run_at,
        key: Some(format!("webhook:{delivery_id}:{number}")),
        max_attempts: JOB_TRIES,
    }
}

/// Writes the deliveries of one event and enqueues their first tries, inside the fan-out's
/// transaction; a delivery already there (the fan-out ran before) is skipped.
pub(crate) async fn insert_deliveries_in(
    tx: &mut Transaction<'_, Any>,
    deliveries: &[NewDelivery],
    now: i64,
) -> Result<(), StoreError> {
    let mut jobs = Vec::with_capacity(deliveries.len());
    for d in deliveries {
        let row = sqlx::query(
            "INSERT INTO webhook_deliveries (webhook_id, event, event_id, payload, status,
                 max_attempts, created_at)
             VALUES ($1, $2, $3, $4, 'pending', $5, $6)
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(d.webhook_id)
        .bind(&d.event)
        .bind(&d.event_id)
        .bind(&d.payload)
        .bind(d.max_attempts)
        .bind(now)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(r) = row {
            jobs.push(deliver_job(r.try_get(0)?, 1, now));
        }
    }
    enqueue_in(tx, &jobs, now).await
}

impl Store {
    /// The `(kind, value)` of a ticket's events with ids in `from..=to`, in order.
    pub async fn ticket_changes(
        &self,
        ticket_id: i64,
        (from, to): (i64, i64),
    ) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT kind, value FROM ticket_events
             WHERE ticket_id = $1 AND id >= $2 AND id <= $3 ORDER BY id",
        )
        .bind(ticket_id)
        .bind(from)
        .bind(to)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("kind")?, r.try_get("value")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Stores a webhook, unless its owner already has [`MAX_WEBHOOKS`] (`None`).
    pub async fn insert_webhook(&self, w: &NewWebhook<'_>) -> Result<Option<i64>, StoreError> {
        let mut tx = self.write_tx().await?;
        if self.backend() == Backend::Postgres {
            // Two requests at once must not both pass the count.
            sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
                .bind(w.owner_id)
                .execute(&mut *tx)
                .await?;
        }
        let owned: i64 = sqlx::query("SELECT COUNT(*) FROM webhooks WHERE owner_id = $1")
            .bind(w.owner_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        if owned >= MAX_WEBHOOKS {
            return Ok(None);
        }
        let id: i64 = sqlx::query(
            "INSERT INTO webhooks (owner_id, url, secret, events, audience, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(w.owner_id)
        .bind(w.url)
        .bind(w.secret)
        .bind(w.events)
        .bind(w.audience)
        .bind(w.now)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// One webhook.
    pub async fn webhook(&self, id: i64) -> Result<Option<WebhookRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks w JOIN users u ON u.id = w.owner_id
             WHERE w.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.writer())
        .await?;
        Ok(row.as_ref().map(webhook_from_row).transpose()?)
    }

    /// The webhooks of one owner, or of everyone (`None`), oldest first.
    pub async fn webhooks(&self, owner_id: Option<i64>) -> Result<Vec<WebhookRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks w JOIN users u ON u.id = w.owner_id
             WHERE $1 IS NULL OR w.owner_id = $1 ORDER BY w.id"
        ))
        .bind(owner_id)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .iter()
            .map(webhook_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// Changes a webhook; false when it does not exist.
    pub async fn update_webhook(
        &self,
        id: i64,
        c: &WebhookChange<'_>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let active = c.active.map(i64::from);
        let done = sqlx::query(
            "UPDATE webhooks SET url = COALESCE($2, url), events = COALESCE($3, events),
                 active = COALESCE($4, active),
                 disabled_at = CASE WHEN $4 = 1 THEN NULL ELSE disabled_at END,
                 disabled_reason = CASE WHEN $4 = 1 THEN '' ELSE disabled_reason END,
                 failure_streak = CASE WHEN $4 = 1 THEN 0 ELSE failure_streak END,
                 updated_at = $5
             WHERE id = $1",
        )
        .bind(id)
        .bind(c.url)
        .bind(c.events)
        .bind(active)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes a webhook with its delivery log; false when it does not exist.
    pub async fn delete_webhook(&self, id: i64) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        // Foreign keys cascade on PostgreSQL; SQLite's are on too, but say it plainly.
        sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM webhooks WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Every enabled webhook, for matching events (few: each person has at most
    /// [`MAX_WEBHOOKS`]).
    pub async fn active_webhooks(&self) -> Result<Vec<WebhookTarget>, StoreError> {
        let rows = sqlx::query(
            "SELECT w.id, w.owner_id, u.role, w.events, w.audience,
                    CASE WHEN u.two_factor_since IS NULL THEN 0 ELSE 1 END AS two_factor
             FROM webhooks w JOIN users u ON u.id = w.owner_id
             WHERE w.active = 1 AND u.deleted_at IS NULL ORDER BY w.id",
        )
        .fetch_all(self.writer())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(WebhookTarget {
                    id: r.try_get("id")?,
                    owner_id: r.try_get("owner_id")?,
                    owner_is_admin: r.try_get::<String, _>("role")? == "admin",
                    owner_two_factor: r.try_get::<i64, _>("two_factor")? == 1,
                    events: r.try_get("events")?,
                    audience: r.try_get("audience")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// A webhook's deliveries, newest first.
    pub async fn deliveries(
        &self,
        webhook_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Page<DeliveryRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1
             ORDER BY id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(webhook_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.reader())
        .await?;
        let total: i64 =
            sqlx::query("SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = $1")
                .bind(webhook_id)
                .fetch_one(self.reader())
                .await?
                .try_get(0)?;
        Ok(Page {
            items: rows
                .iter()
                .map(delivery_from_row)
                .collect::<Result<_, _>>()?,
            total,
        })
    }

    /// One delivery.
    pub async fn delivery(&self, id: i64) -> Result<Option<DeliveryRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.writer())
        .await?;
        Ok(row.as_ref().map(delivery_from_row).transpose()?)
    }

    /// Sends a delivery's payload again, once, as a new delivery; its id.
    pub async fn redeliver(&self, of: &DeliveryRow, now: i64) -> Result<i64, StoreError> {
        let mut tx = self.write_tx().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO webhook_deliveries (webhook_id, event, event_id, payload, status,
                 max_attempts, redelivery_of, created_at)
             VALUES ($1, $2, $3, $4, 'pending', 1, $5, $6) RETURNING id",
        )
        .bind(of.webhook_id)
        .bind(&of.event)
        .bind(&of.event_id)
        .bind(&of.payload)
        .bind(of.id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        enqueue_in(&mut tx, &[deliver_job(id, 1, now)], now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Closes a delivery whose webhook was switched off before its try, with the job.
    pub async fn cancel_delivery(
        &self,
        claim: (i64, &str, i64),
        delivery_id: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        if complete_in(&mut tx, claim.0, claim.1, claim.2, now).await? {
            sqlx::query(
                "UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL,
                     error = 'the webhook was disabled or deleted before this try'
                 WHERE id = $1 AND status IN ('pending', 'retrying')",
            )
            .bind(delivery_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Records one try with the job's completion: the delivery's state, the webhook's record,
    /// the next try's job, and — after an automatic delivery's last failed try with nothing
    /// delivered since it began — the webhook switched off and its owner's notice. False when
    /// the worker lost its claim (nothing is recorded; the job runs again).
    pub async fn record_attempt(&self, a: &Attempt<'_>) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        if !complete_in(&mut tx, a.claim.0, a.claim.1, a.claim.2, a.now).await? {
            return Ok(false);
        }
        let status = match (a.ok, a.retry_at) {
            (true, _) => "delivered",
            (false, Some(_)) => "retrying",
            (false, None) => "failed",
        };
        let started: i64 = sqlx::query(
            "UPDATE webhook_deliveries SET status = $2, attempts = $3, response_code = $4,
                 response_excerpt = $5, error = $6, duration_ms = $7, last_attempt_at = $8,
                 next_attempt_at = $9,
                 delivered_at = CASE WHEN $2 = 'delivered' THEN $8 ELSE delivered_at END
             WHERE id = $1 RETURNING created_at",
        )
        .bind(a.delivery_id)
        .bind(status)
        .bind(a.number)
        .bind(a.response_code)
        .bind(a.response_excerpt)
        .bind(a.error)
        .bind(a.duration_ms)
        .bind(a.now)
        .bind(a.retry_at)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        if a.ok {
            sqlx::query(
                "UPDATE webhooks SET failure_streak = 0, last_success_at = $2 WHERE id = $1",
            )
            .bind(a.webhook_id)
            .bind(a.now)
            .execute(&mut *tx)
            .await?;
        } else {
            let row = sqlx::query(
                "UPDATE webhooks SET failure_streak = failure_streak + 1, last_failure_at = $2
                 WHERE id = $1 RETURNING last_success_at, active",
            )
            .bind(a.webhook_id)
            .bind(a.now)
            .fetch_one(&mut *tx)
            .await?;
            let last_success: Option<i64> = row.try_get("last_success_at")?;
            let active = row.try_get::<i64, _>("active")? != 0;
            if let Some(at) = a.retry_at {
                enqueue_in(
                    &mut tx,
                    &[deliver_job(a.delivery_id, a.number + 1, at)],
                    a.now,
                )
                .await?;
            } else if a.last_automatic
                && active
                && stoa_domain::webhooks::should_disable(last_success, started)
            {
                sqlx::query(
                    "UPDATE webhooks SET active = 0, disabled_at = $2, disabled_reason = $3,
                         updated_at = $2
                     WHERE id = $1",
                )
                .bind(a.webhook_id)
                .bind(a.now)
                .bind(a.disable_reason)
                .execute(&mut *tx)
                .await?;
                let notice = stoa_domain::notify::Event::WebhookDisabled {
                    webhook_id: a.webhook_id,
                };
                enqueue_in(&mut tx, &[event_job(&notice, a.now)], a.now).await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }
}
