//! Commons health (issue 17): metrics recomputed here straight from a real dump's XML and
//! compared with the API and `stoa health --json`; series that add up; every bad request
//! refused with a clear error; the public pages with their charts, tables and definitions.

use crate::both;
use crate::governance::{answer, ask, settings, with_role};
use crate::import::{attr, dump, import, rows};
use crate::support::{assert_error, TestApp};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

both!(
    recomputes_the_dump_metrics_independently,
    series_add_up_and_download_as_csv,
    bad_requests_are_refused,
    a_live_site_shows_its_activity_and_governance,
);

/// The dump's `2013-05-01T12:34:56.789` as Unix seconds (the fraction dropped).
fn seconds(raw: &str) -> i64 {
    let (date, time) = raw.split_once('T').unwrap();
    let d: Vec<i64> = date.split('-').map(|x| x.parse().unwrap()).collect();
    let t: Vec<i64> = time
        .split('.')
        .next()
        .unwrap()
        .split(':')
        .map(|x| x.parse().unwrap())
        .collect();
    // Days from 1970-01-01 to the date (proleptic Gregorian), computed the long way.
    let mut days = 0i64;
    for y in 1970..d[0] {
        days += if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
            366
        } else {
            365
        };
    }
    let leap = (d[0] % 4 == 0 && d[0] % 100 != 0) || d[0] % 400 == 0;
    let months = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    days += months[..(d[1] - 1) as usize].iter().sum::<i64>() + d[2] - 1;
    days * 86_400 + t[0] * 3_600 + t[1] * 60 + t[2]
}

struct DumpPost {
    at: i64,
    question: bool,
    owner: Option<String>,
}

/// The metrics of 2013 (previous window: 2012), computed here from Posts.xml and Users.xml by
/// the definitions in docs/health-metrics.md, without Stoa's code.
fn expected(dir: &std::path::Path) -> HashMap<&'static str, f64> {
    let users: HashSet<String> = rows(&dir.join("Users.xml"))
        .iter()
        .filter_map(|l| attr(l, "Id"))
        .filter(|id| id != "-1")
        .collect();
    let lines = rows(&dir.join("Posts.xml"));
    let mut posts = Vec::new();
    let mut first_answer: HashMap<String, i64> = HashMap::new();
    let mut answer_ids = HashSet::new();
    for l in &lines {
        let kind = attr(l, "PostTypeId").unwrap();
        if kind != "1" && kind != "2" {
            continue;
        }
        let at = seconds(&attr(l, "CreationDate").unwrap());
        if kind == "2" {
            answer_ids.insert(attr(l, "Id").unwrap());
            let parent = attr(l, "ParentId").unwrap();
            let e = first_answer.entry(parent).or_insert(at);
            *e = (*e).min(at);
        }
        posts.push(DumpPost {
            at,
            question: kind == "1",
            owner: attr(l, "OwnerUserId").filter(|o| users.contains(o)),
        });
    }
    let start = seconds("2013-01-01T00:00:00");
    let end = seconds("2014-01-01T00:00:00");
    let prev_start = seconds("2012-01-01T00:00:00");
    let in_window = |at: i64| at >= start && at < end;
    let mut out = HashMap::new();
    out.insert(
        "questions",
        posts
            .iter()
            .filter(|p| in_window(p.at) && p.question)
            .count() as f64,
    );
    out.insert(
        "answers",
        posts
            .iter()
            .filter(|p| in_window(p.at) && !p.question)
            .count() as f64,
    );

    // Questions of the window, their first answers and accepted answers.
    let mut asked = 0;
    let mut accepted = 0;
    let mut hours = Vec::new();
    for l in &lines {
        if attr(l, "PostTypeId").as_deref() != Some("1") {
            continue;
        }
        let at = seconds(&attr(l, "CreationDate").unwrap());
        if !in_window(at) {
            continue;
        }
        asked += 1;
        if attr(l, "AcceptedAnswerId").is_some_and(|a| answer_ids.contains(&a)) {
            accepted += 1;
        }
        if let Some(first) = first_answer.get(&attr(l, "Id").unwrap()) {
            hours.push((first - at) as f64 / 3_600.0);
        }
    }
    out.insert("answered_rate", hours.len() as f64 / asked as f64);
    out.insert("accepted_rate", accepted as f64 / asked as f64);
    hours.sort_by(f64::total_cmp);
    let n = hours.len();
    let median = if n % 2 == 1 {
        hours[n / 2]
    } else {
        (hours[n / 2 - 1] + hours[n / 2]) / 2.0
    };
    out.insert("first_answer_hours_median", median);
    out.insert("first_answer_hours_p90", hours[(9 * n).div_ceil(10) - 1]);

    let mut per: HashMap<&str, u64> = HashMap::new();
    let mut before: HashMap<&str, u64> = HashMap::new();
    let mut first_post: HashMap<&str, i64> = HashMap::new();
    for p in &posts {
        let Some(o) = p.owner.as_deref() else {
            continue;
        };
        let f = first_post.entry(o).or_insert(p.at);
        *f = (*f).min(p.at);
        if in_window(p.at) {
            *per.entry(o).or_default() += 1;
        } else if p.at >= prev_start && p.at < start {
            *before.entry(o).or_default() += 1;
        }
    }
    out.insert("active_contributors", per.len() as f64);
    out.insert(
        "new_contributors",
        per.keys().filter(|o| in_window(first_post[*o])).count() as f64,
    );
    let mut counts: Vec<u64> = per.values().copied().collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let total: u64 = counts.iter().sum();
    let mut run = 0;
    let absence = counts
        .iter()
        .position(|c| {
            run += c;
            2 * run >= total
        })
        .unwrap()
        + 1;
    out.insert("absence_factor", absence as f64);
    let n = counts.len() as f64;
    let mean = total as f64 / n;
    let mut diff = 0.0;
    for a in &counts {
        for b in &counts {
            diff += (*a as f64 - *b as f64).abs();
        }
    }
    out.insert("gini_contributions", diff / (2.0 * n * n * mean));
    let top = counts.len().div_ceil(100);
    out.insert(
        "top1_share",
        counts[..top].iter().sum::<u64>() as f64 / total as f64,
    );
    let mut asc = counts.clone();
    asc.sort_unstable();
    let (lo, hi) = (asc.len() / 2, 99 * asc.len() / 100);
    out.insert(
        "middle_class_share",
        asc[lo..hi].iter().sum::<u64>() as f64 / total as f64,
    );
    let mut prev: Vec<u64> = before.values().copied().collect();
    prev.sort_unstable_by(|a, b| b.cmp(a));
    let threshold = prev[prev.len().div_ceil(10) - 1];
    let established: Vec<&&str> = before
        .iter()
        .filter(|(_, c)| **c >= threshold)
        .map(|(o, _)| o)
        .collect();
    let gone = established
        .iter()
        .filter(|o| !per.contains_key(**o))
        .count();
    out.insert("established_churn", gone as f64 / established.len() as f64);
    out
}

fn assert_metrics(got: &Value, want: &HashMap<&'static str, f64>, what: &str) {
    for (name, value) in want {
        let g = got[*name]
            .as_f64()
            .unwrap_or_else(|| panic!("{what}: {name} missing in {got}"));
        assert!(
            (g - value).abs() < 1e-9,
            "{what}: {name} is {g}, recomputed {value}"
        );
    }
}

async fn recomputes_the_dump_metrics_independently(t: TestApp) {
    let Some(dir) = dump("meta-site") else { return };
    import(&t, &dir, false).await.unwrap();
    let want = expected(&dir);
    assert!(
        want["questions"] > 100.0 && want["active_contributors"] > 10.0,
        "{want:?}"
    );

    let (status, body) = t
        .get_json("/api/v1/health?from=2013-01-01&to=2013-12-31", None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["from"], "2013-01-01");
    assert_eq!(body["to"], "2013-12-31");
    assert_eq!(body["days"], 365);
    assert_metrics(&body["metrics"], &want, "api");
    // Counts are integers; nothing of self-service happened on an imported site.
    assert!(body["metrics"]["questions"].is_u64());
    assert_eq!(body["metrics"]["deflection_sessions"], 0);
    assert!(body["metrics"]["deflection_resolution_rate"].is_null());
    // The previous window is 2012: its question count from the file.
    let q2012 = rows(&dir.join("Posts.xml"))
        .iter()
        .filter(|l| {
            attr(l, "PostTypeId").as_deref() == Some("1")
                && attr(l, "CreationDate").unwrap().starts_with("2012-")
        })
        .count();
    assert_eq!(body["previous"]["questions"], q2012);

    // The command prints the same object.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stoa"))
        .args([
            "health",
            "--json",
            "--from",
            "2013-01-01",
            "--to",
            "2013-12-31",
        ])
        .args(["--database-url", &t.db_url])
        .env("STOA_LOG", "warn")
        .env_remove("STOA_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["metrics"], body["metrics"]);
    assert_eq!(printed["previous"], body["previous"]);
    assert_metrics(&printed["metrics"], &want, "command");

    // A bad window from the command: a clear error and a failing exit.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stoa"))
        .args(["health", "--json", "--from", "2013-02-30"])
        .args(["--database-url", &t.db_url])
        .env_remove("STOA_DATABASE_URL")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("YYYY-MM-DD"));
}

async fn series_add_up_and_download_as_csv(t: TestApp) {
    let Some(dir) = dump("meta-site") else { return };
    import(&t, &dir, false).await.unwrap();
    let (_, whole) = t
        .get_json("/api/v1/health?from=2013-01-01&to=2013-12-31", None)
        .await;
    for g in ["week", "month"] {
        let (status, s) = t
            .get_json(
                &format!("/api/v1/health/series?metric=answers&from=2013-01-01&to=2013-12-31&granularity={g}"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{s}");
        let items = s["items"].as_array().unwrap();
        assert_eq!(items.len(), if g == "week" { 53 } else { 12 }, "{g}");
        assert_eq!(items[0]["period_start"], "2013-01-01");
        assert_eq!(items.last().unwrap()["period_end"], "2013-12-31");
        let sum: i64 = items.iter().map(|i| i["value"].as_i64().unwrap()).sum();
        assert_eq!(sum, whole["metrics"]["answers"].as_i64().unwrap(), "{g}");
    }
    // Rates have no value in a period without questions, and the CSV says so with an empty cell.
    let res = t
        .client
        .get(t.url("/api/v1/health/series?metric=answered_rate&from=2013-01-01&to=2013-03-31&granularity=month&format=csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("stoa-answered_rate-2013-01-01-2013-03-31.csv"));
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "period_start,period_end,value");
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[1].starts_with("2013-01-01,2013-01-31,"), "{csv}");
    let (_, json_series) = t
        .get_json("/api/v1/health/series?metric=answered_rate&from=2013-01-01&to=2013-03-31&granularity=month", None)
        .await;
    for (line, item) in lines[1..]
        .iter()
        .zip(json_series["items"].as_array().unwrap())
    {
        let cell = line.rsplit(',').next().unwrap();
        match item["value"].as_f64() {
            Some(v) => assert!((cell.parse::<f64>().unwrap() - v).abs() < 1e-12),
            None => assert_eq!(cell, ""),
        }
    }

    // The metric's page: chart, table and definition.
    let html = t
        .client
        .get(t.url("/health/answers?from=2013-01-01&to=2013-12-31&granularity=month"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<svg class=\"chart\""), "chart");
    assert!(html
        .contains("<title id=\"chart-title\">Answers by month, 2013-01-01 to 2013-12-31</title>"));
    assert_eq!(
        html.matches("<td class=\"num\">").count(),
        12,
        "one row per month"
    );
    assert!(html.contains("format=csv"), "CSV link");
    assert!(
        html.contains("Answers created in the window"),
        "definition from the docs"
    );
}

async fn bad_requests_are_refused(t: TestApp) {
    for (path, code) in [
        ("/api/v1/health?from=2026-02-30", "invalid_date"),
        ("/api/v1/health?to=tomorrow", "invalid_date"),
        (
            "/api/v1/health?from=2026-03-01&to=2026-02-01",
            "invalid_range",
        ),
        (
            "/api/v1/health?from=1990-01-01&to=2026-01-01",
            "invalid_range",
        ),
        (
            "/api/v1/health/series?metric=questions&granularity=day",
            "invalid_granularity",
        ),
        ("/api/v1/health/series?metric=happiness", "unknown_metric"),
        (
            "/api/v1/health/series?metric=questions&format=xml",
            "invalid_format",
        ),
        ("/api/v1/health/series", "invalid_query"),
    ] {
        let (status, body) = t.get_json(path, None).await;
        assert_eq!(status, 422, "{path}: {body}");
        assert_error(&body, code);
    }
    let res = t
        .client
        .get(t.url("/health?from=yesterday"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("YYYY-MM-DD"));
    let res = t
        .client
        .get(t.url("/health/happiness"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

async fn a_live_site_shows_its_activity_and_governance(t: TestApp) {
    let (_, alice) = t.signup("alice").await;
    let (_, bob) = t.signup("bob").await;
    let (_, admin) = with_role(&t, "admin1", "admin").await;
    let (_, moderator) = with_role(&t, "mod1", "moderator").await;
    let q1 = ask(&t, &alice, "How do I reset the router to factory settings?").await;
    let q2 = ask(&t, &alice, "Why does the light blink orange twice?").await;
    answer(
        &t,
        &bob,
        q1,
        "Hold the reset button for ten seconds while it is powered on.",
    )
    .await;
    let (status, _) = t
        .post_json(
            "/api/v1/moderation/actions",
            Some(&moderator),
            json!({"action": "delete", "target_type": "post", "target_id": q2, "category": "spam", "reason": "Advertising"}),
        )
        .await;
    assert_eq!(status, 201);
    settings(&t, &admin, json!({"late_answer_days": 30})).await;

    // Default window: the last 90 days, today included.
    let (status, body) = t.get_json("/api/v1/health", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["days"], 90);
    let m = &body["metrics"];
    // The deleted question no longer counts as a post; its removal counts as spam.
    assert_eq!(m["questions"], 1);
    assert_eq!(m["answers"], 1);
    assert_eq!(m["answered_rate"], 1.0);
    assert_eq!(m["active_contributors"], 2);
    assert_eq!(m["new_contributors"], 2);
    assert_eq!(m["absence_factor"], 1);
    assert_eq!(m["spam_share"], 0.5);
    assert_eq!(m["moderation_actions"], 1);
    assert_eq!(m["moderation_reversed_share"], 0.0);
    assert_eq!(m["governance_changes"], 1);
    assert!(m["established_churn"].is_null(), "nobody posted before");
    assert_eq!(
        body["details"]["moderation_by_category"],
        json!([{"category": "spam", "actions": 1}])
    );
    assert_eq!(body["details"]["rule_changes"][0]["kind"], "governance");
    assert_eq!(body["previous"]["questions"], 0);

    // The page, for anyone, without JavaScript.
    let html = t
        .client
        .get(t.url("/health"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<h1>Community health</h1>"));
    assert_eq!(html.matches("data-testid=\"metric-card\"").count(), 29);
    assert!(html.contains("href=\"/health/absence_factor?from="));
    assert!(html.contains("<svg class=\"spark\""));
    assert!(html.contains("Governance settings changed"));
    assert!(html.contains("<th scope=\"row\">Spam</th><td class=\"num\">1</td>"));
    assert!(
        html.contains("up 2 from the previous window"),
        "trend shown"
    );
}
