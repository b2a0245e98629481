#!/usr/bin/env python3
"""Follow wirecopy's fact stream, resuming where the last run stopped.

    python subscribe.py --cursor facts.cursor            # follow until Ctrl-C
    python subscribe.py --cursor facts.cursor --limit 10 # process 10 facts, then stop
    python subscribe.py --kind QUOTE --entity lavrov --corroborations

Each event is printed as one JSON line, then its sequence is committed to the
cursor file together with this consumer's running totals, in one atomic
write. Stopping at any point (Ctrl-C, --limit, a crash) and starting again
with the same --cursor therefore continues with the next event: none is
missed and none is counted twice. The server's restarts are followed too.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys

from google.protobuf.json_format import MessageToDict

from wirecopy_client import CursorLockedError, CursorStore, WirecopyClient, WirecopyError, fact_summary, pb


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", default="localhost:50051", help="host:port (default %(default)s)")
    ap.add_argument("--token", help="bearer token, for a server started with --tokens")
    ap.add_argument("--cursor", default="wirecopy-facts.cursor", help="cursor file (default %(default)s)")
    ap.add_argument("--kind", action="append", default=[], choices=["QUOTE", "ENTITY", "TIME", "QUANTITY"])
    ap.add_argument("--source", action="append", default=[], help="only facts from this outlet")
    ap.add_argument("--entity", default="", help="only this person/organisation/place (or quote speaker)")
    ap.add_argument("--corroborations", action="store_true", help="also FACT_CORROBORATED events")
    ap.add_argument("--limit", type=int, help="stop after processing this many fact events")
    ap.add_argument("--seconds", type=float, help="stop after this many seconds")
    ap.add_argument("--summary", action="store_true", help="print only the fact summaries, not JSON")
    args = ap.parse_args(argv)

    # Ctrl-C and SIGTERM stop the consumer between two events, never
    # between printing an event and committing it (which would print it
    # again on the next run): while an event is being handled the signal
    # only sets a flag, checked after the commit.
    state = {"busy": False, "stop": False}

    def on_signal(signum, frame):
        if state["busy"]:
            state["stop"] = True
        else:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        store = CursorStore(args.cursor)
    except CursorLockedError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    totals = store.state or {"facts": 0, "by_kind": {}}
    print(f"resuming after sequence {store.sequence}", file=sys.stderr)
    processed = 0
    try:
        with WirecopyClient(args.server, token=args.token) as client:
            events = client.subscribe(
                after=store,
                kinds=args.kind,
                sources=args.source,
                entity=args.entity,
                include_corroborations=args.corroborations,
                reconnect=True,
                timeout=args.seconds,
            )
            for event in events:
                state["busy"] = True
                if event.kind != pb.FactEvent.HEARTBEAT:
                    kind = pb.FactKind.Name(event.fact.kind)
                    totals["facts"] += 1
                    totals["by_kind"][kind] = totals["by_kind"].get(kind, 0) + 1
                    if args.summary:
                        print(f"{event.sequence}\t{event.article_id}\t{fact_summary(event.fact)}", flush=True)
                    else:
                        print(json.dumps(MessageToDict(event, preserving_proto_field_name=True)), flush=True)
                    processed += 1
                # Heartbeats move the cursor too: what they cover did not match.
                store.commit(event.sequence, totals)
                state["busy"] = False
                if state["stop"] or (args.limit is not None and processed >= args.limit):
                    break
    except KeyboardInterrupt:
        pass
    except WirecopyError as err:
        print(f"error: {err.code().name}: {err.details()}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(f"processed {processed}; cursor at {store.sequence}; totals {json.dumps(totals)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
