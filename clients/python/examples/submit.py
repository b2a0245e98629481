#!/usr/bin/env python3
"""Submit articles to wirecopy and print each verdict.

    python submit.py story.txt other.txt            # text: first line is the title
    python submit.py --source reuters.com feed.jsonl # one article (JSON) per line
    python submit.py page.html                       # raw HTML: the server extracts the text
    python submit.py --analyze story.txt             # preview: stores nothing

Several articles go through one SubmitStream (one acknowledgement per
article, in order); --analyze uses the unary Analyze RPC instead. Exits 1 if
any article was refused.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from wirecopy_client import WirecopyClient, WirecopyError, pb, response_error, verdict_name


def read_articles(paths, source, language):
    """Yields article dicts; lazily, so a large JSONL file streams."""
    for path in map(Path, paths):
        defaults = {"source": source or None, "language": language or None}
        if path.suffix == ".jsonl":
            with path.open(encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        yield {**defaults, **json.loads(line)}
        elif path.suffix in (".html", ".htm"):
            # The server extracts the article text; the id is the file path.
            yield {**defaults, "id": str(path), "html": path.read_text(encoding="utf-8")}
        else:
            title, _, body = path.read_text(encoding="utf-8").partition("\n")
            yield {**defaults, "id": str(path), "title": title.strip(), "body": body}


def describe(resp: pb.SubmitResponse) -> str:
    line = f"{resp.article_id}\t{verdict_name(resp.verdict)}\tcopy {resp.copy_ratio:.2f}"
    if resp.canonical_id and resp.canonical_id != resp.article_id:
        line += f"\tcanonical {resp.canonical_id}"
    return line + f"\tfacts +{resp.facts_created} ~{resp.facts_corroborated}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", help=".txt (title line + body), .html or .jsonl")
    ap.add_argument("--server", default="localhost:50051", help="host:port (default %(default)s)")
    ap.add_argument("--token", help="bearer token, for a server started with --tokens")
    ap.add_argument("--source", help="outlet for articles that name none")
    ap.add_argument("--language", help="BCP 47 tag for articles that give none")
    ap.add_argument("--analyze", action="store_true", help="preview verdicts, store nothing")
    args = ap.parse_args(argv)

    refused = 0
    with WirecopyClient(args.server, token=args.token) as client:
        articles = read_articles(args.files, args.source, args.language)
        try:
            if args.analyze:
                responses = (client.analyze(a) for a in articles)
            else:
                responses = client.submit_many(articles)
            for resp in responses:
                err = response_error(resp)
                if err:
                    refused += 1
                    print(f"{resp.article_id}\tREFUSED\t{err.code().name}: {err.details()}")
                else:
                    print(describe(resp))
        except WirecopyError as err:
            print(f"error: {err.code().name}: {err.details()}", file=sys.stderr)
            return 2
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
