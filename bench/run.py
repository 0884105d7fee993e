#!/usr/bin/env python3
"""Stoa's performance benchmark, in one run on this machine:

1. builds a site of N questions (default 100,000, 2-3 answers and comments each): imports the
   real dumps in ../shared/data/stackexchange, then a synthetic dump made by gen_site.py from
   their sentences (deterministic from --seed);
2. starts `stoa serve` (release) on SQLite, then on PostgreSQL;
3. drives it with wrk on loopback: question page, home, tag page, search API, similar API,
   and logged-in writes (vote, answer), each for a fixed duration after a warm-up;
4. measures a minimal axum handler (`stoa bench-ceiling`) the same way: the machine's ceiling;
5. prints a table (requests/s, p50, p99, errors, ratio to the ceiling), RSS idle and under
   load, database size, import rate; and writes the same as JSON (--json-out).

Usage: bench/run.py [--questions N] [--seed S] [--duration SECS] [--warmup SECS]
                    [--backends sqlite,postgres] [--json-out FILE]
                    [--only SCENARIO,...] [--sqlite-db FILE (imported once, then reused)]
                    [--postgres-template DB (imported once, then copied for each run)]
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "stoa")
DATA = os.path.join(ROOT, "..", "shared", "data", "stackexchange")
LUA = os.path.join(ROOT, "bench", "report.lua")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, **kw):
    log("$ " + " ".join(cmd))
    return subprocess.run(cmd, check=True, **kw)


def http(method, url, body=None, token=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read() or b"null")


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.max_kb, self.stop = pid, 0, threading.Event()

    def run(self):
        while not self.stop.is_set():
            kb = rss_kb(self.pid)
            self.max_kb = max(self.max_kb, kb)
            self.scenario_kb = max(getattr(self, "scenario_kb", 0), kb)
            time.sleep(0.1)

    def take_scenario_peak(self):
        """The peak since the last call, in MB, so each scenario's own is reported."""
        kb, self.scenario_kb = getattr(self, "scenario_kb", 0), 0
        return kb / 1024


def start_server(args, env, log_path):
    logf = open(log_path, "w")
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=logf, env=env)
    deadline = time.time() + 120
    while time.time() < deadline:
        time.sleep(0.2)
        with open(log_path) as f:
            text = f.read()
        if "listening on http://" in text:
            addr = text.split("listening on http://")[1].split()[0].strip()
            return proc, f"http://{addr}"
        if proc.poll() is not None:
            sys.exit(f"server exited early:\n{text}")
    sys.exit("server did not start within 120 s")


def stop_server(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def wrk(base, lines_file, duration, connections=32, threads=2):
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", "-s", LUA, base, "--", lines_file],
        check=True, capture_output=True, text=True,
    ).stdout
    summary = json.loads([l for l in out.splitlines() if l.startswith("{")][-1])
    secs = summary["duration_us"] / 1e6
    return {
        "rps": summary["requests"] / secs if secs else 0.0,
        "p50_ms": summary["p50_us"] / 1000,
        "p99_ms": summary["p99_us"] / 1000,
        "errors": summary["errors"],
        "requests": summary["requests"],
    }


def write_lines(path, lines):
    with open(path, "w") as f:
        for l in lines:
            f.write("\t".join(l) + "\n")


def lift_write_limits(base, url, env):
    """The benchmark's writers are brand-new accounts posting hundreds of times a second, which
    the spam defence rightly stops; an admin lifts the write limits for the run."""
    password = "benchmark admin password"
    name = f"benchadmin{int(time.time())}"
    subprocess.run([BIN, "admin", "create-user", "--username", name, "--email", f"{name}@example.org",
                    "--role", "admin", "--database-url", url], check=True, capture_output=True,
                   env=dict(env, STOA_PASSWORD=password))
    token = http("POST", f"{base}/api/v1/auth/login", {"login": name, "password": password})["token"]
    settings = http("GET", f"{base}/api/v1/governance/settings")
    settings = settings.get("settings", settings)
    for key in ("per_user", "per_ip", "new_user_posts"):
        settings["limits"][key] = {"max": 1_000_000, "window_secs": 60}
    http("PUT", f"{base}/api/v1/governance/settings", settings, token)
    return token


# Tickets seeded for the agent inbox, and the far-future due time of tickets without one.
TICKETS = 100_000
NO_DUE = 253402300799
TICKET_TAGS = ("billing", "login", "hub", "export", "firmware", "mobile")


def seed_tickets(backend, url, path, n):
    """n tickets of the site's first 2,000 people (half assigned to the first, as if an agent), as an agent inbox sees them after months: a
    fifth solved or closed, the rest due within the next month (a few breached), about half
    assigned, one in three tagged. Inserted directly: filing 100,000 through the API would
    measure the filing, which write_ticket does."""
    import random
    rng = random.Random(7)
    now = int(time.time())
    if backend == "sqlite":
        import sqlite3
        db = sqlite3.connect(path)
        people = [r[0] for r in db.execute("SELECT id FROM users ORDER BY id LIMIT 2000")]
        db.close()
    else:
        out = subprocess.run(["psql", url, "-tAc", "SELECT id FROM users ORDER BY id LIMIT 2000"],
                             check=True, capture_output=True, text=True).stdout
        people = [int(x) for x in out.split()]
    rows, tags = [], []
    for i in range(1, n + 1):
        status = rng.choices(["new", "open", "pending", "on_hold", "solved", "closed"], [30, 30, 10, 10, 10, 10])[0]
        done = status in ("solved", "closed")
        created = now - rng.randrange(0, 90 * 86400)
        due = NO_DUE if done else now + rng.randrange(-86400, 30 * 86400)
        breached = 1 if (not done and due < now) or rng.random() < 0.03 else 0
        rows.append((i, rng.choice(people), 2, f"Seeded ticket {i}", status,
                     rng.choice(["low", "normal", "high", "urgent"]),
                     people[0] if rng.random() < 0.5 else None, created, created + rng.randrange(0, 86400),
                     due, breached, None if done else due))
        if i % 3 == 0:
            tags.append((i, rng.choice(TICKET_TAGS)))
    cols = ("id, requester_id, plan_id, subject, status, priority, assignee_id, created_at, "
            "updated_at, due_at, breached, check_at")
    if backend == "sqlite":
        import sqlite3
        db = sqlite3.connect(path)
        db.executemany(f"INSERT INTO tickets ({cols}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        db.executemany("INSERT INTO ticket_tags (ticket_id, tag) VALUES (?, ?)", tags)
        db.commit()
        db.execute("ANALYZE")
        db.close()
        return
    def copy(table, columns, data):
        text = "\n".join(",".join("" if v is None else str(v) for v in r) for r in data) + "\n"
        subprocess.run(["psql", url, "-qc", f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)"],
                       input=text, text=True, check=True)
    copy("tickets", cols, rows)
    copy("ticket_tags", "ticket_id, tag", tags)
    subprocess.run(["psql", url, "-qc",
                    "SELECT setval(pg_get_serial_sequence('tickets', 'id'), (SELECT MAX(id) FROM tickets)); ANALYZE"],
                   check=True, capture_output=True)


def answer_text(n, words):
    """A distinct answer per request, so the duplicate detector neither refuses nor holds the writers:
    report.lua puts a number in @N@ and 30 random words in @WORDS@ each time."""
    import random
    rng = random.Random(n)
    return f"Answer {n} (@N@): " + " ".join(rng.choice(words) for _ in range(30)) + ". @WORDS@."


def scenarios(base, work, admin_token):
    """Request lists per scenario, from the live site."""
    qs = http("GET", f"{base}/api/v1/questions?sort=votes&per_page=100")["items"]
    qs += http("GET", f"{base}/api/v1/questions?sort=newest&per_page=100")["items"]
    qs += http("GET", f"{base}/api/v1/questions?sort=active&per_page=100&page=50")["items"]
    tags = [t["name"] for t in http("GET", f"{base}/api/v1/tags?per_page=100")["items"]]
    words = []
    for q in qs:
        words += [w.strip("?,.()").lower() for w in q["title"].split() if len(w) > 4]
    words = sorted(set(words))[:300] or ["coffee"]
    tokens = []
    premium = [p["id"] for p in http("GET", f"{base}/api/v1/plans")["items"] if p["name"] == "Premium"][0]
    for i in range(16):
        r = http("POST", f"{base}/api/v1/auth/signup",
                 {"username": f"bench{i}x{int(time.time())}", "email": f"bench{i}.{time.time()}@example.org",
                  "password": "benchmark password"})
        tokens.append(r["token"])
        # Premium: tickets without a limit of open ones, for write_ticket.
        http("PUT", f"{base}/api/v1/users/{r['user']['id']}/plan", {"plan_id": premium}, admin_token)
    ids = [q["id"] for q in qs]
    s = {
        "question_page": [("GET", q["url"], "", "") for q in qs],
        "home": [("GET", "/", "", ""), ("GET", "/?sort=active", "", ""), ("GET", "/?sort=votes", "", "")],
        "tag_page": [("GET", f"/tags/{t}", "", "") for t in tags],
        # Encoded: raw quotes and non-ASCII in a request target are refused (400) before Stoa sees them.
        "search_api": [("GET", "/api/v1/search?q=" + urllib.request.quote(f"{a} {b}"), "", "")
                       for a, b in zip(words, reversed(words))],
        "similar_api": [("GET", "/api/v1/similar?q=" + urllib.request.quote(q["title"]), "", "") for q in qs],
        "write_vote": [("POST", f"/api/v1/posts/{qid}/vote", json.dumps({"value": v}), tok)
                       for qid in ids for v, tok in ((1, tokens[qid % 16]), (0, tokens[qid % 16]))],
        # The agent inbox: soonest due first, with each filter an agent uses.
        "agent_inbox": [("GET", f"/api/v1/tickets?sort=due{f}", "", admin_token) for f in (
            "", "&assignee=1", "&assignee=none", "&breached=true", "&status=pending", "&plan_id=2",
            "&tag=billing", "&tag=firmware&assignee=1", "&page=5", "&status=solved")],
        "write_ticket": [("POST", "/api/v1/tickets",
                          json.dumps({"subject": f"Bench ticket {n} @N@",
                                      "body": answer_text(n, words), "priority": ["low", "normal", "high", "urgent"][n % 4]}),
                          tokens[n % 16]) for n in range(400)],
        "write_answer": [("POST", f"/api/v1/questions/{qid}/answers",
                          json.dumps({"body": answer_text(n, words) + f" (checked on question {qid})"}),
                          tokens[n % 16]) for n, qid in enumerate(ids)],
    }
    files = {}
    for name, lines in s.items():
        path = os.path.join(work, f"{name}.txt")
        write_lines(path, lines)
        files[name] = path
    return files


def db_size(backend, url, path):
    if backend == "sqlite":
        return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
    out = subprocess.run(["psql", url, "-tAc", "SELECT pg_database_size(current_database())"],
                         check=True, capture_output=True, text=True).stdout
    return int(out.strip())


def tickets_seeded(backend, url, path):
    """Whether a reused database has its tickets already."""
    if backend == "sqlite":
        import sqlite3
        db = sqlite3.connect(path)
        n = db.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
        db.close()
        return n > 0
    out = subprocess.run(["psql", url, "-tAc", "SELECT COUNT(*) FROM tickets"], check=True,
                         capture_output=True, text=True).stdout
    return int(out.strip() or 0) > 0


def import_all(url, gen_dir, env):
    dumps = [os.path.join(DATA, d) for d in sorted(os.listdir(DATA))] + [gen_dir]
    posts, secs = 0, 0.0
    for d in dumps:
        t0 = time.time()
        out = subprocess.run([BIN, "import", "stackexchange", d, "--database-url", url],
                             check=True, capture_output=True, text=True, env=env)
        secs += time.time() - t0
        n = None
        for line in (out.stdout + out.stderr).splitlines():
            if "posts" in line and "imported" in line.lower():
                log("  " + line.strip())
        n = count_posts_in(d)
        posts += n
    return posts, secs


def pg_database_exists(admin_url, name):
    if not name.replace("_", "").isalnum():
        sys.exit(f"--postgres-template {name!r}: use letters, digits and underscores")
    out = subprocess.run(["psql", admin_url, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
                         check=True, capture_output=True, text=True).stdout
    return out.strip() == "1"


def count_posts_in(d):
    n = 0
    with open(os.path.join(d, "Posts.xml"), encoding="utf-8-sig") as f:
        for line in f:
            if line.lstrip().startswith("<row") and ('PostTypeId="1"' in line or 'PostTypeId="2"' in line):
                n += 1
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--questions", type=int, default=100_000)
    ap.add_argument("--tickets", type=int, default=TICKETS)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--postgres-url", default=os.environ.get("STOA_BENCH_POSTGRES_URL", "postgres://stoa:stoa@127.0.0.1:5432"))
    ap.add_argument("--json-out", default=os.path.join(ROOT, "target", "bench", "results.json"))
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--only", default="", help="comma-separated scenarios to run (default: all)")
    ap.add_argument("--sqlite-db", default="", help="reuse this SQLite file (imported once) instead of a fresh site")
    ap.add_argument("--postgres-template", default="",
                    help="PostgreSQL database imported once and copied for each run instead of a fresh import")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    if not args.no_build:
        run(["cargo", "build", "--release", "--bin", "stoa"], cwd=ROOT)
    work = tempfile.mkdtemp(prefix="stoa-bench-")
    gen_dir = os.path.join(ROOT, "target", "bench", f"site-{args.questions}-{args.seed}")
    if not os.path.exists(os.path.join(gen_dir, "Posts.xml")):
        run([sys.executable, os.path.join(ROOT, "bench", "gen_site.py"), gen_dir,
             "--questions", str(args.questions), "--seed", str(args.seed)])
    env = dict(os.environ, STOA_LOG="warn,stoa=info", STOA_LOG_FORMAT="text")
    results = {"questions": args.questions, "seed": args.seed, "duration_s": args.duration, "backends": {}}

    # The ceiling: a minimal handler of the same framework on the same machine.
    ceiling_proc, ceiling_base = start_server([BIN, "bench-ceiling", "--addr", "127.0.0.1:0"], env,
                                              os.path.join(work, "ceiling.log"))
    lines = os.path.join(work, "ceiling.txt")
    write_lines(lines, [("GET", "/", "", "")])
    wrk(ceiling_base, lines, args.warmup)
    ceiling = wrk(ceiling_base, lines, args.duration)
    stop_server(ceiling_proc)
    results["ceiling"] = ceiling
    log(f"ceiling: {ceiling['rps']:.0f} req/s, p99 {ceiling['p99_ms']:.2f} ms")

    for backend in args.backends.split(","):
        reuse = False
        if backend == "sqlite":
            path = args.sqlite_db or os.path.join(work, "bench.db")
            url = f"sqlite://{path}"
            reuse = bool(args.sqlite_db) and os.path.exists(path)
        else:
            path = None
            admin = f"{args.postgres_url}/postgres"
            subprocess.run(["psql", admin, "-qc", "DROP DATABASE IF EXISTS stoa_bench"], check=True)
            template = args.postgres_template
            if template and not pg_database_exists(admin, template):
                subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{template}"'], check=True)
                turl = f"{args.postgres_url}/{template}"
                run([BIN, "migrate", "--database-url", turl], env=env, capture_output=True)
                posts, secs = import_all(turl, gen_dir, env)
                log(f"{backend}: imported {posts} posts into the template {template} in {secs:.1f} s")
            create = "CREATE DATABASE stoa_bench" + (f' TEMPLATE "{template}"' if template else "")
            subprocess.run(["psql", admin, "-qc", create], check=True)
            reuse = bool(template)
            url = f"{args.postgres_url}/stoa_bench"
        run([BIN, "migrate", "--database-url", url], env=env, capture_output=True)
        posts, secs = (0, 0.0) if reuse else import_all(url, gen_dir, env)
        if not reuse or not tickets_seeded(backend, url, path):
            seed_tickets(backend, url, path, args.tickets)
            log(f"{backend}: seeded {args.tickets} tickets")
        if backend == "postgres":
            # Serving is measured, not the end of the import: the checkpoint a bulk load leaves
            # pending would otherwise write out a gigabyte under the first scenarios, and every
            # page first touched after it costs a full-page image in the log.
            subprocess.run(["psql", url, "-qc", "CHECKPOINT"], check=False)
        r = {"import_posts": posts, "import_secs": secs, "import_posts_per_s": posts / secs if secs else 0}
        log(f"{backend}: imported {posts} posts in {secs:.1f} s ({r['import_posts_per_s']:.0f} posts/s)")
        proc, base = start_server([BIN, "serve", "--addr", "127.0.0.1:0", "--database-url", url,
                                   "--config", os.path.join(ROOT, "bench", "bench.toml")],
                                  env, os.path.join(work, f"{backend}.log"))
        time.sleep(1)
        admin_token = lift_write_limits(base, url, env)
        r["rss_idle_mb"] = rss_kb(proc.pid) / 1024
        files = scenarios(base, work, admin_token)
        sampler = RssSampler(proc.pid)
        sampler.start()
        r["scenarios"] = {}
        r["latency"] = {}
        selected = [n for n in files if not args.only or n in args.only.split(",")]
        reads = [n for n in selected if not n.startswith("write_")]
        writes = [n for n in selected if n.startswith("write_")]
        for name in reads:
            throughput(r, name, base, files[name], args, ceiling, sampler)
        # Latency without queueing: one connection, so each figure is the time one request
        # takes, not the wait behind 31 others (the throughput runs measure that). Before the
        # writes: they pile dozens of answers on each of the few hundred sampled questions,
        # which no real thread looks like, and the reads would measure that pile.
        for name in LATENCY_SCENARIOS:
            if name not in reads:
                continue
            sampler.take_scenario_peak()
            wrk(base, files[name], args.warmup, connections=1, threads=1)
            m = wrk(base, files[name], args.duration, connections=1, threads=1)
            m["rss_peak_mb"] = sampler.take_scenario_peak()
            r["latency"][name] = m
            log(f"  {name:14} one connection: p50 {m['p50_ms']:6.2f} ms  p99 {m['p99_ms']:7.2f} ms  errors {m['errors']}"
                f"  RSS peak {m['rss_peak_mb']:.0f} MB")
        for name in writes:
            throughput(r, name, base, files[name], args, ceiling, sampler)
        sampler.stop.set()
        r["rss_load_mb"] = sampler.max_kb / 1024
        stop_server(proc)
        r["db_size_mb"] = db_size(backend, url, path) / 1e6
        results["backends"][backend] = r

    print_table(results)
    os.makedirs(os.path.dirname(args.json_out), exist_ok=True)
    with open(args.json_out, "w") as f:
        json.dump(results, f, indent=2)
    log(f"wrote {args.json_out}")
    shutil.rmtree(work, ignore_errors=True)


def throughput(r, name, base, lines_file, args, ceiling, sampler):
    """One scenario at 32 connections after a warm-up, with the server's RSS peak during it."""
    sampler.take_scenario_peak()
    wrk(base, lines_file, args.warmup)
    m = wrk(base, lines_file, args.duration)
    m["rss_peak_mb"] = sampler.take_scenario_peak()
    m["ratio_to_ceiling"] = m["rps"] / ceiling["rps"] if ceiling["rps"] else 0
    r["scenarios"][name] = m
    log(f"  {name:14} {m['rps']:9.0f} req/s  p50 {m['p50_ms']:6.2f} ms  p99 {m['p99_ms']:7.2f} ms  errors {m['errors']}"
        f"  RSS peak {m['rss_peak_mb']:.0f} MB")


# Scenarios whose latency targets are judged at one connection as well.
LATENCY_SCENARIOS = ("question_page", "search_api", "similar_api", "agent_inbox")


def print_table(results):
    c = results["ceiling"]
    print(f"\nStoa benchmark: {results['questions']} generated questions + real dumps, {results['duration_s']} s per scenario")
    print(f"ceiling (minimal axum handler): {c['rps']:.0f} req/s, p50 {c['p50_ms']:.2f} ms, p99 {c['p99_ms']:.2f} ms\n")
    print(f"{'backend':9} {'scenario':14} {'req/s':>9} {'ratio':>6} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'RSS MB':>7}")
    for backend, r in results["backends"].items():
        for name, m in r["scenarios"].items():
            print(f"{backend:9} {name:14} {m['rps']:9.0f} {m['ratio_to_ceiling']:6.2f} {m['p50_ms']:8.2f} {m['p99_ms']:8.2f} {m['errors']:7d}"
                  f" {m.get('rss_peak_mb', 0):7.0f}")
    print("\nLatency at one connection (the time a request takes, without queueing):")
    for backend, r in results["backends"].items():
        for name, m in r.get("latency", {}).items():
            print(f"{backend:9} {name:14} p50 {m['p50_ms']:8.2f} ms  p99 {m['p99_ms']:8.2f} ms  errors {m['errors']}")
    print()
    for backend, r in results["backends"].items():
        print(f"{backend:9} RSS idle {r['rss_idle_mb']:.0f} MB, under load {r['rss_load_mb']:.0f} MB; "
              f"database {r['db_size_mb']:.0f} MB; import {r['import_posts_per_s']:.0f} posts/s "
              f"({r['import_posts']} posts in {r['import_secs']:.1f} s)")
    if "sqlite" in results["backends"] and "postgres" in results["backends"]:
        print("\nPostgreSQL / SQLite requests/s:")
        for name in results["backends"]["sqlite"]["scenarios"]:
            a = results["backends"]["sqlite"]["scenarios"][name]["rps"]
            b = results["backends"]["postgres"]["scenarios"][name]["rps"]
            print(f"  {name:14} {b / a if a else 0:.2f}")


if __name__ == "__main__":
    main()
