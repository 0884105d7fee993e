//! Notifications as people use them: the list and its unread count, marking read, settings,
//! follows, and username completion for @mentions. The fan-out is in `fanout`, e-mail's part
//! (tokens, signed links, what a message says) in `mail`.

mod fanout;
mod mail;

pub(crate) use mail::bad_link;

pub use mail::{Digest, MailMessage, MailOutcome, Unsubscribed};

use crate::{paging, App, AppError, AuthUser};
use stoa_domain::notify::{is_kind, Channel, KINDS};
use stoa_domain::post_kind::PostKind;
use stoa_store::notify::{FollowRow, NotificationRow};

/// A page of notifications.
#[derive(Debug, Clone)]
pub struct NotificationList {
    /// This page, newest first.
    pub items: Vec<NotificationRow>,
    /// All matching.
    pub total: i64,
    /// Unread in all.
    pub unread: i64,
}

/// Which notifications to mark read.
#[derive(Debug, Clone)]
pub enum ReadWhich {
    /// These (others' ids are ignored).
    Ids(Vec<i64>),
    /// Every one.
    All,
}

/// A person's notification settings: every kind with its channel, and auto-follow.
#[derive(Debug, Clone)]
pub struct NotificationSettings {
    /// `(kind, channel, label)` for every kind, in a fixed order.
    pub channels: Vec<(&'static str, Channel, &'static str)>,
    /// Whether asking or answering follows the question.
    pub auto_follow: bool,
}

/// Most ids one "mark read" call takes.
pub const MAX_READ_IDS: usize = 1000;

impl App {
    /// A person's notifications, newest first.
    pub async fn notifications(
        &self,
        user: &AuthUser,
        unread_only: bool,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> Result<NotificationList, AppError> {
        let (limit, offset) = paging(page, per_page, 30)?;
        let (page, unread) = self
            .store()
            .notifications_page(user.id, unread_only, limit, offset)
            .await?;
        Ok(NotificationList {
            items: page.items,
            total: page.total,
            unread,
        })
    }

    /// How many notifications a person has not read.
    pub async fn unread_count(&self, user_id: i64) -> Result<i64, AppError> {
        Ok(self.store().unread_notifications(user_id).await?)
    }

    /// Marks notifications read; how many changed.
    pub async fn mark_read(&self, user: &AuthUser, which: ReadWhich) -> Result<u64, AppError> {
        let now = stoa_store::now();
        match which {
            ReadWhich::All => Ok(self
                .store()
                .mark_notifications_read(user.id, None, now)
                .await?),
            ReadWhich::Ids(ids) if ids.len() > MAX_READ_IDS => Err(AppError::invalid(
                "too_many_ids",
                "ids",
                format!("Mark at most {MAX_READ_IDS} notifications read at once."),
            )),
            ReadWhich::Ids(ids) => Ok(self
                .store()
                .mark_notifications_read(user.id, Some(&ids), now)
                .await?),
        }
    }

    /// A person's settings, every kind filled in with its default where they chose none.
    pub async fn notification_settings(
        &self,
        user: &AuthUser,
    ) -> Result<NotificationSettings, AppError> {
        let (chosen, auto_follow) = self.store().notification_settings(user.id).await?;
        let channels = KINDS
            .iter()
            .map(|(kind, default, label)| {
                let channel = chosen
                    .iter()
                    .find(|(k, _)| k == kind)
                    .and_then(|(_, c)| Channel::parse(c))
                    .unwrap_or(*default);
                (*kind, channel, *label)
            })
            .collect();
        Ok(NotificationSettings {
            channels,
            auto_follow,
        })
    }

    /// Changes some kinds' channels (others keep theirs) and, if given, auto-follow. Every kind
    /// and channel is checked before anything is written.
    pub async fn put_notification_settings(
        &self,
        user: &AuthUser,
        changes: &[(String, String)],
        auto_follow: Option<bool>,
    ) -> Result<NotificationSettings, AppError> {
        user.may_write()?;
        let mut parsed: Vec<(&str, &str)> = Vec::with_capacity(changes.len());
        for (kind, channel) in changes {
            if !is_kind(kind) {
                return Err(AppError::invalid(
                    "unknown_kind",
                    "channels",
                    format!("There is no notification kind “{}”.", clip(kind)),
                ));
            }
            let Some(c) = Channel::parse(channel) else {
                return Err(AppError::invalid(
                    "unknown_channel",
                    "channels",
                    format!(
                        "“{}” is not a channel: use off, in_app, email, daily or weekly.",
                        clip(channel)
                    ),
                ));
            };
            parsed.push((kind.as_str(), c.as_str()));
        }
        let current = self.notification_settings(user).await?;
        let auto = auto_follow.unwrap_or(current.auto_follow);
        self.store()
            .put_notification_settings(user.id, &parsed, auto)
            .await?;
        self.notification_settings(user).await
    }

    /// Follows a tag (by name), a question or a user (by id); the follow and whether it is new.
    pub async fn follow(
        &self,
        user: &AuthUser,
        target_type: &str,
        target: &str,
    ) -> Result<(i64, bool), AppError> {
        user.may_write()?;
        let target = self.follow_target(user, target_type, target).await?;
        Ok(self
            .store()
            .follow(user.id, target_type, &target, stoa_store::now())
            .await?)
    }

    /// The canonical form of a follow's target, checked to exist.
    async fn follow_target(
        &self,
        user: &AuthUser,
        target_type: &str,
        target: &str,
    ) -> Result<String, AppError> {
        let id = || {
            target
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|i| *i > 0)
                .ok_or_else(|| {
                    AppError::invalid("invalid_target", "target", "Give the id as a number.")
                })
        };
        match target_type {
            "tag" => {
                let name = stoa_domain::post::TagName::parse(target)?;
                self.store()
                    .tag(name.as_str())
                    .await?
                    .ok_or(AppError::NotFound("tag"))?;
                Ok(name.as_str().to_string())
            }
            "question" => {
                let id = id()?;
                let q = self.post(id).await?;
                if q.kind != PostKind::Question {
                    return Err(AppError::NotFound("question"));
                }
                Ok(id.to_string())
            }
            "user" => {
                let id = id()?;
                if id == user.id {
                    return Err(AppError::invalid(
                        "invalid_target",
                        "target",
                        "You cannot follow yourself.",
                    ));
                }
                self.user(id).await?;
                Ok(id.to_string())
            }
            _ => Err(AppError::invalid(
                "invalid_target_type",
                "target_type",
                "target_type must be tag, question or user.",
            )),
        }
    }

    /// Stops following; 404 when the follow is not this person's.
    pub async fn unfollow(&self, user: &AuthUser, follow_id: i64) -> Result<(), AppError> {
        if self.store().unfollow(user.id, follow_id).await? {
            Ok(())
        } else {
            Err(AppError::NotFound("follow"))
        }
    }

    /// Stops following a target, if followed (for the follow buttons on pages).
    pub async fn unfollow_target(
        &self,
        user: &AuthUser,
        target_type: &str,
        target: &str,
    ) -> Result<(), AppError> {
        let target = self.follow_target(user, target_type, target).await?;
        if let Some(id) = self
            .store()
            .follow_of(user.id, target_type, &target)
            .await?
        {
            self.store().unfollow(user.id, id).await?;
        }
        Ok(())
    }

    /// Whether a person follows a target (canonical form).
    pub async fn follows_target(
        &self,
        user_id: i64,
        target_type: &str,
        target: &str,
    ) -> Result<bool, AppError> {
        Ok(self
            .store()
            .follow_of(user_id, target_type, target)
            .await?
            .is_some())
    }

    /// What a person follows.
    pub async fn follows(&self, user: &AuthUser) -> Result<Vec<FollowRow>, AppError> {
        Ok(self.store().follows_of(user.id).await?)
    }

    /// Usernames starting with `prefix`, for @mention completion.
    pub async fn complete_usernames(&self, prefix: &str) -> Result<Vec<String>, AppError> {
        let prefix = prefix.trim().trim_start_matches('@').to_ascii_lowercase();
        if prefix.is_empty() || prefix.len() > 30 {
            return Ok(Vec::new());
        }
        Ok(self.store().usernames_starting(&prefix, 8).await?)
    }
}

/// A bounded excerpt of user input for error messages.
fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}
