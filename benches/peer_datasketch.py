#!/usr/bin/env python3
"""The peer comparison: what a user would run instead of wirecopy.

Near-duplicate detection with datasketch's MinHashLSH (installed from PyPI
if missing) over the same corpus the load generator uses: every BBC
article, then wire-copy-like variants of a third of them, each queried
against the index and then inserted (word 3-shingles, 128 permutations,
Jaccard threshold 0.5). It prints articles/s and, given the load
generator's JSON report, wirecopy's SubmitStream throughput as a ratio.

    python3 benches/peer_datasketch.py --corpus ../shared/data/bbc --wirecopy perf.json
"""
import argparse
import json
import pathlib
import random
import re
import subprocess
import sys
import time


def ensure_datasketch():
    try:
        import datasketch  # noqa: F401
    except ImportError:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "datasketch"])


def load_corpus(directory):
    bodies, seen = [], set()
    for path in sorted(pathlib.Path(directory).glob("*/*.txt")):
        text = path.read_bytes().decode("utf-8", errors="replace")
        body = text.split("\n", 1)[1].strip() if "\n" in text else ""
        if body and body not in seen:
            seen.add(body)
            bodies.append(body)
    return bodies


def variant(rng, body):
    """A wire copy: a dateline, a typo or two, the last paragraph dropped."""
    paragraphs = [p for p in body.split("\n") if p.strip()]
    if len(paragraphs) > 3:
        paragraphs = paragraphs[:-1]
    text = "LONDON (Reuters) - " + "\n\n".join(paragraphs)
    words = text.split(" ")
    for _ in range(2):
        i = rng.randrange(len(words))
        if len(words[i]) > 4:
            words[i] = words[i][:2] + words[i][3:]
    return " ".join(words)


def shingles(text):
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i:i + 3]).encode() for i in range(max(1, len(words) - 2))}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="../shared/data/bbc")
    parser.add_argument("--wirecopy", help="the load generator's JSON report")
    args = parser.parse_args()
    ensure_datasketch()
    from datasketch import MinHash, MinHashLSH

    rng = random.Random(7)
    bodies = load_corpus(args.corpus)
    if not bodies:
        sys.exit(f"no articles under {args.corpus}")
    articles = bodies + [variant(rng, b) for b in rng.sample(bodies, len(bodies) // 3)]
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    started = time.perf_counter()
    flagged = 0
    for n, text in enumerate(articles):
        minhash = MinHash(num_perm=128)
        minhash.update_batch(list(shingles(text)))
        if lsh.query(minhash):
            flagged += 1
        lsh.insert(f"a{n}", minhash)
    elapsed = time.perf_counter() - started
    rate = len(articles) / elapsed
    megabytes = sum(len(a.encode()) for a in articles) / 1e6
    print(f"datasketch MinHashLSH: {len(articles)} articles in {elapsed:.2f} s: "
          f"{rate:.0f} articles/s, {megabytes / elapsed:.2f} MB/s ({flagged} flagged as near duplicates)")
    print("(in memory only: no durable storage, no paragraph-level sources, no facts, no network)")
    if args.wirecopy:
        report = json.loads(pathlib.Path(args.wirecopy).read_text())
        ours = report["submit_stream"]["articles_per_s"]
        print(f"wirecopy SubmitStream: {ours:.0f} articles/s, {ours / rate:.2f}x datasketch")


if __name__ == "__main__":
    main()
