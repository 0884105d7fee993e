#!/usr/bin/env python3
"""Commons-health benchmark (printed, not asserted), SQLite, release binary, on the
100,000-question site of bench/run.py (five years of posts, 2019-2023):

1. `/health` (HTML: every metric, its trend, a sparkline each) and `GET /api/v1/health` for a
   90-day window inside the data, at one connection (the target: under 200 ms);
2. one metric's page (chart and table) and its series as CSV;
3. the same page over the whole five years, to show how the cost grows with the window;
4. a question page in the same run, as the reference the ratios are taken against.

Usage: bench/health.py --sqlite-db FILE [--duration SECS] [--no-build]
  FILE: a site imported by bench/run.py (e.g. kept with --sqlite-db); it is copied, not changed.
"""
import argparse
import os
import shutil
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402

ROOT, BIN, log = bench.ROOT, bench.BIN, bench.log
WINDOW = "from=2023-10-02&to=2023-12-30"


def measure(base, work, name, paths, duration):
    lines = os.path.join(work, "".join(c if c.isalnum() else "_" for c in name) + ".txt")
    bench.write_lines(lines, [("GET", p, "", "") for p in paths])
    bench.wrk(base, lines, 1, connections=1, threads=1)
    m = bench.wrk(base, lines, duration, connections=1, threads=1)
    log(f"{name:<34} p50 {m['p50_ms']:8.2f} ms  p99 {m['p99_ms']:8.2f} ms  "
        f"({m['requests']} requests, errors {m['errors']})")
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sqlite-db", required=True)
    ap.add_argument("--duration", type=int, default=8)
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()
    if not args.no_build:
        bench.run(["cargo", "build", "--release", "--bin", "stoa"], cwd=ROOT)
    work = tempfile.mkdtemp(prefix="stoa-health-")
    path = os.path.join(work, "site.db")
    shutil.copy(args.sqlite_db, path)
    url = f"sqlite://{path}"
    env = dict(os.environ, STOA_LOG="warn,stoa=info", STOA_LOG_FORMAT="text")
    bench.run([BIN, "migrate", "--database-url", url], env=env, capture_output=True)
    db = sqlite3.connect(path)
    db.execute("ANALYZE")
    q = db.execute("SELECT id FROM posts WHERE kind = 'question' ORDER BY id LIMIT 1 OFFSET 5000").fetchone()[0]
    n = db.execute(f"SELECT COUNT(*) FROM posts WHERE kind IN ('question', 'answer') AND created_at >= strftime('%s', '2023-10-02') AND created_at < strftime('%s', '2023-12-31')").fetchone()[0]
    db.close()
    log(f"posts in the 90-day window: {n}")
    proc, base = bench.start_server([BIN, "serve", "--addr", "127.0.0.1:0", "--database-url", url,
                                     "--config", os.path.join(ROOT, "bench", "bench.toml")],
                                    env, os.path.join(work, "server.log"))
    try:
        ref = measure(base, work, "question page (reference)", [f"/questions/{q}"], args.duration)
        page = measure(base, work, "/health, 90 days", [f"/health?{WINDOW}"], args.duration)
        api = measure(base, work, "/api/v1/health, 90 days", [f"/api/v1/health?{WINDOW}"], args.duration)
        metric = measure(base, work, "/health/absence_factor, 90 days",
                         [f"/health/absence_factor?{WINDOW}"], args.duration)
        measure(base, work, "series CSV (weekly), 90 days",
                [f"/api/v1/health/series?metric=gini_contributions&{WINDOW}&format=csv"], args.duration)
        whole = measure(base, work, "/health, 2019-2023 by month",
                        ["/health?from=2019-01-01&to=2023-12-31&granularity=month"], max(3, args.duration // 2))
        log(f"ratios to the question page (p50): /health {page['p50_ms'] / ref['p50_ms']:.1f}x, "
            f"API {api['p50_ms'] / ref['p50_ms']:.1f}x, metric page {metric['p50_ms'] / ref['p50_ms']:.1f}x, "
            f"five years {whole['p50_ms'] / ref['p50_ms']:.1f}x")
    finally:
        bench.stop_server(proc)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
