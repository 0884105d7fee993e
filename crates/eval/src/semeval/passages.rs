//! `stoa eval assistant`: SemEval-2016 Task 3 subtask C. For each original question, rank the
//! 100 comments of its ten related threads so that those labelled `Good` for the *original*
//! question (`RELC_RELEVANCE2ORGQ`) come first; scored like the task's scorer (top 10 of each
//! list, every question counts, AP over the good comments found there).
//!
//! Stoa's order comes from [`stoa_domain::assistant`]: per-passage signals combined by a
//! logistic model. The model is learned by five-fold cross-validation **by original
//! question**: the comments of an original question are scored by a model that never saw
//! that question. Baselines in the same run: the engine's order (related question rank, then
//! comment order), a random order (mean of 100 seeded shuffles) and plain BM25 of the original
//! question against each comment.

use super::protocols::{tie_key, SplitMix64, StoaIndex};
use super::*;
use stoa_domain::assistant::{features, text_traits, Model, Passage, TermVector, FEATURES};
use stoa_domain::search::{analyze, Bm25};

/// Folds of the cross-validation.
pub const FOLDS: usize = 5;

/// The four orders scored on the same file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PassageReport {
    /// Stoa's passage ranking (cross-validated by original question).
    pub stoa: Metrics,
    /// Related question rank, then comment order.
    pub engine: Metrics,
    /// Random order, mean of [`RANDOM_SHUFFLES`] shuffles.
    pub random: Metrics,
    /// BM25 of the original question against each comment.
    pub bm25: Metrics,
    /// Original questions scored.
    pub questions: usize,
    /// Comments ranked.
    pub comments: usize,
    /// The model learned on the whole file (what the product would ship), by feature name.
    pub weights: Vec<(String, f64)>,
    /// That model whole (means, scales, weights, bias), for `stoa_domain::assistant`.
    #[serde(skip)]
    pub model: Option<Model>,
}

impl PassageReport {
    /// The model learned on the whole file as the fields of a Rust `Model` literal, for
    /// `stoa_domain::assistant::DEFAULT_MODEL` (`stoa eval assistant FILE --print-model`).
    pub fn model_source(&self) -> Option<String> {
        self.model.as_ref().map(|m| {
            format!(
                "mean: {:?},\nscale: {:?},\nweights: {:?},\nbias: {:?},",
                m.mean, m.scale, m.weights, m.bias
            )
        })
    }
}

/// One comment of one original question's candidate list.
struct Candidate {
    x: [f64; FEATURES],
    good: bool,
    engine_key: (u32, usize),
    bm25: f64,
    tie: u64,
}

/// Document frequencies over every question and comment of the file.
struct Idf {
    df: HashMap<String, u64>,
    docs: u64,
}

impl Idf {
    fn new(ds: &Dataset) -> Idf {
        let mut df: HashMap<String, u64> = HashMap::new();
        let mut docs = 0u64;
        let mut add = |text: &str| {
            let terms: HashSet<String> = analyze(text).into_iter().collect();
            for t in terms {
                *df.entry(t).or_default() += 1;
            }
            docs += 1;
        };
        for r in ds.site() {
            add(&format!("{} {}", r.subject, r.body));
            for c in &r.comments {
                add(&c.text);
            }
        }
        Idf { df, docs }
    }

    fn idf(&self, term: &str) -> f64 {
        Bm25::idf(self.docs, self.df.get(term).copied().unwrap_or(0))
    }
}

/// Plain BM25 (k1 1.2, b 0.75) of `query` terms against one comment.
fn bm25(query: &[String], comment: &[String], avg_len: f64, idf: &Idf) -> f64 {
    let (k1, b) = (1.2, 0.75);
    let len = comment.len() as f64;
    let unique: HashSet<&String> = query.iter().collect();
    unique
        .into_iter()
        .map(|t| {
            let tf = comment.iter().filter(|c| *c == t).count() as f64;
            if tf == 0.0 {
                0.0
            } else {
                idf.idf(t) * tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * len / avg_len.max(1.0)))
            }
        })
        .sum()
}

fn candidates(ds: &Dataset) -> Vec<Vec<Candidate>> {
    let index = StoaIndex::new(ds);
    let idf = Idf::new(ds);
    let mut by_author: HashMap<&str, usize> = HashMap::new();
    let mut total_len = 0usize;
    let mut n_comments = 0usize;
    for r in ds.site() {
        for c in &r.comments {
            if !c.user_id.is_empty() {
                *by_author.entry(c.user_id.as_str()).or_default() += 1;
            }
            total_len += analyze(&c.text).len();
            n_comments += 1;
        }
    }
    let avg_len = total_len as f64 / n_comments.max(1) as f64;
    let weight = |t: &str| idf.idf(t);
    ds.originals
        .iter()
        .map(|o| {
            let scores = index.related_scores(o);
            let best = scores.iter().copied().fold(0.0, f64::max);
            let mut order: Vec<usize> = (0..o.related.len()).collect();
            order.sort_by(|&a, &b| {
                scores[b]
                    .total_cmp(&scores[a])
                    .then(tie_key(&o.related[a].id).cmp(&tie_key(&o.related[b].id)))
            });
            let mut rank = vec![0usize; o.related.len()];
            for (k, &i) in order.iter().enumerate() {
                rank[i] = k + 1;
            }
            let question = format!("{} {}", o.subject, o.body);
            let new_vec = TermVector::new(&question, weight);
            let query_terms = analyze(&question);
            let mut list = Vec::new();
            for (i, r) in o.related.iter().enumerate() {
                let own_vec = TermVector::new(&format!("{} {}", r.subject, r.body), weight);
                for (pos, c) in r.comments.iter().enumerate() {
                    let vec = TermVector::new(&c.text, weight);
                    let (asks, thanks, concrete) = text_traits(&c.text);
                    let terms = analyze(&c.text);
                    let p = Passage {
                        question_similarity: if best > 0.0 { scores[i] / best } else { 0.0 },
                        question_rank: rank[i],
                        position: pos + 1,
                        overlap_new: vec.cosine(&new_vec),
                        overlap_own: vec.cosine(&own_vec),
                        words: c.text.split_whitespace().count(),
                        by_asker: !c.user_id.is_empty() && c.user_id == r.user_id,
                        asks,
                        thanks,
                        concrete,
                        author_passages: by_author.get(c.user_id.as_str()).copied().unwrap_or(0),
                        accepted: false,
                        votes: 0,
                    };
                    list.push(Candidate {
                        x: features(&p),
                        good: c.to_original == Some(CommentLabel::Good),
                        engine_key: (r.engine_rank, pos),
                        bm25: bm25(&query_terms, &terms, avg_len, &idf),
                        tie: tie_key(&c.id),
                    });
                }
            }
            list
        })
        .collect()
}

/// Fits a logistic model (L2-regularised, full-batch gradient descent on standardised
/// features): deterministic, and enough for a dozen features and a few thousand examples.
pub fn fit(examples: &[([f64; FEATURES], bool)]) -> Model {
    let n = examples.len().max(1) as f64;
    let mut mean = [0.0; FEATURES];
    let mut scale = [1.0; FEATURES];
    for j in 0..FEATURES {
        mean[j] = examples.iter().map(|(x, _)| x[j]).sum::<f64>() / n;
        let var = examples
            .iter()
            .map(|(x, _)| (x[j] - mean[j]).powi(2))
            .sum::<f64>()
            / n;
        if var > 1e-12 {
            scale[j] = var.sqrt();
        }
    }
    let z: Vec<([f64; FEATURES], f64)> = examples
        .iter()
        .map(|(x, y)| {
            let mut s = [0.0; FEATURES];
            for j in 0..FEATURES {
                s[j] = (x[j] - mean[j]) / scale[j];
            }
            (s, if *y { 1.0 } else { 0.0 })
        })
        .collect();
    let (mut w, mut b) = ([0.0; FEATURES], 0.0);
    let (rate, lambda) = (0.5, 1e-3);
    for _ in 0..800 {
        let mut gw = [0.0; FEATURES];
        let mut gb = 0.0;
        for (x, y) in &z {
            let s: f64 = b + (0..FEATURES).map(|j| w[j] * x[j]).sum::<f64>();
            let err = 1.0 / (1.0 + (-s).exp()) - y;
            for j in 0..FEATURES {
                gw[j] += err * x[j];
            }
            gb += err;
        }
        for j in 0..FEATURES {
            w[j] -= rate * (gw[j] / n + lambda * w[j]);
        }
        b -= rate * gb / n;
    }
    Model {
        mean,
        scale,
        weights: w,
        bias: b,
    }
}

fn ranked(list: &[Candidate], key: impl Fn(&Candidate) -> f64) -> Vec<bool> {
    let mut order: Vec<&Candidate> = list.iter().collect();
    order.sort_by(|a, b| key(b).total_cmp(&key(a)).then(a.tie.cmp(&b.tie)));
    order.iter().map(|c| c.good).collect()
}

/// Runs subtask C on a file: Stoa (cross-validated), the engine, random, BM25.
pub fn answer_passages(ds: &Dataset, seed: u64) -> PassageReport {
    let all = candidates(ds);
    // Folds by original question, assigned after a seeded shuffle.
    let mut ids: Vec<usize> = (0..all.len()).collect();
    let mut rng = SplitMix64(seed);
    rng.shuffle(&mut ids);
    let mut fold = vec![0usize; all.len()];
    for (k, &i) in ids.iter().enumerate() {
        fold[i] = k % FOLDS;
    }
    let mut stoa = vec![Vec::new(); all.len()];
    for f in 0..FOLDS {
        let train: Vec<([f64; FEATURES], bool)> = all
            .iter()
            .enumerate()
            .filter(|(i, _)| fold[*i] != f)
            .flat_map(|(_, l)| l.iter().map(|c| (c.x, c.good)))
            .collect();
        let model = fit(&train);
        for (i, list) in all.iter().enumerate().filter(|(i, _)| fold[*i] == f) {
            stoa[i] = ranked(list, |c| model.score(&c.x));
        }
    }
    let engine: Vec<Vec<bool>> = all
        .iter()
        .map(|l| {
            let mut order: Vec<&Candidate> = l.iter().collect();
            order.sort_by_key(|c| c.engine_key);
            order.iter().map(|c| c.good).collect()
        })
        .collect();
    let bm25: Vec<Vec<bool>> = all.iter().map(|l| ranked(l, |c| c.bm25)).collect();
    let mut random = Vec::with_capacity(RANDOM_SHUFFLES);
    for _ in 0..RANDOM_SHUFFLES {
        let lists: Vec<Vec<bool>> = all
            .iter()
            .map(|l| {
                let mut v: Vec<bool> = l.iter().map(|c| c.good).collect();
                rng.shuffle(&mut v);
                v
            })
            .collect();
        random.push(rerank_metrics(&lists));
    }
    let whole = fit(&all
        .iter()
        .flat_map(|l| l.iter().map(|c| (c.x, c.good)))
        .collect::<Vec<_>>());
    PassageReport {
        stoa: rerank_metrics(&stoa),
        engine: rerank_metrics(&engine),
        random: Metrics {
            map: mean(random.iter().map(|m| m.map)),
            mrr: mean(random.iter().map(|m| m.mrr)),
            p1: mean(random.iter().map(|m| m.p1)),
        },
        bm25: rerank_metrics(&bm25),
        questions: all.len(),
        comments: all.iter().map(Vec::len).sum(),
        weights: stoa_domain::assistant::FEATURE_NAMES
            .iter()
            .zip(whole.weights)
            .map(|(n, w)| ((*n).to_string(), w))
            .collect(),
        model: Some(whole),
    }
}

impl PassageReport {
    /// The report as the contract's JSON: `{"stoa", "engine", "random", "bm25"}`, each
    /// `{"map", "mrr", "p1"}`, plus counts and the learned weights.
    pub fn json(&self) -> serde_json::Value {
        json!({
            "stoa": self.stoa,
            "engine": self.engine,
            "random": self.random,
            "bm25": self.bm25,
            "questions": self.questions,
            "comments": self.comments,
            "cross_validation": format!("{FOLDS}-fold by original question"),
            "weights": self.weights.iter().map(|(n, w)| json!({"feature": n, "weight": w})).collect::<Vec<_>>(),
            "model": self.model.as_ref().map(|m| json!({
                "mean": m.mean, "scale": m.scale, "weights": m.weights, "bias": m.bias,
            })),
        })
    }
}

impl fmt::Display for PassageReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "SemEval-2016 Task 3 subtask C: {} original questions, {} comments; top 10 scored.",
            self.questions, self.comments
        )?;
        writeln!(
            f,
            "Stoa: {FOLDS}-fold cross-validation by original question (never trained on the questions it scores)."
        )?;
        writeln!(f, "{:<10} {:>7} {:>7} {:>7}", "order", "MAP", "MRR", "P@1")?;
        for (name, m) in [
            ("stoa", self.stoa),
            ("engine", self.engine),
            ("bm25", self.bm25),
            ("random", self.random),
        ] {
            writeln!(
                f,
                "{name:<10} {:>7.2} {:>7.2} {:>7.2}",
                m.map * 100.0,
                m.mrr * 100.0,
                m.p1 * 100.0
            )?;
        }
        writeln!(
            f,
            "Stoa - engine: {:+.2} MAP points",
            (self.stoa.map - self.engine.map) * 100.0
        )
    }
}
