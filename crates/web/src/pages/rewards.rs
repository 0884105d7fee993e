//! Fair value sharing for people: `/rewards` (the formula in plain words, its history, the
//! periods, your choices, and for admins opening and closing periods), `/rewards/{id}` (the
//! standings or statement with its fairness figures) and `/rewards/{id}/users/{uid}` (one
//! person's statement, line by line).

use super::view::When;
use super::{parse_id, render, Layout};
use crate::auth::{MaybeUser, PageUser};
use crate::csrf::CsrfForm;
use crate::error::{PageError, Problem};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use stoa_app::{AppError, AuthUser, FormulaVersion, PeriodRow};
use stoa_domain::rewards::{Kind, Transform};
use stoa_domain::time::{format_utc, parse_instant};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/rewards", get(overview))
        .route("/rewards/periods", post(open_period))
        .route("/rewards/preferences", post(preferences))
        .route("/rewards/how", get(how))
        .route("/rewards/{id}", get(period))
        .route("/rewards/{id}/close", post(close))
        .route("/rewards/{id}/users/{uid}", get(statement))
}

/// Minor units as an amount with two decimals and the currency ("12.34 EUR").
pub fn money(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    format!("{sign}{}.{:02} {currency}", m / 100, m % 100)
}

fn day(ts: i64) -> String {
    format_utc(ts).chars().take(10).collect()
}

fn percent(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

/// The formula in words, one line per rule.
fn formula_lines(f: &FormulaVersion) -> Vec<String> {
    let s = &f.formula;
    let mut lines: Vec<String> = Kind::ALL
        .iter()
        .map(|k| format!("{}: {} points", k.label(), s.weights.of(*k)))
        .collect();
    lines.push(format!(
        "Up-votes on one answer: the first {} count fully, later ones {} %, at most {} points per answer.",
        s.full_votes_per_post, s.later_vote_percent, s.max_points_per_post
    ));
    lines.push(match s.transform {
        Transform::Linear => "Shares are proportional to points.".into(),
        Transform::Sqrt => {
            "Shares are proportional to the square root of points, which favours the many over the few at the top.".into()
        }
    });
    lines.push(format!(
        "Nobody receives more than {} % of the pool, unless the pool is large enough for everyone to reach that.",
        s.cap_percent
    ));
    lines.push(format!(
        "Payouts under {} minor units (cents) go back to the others.",
        s.min_payout_minor
    ));
    lines.push(if s.exclude_staff {
        "Moderators, agents and administrators are not paid from the pool.".into()
    } else {
        "Staff contributions count like anyone's.".into()
    });
    lines
}

struct FormulaItem {
    version: i64,
    published: String,
    effective: String,
    note: String,
    lines: Vec<String>,
    future: bool,
}

fn formula_item(f: &FormulaVersion, now: i64) -> FormulaItem {
    FormulaItem {
        version: f.version,
        published: day(f.published_at),
        effective: day(f.effective_from),
        note: f.note.clone(),
        lines: formula_lines(f),
        future: f.effective_from > now,
    }
}

struct PeriodItem {
    id: i64,
    dates: String,
    pool: String,
    status: String,
    closable: bool,
}

fn period_item(p: &PeriodRow, now: i64) -> PeriodItem {
    PeriodItem {
        id: p.id,
        dates: format!("{} to {}", day(p.starts_at), day(p.ends_at - 1)),
        pool: money(p.pool_minor, &p.currency),
        closable: p.status == "open" && p.ends_at <= now,
        status: p.status.clone(),
    }
}

#[derive(Template)]
#[template(path = "rewards.html")]
struct OverviewPage {
    l: Layout,
    current: FormulaItem,
    formulas: Vec<FormulaItem>,
    periods: Vec<PeriodItem>,
    admin: bool,
    prefs: Option<(bool, bool)>,
    error: Option<Problem>,
}

async fn overview_page(
    state: &AppState,
    user: Option<&AuthUser>,
    l: Layout,
    error: Option<Problem>,
) -> Result<Response, PageError> {
    let o = state.app.rewards_overview().await?;
    let now = stoa_app::now();
    let prefs = match user {
        Some(u) => Some(state.app.reward_preferences(u).await?),
        None => None,
    };
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    Ok((
        status,
        render(&OverviewPage {
            current: formula_item(&o.current, now),
            formulas: o.formulas.iter().map(|f| formula_item(f, now)).collect(),
            periods: o.periods.iter().map(|p| period_item(p, now)).collect(),
            admin: user.is_some_and(stoa_app::manages_rewards),
            prefs,
            error,
            l,
        }),
    )
        .into_response())
}

async fn overview(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    l: Layout,
) -> Result<Response, PageError> {
    overview_page(&state, u.as_ref(), l, None).await
}

#[derive(Template)]
#[template(path = "rewards_how.html")]
struct HowPage {
    l: Layout,
}

async fn how(l: Layout) -> Response {
    render(&HowPage { l })
}

#[derive(Deserialize)]
struct PeriodForm {
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    pool: String,
    #[serde(default)]
    currency: String,
}

/// "12.50" or "12" in major units, to minor units.
fn parse_money(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    let (whole, frac) = raw.split_once('.').unwrap_or((raw, ""));
    if whole.is_empty() || frac.len() > 2 || !whole.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let cents: i64 = format!("{frac:0<2}").parse().ok()?;
    whole
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(cents)
}

async fn open_period(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    CsrfForm(f): CsrfForm<PeriodForm>,
) -> Result<Response, PageError> {
    let result = async {
        let starts = parse_instant(&f.starts_at).ok_or_else(|| {
            AppError::invalid("invalid_date", "starts_at", "Choose the first day.")
        })?;
        // The form's end is the last day, included.
        let ends = parse_instant(&f.ends_at)
            .ok_or_else(|| AppError::invalid("invalid_date", "ends_at", "Choose the last day."))?
            + 86_400;
        let pool = parse_money(&f.pool).ok_or_else(|| {
            AppError::invalid(
                "invalid_pool",
                "pool_minor",
                "The pool is an amount like 1500 or 1500.00.",
            )
        })?;
        state
            .app
            .open_reward_period(&u, starts, ends, pool, &f.currency)
            .await
    }
    .await;
    match result {
        Ok(p) => Ok(Redirect::to(&format!("/rewards/{}", p.id)).into_response()),
        Err(
            e @ (AppError::Invalid { .. } | AppError::Conflict { .. } | AppError::Refused { .. }),
        ) => overview_page(&state, Some(&u), l, Some(e.into())).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct PreferencesForm {
    #[serde(default)]
    decline: Option<String>,
    #[serde(default)]
    public: Option<String>,
}

async fn preferences(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    CsrfForm(f): CsrfForm<PreferencesForm>,
) -> Result<Response, PageError> {
    state
        .app
        .set_reward_preferences(&u, f.decline.is_some(), f.public.is_some())
        .await?;
    Ok(Redirect::to("/rewards").into_response())
}

struct Row {
    user_id: i64,
    username: String,
    points: i64,
    amount: String,
    declined: bool,
}

#[derive(Template)]
#[template(path = "rewards_period.html")]
struct PeriodPage {
    l: Layout,
    p: PeriodItem,
    hash: String,
    verified: Option<bool>,
    computed: Option<When>,
    rows: Vec<Row>,
    fairness: Vec<(&'static str, String)>,
    formula_version: i64,
    admin: bool,
    error: Option<Problem>,
}

async fn period_page(
    state: &AppState,
    user: Option<&AuthUser>,
    l: Layout,
    id: i64,
    verify: bool,
    error: Option<Problem>,
) -> Result<Response, PageError> {
    let v = state.app.reward_period_for(user, id, verify).await?;
    let now = stoa_app::now();
    let fr = v.fairness;
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    Ok((
        status,
        render(&PeriodPage {
            rows: v
                .allocations
                .iter()
                .map(|a| Row {
                    user_id: a.user_id,
                    username: a.username.clone(),
                    points: a.points,
                    amount: money(a.amount_minor, &v.period.currency),
                    declined: a.declined,
                })
                .collect(),
            fairness: vec![
                (
                    "Gini coefficient of points",
                    format!("{:.3}", fr.gini_points),
                ),
                (
                    "Gini coefficient of payouts",
                    format!("{:.3}", fr.gini_amounts),
                ),
                ("Share of the top 1 %", percent(fr.top1_share)),
                ("Share of the top 10 %", percent(fr.top10_share)),
                (
                    "Share of the middle (median to 99th percentile)",
                    percent(fr.middle_class_share),
                ),
                ("People paid", fr.paid.to_string()),
            ],
            hash: v.period.statement_hash.clone().unwrap_or_default(),
            verified: v.verified,
            computed: v.period.computed_at.map(|t| When::at(t, now)),
            formula_version: v.formula.version,
            p: period_item(&v.period, now),
            admin: user.is_some_and(stoa_app::manages_rewards),
            error,
            l,
        }),
    )
        .into_response())
}

#[derive(Deserialize, Default)]
struct VerifyQuery {
    verify: Option<String>,
}

async fn period(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    l: Layout,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<VerifyQuery>,
) -> Result<Response, PageError> {
    let verify = q.verify.is_some_and(|v| !v.is_empty() && v != "0");
    period_page(&state, u.as_ref(), l, parse_id(&id)?, verify, None).await
}

async fn close(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    l: Layout,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<std::collections::HashMap<String, String>>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    match state.app.close_reward_period(&u, id).await {
        Ok(_) => Ok(Redirect::to(&format!("/rewards/{id}")).into_response()),
        Err(e @ (AppError::Conflict { .. } | AppError::Refused { .. })) => {
            period_page(&state, Some(&u), l, id, false, Some(e.into())).await
        }
        Err(e) => Err(e.into()),
    }
}

struct Line {
    label: &'static str,
    href: Option<String>,
    points: i64,
    when: String,
}

#[derive(Template)]
#[template(path = "rewards_statement.html")]
struct StatementPage {
    l: Layout,
    p: PeriodItem,
    username: String,
    user_id: i64,
    lines: Vec<Line>,
    points: i64,
    weight: String,
    total_weight: String,
    share: String,
    amount: String,
    declined: bool,
    sqrt: bool,
}

async fn statement(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    l: Layout,
    Path((id, uid)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let s = state
        .app
        .reward_statement(u.as_ref(), parse_id(&id)?, parse_id(&uid)?)
        .await?;
    let now = stoa_app::now();
    Ok(render(&StatementPage {
        lines: s
            .contributions
            .iter()
            .map(|c| Line {
                label: Kind::parse(&c.kind).map_or("Other", Kind::label),
                href: c.post_id.map(|p| format!("/posts/{p}")),
                points: c.points,
                when: format_utc(c.at),
            })
            .collect(),
        username: s.username.clone(),
        user_id: s.user_id,
        points: s.points,
        weight: s.weight.clone(),
        total_weight: s.total_weight.clone(),
        share: percent(s.share),
        amount: money(s.amount_minor, &s.period.currency),
        declined: s.declined,
        sqrt: s.formula.formula.transform == Transform::Sqrt,
        p: period_item(&s.period, now),
        l,
    })
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_both_ways() {
        assert_eq!(money(123_456, "EUR"), "1234.56 EUR");
        assert_eq!(money(5, "USD"), "0.05 USD");
        assert_eq!(parse_money("1500"), Some(150_000));
        assert_eq!(parse_money("12.5"), Some(1_250));
        assert_eq!(parse_money("12.05"), Some(1_205));
        for bad in ["", "-5", "1.234", "abc", "1,5", ".5"] {
            assert_eq!(parse_money(bad), None, "{bad}");
        }
    }
}
