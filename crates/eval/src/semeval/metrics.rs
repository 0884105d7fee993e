//! Ranking metrics of the SemEval scorer: MAP, MRR, P@1, nDCG.

use super::*;

// ---------------------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------------------

/// Rerank metrics, each a mean over original questions, between 0 and 1.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Metrics {
    /// Mean average precision.
    pub map: f64,
    /// Mean reciprocal rank of the first relevant item.
    pub mrr: f64,
    /// Share of queries whose first item is relevant.
    pub p1: f64,
}

/// Retrieve metrics at cut-off 10, each a mean over original questions, between 0 and 1.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Metrics10 {
    /// Mean average precision of the top 10.
    pub map: f64,
    /// Mean reciprocal rank of the first relevant item in the top 10.
    pub mrr: f64,
    /// Share of queries whose first item is relevant.
    pub p1: f64,
    /// Mean normalised discounted cumulative gain of the top 10 (binary gains).
    pub ndcg10: f64,
}

/// Average precision of a ranked list of judgments, cut at `cutoff`.
///
/// As in the official SemEval scorer: the mean of the precision at each relevant rank, over
/// the relevant items found in the top `cutoff`; 0 when there are none. On a complete list
/// (rerank) this is textbook AP.
pub fn average_precision(ranked: &[bool], cutoff: usize) -> f64 {
    let mut found = 0usize;
    let mut sum = 0.0;
    for (i, &rel) in ranked.iter().take(cutoff).enumerate() {
        if rel {
            found += 1;
            sum += found as f64 / (i + 1) as f64;
        }
    }
    if found == 0 {
        0.0
    } else {
        sum / found as f64
    }
}

/// Reciprocal rank of the first relevant item in the top `cutoff`; 0 when there is none.
pub fn reciprocal_rank(ranked: &[bool], cutoff: usize) -> f64 {
    ranked
        .iter()
        .take(cutoff)
        .position(|&r| r)
        .map_or(0.0, |i| 1.0 / (i + 1) as f64)
}

/// 1 when the first item is relevant, else 0.
pub fn precision_at_1(ranked: &[bool]) -> f64 {
    if ranked.first() == Some(&true) {
        1.0
    } else {
        0.0
    }
}

/// Normalised DCG at `k` with binary gains, where `total_relevant` is how many relevant
/// items exist for the query (the ideal list puts them all first); 0 when there are none.
pub fn ndcg_at(ranked: &[bool], total_relevant: usize, k: usize) -> f64 {
    let gain = |i: usize| 1.0 / ((i + 2) as f64).log2();
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .filter(|(_, &r)| r)
        .map(|(i, _)| gain(i))
        .sum();
    let ideal: f64 = (0..total_relevant.min(k)).map(gain).sum();
    if ideal > 0.0 {
        dcg / ideal
    } else {
        0.0
    }
}

pub(super) fn mean(values: impl IntoIterator<Item = f64>) -> f64 {
    let (sum, n) = values
        .into_iter()
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}

/// MAP, MRR and P@1 over ranked judgment lists, one list per query.
pub fn rerank_metrics(lists: &[Vec<bool>]) -> Metrics {
    Metrics {
        map: mean(lists.iter().map(|l| average_precision(l, CUTOFF))),
        mrr: mean(lists.iter().map(|l| reciprocal_rank(l, CUTOFF))),
        p1: mean(lists.iter().map(|l| precision_at_1(l))),
    }
}
