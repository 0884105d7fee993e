#!/usr/bin/env python3
"""Assistant benchmark (printed, not asserted), SQLite, release binary, on the
100,000-question site of bench/run.py, one connection:

1. `POST /api/v1/assistant` with 200 different problems (titles of the site's questions,
   lower-cased, as a person might type them); the target: under 30 ms;
2. `GET /api/v1/tags/suggest` for the same drafts, after timing the model's first build;
3. a question page in the same run, the reference the ratios are taken against.

Usage: bench/assistant.py --sqlite-db FILE [--duration SECS] [--no-build]
  FILE: a site imported by bench/run.py (e.g. kept with --sqlite-db); it is copied, not changed.
"""
import argparse
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402

ROOT, BIN, log = bench.ROOT, bench.BIN, bench.log


def measure(base, work, name, lines, duration):
    path = os.path.join(work, "".join(c if c.isalnum() else "_" for c in name) + ".txt")
    bench.write_lines(path, lines)
    bench.wrk(base, path, 1, connections=1, threads=1)
    m = bench.wrk(base, path, duration, connections=1, threads=1)
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
    work = tempfile.mkdtemp(prefix="stoa-assistant-")
    path = os.path.join(work, "site.db")
    shutil.copy(args.sqlite_db, path)
    url = f"sqlite://{path}"
    env = dict(os.environ, STOA_LOG="warn,stoa=info", STOA_LOG_FORMAT="text")
    bench.run([BIN, "migrate", "--database-url", url], env=env, capture_output=True)
    db = sqlite3.connect(path)
    db.execute("ANALYZE")
    q = db.execute("SELECT id FROM posts WHERE kind = 'question' ORDER BY id LIMIT 1 OFFSET 5000").fetchone()[0]
    titles = [r[0].lower() for r in db.execute(
        "SELECT title FROM posts WHERE kind = 'question' AND deleted_at IS NULL ORDER BY id % 997, id LIMIT 200")]
    questions = db.execute("SELECT COUNT(*) FROM posts WHERE kind = 'question'").fetchone()[0]
    db.close()
    log(f"questions on the site: {questions}; problems asked: {len(titles)}")
    proc, base = bench.start_server([BIN, "serve", "--addr", "127.0.0.1:0", "--database-url", url,
                                     "--config", os.path.join(ROOT, "bench", "bench.toml")],
                                    env, os.path.join(work, "server.log"))
    try:
        ref = measure(base, work, "question page (reference)", [("GET", f"/questions/{q}", "", "")],
                      args.duration)
        asked = [("POST", "/api/v1/assistant", json.dumps({"text": t}), "") for t in titles]
        answers = measure(base, work, "assistant, 200 problems", asked, args.duration)
        started = time.time()
        first = bench.http("GET", f"{base}/api/v1/tags/suggest?title=wine", timeout=120)
        log(f"tag model first build (first request): {time.time() - started:.2f} s; "
            f"'wine' suggests {[i['tag'] for i in first['items']]}")
        drafts = [("GET", "/api/v1/tags/suggest?" + urllib.parse.urlencode({"title": t}), "", "")
                  for t in titles]
        tags = measure(base, work, "tag suggestions, 200 drafts", drafts, args.duration)
        log(f"ratios to the question page (p50): assistant {answers['p50_ms'] / ref['p50_ms']:.1f}x, "
            f"tag suggestions {tags['p50_ms'] / ref['p50_ms']:.1f}x")
    finally:
        bench.stop_server(proc)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
