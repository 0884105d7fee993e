//! Support plans: the public list, admins defining them and giving them to people.

use crate::{App, AppError, AuthUser};
use stoa_domain::plans::{CalendarSpec, PlanError, PlanSpec, TargetMinutes};
use stoa_domain::policy::{decide, Action, Target};
use stoa_store::plans::{NewPlan, OrganizationRow, PlanRow};
use stoa_store::StoreError;

/// A plan as everyone sees it.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Id.
    pub id: i64,
    /// What it offers.
    pub spec: PlanSpec,
    /// Whether people without a plan have this one.
    pub is_default: bool,
}

impl From<PlanError> for AppError {
    fn from(e: PlanError) -> Self {
        AppError::Invalid {
            code: e.code(),
            field: Some(e.field()),
            message: e.to_string(),
        }
    }
}

fn plan_from_row(r: PlanRow) -> Result<Plan, AppError> {
    let broken = |what: &str, e: serde_json::Error| {
        AppError::Internal(format!("plan {} has unreadable {what}: {e}", r.id).into())
    };
    let targets = serde_json::from_str(&r.targets).map_err(|e| broken("targets", e))?;
    let calendar: CalendarSpec =
        serde_json::from_str(&r.calendar).map_err(|e| broken("calendar", e))?;
    Ok(Plan {
        id: r.id,
        is_default: r.is_default,
        spec: PlanSpec {
            name: r.name,
            description: r.description,
            price: r.price,
            tickets_allowed: r.tickets_allowed,
            max_open_tickets: r.max_open_tickets,
            targets,
            calendar,
            organization_visible: r.organization_visible,
        },
    })
}

impl App {
    /// Every plan, in display order (public: the comparison page shows them side by side).
    pub async fn plans(&self) -> Result<Vec<Plan>, AppError> {
        self.store()
            .plans()
            .await?
            .into_iter()
            .map(plan_from_row)
            .collect()
    }

    /// A person's plan: the one an admin gave them, else their organization's (matched by the
    /// domain of their address), else the default.
    pub async fn plan_of(&self, user: &AuthUser) -> Result<Option<Plan>, AppError> {
        let domain = user
            .email
            .as_deref()
            .and_then(|e| e.rsplit_once('@'))
            .map(|(_, d)| d.to_ascii_lowercase());
        self.store()
            .plan_for(user.id, domain.as_deref())
            .await?
            .map(plan_from_row)
            .transpose()
    }

    /// Every organization (admins).
    pub async fn organizations(&self, user: &AuthUser) -> Result<Vec<OrganizationRow>, AppError> {
        decide(&user.actor(), Action::ManageSettings, Target::Site)?;
        Ok(self.store().organizations().await?)
    }

    /// Adds an organization whose people (by e-mail domain) get `plan_id` (admins).
    pub async fn create_organization(
        &self,
        user: &AuthUser,
        name: &str,
        domains: &[String],
        plan_id: i64,
    ) -> Result<OrganizationRow, AppError> {
        decide(&user.actor(), Action::ManageSettings, Target::Site)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::invalid(
                "invalid_name",
                "name",
                "An organization needs a name of 1 to 100 characters.",
            ));
        }
        let mut clean: Vec<String> = Vec::with_capacity(domains.len());
        for d in domains {
            let d = d.trim().trim_start_matches('@').to_ascii_lowercase();
            let valid = d.len() <= 253
                && d.contains('.')
                && !d.starts_with('.')
                && !d.ends_with('.')
                && d.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
            if !valid {
                return Err(AppError::invalid(
                    "invalid_domain",
                    "domains",
                    format!(
                        "“{}” is not an e-mail domain like example.com.",
                        d.chars().take(60).collect::<String>()
                    ),
                ));
            }
            if !clean.contains(&d) {
                clean.push(d);
            }
        }
        if clean.is_empty() || clean.len() > 50 {
            return Err(AppError::invalid(
                "invalid_domain",
                "domains",
                "Give 1 to 50 e-mail domains.",
            ));
        }
        if self.store().plan(plan_id).await?.is_none() {
            return Err(AppError::invalid(
                "unknown_plan",
                "plan_id",
                "There is no such plan.",
            ));
        }
        let id = self
            .store()
            .insert_organization(
                name,
                &name.to_lowercase(),
                plan_id,
                &clean,
                stoa_store::now(),
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => AppError::Conflict {
                    code: "organization_exists",
                    message:
                        "An organization with this name, or one of these domains, exists already."
                            .into(),
                },
                other => other.into(),
            })?;
        clean.sort();
        Ok(OrganizationRow {
            id,
            name: name.to_string(),
            plan_id,
            domains: clean,
        })
    }

    /// Adds a plan (admins). Every field is checked first: a calendar with overlapping hours or
    /// an unknown time zone, an unknown priority or a target out of range is a 422.
    pub async fn create_plan(&self, user: &AuthUser, spec: PlanSpec) -> Result<Plan, AppError> {
        decide(&user.actor(), Action::ManageSettings, Target::Site)?;
        let spec = spec.validate()?;
        let targets =
            serde_json::to_string(&spec.targets).map_err(|e| AppError::Internal(Box::new(e)))?;
        let calendar =
            serde_json::to_string(&spec.calendar).map_err(|e| AppError::Internal(Box::new(e)))?;
        let id = self
            .store()
            .insert_plan(
                &NewPlan {
                    name: &spec.name,
                    name_key: &spec.name_key(),
                    description: &spec.description,
                    price: &spec.price,
                    tickets_allowed: spec.tickets_allowed,
                    max_open_tickets: spec.max_open_tickets,
                    targets: &targets,
                    calendar: &calendar,
                    organization_visible: spec.organization_visible,
                },
                stoa_store::now(),
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => AppError::Conflict {
                    code: "plan_exists",
                    message: format!("A plan named “{}” exists already.", spec.name),
                },
                other => other.into(),
            })?;
        tracing::info!(plan.id = id, user.id = user.id, "plan created");
        Ok(Plan {
            id,
            spec,
            is_default: false,
        })
    }

    /// Gives a person a plan (admins).
    pub async fn set_user_plan(
        &self,
        user: &AuthUser,
        user_id: i64,
        plan_id: i64,
    ) -> Result<Plan, AppError> {
        decide(&user.actor(), Action::ManageSettings, Target::Site)?;
        let plan = self
            .store()
            .plan(plan_id)
            .await?
            .ok_or(AppError::NotFound("plan"))?;
        if !self.store().set_user_plan(user_id, plan_id).await? {
            return Err(AppError::NotFound("user"));
        }
        tracing::info!(
            user.id = user_id,
            plan.id = plan_id,
            by = user.id,
            "plan given"
        );
        plan_from_row(plan)
    }
}

/// The targets of a priority under a plan (none promised when the plan names none).
pub fn targets_for(plan: &Plan, priority: &str) -> TargetMinutes {
    plan.spec.targets.get(priority).copied().unwrap_or_default()
}
