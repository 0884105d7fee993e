//! Periodic jobs. Each period's job has a key naming the period, so however many workers
//! schedule it, it is enqueued (and so run) once.

use stoa_app::{App, AppError, Digest, NewJob};

const DAY: i64 = 86_400;

/// Makes sure the jobs of the current periods exist: the daily digest round (from 00:00 UTC),
/// the weekly one (from Monday 00:00 UTC), the queue's daily housekeeping, the minute's SLA
/// check, bounties ending (every five minutes), the reward standings every ten minutes,
/// badges every hour, due account deletions every five minutes and the integrity scan once a
/// day.
pub(crate) async fn ensure(app: &App, now: i64) -> Result<(), AppError> {
    let day = now.div_euclid(DAY);
    app.start_digest_round(Digest::Daily, &format!("day{day}"))
        .await?;
    // 1970-01-01 was a Thursday: shifting by three days makes weeks start on Mondays.
    let week = (day + 3).div_euclid(7);
    app.start_digest_round(Digest::Weekly, &format!("week{week}"))
        .await?;
    app.store()
        .enqueue(&[
            NewJob::now("jobs.purge", "{}".into(), now).keyed(format!("jobs.purge:{day}")),
            // SLA breaches and warnings are recorded within a minute of happening.
            NewJob::now("sla.check", "{}".into(), now).keyed(format!("sla.check:{}", now / 60)),
            // Live reward standings, so their page reads stored rows.
            NewJob::now("rewards.refresh", "{}".into(), now)
                .keyed(format!("rewards.refresh:{}", now / 600)),
            NewJob::now("bounties.expire", "{}".into(), now)
                .keyed(format!("bounties.expire:{}", now / 300)),
            NewJob::now("badges.award", "{}".into(), now)
                .keyed(format!("badges.award:{}", now / 3600)),
            // Accounts whose deletion fell due are erased within five minutes.
            NewJob::now("accounts.delete_due", "{}".into(), now)
                .keyed(format!("accounts.delete_due:{}", now / 300)),
            // Serial voting is judged on whole days: see App::integrity_scan_daily.
            NewJob::now("integrity.scan", "{}".into(), now).keyed(format!("integrity.scan:{day}")),
        ])
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn weeks_start_on_mondays() {
        // 2026-11-30 was a Monday, 2026-11-29 a Sunday.
        let monday = 20_787_i64;
        assert_eq!((monday + 3).div_euclid(7), (monday + 6 + 3).div_euclid(7));
        assert_ne!((monday + 3).div_euclid(7), (monday - 1 + 3).div_euclid(7));
    }
}
