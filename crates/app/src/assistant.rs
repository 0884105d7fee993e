//! The assistant: for a problem described in words, the passages of the community's answers
//! and articles that answer it, each with its source, or a plain "we don't know" and the way
//! to a person. Candidates come from the similar-question search; passages are ranked by
//! [`stoa_domain::assistant`]'s model (docs/assistant.md).

use crate::{App, AppError};
use stoa_domain::assistant::{features, text_traits, Passage, TermVector, DEFAULT_MODEL};
use stoa_domain::post::slug;
use stoa_domain::post_kind::PostKind;

/// Candidate questions and articles read.
const CANDIDATES: usize = 10;
/// Passages shown at most.
pub const MAX_ITEMS: usize = 3;
/// A passage is shown when the model gives it at least this probability of answering.
const SHOW_MIN: f64 = 0.25;
/// The best passage must reach this for the problem to count as answered.
const ANSWERED_MIN: f64 = 0.4;
/// Longest problem description read, in characters.
pub const MAX_TEXT: usize = 5_000;
/// Characters of a passage shown.
const PASSAGE_CHARS: usize = 320;
/// Weight of a word whose document frequency is not at hand (a typical idf).
const DEFAULT_IDF: f64 = 3.0;

/// One passage offered.
#[derive(Debug, Clone, PartialEq)]
pub struct AssistantItem {
    /// The answer or article.
    pub post_id: i64,
    /// The question it answers, or the article itself (what a self-service session counts).
    pub source_id: i64,
    /// Where to read it whole.
    pub url: String,
    /// The question it answers (or the article's title).
    pub title: String,
    /// The passage: the part of it that matches the problem best, as plain text.
    pub passage: String,
    /// The model's probability that it answers the problem.
    pub score: f64,
}

/// What the assistant found.
#[derive(Debug, Clone, PartialEq)]
pub struct AssistantAnswer {
    /// Best first, at most [`MAX_ITEMS`].
    pub items: Vec<AssistantItem>,
    /// Whether the best passage is likely to answer the problem.
    pub answered: bool,
}

/// An answer an operator's language model wrote from the passages, kept because it cites
/// only passages it was given (`stoa_domain::written_answer`).
#[derive(Debug, Clone, PartialEq)]
pub struct WrittenAnswer {
    /// The text, with `[n]` citations of the items (1-based).
    pub text: String,
    /// The items it cites (0-based indexes into the answer's items), in order of citation.
    pub cites: Vec<usize>,
}

/// The future an [`AnswerWriter`] returns.
pub type WriteFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, String>> + Send>>;

/// Writes one fluent answer from chat messages (`(role, content)`): an operator's language
/// model behind an OpenAI-compatible API. Set with [`App::set_answer_writer`]; the binary
/// provides it, so that this layer does no HTTP.
pub trait AnswerWriter: Send + Sync {
    /// The model's reply, or why there is none.
    fn write(&self, messages: Vec<(&'static str, String)>) -> WriteFuture;
}

/// A candidate before scoring.
struct Candidate {
    item: AssistantItem,
    passage: Passage,
}

impl App {
    /// The passages for a problem and, when the site has a language model and a passage
    /// answers it, one answer written from them, kept only if its citations hold.
    pub async fn assistant_with_answer(
        &self,
        text: &str,
        tags: &[String],
        ip: &str,
    ) -> Result<(AssistantAnswer, Option<WrittenAnswer>), AppError> {
        let found = self.assistant(text, tags, ip).await?;
        // Only when a passage likely answers it: the model is the operator's, and slow.
        if !found.answered || found.items.is_empty() {
            return Ok((found, None));
        }
        let Some((writer, slots)) = self.answer_writer() else {
            return Ok((found, None));
        };
        // A few answers at a time; beyond that the passages are shown alone at once.
        let Ok(_slot) = slots.try_acquire() else {
            tracing::info!("language model busy; passages shown");
            return Ok((found, None));
        };
        let passages: Vec<(String, String)> = found
            .items
            .iter()
            .map(|i| (i.title.clone(), i.passage.clone()))
            .collect();
        let messages = stoa_domain::written_answer::prompt(text, &passages);
        let written = match writer.write(messages).await {
            Ok(reply) => {
                match stoa_domain::written_answer::check_citations(&reply, passages.len()) {
                    Ok(cited) => Some(WrittenAnswer {
                        text: reply.trim().to_string(),
                        cites: cited.into_iter().map(|n| n - 1).collect(),
                    }),
                    Err(why) => {
                        tracing::info!(reason = %why, "written answer discarded");
                        None
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "language model unavailable; passages shown");
                None
            }
        };
        Ok((found, written))
    }

    /// Passages that answer `text`, from accepted and good answers and articles; `tags` narrow
    /// the candidate questions when some share them.
    #[tracing::instrument(skip_all, fields(text.len = text.len()))]
    pub async fn assistant(
        &self,
        text: &str,
        tags: &[String],
        ip: &str,
    ) -> Result<AssistantAnswer, AppError> {
        if !ip.is_empty() {
            // Free to anyone, like search, but each question costs a search: bounded per address.
            self.check_and_hit(
                &format!("assistant:ip:{ip}"),
                self.settings().limits.assistant_per_ip,
            )
            .await?;
        }
        let text = text.trim();
        if text.chars().filter(|c| c.is_alphanumeric()).count() < 3 {
            return Err(AppError::invalid(
                "invalid_text",
                "text",
                "Describe the problem in a few words.",
            ));
        }
        if text.chars().count() > MAX_TEXT {
            return Err(AppError::invalid(
                "invalid_text",
                "text",
                format!("Describe the problem in at most {MAX_TEXT} characters."),
            ));
        }
        let mut hits = self.similar(text, "", CANDIDATES).await?;
        if !tags.is_empty() {
            let tagged: Vec<_> = hits
                .iter()
                .filter(|h| h.tags.iter().any(|t| tags.contains(t)))
                .cloned()
                .collect();
            if !tagged.is_empty() {
                hits = tagged;
            }
        }
        let best = hits.iter().map(|h| h.relevance).fold(0.0, f64::max);
        if hits.is_empty() || best <= 0.0 {
            return Ok(AssistantAnswer {
                items: Vec::new(),
                answered: false,
            });
        }
        let question_ids: Vec<i64> = hits
            .iter()
            .filter(|h| h.kind == PostKind::Question)
            .map(|h| h.post_id)
            .collect();
        let answers = self.store().live_answers_of(&question_ids).await?;
        let mut authors: Vec<i64> = answers.iter().map(|a| a.author_id).collect();
        authors.sort_unstable();
        authors.dedup();
        let counts = self.store().answer_counts(&authors).await?;
        let query_terms: Vec<String> = stoa_domain::search::analyze(text);
        let idf = self.idf_of(&query_terms).await?;
        let weight = |t: &str| idf.get(t).copied().unwrap_or(DEFAULT_IDF);
        let new_vec = TermVector::new(text, weight);
        let mut candidates = Vec::new();
        for (rank, hit) in hits.iter().enumerate() {
            let own_vec = TermVector::new(&hit.title, weight);
            let question_similarity = hit.relevance / best;
            if hit.kind == PostKind::Article {
                let plain = stoa_markdown::plain_text(&hit.snippet_html);
                candidates.push(Candidate {
                    item: AssistantItem {
                        post_id: hit.post_id,
                        source_id: hit.post_id,
                        url: format!("/kb/articles/{}/{}", hit.post_id, slug(&hit.title)),
                        title: hit.title.clone(),
                        passage: passage_of(&plain, &query_terms),
                        score: 0.0,
                    },
                    passage: Passage {
                        question_similarity,
                        question_rank: rank + 1,
                        position: 1,
                        overlap_new: TermVector::new(&plain, weight).cosine(&new_vec),
                        overlap_own: 1.0,
                        words: plain.split_whitespace().count(),
                        accepted: true,
                        votes: hit.votes,
                        ..Passage::default()
                    },
                });
                continue;
            }
            let mut thread: Vec<_> = answers
                .iter()
                .filter(|a| a.question_id == hit.post_id)
                .collect();
            // The order a reader sees: accepted first, then by votes, then oldest.
            thread.sort_by(|a, b| {
                b.accepted
                    .cmp(&a.accepted)
                    .then(b.score.cmp(&a.score))
                    .then(a.created_at.cmp(&b.created_at))
            });
            for (position, a) in thread.iter().enumerate() {
                let plain = stoa_markdown::plain_text(&a.body_html);
                let vec = TermVector::new(&plain, weight);
                let (asks, thanks, concrete) = text_traits(&plain);
                candidates.push(Candidate {
                    item: AssistantItem {
                        post_id: a.id,
                        source_id: hit.post_id,
                        url: format!(
                            "/questions/{}/{}#answer-{}",
                            hit.post_id,
                            slug(&hit.title),
                            a.id
                        ),
                        title: hit.title.clone(),
                        passage: passage_of(&plain, &query_terms),
                        score: 0.0,
                    },
                    passage: Passage {
                        question_similarity,
                        question_rank: rank + 1,
                        position: position + 1,
                        overlap_new: vec.cosine(&new_vec),
                        overlap_own: vec.cosine(&own_vec),
                        words: plain.split_whitespace().count(),
                        by_asker: a.by_asker,
                        asks,
                        thanks,
                        concrete,
                        author_passages: counts.get(&a.author_id).copied().unwrap_or(0).max(0)
                            as usize,
                        accepted: a.accepted,
                        votes: a.score,
                    },
                });
            }
        }
        for c in &mut candidates {
            c.item.score = DEFAULT_MODEL.probability(&features(&c.passage));
        }
        candidates.sort_by(|a, b| b.item.score.total_cmp(&a.item.score));
        let items: Vec<AssistantItem> = candidates
            .into_iter()
            .map(|c| c.item)
            .filter(|i| i.score >= SHOW_MIN)
            .take(MAX_ITEMS)
            .collect();
        let answered = items.first().is_some_and(|i| i.score >= ANSWERED_MIN);
        Ok(AssistantAnswer { items, answered })
    }
}

/// The part of a passage to show: the window that matches the problem best, or its start.
fn passage_of(plain: &str, terms: &[String]) -> String {
    // The snippet is HTML (escaped, matches in <mark>); the passage is plain text.
    let s = stoa_markdown::plain_text(&stoa_domain::search::snippet(plain, terms, PASSAGE_CHARS));
    if s.trim().is_empty() {
        plain.chars().take(PASSAGE_CHARS).collect()
    } else {
        s
    }
}
