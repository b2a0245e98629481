"""The fact stream: delivery, filters, and exactly-once resumption with a cursor file."""

from __future__ import annotations

import json
import threading
import time

import grpc
import pytest

from wirecopy_client import CursorLockedError, CursorStore, WirecopyClient, WirecopyError, pb
from wirecopy_server import edited_copy_of_talks, seed


def events_of(response: pb.SubmitResponse) -> int:
    """How many stream events an acknowledged article produced."""
    return response.facts_created + response.facts_corroborated


def consume(client, store: CursorStore, until: int, limit: int = 10**9) -> list[int]:
    """A consumer: processes events (records their sequences in its state)
    and commits the cursor together with that state after each one."""
    state = store.state or {"seen": []}
    processed = 0
    for event in client.subscribe(after=store, include_corroborations=True, timeout=30):
        assert event.kind != pb.FactEvent.HEARTBEAT  # unfiltered streams need none
        state["seen"].append(event.sequence)
        store.commit(event.sequence, state)
        processed += 1
        if event.sequence >= until or processed >= limit:
            break
    return state["seen"]


def test_subscribe_receives_the_facts_of_a_submitted_article(client):
    ack = client.submit(id="talks", source="apnews.example", body=seed("talks"), published_at="2020-12-01T19:05:00Z")
    total = events_of(ack)
    assert ack.facts_corroborated == 0 and total > 5
    events = []
    for event in client.subscribe(after=0, timeout=30):
        events.append(event)
        if event.sequence == total:
            break
    assert [e.sequence for e in events] == list(range(1, total + 1))
    assert all(e.kind == pb.FactEvent.FACT_CREATED for e in events)
    assert all(e.article_id == "talks" and e.source == "apnews.example" for e in events)
    kinds = {pb.FactKind.Name(e.fact.kind) for e in events}
    assert {"QUOTE", "ENTITY", "TIME"} <= kinds
    lavrov = [e.fact.quote for e in events if e.fact.kind == pb.QUOTE and "Lavrov" in e.fact.quote.speaker]
    assert lavrov, "no quote attributed to Lavrov"


def test_resume_from_a_saved_cursor_delivers_every_later_event_exactly_once(server, tmp_path):
    cursor = tmp_path / "facts.cursor"
    with WirecopyClient(server.target) as client:
        first = events_of(client.submit(id="talks", body=seed("talks")))

        # Consumer 1 processes part of the stream, then stops.
        with CursorStore(cursor) as store:
            assert store.sequence == 0
            seen = consume(client, store, until=first, limit=first // 2)
        assert seen == list(range(1, first // 2 + 1))
        assert json.loads(cursor.read_text())["sequence"] == first // 2

        # More articles arrive while nobody listens: a copy (corroborations)
        # and an unrelated story.
        second = events_of(client.submit(id="copy", body=edited_copy_of_talks(seed("talks"))))
        third = events_of(client.submit(id="sputnik", body=seed("sputnik")))
        head = first + second + third

    # Even across a server restart (same data directory) ...
    server.restart()

    with WirecopyClient(server.target) as client:
        # ... consumer 2 resumes from the file: the rest of the backlog,
        # then an article submitted while it follows the live stream.
        with CursorStore(cursor) as store:
            assert store.sequence == first // 2
            seen = consume(client, store, until=head)
            assert seen == list(range(1, head + 1))

            # Follow live: the first event of an article submitted meanwhile.
            live: list[int] = []
            t = threading.Thread(target=lambda: live.append(consume(client, store, until=10**9, limit=1)[-1]))
            t.start()
            time.sleep(0.5)
            fourth = events_of(
                client.submit(id="sputnik-copy", body=seed("sputnik").replace("the the", "the"))
            )
            t.join(30)
            assert live == [head + 1]
        # And the rest of that article's events, from the file once more.
        with CursorStore(cursor) as store:
            final = head + fourth
            seen = consume(client, store, until=final)
        assert seen == list(range(1, final + 1)), "a gap or a duplicate across restarts"


def test_reconnect_follows_the_stream_across_a_server_restart(server):
    received: list[pb.FactEvent] = []
    stop = threading.Event()
    with WirecopyClient(server.target) as client:
        def follow():
            for event in client.subscribe(after=0, include_corroborations=True, reconnect=True, timeout=90):
                received.append(event)
                if stop.is_set():
                    break

        t = threading.Thread(target=follow, daemon=True)
        t.start()
        first = events_of(client.submit(id="talks", body=seed("talks")))
        _wait_for(lambda: len(received) >= first)

        server.restart()  # ends the stream; the generator reconnects
        second = events_of(client.submit(id="copy", body=edited_copy_of_talks(seed("talks"))))
        _wait_for(lambda: len(received) >= first + second)
        stop.set()
        client.submit(id="sputnik", body=seed("sputnik"))  # wakes the follower so it can stop
        t.join(30)
    sequences = [e.sequence for e in received]
    assert sequences[: first + second] == list(range(1, first + second + 1))
    assert len(set(sequences)) == len(sequences)
    assert any(e.kind == pb.FactEvent.FACT_CORROBORATED and e.article_id == "copy" for e in received)


def test_filters_and_heartbeats(server_factory):
    server = server_factory("--heartbeat-seconds", "1")
    with WirecopyClient(server.target) as client:
        head = events_of(client.submit(id="talks", source="apnews.example", body=seed("talks")))
        head += events_of(client.submit(id="sputnik", source="UrduPoint", body=seed("sputnik")))

        lavrov = list(client.subscribe(entity="lavrov", kinds=["QUOTE", "ENTITY"], timeout=1.5, heartbeats=False))
        assert lavrov
        for e in lavrov:
            assert e.fact.kind in (pb.QUOTE, pb.ENTITY)
            name = e.fact.quote.speaker if e.fact.kind == pb.QUOTE else e.fact.entity.name
            assert "lavrov" in name.lower(), name

        urdupoint = list(client.subscribe(sources=["urdupoint"], timeout=1.5, heartbeats=False))
        assert urdupoint and {e.article_id for e in urdupoint} == {"sputnik"}

        # Nothing matches: heartbeats carry the scanned sequence forward.
        quiet = list(client.subscribe(entity="nobody in particular", timeout=2.5))
        assert quiet and all(e.kind == pb.FactEvent.HEARTBEAT and not e.HasField("fact") for e in quiet)
        assert quiet[-1].sequence == head


def test_cursor_beyond_the_head_is_out_of_range(client):
    client.submit(id="talks", body=seed("talks"))
    with pytest.raises(WirecopyError) as err:
        next(client.subscribe(after=1_000_000, timeout=10))
    assert err.value.code() == grpc.StatusCode.OUT_OF_RANGE


def test_from_now_skips_the_backlog(client):
    head = events_of(client.submit(id="talks", body=seed("talks")))
    got: list[pb.FactEvent] = []

    def follow():
        for event in client.subscribe(from_now=True, include_corroborations=True, timeout=30):
            got.append(event)
            break

    t = threading.Thread(target=follow)
    t.start()
    # The subscription starts at the head whenever the server gets it; keep
    # storing new articles until the follower sees one of them.
    n = 0
    while t.is_alive() and n < 20:
        time.sleep(0.5)
        client.submit(id=f"later-{n}", body=seed("sputnik") + f"\nUpdate number {n} of this story, with enough words to count.")
        n += 1
    t.join(30)
    assert got and got[0].article_id.startswith("later-") and got[0].sequence > head


def test_cursor_store_file_semantics(tmp_path):
    path = tmp_path / "sub" / "c.cursor"
    with CursorStore(path) as store:
        assert (store.sequence, store.state) == (0, None)
        store.commit(5, {"count": 5})
        with pytest.raises(ValueError):
            store.commit(4)
        # A second consumer on the same cursor would double-process.
        with pytest.raises(CursorLockedError):
            CursorStore(path)
    assert not list(path.parent.glob("*.tmp"))
    with CursorStore(path) as again:
        assert (again.sequence, again.state) == (5, {"count": 5})
    path.write_text("1200\n")  # hand-written, like `wirecopy subscribe --after 1200`
    assert CursorStore(path, lock=False).sequence == 1200


def _wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)
