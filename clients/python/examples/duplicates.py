#!/usr/bin/env python3
"""List the articles that share copied text with one article.

    python duplicates.py ARTICLE_ID [--json]

EARLIER rows are what the article copied from, LATER rows what copied it.
"""

from __future__ import annotations

import argparse
import json
import sys

from google.protobuf.json_format import MessageToDict

from wirecopy_client import WirecopyClient, WirecopyError, pb, verdict_name


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("article_id")
    ap.add_argument("--server", default="localhost:50051", help="host:port (default %(default)s)")
    ap.add_argument("--token", help="bearer token, for a server started with --tokens")
    ap.add_argument("--json", action="store_true", help="print the response as JSON")
    args = ap.parse_args(argv)

    with WirecopyClient(args.server, token=args.token) as client:
        try:
            dupes = client.duplicates(args.article_id)
        except WirecopyError as err:
            print(f"error: {err.code().name}: {err.details()}", file=sys.stderr)
            return 1 if err.code().name == "NOT_FOUND" else 2
    if args.json:
        print(json.dumps(MessageToDict(dupes, preserving_proto_field_name=True), indent=2))
        return 0
    print(f"{dupes.article_id} (canonical {dupes.canonical_id}): {len(dupes.related)} related")
    for r in dupes.related:
        print(
            f"  {pb.Relation.Name(r.relation):<8} {verdict_name(r.verdict):<13}"
            f" shared {r.shared_paragraphs:>3} paragraphs ({r.copy_ratio:.2f})"
            f"  {r.article_id}" + (f"  [{r.source}]" if r.source else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
