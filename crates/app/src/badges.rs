//! Badges and a person's impact: the awarding job, the catalogue with its holders, and what a
//! profile shows (people helped, accepted answers, articles, badges, past rewards).

use crate::{paging, App, AppError};
use std::collections::HashMap;
use stoa_domain::badges::{self, Tier, CATALOGUE};
use stoa_store::badges::{BadgeHolder, HeldBadge};
use stoa_store::impact::{Impact, PastReward};
use stoa_store::lists::Page;

/// A badge as pages and the API show it.
#[derive(Debug, Clone)]
pub struct BadgeInfo {
    /// Stored key (`se:Name` for imported ones).
    pub key: String,
    /// Its name.
    pub name: String,
    /// Its rank.
    pub tier: Tier,
    /// How to earn it (imported ones: where it came from).
    pub description: String,
    /// Imported from Stack Exchange.
    pub imported: bool,
    /// People holding it.
    pub holders: i64,
}

/// A badge someone holds.
#[derive(Debug, Clone)]
pub struct Held {
    /// The badge.
    pub badge: BadgeInfo,
    /// When first earned.
    pub awarded_at: i64,
    /// How many times.
    pub times: i64,
}

/// What a profile shows of a person's impact.
#[derive(Debug, Clone)]
pub struct ProfileImpact {
    /// Counts.
    pub impact: Impact,
    /// Their badges, most recent first.
    pub badges: Vec<Held>,
    /// Their closed reward periods, when they allow showing them (always to themselves).
    pub rewards: Option<Vec<PastReward>>,
}

fn info(key: &str, stored_tier: &str, imported: bool, holders: i64) -> BadgeInfo {
    match (imported, badges::find(key)) {
        (false, Some(b)) => BadgeInfo {
            key: key.to_string(),
            name: b.name.to_string(),
            tier: b.tier,
            description: b.description.to_string(),
            imported: false,
            holders,
        },
        _ => BadgeInfo {
            key: key.to_string(),
            name: badges::imported_name(key).unwrap_or(key).to_string(),
            tier: Tier::parse(stored_tier).unwrap_or(Tier::Bronze),
            description: "Earned on Stack Exchange before this community moved here.".into(),
            imported: true,
            holders,
        },
    }
}

fn held(h: &HeldBadge) -> Held {
    Held {
        badge: info(&h.badge, &h.tier, h.imported, 0),
        awarded_at: h.awarded_at,
        times: h.times,
    }
}

impl App {
    /// Awards every badge of the catalogue to everyone who earned it and lacks it; returns how
    /// many were given. Idempotent: running it again gives nothing new.
    pub async fn award_badges(&self) -> Result<usize, AppError> {
        let now = stoa_store::now();
        let mut given = 0;
        for (i, b) in CATALOGUE.iter().enumerate() {
            let event = stoa_domain::notify::Event::BadgeAwarded {
                badge: i as i64,
                awarded_at: now,
            };
            let who = self
                .store()
                .award_badge(b.key, b.tier.as_str(), b.measure, b.threshold, now, &event)
                .await?;
            if !who.is_empty() {
                tracing::info!(badge = b.key, people = who.len(), "badges awarded");
            }
            given += who.len();
        }
        Ok(given)
    }

    /// The catalogue with holder counts, then the imported badges (by tier, then name).
    pub async fn badge_catalogue(&self) -> Result<Vec<BadgeInfo>, AppError> {
        let counts = self.store().badge_counts().await?;
        let own: HashMap<&str, i64> = counts
            .iter()
            .filter(|c| !c.imported)
            .map(|c| (c.badge.as_str(), c.holders))
            .collect();
        let mut out: Vec<BadgeInfo> = CATALOGUE
            .iter()
            .map(|b| info(b.key, b.tier.as_str(), false, *own.get(b.key).unwrap_or(&0)))
            .collect();
        let mut imported: Vec<BadgeInfo> = counts
            .iter()
            .filter(|c| c.imported)
            .map(|c| info(&c.badge, &c.tier, true, c.holders))
            .collect();
        imported.sort_by(|a, b| b.tier.cmp(&a.tier).then_with(|| a.name.cmp(&b.name)));
        out.extend(imported);
        Ok(out)
    }

    /// A badge and a page of its holders, most recent first.
    pub async fn badge_holders(
        &self,
        key: &str,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> Result<(BadgeInfo, Page<BadgeHolder>), AppError> {
        let (limit, offset) = paging(page, per_page, 50)?;
        let holders = self.store().badge_holders(key, limit, offset).await?;
        let badge = match badges::find(key) {
            Some(b) => info(b.key, b.tier.as_str(), false, holders.total),
            None if badges::imported_name(key).is_some() => {
                let tier = self
                    .store()
                    .badge_counts()
                    .await?
                    .into_iter()
                    .find(|c| c.imported && c.badge == key)
                    .map(|c| c.tier)
                    .ok_or(AppError::NotFound("badge"))?;
                info(key, &tier, true, holders.total)
            }
            None => return Err(AppError::NotFound("badge")),
        };
        Ok((badge, holders))
    }

    /// The badges a person holds, most recent first.
    pub async fn user_badges(&self, user_id: i64) -> Result<Vec<Held>, AppError> {
        self.user(user_id).await?;
        Ok(self
            .store()
            .user_badges(user_id)
            .await?
            .iter()
            .map(held)
            .collect())
    }

    /// What a profile shows of a person's impact to `viewer`: past rewards only when the
    /// person allows it, or to themselves.
    pub async fn profile_impact(
        &self,
        user_id: i64,
        viewer: Option<i64>,
    ) -> Result<ProfileImpact, AppError> {
        let impact = self.store().user_impact(user_id).await?;
        let badges = self
            .store()
            .user_badges(user_id)
            .await?
            .iter()
            .map(held)
            .collect();
        let (_, shown) = self.store().reward_preferences(user_id).await?;
        let rewards = if shown || viewer == Some(user_id) {
            Some(self.store().past_rewards(user_id).await?)
        } else {
            None
        };
        Ok(ProfileImpact {
            impact,
            badges,
            rewards,
        })
    }
}

impl App {
    /// Awards badges now rather than at the next hourly run (admins).
    pub async fn award_badges_now(&self, user: &crate::AuthUser) -> Result<usize, AppError> {
        use stoa_domain::policy::{decide, Action, Target};
        decide(&user.actor(), Action::ManageSettings, Target::Site)?;
        self.award_badges().await
    }
}
