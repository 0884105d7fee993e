//! Search and similar-question suggestions: candidates from the database's full-text index,
//! final ranking by `stoa_domain::search`, so both backends rank alike.

use crate::{App, AppError};
use std::collections::HashMap;
use stoa_domain::post::TagName;
use stoa_domain::search::{
    contains_phrase, parse_query, rank_score, search_text, similarity, similarity_text, snippet,
    CorpusStats, DocTerms, Fields, KindFilter, ParsedQuery, QueryError, RankSignals, SimilarQuery,
};
use stoa_store::search::SearchDoc;

/// Most candidates taken from the index per query: enough for any real result list, and a
/// bound on the work of re-ranking.
const CANDIDATES: i64 = 400;
/// Document frequencies are counted up to this; rarer terms are the informative ones.
const DF_CAP: i64 = 5_000;
/// Longest snippet shown, in characters.
const SNIPPET_CHARS: usize = 220;
/// Draft terms used to find similar posts: the most weighted ones carry the meaning.
const SIMILAR_TERMS: usize = 48;
/// Below this text similarity a suggestion is noise.
const SIMILAR_MIN: f64 = 0.08;

/// One search result.
#[derive(Debug, Clone)]
pub struct SearchHit {
    /// The question or article.
    pub post_id: i64,
    /// `question` or `article`.
    pub kind: String,
    /// Title as written.
    pub title: String,
    /// Title, escaped, with matched words in `<mark>`.
    pub title_html: String,
    /// A passage of the body, escaped, with matched words in `<mark>`.
    pub snippet_html: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Votes.
    pub votes: i64,
    /// Live answers.
    pub answer_count: i64,
    /// Whether an answer is accepted.
    pub has_accepted: bool,
    /// Relevance used for ordering.
    pub relevance: f64,
    /// Creation time.
    pub created_at: i64,
}

/// A page of results.
#[derive(Debug, Clone)]
pub struct SearchResults {
    /// This page.
    pub hits: Vec<SearchHit>,
    /// All matches (up to the candidate bound).
    pub total: i64,
    /// How the query was understood.
    pub query: ParsedQuery,
}

impl App {
    /// Searches questions and articles. An empty or punctuation-only query finds nothing
    /// (without error); filters alone (`[tag]`, `is:article`) list what matches them.
    #[tracing::instrument(skip_all, fields(q.len = q.len()))]
    pub async fn search(
        &self,
        q: &str,
        tag: Option<&str>,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> Result<SearchResults, AppError> {
        let (limit, offset) = crate::paging(page, per_page, 20)?;
        let mut parsed = parse_query(q).map_err(|e| match e {
            QueryError::TooLong { .. } => AppError::invalid("query_too_long", "q", e.to_string()),
        })?;
        if let Some(t) = tag.map(str::trim).filter(|t| !t.is_empty()) {
            let name = TagName::parse(t)?;
            if !parsed.tags.iter().any(|x| x == name.as_str()) {
                parsed.tags.push(name.as_str().to_string());
            }
        }
        if parsed.is_empty() {
            return Ok(SearchResults {
                hits: Vec::new(),
                total: 0,
                query: parsed,
            });
        }
        let terms = parsed.all_terms();
        let ids = if parsed.has_text() {
            self.store().search_candidates(&terms, CANDIDATES).await?
        } else {
            self.store().filtered_docs(&parsed.tags, CANDIDATES).await?
        };
        let docs: Vec<SearchDoc> = self
            .store()
            .search_docs(&ids)
            .await?
            .into_iter()
            .filter(|d| passes_filters(&parsed, d))
            .collect();
        let ranked = self
            .rank(
                &docs,
                &terms,
                |doc_terms, stats, df| {
                    if parsed.has_text() {
                        search_text(&parsed, doc_terms, stats, df)
                    } else {
                        1.0
                    }
                },
                rank_score,
            )
            .await?;
        let total = ranked.len() as i64;
        let hits = ranked
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .map(|(doc, relevance)| hit(doc, relevance, &terms))
            .collect();
        Ok(SearchResults {
            hits,
            total,
            query: parsed,
        })
    }

    /// Questions and articles similar to a draft title and body, best first, at most `limit`.
    #[tracing::instrument(skip_all)]
    pub async fn similar(
        &self,
        title: &str,
        body: &str,
        limit: usize,
    ) -> Result<Vec<SearchHit>, AppError> {
        let title: String = title.chars().take(300).collect();
        let body: String = body.chars().take(5_000).collect();
        let q = SimilarQuery::new(&title, &body);
        if q.is_empty() {
            return Ok(Vec::new());
        }
        let mut weighted: Vec<(String, f64)> = q.terms().to_vec();
        weighted.sort_by(|a, b| b.1.total_cmp(&a.1));
        let terms: Vec<String> = weighted
            .into_iter()
            .take(SIMILAR_TERMS)
            .map(|(t, _)| t)
            .collect();
        let ids = self
            .store()
            .search_candidates(&terms, CANDIDATES / 2)
            .await?;
        let docs = self.store().search_docs(&ids).await?;
        let ranked = self
            .rank(
                &docs,
                &terms,
                |doc_terms, stats, df| similarity_text(&q, doc_terms, stats, df),
                similarity,
            )
            .await?;
        let all_terms: Vec<String> = q.terms().iter().map(|(t, _)| t.clone()).collect();
        Ok(ranked
            .into_iter()
            .filter(|(_, r)| *r >= SIMILAR_MIN)
            .take(limit)
            .map(|(doc, relevance)| hit(doc, relevance, &all_terms))
            .collect())
    }

    /// Scores documents with corpus statistics, text relevance and the ranking signals.
    async fn rank<'d>(
        &self,
        docs: &'d [SearchDoc],
        terms: &[String],
        text: impl Fn(&DocTerms, &CorpusStats, &dyn Fn(&str) -> u64) -> f64,
        combine: fn(&RankSignals) -> f64,
    ) -> Result<Vec<(&'d SearchDoc, f64)>, AppError> {
        if docs.is_empty() {
            return Ok(Vec::new());
        }
        let doc_count = self.store().search_doc_count().await?.max(1) as u64;
        let df_map: HashMap<String, u64> = self.store().term_doc_counts(terms, DF_CAP).await?;
        let df = |t: &str| df_map.get(t).copied().unwrap_or(1);
        let analysed: Vec<DocTerms> = docs.iter().map(doc_terms).collect();
        let n = analysed.len() as f64;
        let mut sum = Fields {
            title: 0.0,
            body: 0.0,
            answers: 0.0,
        };
        for d in &analysed {
            let l = d.len();
            sum.title += f64::from(l.title);
            sum.body += f64::from(l.body);
            sum.answers += f64::from(l.answers);
        }
        // Lengths are averaged over the candidates: a stable stand-in for the collection's
        // averages that needs no extra bookkeeping on every write.
        let stats = CorpusStats {
            doc_count,
            avg_len: Fields {
                title: sum.title / n,
                body: sum.body / n,
                answers: sum.answers / n,
            },
        };
        let now = stoa_store::now();
        let mut out: Vec<(&SearchDoc, f64)> = docs
            .iter()
            .zip(&analysed)
            .map(|(doc, terms)| {
                let signals = RankSignals {
                    text: text(terms, &stats, &df),
                    score: doc.score,
                    has_accepted: doc.has_accepted,
                    is_article: doc.kind == "article",
                    age_days: (now - doc.created_at) as f64 / 86_400.0,
                    answer_count: doc.answer_count,
                };
                (doc, combine(&signals))
            })
            .filter(|(_, r)| *r > 0.0)
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.post_id.cmp(&a.0.post_id)));
        Ok(out)
    }
}

fn doc_terms(d: &SearchDoc) -> DocTerms {
    // Tags are part of what a post is about, so they count with the title.
    let mut title = d.title_terms.clone();
    title.extend(d.tags.split_whitespace().map(str::to_string));
    DocTerms::from_terms(&title, &d.body_terms, &d.answer_terms)
}

fn passes_filters(q: &ParsedQuery, d: &SearchDoc) -> bool {
    let kind_ok = match q.kind {
        Some(KindFilter::Question) => d.kind == "question",
        Some(KindFilter::Article) => d.kind == "article",
        None => true,
    };
    let tags: Vec<&str> = d.tags.split_whitespace().collect();
    let tags_ok = q.tags.iter().all(|t| tags.contains(&t.as_str()));
    let accepted_ok = !q.accepted_only || d.has_accepted;
    let phrases_ok = q.phrases.is_empty() || {
        let text = format!("{} {}", d.title, d.body_text);
        q.phrases.iter().all(|p| contains_phrase(&text, p))
    };
    kind_ok && tags_ok && accepted_ok && phrases_ok
}

fn hit(doc: &SearchDoc, relevance: f64, terms: &[String]) -> SearchHit {
    SearchHit {
        post_id: doc.post_id,
        kind: doc.kind.clone(),
        title: doc.title.clone(),
        title_html: snippet(&doc.title, terms, 400),
        snippet_html: snippet(&doc.body_text, terms, SNIPPET_CHARS),
        tags: doc.tags.split_whitespace().map(str::to_string).collect(),
        votes: doc.score,
        answer_count: doc.answer_count,
        has_accepted: doc.has_accepted,
        relevance,
        created_at: doc.created_at,
    }
}
