//! The public moderation log: its pages, one entry, and the statistics shown above it, with
//! private details blanked for those who may not read them.

use crate::{paging, App, AppError, AuthUser};
use std::collections::HashMap;
use stoa_domain::moderation::{log_stats, week_start, ActionFact, Category, LogStats, ModAction};
use stoa_domain::policy::{decide, Action, Target};
use stoa_store::lists::Page;
use stoa_store::moderation::{ActionRow, AppealRow, LogFilter};

/// Filters of the public log.
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    /// One action name.
    pub action: Option<String>,
    /// One category name.
    pub category: Option<String>,
    /// One moderator's id.
    pub actor_id: Option<i64>,
    /// Page from 1.
    pub page: Option<i64>,
    /// Items per page.
    pub per_page: Option<i64>,
}

/// A log entry as a viewer may see it.
#[derive(Debug, Clone)]
pub struct LogEntry {
    /// The entry; `private_detail` is empty unless the viewer may read it.
    pub row: ActionRow,
    /// Whether the viewer may read the private detail.
    pub private_visible: bool,
    /// Its appeal; the text is empty unless the viewer may read it.
    pub appeal: Option<AppealRow>,
    /// The viewer may appeal it now.
    pub can_appeal: bool,
    /// The viewer may decide its pending appeal.
    pub can_decide: bool,
}

/// The statistics shown above the log, with moderators' names.
#[derive(Debug, Clone)]
pub struct ModerationStats {
    /// The numbers.
    pub stats: LogStats,
    /// Weeks covered.
    pub weeks: usize,
    /// Names of the actors counted.
    pub names: HashMap<i64, String>,
}

impl App {
    /// A page of the public moderation log, newest first.
    pub async fn moderation_log(
        &self,
        viewer: Option<&AuthUser>,
        q: &LogQuery,
    ) -> Result<Page<LogEntry>, AppError> {
        let (limit, offset) = paging(q.page, q.per_page, 50)?;
        let action = match q.action.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            Some(a) => Some(ModAction::parse(a)?.as_str()),
            None => None,
        };
        let category = match q
            .category
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            Some(c) => Some(Category::parse(c)?.as_str()),
            None => None,
        };
        let filter = LogFilter {
            action,
            category,
            actor_id: q.actor_id.map(Some),
            affected_user_id: None,
        };
        let page = self.store().moderation_log(&filter, limit, offset).await?;
        Ok(Page {
            items: page.items.into_iter().map(|r| visible(viewer, r)).collect(),
            total: page.total,
        })
    }

    /// One log entry with its appeal, as `viewer` may see it.
    pub async fn moderation_entry(
        &self,
        viewer: Option<&AuthUser>,
        id: i64,
    ) -> Result<LogEntry, AppError> {
        let row = self
            .store()
            .moderation_action(id)
            .await?
            .ok_or(AppError::NotFound("moderation action"))?;
        let mut entry = visible(viewer, row);
        let mut appeal = self.store().appeal_of(id).await?;
        if let Some(a) = appeal.as_mut() {
            if !entry.private_visible {
                // The appeal's text is the affected person's own words about their case.
                a.text.clear();
            }
        }
        let target = Target::Logged {
            actor_id: entry.row.actor_id,
            affected_user_id: entry.row.affected_user_id,
        };
        let appealable = ModAction::parse(&entry.row.action).is_ok_and(ModAction::appealable);
        entry.can_appeal = appeal.is_none()
            && appealable
            && entry.row.reversed_at.is_none()
            && viewer.is_some_and(|v| decide(&v.actor(), Action::Appeal, target).is_ok());
        entry.can_decide = appeal.as_ref().is_some_and(|a| a.status == "pending")
            && viewer.is_some_and(|v| decide(&v.actor(), Action::DecideAppeal, target).is_ok());
        entry.appeal = appeal;
        Ok(entry)
    }

    /// Statistics of the last `weeks` weeks of the log.
    pub async fn moderation_stats(&self, weeks: usize) -> Result<ModerationStats, AppError> {
        let weeks = weeks.clamp(1, 104);
        let now = stoa_store::now();
        let since = week_start(now) - (weeks as i64 - 1) * 7 * 86_400;
        let facts: Vec<ActionFact> = self
            .store()
            .action_facts(since)
            .await?
            .into_iter()
            .filter_map(|f| {
                Some(ActionFact {
                    action: ModAction::parse(&f.action).ok()?,
                    actor_id: f.actor_id,
                    created_at: f.created_at,
                    reversed: f.reversed,
                })
            })
            .collect();
        let stats = log_stats(&facts, now, weeks);
        let ids: Vec<i64> = stats.by_actor.iter().filter_map(|(id, _)| *id).collect();
        let names = self.store().usernames(&ids).await?.into_iter().collect();
        Ok(ModerationStats {
            stats,
            weeks,
            names,
        })
    }
}

/// Blanks what `viewer` may not read.
fn visible(viewer: Option<&AuthUser>, mut row: ActionRow) -> LogEntry {
    let target = Target::Logged {
        actor_id: row.actor_id,
        affected_user_id: row.affected_user_id,
    };
    let private_visible =
        viewer.is_some_and(|v| decide(&v.actor(), Action::SeePrivateDetail, target).is_ok());
    if !private_visible {
        row.private_detail.clear();
    }
    LogEntry {
        row,
        private_visible,
        appeal: None,
        can_appeal: false,
        can_decide: false,
    }
}
