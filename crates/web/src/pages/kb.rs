//! The knowledge base: the index of categories (where staff add categories), a page per
//! category, article pages with "was this helpful?", and promoting an answer to an article.

use super::deflection::{arrival_box, ArrivalQuery, DeflectionBox, VisitorOf};
use super::view::{article_url, count, parse_page, question_url, tag_links, Pager, TagLink, When};
use super::{moved_permanently, parse_id, render, Layout};
use crate::auth::PageUser;
use crate::csrf::CsrfForm;
use crate::error::{PageError, Problem};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use stoa_app::{
    AppError, ArticleSummary, AuthUser, CategoryInput, CategoryRow, PostRow, PromoteInput,
};
use stoa_domain::policy::{decide, Action, Target};
use stoa_domain::post_kind::PostKind;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/kb", get(index).post(create_category))
        .route("/kb/{slug}", get(category))
        .route("/kb/articles/{id}", get(canonical))
        .route("/kb/articles/{id}/{slug}", get(show))
        .route("/kb/articles/{id}/feedback", get(canonical).post(feedback))
        .route("/posts/{id}/promote", get(new_promotion).post(promote))
}

/// Articles listed per category page.
const PER_PAGE: i64 = 30;

/// A category on the index.
struct CategoryItem {
    href: String,
    name: String,
    description: String,
    articles: String,
}

impl CategoryItem {
    fn new(c: &CategoryRow) -> Self {
        CategoryItem {
            href: format!("/kb/{}", c.slug),
            name: c.name.clone(),
            description: c.description.clone(),
            articles: count(c.article_count, "article", "articles"),
        }
    }
}

/// An article in a list.
struct ArticleItem {
    href: String,
    title: String,
    excerpt: String,
    author_id: i64,
    author_name: String,
    updated: When,
    /// "3 people found this helpful", or empty before anyone did.
    helpful: String,
}

impl ArticleItem {
    fn new(a: &ArticleSummary, now: i64) -> Self {
        let p = &a.article;
        ArticleItem {
            href: article_url(p.id, &p.title),
            title: p.title.clone(),
            excerpt: a.excerpt.clone(),
            author_id: p.author_id,
            author_name: p.author_name.clone(),
            updated: When::at(p.last_activity_at, now),
            helpful: if a.helpful.yes > 0 {
                count(
                    a.helpful.yes,
                    "person found this helpful",
                    "people found this helpful",
                )
            } else {
                String::new()
            },
        }
    }
}

/// The category form's values, kept when it is refused.
#[derive(Deserialize, Default)]
struct CategoryForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    description: String,
}

#[derive(Template)]
#[template(path = "kb.html")]
struct IndexPage {
    l: Layout,
    categories: Vec<CategoryItem>,
    recent: Vec<ArticleItem>,
    /// Staff see the form to add a category.
    staff: bool,
    form: CategoryForm,
    error: Option<Problem>,
}

impl IndexPage {
    fn is_field(&self, name: &str) -> bool {
        self.error.as_ref().and_then(|e| e.field) == Some(name)
    }
}

fn is_staff(user: Option<&AuthUser>) -> bool {
    user.is_some_and(|u| decide(&u.actor(), Action::ManageCategories, Target::Site).is_ok())
}

async fn index_page(
    state: &AppState,
    l: Layout,
    form: CategoryForm,
    error: Option<Problem>,
) -> Result<IndexPage, PageError> {
    let categories = state.app.categories().await?;
    let recent = state.app.list_articles(None, Some(1), Some(10)).await?;
    let now = stoa_app::now();
    Ok(IndexPage {
        staff: is_staff(l.user.as_ref()),
        l,
        categories: categories.iter().map(CategoryItem::new).collect(),
        recent: recent
            .items
            .iter()
            .map(|a| ArticleItem::new(a, now))
            .collect(),
        form,
        error,
    })
}

async fn index(State(state): State<AppState>, l: Layout) -> Result<Response, PageError> {
    Ok(render(
        &index_page(&state, l, CategoryForm::default(), None).await?,
    ))
}

async fn create_category(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    CsrfForm(form): CsrfForm<CategoryForm>,
) -> Result<Response, PageError> {
    let input = CategoryInput {
        name: form.name.clone(),
        slug: Some(form.slug.clone()),
        description: Some(form.description.clone()),
    };
    match state.app.create_category(&user, input).await {
        Ok(c) => Ok(Redirect::to(&format!("/kb/{}", c.slug)).into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => {
            let p = Problem::from(e);
            let status = p.status;
            let page = index_page(&state, l, form, Some(p)).await?;
            Ok((status, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "kb_category.html")]
struct CategoryPage {
    l: Layout,
    name: String,
    description: String,
    articles: Vec<ArticleItem>,
    total: String,
    pager: Pager,
}

#[derive(Deserialize, Default)]
struct PageQuery {
    page: Option<String>,
}

async fn category(
    State(state): State<AppState>,
    l: Layout,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    let c = state.app.category(&slug).await?;
    let page = parse_page(q.page.as_deref());
    let rows = state
        .app
        .list_articles(Some(&c.slug), Some(page), Some(PER_PAGE))
        .await?;
    let now = stoa_app::now();
    let base = format!("/kb/{}", c.slug);
    Ok(render(&CategoryPage {
        l,
        name: c.name,
        description: c.description,
        articles: rows
            .items
            .iter()
            .map(|a| ArticleItem::new(a, now))
            .collect(),
        total: count(rows.total, "article", "articles"),
        pager: Pager::new(page, PER_PAGE, rows.total, |n| format!("{base}?page={n}")),
    }))
}

/// A piece of feedback as staff see it.
struct FeedbackItem {
    helpful: bool,
    comment: String,
    who: String,
    when: When,
}

#[derive(Template)]
#[template(path = "article.html")]
struct ArticlePage {
    l: Layout,
    id: i64,
    title: String,
    body_html: String,
    tags: Vec<TagLink>,
    author_id: i64,
    author_name: String,
    created: When,
    updated: Option<When>,
    category: Option<(String, String)>,
    /// "Promoted from an answer by X to <question>": (answer link, question title, question link).
    source: Option<(String, String, String)>,
    promoted_by: Option<(i64, String)>,
    can_edit: bool,
    can_delete: bool,
    revisions: i64,
    deflection: Option<DeflectionBox>,
    /// This visitor's earlier answer: Some(true) helpful, Some(false) not.
    mine: Option<bool>,
    my_comment: String,
    staff: bool,
    helpful_yes: i64,
    helpful_no: i64,
    feedback: Vec<FeedbackItem>,
    feedback_error: Option<String>,
}

async fn canonical(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let p = state.app.post(parse_id(&id)?).await?;
    if p.kind != PostKind::Article {
        return Err(PageError(Problem::not_found()));
    }
    Ok(moved_permanently(&article_url(p.id, &p.title)))
}

async fn article_page(
    state: &AppState,
    l: Layout,
    visitor: &stoa_app::Visitor,
    id: i64,
    deflection: Option<DeflectionBox>,
) -> Result<ArticlePage, PageError> {
    let v = state
        .app
        .article_view(l.user.as_ref(), Some(visitor), id)
        .await?;
    let now = stoa_app::now();
    let a = &v.article;
    let target = Target::Post {
        author_id: a.author_id,
        locked: a.locked_at.is_some(),
    };
    let may = |action: Action| {
        l.user
            .as_ref()
            .is_some_and(|u| decide(&u.actor(), action, target).is_ok())
    };
    let source = match (
        v.meta.source_post_id,
        v.meta.source_question_id,
        &v.meta.source_question_title,
    ) {
        (Some(answer), Some(qid), Some(qtitle)) => {
            let q = question_url(qid, qtitle);
            Some((format!("{q}#answer-{answer}"), qtitle.clone(), q))
        }
        _ => None,
    };
    Ok(ArticlePage {
        id: a.id,
        title: a.title.clone(),
        body_html: a.body_html.clone(),
        tags: tag_links(&a.tags),
        author_id: a.author_id,
        author_name: a.author_name.clone(),
        created: When::at(a.created_at, now),
        updated: a.last_edited_at.map(|t| When::at(t, now)),
        category: v
            .meta
            .category
            .as_ref()
            .map(|c| (format!("/kb/{}", c.slug), c.name.clone())),
        source,
        promoted_by: v.meta.promoted_by.clone(),
        can_edit: may(Action::Edit),
        can_delete: may(Action::Delete),
        revisions: a.revision_count,
        deflection,
        mine: v.mine.as_ref().map(|(h, _)| *h),
        my_comment: v.mine.map_or_else(String::new, |(_, c)| c),
        staff: v.staff,
        helpful_yes: v.helpful.yes,
        helpful_no: v.helpful.no,
        feedback: v
            .feedback
            .iter()
            .map(|f| FeedbackItem {
                helpful: f.helpful,
                comment: f.comment.clone(),
                who: f
                    .user
                    .as_ref()
                    .map_or_else(|| "A visitor".to_string(), |(_, n)| n.clone()),
                when: When::at(f.created_at, now),
            })
            .collect(),
        feedback_error: None,
        l,
    })
}

async fn show(
    State(state): State<AppState>,
    l: Layout,
    VisitorOf(visitor): VisitorOf,
    Path((id, slug)): Path<(String, String)>,
    Query(arrival): Query<ArrivalQuery>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let p = state.app.post(id).await?;
    if p.kind != PostKind::Article {
        return Err(PageError(Problem::not_found()));
    }
    if slug != stoa_domain::post::slug(&p.title) {
        return Ok(moved_permanently(&article_url(id, &p.title)));
    }
    let deflection = arrival_box(&state, &visitor, arrival.deflection.as_deref(), id).await?;
    Ok(render(
        &article_page(&state, l, &visitor, id, deflection).await?,
    ))
}

#[derive(Deserialize)]
struct FeedbackForm {
    #[serde(default)]
    helpful: String,
    #[serde(default)]
    comment: String,
}

async fn feedback(
    State(state): State<AppState>,
    l: Layout,
    crate::auth::ClientIp(ip): crate::auth::ClientIp,
    VisitorOf(visitor): VisitorOf,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<FeedbackForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let helpful = match form.helpful.as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err(AppError::invalid(
            "invalid_helpful",
            "helpful",
            "Choose “Yes” or “No”.",
        )),
    };
    let result = match helpful {
        Ok(h) => state
            .app
            .article_feedback(&visitor, id, h, Some(&form.comment), &ip)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => {
            let p = state.app.post(id).await?;
            Ok(Redirect::to(&format!("{}#feedback", article_url(p.id, &p.title))).into_response())
        }
        Err(e @ AppError::Invalid { .. }) => {
            let p = Problem::from(e);
            let mut page = article_page(&state, l, &visitor, id, None).await?;
            page.feedback_error = Some(p.message);
            page.my_comment = form.comment;
            Ok((p.status, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "promote.html")]
struct PromotePage {
    l: Layout,
    answer_id: i64,
    answer_html: String,
    answer_author: String,
    question_title: String,
    question_href: String,
    categories: Vec<(String, String)>,
    category: String,
    title: String,
    existing: Option<(String, String)>,
    error: Option<Problem>,
}

impl PromotePage {
    fn is_field(&self, name: &str) -> bool {
        self.error.as_ref().and_then(|e| e.field) == Some(name)
    }
}

/// The answer to promote, refused before the form when the viewer may not promote it.
async fn promotable(
    state: &AppState,
    user: &AuthUser,
    raw_id: &str,
) -> Result<(PostRow, PostRow), PageError> {
    let answer = state.app.post(parse_id(raw_id)?).await?;
    if answer.kind != PostKind::Answer {
        return Err(PageError(Problem::not_found()));
    }
    if !state.app.may_promote(user, &answer) {
        return Err(PageError(Problem::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "Promoting answers to articles is for staff and for members with {} reputation or more.",
                stoa_domain::kb::PROMOTE_REPUTATION
            ),
        )));
    }
    let question = state
        .app
        .post(answer.parent_id.ok_or(AppError::NotFound("question"))?)
        .await?;
    Ok((answer, question))
}

async fn promote_page(
    state: &AppState,
    l: Layout,
    answer: PostRow,
    question: PostRow,
    category: String,
    title: String,
    error: Option<Problem>,
) -> Result<PromotePage, PageError> {
    let categories = state
        .app
        .categories()
        .await?
        .into_iter()
        .map(|c| (c.slug, c.name))
        .collect();
    let existing = state
        .app
        .article_of_answer(answer.id)
        .await?
        .map(|(id, t)| (article_url(id, &t), t));
    Ok(PromotePage {
        l,
        answer_id: answer.id,
        answer_html: answer.body_html,
        answer_author: answer.author_name,
        question_href: format!(
            "{}#answer-{}",
            question_url(question.id, &question.title),
            answer.id
        ),
        title: if title.is_empty() {
            question.title.clone()
        } else {
            title
        },
        question_title: question.title,
        categories,
        category,
        existing,
        error,
    })
}

async fn new_promotion(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (answer, question) = promotable(&state, &user, &id).await?;
    let page = promote_page(
        &state,
        l,
        answer,
        question,
        String::new(),
        String::new(),
        None,
    )
    .await?;
    Ok(render(&page))
}

#[derive(Deserialize)]
struct PromoteForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    title: String,
}

async fn promote(
    State(state): State<AppState>,
    l: Layout,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<PromoteForm>,
) -> Result<Response, PageError> {
    let (answer, question) = promotable(&state, &user, &id).await?;
    let input = PromoteInput {
        category: form.category.clone(),
        title: Some(form.title.clone()),
    };
    match state.app.promote_answer(&user, answer.id, input).await {
        Ok(a) => Ok(Redirect::to(&article_url(a.id, &a.title)).into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => {
            let p = Problem::from(e);
            let status = p.status;
            let page = promote_page(
                &state,
                l,
                answer,
                question,
                form.category,
                form.title,
                Some(p),
            )
            .await?;
            Ok((status, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
