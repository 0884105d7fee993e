//! The JSON shapes of the API, separate from storage rows so either can change on its own.

use serde::Serialize;
use stoa_app::{CommentRow, PostRow, QuestionView};
use stoa_domain::time::format_rfc3339;
use utoipa::ToSchema;

/// The short form of a user.
#[derive(Serialize, ToSchema, Clone)]
pub struct UserRef {
    /// Id.
    pub id: i64,
    /// Username.
    pub username: String,
}

/// A comment.
#[derive(Serialize, ToSchema)]
pub struct Comment {
    /// Id.
    pub id: i64,
    /// The post it is on.
    pub post_id: i64,
    /// Markdown-lite source.
    pub body: String,
    /// Sanitised inline HTML.
    pub body_html: String,
    /// Author.
    pub author: UserRef,
    /// Creation time (RFC 3339).
    pub created_at: String,
}

/// An answer.
#[derive(Serialize, ToSchema)]
pub struct Answer {
    /// Id.
    pub id: i64,
    /// The question answered.
    pub question_id: i64,
    /// Markdown source.
    pub body: String,
    /// Sanitised HTML.
    pub body_html: String,
    /// Sum of votes.
    pub score: i64,
    /// Whether the asker accepted it.
    pub is_accepted: bool,
    /// Author.
    pub author: UserRef,
    /// Last editor, if edited.
    pub last_editor: Option<UserRef>,
    /// Creation time.
    pub created_at: String,
    /// Last edit time.
    pub last_edited_at: Option<String>,
    /// The viewer's vote (1, -1, 0), when authenticated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub my_vote: Option<i64>,
    /// Comments, oldest first.
    pub comments: Vec<Comment>,
}

/// A question with its answers.
#[derive(Serialize, ToSchema)]
pub struct Question {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Markdown source.
    pub body: String,
    /// Sanitised HTML.
    pub body_html: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Sum of votes.
    pub score: i64,
    /// Author.
    pub author: UserRef,
    /// The accepted answer.
    pub accepted_answer_id: Option<i64>,
    /// Live answers.
    pub answer_count: i64,
    /// Views.
    pub view_count: i64,
    /// Revisions (1 = never edited).
    pub revision_count: i64,
    /// Last editor, if edited.
    pub last_editor: Option<UserRef>,
    /// Creation time.
    pub created_at: String,
    /// Last activity.
    pub last_activity_at: String,
    /// Last edit time.
    pub last_edited_at: Option<String>,
    /// Canonical page.
    pub url: String,
    /// Content licence.
    pub license: String,
    /// The viewer's vote (1, -1, 0), when authenticated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub my_vote: Option<i64>,
    /// Comments on the question.
    pub comments: Vec<Comment>,
    /// Answers, accepted first, then by score.
    pub answers: Vec<Answer>,
    /// The running bounty, if any.
    pub bounty: Option<super::bounties::BountyJson>,
}

/// A question in a list.
#[derive(Serialize, ToSchema)]
pub struct QuestionSummary {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Sum of votes.
    pub score: i64,
    /// Live answers.
    pub answer_count: i64,
    /// Views.
    pub view_count: i64,
    /// The accepted answer.
    pub accepted_answer_id: Option<i64>,
    /// Author.
    pub author: UserRef,
    /// Creation time.
    pub created_at: String,
    /// Last activity.
    pub last_activity_at: String,
    /// Canonical page.
    pub url: String,
    /// Reputation offered by the running bounty (0: none).
    pub bounty: i64,
}

/// A page of questions.
#[derive(Serialize, ToSchema)]
pub struct QuestionList {
    /// This page.
    pub items: Vec<QuestionSummary>,
    /// All matching.
    pub total: i64,
}

/// A post as returned by an edit: question or answer.
#[derive(Serialize, ToSchema)]
pub struct Post {
    /// Id.
    pub id: i64,
    /// `question` or `answer`.
    pub kind: String,
    /// The question of an answer.
    pub question_id: Option<i64>,
    /// Title (questions).
    pub title: String,
    /// Markdown.
    pub body: String,
    /// Sanitised HTML.
    pub body_html: String,
    /// Tags (questions).
    pub tags: Vec<String>,
    /// Sum of votes.
    pub score: i64,
    /// Author.
    pub author: UserRef,
    /// Last editor.
    pub last_editor: Option<UserRef>,
    /// Revisions.
    pub revision_count: i64,
    /// Creation time.
    pub created_at: String,
    /// Last edit time.
    pub last_edited_at: Option<String>,
}

fn tags(stored: &str) -> Vec<String> {
    stoa_domain::post::TagSet::split_stored(stored)
}

fn editor(p: &PostRow) -> Option<UserRef> {
    match (p.last_editor_id, &p.last_editor_name) {
        (Some(id), Some(name)) => Some(UserRef {
            id,
            username: name.clone(),
        }),
        _ => None,
    }
}

/// The canonical page of a question.
pub fn question_url(id: i64, title: &str) -> String {
    format!("/questions/{id}/{}", stoa_domain::post::slug(title))
}

/// The canonical page of a knowledge-base article.
pub fn article_url(id: i64, title: &str) -> String {
    format!("/kb/articles/{id}/{}", stoa_domain::post::slug(title))
}

impl From<&CommentRow> for Comment {
    fn from(c: &CommentRow) -> Self {
        Comment {
            id: c.id,
            post_id: c.post_id,
            body: c.body_md.clone(),
            body_html: c.body_html.clone(),
            author: UserRef {
                id: c.author_id,
                username: c.author_name.clone(),
            },
            created_at: format_rfc3339(c.created_at),
        }
    }
}

impl From<&PostRow> for QuestionSummary {
    fn from(p: &PostRow) -> Self {
        QuestionSummary {
            id: p.id,
            title: p.title.clone(),
            tags: tags(&p.tags),
            score: p.score,
            answer_count: p.answer_count,
            view_count: p.view_count,
            accepted_answer_id: p.accepted_answer_id,
            author: UserRef {
                id: p.author_id,
                username: p.author_name.clone(),
            },
            created_at: format_rfc3339(p.created_at),
            last_activity_at: format_rfc3339(p.last_activity_at),
            url: question_url(p.id, &p.title),
            bounty: p.bounty,
        }
    }
}

impl From<&PostRow> for Post {
    fn from(p: &PostRow) -> Self {
        Post {
            id: p.id,
            kind: p.kind.to_string(),
            question_id: p.parent_id,
            title: p.title.clone(),
            body: p.body_md.clone(),
            body_html: p.body_html.clone(),
            tags: tags(&p.tags),
            score: p.score,
            author: UserRef {
                id: p.author_id,
                username: p.author_name.clone(),
            },
            last_editor: editor(p),
            revision_count: p.revision_count,
            created_at: format_rfc3339(p.created_at),
            last_edited_at: p.last_edited_at.map(format_rfc3339),
        }
    }
}

impl Answer {
    fn build(a: &PostRow, view: &QuestionView, authed: bool) -> Self {
        Answer {
            id: a.id,
            question_id: a.parent_id.unwrap_or_default(),
            body: a.body_md.clone(),
            body_html: a.body_html.clone(),
            score: a.score,
            is_accepted: view.question.accepted_answer_id == Some(a.id),
            author: UserRef {
                id: a.author_id,
                username: a.author_name.clone(),
            },
            last_editor: editor(a),
            created_at: format_rfc3339(a.created_at),
            last_edited_at: a.last_edited_at.map(format_rfc3339),
            my_vote: authed.then(|| view.my_votes.get(&a.id).copied().unwrap_or(0)),
            comments: view.comments_on(a.id).map(Comment::from).collect(),
        }
    }
}

impl Question {
    /// The full question from a view; `authed` adds the viewer's votes.
    pub fn build(view: &QuestionView, authed: bool) -> Self {
        let q = &view.question;
        Question {
            id: q.id,
            title: q.title.clone(),
            body: q.body_md.clone(),
            body_html: q.body_html.clone(),
            tags: tags(&q.tags),
            score: q.score,
            author: UserRef {
                id: q.author_id,
                username: q.author_name.clone(),
            },
            accepted_answer_id: q.accepted_answer_id,
            answer_count: q.answer_count,
            view_count: q.view_count,
            revision_count: q.revision_count,
            last_editor: editor(q),
            created_at: format_rfc3339(q.created_at),
            last_activity_at: format_rfc3339(q.last_activity_at),
            last_edited_at: q.last_edited_at.map(format_rfc3339),
            url: question_url(q.id, &q.title),
            license: q.license.clone(),
            my_vote: authed.then(|| view.my_votes.get(&q.id).copied().unwrap_or(0)),
            comments: view.comments_on(q.id).map(Comment::from).collect(),
            answers: view
                .answers
                .iter()
                .map(|a| Answer::build(a, view, authed))
                .collect(),
            bounty: view.bounty.as_ref().map(super::bounties::bounty_json),
        }
    }
}
