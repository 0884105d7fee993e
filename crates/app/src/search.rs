//! Search and similar-question suggestions: candidates from the database's full-text index,
//! final ranking by `stoa_domain::search`, so both backends rank alike.

use crate::{App, AppError};
use std::collections::HashMap;
use stoa_domain::post::TagName;
use stoa_domain::post_kind::PostKind;
use stoa_domain::search::{
    best_correction, contains_phrase, correction_prefix, parse_query, rank_score, search_text,
    similarity, similarity_text, snippet, Bm25, CorpusStats, DocTerms, Fields, KindFilter,
    ParsedQuery, QueryError, RankSignals, SimilarQuery,
};
use stoa_store::search::{CandidateOrder, SearchDoc};

/// Most candidates taken from the index (in its own rough order) per search: enough for any
/// real result list, and a bound on the work of re-ranking.
const CANDIDATES: i64 = 200;
/// Most candidates re-ranked for "similar questions", which shows a handful.
const SIMILAR_CANDIDATES: i64 = 100;
/// Draft terms (the most telling: weight times idf) that choose the similar candidates; all
/// [`SIMILAR_TERMS`] still score them.
const SIMILAR_CANDIDATE_TERMS: usize = 12;
/// Document frequencies are counted up to this: a term in this many documents tells little,
/// and counting further costs time.
const DF_CAP: i64 = 20_000;
/// A term in fewer documents than this is informative: candidates come from such terms, so the
/// database ranks a small set.
const INFORMATIVE_DF: u64 = 1_000;
/// When every term is common and even the rarest is in this many documents, the database's
/// own ranking would score every one of them (tens of milliseconds for a single word such as
/// "beer" at 100,000 questions); the candidates are then the newest matches, which Stoa's
/// ranking orders as usual.
const BROAD_DF: u64 = 5_000;
/// How long a counted document frequency is reused; frequencies drift slowly.
const DF_TTL_SECS: i64 = 60;
/// Most cached frequencies before the cache starts over (bounds memory).
const DF_CACHE_MAX: usize = 50_000;

/// Recently counted document frequencies, shared by the requests of this process.
#[derive(Debug, Default)]
pub(crate) struct DocFreqCache {
    entries: std::sync::Mutex<HashMap<String, (u64, i64)>>,
    /// The number of searchable documents and when it was counted.
    doc_count: std::sync::Mutex<Option<(u64, i64)>>,
}
/// Longest snippet shown, in characters.
const SNIPPET_CHARS: usize = 220;
/// Draft terms used to find similar posts: the most weighted ones carry the meaning.
const SIMILAR_TERMS: usize = 32;
/// Below this text similarity a suggestion is noise.
const SIMILAR_MIN: f64 = 0.08;
/// Documents sampled for the vocabulary of one misspelt term.
const TYPO_DOCS: i64 = 200;

/// One search result.
#[derive(Debug, Clone)]
pub struct SearchHit {
    /// The question or article.
    pub post_id: i64,
    /// Question or article.
    pub kind: PostKind,
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
    /// When nothing matched as typed and misspelt words were corrected: the corrected terms.
    pub corrected: Option<Vec<String>>,
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
                corrected: None,
            });
        }
        let (mut hits, mut total) = self.search_parsed(&parsed, limit, offset).await?;
        let mut corrected = None;
        if total == 0 && !parsed.terms.is_empty() {
            if let Some(terms) = self.correct_terms(&parsed.terms).await? {
                let mut fixed = parsed.clone();
                fixed.terms = terms.clone();
                (hits, total) = self.search_parsed(&fixed, limit, offset).await?;
                if total > 0 {
                    corrected = Some(terms);
                }
            }
        }
        if total == 0 && !parsed.terms.is_empty() && offset == 0 {
            // Failed searches feed the support report's content gaps; the search answers anyway.
            let text: String = q.trim().chars().take(200).collect();
            if let Err(e) = self
                .store()
                .record_search_miss(&text, stoa_store::now())
                .await
            {
                tracing::warn!(error = %e, "could not record a failed search");
            }
        }
        Ok(SearchResults {
            hits,
            total,
            query: parsed,
            corrected,
        })
    }

    async fn search_parsed(
        &self,
        parsed: &ParsedQuery,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<SearchHit>, i64), AppError> {
        let terms = parsed.all_terms();
        let df = self.doc_freqs(&terms).await?;
        let ids = if parsed.has_text() {
            self.candidates(&terms, &df, CANDIDATES).await?
        } else {
            self.store().filtered_docs(&parsed.tags, CANDIDATES).await?
        };
        let mut docs: Vec<SearchDoc> = self
            .store()
            .search_docs(&ids)
            .await?
            .into_iter()
            .filter(|d| passes_filters(parsed, d))
            .collect();
        // Phrases need the text itself, so only queries with phrases read every candidate's.
        let mut bodies = HashMap::new();
        if !parsed.phrases.is_empty() {
            let ids: Vec<i64> = docs.iter().map(|d| d.post_id).collect();
            bodies = self.store().search_bodies(&ids).await?;
            docs.retain(|d| {
                let body = bodies.get(&d.post_id).map_or("", String::as_str);
                let text = format!("{} {}", d.title, body);
                parsed.phrases.iter().all(|p| contains_phrase(&text, p))
            });
        }
        let query: Vec<&str> = terms.iter().map(String::as_str).collect();
        let ranked = self
            .rank(
                &docs,
                &query,
                &df,
                |doc_terms, stats, df| {
                    if parsed.has_text() {
                        search_text(parsed, doc_terms, stats, df)
                    } else {
                        1.0
                    }
                },
                rank_score,
            )
            .await?;
        let total = ranked.len() as i64;
        let page: Vec<(&SearchDoc, f64)> = ranked
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .collect();
        let hits = self.hits(page, bodies, &terms).await?;
        Ok((hits, total))
    }

    /// Turns ranked documents into hits, reading the bodies not read yet (for snippets).
    async fn hits(
        &self,
        page: Vec<(&SearchDoc, f64)>,
        mut bodies: HashMap<i64, String>,
        terms: &[String],
    ) -> Result<Vec<SearchHit>, AppError> {
        let missing: Vec<i64> = page
            .iter()
            .map(|(d, _)| d.post_id)
            .filter(|id| !bodies.contains_key(id))
            .collect();
        bodies.extend(self.store().search_bodies(&missing).await?);
        Ok(page
            .into_iter()
            .map(|(doc, relevance)| {
                let body = bodies.get(&doc.post_id).map_or("", String::as_str);
                hit(doc, body, relevance, terms)
            })
            .collect())
    }

    /// Replaces each term that no document holds with the closest indexed term, if one is
    /// close; `None` when nothing changed.
    async fn correct_terms(&self, terms: &[String]) -> Result<Option<Vec<String>>, AppError> {
        let df = self.store().term_doc_counts(terms, 1).await?;
        let mut out = Vec::with_capacity(terms.len());
        let mut changed = false;
        for t in terms {
            let known = df.get(t).copied().unwrap_or(0) > 0;
            let fix = match (known, correction_prefix(t)) {
                (false, Some(prefix)) => {
                    let vocab = self.store().terms_with_prefix(&prefix, TYPO_DOCS).await?;
                    best_correction(t, vocab.iter().map(|(k, v)| (k.as_str(), *v)))
                }
                _ => None,
            };
            changed |= fix.is_some();
            out.push(fix.unwrap_or_else(|| t.clone()));
        }
        Ok(changed.then_some(out))
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
        // A long draft's heaviest words carry its meaning; the rest cost time and add noise.
        let q = q.top(SIMILAR_TERMS);
        let weighted = q.terms();
        let terms: Vec<String> = weighted.iter().map(|(t, _)| t.clone()).collect();
        let df = self.doc_freqs(&terms).await?;
        // The draft's most telling words choose the candidates; every word scores them.
        let doc_count = self.doc_count().await?;
        let mut telling: Vec<(&String, f64)> = weighted
            .iter()
            .map(|(t, w)| {
                let idf = Bm25::idf(doc_count, df.get(t).copied().unwrap_or(1));
                (t, w * idf)
            })
            .collect();
        telling.sort_by(|a, b| b.1.total_cmp(&a.1));
        let chosen: Vec<String> = telling
            .into_iter()
            .take(SIMILAR_CANDIDATE_TERMS)
            .map(|(t, _)| t.clone())
            .collect();
        let ids = self.candidates(&chosen, &df, SIMILAR_CANDIDATES).await?;
        let docs = self.store().search_docs(&ids).await?;
        let query: Vec<&str> = q.terms().iter().map(|(t, _)| t.as_str()).collect();
        let ranked = self
            .rank(
                &docs,
                &query,
                &df,
                |doc_terms, stats, df| similarity_text(&q, doc_terms, stats, df),
                similarity,
            )
            .await?;
        let page: Vec<(&SearchDoc, f64)> = ranked
            .into_iter()
            .filter(|(_, r)| *r >= SIMILAR_MIN)
            .take(limit)
            .collect();
        self.hits(page, HashMap::new(), &terms).await
    }

    /// The inverse document frequency of each of `terms` (cached like search's).
    pub(crate) async fn idf_of(&self, terms: &[String]) -> Result<HashMap<String, f64>, AppError> {
        let mut unique = terms.to_vec();
        unique.sort_unstable();
        unique.dedup();
        let df = self.doc_freqs(&unique).await?;
        let n = self.doc_count().await?;
        Ok(unique
            .into_iter()
            .map(|t| {
                let idf = Bm25::idf(n, df.get(&t).copied().unwrap_or(0));
                (t, idf)
            })
            .collect())
    }

    /// The number of searchable documents, counted at most once a [`DF_TTL_SECS`].
    async fn doc_count(&self) -> Result<u64, AppError> {
        let now = stoa_store::now();
        if let Ok(cached) = self.doc_freqs.doc_count.lock() {
            if let Some((n, at)) = *cached {
                if now - at < DF_TTL_SECS {
                    return Ok(n);
                }
            }
        }
        let n = self.store().search_doc_count().await?.max(1) as u64;
        if let Ok(mut cached) = self.doc_freqs.doc_count.lock() {
            *cached = Some((n, now));
        }
        Ok(n)
    }

    /// Document frequencies of `terms`, from the cache when recent, else counted (capped).
    async fn doc_freqs(&self, terms: &[String]) -> Result<HashMap<String, u64>, AppError> {
        let now = stoa_store::now();
        let mut out = HashMap::new();
        let mut missing = Vec::new();
        if let Ok(cache) = self.doc_freqs.entries.lock() {
            for t in terms {
                match cache.get(t) {
                    Some((df, at)) if now - at < DF_TTL_SECS => {
                        out.insert(t.clone(), *df);
                    }
                    _ => missing.push(t.clone()),
                }
            }
        } else {
            missing = terms.to_vec();
        }
        if !missing.is_empty() {
            let counted = self.store().term_doc_counts(&missing, DF_CAP).await?;
            if let Ok(mut cache) = self.doc_freqs.entries.lock() {
                if cache.len() + counted.len() > DF_CACHE_MAX {
                    cache.clear();
                }
                for (t, df) in &counted {
                    cache.insert(t.clone(), (*df, now));
                }
            }
            out.extend(counted);
        }
        Ok(out)
    }

    /// Candidates from the index: documents with any informative term (one held by fewer than
    /// [`INFORMATIVE_DF`] documents), so the database ranks a small set; when every term is
    /// common, documents holding all of them (the newest, when they are too many to rank).
    async fn candidates(
        &self,
        terms: &[String],
        df: &HashMap<String, u64>,
        limit: i64,
    ) -> Result<Vec<i64>, AppError> {
        let df_of = |t: &String| df.get(t).copied().unwrap_or(0);
        let informative: Vec<String> = terms
            .iter()
            .filter(|t| df_of(t) < INFORMATIVE_DF)
            .cloned()
            .collect();
        Ok(if informative.is_empty() {
            let rarest = terms.iter().map(df_of).min().unwrap_or(0);
            let order = if rarest >= BROAD_DF {
                CandidateOrder::Newest
            } else {
                CandidateOrder::Relevance
            };
            self.store()
                .search_candidates(terms, true, order, limit)
                .await?
        } else {
            self.store()
                .search_candidates(&informative, false, CandidateOrder::Relevance, limit)
                .await?
        })
    }

    /// Scores documents with corpus statistics, text relevance and the ranking signals.
    async fn rank<'d>(
        &self,
        docs: &'d [SearchDoc],
        query: &[&str],
        df_map: &HashMap<String, u64>,
        text: impl Fn(&DocTerms, &CorpusStats, &dyn Fn(&str) -> u64) -> f64,
        combine: fn(&RankSignals) -> f64,
    ) -> Result<Vec<(&'d SearchDoc, f64)>, AppError> {
        if docs.is_empty() {
            return Ok(Vec::new());
        }
        let doc_count = self.doc_count().await?;
        let df = |t: &str| df_map.get(t).copied().unwrap_or(1);
        let analysed: Vec<DocTerms> = docs
            .iter()
            .map(|d| {
                DocTerms::for_query(
                    &d.title_terms,
                    &d.tags,
                    &d.body_terms,
                    &d.answer_terms,
                    query,
                )
            })
            .collect();
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
                    is_article: doc.kind == PostKind::Article,
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

fn passes_filters(q: &ParsedQuery, d: &SearchDoc) -> bool {
    let kind_ok = match q.kind {
        Some(KindFilter::Question) => d.kind == PostKind::Question,
        Some(KindFilter::Article) => d.kind == PostKind::Article,
        None => true,
    };
    let tags: Vec<&str> = d.tags.split_whitespace().collect();
    let tags_ok = q.tags.iter().all(|t| tags.contains(&t.as_str()));
    let accepted_ok = !q.accepted_only || d.has_accepted;
    kind_ok && tags_ok && accepted_ok
}

fn hit(doc: &SearchDoc, body_text: &str, relevance: f64, terms: &[String]) -> SearchHit {
    SearchHit {
        post_id: doc.post_id,
        kind: doc.kind,
        title: doc.title.clone(),
        title_html: snippet(&doc.title, terms, 400),
        snippet_html: snippet(body_text, terms, SNIPPET_CHARS),
        tags: doc.tags.split_whitespace().map(str::to_string).collect(),
        votes: doc.score,
        answer_count: doc.answer_count,
        has_accepted: doc.has_accepted,
        relevance,
        created_at: doc.created_at,
    }
}
