#!/usr/bin/env python3
"""Writes `word<TAB>stem` lines for the stemmer's reference test (STOA_SNOWBALL_CHECK).

The words are every distinct lower-case ASCII word of the shared Stack Exchange dumps and the
SemEval file (the vocabulary Stoa actually indexes); the stems come from the Snowball
project's own Python implementation (Debian's python3-snowballstemmer), independent of ours.

Usage: snowball-reference.py DATA_DIR OUT_FILE
"""
import html
import os
import re
import sys

import snowballstemmer

WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def words(data_dir):
    seen = set()
    for root, _dirs, files in os.walk(data_dir):
        for name in files:
            if not (name.endswith(".xml")):
                continue
            with open(os.path.join(root, name), encoding="utf-8", errors="replace") as f:
                for line in f:
                    seen.update(WORD.findall(html.unescape(line).lower()))
    return sorted(seen)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    data_dir, out = sys.argv[1], sys.argv[2]
    vocabulary = words(data_dir)
    if len(vocabulary) < 10000:
        sys.exit(f"only {len(vocabulary)} words found under {data_dir}")
    stemmer = snowballstemmer.stemmer("english")
    with open(out, "w", encoding="utf-8") as f:
        for word in vocabulary:
            f.write(f"{word}\t{stemmer.stemWord(word)}\n")
    print(f"snowball reference: {len(vocabulary)} words in {out}")


main()
