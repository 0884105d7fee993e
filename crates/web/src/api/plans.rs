//! Support plans: the public list, defining one, giving one to a person (admins).

use super::{parse_id, ApiJson};
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use stoa_domain::plans::{CalendarSpec, PlanSpec, TargetMinutes};
use utoipa::ToSchema;

/// A plan.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    /// Id (ignored when creating).
    #[serde(default, skip_deserializing)]
    pub id: i64,
    /// Name, unique.
    pub name: String,
    /// Public description.
    #[serde(default)]
    pub description: String,
    /// Price as text.
    #[serde(default)]
    pub price: String,
    /// Whether members on this plan can open private tickets.
    pub tickets_allowed: bool,
    /// Most tickets open at once; null: no limit.
    #[serde(default)]
    pub max_open_tickets: Option<i64>,
    /// Targets by priority (`low`, `normal`, `high`, `urgent`): `{first_reply, next_reply,
    /// resolution}` in business minutes.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub targets: BTreeMap<String, TargetMinutes>,
    /// Business hours: `{zone, hours: [{day, start, end}], holidays: ["YYYY-MM-DD"]}`.
    #[schema(value_type = Object)]
    pub calendar: CalendarSpec,
    /// Whether colleagues of one organization see and answer each other's tickets.
    #[serde(default)]
    pub organization_visible: bool,
    /// Whether people without a plan have this one.
    #[serde(default, skip_deserializing)]
    pub default: bool,
}

impl From<stoa_app::Plan> for PlanBody {
    fn from(p: stoa_app::Plan) -> Self {
        PlanBody {
            id: p.id,
            name: p.spec.name,
            description: p.spec.description,
            price: p.spec.price,
            tickets_allowed: p.spec.tickets_allowed,
            max_open_tickets: p.spec.max_open_tickets,
            targets: p.spec.targets,
            calendar: p.spec.calendar,
            organization_visible: p.spec.organization_visible,
            default: p.is_default,
        }
    }
}

/// A plan, briefly.
#[derive(Serialize, ToSchema)]
pub struct PlanRef {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
}

/// Every plan.
#[derive(Serialize, ToSchema)]
pub struct PlanList {
    /// In display order.
    pub items: Vec<PlanBody>,
}

/// The plans, side by side (public).
#[utoipa::path(get, path = "/api/v1/plans", tag = "support", responses((status = 200, body = PlanList)))]
pub async fn list(State(state): State<AppState>) -> Result<Json<PlanList>, ApiError> {
    Ok(Json(PlanList {
        items: state
            .app
            .plans()
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    }))
}

/// Adds a plan (admins). A calendar with overlapping hours or an unknown time zone is a 422.
#[utoipa::path(post, path = "/api/v1/plans", tag = "support", request_body = PlanBody, security(("bearer" = [])),
    responses((status = 201, body = PlanBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<PlanBody>,
) -> Result<(StatusCode, Json<PlanBody>), ApiError> {
    let spec = PlanSpec {
        name: b.name,
        description: b.description,
        price: b.price,
        tickets_allowed: b.tickets_allowed,
        max_open_tickets: b.max_open_tickets,
        targets: b.targets,
        calendar: b.calendar,
        organization_visible: b.organization_visible,
    };
    let plan = state.app.create_plan(&u, spec).await?;
    Ok((StatusCode::CREATED, Json(plan.into())))
}

/// A plan to give.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPlanBody {
    /// The plan's id.
    pub plan_id: i64,
}

/// A person's plan.
#[derive(Serialize, ToSchema)]
pub struct UserPlan {
    /// The person.
    pub user_id: i64,
    /// Their plan.
    pub plan: PlanBody,
}

/// Gives a person a plan (admins).
#[utoipa::path(put, path = "/api/v1/users/{id}/plan", tag = "support", request_body = UserPlanBody,
    params(("id" = i64, Path, description = "User id")), security(("bearer" = [])),
    responses((status = 200, body = UserPlan), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_user_plan(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<UserPlanBody>,
) -> Result<Json<UserPlan>, ApiError> {
    let user_id = parse_id(&id)?;
    let plan = state.app.set_user_plan(&u, user_id, b.plan_id).await?;
    Ok(Json(UserPlan {
        user_id,
        plan: plan.into(),
    }))
}

/// An organization: everyone whose address is at one of its domains gets its plan (unless an
/// admin gave them one of their own).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// Id (ignored when creating).
    #[serde(default, skip_deserializing)]
    pub id: i64,
    /// Name, unique.
    pub name: String,
    /// E-mail domains, e.g. `["example.com"]`.
    pub domains: Vec<String>,
    /// The plan its people get.
    pub plan_id: i64,
}

impl From<stoa_app::OrganizationRow> for Organization {
    fn from(o: stoa_app::OrganizationRow) -> Self {
        Organization {
            id: o.id,
            name: o.name,
            domains: o.domains,
            plan_id: o.plan_id,
        }
    }
}

/// Every organization.
#[derive(Serialize, ToSchema)]
pub struct OrganizationList {
    /// By name.
    pub items: Vec<Organization>,
}

/// Every organization (admins).
#[utoipa::path(get, path = "/api/v1/organizations", tag = "support", security(("bearer" = [])),
    responses((status = 200, body = OrganizationList), (status = 403, body = ErrorBody)))]
pub async fn organizations(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> Result<Json<OrganizationList>, ApiError> {
    Ok(Json(OrganizationList {
        items: state
            .app
            .organizations(&u)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    }))
}

/// Adds an organization (admins): a taken name or domain is a 409, a bad domain or unknown
/// plan a 422.
#[utoipa::path(post, path = "/api/v1/organizations", tag = "support", request_body = Organization,
    security(("bearer" = [])),
    responses((status = 201, body = Organization), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_organization(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<Organization>,
) -> Result<(StatusCode, Json<Organization>), ApiError> {
    let o = state
        .app
        .create_organization(&u, &b.name, &b.domains, b.plan_id)
        .await?;
    Ok((StatusCode::CREATED, Json(o.into())))
}
