//! The statistics behind the health metrics, each exactly as `docs/health-metrics.md` defines
//! it, so that anyone can recompute them from an export.

use std::collections::{HashMap, HashSet};

/// The median: the middle value, or the mean of the two middle values for an even count.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

/// The nearest-rank 90th percentile: the ⌈0.9·n⌉-th smallest value.
pub fn p90(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = (9 * v.len()).div_ceil(10).max(1);
    v.get(rank - 1).copied()
}

/// The smallest number of contributors who together made at least half of the posts.
pub fn absence_factor(counts: &[u64]) -> Option<u64> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let mut v = counts.to_vec();
    v.sort_unstable_by(|a, b| b.cmp(a));
    let mut sum = 0;
    for (i, c) in v.iter().enumerate() {
        sum += c;
        if 2 * sum >= total {
            return Some(i as u64 + 1);
        }
    }
    Some(v.len() as u64)
}

/// The Gini coefficient Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² x̄), computed through the sorted form
/// Σᵢ (2i − n − 1) xᵢ / (n Σx) (i from 1, ascending), which is the same number.
pub fn gini(values: &[u64]) -> Option<f64> {
    let total: u64 = values.iter().sum();
    if values.is_empty() || total == 0 {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    let n = v.len() as f64;
    let weighted: f64 = v
        .iter()
        .enumerate()
        .map(|(i, x)| (2.0 * (i as f64 + 1.0) - n - 1.0) * *x as f64)
        .sum();
    Some(weighted / (n * total as f64))
}

/// The share of all posts made by the top ⌈0.01·n⌉ contributors.
pub fn top1_share(counts: &[u64]) -> Option<f64> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let mut v = counts.to_vec();
    v.sort_unstable_by(|a, b| b.cmp(a));
    let k = v.len().div_ceil(100);
    Some(v[..k].iter().sum::<u64>() as f64 / total as f64)
}

/// The share of posts made by contributors at positions ⌊0.5·n⌋ (inclusive) to ⌊0.99·n⌋
/// (exclusive) in ascending order of posts, counted from 0.
pub fn middle_class_share(counts: &[u64]) -> Option<f64> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let mut v = counts.to_vec();
    v.sort_unstable();
    let n = v.len();
    let (lo, hi) = (n / 2, 99 * n / 100);
    let middle: u64 = v.get(lo..hi).map_or(0, |s| s.iter().sum());
    Some(middle as f64 / total as f64)
}

/// Of the previous window's established contributors (post count at least that of the
/// ⌈0.1·n⌉-th largest, ties included), the share with no post in this window.
pub fn established_churn(previous: &HashMap<i64, u64>, current: &HashSet<i64>) -> Option<f64> {
    if previous.is_empty() {
        return None;
    }
    let mut counts: Vec<u64> = previous.values().copied().collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let k = counts.len().div_ceil(10).max(1);
    let threshold = counts[k - 1];
    let established: Vec<i64> = previous
        .iter()
        .filter(|(_, c)| **c >= threshold)
        .map(|(id, _)| *id)
        .collect();
    let gone = established
        .iter()
        .filter(|id| !current.contains(id))
        .count();
    Some(gone as f64 / established.len() as f64)
}

/// `part / whole`, or `None` when there is no whole.
pub fn share(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn median_of_odd_even_and_none() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[5.0]), Some(5.0));
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[1.0, 1.0, 9.0, 9.0]), Some(5.0));
    }

    #[test]
    fn p90_is_the_nearest_rank() {
        assert_eq!(p90(&[]), None);
        assert_eq!(p90(&[7.0]), Some(7.0));
        // n = 10: the 9th smallest.
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(p90(&ten), Some(9.0));
        // n = 11: ⌈9.9⌉ = 10th smallest.
        let eleven: Vec<f64> = (1..=11).map(f64::from).collect();
        assert_eq!(p90(&eleven), Some(10.0));
        // n = 2: ⌈1.8⌉ = 2nd.
        assert_eq!(p90(&[1.0, 2.0]), Some(2.0));
    }

    #[test]
    fn absence_factor_counts_who_makes_half() {
        assert_eq!(absence_factor(&[]), None);
        assert_eq!(absence_factor(&[0, 0]), None);
        assert_eq!(absence_factor(&[10]), Some(1));
        // 10 of 20: one person makes exactly half.
        assert_eq!(absence_factor(&[10, 5, 5]), Some(1));
        assert_eq!(absence_factor(&[1, 1, 1, 1]), Some(2));
        assert_eq!(absence_factor(&[1, 1, 1, 1, 1]), Some(3));
        assert_eq!(absence_factor(&[3, 3, 3, 1]), Some(2));
    }

    #[test]
    fn gini_by_hand() {
        assert_eq!(gini(&[]), None);
        assert_eq!(gini(&[0, 0]), None);
        assert!(close(gini(&[4]), 0.0));
        assert!(close(gini(&[2, 2, 2]), 0.0));
        // Two people, one has all: Σ|xi−xj| = 2·4 = 8; 2·n²·x̄ = 2·4·2 = 16.
        assert!(close(gini(&[0, 4]), 0.5));
        // [1, 2, 3]: Σ|xi−xj| = 2·(1+2+1) = 8; 2·9·2 = 36.
        assert!(close(gini(&[3, 1, 2]), 8.0 / 36.0));
    }

    #[test]
    fn top1_and_middle_by_hand() {
        assert_eq!(top1_share(&[]), None);
        assert!(close(top1_share(&[5]), 1.0));
        assert!(close(top1_share(&[1, 3]), 0.75));
        // 101 people: ⌈1.01⌉ = 2 at the top.
        let mut many = vec![1u64; 99];
        many.extend([50, 50]);
        assert!(close(top1_share(&many), 100.0 / 199.0));
        // n = 1: positions [0, 0): nobody in the middle.
        assert!(close(middle_class_share(&[5]), 0.0));
        // n = 4 ascending [1, 2, 3, 4]: positions [2, 3) = the 3.
        assert!(close(middle_class_share(&[4, 3, 2, 1]), 0.3));
        // n = 100: positions [50, 99): 49 people.
        let hundred: Vec<u64> = (1..=100).collect();
        let middle: u64 = (51..=99).sum();
        assert!(close(middle_class_share(&hundred), middle as f64 / 5050.0));
    }

    #[test]
    fn churn_of_established_contributors_with_ties() {
        let current: HashSet<i64> = [1, 3].into_iter().collect();
        assert_eq!(established_churn(&HashMap::new(), &current), None);
        // n = 3: k = 1, threshold = the largest (5); ties: 1 and 2 both have 5; 2 left.
        let prev: HashMap<i64, u64> = [(1, 5), (2, 5), (3, 1)].into_iter().collect();
        assert!(close(established_churn(&prev, &current), 0.5));
        // One contributor who stayed.
        let one: HashMap<i64, u64> = [(3, 2)].into_iter().collect();
        assert!(close(established_churn(&one, &current), 0.0));
        // Nobody posts now.
        assert!(close(established_churn(&prev, &HashSet::new()), 1.0));
        // n = 11: k = 2; the second largest is 8; people with 9 and 8 are established.
        let mut eleven: HashMap<i64, u64> = (10..19).map(|id| (id, 1)).collect();
        eleven.insert(1, 9);
        eleven.insert(2, 8);
        let stayed: HashSet<i64> = [2].into_iter().collect();
        assert!(close(established_churn(&eleven, &stayed), 0.5));
    }

    fn brute_gini(v: &[u64]) -> f64 {
        let n = v.len() as f64;
        let mean = v.iter().sum::<u64>() as f64 / n;
        let mut s = 0.0;
        for a in v {
            for b in v {
                s += (*a as f64 - *b as f64).abs();
            }
        }
        s / (2.0 * n * n * mean)
    }

    proptest! {
        #[test]
        fn gini_equals_the_double_sum(v in proptest::collection::vec(0u64..1000, 1..60)) {
            prop_assume!(v.iter().sum::<u64>() > 0);
            let g = gini(&v).unwrap_or(-1.0);
            prop_assert!((g - brute_gini(&v)).abs() < 1e-9);
            prop_assert!((0.0..1.0).contains(&g));
        }

        #[test]
        fn shares_do_not_depend_on_order(mut v in proptest::collection::vec(0u64..500, 1..80)) {
            prop_assume!(v.iter().sum::<u64>() > 0);
            let a = (absence_factor(&v), top1_share(&v), middle_class_share(&v));
            v.reverse();
            prop_assert_eq!(a, (absence_factor(&v), top1_share(&v), middle_class_share(&v)));
            let af = a.0.unwrap_or(0) as usize;
            prop_assert!(af >= 1 && af <= v.len());
        }

        #[test]
        fn median_lies_between_min_and_max(v in proptest::collection::vec(0.0f64..1e6, 1..50)) {
            let m = median(&v).unwrap_or(-1.0);
            let p = p90(&v).unwrap_or(-1.0);
            let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            prop_assert!(m >= lo && m <= hi);
            prop_assert!(p >= lo && p <= hi);
        }
    }
}
