//! Asking, answering, editing, deleting and reading questions and answers.

use crate::{App, AppError, AuthUser};
use std::collections::HashMap;
use stoa_domain::policy::{decide, Action, Target};
use stoa_domain::post::{parse_edit_comment, Body, PostError, TagSet, Title};
use stoa_domain::post_kind::{PostKind, PostStatus};
use stoa_store::lists::{Page, QuestionSort, TagRow};
use stoa_store::posts::{NewPost, PostEdit, PostRow, RevisionRow};
use stoa_store::social::CommentRow;

impl From<PostError> for AppError {
    fn from(e: PostError) -> Self {
        AppError::Invalid {
            code: e.code(),
            field: Some(e.field()),
            message: e.to_string(),
        }
    }
}

/// What an ask form or API call provides, unparsed.
#[derive(Debug, Clone, Default)]
pub struct QuestionInput {
    /// Title.
    pub title: String,
    /// Markdown body.
    pub body: String,
    /// Tag names.
    pub tags: Vec<String>,
    /// The coaching hints the draft was shown (the ask page's; empty through the API).
    pub coached: Vec<stoa_domain::coaching::Hint>,
}

/// An edit; absent fields keep their value.
#[derive(Debug, Clone, Default)]
pub struct EditInput {
    /// New title (questions only).
    pub title: Option<String>,
    /// New Markdown body.
    pub body: Option<String>,
    /// New tags (questions only).
    pub tags: Option<Vec<String>>,
    /// Edit summary.
    pub comment: Option<String>,
}

/// A question page: the question, its answers, their comments and the viewer's votes.
#[derive(Debug, Clone)]
pub struct QuestionView {
    /// The question.
    pub question: PostRow,
    /// Live answers, accepted first.
    pub answers: Vec<PostRow>,
    /// Comments on the question and its answers.
    pub comments: Vec<CommentRow>,
    /// The viewer's votes by post id.
    pub my_votes: HashMap<i64, i64>,
    /// The running bounty (read only when the question shows one).
    pub bounty: Option<stoa_store::bounties::BountyRow>,
}

impl QuestionView {
    /// Comments on one post.
    pub fn comments_on(&self, post_id: i64) -> impl Iterator<Item = &CommentRow> {
        self.comments.iter().filter(move |c| c.post_id == post_id)
    }
}

/// Largest page size of any list.
pub const MAX_PER_PAGE: i64 = 100;

/// A validated, rendered edit of a post.
pub(crate) struct PreparedEdit {
    pub(crate) title: String,
    pub(crate) body: String,
    pub(crate) tags: Vec<String>,
    pub(crate) comment: String,
    pub(crate) html: String,
    pub(crate) text: String,
}

/// Applies `input` to `p`'s current content and validates it; an edit that changes nothing is refused.
pub(crate) fn prepare_edit(p: &PostRow, input: &EditInput) -> Result<PreparedEdit, AppError> {
    let is_question = p.kind != PostKind::Answer;
    if !is_question && (input.title.is_some() || input.tags.is_some()) {
        return Err(AppError::invalid(
            "invalid_edit",
            "title",
            "Answers have no title or tags to edit.",
        ));
    }
    let title = match &input.title {
        Some(t) => Title::parse(t)?.as_str().to_string(),
        None => p.title.clone(),
    };
    let body = match &input.body {
        Some(b) => Body::parse(b)?.as_str().to_string(),
        None => p.body_md.clone(),
    };
    let tags: Vec<String> = match &input.tags {
        Some(t) => TagSet::parse(t)?
            .names()
            .iter()
            .map(|t| t.as_str().to_string())
            .collect(),
        None => TagSet::split_stored(&p.tags),
    };
    let comment = parse_edit_comment(input.comment.as_deref())?;
    if title == p.title && body == p.body_md && tags.join(" ") == p.tags {
        return Err(AppError::invalid(
            "no_change",
            "body",
            "Nothing changed: edit the text before saving.",
        ));
    }
    let html = stoa_markdown::render_post(&body);
    let text = stoa_markdown::plain_text(&html);
    Ok(PreparedEdit {
        title,
        body,
        tags,
        comment,
        html,
        text,
    })
}

/// Clamps paging input: pages count from 1.
pub fn paging(
    page: Option<i64>,
    per_page: Option<i64>,
    default: i64,
) -> Result<(i64, i64), AppError> {
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(default);
    if !(1..=100_000).contains(&page) {
        return Err(AppError::invalid(
            "invalid_page",
            "page",
            "page must be a whole number from 1 to 100000.",
        ));
    }
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(AppError::invalid(
            "invalid_per_page",
            "per_page",
            "per_page must be between 1 and 100.",
        ));
    }
    Ok((per_page, (page - 1) * per_page))
}

impl App {
    /// Asks a question.
    #[tracing::instrument(skip_all, fields(user.id = user.id))]
    pub async fn ask_question(
        &self,
        user: &AuthUser,
        input: QuestionInput,
    ) -> Result<PostRow, AppError> {
        decide(&user.actor(), Action::Ask, Target::Site)?;
        let title = Title::parse(&input.title)?;
        let body = Body::parse(&input.body)?;
        let tags = TagSet::parse(&input.tags)?;
        let names: Vec<String> = tags
            .names()
            .iter()
            .map(|t| t.as_str().to_string())
            .collect();
        let html = stoa_markdown::render_post(body.as_str());
        let text = stoa_markdown::plain_text(&html);
        let screened = self
            .screen_new_post(user, None, title.as_str(), body.as_str(), &html, &text)
            .await?;
        let hold = screened.hold_reason();
        let id = self
            .store()
            .insert_post(&NewPost {
                kind: PostKind::Question,
                parent_id: None,
                author_id: user.id,
                title: title.as_str(),
                body_md: body.as_str(),
                body_html: &html,
                body_text: &text,
                tags: &names,
                status: if screened.held.is_some() {
                    PostStatus::Held
                } else {
                    PostStatus::Published
                },
                hold_reason: hold.as_deref(),
                now: stoa_store::now(),
            })
            .await?;
        tracing::info!(
            post.id = id,
            held = screened.held.is_some(),
            "question asked"
        );
        if screened.held.is_none() {
            self.learn_tags(title.as_str(), &text, &names);
        }
        self.record_coaching(id, &input.coached, title.as_str(), body.as_str())
            .await;
        self.after_new_post(id, screened).await
    }

    /// Answers a question.
    #[tracing::instrument(skip_all, fields(user.id = user.id, question.id = question_id))]
    pub async fn post_answer(
        &self,
        user: &AuthUser,
        question_id: i64,
        body: &str,
    ) -> Result<PostRow, AppError> {
        // One read: the state has everything the decision needs.
        let state = match self.store().post_state(question_id).await? {
            Some(s)
                if s.kind == PostKind::Question
                    && s.deleted_at.is_none()
                    && s.status == PostStatus::Published =>
            {
                s
            }
            _ => return Err(AppError::NotFound("question")),
        };
        decide(
            &user.actor(),
            Action::Answer,
            Target::Thread {
                author_id: state.author_id,
                locked: state.locked_at.is_some(),
                closed: state.closed_at.is_some(),
                protected: state.protected_at.is_some(),
            },
        )?;
        let body = Body::parse(body)?;
        let html = stoa_markdown::render_post(body.as_str());
        let text = stoa_markdown::plain_text(&html);
        let screened = self
            .screen_new_post(user, Some(question_id), "", body.as_str(), &html, &text)
            .await?;
        let hold = screened.hold_reason();
        let id = self
            .store()
            .insert_post(&NewPost {
                kind: PostKind::Answer,
                parent_id: Some(question_id),
                author_id: user.id,
                title: "",
                body_md: body.as_str(),
                body_html: &html,
                body_text: &text,
                tags: &[],
                status: if screened.held.is_some() {
                    PostStatus::Held
                } else {
                    PostStatus::Published
                },
                hold_reason: hold.as_deref(),
                now: stoa_store::now(),
            })
            .await?;
        tracing::info!(
            post.id = id,
            held = screened.held.is_some(),
            "answer posted"
        );
        self.after_new_post(id, screened).await
    }

    /// Edits a question or answer, recording a revision.
    #[tracing::instrument(skip_all, fields(user.id = user.id, post.id = post_id))]
    pub async fn edit_post(
        &self,
        user: &AuthUser,
        post_id: i64,
        input: EditInput,
    ) -> Result<PostRow, AppError> {
        let p = self.live_post(post_id).await?;
        decide(
            &user.actor(),
            Action::Edit,
            Target::Post {
                author_id: p.author_id,
                locked: p.locked_at.is_some(),
            },
        )?;
        let e = prepare_edit(&p, &input)?;
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

    /// Deletes a question or answer (soft: it stays in the history for moderators).
    pub async fn delete_post(&self, user: &AuthUser, post_id: i64) -> Result<(), AppError> {
        let p = self.live_post(post_id).await?;
        decide(
            &user.actor(),
            Action::Delete,
            Target::Post {
                author_id: p.author_id,
                locked: p.locked_at.is_some(),
            },
        )?;
        if p.author_id != user.id {
            // A moderator removing someone else's post is a moderation action: it goes to the
            // public log like any other, with a generic reason the moderator can refine there.
            self.moderate(
                user,
                crate::ModerationInput {
                    action: "delete".into(),
                    target_type: "post".into(),
                    target_id: post_id,
                    category: "other".into(),
                    reason: "Removed by a moderator.".into(),
                    ..Default::default()
                },
            )
            .await?;
            return Ok(());
        }
        self.store().delete_post(post_id, stoa_store::now()).await?;
        tracing::info!(post.id = post_id, user.id = user.id, "post deleted");
        Ok(())
    }

    /// Accepts an answer (or, with `None`, withdraws the acceptance). Only the asker may.
    pub async fn accept_answer(
        &self,
        user: &AuthUser,
        question_id: i64,
        answer_id: Option<i64>,
    ) -> Result<Option<i64>, AppError> {
        let q = self.live_post(question_id).await?;
        if q.kind != PostKind::Question {
            return Err(AppError::NotFound("question"));
        }
        decide(
            &user.actor(),
            Action::Accept,
            Target::Question {
                author_id: q.author_id,
            },
        )?;
        let mut answer_author = None;
        if let Some(a) = answer_id {
            let answer = self.store().post(a).await?;
            match answer {
                Some(ans)
                    if ans.deleted_at.is_none()
                        && ans.status == PostStatus::Published
                        && ans.parent_id == Some(question_id)
                        && ans.kind == PostKind::Answer =>
                {
                    answer_author = Some(ans.author_id);
                }
                Some(ans) if ans.deleted_at.is_none() && ans.kind == PostKind::Answer => {
                    return Err(AppError::invalid(
                        "answer_of_other_question",
                        "answer_id",
                        "That answer belongs to another question.",
                    ))
                }
                _ => {
                    return Err(AppError::invalid(
                        "unknown_answer",
                        "answer_id",
                        "There is no such answer.",
                    ))
                }
            }
        }
        let points = self.governance().await?.points;
        let add = match (answer_id, answer_author) {
            (Some(a), Some(author)) => crate::reputation::ledger(
                stoa_domain::reputation::accept_entries(&points, q.author_id, author),
                Some(a),
                Some(user.id),
            ),
            _ => Vec::new(),
        };
        let reasons: Vec<&'static str> = stoa_domain::reputation::Reason::ACCEPT
            .iter()
            .map(|r| r.as_str())
            .collect();
        self.store()
            .accept_with_ledger(question_id, answer_id, &add, &reasons, stoa_store::now())
            .await?;
        Ok(answer_id)
    }

    /// A live post by id.
    pub async fn post(&self, id: i64) -> Result<PostRow, AppError> {
        self.live_post(id).await
    }

    /// A live, published post whose question (for an answer) is live and published too:
    /// everything under a deleted or held question is as gone as the question.
    async fn live_post(&self, id: i64) -> Result<PostRow, AppError> {
        let live = |p: &PostRow| p.deleted_at.is_none() && p.status == PostStatus::Published;
        match self.store().post(id).await? {
            Some(p) if live(&p) => match p.parent_id {
                Some(q) => match self.store().post(q).await? {
                    Some(q) if live(&q) => Ok(p),
                    _ => Err(AppError::NotFound("post")),
                },
                None => Ok(p),
            },
            _ => Err(AppError::NotFound("post")),
        }
    }

    /// Everything a question page shows, in four queries whatever the number of answers.
    pub async fn question_view(
        &self,
        viewer: Option<&AuthUser>,
        id: i64,
    ) -> Result<QuestionView, AppError> {
        // A held or hidden question stays visible to its author and to moderators, so that the
        // author can see it is waiting for review rather than lost.
        let question = match self.store().post(id).await? {
            Some(p) if p.deleted_at.is_none() && p.status == PostStatus::Published => p,
            Some(p)
                if p.deleted_at.is_none()
                    && crate::closing::may_see_withdrawn(viewer, p.author_id, false) =>
            {
                p
            }
            _ => return Err(AppError::NotFound("question")),
        };
        if question.kind != PostKind::Question {
            return Err(AppError::NotFound("question"));
        }
        let answers = self.store().answers_of(id).await?;
        let ids: Vec<i64> = std::iter::once(id)
            .chain(answers.iter().map(|a| a.id))
            .collect();
        let comments = self.store().comments_on(&ids).await?;
        let my_votes = match viewer {
            Some(u) => self
                .store()
                .votes_of(u.id, &ids)
                .await?
                .into_iter()
                .collect(),
            None => HashMap::new(),
        };
        let bounty = if question.bounty > 0 {
            self.store().open_bounty(id).await?
        } else {
            None
        };
        Ok(QuestionView {
            question,
            answers,
            comments,
            my_votes,
            bounty,
        })
    }

    /// A page of questions.
    pub async fn list_questions(
        &self,
        sort: QuestionSort,
        tag: Option<&str>,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> Result<Page<PostRow>, AppError> {
        let (limit, offset) = paging(page, per_page, 30)?;
        if let Some(t) = tag {
            let name = stoa_domain::post::TagName::parse(t)?;
            if self.store().tag(name.as_str()).await?.is_none() {
                return Err(AppError::NotFound("tag"));
            }
            return Ok(self
                .store()
                .questions_page(sort, Some(name.as_str()), limit, offset)
                .await?);
        }
        Ok(self
            .store()
            .questions_page(sort, None, limit, offset)
            .await?)
    }

    /// The revisions of a live post, oldest first.
    pub async fn revisions(&self, post_id: i64) -> Result<(PostRow, Vec<RevisionRow>), AppError> {
        let p = self.live_post(post_id).await?;
        let revs = self.store().revisions(post_id).await?;
        Ok((p, revs))
    }

    /// A user's questions and answers, with the titles of the questions answered.
    pub async fn user_posts(
        &self,
        user_id: i64,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> Result<(Page<PostRow>, HashMap<i64, String>), AppError> {
        let (limit, offset) = paging(page, per_page, 30)?;
        let posts = self.store().posts_by_user(user_id, limit, offset).await?;
        let parents: Vec<i64> = posts.items.iter().filter_map(|p| p.parent_id).collect();
        let titles = self.store().titles(&parents).await?.into_iter().collect();
        Ok((posts, titles))
    }

    /// Tags in use, most popular first.
    pub async fn list_tags(
        &self,
        prefix: Option<&str>,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> Result<Page<TagRow>, AppError> {
        let (limit, offset) = paging(page, per_page, 60)?;
        let prefix = prefix
            .map(|p| p.trim().to_lowercase())
            .filter(|p| !p.is_empty());
        if prefix.as_ref().is_some_and(|p| p.len() > 35) {
            return Err(AppError::invalid(
                "invalid_tags",
                "q",
                "Tag names have at most 35 characters.",
            ));
        }
        Ok(self
            .store()
            .tags_page(prefix.as_deref(), limit, offset)
            .await?)
    }

    /// One tag.
    pub async fn tag(&self, name: &str) -> Result<TagRow, AppError> {
        let name =
            stoa_domain::post::TagName::parse(name).map_err(|_| AppError::NotFound("tag"))?;
        self.store()
            .tag(name.as_str())
            .await?
            .ok_or(AppError::NotFound("tag"))
    }

    /// Renders Markdown for a live preview, exactly as it would be stored.
    pub fn preview(&self, markdown: &str) -> String {
        let capped: String = markdown.chars().take(Body::MAX).collect();
        stoa_markdown::render_post(&capped)
    }
}
