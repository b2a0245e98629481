"""The client layer against a real server: submit, get, duplicates, errors, auth."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import grpc
import pytest

from wirecopy_client import (
    ARTICLE_FIELDS,
    WirecopyClient,
    WirecopyError,
    make_article,
    pb,
    response_error,
    verdict_name,
)
from wirecopy_server import REPO_DIR, dead_port, edited_copy_of_talks, seed


def test_stubs_are_generated_from_the_repository_proto():
    # The generated Article must have every field the proto declares (a
    # stale or hand-written stub would miss a newly added one, like html).
    proto = (REPO_DIR / "proto" / "wirecopy" / "v1" / "wirecopy.proto").read_text()
    block = re.search(r"message Article \{(.*?)\n\}", proto, re.S).group(1)
    declared = set(re.findall(r"^\s*(?:map<[^>]+>|[\w.]+)\s+(\w+)\s*=\s*\d+;", block, re.M))
    assert declared and declared == set(ARTICLE_FIELDS)
    # The generated modules are package-relative, not a top-level `wirecopy`.
    assert pb.__name__ == "wirecopy_client.proto.wirecopy.v1.wirecopy_pb2"
    assert pb.DESCRIPTOR.package == "wirecopy.v1"


def test_submit_get_and_duplicates_of_an_edited_copy(client):
    original = seed("talks")
    first = client.submit(
        id="ap-talks",
        url="https://apnews.example/article/lavrov-ayvazian",
        source="apnews.example",
        title="Russia's Lavrov hosts Armenian FM for talks",
        body=original,
        published_at="2020-12-01T19:05:00Z",
        language="en",
        labels={"section": "world"},
    )
    assert first.verdict == pb.ORIGINAL
    assert first.canonical_id == "ap-talks"
    assert first.sequence == 1
    assert first.facts_created > 0
    assert len(first.paragraphs) == 10

    copy_body = edited_copy_of_talks(original)
    second = client.submit(
        {"url": "https://courier.example/world/lavrov-talks", "source": "courier.example", "body": copy_body}
    )
    # id fell back to the url
    assert second.article_id == "https://courier.example/world/lavrov-talks"
    assert verdict_name(second.verdict) == "WIRE_COPY", second
    assert second.canonical_id == "ap-talks"
    assert second.copy_ratio >= 0.9
    assert any(c.kind == pb.Credit.DATELINE for c in second.credits)
    matched = [p for p in second.paragraphs if p.kind in (pb.EXACT, pb.NEAR)]
    assert len(matched) >= 8 and all(p.source_article_id == "ap-talks" for p in matched)
    assert second.facts_corroborated > 0

    stored = client.get_article("ap-talks")
    assert stored.article.body == original  # byte for byte
    assert stored.article.source == "apnews.example"
    assert stored.article.labels["section"] == "world"
    assert stored.article.published_at.ToDatetime() == dt.datetime(2020, 12, 1, 19, 5)
    assert stored.analysis.verdict == pb.ORIGINAL

    dupes = client.duplicates("ap-talks")
    assert dupes.canonical_id == "ap-talks"
    [later] = dupes.related
    assert later.article_id == second.article_id
    assert later.relation == pb.LATER
    assert later.verdict == pb.WIRE_COPY
    assert later.source == "courier.example"
    assert later.shared_paragraphs >= 8

    [earlier] = client.duplicates(second.article_id).related
    assert earlier.article_id == "ap-talks" and earlier.relation == pb.EARLIER


def test_resubmit_conflict_and_analyze(client):
    body = seed("sputnik")
    assert client.analyze(id="s-1", body=body).sequence == 0  # Analyze stores nothing
    with pytest.raises(WirecopyError) as err:
        client.get_article("s-1")
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert isinstance(err.value, grpc.RpcError)

    assert client.submit(id="s-1", body=body).verdict == pb.ORIGINAL
    again = client.submit(id="s-1", body=body)
    assert again.verdict == pb.RESUBMITTED and again.stored_verdict == pb.ORIGINAL
    with pytest.raises(WirecopyError) as err:
        client.submit(id="s-1", body=body + "\nA new closing paragraph changes the content of the article.")
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS
    with pytest.raises(WirecopyError) as err:
        client.submit(id="", body="no id and no url")
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "article.id" in err.value.details()


def test_submit_many_keeps_order_and_reports_per_article_errors(client):
    talks = seed("talks")
    articles = [
        {"id": "a", "body": talks},
        {"id": "b", "body": "   "},  # refused, the stream goes on
        {"id": "c", "body": edited_copy_of_talks(talks)},
        make_article(id="d", body=seed("sputnik"), published_at=dt.datetime(2020, 12, 1, 18, 32)),
    ]
    responses = list(client.submit_many(iter(articles)))
    assert [r.article_id for r in responses] == ["a", "b", "c", "d"]
    assert response_error(responses[0]) is None
    err = response_error(responses[1])
    assert err is not None and err.code() == grpc.StatusCode.INVALID_ARGUMENT and "article.body" in err.details()
    assert responses[2].verdict == pb.WIRE_COPY and responses[2].canonical_id == "a"
    assert responses[3].verdict == pb.ORIGINAL
    # Every response is an acknowledgement: the articles are stored.
    assert client.get_article("c").analysis.canonical_id == "a"
    with pytest.raises(WirecopyError):
        client.get_article("b")


def test_delete_retracts_what_only_the_deleted_article_carried(client):
    talks = seed("talks")
    client.submit(id="first", body=talks)
    client.submit(id="copy", body=edited_copy_of_talks(talks))
    deleted = client.delete("first")
    assert deleted.id == "first" and deleted.sequence == 1
    assert deleted.facts_retracted + deleted.corroborations_withdrawn > 0
    with pytest.raises(WirecopyError) as err:
        client.get_article("first")
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(WirecopyError) as err:
        client.delete("first")
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert client.get_article("copy").analysis.canonical_id == "copy"
    notices = [
        e
        for e in client.subscribe(include_corroborations=True, heartbeats=False, timeout=3)
        if e.kind in (pb.FactEvent.FACT_RETRACTED, pb.FactEvent.CORROBORATION_WITHDRAWN)
    ]
    assert len(notices) == deleted.facts_retracted + deleted.corroborations_withdrawn
    assert all(e.article_id == "first" and e.fact_id and not e.HasField("fact") for e in notices)


def test_submit_many_reraises_a_local_conversion_error(client):
    def articles():
        yield {"id": "ok", "body": seed("talks")}
        yield {"id": "typo", "boddy": "misspelt field"}

    with pytest.raises(TypeError, match="boddy"):
        list(client.submit_many(articles()))


def test_list_facts_spans_are_python_slices(client):
    body = seed("talks")
    client.submit(id="t", body=body, published_at="2020-12-01T19:05:00Z")
    facts = client.list_facts("t")
    assert facts.article_id == "t" and len(facts.facts) == len(facts.corroborated)
    names = {f.entity.name for f in facts.facts if f.kind == pb.ENTITY}
    assert "Ara Ayvazian" in names
    quotes = [f for f in facts.facts if f.kind == pb.QUOTE and f.quote.direct]
    assert quotes
    for fact in facts.facts:
        p = fact.provenance
        assert p.article_id == "t"
        assert 0 <= p.start < p.end <= len(body)
    # Code-point offsets: the span of a direct quote contains its words.
    q = quotes[0]
    assert q.quote.text[:20] in body[q.provenance.start : q.provenance.end]


def test_published_at_forms():
    expected = dt.datetime(2020, 12, 1, 18, 32, tzinfo=dt.timezone.utc)
    forms = [
        "2020-12-01T18:32:00Z",
        "2020-12-01T23:32:00+05:00",
        "Tue, 01 Dec 2020 18:32:00 GMT",
        dt.datetime(2020, 12, 1, 18, 32),  # naive: UTC
        expected,
        expected.timestamp(),
    ]
    for form in forms:
        ts = make_article(id="x", body="b", published_at=form).published_at
        assert ts.ToDatetime(tzinfo=dt.timezone.utc) == expected, form
    assert make_article(id="x", published_at=dt.date(2020, 12, 1)).published_at.seconds == 1606780800
    with pytest.raises(ValueError):
        make_article(id="x", published_at="yesterday")


def test_uncompressed_client_and_health(server):
    with WirecopyClient(server.target, compression=None) as plain:
        assert plain.health() == "SERVING"
        assert plain.submit(id="p", body=seed("talks")).verdict == pb.ORIGINAL
    with WirecopyClient(f"http://{server.target}") as gz:  # the CLI's URL form
        assert gz.get_article("p").article.id == "p"


def test_bearer_token(server_factory, tmp_path: Path):
    tokens = tmp_path / "tokens"
    tokens.write_text("# test tokens\nwriter-token-0123456789 submit,read\nreader-token-0123456789 read\n")
    server = server_factory("--tokens", str(tokens))
    with WirecopyClient(server.target) as anonymous:
        with pytest.raises(WirecopyError) as err:
            anonymous.submit(id="x", body=seed("talks"))
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert anonymous.health() == "SERVING"  # health stays open
    with WirecopyClient(server.target, token="wrong-token-0123456789") as bad:
        with pytest.raises(WirecopyError) as err:
            bad.get_article("x")
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with WirecopyClient(server.target, token="writer-token-0123456789") as writer:
        assert writer.submit(id="x", body=seed("talks")).verdict == pb.ORIGINAL
    with WirecopyClient(server.target, token="reader-token-0123456789") as reader:
        assert reader.get_article("x").article.id == "x"
        with pytest.raises(WirecopyError) as err:
            reader.submit(id="y", body=seed("sputnik"))
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
        with pytest.raises(WirecopyError) as err:
            next(reader.subscribe(timeout=5))
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_export_streams_everything_in_storage_order(client):
    client.submit(id="e1", body=seed("talks"))
    client.submit(id="e2", body=seed("sputnik"))
    exported = list(client.export())
    assert [a.article.id for a in exported] == ["e1", "e2"]
    assert [a.analysis.sequence for a in exported] == [1, 2]
    assert [a.article.id for a in client.export(after=1)] == ["e2"]


def test_unreachable_server_is_unavailable():
    with WirecopyClient(f"127.0.0.1:{dead_port()}", timeout=5) as c:
        with pytest.raises(WirecopyError) as err:
            c.get_article("x")
        assert err.value.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
