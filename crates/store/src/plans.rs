//! Support plans and which plan each person has.

use crate::{Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::Row;

/// A stored plan; `targets` and `calendar` are JSON the domain reads.
#[derive(Debug, Clone)]
pub struct PlanRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Public description.
    pub description: String,
    /// Price as text.
    pub price: String,
    /// Whether its members can open tickets.
    pub tickets_allowed: bool,
    /// Most tickets open at once; `None`: no limit.
    pub max_open_tickets: Option<i64>,
    /// Targets by priority, JSON.
    pub targets: String,
    /// Calendar, JSON.
    pub calendar: String,
    /// Whether people without a plan have this one.
    pub is_default: bool,
}

/// A plan to insert (validated by the caller).
#[derive(Debug, Clone)]
pub struct NewPlan<'a> {
    /// Name.
    pub name: &'a str,
    /// Case-folded name.
    pub name_key: &'a str,
    /// Description.
    pub description: &'a str,
    /// Price.
    pub price: &'a str,
    /// Tickets allowed.
    pub tickets_allowed: bool,
    /// Open-ticket limit.
    pub max_open_tickets: Option<i64>,
    /// Targets, JSON.
    pub targets: &'a str,
    /// Calendar, JSON.
    pub calendar: &'a str,
}

const COLUMNS: &str = "id, name, description, price, tickets_allowed, max_open_tickets, targets, \
    calendar, is_default";

fn plan_from_row(r: &AnyRow) -> Result<PlanRow, sqlx::Error> {
    Ok(PlanRow {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        description: r.try_get(2)?,
        price: r.try_get(3)?,
        tickets_allowed: r.try_get::<i64, _>(4)? != 0,
        max_open_tickets: r.try_get(5)?,
        targets: r.try_get(6)?,
        calendar: r.try_get(7)?,
        is_default: r.try_get::<i64, _>(8)? != 0,
    })
}

impl Store {
    /// Every plan, in display order.
    pub async fn plans(&self) -> Result<Vec<PlanRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM plans ORDER BY position, id"
        ))
        .fetch_all(self.reader())
        .await?;
        Ok(rows.iter().map(plan_from_row).collect::<Result<_, _>>()?)
    }

    /// One plan.
    pub async fn plan(&self, id: i64) -> Result<Option<PlanRow>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM plans WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        Ok(row.as_ref().map(plan_from_row).transpose()?)
    }

    /// A person's plan: the one assigned, else the default one.
    pub async fn plan_of(&self, user_id: i64) -> Result<Option<PlanRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM plans
             WHERE id = (SELECT plan_id FROM users WHERE id = $1)
                OR (is_default = 1 AND (SELECT plan_id FROM users WHERE id = $1) IS NULL)
             ORDER BY is_default LIMIT 1"
        ))
        .bind(user_id)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.as_ref().map(plan_from_row).transpose()?)
    }

    /// Adds a plan after the others; a taken name is a [`StoreError::Conflict`].
    pub async fn insert_plan(&self, p: &NewPlan<'_>, now: i64) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO plans (name, name_key, description, price, tickets_allowed, max_open_tickets,
                targets, calendar, position, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
                (SELECT COALESCE(MAX(position), 0) + 1 FROM plans), $9)
             RETURNING id",
        )
        .bind(p.name)
        .bind(p.name_key)
        .bind(p.description)
        .bind(p.price)
        .bind(i64::from(p.tickets_allowed))
        .bind(p.max_open_tickets)
        .bind(p.targets)
        .bind(p.calendar)
        .bind(now)
        .fetch_one(self.writer())
        .await?;
        Ok(row.try_get(0)?)
    }

    /// Gives a person a plan; false when the person does not exist.
    pub async fn set_user_plan(&self, user_id: i64, plan_id: i64) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE users SET plan_id = $2 WHERE id = $1 AND deleted_at IS NULL")
                .bind(user_id)
                .bind(plan_id)
                .execute(self.writer())
                .await?;
        Ok(done.rows_affected() == 1)
    }
}
