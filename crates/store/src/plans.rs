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
    /// Whether colleagues of one organization see each other's tickets.
    pub organization_visible: bool,
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
    /// Colleagues see each other's tickets.
    pub organization_visible: bool,
}

const COLUMNS: &str = "id, name, description, price, tickets_allowed, max_open_tickets, targets, \
    calendar, is_default, organization_visible";

fn plan_from_row(r: &AnyRow) -> Result<PlanRow, sqlx::Error> {
    Ok(PlanRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        price: r.try_get("price")?,
        tickets_allowed: r.try_get::<i64, _>("tickets_allowed")? != 0,
        max_open_tickets: r.try_get("max_open_tickets")?,
        targets: r.try_get("targets")?,
        calendar: r.try_get("calendar")?,
        is_default: r.try_get::<i64, _>("is_default")? != 0,
        organization_visible: r.try_get::<i64, _>("organization_visible")? != 0,
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

    /// Adds a plan after the others; a taken name is a [`StoreError::Conflict`].
    pub async fn insert_plan(&self, p: &NewPlan<'_>, now: i64) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO plans (name, name_key, description, price, tickets_allowed, max_open_tickets,
                targets, calendar, position, created_at, organization_visible)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
                (SELECT COALESCE(MAX(position), 0) + 1 FROM plans), $9, $10)
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
        .bind(i64::from(p.organization_visible))
        .fetch_one(self.writer())
        .await?;
        Ok(row.try_get(0)?)
    }

    /// The organization an e-mail domain belongs to.
    pub async fn organization_of_domain(&self, domain: &str) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT organization_id FROM organization_domains WHERE domain = $1")
            .bind(domain)
            .fetch_optional(self.reader())
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
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

/// An organization and its domains.
#[derive(Debug, Clone)]
pub struct OrganizationRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// The plan its people get.
    pub plan_id: i64,
    /// E-mail domains, sorted.
    pub domains: Vec<String>,
}

impl Store {
    /// A person's plan: the one an admin gave them, else their organization's (by the domain of
    /// their address), else the default.
    pub async fn plan_for(
        &self,
        user_id: i64,
        email_domain: Option<&str>,
    ) -> Result<Option<PlanRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM plans WHERE id = COALESCE(
                (SELECT plan_id FROM users WHERE id = $1),
                (SELECT o.plan_id FROM organization_domains d
                   JOIN organizations o ON o.id = d.organization_id WHERE d.domain = $2),
                (SELECT id FROM plans WHERE is_default = 1 ORDER BY id LIMIT 1))"
        ))
        .bind(user_id)
        .bind(email_domain.unwrap_or(""))
        .fetch_optional(self.reader())
        .await?;
        Ok(row.as_ref().map(plan_from_row).transpose()?)
    }

    /// Adds an organization with its domains; a taken name or domain is a
    /// [`StoreError::Conflict`].
    pub async fn insert_organization(
        &self,
        name: &str,
        name_key: &str,
        plan_id: i64,
        domains: &[String],
        now: i64,
    ) -> Result<i64, StoreError> {
        let mut tx = self.write_tx().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO organizations (name, name_key, plan_id, created_at) VALUES ($1, $2, $3, $4)
             RETURNING id",
        )
        .bind(name)
        .bind(name_key)
        .bind(plan_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        for d in domains {
            sqlx::query(
                "INSERT INTO organization_domains (domain, organization_id) VALUES ($1, $2)",
            )
            .bind(d)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Every organization, by name.
    pub async fn organizations(&self) -> Result<Vec<OrganizationRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT o.id, o.name, o.plan_id, d.domain FROM organizations o
             LEFT JOIN organization_domains d ON d.organization_id = o.id
             ORDER BY o.name_key, d.domain",
        )
        .fetch_all(self.reader())
        .await?;
        let mut out: Vec<OrganizationRow> = Vec::new();
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            let domain: Option<String> = r.try_get("domain")?;
            if out.last().map(|o| o.id) != Some(id) {
                out.push(OrganizationRow {
                    id,
                    name: r.try_get("name")?,
                    plan_id: r.try_get("plan_id")?,
                    domains: Vec::new(),
                });
            }
            if let (Some(o), Some(d)) = (out.last_mut(), domain) {
                o.domains.push(d);
            }
        }
        Ok(out)
    }
}
