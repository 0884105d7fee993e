//! Governance settings: the privilege profile and overrides, reputation points, community
//! thresholds, spam rules and write limits. Stored as one JSON site setting; every field has a
//! default, so `{}` is a complete configuration.

use crate::integrity::IntegrityRules;
use crate::policy::{Profile, Thresholds};
use crate::reputation::Points;
use serde::{Deserialize, Serialize};

/// At most `max` events per `window_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Events allowed per window.
    pub max: i64,
    /// Window length in seconds.
    pub window_secs: i64,
}

/// Limits on writes (posts, comments, votes, flags, edits), counted in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WriteLimits {
    /// Writes by one account.
    pub per_user: RateLimit,
    /// Writes from one client address (all accounts behind it together).
    pub per_ip: RateLimit,
    /// Questions and answers by a new member (see [`SpamRules::new_user_below`]).
    pub new_user_posts: RateLimit,
}

impl Default for WriteLimits {
    fn default() -> Self {
        WriteLimits {
            per_user: RateLimit {
                max: 60,
                window_secs: 60,
            },
            per_ip: RateLimit {
                max: 600,
                window_secs: 60,
            },
            new_user_posts: RateLimit {
                max: 10,
                window_secs: 600,
            },
        }
    }
}

/// When a post is held for a moderator instead of published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpamRules {
    /// Members below this reputation are new: their links and posting speed are limited.
    pub new_user_below: i64,
    /// Links a new member's post may carry before it is held (others have a multiple,
    /// `screening::link_allowance`).
    pub new_user_max_links: i64,
    /// Posts with links a new member may publish per hour before the next one is held (others
    /// have a multiple, `screening::link_allowance`).
    pub new_user_link_posts_per_hour: i64,
    /// Word-shingle similarity (percent) from which a post counts as a near-duplicate.
    pub near_duplicate_percent: i64,
}

impl Default for SpamRules {
    fn default() -> Self {
        SpamRules {
            new_user_below: 10,
            new_user_max_links: 2,
            new_user_link_posts_per_hour: 2,
            near_duplicate_percent: 85,
        }
    }
}

/// Per-privilege overrides on top of the profile; absent ones keep the profile's value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThresholdOverrides {
    /// Vote up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vote_up: Option<i64>,
    /// Flag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag: Option<i64>,
    /// Comment everywhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment_everywhere: Option<i64>,
    /// Vote down.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vote_down: Option<i64>,
    /// Flags count toward hiding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_flag: Option<i64>,
    /// Review queues.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<i64>,
    /// Edit others' posts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edit_others: Option<i64>,
    /// Close and reopen votes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close_votes: Option<i64>,
    /// Protect questions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protect: Option<i64>,
    /// Answer protected questions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer_protected: Option<i64>,
    /// Offer bounties.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offer_bounty: Option<i64>,
}

/// Every governance setting of a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GovernanceSettings {
    /// Privilege profile.
    pub profile: Profile,
    /// Overrides of the profile's thresholds.
    pub thresholds: ThresholdOverrides,
    /// Reputation points per event.
    pub points: Points,
    /// Pending flags from trusted members that hide a post until a moderator reviews it (0: never).
    pub flags_to_hide: i64,
    /// Votes that close (or reopen) a question.
    pub close_votes_needed: i64,
    /// Days after its question from which an answer goes to the late-answers queue.
    pub late_answer_days: i64,
    /// Spam rules.
    pub spam: SpamRules,
    /// Write rate limits.
    pub limits: WriteLimits,
    /// Serial voting rules.
    pub integrity: IntegrityRules,
}

impl Default for GovernanceSettings {
    fn default() -> Self {
        GovernanceSettings {
            profile: Profile::default(),
            thresholds: ThresholdOverrides::default(),
            points: Points::default(),
            flags_to_hide: 3,
            close_votes_needed: 3,
            late_answer_days: 30,
            spam: SpamRules::default(),
            limits: WriteLimits::default(),
            integrity: IntegrityRules::default(),
        }
    }
}

impl GovernanceSettings {
    /// The thresholds in force: the profile's, with overrides applied.
    pub fn thresholds(&self) -> Thresholds {
        let base = Thresholds::of(self.profile);
        let o = &self.thresholds;
        Thresholds {
            vote_up: o.vote_up.unwrap_or(base.vote_up),
            flag: o.flag.unwrap_or(base.flag),
            comment_everywhere: o.comment_everywhere.unwrap_or(base.comment_everywhere),
            vote_down: o.vote_down.unwrap_or(base.vote_down),
            trusted_flag: o.trusted_flag.unwrap_or(base.trusted_flag),
            review: o.review.unwrap_or(base.review),
            edit_others: o.edit_others.unwrap_or(base.edit_others),
            close_votes: o.close_votes.unwrap_or(base.close_votes),
            protect: o.protect.unwrap_or(base.protect),
            answer_protected: o.answer_protected.unwrap_or(base.answer_protected),
            offer_bounty: o.offer_bounty.unwrap_or(base.offer_bounty),
        }
    }

    /// Checks every range; the message names the setting.
    pub fn validate(&self) -> Result<(), String> {
        const MAX_THRESHOLD: i64 = 10_000_000;
        let o = &self.thresholds;
        for (name, v) in [
            ("vote_up", o.vote_up),
            ("flag", o.flag),
            ("comment_everywhere", o.comment_everywhere),
            ("vote_down", o.vote_down),
            ("trusted_flag", o.trusted_flag),
            ("review", o.review),
            ("edit_others", o.edit_others),
            ("close_votes", o.close_votes),
            ("protect", o.protect),
            ("answer_protected", o.answer_protected),
            ("offer_bounty", o.offer_bounty),
        ] {
            if v.is_some_and(|v| !(0..=MAX_THRESHOLD).contains(&v)) {
                return Err(format!(
                    "thresholds.{name} must be between 0 and {MAX_THRESHOLD}"
                ));
            }
        }
        self.points.validate()?;
        self.integrity.validate()?;
        if !(0..=50).contains(&self.flags_to_hide) {
            return Err("flags_to_hide must be between 0 (never hide) and 50".into());
        }
        if !(1..=20).contains(&self.close_votes_needed) {
            return Err("close_votes_needed must be between 1 and 20".into());
        }
        if !(0..=3_650).contains(&self.late_answer_days) {
            return Err("late_answer_days must be between 0 (no queue) and 3650".into());
        }
        let s = &self.spam;
        if !(0..=MAX_THRESHOLD).contains(&s.new_user_below) {
            return Err("spam.new_user_below must be between 0 and 10000000".into());
        }
        if !(0..=1_000).contains(&s.new_user_max_links)
            || !(0..=1_000).contains(&s.new_user_link_posts_per_hour)
        {
            return Err("spam link limits must be between 0 and 1000".into());
        }
        if !(50..=100).contains(&s.near_duplicate_percent) {
            return Err("spam.near_duplicate_percent must be between 50 and 100".into());
        }
        for (name, l) in [
            ("limits.per_user", self.limits.per_user),
            ("limits.per_ip", self.limits.per_ip),
            ("limits.new_user_posts", self.limits.new_user_posts),
        ] {
            if !(1..=1_000_000).contains(&l.max) || !(1..=86_400 * 7).contains(&l.window_secs) {
                return Err(format!(
                    "{name} needs max from 1 to 1000000 and window_secs from 1 to 604800"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Privilege;

    #[test]
    fn defaults_are_valid_and_overrides_apply() {
        let d = GovernanceSettings::default();
        assert!(d.validate().is_ok());
        assert_eq!(d.thresholds(), Thresholds::NEW_SITE);
        let normal = GovernanceSettings {
            profile: Profile::Normal,
            thresholds: ThresholdOverrides {
                edit_others: Some(300),
                ..Default::default()
            },
            ..d
        };
        let t = normal.thresholds();
        assert_eq!(t.get(Privilege::EditOthers), 300);
        assert_eq!(t.get(Privilege::VoteDown), 125);
    }

    #[test]
    fn bad_values_are_named() {
        let d = GovernanceSettings::default();
        let bad = [
            GovernanceSettings {
                flags_to_hide: -1,
                ..d
            },
            GovernanceSettings {
                close_votes_needed: 0,
                ..d
            },
            GovernanceSettings {
                late_answer_days: 99_999,
                ..d
            },
            GovernanceSettings {
                thresholds: ThresholdOverrides {
                    vote_up: Some(-3),
                    ..Default::default()
                },
                ..d
            },
            GovernanceSettings {
                spam: SpamRules {
                    near_duplicate_percent: 10,
                    ..d.spam
                },
                ..d
            },
            GovernanceSettings {
                limits: WriteLimits {
                    per_ip: RateLimit {
                        max: 0,
                        window_secs: 60,
                    },
                    ..d.limits
                },
                ..d
            },
            GovernanceSettings {
                points: Points {
                    penalty: 50,
                    ..d.points
                },
                ..d
            },
        ];
        for b in bad {
            assert!(b.validate().is_err(), "{b:?}");
        }
    }
}
