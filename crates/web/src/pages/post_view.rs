//! What the question page shows of each post: body, votes, comments and what the viewer may do.

use super::url_encode;
use super::view::{tag_links, TagLink, When};
use stoa_app::{AuthUser, CommentRow, PostRow, QuestionView};
use stoa_domain::policy::{decide, Action, Target};
use stoa_domain::post_kind::PostKind;

/// The vote widget of one post (`_votes.html`).
pub struct VoteBox {
    pub post_id: i64,
    pub score: i64,
    /// The viewer's vote: 1, -1 or 0.
    pub mine: i64,
    /// Anonymous visitors get links to log in instead of buttons.
    pub signed_in: bool,
    pub login_href: String,
    /// Why the last vote did not count.
    pub error: Option<String>,
}

/// One comment (`_comment.html`).
pub struct CommentView {
    pub id: i64,
    pub author_id: i64,
    pub author_name: String,
    /// Sanitised on write.
    pub body_html: String,
    pub when: When,
}

impl CommentView {
    pub fn from_row(c: &CommentRow, now: i64) -> Self {
        CommentView {
            id: c.id,
            author_id: c.author_id,
            author_name: c.author_name.clone(),
            body_html: c.body_html.clone(),
            when: When::at(c.created_at, now),
        }
    }
}

/// Who last edited a post, and when.
pub struct Edited {
    pub id: i64,
    pub name: String,
    pub when: When,
}

/// A question or answer as `_post.html` shows it.
pub struct PostView {
    pub id: i64,
    pub question_id: i64,
    pub is_question: bool,
    /// `question` or `answer-{id}`: the fragment other pages link to.
    pub anchor: String,
    /// Sanitised on write.
    pub body_html: String,
    pub tags: Vec<TagLink>,
    pub votes: VoteBox,
    pub author_id: i64,
    pub author_name: String,
    pub created: When,
    pub edited: Option<Edited>,
    pub comments: Vec<CommentView>,
    /// A comment that failed validation without JavaScript, with its message.
    pub comment_draft: String,
    pub comment_error: Option<String>,
    pub can_edit: bool,
    pub can_delete: bool,
    /// "Promote to article": answers, for trusted members and staff (`stoa_domain::kb`).
    pub can_promote: bool,
    /// Whether the viewer may flag the post.
    pub can_flag: bool,
    /// Whether the viewer may propose an edit for review (they cannot edit directly).
    pub can_suggest_edit: bool,
    /// Whether the viewer may vote to close or reopen (questions).
    pub can_vote_close: bool,
    /// Whether the viewer may take moderation actions.
    pub can_moderate: bool,
    /// Whether the question is closed.
    pub closed: bool,
    /// For imported posts: where it first appeared and under which licence.
    pub source: Option<Source>,
    pub accepted: bool,
    /// For the asker: `Some(true)` shows "Accept", `Some(false)` "Unaccept".
    pub accept: Option<bool>,
    /// For the member who offered the running bounty: its points, to award to this answer.
    pub award_bounty: Option<i64>,
    pub signed_in: bool,
    pub login_href: String,
}

/// The origin of an imported post, shown as the dump's licence requires.
pub struct Source {
    /// The community it came from.
    pub site: String,
    /// Its licence, e.g. "CC BY-SA 3.0".
    pub license: String,
    /// The licence's deed.
    pub license_url: String,
}

fn license_url(license: &str) -> String {
    match license {
        "CC BY-SA 2.5" => "https://creativecommons.org/licenses/by-sa/2.5/".into(),
        "CC BY-SA 3.0" => "https://creativecommons.org/licenses/by-sa/3.0/".into(),
        _ => "https://creativecommons.org/licenses/by-sa/4.0/".into(),
    }
}

/// `p` as `viewer` sees it. Edit, delete and accept controls come from the same policy function
/// the use cases apply, so a control is shown exactly when the action would be allowed.
pub fn post_view(
    p: &PostRow,
    v: &QuestionView,
    viewer: Option<&AuthUser>,
    url: &str,
    now: i64,
) -> PostView {
    let target = Target::Post {
        author_id: p.author_id,
        locked: p.locked_at.is_some(),
    };
    let may = |a: Action| viewer.is_some_and(|u| decide(&u.actor(), a, target).is_ok());
    let is_question = p.kind == PostKind::Question;
    let accepted = !is_question && v.question.accepted_answer_id == Some(p.id);
    let asker = viewer.is_some_and(|u| {
        decide(
            &u.actor(),
            Action::Accept,
            Target::Question {
                author_id: v.question.author_id,
            },
        )
        .is_ok()
    });
    let login_href = format!("/login?next={}", url_encode(url));
    PostView {
        id: p.id,
        question_id: v.question.id,
        is_question,
        anchor: if is_question {
            "question".into()
        } else {
            format!("answer-{}", p.id)
        },
        body_html: p.body_html.clone(),
        tags: tag_links(&p.tags),
        votes: VoteBox {
            post_id: p.id,
            score: p.score,
            mine: v.my_votes.get(&p.id).copied().unwrap_or(0),
            signed_in: viewer.is_some(),
            login_href: login_href.clone(),
            error: None,
        },
        author_id: p.author_id,
        author_name: p.author_name.clone(),
        created: When::at(p.created_at, now),
        edited: match (p.last_editor_id, &p.last_editor_name, p.last_edited_at) {
            (Some(id), Some(name), Some(at)) => Some(Edited {
                id,
                name: name.clone(),
                when: When::at(at, now),
            }),
            _ => None,
        },
        comments: v
            .comments_on(p.id)
            .map(|c| CommentView::from_row(c, now))
            .collect(),
        comment_draft: String::new(),
        comment_error: None,
        can_edit: may(Action::Edit),
        can_delete: may(Action::Delete),
        can_promote: !is_question
            && viewer.is_some_and(|u| {
                decide(
                    &u.actor(),
                    Action::PromoteAnswer,
                    Target::Promotable {
                        locked: p.locked_at.is_some(),
                    },
                )
                .is_ok()
            }),
        can_flag: may(Action::Flag),
        can_suggest_edit: !may(Action::Edit) && may(Action::SuggestEdit),
        can_vote_close: is_question && may(Action::VoteClose),
        can_moderate: may(Action::Moderate),
        closed: p.closed_at.is_some(),
        source: p.source_site.as_ref().map(|site| Source {
            site: site.clone(),
            license: p.license.clone(),
            license_url: license_url(&p.license),
        }),
        accepted,
        accept: (!is_question && asker).then_some(!accepted),
        award_bounty: v.bounty.as_ref().and_then(|b| {
            (!is_question
                && viewer.is_some_and(|u| u.id == b.offered_by)
                && p.author_id != b.offered_by)
                .then_some(b.amount)
        }),
        signed_in: viewer.is_some(),
        login_href,
    }
}
