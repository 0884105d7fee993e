//! A person's public profile: who they are and what they asked and answered.

use super::home::ListQuery;
use super::view::{count, parse_page, question_url, Pager, When, PER_PAGE};
use super::{parse_id, render, Layout};
use crate::error::PageError;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new().route("/users/{id}", get(show))
}

/// One of the person's questions or answers.
struct UserPost {
    is_question: bool,
    title: String,
    href: String,
    votes: String,
    /// A question with an accepted answer.
    accepted: bool,
    when: When,
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    l: Layout,
    username: String,
    /// "Admin", "Moderator" or "Agent"; members get no badge.
    role: Option<&'static str>,
    reputation: i64,
    joined: When,
    total: String,
    posts: Vec<UserPost>,
    pager: Pager,
    follow: Option<super::notify::FollowButton>,
    people_helped: i64,
    accepted_answers: i64,
    articles: i64,
    /// Gold, silver, bronze counts.
    tiers: [usize; 3],
    badges: Vec<HeldLine>,
    /// Closed reward periods, when the person shows them (or is the viewer).
    rewards: Option<Vec<RewardLine>>,
    is_self: bool,
    /// Display name, "about me" and picture.
    profile: stoa_app::PublicProfile,
}

/// A badge on the profile.
struct HeldLine {
    href: String,
    name: String,
    tier: &'static str,
    imported: bool,
    times: i64,
}

/// A closed reward period on the profile.
struct RewardLine {
    href: String,
    period: String,
    points: i64,
    amount: String,
    declined: bool,
}

async fn show(
    State(state): State<AppState>,
    l: Layout,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let user = state.app.user(id).await?;
    let profile = state.app.public_profile(id).await?;
    let page = parse_page(q.page.as_deref());
    let (rows, titles) = state.app.user_posts(id, Some(page), Some(PER_PAGE)).await?;
    let now = stoa_app::now();
    let posts = rows
        .items
        .iter()
        .map(|p| {
            let (title, href) = match p.parent_id {
                Some(qid) => {
                    let t = titles
                        .get(&qid)
                        .cloned()
                        .unwrap_or_else(|| format!("Question {qid}"));
                    let href = format!("{}#answer-{}", question_url(qid, &t), p.id);
                    (t, href)
                }
                None => (p.title.clone(), question_url(p.id, &p.title)),
            };
            UserPost {
                is_question: p.parent_id.is_none(),
                title,
                href,
                votes: count(p.score, "vote", "votes"),
                accepted: p.parent_id.is_none() && p.accepted_answer_id.is_some(),
                when: When::at(p.created_at, now),
            }
        })
        .collect();
    let role = match user.role {
        r if r.is_staff() => Some(match r.as_str() {
            "admin" => "Admin",
            "moderator" => "Moderator",
            _ => "Agent",
        }),
        _ => None,
    };
    let follow =
        super::notify::follow_button(&state, &l, "user", id.to_string(), format!("/users/{id}"))
            .await;
    let is_self = l.user.as_ref().is_some_and(|u| u.id == id);
    let impact = state
        .app
        .profile_impact(id, l.user.as_ref().map(|u| u.id))
        .await?;
    let mut tiers = [0_usize; 3];
    for h in &impact.badges {
        let i = match h.badge.tier {
            stoa_domain::badges::Tier::Gold => 0,
            stoa_domain::badges::Tier::Silver => 1,
            stoa_domain::badges::Tier::Bronze => 2,
        };
        tiers[i] += 1;
    }
    let badges = impact
        .badges
        .iter()
        .map(|h| HeldLine {
            href: super::badges::badge_href(&h.badge.key),
            name: h.badge.name.clone(),
            tier: h.badge.tier.as_str(),
            imported: h.badge.imported,
            times: h.times,
        })
        .collect();
    let rewards = impact.rewards.as_ref().map(|rs| {
        rs.iter()
            .map(|r| RewardLine {
                href: format!("/rewards/{}/users/{id}", r.period_id),
                period: format!(
                    "{} to {}",
                    &stoa_domain::time::format_utc(r.starts_at)[..10],
                    &stoa_domain::time::format_utc(r.ends_at - 1)[..10]
                ),
                points: r.points,
                amount: super::rewards::money(r.amount_minor, &r.currency),
                declined: r.declined,
            })
            .collect()
    });
    Ok(render(&UserPage {
        follow,
        people_helped: impact.impact.people_helped,
        accepted_answers: impact.impact.accepted_answers,
        articles: impact.impact.articles,
        tiers,
        badges,
        rewards,
        is_self,
        profile,
        l,
        role,
        reputation: user.reputation,
        joined: When::at(user.created_at, now),
        total: count(rows.total, "post", "posts"),
        posts,
        pager: Pager::new(page, PER_PAGE, rows.total, |n| {
            format!("/users/{id}?page={n}")
        }),
        username: user.username,
    }))
}
