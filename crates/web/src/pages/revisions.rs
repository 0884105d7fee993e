//! The history of a post: every revision, newest first, with a word diff against the one before.

use super::questions::post_location;
use super::view::When;
use super::{parse_id, render, Layout};
use crate::error::PageError;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use stoa_app::RevisionRow;
use stoa_domain::diff::{diff_words, Change};
use stoa_domain::post_kind::PostKind;

pub fn router() -> Router<AppState> {
    Router::new().route("/posts/{id}/revisions", get(show))
}

/// One revision and what it changed. Diff pieces are user text: the template escapes them.
struct RevisionView {
    number: i64,
    author_id: i64,
    author_name: String,
    when: When,
    comment: String,
    /// `None` when the field did not change (and always for answers, which have no title).
    title: Option<Vec<Change>>,
    tags: Option<Vec<Change>>,
    body: Vec<Change>,
}

#[derive(Template)]
#[template(path = "revisions.html")]
struct RevisionsPage {
    l: Layout,
    is_question: bool,
    is_article: bool,
    question_title: String,
    back: String,
    revisions: Vec<RevisionView>,
    /// Post id, for rollback links.
    post_id: i64,
    /// The latest revision, which cannot be rolled back to.
    latest: i64,
    /// Whether the viewer may edit the post, and so roll it back.
    can_rollback: bool,
}

/// The diff of `new` against `old`; the first revision is shown whole, as unchanged text.
fn diff(old: Option<&str>, new: &str) -> Vec<Change> {
    match old {
        Some(o) => diff_words(o, new),
        None => vec![Change::Same(new.to_string())],
    }
}

fn revision_view(
    prev: Option<&RevisionRow>,
    r: &RevisionRow,
    is_question: bool,
    now: i64,
) -> RevisionView {
    let changed = |old: Option<&str>, new: &str| {
        is_question && old != Some(new) && !(old.is_none() && new.is_empty())
    };
    let old_title = prev.map(|p| p.title.as_str());
    let old_tags = prev.map(|p| p.tags.as_str());
    RevisionView {
        number: r.number,
        author_id: r.author_id,
        author_name: r.author_name.clone(),
        when: When::at(r.created_at, now),
        comment: r.comment.clone(),
        title: changed(old_title, &r.title).then(|| diff(old_title, &r.title)),
        tags: changed(old_tags, &r.tags).then(|| diff(old_tags, &r.tags)),
        body: diff(prev.map(|p| p.body_md.as_str()), &r.body_md),
    }
}

async fn show(
    State(state): State<AppState>,
    l: Layout,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (post, revs) = state.app.revisions(parse_id(&id)?).await?;
    // Articles have a title and tags like questions.
    let is_question = post.kind != PostKind::Answer;
    let back = post_location(&state.app, &post).await?;
    let question_title = match post.parent_id {
        Some(q) => state.app.post(q).await?.title,
        None => post.title.clone(),
    };
    let now = stoa_app::now();
    // Revisions arrive oldest first, which is the order diffs need; the page shows newest first.
    let mut revisions: Vec<RevisionView> = revs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            revision_view(
                i.checked_sub(1).and_then(|j| revs.get(j)),
                r,
                is_question,
                now,
            )
        })
        .collect();
    revisions.reverse();
    let can_rollback = l.user.as_ref().is_some_and(|u| {
        stoa_domain::policy::decide(
            &u.actor(),
            stoa_domain::policy::Action::Edit,
            stoa_domain::policy::Target::Post {
                author_id: post.author_id,
                locked: post.locked_at.is_some(),
            },
        )
        .is_ok()
    });
    Ok(render(&RevisionsPage {
        post_id: post.id,
        latest: revs.last().map_or(0, |r| r.number),
        can_rollback,
        l,
        is_question,
        is_article: post.kind == PostKind::Article,
        question_title,
        back,
        revisions,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(number: i64, title: &str, tags: &str, body: &str) -> RevisionRow {
        RevisionRow {
            number,
            author_id: 1,
            author_name: "ann".into(),
            title: title.into(),
            body_md: body.into(),
            tags: tags.into(),
            comment: String::new(),
            created_at: 0,
        }
    }

    #[test]
    fn only_changed_fields_get_a_diff() {
        let a = rev(1, "How to back up", "sqlite", "Use the CLI");
        let b = rev(2, "How to back up", "sqlite backup", "Use VACUUM INTO");
        let v = revision_view(Some(&a), &b, true, 0);
        assert!(v.title.is_none());
        assert!(v.tags.is_some());
        assert!(v
            .body
            .iter()
            .any(|c| matches!(c, Change::Added(t) if t.contains("VACUUM"))));
        let first = revision_view(None, &a, true, 0);
        assert!(first.title.is_some() && first.body == vec![Change::Same("Use the CLI".into())]);
        let answer = revision_view(Some(&a), &b, false, 0);
        assert!(answer.title.is_none() && answer.tags.is_none());
    }
}
