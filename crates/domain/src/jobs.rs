//! Rules of the background job queue: when a failed job runs again.

/// The longest wait between two tries of a job.
pub const MAX_RETRY_DELAY_SECS: i64 = 6 * 3600;

/// Seconds to wait before try `attempt + 1` after try `attempt` (counting from 1) failed:
/// `base · 2^(attempt-1)`, capped at [`MAX_RETRY_DELAY_SECS`], spread by ±20 % with `jitter`
/// (a number in `[0, 1)`) so that jobs failing together do not all come back together.
pub fn retry_delay_secs(attempt: i64, base_secs: i64, jitter: f64) -> i64 {
    let base = base_secs.max(1);
    let exp = attempt.clamp(1, 40) - 1;
    let raw = base
        .saturating_mul(1_i64 << exp.min(30))
        .min(MAX_RETRY_DELAY_SECS);
    let spread = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
    ((raw as f64 * spread).round() as i64).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn delays_double_from_the_base() {
        assert_eq!(retry_delay_secs(1, 10, 0.5), 10);
        assert_eq!(retry_delay_secs(2, 10, 0.5), 20);
        assert_eq!(retry_delay_secs(3, 10, 0.5), 40);
        assert_eq!(retry_delay_secs(100, 10, 0.5), MAX_RETRY_DELAY_SECS);
    }

    proptest! {
        #[test]
        fn delays_stay_within_the_jitter_band_and_the_cap(
            attempt in 1_i64..60, base in 1_i64..10_000, jitter in 0.0_f64..1.0
        ) {
            let d = retry_delay_secs(attempt, base, jitter);
            prop_assert!(d >= 1);
            prop_assert!(d as f64 <= MAX_RETRY_DELAY_SECS as f64 * 1.2 + 1.0);
            let mid = retry_delay_secs(attempt, base, 0.5) as f64;
            prop_assert!((d as f64) >= mid * 0.8 - 1.0 && (d as f64) <= mid * 1.2 + 1.0);
        }

        #[test]
        fn later_tries_never_wait_less_without_jitter(attempt in 1_i64..59, base in 1_i64..10_000) {
            prop_assert!(retry_delay_secs(attempt + 1, base, 0.5) >= retry_delay_secs(attempt, base, 0.5));
        }
    }
}
