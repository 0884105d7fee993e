//! How well spam predictions match moderators' decisions.

use serde::{Deserialize, Serialize};

/// Precision, recall, F1 and accuracy of spam predictions, each between 0 and 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Share of comments predicted spam that were spam; 1 when nothing was predicted spam.
    pub precision: f64,
    /// Share of spam that was predicted spam; 1 when there was no spam to find.
    pub recall: f64,
    /// Harmonic mean of precision and recall; 0 when both are 0.
    pub f1: f64,
    /// Share of all predictions that were right; 1 for no predictions.
    pub accuracy: f64,
}

impl Metrics {
    /// Scores `(predicted_spam, actual_spam)` pairs.
    ///
    /// Zero denominators follow one rule: a ratio over nothing made no
    /// mistakes, so it is 1. F1 is therefore 1 only when there were no errors
    /// at all, and 0 whenever spam was missed entirely or every alarm was false.
    pub fn from_predictions(pairs: &[(bool, bool)]) -> Self {
        let (mut tp, mut fp, mut fn_, mut tn) = (0u64, 0u64, 0u64, 0u64);
        for &(predicted, actual) in pairs {
            match (predicted, actual) {
                (true, true) => tp += 1,
                (true, false) => fp += 1,
                (false, true) => fn_ += 1,
                (false, false) => tn += 1,
            }
        }
        let precision = ratio(tp, tp + fp);
        let recall = ratio(tp, tp + fn_);
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        let accuracy = ratio(tp + tn, tp + fp + fn_ + tn);
        Self {
            precision,
            recall,
            f1,
            accuracy,
        }
    }
}

fn ratio(numerator: u64, denominator: u64) -> f64 {
    if denominator == 0 {
        1.0
    } else {
        // Counts of predictions stay far below 2^53, so the conversion is exact.
        numerator as f64 / denominator as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn a_worked_example() {
        // tp 2, fp 1, fn 1, tn 4
        let pairs = [
            (true, true),
            (true, true),
            (true, false),
            (false, true),
            (false, false),
            (false, false),
            (false, false),
            (false, false),
        ];
        let m = Metrics::from_predictions(&pairs);
        assert!(close(m.precision, 2.0 / 3.0));
        assert!(close(m.recall, 2.0 / 3.0));
        assert!(close(m.f1, 2.0 / 3.0));
        assert!(close(m.accuracy, 6.0 / 8.0));
    }

    #[test]
    fn zero_denominators() {
        let empty = Metrics::from_predictions(&[]);
        assert_eq!(
            (empty.precision, empty.recall, empty.f1, empty.accuracy),
            (1.0, 1.0, 1.0, 1.0)
        );

        let only_ham_right = Metrics::from_predictions(&[(false, false)]);
        assert_eq!(
            (
                only_ham_right.precision,
                only_ham_right.recall,
                only_ham_right.f1
            ),
            (1.0, 1.0, 1.0)
        );

        let missed_all = Metrics::from_predictions(&[(false, true), (false, false)]);
        assert_eq!(
            (missed_all.precision, missed_all.recall, missed_all.f1),
            (1.0, 0.0, 0.0)
        );
        assert!(close(missed_all.accuracy, 0.5));

        let all_false_alarms = Metrics::from_predictions(&[(true, false)]);
        assert_eq!(
            (
                all_false_alarms.precision,
                all_false_alarms.recall,
                all_false_alarms.f1,
                all_false_alarms.accuracy
            ),
            (0.0, 1.0, 0.0, 0.0)
        );
    }

    proptest! {
        #[test]
        fn metrics_are_within_zero_and_one(pairs in proptest::collection::vec(any::<(bool, bool)>(), 0..200)) {
            let m = Metrics::from_predictions(&pairs);
            for value in [m.precision, m.recall, m.f1, m.accuracy] {
                prop_assert!(value.is_finite() && (0.0..=1.0).contains(&value), "{m:?}");
            }
            prop_assert!(m.f1 <= m.precision.max(m.recall) + 1e-12);
            prop_assert!(m.f1 >= m.precision.min(m.recall) - 1e-12);
        }
    }
}
