#!/usr/bin/env python3
"""Writes a synthetic Stack Exchange data dump (Posts.xml, Users.xml, Comments.xml) of N
questions, each with 2-3 answers and a few comments, by recombining the real sentences,
titles and tags of the dumps in ../shared/data/stackexchange. Deterministic from the seed.

Usage: gen_site.py OUT_DIR [--questions N] [--seed S] [--data DIR]
"""
import argparse
import html
import os
import random
import re
import sys
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from xml.sax.saxutils import quoteattr

TAG_RE = re.compile(r"<[^>]+>")
SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")


def load_pool(data_dir):
    sentences, titles, tags, comments = [], [], [], []
    for site in sorted(os.listdir(data_dir)):
        posts = os.path.join(data_dir, site, "Posts.xml")
        if not os.path.exists(posts):
            continue
        for _, row in ET.iterparse(posts):
            if row.tag != "row":
                continue
            body = row.get("Body") or ""
            text = html.unescape(TAG_RE.sub(" ", body))
            for s in SENTENCE_RE.split(" ".join(text.split())):
                if 20 <= len(s) <= 300:
                    sentences.append(s)
            if row.get("PostTypeId") == "1" and row.get("Title"):
                titles.append(row.get("Title"))
                raw = row.get("Tags") or ""
                tags.extend(t for t in re.split(r"[<>|]+", raw) if t)
            row.clear()
        cpath = os.path.join(data_dir, site, "Comments.xml")
        if os.path.exists(cpath):
            for _, row in ET.iterparse(cpath):
                if row.tag == "row" and 10 <= len(row.get("Text") or "") <= 500:
                    comments.append(row.get("Text"))
                row.clear()
    if not comments:
        comments = [s for s in sentences if len(s) < 200]
    return sentences, titles, sorted(set(tags)), comments


def paragraph_body(rng, sentences, lo, hi):
    n = rng.randint(lo, hi)
    picked = [html.escape(rng.choice(sentences)) for _ in range(n)]
    paras, i = [], 0
    while i < len(picked):
        k = rng.randint(1, 3)
        paras.append("<p>" + " ".join(picked[i : i + k]) + "</p>")
        i += k
    return "\n".join(paras)


def ts(d):
    return d.strftime("%Y-%m-%dT%H:%M:%S.000")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--questions", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--users", type=int, default=3_000)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "stackexchange"))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    sentences, titles, tags, comment_pool = load_pool(args.data)
    if not sentences or not titles:
        sys.exit(f"no source text found under {args.data}")
    os.makedirs(args.out, exist_ok=True)
    start = datetime(2019, 1, 1)
    span = 5 * 365 * 24 * 3600
    with open(os.path.join(args.out, "Users.xml"), "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="utf-8"?>\n<users>\n')
        for u in range(1, args.users + 1):
            f.write(f'  <row Id="{u}" Reputation="{rng.randint(1, 5000)}" CreationDate="{ts(start)}" '
                    f'DisplayName="member {u}" LastAccessDate="{ts(start)}" Views="0" UpVotes="0" DownVotes="0" />\n')
        f.write("</users>\n")
    post_id, comment_id = 0, 0
    with open(os.path.join(args.out, "Posts.xml"), "w", encoding="utf-8") as posts, \
         open(os.path.join(args.out, "Comments.xml"), "w", encoding="utf-8") as comments:
        posts.write('<?xml version="1.0" encoding="utf-8"?>\n<posts>\n')
        comments.write('<?xml version="1.0" encoding="utf-8"?>\n<comments>\n')
        for _ in range(args.questions):
            post_id += 1
            qid = post_id
            created = start + timedelta(seconds=rng.randint(0, span))
            n_answers = rng.randint(2, 3)
            answer_ids = list(range(qid + 1, qid + 1 + n_answers))
            accepted = rng.choice(answer_ids) if rng.random() < 0.5 else None
            title = rng.choice(titles)
            if rng.random() < 0.5:
                title = f"{title} ({rng.choice(tags)})"
            qtags = rng.sample(tags, k=min(len(tags), rng.randint(1, 3)))
            attrs = {
                "Id": qid, "PostTypeId": 1, "CreationDate": ts(created), "Score": rng.randint(-2, 30),
                "ViewCount": rng.randint(5, 5000), "Body": paragraph_body(rng, sentences, 2, 6),
                "OwnerUserId": rng.randint(1, args.users), "LastActivityDate": ts(created + timedelta(days=3)),
                "Title": title[:150], "Tags": "".join(f"<{t}>" for t in qtags), "AnswerCount": n_answers,
                "CommentCount": 1,
            }
            if accepted:
                attrs["AcceptedAnswerId"] = accepted
            posts.write("  <row " + " ".join(f"{k}={quoteattr(str(v))}" for k, v in attrs.items()) + " />\n")
            for aid in answer_ids:
                post_id = aid
                a_created = created + timedelta(hours=rng.randint(1, 72))
                attrs = {
                    "Id": aid, "PostTypeId": 2, "ParentId": qid, "CreationDate": ts(a_created),
                    "Score": rng.randint(-1, 20), "Body": paragraph_body(rng, sentences, 1, 5),
                    "OwnerUserId": rng.randint(1, args.users), "LastActivityDate": ts(a_created), "CommentCount": 1,
                }
                posts.write("  <row " + " ".join(f"{k}={quoteattr(str(v))}" for k, v in attrs.items()) + " />\n")
            for target in [qid] + answer_ids[:1]:
                comment_id += 1
                attrs = {
                    "Id": comment_id, "PostId": target, "Score": rng.randint(0, 5), "Text": rng.choice(comment_pool)[:600],
                    "CreationDate": ts(created + timedelta(hours=rng.randint(1, 100))), "UserId": rng.randint(1, args.users),
                }
                comments.write("  <row " + " ".join(f"{k}={quoteattr(str(v))}" for k, v in attrs.items()) + " />\n")
        posts.write("</posts>\n")
        comments.write("</comments>\n")
    print(f"wrote {args.questions} questions, {post_id - args.questions} answers, {comment_id} comments, "
          f"{args.users} users to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
