#!/usr/bin/env python3
"""Notifications benchmark (printed, not asserted), on SQLite, with the release binary:

1. fan-out: a new question in a tag followed by 10,000 people, from the request that asks it
   until the 10,000th notification is stored;
2. e-mail: a question in a tag whose 2,000 followers want e-mail at once, delivered to a real
   SMTP server on loopback (scripts/smtp-sink.py, aiosmtpd): messages per second;
3. answers per second with notifications on and off (`jobs.notifications`), same site, same
   wrk load as bench/run.py's write_answer scenario, each run on a fresh copy of the site.

Usage: bench/notifications.py [--followers N] [--mail N] [--questions N] [--duration SECS]
                              [--warmup SECS] [--rounds N] [--no-build] [--json-out FILE]
"""
import argparse
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (the main benchmark's helpers: server, wrk, import, writers)

ROOT = bench.ROOT
BIN = bench.BIN
log = bench.log


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_sink(folder):
    port = free_port()
    proc = subprocess.Popen(["/usr/bin/python3", os.path.join(ROOT, "scripts", "smtp-sink.py"),
                             "--port", str(port), "--dir", folder], stdout=subprocess.PIPE, text=True)
    if proc.stdout.readline().strip() != "ready":
        sys.exit("the SMTP sink did not start (apt-get install python3-aiosmtpd)")
    return proc, f"smtp://127.0.0.1:{port}"


def write_config(path, smtp_url, notifications=True):
    with open(os.path.join(ROOT, "bench", "bench.toml")) as f:
        base = f.read()
    with open(path, "w") as f:
        f.write(base)
        f.write(f'\n[smtp]\nurl = "{smtp_url}"\ndaily_cap = 1000000\n'
                f'\n[jobs]\npoll_ms = 20\nnotifications = {"true" if notifications else "false"}\n')


def add_followers(db_path, n, tag, email_channel):
    """n confirmed people following `tag`, inserted directly (sign-ups would hash n passwords)."""
    con = sqlite3.connect(db_path, timeout=30)
    con.execute("PRAGMA busy_timeout = 30000")
    stamp = int(time.time())
    rows = [(f"{tag}{i}", f"{tag}{i}", f"{tag}{i}@example.org", f"{tag}{i}@example.org", stamp, stamp, stamp)
            for i in range(n)]
    con.executemany("INSERT INTO users (username, username_key, email, email_key, created_at, last_seen_at,"
                    " email_confirmed_at) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute("INSERT INTO follows (user_id, target_type, target, created_at)"
                " SELECT id, 'tag', ?, ? FROM users WHERE username LIKE ?", (tag, stamp, f"{tag}%"))
    if email_channel:
        con.execute("INSERT INTO notification_settings (user_id, kind, channel)"
                    " SELECT id, 'followed_tag', 'email' FROM users WHERE username LIKE ?", (f"{tag}%",))
    con.commit()
    con.close()


def count(db_path, sql, args=()):
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute(sql, args).fetchone()[0]
    finally:
        con.close()


def wait_for(what, check, timeout=300, step=0.005):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = check()
        if v:
            return v
        time.sleep(step)
    sys.exit(f"timed out waiting for {what}")


def signup_asker(base, name):
    return bench.http("POST", f"{base}/api/v1/auth/signup",
                      {"username": name, "email": f"{name}@example.org", "password": "benchmark password"})["token"]


def fan_out_and_mail(args, work, env):
    db = os.path.join(work, "notify.db")
    url = f"sqlite://{db}"
    mail_dir = os.path.join(work, "mail")
    sink, smtp = start_sink(mail_dir)
    cfg = os.path.join(work, "notify.toml")
    write_config(cfg, smtp)
    bench.run([BIN, "migrate", "--database-url", url], env=env, capture_output=True)
    add_followers(db, args.followers, "fanout", email_channel=False)
    add_followers(db, args.mail, "mailing", email_channel=True)
    proc, base = bench.start_server([BIN, "serve", "--addr", "127.0.0.1:0", "--database-url", url, "--config", cfg],
                                    env, os.path.join(work, "notify.log"))
    out = {}
    try:
        token = signup_asker(base, "fanasker")
        t0 = time.time()
        q = bench.http("POST", f"{base}/api/v1/questions", {
            "title": "A question that ten thousand people follow",
            "body": "Every follower of the tag should hear of this once.", "tags": ["fanout"]}, token)
        posted = time.time() - t0
        wait_for("the fan-out", lambda: count(
            db, "SELECT COUNT(*) FROM notifications WHERE kind = 'followed_tag' AND event_key = ?",
            (f"post:{q['id']}",)) >= args.followers)
        out["fanout"] = {"followers": args.followers, "ask_request_s": posted, "seconds": time.time() - t0}
        log(f"fan-out to {args.followers} followers: {out['fanout']['seconds']:.3f} s from the request"
            f" (the request itself {posted * 1000:.1f} ms)")

        before = len([f for f in os.listdir(mail_dir) if f.endswith(".eml")])
        t0 = time.time()
        bench.http("POST", f"{base}/api/v1/questions", {
            "title": "A question whose followers want e-mail at once",
            "body": "Each of them gets one message.", "tags": ["mailing"]}, token)
        first = [None]

        def delivered():
            n = len([f for f in os.listdir(mail_dir) if f.endswith(".eml")]) - before
            if n > 0 and first[0] is None:
                first[0] = time.time()
            return n >= args.mail
        wait_for("the e-mail", delivered, timeout=600, step=0.05)
        done = time.time()
        out["mail"] = {"messages": args.mail, "seconds": done - t0,
                       "per_s": args.mail / (done - t0),
                       "per_s_after_first": args.mail / (done - first[0]) if done > first[0] else 0}
        log(f"e-mail: {args.mail} messages in {out['mail']['seconds']:.2f} s = {out['mail']['per_s']:.0f} msg/s"
            f" ({out['mail']['per_s_after_first']:.0f} msg/s from the first delivery)")
    finally:
        bench.stop_server(proc)
        sink.terminate()
        sink.wait()
    return out


def answers(args, work, env):
    """write_answer on the same small site, notifications on, then off, each on a fresh copy."""
    gen_dir = os.path.join(work, "gen")
    bench.run([sys.executable, os.path.join(ROOT, "bench", "gen_site.py"), "--questions", str(args.questions),
               "--seed", "42", gen_dir], capture_output=True)
    pristine = os.path.join(work, "site.db")
    url = f"sqlite://{pristine}"
    bench.run([BIN, "migrate", "--database-url", url], env=env, capture_output=True)
    bench.run([BIN, "import", "stackexchange", gen_dir, "--database-url", url], env=env, capture_output=True)
    mail_dir = os.path.join(work, "mail-answers")
    sink, smtp = start_sink(mail_dir)
    out = {"on": [], "off": []}
    try:
        # Alternated, so that drift on a shared machine weighs on both alike.
        for i, on in enumerate([True, False] * args.rounds):
            label = "on" if on else "off"
            # A fresh name each run: an old -wal file beside a copied database corrupts it.
            db = os.path.join(work, f"answers-{i}-{label}.db")
            shutil.copy(pristine, db)
            cfg = os.path.join(work, f"answers-{label}.toml")
            write_config(cfg, smtp, notifications=on)
            u = f"sqlite://{db}"
            proc, base = bench.start_server([BIN, "serve", "--addr", "127.0.0.1:0", "--database-url", u,
                                             "--config", cfg], env, os.path.join(work, f"answers-{label}.log"))
            try:
                time.sleep(1)
                bench.lift_write_limits(base, u, env)
                files = bench.scenarios(base, work)
                bench.wrk(base, files["write_answer"], args.warmup)
                m = bench.wrk(base, files["write_answer"], args.duration)
                m["notify_jobs"] = count(db, "SELECT COUNT(*) FROM jobs WHERE kind = 'notify'")
                out[label].append(m)
                log(f"answers, notifications {label:3}: {m['rps']:7.0f} req/s  p50 {m['p50_ms']:6.2f} ms"
                    f"  p99 {m['p99_ms']:7.2f} ms  errors {m['errors']}  notify jobs {m['notify_jobs']}")
            finally:
                bench.stop_server(proc)
    finally:
        sink.terminate()
        sink.wait()
    for label in ("on", "off"):
        runs = out[label]
        out[label] = {"rps": sum(m["rps"] for m in runs) / len(runs), "runs": runs}
    if out["off"]["rps"]:
        out["ratio_on_to_off"] = out["on"]["rps"] / out["off"]["rps"]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--followers", type=int, default=10_000)
    ap.add_argument("--mail", type=int, default=2_000)
    ap.add_argument("--questions", type=int, default=2_000)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=2, help="on/off pairs of the answers scenario")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--json-out", default=os.path.join(ROOT, "target", "bench", "notifications.json"))
    args = ap.parse_args()
    if not args.no_build:
        bench.run(["cargo", "build", "--release", "--bin", "stoa"], cwd=ROOT)
    env = dict(os.environ)
    work = tempfile.mkdtemp(prefix="stoa-bench-notify-")
    results = {"fanout_and_mail": fan_out_and_mail(args, work, env), "answers": answers(args, work, env)}
    f, m, a = results["fanout_and_mail"]["fanout"], results["fanout_and_mail"]["mail"], results["answers"]
    print("\nStoa notifications benchmark (SQLite, release build)")
    print(f"  fan-out to {f['followers']:,} followers        {f['seconds']:8.3f} s   (target < 1 s)")
    print(f"  e-mail to the local SMTP server   {m['per_s']:8.0f} msg/s ({m['per_s_after_first']:.0f} from the first;"
          f" target >= 200)")
    each = lambda k: ", ".join(f"{m['rps']:.0f}" for m in a[k]["runs"])
    print(f"  answers/s, notifications on       {a['on']['rps']:8.0f}   (runs: {each('on')})")
    print(f"  answers/s, notifications off      {a['off']['rps']:8.0f}   (runs: {each('off')})")
    print(f"  on / off                          {a.get('ratio_on_to_off', 0):8.2f}   (target >= 0.90)")
    os.makedirs(os.path.dirname(args.json_out), exist_ok=True)
    with open(args.json_out, "w") as fh:
        json.dump(results, fh, indent=2)
    log(f"wrote {args.json_out}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
