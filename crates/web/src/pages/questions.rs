//! The question page (question, answers, comments, votes), answering and accepting.

use super::post_view::{post_view, PostView};
use super::view::{count, question_url, When};
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
use stoa_app::{App, AppError, PostRow, QuestionView};
use stoa_domain::post_kind::{PostKind, PostStatus};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/questions/{id}", get(canonical))
        .route("/posts/{id}", get(any_post))
        .route("/questions/{id}/{slug}", get(show))
        // A GET here comes from a log-in redirect or a hand-typed URL: show the question.
        .route(
            "/questions/{id}/answers",
            get(canonical).post(create_answer),
        )
        .route("/questions/{id}/accept", get(canonical).post(accept))
        .route("/questions/{id}/bounty", get(canonical).post(offer_bounty))
        .route(
            "/questions/{id}/bounty/award",
            get(canonical).post(award_bounty),
        )
}

#[derive(Deserialize)]
struct BountyForm {
    amount: String,
}

async fn offer_bounty(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<BountyForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let amount = form.amount.trim().parse::<i64>().map_err(|_| {
        AppError::invalid(
            "invalid_amount",
            "amount",
            "Enter the bounty as a whole number of reputation points, from 50 to 500.",
        )
    })?;
    let b = state.app.offer_bounty(&user, id, amount).await?;
    let q = state.app.post(b.question_id).await?;
    Ok(Redirect::to(&question_url(q.id, &q.title)).into_response())
}

#[derive(Deserialize)]
struct AwardForm {
    answer_id: String,
}

async fn award_bounty(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<AwardForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let answer_id =
        form.answer_id.trim().parse::<i64>().map_err(|_| {
            AppError::invalid("wrong_answer", "answer_id", "There is no such answer.")
        })?;
    state.app.award_bounty(&user, id, answer_id).await?;
    let q = state.app.post(id).await?;
    Ok(Redirect::to(&format!(
        "{}#answer-{answer_id}",
        question_url(q.id, &q.title)
    ))
    .into_response())
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
    /// "Did this solve your problem?", when the visitor came from a suggestion.
    deflection: Option<super::deflection::DeflectionBox>,
    /// Follow this question (logged-in viewers).
    follow: Option<super::notify::FollowButton>,
    /// The running bounty.
    bounty: Option<BountyBox>,
    /// The most a signed-in viewer may offer now (0: they cannot offer one).
    bounty_max: i64,
}

/// The running bounty as the question page shows it.
struct BountyBox {
    amount: i64,
    by_id: i64,
    by_name: String,
    ends_in: String,
    ends: When,
    yours: bool,
}

/// The most `viewer` may offer on the question of `v` now; 0 when they cannot offer a bounty.
fn bounty_max(v: &QuestionView, viewer: Option<&stoa_app::AuthUser>) -> i64 {
    use stoa_domain::bounty::{MAX_AMOUNT, MIN_AMOUNT};
    use stoa_domain::policy::{decide, Action, Target};
    let q = &v.question;
    match viewer {
        Some(u)
            if v.bounty.is_none()
                && q.closed_at.is_none()
                && q.locked_at.is_none()
                && q.status == PostStatus::Published
                && u.reputation >= MIN_AMOUNT
                && decide(&u.actor(), Action::OfferBounty, Target::Site).is_ok() =>
        {
            u.reputation.min(MAX_AMOUNT)
        }
        _ => 0,
    }
}

fn page(l: Layout, v: QuestionView, drafts: Drafts) -> QuestionPage {
    let now = stoa_app::now();
    let q = &v.question;
    let url = question_url(q.id, &q.title);
    let viewer = l.user.as_ref();
    let bounty = v.bounty.as_ref().map(|b| BountyBox {
        amount: b.amount,
        by_id: b.offered_by,
        by_name: b.offered_by_name.clone(),
        ends_in: stoa_domain::time::until(b.ends_at, now),
        ends: When::at(b.ends_at, now),
        yours: viewer.is_some_and(|u| u.id == b.offered_by),
    });
    let bounty_max = bounty_max(&v, viewer);
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
        deflection: None,
        follow: None,
        bounty,
        bounty_max,
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
    let back = question_url(id, &view.question.title);
    let follow = super::notify::follow_button(state, &l, "question", id.to_string(), back).await;
    let mut p = page(l, view, drafts);
    p.follow = follow;
    Ok((status, render(&p)).into_response())
}

/// Where a post lives: its question's page, at the answer's anchor for answers.
pub(crate) async fn post_location(app: &App, p: &PostRow) -> Result<String, AppError> {
    match p.parent_id {
        Some(qid) => {
            let q = app.post(qid).await?;
            Ok(format!("{}#answer-{}", question_url(q.id, &q.title), p.id))
        }
        None if p.kind == PostKind::Article => Ok(super::view::article_url(p.id, &p.title)),
        None => Ok(question_url(p.id, &p.title)),
    }
}

async fn canonical(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let q = state.app.post(parse_id(&id)?).await?;
    if q.kind != PostKind::Question {
        return Err(PageError(Problem::not_found()));
    }
    Ok(moved_permanently(&question_url(q.id, &q.title)))
}

/// Any post by id, whatever its kind: a question or article at its page, an answer at its
/// place in its question (statements and logs link to posts of every kind).
async fn any_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let p = state.app.post(parse_id(&id)?).await?;
    let to = match (p.kind, p.parent_id) {
        (PostKind::Answer, Some(q)) => {
            let q = state.app.post(q).await?;
            format!("{}#answer-{}", question_url(q.id, &q.title), p.id)
        }
        (kind, _) => super::view::post_url(kind.as_str(), p.id, &p.title),
    };
    Ok(Redirect::to(&to).into_response())
}

async fn show(
    State(state): State<AppState>,
    l: Layout,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path((id, slug)): Path<(String, String)>,
    super::deflection::VisitorOf(visitor): super::deflection::VisitorOf,
    axum::extract::Query(arrival): axum::extract::Query<super::deflection::ArrivalQuery>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    // One view per browser session, or per address for visitors without one.
    let viewer = cookie(&headers, SESSION_COOKIE).unwrap_or(ip);
    // Anonymous readers arriving without a deflection session all see the same page.
    let shared = super::is_shared(&l, &headers) && arrival.deflection.is_none();
    let key = format!("question:{id}");
    if shared {
        if let Some(cached) = state.pages.get(&key) {
            if slug != cached.slug {
                return Ok(moved_permanently(&format!(
                    "/questions/{id}/{}",
                    cached.slug
                )));
            }
            state.app.record_view(id, &viewer);
            return Ok(cached.hit());
        }
    }
    let generation = state.pages.generation();
    let view = state.app.question_view(l.user.as_ref(), id).await?;
    let canonical = stoa_domain::post::slug(&view.question.title);
    if slug != canonical {
        return Ok(moved_permanently(&question_url(id, &view.question.title)));
    }
    state.app.record_view(id, &viewer);
    let deflection =
        super::deflection::arrival_box(&state, &visitor, arrival.deflection.as_deref(), id).await?;
    let csrf = l.csrf.clone();
    let follow = super::notify::follow_button(
        &state,
        &l,
        "question",
        id.to_string(),
        question_url(id, &view.question.title),
    )
    .await;
    let mut p = page(l, view, Drafts::default());
    p.deflection = deflection;
    p.follow = follow;
    if shared && p.deflection.is_none() {
        return Ok(super::render_shared(
            &state, key, generation, canonical, &csrf, &p,
        ));
    }
    Ok(render(&p))
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
