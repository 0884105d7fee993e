//! Governance storage: flags, suggested edits, close votes, review queues, the public moderation
//! log and appeals. Use cases assemble a [`Write`] and [`Store::apply`] commits it in one
//! transaction, so that an action, its log entry, its ledger entries and the flags, votes, edits
//! or appeal it settles are never half-written.

use crate::lists::{placeholders, Page};
use crate::posts::{post_from_row, PostEdit, PostRow, POST_COLUMNS, POST_FROM};
use crate::reputation::{NewRepEvent, Reverse};
use crate::{Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use stoa_domain::notify::Event;

/// The governance state of a post, beyond what [`PostRow`] carries.
#[derive(Debug, Clone)]
pub struct PostState {
    /// Id.
    pub id: i64,
    /// `question`, `answer` or `article`.
    pub kind: String,
    /// The question of an answer.
    pub parent_id: Option<i64>,
    /// Author.
    pub author_id: i64,
    /// The title of the post's question.
    pub question_title: String,
    /// `published`, `held` or `hidden`.
    pub status: String,
    /// When closed.
    pub closed_at: Option<i64>,
    /// Why closed.
    pub close_reason: Option<String>,
    /// The question this one duplicates.
    pub duplicate_of: Option<i64>,
    /// When locked.
    pub locked_at: Option<i64>,
    /// When protected.
    pub protected_at: Option<i64>,
    /// When deleted.
    pub deleted_at: Option<i64>,
    /// Revisions so far.
    pub revision_count: i64,
    /// When posted.
    pub created_at: i64,
    /// When its question was posted.
    pub question_created_at: i64,
    /// The asker of its question.
    pub question_author_id: i64,
    /// Title and Markdown, for the spam classifier.
    pub title: String,
    /// Markdown.
    pub body_md: String,
}

/// A flag to insert.
#[derive(Debug, Clone)]
pub struct NewFlag<'a> {
    /// The post.
    pub post_id: i64,
    /// The flagger; `None` for the spam filter.
    pub user_id: Option<i64>,
    /// Reason name.
    pub reason: &'a str,
    /// Duplicate target.
    pub duplicate_of: Option<i64>,
    /// Explanation.
    pub text: &'a str,
    /// Whether the flagger's flags count toward hiding.
    pub trusted: bool,
}

/// A stored flag with the flagger's name.
#[derive(Debug, Clone)]
pub struct FlagRow {
    /// Id.
    pub id: i64,
    /// The post.
    pub post_id: i64,
    /// The flagger (`None`: the spam filter).
    pub user_id: Option<i64>,
    /// The flagger's name.
    pub username: Option<String>,
    /// Reason name.
    pub reason: String,
    /// Duplicate target.
    pub duplicate_of: Option<i64>,
    /// Explanation.
    pub text: String,
    /// Counted toward hiding.
    pub trusted: bool,
    /// `pending`, `helpful` or `declined`.
    pub status: String,
    /// When.
    pub created_at: i64,
}

/// A suggested edit to insert.
#[derive(Debug, Clone)]
pub struct NewSuggestedEdit<'a> {
    /// The post.
    pub post_id: i64,
    /// Who suggests it.
    pub author_id: i64,
    /// The revision it was made against.
    pub base_revision: i64,
    /// Proposed title.
    pub title: &'a str,
    /// Proposed Markdown.
    pub body_md: &'a str,
    /// Proposed tags, space-separated.
    pub tags: &'a str,
    /// Edit summary.
    pub comment: &'a str,
}

/// A stored suggested edit.
#[derive(Debug, Clone)]
pub struct SuggestedEditRow {
    /// Id.
    pub id: i64,
    /// The post.
    pub post_id: i64,
    /// Who suggested it.
    pub author_id: i64,
    /// Their name.
    pub author_name: String,
    /// The revision it was made against.
    pub base_revision: i64,
    /// Proposed title.
    pub title: String,
    /// Proposed Markdown.
    pub body_md: String,
    /// Proposed tags.
    pub tags: String,
    /// Edit summary.
    pub comment: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// Who reviewed it.
    pub reviewer_id: Option<i64>,
    /// Their name.
    pub reviewer_name: Option<String>,
    /// Why (rejections).
    pub review_reason: String,
    /// When suggested.
    pub created_at: i64,
    /// When reviewed.
    pub reviewed_at: Option<i64>,
}

/// A close or reopen vote to insert.
#[derive(Debug, Clone)]
pub struct NewCloseVote<'a> {
    /// The question.
    pub post_id: i64,
    /// The voter.
    pub user_id: i64,
    /// `close` or `reopen`.
    pub kind: &'a str,
    /// Close reason name (close votes).
    pub reason: Option<&'a str>,
    /// Duplicate target.
    pub duplicate_of: Option<i64>,
}

/// A stored close or reopen vote.
#[derive(Debug, Clone)]
pub struct CloseVoteRow {
    /// Id.
    pub id: i64,
    /// The question.
    pub post_id: i64,
    /// The voter.
    pub user_id: i64,
    /// Their name.
    pub username: String,
    /// `close` or `reopen`.
    pub kind: String,
    /// Close reason name.
    pub reason: Option<String>,
    /// Duplicate target.
    pub duplicate_of: Option<i64>,
    /// When.
    pub created_at: i64,
}

/// A moderation log entry to insert.
#[derive(Debug, Clone)]
pub struct NewAction<'a> {
    /// Action name.
    pub action: &'a str,
    /// Who; `None` for the community.
    pub actor_id: Option<i64>,
    /// `post` or `user`.
    pub target_type: &'a str,
    /// Post or user id.
    pub target_id: i64,
    /// The post's author or the user.
    pub affected_user_id: Option<i64>,
    /// Category name.
    pub category: &'a str,
    /// Public reason.
    pub reason: &'a str,
    /// Private detail.
    pub private_detail: &'a str,
    /// Suspension length.
    pub duration_hours: Option<i64>,
    /// The action this one undoes, marked reversed.
    pub reverses_id: Option<i64>,
}

/// A log entry with names for display.
#[derive(Debug, Clone)]
pub struct ActionRow {
    /// Id.
    pub id: i64,
    /// Action name.
    pub action: String,
    /// Who (`None`: the community).
    pub actor_id: Option<i64>,
    /// Their name.
    pub actor_name: Option<String>,
    /// `post` or `user`.
    pub target_type: String,
    /// Post or user id.
    pub target_id: i64,
    /// For a post: its question's id and title.
    pub question: Option<(i64, String)>,
    /// For a user: their name.
    pub target_username: Option<String>,
    /// The post's author or the user.
    pub affected_user_id: Option<i64>,
    /// Their name.
    pub affected_name: Option<String>,
    /// Category name.
    pub category: String,
    /// Public reason.
    pub reason: String,
    /// Private detail (callers decide who sees it).
    pub private_detail: String,
    /// Suspension length.
    pub duration_hours: Option<i64>,
    /// When.
    pub created_at: i64,
    /// The action it undoes.
    pub reverses_id: Option<i64>,
    /// When it was reversed.
    pub reversed_at: Option<i64>,
    /// The action that reversed it.
    pub reversed_by_id: Option<i64>,
    /// Its appeal's status, if appealed.
    pub appeal_status: Option<String>,
}

/// Which log entries to list.
#[derive(Debug, Clone, Default)]
pub struct LogFilter<'a> {
    /// One action name.
    pub action: Option<&'a str>,
    /// One actor; `Some(None)` for the community.
    pub actor_id: Option<Option<i64>>,
    /// Entries affecting one user.
    pub affected_user_id: Option<i64>,
    /// One category.
    pub category: Option<&'a str>,
}

/// A stored appeal.
#[derive(Debug, Clone)]
pub struct AppealRow {
    /// Id.
    pub id: i64,
    /// The action appealed.
    pub action_id: i64,
    /// Who appealed.
    pub user_id: i64,
    /// Their name.
    pub username: String,
    /// Why.
    pub text: String,
    /// `pending`, `reversed` or `upheld`.
    pub status: String,
    /// The deciding moderator.
    pub decided_by: Option<i64>,
    /// Their name.
    pub decided_by_name: Option<String>,
    /// The decision's reason.
    pub decision_reason: String,
    /// When appealed.
    pub created_at: i64,
    /// When decided.
    pub decided_at: Option<i64>,
}

/// One logged action for statistics.
#[derive(Debug, Clone)]
pub struct ActionFactRow {
    /// Action name.
    pub action: String,
    /// Who.
    pub actor_id: Option<i64>,
    /// When.
    pub created_at: i64,
    /// Reversed since.
    pub reversed: bool,
}

/// An item of a review queue: the post and the queue's item id.
#[derive(Debug, Clone)]
pub struct QueueItem {
    /// The post.
    pub post: PostRow,
    /// The suggested edit, the first vote of a close round, or 0.
    pub item_id: i64,
}

/// A review to record.
#[derive(Debug, Clone)]
pub struct NewReview<'a> {
    /// Queue name.
    pub queue: &'a str,
    /// The post.
    pub post_id: i64,
    /// See [`QueueItem::item_id`].
    pub item_id: i64,
    /// Who reviewed.
    pub reviewer_id: i64,
    /// Outcome name.
    pub outcome: &'a str,
    /// Explanation.
    pub reason: &'a str,
}

/// The state change of a [`Write`]; each applies only if it changes something.
#[derive(Debug, Clone, Default)]
pub enum Effect<'a> {
    /// Nothing but the other parts of the write.
    #[default]
    None,
    /// Soft-delete a post.
    Delete(i64),
    /// Restore a post.
    Undelete(i64),
    /// Lock a post.
    Lock(i64),
    /// Unlock a post.
    Unlock(i64),
    /// Close a question.
    Close {
        /// The question.
        post_id: i64,
        /// Close reason name.
        reason: &'a str,
        /// Duplicate target.
        duplicate_of: Option<i64>,
    },
    /// Reopen a question.
    Reopen(i64),
    /// Protect a question.
    Protect(i64),
    /// Unprotect a question.
    Unprotect(i64),
    /// Change a post's status (hide, hold, publish).
    Status {
        /// The post.
        post_id: i64,
        /// New status.
        status: &'a str,
    },
    /// Suspend a user until a time.
    Suspend {
        /// The user.
        user_id: i64,
        /// End of the suspension.
        until: i64,
    },
    /// End a suspension.
    Unsuspend(i64),
}

/// Settles pending flags on a post.
#[derive(Debug, Clone)]
pub struct SettleFlags<'a> {
    /// The post.
    pub post_id: i64,
    /// `helpful` or `declined`.
    pub status: &'a str,
    /// The moderator.
    pub by: Option<i64>,
}

/// Settles pending close or reopen votes on a question.
#[derive(Debug, Clone)]
pub struct SettleCloseVotes<'a> {
    /// The question.
    pub post_id: i64,
    /// `close` or `reopen`.
    pub kind: &'a str,
    /// `applied` or `dismissed`.
    pub status: &'a str,
}

/// Records the decision on a suggested edit or an appeal.
#[derive(Debug, Clone)]
pub struct Decision<'a> {
    /// The suggested edit or appeal.
    pub id: i64,
    /// New status.
    pub status: &'a str,
    /// Who decided.
    pub by: i64,
    /// Why.
    pub reason: &'a str,
}

/// Everything one governance use case writes, committed together.
#[derive(Debug, Clone, Default)]
pub struct Write<'a> {
    /// The state change.
    pub effect: Effect<'a>,
    /// A post edit (approved suggestion, rollback).
    pub edit: Option<PostEdit<'a>>,
    /// The revision the edit was made against: checked in the same transaction, so an edit
    /// that lands meanwhile is never silently overwritten ([`StoreError::Conflict`]
    /// `post_changed`).
    pub edit_base: Option<i64>,
    /// The log entry, written only if the effect changed something.
    pub log: Option<NewAction<'a>>,
    /// Ledger entries to reverse.
    pub ledger_reverse: Vec<Reverse>,
    /// Ledger entries to append.
    pub ledger_add: Vec<NewRepEvent>,
    /// Flags to settle.
    pub flags: Option<SettleFlags<'a>>,
    /// Close votes to settle.
    pub close_votes: Option<SettleCloseVotes<'a>>,
    /// A review to record.
    pub review: Option<NewReview<'a>>,
    /// A suggested edit to settle.
    pub suggested_edit: Option<Decision<'a>>,
    /// An appeal to settle.
    pub appeal: Option<Decision<'a>>,
}

/// What [`Store::apply`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    /// False when the effect was already in place (someone else got there first): nothing was written.
    pub changed: bool,
    /// The log entry written.
    pub action_id: Option<i64>,
}

const FLAG_COLUMNS: &str = "f.id, f.post_id, f.user_id, u.username, f.reason, f.duplicate_of, f.text, f.trusted, f.status, f.created_at";

fn flag_from_row(r: &AnyRow) -> Result<FlagRow, sqlx::Error> {
    Ok(FlagRow {
        id: r.try_get(0)?,
        post_id: r.try_get(1)?,
        user_id: r.try_get(2)?,
        username: r.try_get(3)?,
        reason: r.try_get(4)?,
        duplicate_of: r.try_get(5)?,
        text: r.try_get(6)?,
        trusted: r.try_get::<i64, _>(7)? == 1,
        status: r.try_get(8)?,
        created_at: r.try_get(9)?,
    })
}

const EDIT_COLUMNS: &str = "s.id, s.post_id, s.author_id, a.username, s.base_revision, s.title, s.body_md, s.tags, s.comment, \
    s.status, s.reviewer_id, r.username, s.review_reason, s.created_at, s.reviewed_at";
const EDIT_FROM: &str =
    "FROM suggested_edits s JOIN users a ON a.id = s.author_id LEFT JOIN users r ON r.id = s.reviewer_id";

fn edit_from_row(r: &AnyRow) -> Result<SuggestedEditRow, sqlx::Error> {
    Ok(SuggestedEditRow {
        id: r.try_get(0)?,
        post_id: r.try_get(1)?,
        author_id: r.try_get(2)?,
        author_name: r.try_get(3)?,
        base_revision: r.try_get(4)?,
        title: r.try_get(5)?,
        body_md: r.try_get(6)?,
        tags: r.try_get(7)?,
        comment: r.try_get(8)?,
        status: r.try_get(9)?,
        reviewer_id: r.try_get(10)?,
        reviewer_name: r.try_get(11)?,
        review_reason: r.try_get(12)?,
        created_at: r.try_get(13)?,
        reviewed_at: r.try_get(14)?,
    })
}

const VOTE_COLUMNS: &str =
    "v.id, v.post_id, v.user_id, u.username, v.kind, v.reason, v.duplicate_of, v.created_at";

fn vote_from_row(r: &AnyRow) -> Result<CloseVoteRow, sqlx::Error> {
    Ok(CloseVoteRow {
        id: r.try_get(0)?,
        post_id: r.try_get(1)?,
        user_id: r.try_get(2)?,
        username: r.try_get(3)?,
        kind: r.try_get(4)?,
        reason: r.try_get(5)?,
        duplicate_of: r.try_get(6)?,
        created_at: r.try_get(7)?,
    })
}

const ACTION_COLUMNS: &str = "m.id, m.action, m.actor_id, au.username, m.target_type, m.target_id, q.id, q.title, tu.username, \
    m.affected_user_id, fu.username, m.category, m.reason, m.private_detail, m.duration_hours, m.created_at, m.reverses_id, \
    m.reversed_at, m.reversed_by_id, ap.status";
const ACTION_FROM: &str = "FROM moderation_actions m
    LEFT JOIN users au ON au.id = m.actor_id
    LEFT JOIN users fu ON fu.id = m.affected_user_id
    LEFT JOIN users tu ON m.target_type = 'user' AND tu.id = m.target_id
    LEFT JOIN posts tp ON m.target_type = 'post' AND tp.id = m.target_id
    LEFT JOIN posts q ON q.id = COALESCE(tp.parent_id, tp.id)
    LEFT JOIN appeals ap ON ap.action_id = m.id";

fn action_from_row(r: &AnyRow) -> Result<ActionRow, sqlx::Error> {
    let qid: Option<i64> = r.try_get(6)?;
    let qtitle: Option<String> = r.try_get(7)?;
    Ok(ActionRow {
        id: r.try_get(0)?,
        action: r.try_get(1)?,
        actor_id: r.try_get(2)?,
        actor_name: r.try_get(3)?,
        target_type: r.try_get(4)?,
        target_id: r.try_get(5)?,
        question: qid.zip(qtitle),
        target_username: r.try_get(8)?,
        affected_user_id: r.try_get(9)?,
        affected_name: r.try_get(10)?,
        category: r.try_get(11)?,
        reason: r.try_get(12)?,
        private_detail: r.try_get(13)?,
        duration_hours: r.try_get(14)?,
        created_at: r.try_get(15)?,
        reverses_id: r.try_get(16)?,
        reversed_at: r.try_get(17)?,
        reversed_by_id: r.try_get(18)?,
        appeal_status: r.try_get(19)?,
    })
}

const APPEAL_COLUMNS: &str =
    "a.id, a.action_id, a.user_id, u.username, a.text, a.status, a.decided_by, d.username, \
    a.decision_reason, a.created_at, a.decided_at";
const APPEAL_FROM: &str =
    "FROM appeals a JOIN users u ON u.id = a.user_id LEFT JOIN users d ON d.id = a.decided_by";

fn appeal_from_row(r: &AnyRow) -> Result<AppealRow, sqlx::Error> {
    Ok(AppealRow {
        id: r.try_get(0)?,
        action_id: r.try_get(1)?,
        user_id: r.try_get(2)?,
        username: r.try_get(3)?,
        text: r.try_get(4)?,
        status: r.try_get(5)?,
        decided_by: r.try_get(6)?,
        decided_by_name: r.try_get(7)?,
        decision_reason: r.try_get(8)?,
        created_at: r.try_get(9)?,
        decided_at: r.try_get(10)?,
    })
}

fn rows<T>(
    rows: &[AnyRow],
    f: fn(&AnyRow) -> Result<T, sqlx::Error>,
) -> Result<Vec<T>, StoreError> {
    Ok(rows
        .iter()
        .map(f)
        .collect::<Result<Vec<T>, sqlx::Error>>()?)
}

impl Store {
    /// The governance state of a post, deleted or not.
    pub async fn post_state(&self, id: i64) -> Result<Option<PostState>, StoreError> {
        let row = sqlx::query(
            "SELECT p.id, p.kind, p.parent_id, p.author_id, q.title, p.status, p.closed_at, p.close_reason, p.duplicate_of,
                    p.locked_at, p.protected_at, p.deleted_at, p.revision_count, p.created_at, q.created_at, q.author_id,
                    p.title, p.body_md
             FROM posts p JOIN posts q ON q.id = COALESCE(p.parent_id, p.id) WHERE p.id = $1",
        )
        .bind(id)
        .fetch_optional(self.reader())
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(PostState {
            id: r.try_get(0)?,
            kind: r.try_get(1)?,
            parent_id: r.try_get(2)?,
            author_id: r.try_get(3)?,
            question_title: r.try_get(4)?,
            status: r.try_get(5)?,
            closed_at: r.try_get(6)?,
            close_reason: r.try_get(7)?,
            duplicate_of: r.try_get(8)?,
            locked_at: r.try_get(9)?,
            protected_at: r.try_get(10)?,
            deleted_at: r.try_get(11)?,
            revision_count: r.try_get(12)?,
            created_at: r.try_get(13)?,
            question_created_at: r.try_get(14)?,
            question_author_id: r.try_get(15)?,
            title: r.try_get(16)?,
            body_md: r.try_get(17)?,
        }))
    }

    /// Inserts a flag. When `hide` is given, it counts the post's pending trusted flags afterwards
    /// and, if `hide(count)` says so and the post is published, hides it and logs `log` — all in
    /// one transaction. Returns the flag id and the hide action's id. A second pending flag by the
    /// same person is a [`StoreError::Conflict`] on `flags_one_pending`.
    pub async fn insert_flag(
        &self,
        f: &NewFlag<'_>,
        hide: Option<(&(dyn Fn(i64) -> bool + Sync), &NewAction<'_>)>,
        now: i64,
    ) -> Result<(i64, Option<i64>), StoreError> {
        let mut tx = self.write_tx().await?;
        self.lock_post(&mut tx, f.post_id).await?;
        let id: i64 = sqlx::query(
            "INSERT INTO flags (post_id, user_id, reason, duplicate_of, text, trusted, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(f.post_id)
        .bind(f.user_id)
        .bind(f.reason)
        .bind(f.duplicate_of)
        .bind(f.text)
        .bind(i64::from(f.trusted))
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict("flags_one_pending".into()),
            other => other,
        })?
        .try_get(0)?;
        if self.notifications_on() {
            let e = Event::FlagRaised { flag_id: id };
            crate::jobs::enqueue_in(&mut tx, &[crate::jobs::event_job(&e, now)], now).await?;
        }
        let mut hidden = None;
        if let Some((should_hide, log)) = hide {
            // Trusted flaggers count as independent people: accounts sharing a sign-up or
            // log-in trait (one browser, one address) count once, so one person's accounts
            // cannot hide a post.
            let rows = sqlx::query(
                "SELECT f.user_id, t.kind, t.value_hash FROM flags f
                 LEFT JOIN account_traits t ON t.user_id = f.user_id
                 WHERE f.post_id = $1 AND f.status = 'pending' AND f.trusted = 1 AND f.user_id IS NOT NULL",
            )
            .bind(f.post_id)
            .fetch_all(&mut *tx)
            .await?;
            let mut traits = Vec::with_capacity(rows.len());
            for r in &rows {
                let kind: Option<String> = r.try_get(1)?;
                let hash: Option<String> = r.try_get(2)?;
                traits.push((r.try_get::<i64, _>(0)?, kind.zip(hash)));
            }
            let trusted = stoa_domain::integrity::independent_people(&traits) as i64;
            if should_hide(trusted) {
                let status: String = sqlx::query("SELECT status FROM posts WHERE id = $1")
                    .bind(f.post_id)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get(0)?;
                if status == "published" {
                    crate::posts::set_status_in(&mut tx, self.backend(), f.post_id, "hidden")
                        .await?;
                    hidden = Some(insert_action(&mut tx, log, now).await?);
                }
            }
        }
        tx.commit().await?;
        Ok((id, hidden))
    }

    /// One flag.
    pub async fn flag(&self, id: i64) -> Result<Option<FlagRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {FLAG_COLUMNS} FROM flags f LEFT JOIN users u ON u.id = f.user_id WHERE f.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.as_ref().map(flag_from_row).transpose()?)
    }

    /// Pending flags on any of `post_ids`, oldest first.
    pub async fn pending_flags_on(&self, post_ids: &[i64]) -> Result<Vec<FlagRow>, StoreError> {
        if post_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {FLAG_COLUMNS} FROM flags f LEFT JOIN users u ON u.id = f.user_id
             WHERE f.status = 'pending' AND f.post_id IN ({}) ORDER BY f.created_at, f.id",
            placeholders(1, post_ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in post_ids {
            q = q.bind(id);
        }
        rows(&q.fetch_all(self.reader()).await?, flag_from_row)
    }

    /// Flags a user raised, newest first (their own flag history).
    pub async fn flags_by(&self, user_id: i64, limit: i64) -> Result<Vec<FlagRow>, StoreError> {
        let sql = format!(
            "SELECT {FLAG_COLUMNS} FROM flags f LEFT JOIN users u ON u.id = f.user_id
             WHERE f.user_id = $1 ORDER BY f.created_at DESC, f.id DESC LIMIT $2"
        );
        rows(
            &sqlx::query(&sql)
                .bind(user_id)
                .bind(limit)
                .fetch_all(self.reader())
                .await?,
            flag_from_row,
        )
    }

    /// Inserts a suggested edit; one pending per post ([`StoreError::Conflict`] on `suggested_edits_one_pending`).
    pub async fn insert_suggested_edit(
        &self,
        s: &NewSuggestedEdit<'_>,
        now: i64,
    ) -> Result<i64, StoreError> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "INSERT INTO suggested_edits (post_id, author_id, base_revision, title, body_md, tags, comment, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(s.post_id)
        .bind(s.author_id)
        .bind(s.base_revision)
        .bind(s.title)
        .bind(s.body_md)
        .bind(s.tags)
        .bind(s.comment)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict("suggested_edits_one_pending".into()),
            other => other,
        })?;
        let id: i64 = row.try_get(0)?;
        if self.notifications_on() {
            let e = Event::EditSuggested { suggestion_id: id };
            crate::jobs::enqueue_in(&mut tx, &[crate::jobs::event_job(&e, now)], now).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// One suggested edit.
    pub async fn suggested_edit(&self, id: i64) -> Result<Option<SuggestedEditRow>, StoreError> {
        let sql = format!("SELECT {EDIT_COLUMNS} {EDIT_FROM} WHERE s.id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        Ok(row.as_ref().map(edit_from_row).transpose()?)
    }

    /// Suggested edits on any of `post_ids`, pending only.
    pub async fn pending_edits_on(
        &self,
        post_ids: &[i64],
    ) -> Result<Vec<SuggestedEditRow>, StoreError> {
        if post_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {EDIT_COLUMNS} {EDIT_FROM} WHERE s.status = 'pending' AND s.post_id IN ({}) ORDER BY s.id",
            placeholders(1, post_ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in post_ids {
            q = q.bind(id);
        }
        rows(&q.fetch_all(self.reader()).await?, edit_from_row)
    }

    /// Inserts a close or reopen vote and returns the pending votes of that kind on the question,
    /// oldest first. A second pending vote by the same person is a conflict on `close_votes_one_pending`.
    pub async fn insert_close_vote(
        &self,
        v: &NewCloseVote<'_>,
        now: i64,
    ) -> Result<Vec<CloseVoteRow>, StoreError> {
        let mut tx = self.write_tx().await?;
        self.lock_post(&mut tx, v.post_id).await?;
        sqlx::query(
            "INSERT INTO close_votes (post_id, user_id, kind, reason, duplicate_of, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(v.post_id)
        .bind(v.user_id)
        .bind(v.kind)
        .bind(v.reason)
        .bind(v.duplicate_of)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict("close_votes_one_pending".into()),
            other => other,
        })?;
        let sql = format!(
            "SELECT {VOTE_COLUMNS} FROM close_votes v JOIN users u ON u.id = v.user_id
             WHERE v.post_id = $1 AND v.kind = $2 AND v.status = 'pending' ORDER BY v.id"
        );
        let votes = rows(
            &sqlx::query(&sql)
                .bind(v.post_id)
                .bind(v.kind)
                .fetch_all(&mut *tx)
                .await?,
            vote_from_row,
        )?;
        tx.commit().await?;
        Ok(votes)
    }

    /// Pending close and reopen votes on any of `post_ids`, oldest first.
    pub async fn pending_close_votes_on(
        &self,
        post_ids: &[i64],
    ) -> Result<Vec<CloseVoteRow>, StoreError> {
        if post_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {VOTE_COLUMNS} FROM close_votes v JOIN users u ON u.id = v.user_id
             WHERE v.status = 'pending' AND v.post_id IN ({}) ORDER BY v.id",
            placeholders(1, post_ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in post_ids {
            q = q.bind(id);
        }
        rows(&q.fetch_all(self.reader()).await?, vote_from_row)
    }

    /// How many reviewers chose `outcome` for one queue item.
    pub async fn review_count(
        &self,
        queue: &str,
        post_id: i64,
        item_id: i64,
        outcome: &str,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM reviews WHERE queue = $1 AND post_id = $2 AND item_id = $3 AND outcome = $4",
        )
        .bind(queue)
        .bind(post_id)
        .bind(item_id)
        .bind(outcome)
        .fetch_one(self.reader())
        .await?;
        Ok(row.try_get(0)?)
    }

    /// A page of a review queue as `viewer` sees it (never their own posts or suggestions, nor
    /// items they already reviewed). `late_after_secs` is the late-answer age (0: no late answers).
    pub async fn review_queue(
        &self,
        queue: &str,
        viewer: i64,
        late_after_secs: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Page<QueueItem>, StoreError> {
        let live =
            "p.deleted_at IS NULL AND p.source_site IS NULL AND p.kind IN ('question', 'answer')";
        let unreviewed =
            "NOT EXISTS (SELECT 1 FROM reviews r WHERE r.queue = $1 AND r.post_id = p.id)";
        let (item, filter, order): (&str, String, &str) = match queue {
            "first_posts" => (
                "0",
                format!(
                    "{live} AND p.status = 'published' AND p.author_id <> $2 AND {unreviewed}
                     AND p.id = (SELECT MIN(x.id) FROM posts x WHERE x.author_id = p.author_id AND x.kind IN ('question', 'answer'))"
                ),
                "p.created_at, p.id",
            ),
            "late_answers" => (
                "0",
                format!(
                    "{live} AND p.status = 'published' AND p.kind = 'answer' AND p.author_id <> $2 AND {unreviewed} AND $3 > 0
                     AND p.created_at - (SELECT q.created_at FROM posts q WHERE q.id = p.parent_id) >= $3"
                ),
                "p.created_at, p.id",
            ),
            "flagged" => (
                "0",
                format!(
                    "{live} AND (p.status IN ('held', 'hidden')
                       OR EXISTS (SELECT 1 FROM flags f WHERE f.post_id = p.id AND f.status = 'pending'))"
                ),
                "CASE WHEN p.status = 'published' THEN 1 ELSE 0 END, p.created_at, p.id",
            ),
            "suggested_edits" => (
                "(SELECT s.id FROM suggested_edits s WHERE s.post_id = p.id AND s.status = 'pending')",
                format!(
                    "{live} AND EXISTS (SELECT 1 FROM suggested_edits s WHERE s.post_id = p.id AND s.status = 'pending'
                       AND s.author_id <> $2)"
                ),
                "p.id",
            ),
            "close_votes" => (
                "(SELECT MIN(v.id) FROM close_votes v WHERE v.post_id = p.id AND v.status = 'pending')",
                format!(
                    "{live} AND p.kind = 'question' AND EXISTS (SELECT 1 FROM close_votes v WHERE v.post_id = p.id
                       AND v.status = 'pending' AND v.kind = CASE WHEN p.closed_at IS NULL THEN 'close' ELSE 'reopen' END)
                     AND NOT EXISTS (SELECT 1 FROM close_votes v WHERE v.post_id = p.id AND v.status = 'pending' AND v.user_id = $2)
                     AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.queue = $1 AND r.post_id = p.id AND r.reviewer_id = $2
                       AND r.item_id = (SELECT MIN(v.id) FROM close_votes v WHERE v.post_id = p.id AND v.status = 'pending'))"
                ),
                "p.id",
            ),
            _ => return Ok(Page { items: Vec::new(), total: 0 }),
        };
        // Every queue binds the same three parameters; PostgreSQL refuses a statement that does
        // not mention each one it is given, so the ones a queue does not need are mentioned idly.
        let all = "$1 = $1 AND $2 = $2 AND $3 = $3";
        let sql = format!(
            "SELECT {POST_COLUMNS}, {item} {POST_FROM} WHERE {filter} AND {all} ORDER BY {order} LIMIT $4 OFFSET $5"
        );
        let count_sql = format!("SELECT COUNT(*) FROM posts p WHERE {filter} AND {all}");
        let rows = sqlx::query(&sql)
            .bind(queue)
            .bind(viewer)
            .bind(late_after_secs)
            .bind(limit)
            .bind(offset)
            .fetch_all(self.reader())
            .await?;
        let total: i64 = sqlx::query(&count_sql)
            .bind(queue)
            .bind(viewer)
            .bind(late_after_secs)
            .fetch_one(self.reader())
            .await?
            .try_get(0)?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(QueueItem {
                    post: post_from_row(r)?,
                    item_id: r.try_get::<Option<i64>, _>(26)?.unwrap_or(0),
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        Ok(Page { items, total })
    }

    /// Inserts an appeal; one per action ([`StoreError::Conflict`] on `appeals_action`).
    pub async fn insert_appeal(
        &self,
        action_id: i64,
        user_id: i64,
        text: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query("INSERT INTO appeals (action_id, user_id, text, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(action_id)
            .bind(user_id)
            .bind(text)
            .bind(now)
            .fetch_one(self.writer())
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Conflict("appeals_action".into()),
                other => other,
            })?;
        Ok(row.try_get(0)?)
    }

    /// One appeal.
    pub async fn appeal(&self, id: i64) -> Result<Option<AppealRow>, StoreError> {
        let sql = format!("SELECT {APPEAL_COLUMNS} {APPEAL_FROM} WHERE a.id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        Ok(row.as_ref().map(appeal_from_row).transpose()?)
    }

    /// The appeal of an action, if any.
    pub async fn appeal_of(&self, action_id: i64) -> Result<Option<AppealRow>, StoreError> {
        let sql = format!("SELECT {APPEAL_COLUMNS} {APPEAL_FROM} WHERE a.action_id = $1");
        let row = sqlx::query(&sql)
            .bind(action_id)
            .fetch_optional(self.reader())
            .await?;
        Ok(row.as_ref().map(appeal_from_row).transpose()?)
    }

    /// Appeals with a status, oldest first.
    pub async fn appeals(
        &self,
        status: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Page<AppealRow>, StoreError> {
        let sql = format!("SELECT {APPEAL_COLUMNS} {APPEAL_FROM} WHERE a.status = $1 ORDER BY a.created_at, a.id LIMIT $2 OFFSET $3");
        let items = rows(
            &sqlx::query(&sql)
                .bind(status)
                .bind(limit)
                .bind(offset)
                .fetch_all(self.reader())
                .await?,
            appeal_from_row,
        )?;
        let total: i64 = sqlx::query("SELECT COUNT(*) FROM appeals WHERE status = $1")
            .bind(status)
            .fetch_one(self.reader())
            .await?
            .try_get(0)?;
        Ok(Page { items, total })
    }

    /// One log entry.
    pub async fn moderation_action(&self, id: i64) -> Result<Option<ActionRow>, StoreError> {
        let sql = format!("SELECT {ACTION_COLUMNS} {ACTION_FROM} WHERE m.id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        Ok(row.as_ref().map(action_from_row).transpose()?)
    }

    /// A page of the log, newest first.
    pub async fn moderation_log(
        &self,
        f: &LogFilter<'_>,
        limit: i64,
        offset: i64,
    ) -> Result<Page<ActionRow>, StoreError> {
        let mut conds: Vec<String> = Vec::new();
        let mut texts: Vec<&str> = Vec::new();
        let mut ints: Vec<i64> = Vec::new();
        // Text binds come first, then integer binds, then paging: numbering follows that order.
        if let Some(a) = f.action {
            texts.push(a);
            conds.push(format!("m.action = ${}", texts.len()));
        }
        if let Some(c) = f.category {
            texts.push(c);
            conds.push(format!("m.category = ${}", texts.len()));
        }
        let mut n = texts.len();
        match f.actor_id {
            Some(Some(id)) => {
                ints.push(id);
                n += 1;
                conds.push(format!("m.actor_id = ${n}"));
            }
            Some(None) => conds.push("m.actor_id IS NULL".into()),
            None => {}
        }
        if let Some(u) = f.affected_user_id {
            ints.push(u);
            n += 1;
            conds.push(format!("m.affected_user_id = ${n}"));
        }
        let filter = if conds.is_empty() {
            "1 = 1".to_string()
        } else {
            conds.join(" AND ")
        };
        let sql = format!(
            "SELECT {ACTION_COLUMNS} {ACTION_FROM} WHERE {filter} ORDER BY m.created_at DESC, m.id DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let count_sql = format!("SELECT COUNT(*) FROM moderation_actions m WHERE {filter}");
        let mut q = sqlx::query(&sql);
        let mut c = sqlx::query(&count_sql);
        for t in &texts {
            q = q.bind(*t);
            c = c.bind(*t);
        }
        for i in &ints {
            q = q.bind(*i);
            c = c.bind(*i);
        }
        let items = rows(
            &q.bind(limit).bind(offset).fetch_all(self.reader()).await?,
            action_from_row,
        )?;
        let total: i64 = c.fetch_one(self.reader()).await?.try_get(0)?;
        Ok(Page { items, total })
    }

    /// The latest unreversed entry of `action` on a target: what an undo reverses.
    pub async fn last_unreversed(
        &self,
        action: &str,
        target_type: &str,
        target_id: i64,
    ) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query(
            "SELECT id FROM moderation_actions WHERE action = $1 AND target_type = $2 AND target_id = $3 AND reversed_at IS NULL
             ORDER BY id DESC LIMIT 1",
        )
        .bind(action)
        .bind(target_type)
        .bind(target_id)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Every log entry since `since`, for statistics.
    pub async fn action_facts(&self, since: i64) -> Result<Vec<ActionFactRow>, StoreError> {
        let rs = sqlx::query(
            "SELECT action, actor_id, created_at, CASE WHEN reversed_at IS NULL THEN 0 ELSE 1 END
             FROM moderation_actions WHERE created_at >= $1 ORDER BY id",
        )
        .bind(since)
        .fetch_all(self.reader())
        .await?;
        rows(&rs, |r| {
            Ok(ActionFactRow {
                action: r.try_get(0)?,
                actor_id: r.try_get(1)?,
                created_at: r.try_get(2)?,
                reversed: r.try_get::<i64, _>(3)? == 1,
            })
        })
    }

    /// Usernames by id.
    pub async fn usernames(&self, ids: &[i64]) -> Result<Vec<(i64, String)>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, username FROM users WHERE id IN ({})",
            placeholders(1, ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(id);
        }
        let rs = q.fetch_all(self.reader()).await?;
        rows(&rs, |r| Ok((r.try_get(0)?, r.try_get(1)?)))
    }

    /// Earlier posts to compare a new one with: the author's latest and everyone's since
    /// `since`, newest first, as (id, author, question, revision count), without their text
    /// (callers keep fingerprints of texts they have seen; see [`Store::post_texts`]).
    pub async fn duplicate_candidates(
        &self,
        author_id: i64,
        since: i64,
        limit: i64,
    ) -> Result<Vec<(i64, i64, Option<i64>, i64)>, StoreError> {
        // Two indexed reads instead of one with `OR`, which no index serves (on a large site
        // that OR read the whole posts table for every new post), in one statement: each read is
        // a round trip to the database, and this runs on every new post.
        let rs = sqlx::query(
            "SELECT * FROM (SELECT id, author_id, parent_id, revision_count FROM posts
                 WHERE author_id = $1 AND deleted_at IS NULL AND kind IN ('question', 'answer')
                 ORDER BY created_at DESC, id DESC LIMIT $3) AS mine
             UNION ALL
             SELECT * FROM (SELECT id, author_id, parent_id, revision_count FROM posts
                 WHERE created_at >= $2 AND deleted_at IS NULL AND kind IN ('question', 'answer')
                 ORDER BY created_at DESC, id DESC LIMIT $3) AS recent",
        )
        .bind(author_id)
        .bind(since)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        let mut out = rows(&rs, |r| {
            Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?))
        })?;
        // Both lists whole: cutting the merged list to `limit` would drop the author's own
        // posts on a busy site, and with them the re-post check.
        out.sort_by_key(|r: &(i64, i64, Option<i64>, i64)| std::cmp::Reverse(r.0));
        out.dedup_by_key(|r| r.0);
        Ok(out)
    }

    /// Title and plain text of these posts, by id.
    pub async fn post_texts(
        &self,
        ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, (String, String)>, StoreError> {
        if ids.is_empty() {
            return Ok(std::collections::HashMap::new());
        }
        let sql = format!(
            "SELECT id, title, body_text FROM posts WHERE id IN ({})",
            crate::lists::placeholders(1, ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(id);
        }
        let rs = q.fetch_all(self.reader()).await?;
        Ok(
            rows(&rs, |r| Ok((r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?))))?
                .into_iter()
                .collect(),
        )
    }

    /// Posts with links the author wrote since `since` (published or held).
    pub async fn link_posts_since(&self, author_id: i64, since: i64) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM posts WHERE author_id = $1 AND created_at >= $2 AND deleted_at IS NULL
               AND kind IN ('question', 'answer') AND body_html LIKE '%<a %'",
        )
        .bind(author_id)
        .bind(since)
        .fetch_one(self.reader())
        .await?;
        Ok(row.try_get(0)?)
    }

    /// Commits a governance write in one transaction (see [`Write`]).
    pub async fn apply(&self, w: &Write<'_>, now: i64) -> Result<Applied, StoreError> {
        let mut tx = self.write_tx().await?;
        let changed = apply_effect(&mut tx, self, &w.effect, now).await?;
        if !changed {
            // Someone else already did it: write nothing, so the log never says it twice.
            tx.rollback().await?;
            return Ok(Applied {
                changed: false,
                action_id: None,
            });
        }
        if let Some(e) = &w.edit {
            if let Some(base) = w.edit_base {
                self.lock_post(&mut tx, e.post_id).await?;
                let current: i64 = sqlx::query("SELECT revision_count FROM posts WHERE id = $1")
                    .bind(e.post_id)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get(0)?;
                if current != base {
                    tx.rollback().await?;
                    return Err(StoreError::Conflict("post_changed".into()));
                }
            }
            crate::posts::edit_in(&mut tx, self.backend(), e, self.notifications_on()).await?;
        }
        let action_id = match &w.log {
            Some(a) => Some(insert_action(&mut tx, a, now).await?),
            None => None,
        };
        let mut events = Vec::new();
        if let Some(action_id) = action_id {
            events.push(Event::ModerationAction { action_id });
        }
        if let Effect::Status {
            post_id,
            status: "published",
        } = w.effect
        {
            // A post released from the hold notifies as if it had just been posted.
            events.push(Event::PostCreated { post_id });
        }
        if let Some(f) = &w.flags {
            events.push(Event::FlagsHandled {
                post_id: f.post_id,
                handled_at: now,
            });
        }
        if let Some(d) = &w.suggested_edit {
            events.push(Event::SuggestionReviewed {
                suggestion_id: d.id,
            });
        }
        if let Some(d) = &w.appeal {
            events.push(Event::AppealDecided { appeal_id: d.id });
        }
        if !self.notifications_on() {
            events.clear();
        }
        let jobs: Vec<_> = events
            .iter()
            .map(|e| crate::jobs::event_job(e, now))
            .collect();
        crate::jobs::enqueue_in(&mut tx, &jobs, now).await?;
        for r in &w.ledger_reverse {
            crate::reputation::reverse(&mut tx, r, now).await?;
        }
        crate::reputation::append(&mut tx, &w.ledger_add, now).await?;
        if let Some(f) = &w.flags {
            sqlx::query(
                "UPDATE flags SET status = $2, handled_by = $3, handled_at = $4 WHERE post_id = $1 AND status = 'pending'",
            )
            .bind(f.post_id)
            .bind(f.status)
            .bind(f.by)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(v) = &w.close_votes {
            sqlx::query("UPDATE close_votes SET status = $3 WHERE post_id = $1 AND kind = $2 AND status = 'pending'")
                .bind(v.post_id)
                .bind(v.kind)
                .bind(v.status)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(r) = &w.review {
            sqlx::query(
                "INSERT INTO reviews (queue, post_id, item_id, reviewer_id, outcome, reason, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(r.queue)
            .bind(r.post_id)
            .bind(r.item_id)
            .bind(r.reviewer_id)
            .bind(r.outcome)
            .bind(r.reason)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Conflict("reviews_once".into()),
                other => other,
            })?;
        }
        if let Some(d) = &w.suggested_edit {
            let done = sqlx::query(
                "UPDATE suggested_edits SET status = $2, reviewer_id = $3, review_reason = $4, reviewed_at = $5
                 WHERE id = $1 AND status = 'pending'",
            )
            .bind(d.id)
            .bind(d.status)
            .bind(d.by)
            .bind(d.reason)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                tx.rollback().await?;
                return Ok(Applied {
                    changed: false,
                    action_id: None,
                });
            }
        }
        if let Some(d) = &w.appeal {
            let done = sqlx::query(
                "UPDATE appeals SET status = $2, decided_by = $3, decision_reason = $4, decided_at = $5
                 WHERE id = $1 AND status = 'pending'",
            )
            .bind(d.id)
            .bind(d.status)
            .bind(d.by)
            .bind(d.reason)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                tx.rollback().await?;
                return Ok(Applied {
                    changed: false,
                    action_id: None,
                });
            }
        }
        tx.commit().await?;
        Ok(Applied {
            changed: true,
            action_id,
        })
    }
}

/// Applies an effect; false when it was already in place.
async fn apply_effect(
    tx: &mut Transaction<'_, Any>,
    store: &Store,
    effect: &Effect<'_>,
    now: i64,
) -> Result<bool, StoreError> {
    let backend = store.backend();
    let post_update = |sql: &'static str, id: i64| (sql, id);
    let (sql, id) = match *effect {
        Effect::None => return Ok(true),
        Effect::Delete(id) => {
            store.lock_post(tx, id).await?;
            let deleted: Option<i64> =
                sqlx::query("SELECT deleted_at FROM posts WHERE id = $1").bind(id).fetch_one(&mut **tx).await?.try_get(0)?;
            if deleted.is_some() {
                return Ok(false);
            }
            crate::posts::delete_in(tx, backend, id, now, store.notifications_on()).await?;
            return Ok(true);
        }
        Effect::Undelete(id) => {
            store.lock_post(tx, id).await?;
            let deleted: Option<i64> =
                sqlx::query("SELECT deleted_at FROM posts WHERE id = $1").bind(id).fetch_one(&mut **tx).await?.try_get(0)?;
            if deleted.is_none() {
                return Ok(false);
            }
            crate::posts::undelete_in(tx, backend, id, now).await?;
            return Ok(true);
        }
        Effect::Status { post_id, status } => {
            store.lock_post(tx, post_id).await?;
            return crate::posts::set_status_in(tx, backend, post_id, status).await;
        }
        Effect::Close { post_id, reason, duplicate_of } => {
            let done = sqlx::query(
                "UPDATE posts SET closed_at = $2, close_reason = $3, duplicate_of = $4 WHERE id = $1 AND closed_at IS NULL",
            )
            .bind(post_id)
            .bind(now)
            .bind(reason)
            .bind(duplicate_of)
            .execute(&mut **tx)
            .await?;
            return Ok(done.rows_affected() > 0);
        }
        Effect::Suspend { user_id, until } => {
            let done = sqlx::query("UPDATE users SET suspended_until = $2 WHERE id = $1")
                .bind(user_id)
                .bind(until)
                .execute(&mut **tx)
                .await?;
            return Ok(done.rows_affected() > 0);
        }
        Effect::Unsuspend(user_id) => {
            let done = sqlx::query("UPDATE users SET suspended_until = NULL WHERE id = $1 AND suspended_until IS NOT NULL")
                .bind(user_id)
                .execute(&mut **tx)
                .await?;
            return Ok(done.rows_affected() > 0);
        }
        Effect::Lock(id) => {
            let done = sqlx::query("UPDATE posts SET locked_at = $2 WHERE id = $1 AND locked_at IS NULL")
                .bind(id)
                .bind(now)
                .execute(&mut **tx)
                .await?;
            // A locked post takes no edits: waiting suggestions are rejected, saying why.
            sqlx::query(
                "UPDATE suggested_edits SET status = 'rejected', reviewed_at = $2,
                     review_reason = 'The post was locked by a moderator.'
                 WHERE post_id = $1 AND status = 'pending'",
            )
            .bind(id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            return Ok(done.rows_affected() > 0);
        }
        Effect::Unlock(id) => post_update("UPDATE posts SET locked_at = NULL WHERE id = $1 AND locked_at IS NOT NULL AND $2 = $2", id),
        Effect::Reopen(id) => post_update(
            "UPDATE posts SET closed_at = NULL, close_reason = NULL, duplicate_of = NULL
             WHERE id = $1 AND closed_at IS NOT NULL AND $2 = $2",
            id,
        ),
        Effect::Protect(id) => post_update("UPDATE posts SET protected_at = $2 WHERE id = $1 AND protected_at IS NULL", id),
        Effect::Unprotect(id) => {
            post_update("UPDATE posts SET protected_at = NULL WHERE id = $1 AND protected_at IS NOT NULL AND $2 = $2", id)
        }
    };
    let done = sqlx::query(sql)
        .bind(id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Writes a log entry; an undo marks the entry it reverses.
async fn insert_action(
    tx: &mut Transaction<'_, Any>,
    a: &NewAction<'_>,
    now: i64,
) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query(
        "INSERT INTO moderation_actions (action, actor_id, target_type, target_id, affected_user_id, category, reason,
            private_detail, duration_hours, created_at, reverses_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(a.action)
    .bind(a.actor_id)
    .bind(a.target_type)
    .bind(a.target_id)
    .bind(a.affected_user_id)
    .bind(a.category)
    .bind(a.reason)
    .bind(a.private_detail)
    .bind(a.duration_hours)
    .bind(now)
    .bind(a.reverses_id)
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    if let Some(r) = a.reverses_id {
        sqlx::query("UPDATE moderation_actions SET reversed_at = $2, reversed_by_id = $3 WHERE id = $1 AND reversed_at IS NULL")
            .bind(r)
            .bind(now)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(id)
}
