//! The knowledge base: categories, promoting answers to articles, reading articles and
//! "was this helpful?" feedback.

use crate::deflection::Visitor;
use crate::{paging, App, AppError, AuthUser};
use stoa_domain::kb::{CategoryDescription, CategoryName, CategorySlug, FeedbackComment, KbError};
use stoa_domain::policy::Denied;
use stoa_domain::policy::{decide, Action, Target};
use stoa_domain::post::{TagSet, Title};
use stoa_domain::post_kind::{PostKind, PostStatus};
use stoa_store::kb::{ArticleMeta, CategoryRow, FeedbackRow, HelpfulCounts, NewArticle};
use stoa_store::lists::Page;
use stoa_store::posts::PostRow;

/// Longest excerpt of an article in a list, in characters.
pub const EXCERPT_CHARS: usize = 200;

/// Comments of feedback shown to staff on an article page.
const RECENT_FEEDBACK: i64 = 20;
/// "Was this helpful?" answers from visitors without an account, per address and hour.
const ANONYMOUS_FEEDBACK: crate::Limit = crate::Limit {
    max: 10,
    window_secs: 3600,
};

impl From<KbError> for AppError {
    fn from(e: KbError) -> Self {
        AppError::Invalid {
            code: e.code(),
            field: Some(e.field()),
            message: e.to_string(),
        }
    }
}

/// A new category, unparsed.
#[derive(Debug, Clone, Default)]
pub struct CategoryInput {
    /// Display name.
    pub name: String,
    /// Address; made from the name when absent or empty.
    pub slug: Option<String>,
    /// Short description.
    pub description: Option<String>,
}

/// Promotion of an answer, unparsed.
#[derive(Debug, Clone, Default)]
pub struct PromoteInput {
    /// The category's slug.
    pub category: String,
    /// The article's title; the question's title when absent or empty.
    pub title: Option<String>,
}

/// An article with what its page shows.
#[derive(Debug, Clone)]
pub struct ArticleView {
    /// The article.
    pub article: PostRow,
    /// Category and origin.
    pub meta: ArticleMeta,
    /// "Was this helpful?" counts.
    pub helpful: HelpfulCounts,
    /// This visitor's answer, if they gave one: (helpful, comment).
    pub mine: Option<(bool, String)>,
    /// Latest comments; filled for staff only.
    pub feedback: Vec<FeedbackRow>,
    /// Whether the viewer may see the counts and comments of feedback.
    pub staff: bool,
}

/// An article in a list.
#[derive(Debug, Clone)]
pub struct ArticleSummary {
    /// The article.
    pub article: PostRow,
    /// The start of its text, plain, at most [`EXCERPT_CHARS`] characters.
    pub excerpt: String,
    /// Category and origin.
    pub meta: ArticleMeta,
    /// "Was this helpful?" counts.
    pub helpful: HelpfulCounts,
}

impl App {
    /// Creates a knowledge-base category (staff).
    #[tracing::instrument(skip_all, fields(user.id = user.id))]
    pub async fn create_category(
        &self,
        user: &AuthUser,
        input: CategoryInput,
    ) -> Result<CategoryRow, AppError> {
        decide(&user.actor(), Action::ManageCategories, Target::Site)?;
        let name = CategoryName::parse(&input.name)?;
        let slug = match input
            .slug
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => CategorySlug::parse(s)?,
            None => CategorySlug::from_name(&name)?,
        };
        let description = CategoryDescription::parse(input.description.as_deref())?;
        match self
            .store()
            .insert_category(slug.as_str(), name.as_str(), description.as_str())
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_conflict_on("slug") => {
                return Err(AppError::Conflict {
                    code: "category_exists",
                    message: format!(
                        "A category with the address `{}` already exists.",
                        slug.as_str()
                    ),
                })
            }
            Err(e) => return Err(e.into()),
        }
        tracing::info!(category.slug = slug.as_str(), "category created");
        self.category(slug.as_str()).await
    }

    /// Every category with its article count.
    pub async fn categories(&self) -> Result<Vec<CategoryRow>, AppError> {
        Ok(self.store().categories().await?)
    }

    /// One category by slug.
    pub async fn category(&self, slug: &str) -> Result<CategoryRow, AppError> {
        let slug = CategorySlug::parse(slug).map_err(|_| AppError::NotFound("category"))?;
        self.store()
            .category_by_slug(slug.as_str())
            .await?
            .ok_or(AppError::NotFound("category"))
    }

    /// Whether `user` may promote this answer: the rule the "Promote to article" control uses.
    pub fn may_promote(&self, user: &AuthUser, answer: &PostRow) -> bool {
        answer.kind == PostKind::Answer
            && decide(
                &user.actor(),
                Action::PromoteAnswer,
                Target::Promotable {
                    locked: answer.locked_at.is_some(),
                },
            )
            .is_ok()
    }

    /// The live article made from an answer, if any: (id, title).
    pub async fn article_of_answer(
        &self,
        answer_id: i64,
    ) -> Result<Option<(i64, String)>, AppError> {
        Ok(self.store().article_from_answer(answer_id).await?)
    }

    /// Promotes an answer to a knowledge-base article. The article keeps the answer's author
    /// (and the question's tags), links back to the answer, and starts its own history.
    #[tracing::instrument(skip_all, fields(user.id = user.id, post.id = answer_id))]
    pub async fn promote_answer(
        &self,
        user: &AuthUser,
        answer_id: i64,
        input: PromoteInput,
    ) -> Result<PostRow, AppError> {
        let answer = self.post(answer_id).await?;
        if answer.kind != PostKind::Answer {
            return Err(AppError::invalid(
                "not_an_answer",
                "id",
                "Only answers can be promoted to articles.",
            ));
        }
        decide(
            &user.actor(),
            Action::PromoteAnswer,
            Target::Promotable {
                locked: answer.locked_at.is_some(),
            },
        )?;
        let question_id = answer.parent_id.ok_or(AppError::NotFound("question"))?;
        let question = self.post(question_id).await?;
        let category = match CategorySlug::parse(&input.category) {
            Ok(slug) => self.store().category_by_slug(slug.as_str()).await?,
            Err(_) => None,
        }
        .ok_or_else(|| {
            AppError::invalid(
                "unknown_category",
                "category",
                "Choose one of the knowledge base's categories.",
            )
        })?;
        let title = match input
            .title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            Some(t) => Title::parse(t)?,
            None => Title::parse(&question.title)?,
        };
        let tags = TagSet::split_stored(&question.tags);
        let comment = format!(
            "Promoted by {} from an answer to “{}”",
            user.username, question.title
        );
        let text = stoa_markdown::plain_text(&answer.body_html);
        let inserted = self
            .store()
            .insert_article(&NewArticle {
                author_id: answer.author_id,
                promoted_by: user.id,
                category_id: category.id,
                source_post_id: answer.id,
                title: title.as_str(),
                body_md: &answer.body_md,
                body_html: &answer.body_html,
                body_text: &text,
                tags: &tags,
                comment: &comment,
                now: stoa_store::now(),
            })
            .await;
        let id = match inserted {
            Ok(id) => id,
            Err(e) if e.is_conflict_on("source_post_id") => {
                let existing = self.article_of_answer(answer.id).await?;
                return Err(AppError::Conflict {
                    code: "already_promoted",
                    message: match existing {
                        Some((_, t)) => format!("This answer is already the article “{t}”."),
                        None => "This answer is already an article.".into(),
                    },
                });
            }
            Err(e) => return Err(e.into()),
        };
        tracing::info!(article.id = id, "answer promoted to article");
        self.post(id).await
    }

    /// An article's page: the article, its category and origin, and feedback (comments for
    /// staff only). `visitor` finds the visitor's own earlier answer.
    pub async fn article_view(
        &self,
        viewer: Option<&AuthUser>,
        visitor: Option<&Visitor>,
        id: i64,
    ) -> Result<ArticleView, AppError> {
        let article = self.live_article(id).await?;
        let meta = self.article_meta(&article).await?;
        let helpful = self.helpful_of(id).await?;
        let mine = match visitor {
            Some(v) => {
                self.store()
                    .article_feedback_of(id, &v.feedback_key())
                    .await?
            }
            None => None,
        };
        let staff = viewer
            .is_some_and(|u| decide(&u.actor(), Action::SeeSelfServiceStats, Target::Site).is_ok());
        let feedback = if staff {
            self.store()
                .recent_article_feedback(id, RECENT_FEEDBACK)
                .await?
        } else {
            Vec::new()
        };
        Ok(ArticleView {
            article,
            meta,
            helpful,
            mine,
            feedback,
            staff,
        })
    }

    /// A page of articles, optionally of one category (by slug).
    pub async fn list_articles(
        &self,
        category: Option<&str>,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> Result<Page<ArticleSummary>, AppError> {
        let (limit, offset) = paging(page, per_page, 30)?;
        let category_id = match category.map(str::trim).filter(|c| !c.is_empty()) {
            Some(slug) => Some(self.category(slug).await?.id),
            None => None,
        };
        let rows = self
            .store()
            .articles_page(category_id, limit, offset)
            .await?;
        let ids: Vec<i64> = rows.items.iter().map(|p| p.id).collect();
        let mut metas = self.store().article_metas(&ids).await?;
        let counts = self.helpful_counts(&ids).await?;
        let items = rows
            .items
            .into_iter()
            .zip(counts)
            .map(|(article, helpful)| {
                let meta = take_meta(&mut metas, article.id);
                let excerpt = stoa_markdown::plain_text(&article.body_html)
                    .chars()
                    .take(EXCERPT_CHARS)
                    .collect();
                ArticleSummary {
                    excerpt,
                    article,
                    meta,
                    helpful,
                }
            })
            .collect();
        Ok(Page {
            items,
            total: rows.total,
        })
    }

    /// Records a visitor's "was this helpful?" (changing an earlier answer) and returns the
    /// counts after it.
    #[tracing::instrument(skip_all, fields(post.id = id, helpful))]
    pub async fn article_feedback(
        &self,
        visitor: &Visitor,
        id: i64,
        helpful: bool,
        comment: Option<&str>,
        ip: &str,
    ) -> Result<HelpfulCounts, AppError> {
        if visitor.suspended {
            return Err(Denied::Suspended.into());
        }
        self.live_article(id).await?;
        let comment = FeedbackComment::parse(comment)?;
        // A visitor without an account chooses their own browser key, so anonymous answers
        // are limited per address: enough for a reader, not for stuffing.
        if visitor.user_id.is_none() {
            self.check_and_hit(&format!("kb_feedback:ip:{ip}"), ANONYMOUS_FEEDBACK)
                .await?;
        }
        self.store()
            .upsert_article_feedback(
                id,
                visitor.user_id,
                &visitor.feedback_key(),
                helpful,
                comment.as_str(),
                stoa_store::now(),
            )
            .await?;
        self.helpful_of(id).await
    }

    async fn live_article(&self, id: i64) -> Result<PostRow, AppError> {
        match self.store().post(id).await? {
            Some(p)
                if p.kind == PostKind::Article
                    && p.deleted_at.is_none()
                    && p.status == PostStatus::Published =>
            {
                Ok(p)
            }
            _ => Err(AppError::NotFound("article")),
        }
    }

    async fn article_meta(&self, article: &PostRow) -> Result<ArticleMeta, AppError> {
        let mut metas = self.store().article_metas(&[article.id]).await?;
        Ok(take_meta(&mut metas, article.id))
    }

    async fn helpful_of(&self, id: i64) -> Result<HelpfulCounts, AppError> {
        let mut counts = self.helpful_counts(&[id]).await?;
        // `helpful_counts` answers one entry per id, zero when nobody gave feedback yet.
        Ok(counts.pop().unwrap_or(HelpfulCounts { yes: 0, no: 0 }))
    }

    /// Counts in the order of `ids`, zero where there is no feedback.
    async fn helpful_counts(&self, ids: &[i64]) -> Result<Vec<HelpfulCounts>, AppError> {
        let found = self.store().article_feedback_counts(ids).await?;
        Ok(ids
            .iter()
            .map(|id| {
                found
                    .iter()
                    .find(|(k, _)| k == id)
                    .map(|(_, c)| *c)
                    .unwrap_or_default()
            })
            .collect())
    }
}

/// The meta of `id`, or an empty one (a post that lost its category still has a page).
fn take_meta(metas: &mut Vec<ArticleMeta>, id: i64) -> ArticleMeta {
    match metas.iter().position(|m| m.post_id == id) {
        Some(i) => metas.swap_remove(i),
        None => ArticleMeta {
            post_id: id,
            category: None,
            source_post_id: None,
            source_question_id: None,
            source_question_title: None,
            promoted_by: None,
        },
    }
}
