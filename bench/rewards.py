#!/usr/bin/env python3
"""Rewards benchmark (printed, not asserted), SQLite, release binary, on the 100,000-question
site of bench/run.py:

1. seeds a month of contributions the way a busy site records them: 300,000 up-votes on
   answers, 30,000 accepted answers, 20,000 people helped by self-service (deflection
   sessions solved by a question), spread over the month and the site's people;
2. times opening a period over that month (which computes its standings), refreshing them,
   and closing it (the final statement with its hash);
3. measures the standings page (`/rewards/{id}`, HTML) and its API at one connection;
4. times the badge job over the whole site (first run, then a second one that finds nothing
   new: the hourly cost) and the integrity scan (serial voting, linked accounts) over the
   last two days of those votes.

Usage: bench/rewards.py --sqlite-db FILE [--duration SECS] [--no-build]
  FILE: a site imported by bench/run.py (e.g. kept with --sqlite-db); it is copied, not changed.
"""
import argparse
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402

ROOT, BIN, log = bench.ROOT, bench.BIN, bench.log
MONTH = 30 * 86_400


def http(method, url, body=None, token=None):
    """bench.http with a longer timeout: opening and closing compute a whole month."""
    return bench.http(method, url, body, token, timeout=600)


def seed(path, start):
    rng = random.Random(13)
    db = sqlite3.connect(path)
    people = [r[0] for r in db.execute("SELECT id FROM users ORDER BY id")]
    answers = [r for r in db.execute("SELECT id, author_id FROM posts WHERE kind = 'answer' AND deleted_at IS NULL LIMIT 200000")]
    questions = [r[0] for r in db.execute("SELECT id FROM posts WHERE kind = 'question' AND deleted_at IS NULL LIMIT 50000")]
    at = lambda: start + rng.randrange(0, MONTH)
    votes = []
    for _ in range(300_000):
        a, author = rng.choice(answers)
        votes.append((author, 10, "upvote_received", a, rng.choice(people), at()))
    for _ in range(30_000):
        a, author = rng.choice(answers)
        votes.append((author, 15, "answer_accepted", a, None, at()))
    db.executemany("INSERT INTO reputation_events (user_id, delta, reason, post_id, actor_id, created_at) VALUES (?,?,?,?,?,?)", votes)
    sessions = []
    for i in range(20_000):
        t = at()
        sessions.append((f"bench-{i}-{rng.random()}", f"v{i}", t, t, "solved", t, rng.choice(questions)))
    db.executemany("INSERT INTO deflection_sessions (token_hash, visitor_key, created_at, last_seen_at, outcome, outcome_at, solved_post_id) VALUES (?,?,?,?,?,?,?)", sessions)
    db.commit()
    db.execute("ANALYZE")
    db.close()
    return len(votes) + len(sessions)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sqlite-db", required=True)
    ap.add_argument("--duration", type=int, default=8)
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()
    if not args.no_build:
        bench.run(["cargo", "build", "--release", "--bin", "stoa"], cwd=ROOT)
    work = tempfile.mkdtemp(prefix="stoa-rewards-")
    path = os.path.join(work, "site.db")
    shutil.copy(args.sqlite_db, path)
    url = f"sqlite://{path}"
    env = dict(os.environ, STOA_LOG="warn,stoa=info", STOA_LOG_FORMAT="text")
    bench.run([BIN, "migrate", "--database-url", url], env=env, capture_output=True)
    start = int(time.time()) - MONTH - 86_400
    t0 = time.time()
    n = seed(path, start)
    log(f"seeded {n} contributions in {time.time() - t0:.1f} s")
    proc, base = bench.start_server([BIN, "serve", "--addr", "127.0.0.1:0", "--database-url", url,
                                     "--config", os.path.join(ROOT, "bench", "bench.toml")],
                                    env, os.path.join(work, "server.log"))
    time.sleep(1)
    token = bench.lift_write_limits(base, url, env)
    fmt = lambda ts: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
    t0 = time.time()
    p = http("POST", f"{base}/api/v1/rewards/periods",
             {"starts_at": fmt(start), "ends_at": fmt(start + MONTH), "pool_minor": 1_000_000, "currency": "EUR"}, token)
    open_s = time.time() - t0
    v = http("GET", f"{base}/api/v1/rewards/periods/{p['id']}")
    log(f"opening the period (standings computed): {open_s:.2f} s, {len(v['allocations'])} people")
    lines = os.path.join(work, "standings.txt")
    bench.write_lines(lines, [("GET", f"/rewards/{p['id']}", "", ""), ("GET", f"/api/v1/rewards/periods/{p['id']}", "", "")])
    bench.wrk(base, lines, 2, connections=1, threads=1)
    m = bench.wrk(base, lines, args.duration, connections=1, threads=1)
    log(f"standings page and API, one connection: p50 {m['p50_ms']:.2f} ms, p99 {m['p99_ms']:.2f} ms, errors {m['errors']}")
    t0 = time.time()
    c = http("POST", f"{base}/api/v1/rewards/periods/{p['id']}/close", {}, token)
    close_s = time.time() - t0
    log(f"closing (final statement and hash): {close_s:.2f} s, verified {c['verified']}")
    # The worker's hourly run may have started with the server: start from no badges.
    db = sqlite3.connect(path, timeout=30)
    db.execute("DELETE FROM badge_awards WHERE imported = 0")
    db.commit()
    db.close()
    t0 = time.time()
    first = http("POST", f"{base}/api/v1/admin/badges/award", {}, token)["awarded"]
    badges_first_s = time.time() - t0
    t0 = time.time()
    http("POST", f"{base}/api/v1/admin/badges/award", {}, token)
    badges_again_s = time.time() - t0
    log(f"badges: first run {badges_first_s:.2f} s ({first} awarded), again {badges_again_s:.2f} s")
    t0 = time.time()
    scan = http("POST", f"{base}/api/v1/moderation/integrity-scan", {}, token)
    scan_s = time.time() - t0
    log(f"integrity scan of two days: {scan_s:.2f} s, {scan}")
    print(json.dumps({"contributions": n, "people": len(v["allocations"]), "open_s": open_s,
                      "close_s": close_s, "standings_p50_ms": m["p50_ms"], "standings_p99_ms": m["p99_ms"],
                      "badges_first_s": badges_first_s, "badges_awarded": first,
                      "badges_again_s": badges_again_s, "integrity_scan_s": scan_s, "scan": scan,
                      "fairness": c["fairness"]}, indent=2))
    bench.stop_server(proc)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
