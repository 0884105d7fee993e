//! Rollbacks: restoring a post's content from an earlier revision, as a new revision.

use crate::questions::prepare_edit;
use crate::{App, AppError, AuthUser, EditInput};
use stoa_domain::policy::{decide, Action, Target};
use stoa_domain::post::{parse_edit_comment, TagSet};
use stoa_domain::post_kind::PostKind;
use stoa_store::posts::{PostEdit, PostRow};

impl App {
    /// Rolls a post back to an earlier revision's content, as a new revision.
    #[tracing::instrument(skip_all, fields(user.id = user.id, post.id = post_id, revision = revision))]
    pub async fn rollback(
        &self,
        user: &AuthUser,
        post_id: i64,
        revision: i64,
        comment: Option<&str>,
    ) -> Result<PostRow, AppError> {
        let p = self.post(post_id).await?;
        decide(
            &user.actor(),
            Action::Edit,
            Target::Post {
                author_id: p.author_id,
                locked: p.locked_at.is_some(),
            },
        )?;
        let revs = self.store().revisions(post_id).await?;
        let Some(r) = revs.iter().find(|r| r.number == revision) else {
            return Err(AppError::invalid(
                "unknown_revision",
                "revision",
                format!("This post has no revision {revision}."),
            ));
        };
        let typed = parse_edit_comment(comment)?;
        let comment = if typed.is_empty() {
            format!("Rolled back to revision {revision}")
        } else {
            typed
        };
        let is_question = p.kind != PostKind::Answer;
        let input = EditInput {
            title: is_question.then(|| r.title.clone()),
            body: Some(r.body_md.clone()),
            tags: is_question.then(|| TagSet::split_stored(&r.tags)),
            comment: Some(comment),
        };
        let e = prepare_edit(&p, &input).map_err(|err| match err {
            AppError::Invalid {
                code: "no_change", ..
            } => AppError::invalid(
                "no_change",
                "revision",
                "The post already reads like that revision.",
            ),
            other => other,
        })?;
        self.store()
            .edit_post(&PostEdit {
                post_id,
                editor_id: user.id,
                title: &e.title,
                body_md: &e.body,
                body_html: &e.html,
                body_text: &e.text,
                tags: &e.tags,
                comment: &e.comment,
                now: stoa_store::now(),
            })
            .await?;
        self.post(post_id).await
    }
}
