//! Integrity of votes and rewards: account traits, the votes a serial-voting scan reads and
//! removes (with ledger entries that say why), and linked accounts flagged to moderators.

use crate::reputation::{reverse_as, Reverse};
use crate::{Store, StoreError};
use sqlx::Row;

/// A live vote as the ledger records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoteEvent {
    /// The voter.
    pub voter_id: i64,
    /// The post's author.
    pub author_id: i64,
    /// The post.
    pub post_id: i64,
    /// When.
    pub at: i64,
}

/// What one account did for another it shares a trait with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedPair {
    /// Who acted (voted, accepted, awarded).
    pub actor_id: i64,
    /// Their name.
    pub actor_name: String,
    /// Who gained.
    pub user_id: i64,
    /// Their name.
    pub user_name: String,
    /// The trait they share (`address` or `device`).
    pub kind: String,
    /// Up-votes given.
    pub upvotes: i64,
    /// Answers accepted.
    pub accepts: i64,
    /// Bounties awarded.
    pub bounties: i64,
    /// Suggested edits approved (pairs flagged for trading edits and approvals).
    pub approvals: i64,
    /// The latest post concerned, where the flag goes.
    pub post_id: i64,
}

impl Store {
    /// Remembers a trait of an account (hashed by the caller).
    pub async fn record_trait(
        &self,
        user_id: i64,
        kind: &str,
        value_hash: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO account_traits (user_id, kind, value_hash, first_seen_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (user_id, kind, value_hash) DO NOTHING",
        )
        .bind(user_id)
        .bind(kind)
        .bind(value_hash)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Whether the account has this trait.
    pub async fn has_trait(
        &self,
        user_id: i64,
        kind: &str,
        value_hash: &str,
    ) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) FROM account_traits WHERE user_id = $1 AND kind = $2 AND value_hash = $3",
        )
        .bind(user_id)
        .bind(kind)
        .bind(value_hash)
        .fetch_one(self.reader())
        .await?
        .try_get(0)?;
        Ok(n > 0)
    }

    /// Live up- and down-votes cast in `[since, until)` on other people's posts.
    pub async fn vote_events(&self, since: i64, until: i64) -> Result<Vec<VoteEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.actor_id, e.user_id, e.post_id, e.created_at FROM reputation_events e
             WHERE e.reason IN ('upvote_received', 'downvote_received')
               AND e.created_at >= $1 AND e.created_at < $2
               AND e.reversed_at IS NULL AND e.reverses_id IS NULL
               AND e.actor_id IS NOT NULL AND e.post_id IS NOT NULL AND e.actor_id <> e.user_id",
        )
        .bind(since)
        .bind(until)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                Ok(VoteEvent {
                    voter_id: r.try_get("actor_id")?,
                    author_id: r.try_get("user_id")?,
                    post_id: r.try_get("post_id")?,
                    at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?)
    }

    /// Removes serial votes: each vote goes, the post's score moves back, and its ledger entries
    /// are reversed with entries of reason `serial_voting_reversed`, all in one transaction.
    /// Returns how many votes were removed.
    pub async fn reverse_serial_votes(
        &self,
        votes: &[(i64, i64)],
        vote_reasons: &[&'static str],
        now: i64,
    ) -> Result<u64, StoreError> {
        let mut tx = self.write_tx().await?;
        let mut removed = 0;
        for &(post_id, voter_id) in votes {
            self.lock_post(&mut tx, post_id).await?;
            let value: Option<i64> =
                sqlx::query("SELECT value FROM votes WHERE post_id = $1 AND user_id = $2")
                    .bind(post_id)
                    .bind(voter_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .map(|r| r.try_get(0))
                    .transpose()?;
            let Some(value) = value else { continue };
            sqlx::query("DELETE FROM votes WHERE post_id = $1 AND user_id = $2")
                .bind(post_id)
                .bind(voter_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE posts SET score = score - $2 WHERE id = $1")
                .bind(post_id)
                .bind(value)
                .execute(&mut *tx)
                .await?;
            let filter = Reverse::ByActor {
                post_id,
                actor_id: voter_id,
                reasons: vote_reasons.to_vec(),
            };
            reverse_as(&mut tx, &filter, now, "serial_voting_reversed").await?;
            removed += 1;
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// Pairs of accounts sharing a trait where one voted for, accepted or awarded the other in
    /// `[since, until)`, and that were not flagged before.
    pub async fn new_linked_pairs(
        &self,
        since: i64,
        until: i64,
    ) -> Result<Vec<LinkedPair>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.actor_id, ua.username AS actor_name, e.user_id, ub.username AS user_name, MIN(ta.kind) AS kind,
                    COUNT(DISTINCT CASE WHEN e.reason = 'upvote_received' THEN e.id END) AS upvotes,
                    COUNT(DISTINCT CASE WHEN e.reason = 'answer_accepted' THEN e.id END) AS accepts,
                    COUNT(DISTINCT CASE WHEN e.reason = 'bounty' THEN e.id END) AS bounties,
                    MAX(e.post_id) AS post_id
             FROM reputation_events e
             JOIN account_traits ta ON ta.user_id = e.actor_id
             JOIN account_traits tb ON tb.user_id = e.user_id AND tb.kind = ta.kind AND tb.value_hash = ta.value_hash
             JOIN users ua ON ua.id = e.actor_id
             JOIN users ub ON ub.id = e.user_id
             WHERE e.reason IN ('upvote_received', 'answer_accepted', 'bounty')
               AND e.created_at >= $1 AND e.created_at < $2
               AND e.reversed_at IS NULL AND e.reverses_id IS NULL AND e.post_id IS NOT NULL
               AND e.actor_id IS NOT NULL AND e.actor_id <> e.user_id
               AND NOT EXISTS (SELECT 1 FROM linked_pairs l WHERE l.actor_id = e.actor_id AND l.user_id = e.user_id)
             GROUP BY e.actor_id, ua.username, e.user_id, ub.username
             ORDER BY e.actor_id, e.user_id",
        )
        .bind(since)
        .bind(until)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                Ok(LinkedPair {
                    actor_id: r.try_get("actor_id")?,
                    actor_name: r.try_get("actor_name")?,
                    user_id: r.try_get("user_id")?,
                    user_name: r.try_get("user_name")?,
                    kind: r.try_get("kind")?,
                    upvotes: r.try_get("upvotes")?,
                    accepts: r.try_get("accepts")?,
                    bounties: r.try_get("bounties")?,
                    approvals: 0,
                    post_id: r.try_get("post_id")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?)
    }

    /// Pairs where one member approved at least `min` of another's suggested edits in
    /// `[since, until)` (edits traded for reputation), not flagged before.
    pub async fn new_approval_pairs(
        &self,
        since: i64,
        until: i64,
        min: i64,
    ) -> Result<Vec<LinkedPair>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.reviewer_id AS actor_id, ua.username AS actor_name, s.author_id AS user_id, ub.username AS user_name,
                    COUNT(*) AS approvals, MAX(s.post_id) AS post_id
             FROM suggested_edits s
             JOIN users ua ON ua.id = s.reviewer_id
             JOIN users ub ON ub.id = s.author_id
             WHERE s.status = 'approved' AND s.reviewed_at >= $1 AND s.reviewed_at < $2
               AND s.reviewer_id IS NOT NULL AND s.reviewer_id <> s.author_id
               AND NOT EXISTS (SELECT 1 FROM linked_pairs l WHERE l.actor_id = s.reviewer_id AND l.user_id = s.author_id)
             GROUP BY s.reviewer_id, ua.username, s.author_id, ub.username
             HAVING COUNT(*) >= $3
             ORDER BY s.reviewer_id, s.author_id",
        )
        .bind(since)
        .bind(until)
        .bind(min)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                Ok(LinkedPair {
                    actor_id: r.try_get("actor_id")?,
                    actor_name: r.try_get("actor_name")?,
                    user_id: r.try_get("user_id")?,
                    user_name: r.try_get("user_name")?,
                    kind: "edit_approvals".into(),
                    upvotes: 0,
                    accepts: 0,
                    bounties: 0,
                    approvals: r.try_get("approvals")?,
                    post_id: r.try_get("post_id")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?)
    }

    /// Flags a linked pair's latest post to moderators (a flag without a flagger, like the spam
    /// filter's) and remembers the pair, so it is flagged once.
    pub async fn flag_linked_pair(
        &self,
        pair: &LinkedPair,
        text: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let mut tx = self.write_tx().await?;
        let flag_id: i64 = sqlx::query(
            "INSERT INTO flags (post_id, user_id, reason, text, created_at)
             VALUES ($1, NULL, 'other', $2, $3) RETURNING id",
        )
        .bind(pair.post_id)
        .bind(text)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        sqlx::query(
            "INSERT INTO linked_pairs (actor_id, user_id, kind, events, flag_id, flagged_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(pair.actor_id)
        .bind(pair.user_id)
        .bind(&pair.kind)
        .bind(pair.upvotes + pair.accepts + pair.bounties + pair.approvals)
        .bind(flag_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(flag_id)
    }
}
