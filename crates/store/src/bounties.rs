//! Bounties: offering (the points leave the offerer's ledger in the same transaction), awarding,
//! expiring, and the reads of the question page and the expiry job. The open bounty's amount is
//! kept on its question (`posts.bounty_amount`) for the featured list.

use crate::reputation::{append, NewRepEvent};
use crate::{Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::Row;

/// A bounty with the names shown beside it.
#[derive(Debug, Clone)]
pub struct BountyRow {
    /// Id.
    pub id: i64,
    /// The question.
    pub question_id: i64,
    /// Who offered it.
    pub offered_by: i64,
    /// Their name.
    pub offered_by_name: String,
    /// Points offered.
    pub amount: i64,
    /// When it started.
    pub started_at: i64,
    /// When it ends.
    pub ends_at: i64,
    /// `open`, `awarded` or `expired`.
    pub status: String,
    /// The answer that received it.
    pub awarded_answer_id: Option<i64>,
    /// Its author.
    pub awarded_to: Option<i64>,
    /// Their name.
    pub awarded_to_name: Option<String>,
    /// Points received (half the amount when it expired).
    pub awarded_amount: i64,
    /// When it was awarded or ended.
    pub closed_at: Option<i64>,
}

const COLUMNS: &str =
    "b.id, b.question_id, b.offered_by, o.username AS offered_by_name, b.amount, b.started_at, b.ends_at, \
    b.status, b.awarded_answer_id, b.awarded_to, w.username AS awarded_to_name, b.awarded_amount, b.closed_at";
const FROM: &str =
    "FROM bounties b JOIN users o ON o.id = b.offered_by LEFT JOIN users w ON w.id = b.awarded_to";

fn from_row(r: &AnyRow) -> Result<BountyRow, sqlx::Error> {
    Ok(BountyRow {
        id: r.try_get("id")?,
        question_id: r.try_get("question_id")?,
        offered_by: r.try_get("offered_by")?,
        offered_by_name: r.try_get("offered_by_name")?,
        amount: r.try_get("amount")?,
        started_at: r.try_get("started_at")?,
        ends_at: r.try_get("ends_at")?,
        status: r.try_get("status")?,
        awarded_answer_id: r.try_get("awarded_answer_id")?,
        awarded_to: r.try_get("awarded_to")?,
        awarded_to_name: r.try_get("awarded_to_name")?,
        awarded_amount: r.try_get("awarded_amount")?,
        closed_at: r.try_get("closed_at")?,
    })
}

/// A live answer of a question, as the expiry rule weighs it.
#[derive(Debug, Clone, Copy)]
pub struct AnswerScore {
    /// The answer.
    pub answer_id: i64,
    /// Its author.
    pub author_id: i64,
    /// Its score.
    pub score: i64,
    /// When posted.
    pub created_at: i64,
}

/// Why an offer was refused inside its transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferOutcome {
    /// Stored, with this id.
    Offered(i64),
    /// The question has a running bounty.
    AlreadyOpen,
    /// The offerer's reputation fell below the amount meanwhile.
    TooLarge(i64),
}

impl Store {
    /// Every bounty of a question, newest first (the open one, if any, comes first).
    pub async fn bounties_of(&self, question_id: i64) -> Result<Vec<BountyRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} {FROM} WHERE b.question_id = $1 ORDER BY b.started_at DESC, b.id DESC"
        ))
        .bind(question_id)
        .fetch_all(self.reader())
        .await?;
        Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
    }

    /// The question's running bounty.
    pub async fn open_bounty(&self, question_id: i64) -> Result<Option<BountyRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} {FROM} WHERE b.question_id = $1 AND b.status = 'open'"
        ))
        .bind(question_id)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    /// A bounty by id.
    pub async fn bounty(&self, id: i64) -> Result<Option<BountyRow>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} {FROM} WHERE b.id = $1"))
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    /// Running bounties whose week is over, oldest first.
    pub async fn due_bounties(&self, now: i64, limit: i64) -> Result<Vec<BountyRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} {FROM} WHERE b.status = 'open' AND b.ends_at <= $1
             ORDER BY b.ends_at, b.id LIMIT $2"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
    }

    /// The live, published answers of a question.
    pub async fn answer_scores(&self, question_id: i64) -> Result<Vec<AnswerScore>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, author_id, score, created_at FROM posts
             WHERE parent_id = $1 AND kind = 'answer' AND deleted_at IS NULL AND status = 'published'",
        )
        .bind(question_id)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                Ok(AnswerScore {
                    answer_id: r.try_get("id")?,
                    author_id: r.try_get("author_id")?,
                    score: r.try_get("score")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?)
    }

    /// Starts a bounty: the points leave the offerer's ledger, the question shows the amount.
    pub async fn offer_bounty(
        &self,
        question_id: i64,
        user_id: i64,
        amount: i64,
        ends_at: i64,
        now: i64,
    ) -> Result<OfferOutcome, StoreError> {
        let mut tx = self.write_tx().await?;
        self.lock_post(&mut tx, question_id).await?;
        let open: i64 =
            sqlx::query("SELECT COUNT(*) FROM bounties WHERE question_id = $1 AND status = 'open'")
                .bind(question_id)
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
        if open > 0 {
            return Ok(OfferOutcome::AlreadyOpen);
        }
        let reputation: i64 = sqlx::query("SELECT reputation FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        if reputation < amount {
            return Ok(OfferOutcome::TooLarge(reputation));
        }
        let id: i64 = sqlx::query(
            "INSERT INTO bounties (question_id, offered_by, amount, started_at, ends_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(question_id)
        .bind(user_id)
        .bind(amount)
        .bind(now)
        .bind(ends_at)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        sqlx::query("UPDATE posts SET bounty_amount = $2, last_activity_at = $3 WHERE id = $1")
            .bind(question_id)
            .bind(amount)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let entry = NewRepEvent {
            user_id,
            delta: -amount,
            reason: "bounty_offered",
            post_id: Some(question_id),
            actor_id: Some(user_id),
        };
        append(&mut tx, &[entry], now).await?;
        tx.commit().await?;
        Ok(OfferOutcome::Offered(id))
    }

    /// Ends a running bounty: `status` `awarded` or `expired`, with the answer receiving
    /// `awarded_amount` (none when it expired without a worthy answer). False when it had
    /// already ended (a concurrent award or another worker).
    pub async fn close_bounty(
        &self,
        bounty: &BountyRow,
        status: &str,
        winner: Option<(i64, i64)>,
        awarded_amount: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        self.lock_post(&mut tx, bounty.question_id).await?;
        let (answer_id, author_id) = winner.unzip();
        let done = sqlx::query(
            "UPDATE bounties SET status = $2, awarded_answer_id = $3, awarded_to = $4,
                 awarded_amount = $5, closed_at = $6
             WHERE id = $1 AND status = 'open'",
        )
        .bind(bounty.id)
        .bind(status)
        .bind(answer_id)
        .bind(author_id)
        .bind(if winner.is_some() { awarded_amount } else { 0 })
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 0 {
            return Ok(false);
        }
        sqlx::query("UPDATE posts SET bounty_amount = 0 WHERE id = $1")
            .bind(bounty.question_id)
            .execute(&mut *tx)
            .await?;
        if self.notifications_on() {
            let e = stoa_domain::notify::Event::BountyEnded {
                bounty_id: bounty.id,
            };
            crate::jobs::enqueue_in(&mut tx, &[crate::jobs::event_job(&e, now)], now).await?;
        }
        if let (Some(answer_id), Some(author_id)) = (answer_id, author_id) {
            if awarded_amount > 0 {
                let entry = NewRepEvent {
                    user_id: author_id,
                    delta: awarded_amount,
                    reason: "bounty",
                    post_id: Some(answer_id),
                    actor_id: Some(bounty.offered_by),
                };
                append(&mut tx, &[entry], now).await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }
}
