//! Reputation: the ledger a user (and anyone) can read, and the helpers that turn the domain's
//! entries into stored ones.

use crate::{paging, App, AppError};
use stoa_domain::policy::{Privilege, Thresholds};
use stoa_domain::reputation::Entry;
use stoa_store::lists::Page;
use stoa_store::reputation::{NewRepEvent, RepEventRow};

/// A user's ledger page with their current total.
#[derive(Debug, Clone)]
pub struct Ledger {
    /// The user.
    pub user_id: i64,
    /// Their name.
    pub username: String,
    /// Their reputation: the base plus the sum of the ledger.
    pub reputation: i64,
    /// Entries, newest first.
    pub entries: Page<RepEventRow>,
}

/// A privilege and whether a given reputation holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrivilegeStatus {
    /// The privilege.
    pub privilege: Privilege,
    /// Reputation it needs.
    pub needed: i64,
    /// Whether it is held.
    pub held: bool,
}

/// Turns domain entries into stored ones about `post_id`, caused by `actor_id`.
pub(crate) fn ledger(
    entries: Vec<Entry>,
    post_id: Option<i64>,
    actor_id: Option<i64>,
) -> Vec<NewRepEvent> {
    entries
        .into_iter()
        .map(|e| NewRepEvent {
            user_id: e.user_id,
            delta: e.delta,
            reason: e.reason.as_str(),
            post_id,
            actor_id,
        })
        .collect()
}

/// Every privilege with its threshold, as a visitor sees them: held by nobody (who holds what
/// is [`stoa_domain::policy::Actor::has`]'s business, through [`App::privileges_of`]).
pub fn privileges(thresholds: &Thresholds) -> Vec<PrivilegeStatus> {
    Privilege::ALL
        .iter()
        .map(|p| PrivilegeStatus {
            privilege: *p,
            needed: thresholds.get(*p),
            held: false,
        })
        .collect()
}

impl App {
    /// A user's reputation ledger, newest first. Public: every point has a visible reason.
    pub async fn reputation_ledger(
        &self,
        user_id: i64,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> Result<Ledger, AppError> {
        let (limit, offset) = paging(page, per_page, 50)?;
        let user = self.user(user_id).await?;
        let entries = self
            .store()
            .reputation_ledger(user_id, limit, offset)
            .await?;
        Ok(Ledger {
            user_id,
            username: user.username,
            reputation: user.reputation,
            entries,
        })
    }

    /// The sum of a user's ledger plus the base: what their reputation must equal.
    pub async fn ledger_reputation(&self, user_id: i64) -> Result<i64, AppError> {
        let sum = self.store().ledger_sum(user_id).await?;
        Ok(stoa_domain::reputation::reputation([sum]))
    }

    /// The privileges of the site with their thresholds, as `user` holds them (reputation, and
    /// for privileges of trust the account's age).
    pub fn privileges_of(&self, user: &crate::AuthUser) -> Vec<PrivilegeStatus> {
        let actor = user.actor();
        Privilege::ALL
            .iter()
            .map(|p| PrivilegeStatus {
                privilege: *p,
                needed: user.thresholds.get(*p),
                held: actor.has(*p),
            })
            .collect()
    }

    /// The privileges of the site with their thresholds, as `viewer` holds them (none for a
    /// visitor).
    pub async fn privileges_for(
        &self,
        viewer: Option<&crate::AuthUser>,
    ) -> Result<Vec<PrivilegeStatus>, AppError> {
        match viewer {
            Some(u) => Ok(self.privileges_of(u)),
            None => Ok(privileges(&self.thresholds().await?)),
        }
    }
}
