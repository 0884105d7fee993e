//! The statistics of the public moderation log: actions per week, per kind and per
//! moderator, and the share later reversed.

use super::vocabulary::ModAction;
use serde::Serialize;

/// One logged action as the statistics see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionFact {
    /// The action.
    pub action: ModAction,
    /// Who took it (`None`: the community or the spam filter).
    pub actor_id: Option<i64>,
    /// When.
    pub created_at: i64,
    /// Whether it was later reversed.
    pub reversed: bool,
}

/// Actions counted in one week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeekCount {
    /// Start of the week (Monday 00:00 UTC).
    pub week_start: i64,
    /// Actions taken that week.
    pub actions: i64,
    /// Of which later reversed.
    pub reversed: i64,
}

/// The numbers shown above the public moderation log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogStats {
    /// Restrictive actions counted (undo actions are not counted: they are reversals).
    pub total: i64,
    /// Of which reversed.
    pub reversed: i64,
    /// `reversed / total`, 0 when there is nothing.
    pub reversal_rate: f64,
    /// Counts by action, most frequent first.
    pub by_action: Vec<(ModAction, i64)>,
    /// Counts by actor (`None` = community), most active first.
    pub by_actor: Vec<(Option<i64>, i64)>,
    /// The last `weeks` weeks, oldest first, including empty ones.
    pub weekly: Vec<WeekCount>,
}

/// Monday 00:00 UTC of the week holding `ts` (1970-01-01 was a Thursday).
pub fn week_start(ts: i64) -> i64 {
    const WEEK: i64 = 7 * 86_400;
    const MONDAY_OFFSET: i64 = 3 * 86_400;
    (ts + MONDAY_OFFSET).div_euclid(WEEK) * WEEK - MONDAY_OFFSET
}

/// Statistics of the log over the facts given, with `weeks` weekly buckets ending at `now`.
pub fn log_stats(facts: &[ActionFact], now: i64, weeks: usize) -> LogStats {
    let counted: Vec<&ActionFact> = facts.iter().filter(|f| !f.action.is_undo()).collect();
    let total = counted.len() as i64;
    let reversed = counted.iter().filter(|f| f.reversed).count() as i64;
    let mut by_action: Vec<(ModAction, i64)> = Vec::new();
    let mut by_actor: Vec<(Option<i64>, i64)> = Vec::new();
    for f in &counted {
        bump(&mut by_action, f.action);
        bump(&mut by_actor, f.actor_id);
    }
    by_action.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.as_str().cmp(b.0.as_str())));
    by_actor.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let this_week = week_start(now);
    let weekly = (0..weeks as i64)
        .rev()
        .map(|i| {
            let start = this_week - i * 7 * 86_400;
            let in_week: Vec<&&ActionFact> = counted
                .iter()
                .filter(|f| week_start(f.created_at) == start)
                .collect();
            WeekCount {
                week_start: start,
                actions: in_week.len() as i64,
                reversed: in_week.iter().filter(|f| f.reversed).count() as i64,
            }
        })
        .collect();
    LogStats {
        total,
        reversed,
        reversal_rate: if total == 0 {
            0.0
        } else {
            reversed as f64 / total as f64
        },
        by_action,
        by_actor,
        weekly,
    }
}

fn bump<K: PartialEq>(counts: &mut Vec<(K, i64)>, key: K) {
    match counts.iter_mut().find(|(k, _)| *k == key) {
        Some((_, n)) => *n += 1,
        None => counts.push((key, 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn weeks_start_on_monday() {
        // 2024-01-01 was a Monday.
        let monday = 1_704_067_200;
        assert_eq!(week_start(monday), monday);
        assert_eq!(week_start(monday + 6 * 86_400 + 86_399), monday);
        assert_eq!(week_start(monday - 1), monday - 7 * 86_400);
    }

    #[test]
    fn statistics() {
        let monday = 1_704_067_200;
        let f = |action, actor, days: i64, reversed| ActionFact {
            action,
            actor_id: actor,
            created_at: monday + days * 86_400,
            reversed,
        };
        let facts = [
            f(ModAction::Delete, Some(1), 0, true),
            f(ModAction::Delete, Some(1), 1, false),
            f(ModAction::Suspend, Some(2), 8, false),
            f(ModAction::Hide, None, 9, false),
            f(ModAction::Undelete, Some(2), 10, false),
        ];
        let s = log_stats(&facts, monday + 10 * 86_400, 3);
        assert_eq!((s.total, s.reversed), (4, 1));
        assert!((s.reversal_rate - 0.25).abs() < 1e-12);
        assert_eq!(s.by_action[0], (ModAction::Delete, 2));
        assert_eq!(s.by_actor[0], (Some(1), 2));
        assert_eq!(s.weekly.len(), 3);
        assert_eq!(s.weekly[0].actions, 0);
        assert_eq!((s.weekly[1].actions, s.weekly[1].reversed), (2, 1));
        assert_eq!(s.weekly[2].actions, 2);
        let empty = log_stats(&[], monday, 4);
        assert_eq!(
            (empty.total, empty.reversal_rate, empty.weekly.len()),
            (0, 0.0, 4)
        );
    }

    proptest! {
        #[test]
        fn reversal_rate_is_a_rate(flags in proptest::collection::vec((0usize..12, any::<bool>(), 0i64..100), 0..50)) {
            let facts: Vec<ActionFact> = flags
                .iter()
                .map(|(a, r, d)| ActionFact { action: ModAction::ALL[*a], actor_id: Some(1), created_at: d * 86_400, reversed: *r })
                .collect();
            let s = log_stats(&facts, 100 * 86_400, 20);
            prop_assert!((0.0..=1.0).contains(&s.reversal_rate));
            prop_assert!(s.reversed <= s.total);
            prop_assert_eq!(s.by_action.iter().map(|x| x.1).sum::<i64>(), s.total);
            prop_assert!(s.weekly.iter().map(|w| w.actions).sum::<i64>() <= s.total);
        }
    }
}
