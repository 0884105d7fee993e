//! Votes and comments.

use crate::{App, AppError, AuthUser};
use stoa_domain::policy::{decide, Action, Target};
use stoa_domain::post::{CommentText, VoteValue};
use stoa_domain::post_kind::PostKind;
use stoa_domain::reputation::{vote_entries, Reason};
use stoa_store::social::{CommentRow, VoteLedger};

impl App {
    /// Votes on a post (1 up, -1 down, 0 to take the vote back) and returns the new score.
    #[tracing::instrument(skip_all, fields(user.id = user.id, post.id = post_id))]
    pub async fn vote(&self, user: &AuthUser, post_id: i64, value: i64) -> Result<i64, AppError> {
        let value = VoteValue::parse(value)?;
        let p = self.post(post_id).await?;
        let action = match value {
            VoteValue::Up => Action::VoteUp,
            VoteValue::Down => Action::VoteDown,
            VoteValue::Clear => Action::Unvote,
        };
        decide(
            &user.actor(),
            action,
            Target::Post {
                author_id: p.author_id,
                locked: p.locked_at.is_some(),
            },
        )?;
        // The ledger entries of the new vote; the store reverses those of the old one.
        let points = self.governance().await?.points;
        let mut entries = vote_entries(
            &points,
            p.kind == PostKind::Answer,
            value.as_i64(),
            p.author_id,
            user.id,
        );
        // Up-votes earn at most 200 points a day: no burst of votes makes anyone trusted.
        if entries.iter().any(|e| e.reason == Reason::UpvoteReceived) {
            let now = stoa_store::now();
            let today = self
                .store()
                .points_since(
                    p.author_id,
                    Reason::UpvoteReceived.as_str(),
                    now - now.rem_euclid(86_400),
                )
                .await?;
            for e in entries.iter_mut() {
                if e.reason == Reason::UpvoteReceived {
                    e.delta = stoa_domain::reputation::capped_vote_points(e.delta, today);
                }
            }
            entries.retain(|e| e.delta != 0);
        }
        let ledger = VoteLedger {
            add: crate::reputation::ledger(entries, Some(post_id), Some(user.id)),
            reasons: Reason::VOTE.iter().map(|r| r.as_str()).collect(),
        };
        Ok(self
            .store()
            .record_vote(post_id, user.id, value.as_i64(), stoa_store::now(), &ledger)
            .await?)
    }

    /// The viewer's current vote on a post (0 when none).
    pub async fn my_vote(&self, user: &AuthUser, post_id: i64) -> Result<i64, AppError> {
        Ok(self
            .store()
            .votes_of(user.id, &[post_id])
            .await?
            .first()
            .map_or(0, |v| v.1))
    }

    /// Comments on a question or answer.
    #[tracing::instrument(skip_all, fields(user.id = user.id, post.id = post_id))]
    pub async fn add_comment(
        &self,
        user: &AuthUser,
        post_id: i64,
        body: &str,
    ) -> Result<CommentRow, AppError> {
        let p = self.post(post_id).await?;
        // On an answer, the asker may comment like on their own post.
        let target = match p.parent_id {
            Some(q) => Target::Answer {
                author_id: p.author_id,
                asker_id: self.store().post(q).await?.map_or(0, |q| q.author_id),
                locked: p.locked_at.is_some(),
            },
            None => Target::Post {
                author_id: p.author_id,
                locked: p.locked_at.is_some(),
            },
        };
        decide(&user.actor(), Action::Comment, target)?;
        let text = CommentText::parse(body)?;
        let html = stoa_markdown::render_comment(text.as_str());
        self.screen_comment(user, text.as_str(), &html).await?;
        let id = self
            .store()
            .insert_comment(post_id, user.id, text.as_str(), &html, stoa_store::now())
            .await?;
        self.store()
            .comment(id)
            .await?
            .ok_or(AppError::NotFound("comment"))
    }
}
