//! The question page (question, answers, comments, votes), answering and accepting.

use super::view::{count, question_url, tag_links, TagLink, When};
use super::{moved_permanently, parse_id, render, url_encode, Layout};
use crate::auth::{cookie, ClientIp, MaybeUser, PageUser, SESSION_COOKIE};
use crate::csrf::CsrfForm;
use crate::error::{PageError, Problem};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use stoa_app::{App, AppError, AuthUser, CommentRow, PostRow, QuestionView};
use stoa_domain::policy::{decide, Action, Target};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/questions/{id}", get(canonical))
        .route("/questions/{id}/{slug}", get(show))
        // GETs here come from a log-in redirect or a question titled "Answers": send them home.
        .route(
            "/questions/{id}/answers",
            get(canonical).post(create_answer),
        )
        .route("/questions/{id}/accept", get(canonical).post(accept))
}

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
    pub accepted: bool,
    /// For the asker: `Some(true)` shows "Accept", `Some(false)` "Unaccept".
    pub accept: Option<bool>,
    pub signed_in: bool,
    pub login_href: String,
}

/// What a previewed or refused form sends back into the question page.
#[derive(Default)]
pub struct Drafts {
    pub answer: String,
    pub answer_preview: String,
    pub answer_error: Option<Problem>,
    /// Post id, text typed, message.
    pub comment: Option<(i64, String, String)>,
}

#[derive(Template)]
#[template(path = "question.html")]
struct QuestionPage {
    l: Layout,
    id: i64,
    title: String,
    asked: When,
    active: When,
    views: String,
    question: PostView,
    answers_heading: String,
    answers: Vec<PostView>,
    answer: String,
    answer_preview: String,
    answer_error: Option<Problem>,
    login_href: String,
}

fn post_view(
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
    let is_question = p.kind == "question";
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
        accepted,
        accept: (!is_question && asker).then_some(!accepted),
        signed_in: viewer.is_some(),
        login_href,
    }
}

fn page(l: Layout, v: QuestionView, drafts: Drafts) -> QuestionPage {
    let now = stoa_app::now();
    let q = &v.question;
    let url = question_url(q.id, &q.title);
    let viewer = l.user.as_ref();
    let mut question = post_view(q, &v, viewer, &url, now);
    let mut answers: Vec<PostView> = v
        .answers
        .iter()
        .map(|a| post_view(a, &v, viewer, &url, now))
        .collect();
    if let Some((post_id, text, message)) = drafts.comment {
        if let Some(p) = std::iter::once(&mut question)
            .chain(answers.iter_mut())
            .find(|p| p.id == post_id)
        {
            p.comment_draft = text;
            p.comment_error = Some(message);
        }
    }
    QuestionPage {
        id: q.id,
        title: q.title.clone(),
        asked: When::at(q.created_at, now),
        active: When::at(q.last_activity_at, now),
        views: count(q.view_count, "view", "views"),
        answers_heading: count(answers.len() as i64, "answer", "answers"),
        question,
        answers,
        answer: drafts.answer,
        answer_preview: drafts.answer_preview,
        answer_error: drafts.answer_error,
        login_href: format!("/login?next={}", url_encode(&url)),
        l,
    }
}

/// The question page with `drafts` filled in, answered with `status` (422 for a refused form).
pub(crate) async fn question_response(
    state: &AppState,
    l: Layout,
    id: i64,
    drafts: Drafts,
    status: StatusCode,
) -> Result<Response, PageError> {
    let view = state.app.question_view(l.user.as_ref(), id).await?;
    Ok((status, render(&page(l, view, drafts))).into_response())
}

/// Where a post lives: its question's page, at the answer's anchor for answers.
pub(crate) async fn post_location(app: &App, p: &PostRow) -> Result<String, AppError> {
    match p.parent_id {
        Some(qid) => {
            let q = app.post(qid).await?;
            Ok(format!("{}#answer-{}", question_url(q.id, &q.title), p.id))
        }
        None => Ok(question_url(p.id, &p.title)),
    }
}

async fn canonical(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let q = state.app.post(parse_id(&id)?).await?;
    if q.kind != "question" {
        return Err(PageError(Problem::not_found()));
    }
    Ok(moved_permanently(&question_url(q.id, &q.title)))
}

async fn show(
    State(state): State<AppState>,
    l: Layout,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path((id, slug)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let view = state.app.question_view(l.user.as_ref(), id).await?;
    if slug != stoa_domain::post::slug(&view.question.title) {
        return Ok(moved_permanently(&question_url(id, &view.question.title)));
    }
    // One view per browser session, or per address for visitors without one.
    let viewer = cookie(&headers, SESSION_COOKIE).unwrap_or(ip);
    state.app.record_view(id, &viewer);
    Ok(render(&page(l, view, Drafts::default())))
}

#[derive(Deserialize)]
struct AnswerForm {
    #[serde(default)]
    body: String,
    /// Present when "Preview" was pressed (the no-JavaScript preview).
    preview: Option<String>,
}

async fn create_answer(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<AnswerForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    if form.preview.is_some() {
        let drafts = Drafts {
            answer_preview: state.app.preview(&form.body),
            answer: form.body,
            ..Drafts::default()
        };
        return question_response(&state, l, id, drafts, StatusCode::OK).await;
    }
    match state.app.post_answer(&user, id, &form.body).await {
        Ok(a) => Ok(Redirect::to(&post_location(&state.app, &a).await?).into_response()),
        Err(e @ AppError::Invalid { .. }) => {
            let p = Problem::from(e);
            let status = p.status;
            let drafts = Drafts {
                answer_preview: state.app.preview(&form.body),
                answer: form.body,
                answer_error: Some(p),
                comment: None,
            };
            question_response(&state, l, id, drafts, status).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct AcceptForm {
    /// Empty withdraws the acceptance.
    #[serde(default)]
    answer_id: String,
}

async fn accept(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<AcceptForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let Some(user) = user else {
        return Ok(super::login_redirect(&format!("/questions/{id}"), false));
    };
    let answer_id = match form.answer_id.trim() {
        "" => None,
        s => Some(s.parse::<i64>().map_err(|_| {
            AppError::invalid("unknown_answer", "answer_id", "There is no such answer.")
        })?),
    };
    state.app.accept_answer(&user, id, answer_id).await?;
    let q = state.app.post(id).await?;
    let url = question_url(q.id, &q.title);
    Ok(Redirect::to(&match answer_id {
        Some(a) => format!("{url}#answer-{a}"),
        None => url,
    })
    .into_response())
}
