//! The knowledge base: categories, articles, promotion of answers and "was this helpful?".

use super::dto::{article_url, UserRef};
use super::{parse_id, ApiJson, ApiQuery};
use crate::auth::{ApiUser, MaybeApiUser};
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use stoa_app::{
    ArticleMeta, CategoryInput, CategoryRow, HelpfulCounts, PostRow, PromoteInput, Visitor,
};
use stoa_domain::time::format_rfc3339;
use utoipa::{IntoParams, ToSchema};

/// A knowledge-base category.
#[derive(Serialize, ToSchema)]
pub struct Category {
    /// Id.
    pub id: i64,
    /// Address: `/kb/{slug}`.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Short description.
    pub description: String,
    /// Live articles in it.
    pub article_count: i64,
}

/// Every category.
#[derive(Serialize, ToSchema)]
pub struct CategoryList {
    /// In display order.
    pub items: Vec<Category>,
}

/// A category as articles name it.
#[derive(Serialize, ToSchema)]
pub struct CategoryRef {
    /// Address.
    pub slug: String,
    /// Display name.
    pub name: String,
}

/// "Was this helpful?" counts.
#[derive(Serialize, ToSchema)]
pub struct Helpful {
    /// Answers "yes".
    pub yes: i64,
    /// Answers "no".
    pub no: i64,
}

/// An article in a list.
#[derive(Serialize, ToSchema)]
pub struct ArticleSummary {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Tags (those of the question it came from).
    pub tags: Vec<String>,
    /// Sum of votes.
    pub score: i64,
    /// Category.
    pub category: Option<CategoryRef>,
    /// Author: the author of the answer it was promoted from.
    pub author: UserRef,
    /// The answer it was promoted from.
    pub source_answer_id: Option<i64>,
    /// The question of that answer.
    pub source_question_id: Option<i64>,
    /// "Was this helpful?" counts.
    pub helpful: Helpful,
    /// Creation time.
    pub created_at: String,
    /// Last activity.
    pub last_activity_at: String,
    /// Canonical page.
    pub url: String,
}

/// A page of articles.
#[derive(Serialize, ToSchema)]
pub struct ArticleList {
    /// This page, most recently active first.
    pub items: Vec<ArticleSummary>,
    /// All matching.
    pub total: i64,
}

/// An article.
#[derive(Serialize, ToSchema)]
pub struct Article {
    /// What a list shows.
    #[serde(flatten)]
    pub summary: ArticleSummary,
    /// Markdown source.
    pub body: String,
    /// Sanitised HTML.
    pub body_html: String,
    /// Who promoted it.
    pub promoted_by: Option<UserRef>,
    /// Revisions (1 = never edited).
    pub revision_count: i64,
    /// Last edit time.
    pub last_edited_at: Option<String>,
}

/// Filters of the article list.
#[derive(Deserialize, IntoParams)]
pub struct ArticleParams {
    /// Only articles of this category (its slug).
    pub category: Option<String>,
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Items per page, 1–100 (default 30).
    pub per_page: Option<i64>,
}

/// A new category.
#[derive(Deserialize, ToSchema)]
pub struct NewCategory {
    /// 2–60 characters.
    pub name: String,
    /// Lower-case letters, digits and dashes; made from the name when absent.
    pub slug: Option<String>,
    /// Up to 300 characters.
    pub description: Option<String>,
}

/// A promotion.
#[derive(Deserialize, ToSchema)]
pub struct PromoteBody {
    /// The category's slug.
    pub category: String,
    /// The article's title; the question's title when absent.
    pub title: Option<String>,
}

/// "Was this helpful?"
#[derive(Deserialize, ToSchema)]
pub struct FeedbackBody {
    /// Yes or no.
    pub helpful: bool,
    /// What could be better, up to 1,000 characters; read by staff only.
    pub comment: Option<String>,
}

impl From<&CategoryRow> for Category {
    fn from(c: &CategoryRow) -> Self {
        Category {
            id: c.id,
            slug: c.slug.clone(),
            name: c.name.clone(),
            description: c.description.clone(),
            article_count: c.article_count,
        }
    }
}

impl From<HelpfulCounts> for Helpful {
    fn from(h: HelpfulCounts) -> Self {
        Helpful {
            yes: h.yes,
            no: h.no,
        }
    }
}

fn summary(p: &PostRow, meta: &ArticleMeta, helpful: HelpfulCounts) -> ArticleSummary {
    ArticleSummary {
        id: p.id,
        title: p.title.clone(),
        tags: stoa_domain::post::TagSet::split_stored(&p.tags),
        score: p.score,
        category: meta.category.as_ref().map(|c| CategoryRef {
            slug: c.slug.clone(),
            name: c.name.clone(),
        }),
        author: UserRef {
            id: p.author_id,
            username: p.author_name.clone(),
        },
        source_answer_id: meta.source_post_id,
        source_question_id: meta.source_question_id,
        helpful: helpful.into(),
        created_at: format_rfc3339(p.created_at),
        last_activity_at: format_rfc3339(p.last_activity_at),
        url: article_url(p.id, &p.title),
    }
}

async fn article(
    state: &AppState,
    user: Option<&stoa_app::AuthUser>,
    id: i64,
) -> Result<Article, ApiError> {
    let v = state.app.article_view(user, None, id).await?;
    let p = &v.article;
    Ok(Article {
        summary: summary(p, &v.meta, v.helpful),
        body: p.body_md.clone(),
        body_html: p.body_html.clone(),
        promoted_by: v.meta.promoted_by.as_ref().map(|(id, name)| UserRef {
            id: *id,
            username: name.clone(),
        }),
        revision_count: p.revision_count,
        last_edited_at: p.last_edited_at.map(format_rfc3339),
    })
}

/// Knowledge-base categories.
#[utoipa::path(get, path = "/api/v1/categories", tag = "knowledge-base",
    responses((status = 200, body = CategoryList)))]
pub async fn categories(State(state): State<AppState>) -> Result<Json<CategoryList>, ApiError> {
    let rows = state.app.categories().await?;
    Ok(Json(CategoryList {
        items: rows.iter().map(Category::from).collect(),
    }))
}

/// Creates a category (staff).
#[utoipa::path(post, path = "/api/v1/categories", tag = "knowledge-base", request_body = NewCategory,
    security(("bearer" = [])),
    responses((status = 201, body = Category), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The slug is taken"), (status = 422, body = ErrorBody)))]
pub async fn create_category(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<NewCategory>,
) -> Result<(StatusCode, Json<Category>), ApiError> {
    let c = state
        .app
        .create_category(
            &user,
            CategoryInput {
                name: body.name,
                slug: body.slug,
                description: body.description,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(Category::from(&c))))
}

/// Lists articles.
#[utoipa::path(get, path = "/api/v1/articles", tag = "knowledge-base", params(ArticleParams),
    responses((status = 200, body = ArticleList), (status = 404, body = ErrorBody, description = "Unknown category"),
        (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<ArticleParams>,
) -> Result<Json<ArticleList>, ApiError> {
    let page = state
        .app
        .list_articles(p.category.as_deref(), p.page, p.per_page)
        .await?;
    Ok(Json(ArticleList {
        items: page
            .items
            .iter()
            .map(|a| summary(&a.article, &a.meta, a.helpful))
            .collect(),
        total: page.total,
    }))
}

/// An article.
#[utoipa::path(get, path = "/api/v1/articles/{id}", tag = "knowledge-base",
    params(("id" = i64, Path, description = "Article id")),
    responses((status = 200, body = Article), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    MaybeApiUser(user): MaybeApiUser,
    Path(id): Path<String>,
) -> Result<Json<Article>, ApiError> {
    let id = parse_id(&id)?;
    Ok(Json(article(&state, user.as_ref(), id).await?))
}

/// Promotes an answer to an article (trusted members and staff). The article keeps the
/// answer's author and links back to it.
#[utoipa::path(post, path = "/api/v1/posts/{id}/promote", tag = "knowledge-base", request_body = PromoteBody,
    params(("id" = i64, Path, description = "Answer id")), security(("bearer" = [])),
    responses((status = 201, body = Article), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "Already promoted"),
        (status = 422, body = ErrorBody)))]
pub async fn promote(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PromoteBody>,
) -> Result<(StatusCode, Json<Article>), ApiError> {
    let id = parse_id(&id)?;
    let a = state
        .app
        .promote_answer(
            &user,
            id,
            PromoteInput {
                category: body.category,
                title: body.title,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(article(&state, Some(&user), a.id).await?),
    ))
}

/// Answers "was this helpful?" for an article (again to change the answer).
#[utoipa::path(post, path = "/api/v1/articles/{id}/feedback", tag = "knowledge-base", request_body = FeedbackBody,
    params(("id" = i64, Path, description = "Article id")), security(("bearer" = [])),
    responses((status = 200, body = Helpful), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn feedback(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    crate::auth::ClientIp(ip): crate::auth::ClientIp,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<FeedbackBody>,
) -> Result<Json<Helpful>, ApiError> {
    let id = parse_id(&id)?;
    let counts = state
        .app
        .article_feedback(
            &Visitor::user(&user),
            id,
            body.helpful,
            body.comment.as_deref(),
            &ip,
        )
        .await?;
    Ok(Json(counts.into()))
}
