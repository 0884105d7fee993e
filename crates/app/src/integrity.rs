//! Integrity of votes and rewards: recording the traits an account signs up and logs in with,
//! the daily visits (for the visiting badges), and the scan that reverses serial voting and
//! flags linked accounts to moderators.

use crate::secrets::token_hash;
use crate::{App, AppError, AuthUser};
use std::collections::{BTreeMap, HashMap};
use stoa_domain::integrity::{address_is_personal, serial_votes, trait_label};
use stoa_domain::policy::{decide, Action, Target};
use stoa_domain::reputation::Reason;
use stoa_store::integrity::LinkedPair;

const DAY: i64 = 86_400;
/// Name of the settings row holding the salt of address hashes.
const SALT_KEY: &str = "trait_salt";

/// What a scan did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanReport {
    /// Votes removed as serial voting.
    pub votes_reversed: u64,
    /// (voter, author) pairs whose votes were serial.
    pub serial_pairs: u64,
    /// Linked pairs (and pairs trading edits and approvals) newly flagged to moderators.
    pub pairs_flagged: u64,
}

/// How a browser or client identified itself when signing up or logging in.
#[derive(Debug, Clone, Default)]
pub struct ClientTraits {
    /// The client address.
    pub ip: String,
    /// The long-lived browser cookie's value, if any.
    pub device: Option<String>,
}

/// Approvals of one member's suggested edits by another, within a scan, that look like edits
/// traded for reputation.
const TRADED_APPROVALS: i64 = 5;

/// The moderators' note on a linked pair's flag.
fn linked_note(p: &LinkedPair) -> String {
    if p.kind == "edit_approvals" {
        return format!(
            "Edits traded for reputation? {} approved {} of {}'s suggested edits in two days. \
             Check whether the edits were worth it and the two accounts are not one person.",
            p.actor_name, p.approvals, p.user_name
        );
    }
    let mut what = Vec::new();
    let mut push = |n: i64, one: &str, many: &str| {
        if n == 1 {
            what.push(format!("1 {one}"));
        } else if n > 1 {
            what.push(format!("{n} {many}"));
        }
    };
    push(p.upvotes, "up-vote", "up-votes");
    push(p.accepts, "accepted answer", "accepted answers");
    push(p.bounties, "bounty", "bounties");
    format!(
        "Linked accounts: {} gave {} {}; the two accounts signed up or logged in from {}. \
         Check whether they are one person before their votes and rewards count.",
        p.actor_name,
        p.user_name,
        what.join(", "),
        trait_label(&p.kind)
    )
}

impl App {
    /// Remembers the traits of a sign-up or log-in (hashed), so that accounts sharing one can
    /// be linked. Never fails the sign-up: a lost trait only weakens a later check.
    pub async fn record_client_traits(&self, user_id: i64, client: &ClientTraits) {
        if let Err(e) = self.try_record_traits(user_id, client).await {
            tracing::warn!(error = %e, user.id = user_id, "could not record account traits");
        }
    }

    async fn try_record_traits(&self, user_id: i64, client: &ClientTraits) -> Result<(), AppError> {
        let now = stoa_store::now();
        for (kind, hash) in self.trait_hashes(client).await? {
            self.store().record_trait(user_id, kind, &hash, now).await?;
        }
        Ok(())
    }

    /// The hashed traits of a client: its address (when personal) and its browser cookie.
    async fn trait_hashes(
        &self,
        client: &ClientTraits,
    ) -> Result<Vec<(&'static str, String)>, AppError> {
        let mut out = Vec::new();
        if address_is_personal(&client.ip) {
            let salt = self.trait_salt().await?;
            out.push(("address", token_hash(&format!("{salt}:{}", client.ip))));
        }
        if let Some(device) = client.device.as_deref().filter(|d| !d.is_empty()) {
            out.push(("device", token_hash(device)));
        }
        Ok(out)
    }

    /// Whether the account has signed up or logged in from this client before.
    pub(crate) async fn known_client(
        &self,
        user_id: i64,
        client: &ClientTraits,
    ) -> Result<bool, AppError> {
        for (kind, hash) in self.trait_hashes(client).await? {
            if self.store().has_trait(user_id, kind, &hash).await? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The site's salt for address hashes, made on first use (a hash without it would let
    /// anyone with the database try every address).
    async fn trait_salt(&self) -> Result<String, AppError> {
        if let Some(s) = self.store().setting(SALT_KEY).await? {
            return Ok(s);
        }
        Ok(self
            .store()
            .setting_or_init(SALT_KEY, &crate::new_token(""), stoa_store::now())
            .await?)
    }

    /// Counts today as a visit of the signed-in person, once a day (the visiting badges).
    pub(crate) async fn note_visit(&self, user_id: i64, last_seen_at: i64) {
        let now = stoa_store::now();
        let today = now.div_euclid(DAY);
        if last_seen_at.div_euclid(DAY) >= today {
            return;
        }
        if let Err(e) = self.store().record_visit(user_id, today, now).await {
            tracing::warn!(error = %e, user.id = user_id, "could not record a visit");
        }
    }

    /// Scans votes and rewards of `[since, until)`: serial votes are removed (their ledger
    /// entries reversed with a reason that says why) and linked accounts flagged.
    pub async fn integrity_scan_between(
        &self,
        since: i64,
        until: i64,
    ) -> Result<ScanReport, AppError> {
        let rules = self.governance().await?.integrity;
        let now = stoa_store::now();
        let events = self.store().vote_events(since, until).await?;
        let mut pairs: BTreeMap<(i64, i64), Vec<(i64, i64)>> = BTreeMap::new();
        for e in &events {
            pairs
                .entry((e.voter_id, e.author_id))
                .or_default()
                .push((e.post_id, e.at));
        }
        let mut report = ScanReport::default();
        let min = usize::try_from(rules.serial_votes).unwrap_or(usize::MAX);
        let reasons: Vec<&'static str> = Reason::VOTE.iter().map(|r| r.as_str()).collect();
        for ((voter, author), votes) in &pairs {
            let times: Vec<i64> = votes.iter().map(|v| v.1).collect();
            let serial = serial_votes(&times, min, rules.window_secs());
            if serial.is_empty() {
                continue;
            }
            let mut posts: HashMap<i64, ()> = HashMap::new();
            let targets: Vec<(i64, i64)> = serial
                .iter()
                .filter_map(|&i| {
                    posts
                        .insert(votes[i].0, ())
                        .is_none()
                        .then_some((votes[i].0, *voter))
                })
                .collect();
            let removed = self
                .store()
                .reverse_serial_votes(&targets, &reasons, now)
                .await?;
            tracing::info!(
                voter = voter,
                author = author,
                removed,
                "serial voting reversed"
            );
            report.votes_reversed += removed;
            report.serial_pairs += 1;
        }
        let mut pairs = self.store().new_linked_pairs(since, until).await?;
        pairs.extend(
            self.store()
                .new_approval_pairs(since, until, TRADED_APPROVALS)
                .await?,
        );
        // One flag per pair, whatever made it suspicious.
        let mut seen = std::collections::HashSet::new();
        pairs.retain(|p| seen.insert((p.actor_id, p.user_id)));
        for pair in pairs {
            self.store()
                .flag_linked_pair(&pair, &linked_note(&pair), now)
                .await?;
            report.pairs_flagged += 1;
        }
        Ok(report)
    }

    /// The daily scan: whole past days only (a window straddling midnight is seen the next
    /// day), so that votes of the day in progress are judged when their day is complete.
    pub async fn integrity_scan_daily(&self) -> Result<ScanReport, AppError> {
        let rules = self.governance().await?.integrity;
        let today = stoa_store::now().div_euclid(DAY) * DAY;
        let span = (rules.window_secs() + DAY).max(2 * DAY);
        self.integrity_scan_between(today - span, today).await
    }

    /// A moderator's scan now, of the last days up to this moment.
    pub async fn integrity_scan_now(&self, user: &AuthUser) -> Result<ScanReport, AppError> {
        decide(&user.actor(), Action::Moderate, Target::Site)?;
        let rules = self.governance().await?.integrity;
        let now = stoa_store::now();
        let span = (rules.window_secs() + DAY).max(2 * DAY);
        self.integrity_scan_between(now - span, now + 1).await
    }
}
