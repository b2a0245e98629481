"""The example scripts, run as a user would run them, against a real server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from wirecopy_client import WirecopyClient
from wirecopy_server import CLIENT_DIR, edited_copy_of_talks, seed

EXAMPLES = CLIENT_DIR / "examples"


def example(name: str, *args: str, ok=(0,)) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode in ok, f"{name} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def write_articles(tmp_path: Path) -> tuple[Path, Path]:
    talks = tmp_path / "talks.txt"
    talks.write_text("Lavrov hosts Armenian FM\n" + seed("talks"), encoding="utf-8")
    reprint = tmp_path / "reprint.txt"
    reprint.write_text("Russia, Armenia discuss Karabakh\n" + edited_copy_of_talks(seed("talks")), encoding="utf-8")
    return talks, reprint


def test_submit_and_duplicates_examples(server, tmp_path):
    talks, reprint = write_articles(tmp_path)
    out = example("submit.py", "--server", server.target, "--source", "example.org", str(talks), str(reprint)).stdout
    lines = [line.split("\t") for line in out.strip().splitlines()]
    assert [line[:2] for line in lines] == [[str(talks), "ORIGINAL"], [str(reprint), "WIRE_COPY"]]
    assert f"canonical {talks}" in lines[1]

    # JSON Lines input and a refused article: exit status 1, the rest stored.
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        json.dumps({"id": "s-1", "url": "https://sputnik.example/1", "body": seed("sputnik"),
                    "published_at": "2020-12-01T18:32:00Z"}) + "\n"
        + json.dumps({"id": "empty", "body": ""}) + "\n"
    )
    proc = example("submit.py", "--server", server.target, str(feed), ok=(1,))
    assert "s-1\tORIGINAL" in proc.stdout and "empty\tREFUSED\tINVALID_ARGUMENT" in proc.stdout

    # --analyze previews without storing.
    preview = tmp_path / "preview.txt"
    preview.write_text("Preview\n" + edited_copy_of_talks(seed("talks")))
    assert "WIRE_COPY" in example("submit.py", "--server", server.target, "--analyze", str(preview)).stdout
    with WirecopyClient(server.target) as client:
        assert [a.article.id for a in client.export()] == [str(talks), str(reprint), "s-1"]

    out = example("duplicates.py", "--server", server.target, str(talks)).stdout
    assert f"{talks} (canonical {talks}): 1 related" in out
    assert "LATER" in out and "WIRE_COPY" in out and str(reprint) in out
    as_json = json.loads(example("duplicates.py", "--server", server.target, "--json", str(reprint)).stdout)
    assert as_json["canonical_id"] == str(talks)
    assert as_json["related"][0]["relation"] == "EARLIER"
    missing = example("duplicates.py", "--server", server.target, "nope", ok=(1,))
    assert "NOT_FOUND" in missing.stderr


def test_submit_example_with_a_saved_page(server):
    page = CLIENT_DIR / "tests" / "pages" / "worlddesk" / "2020" / "12" / "01" / "lavrov-ayvazian-talks.html"
    out = example("submit.py", "--server", server.target, str(page)).stdout
    assert "\tORIGINAL\t" in out
    with WirecopyClient(server.target) as client:
        assert "Ara Ayvazian" in client.get_article(str(page)).article.body


def test_subscribe_example_resumes_from_its_cursor_file(server, tmp_path):
    with WirecopyClient(server.target) as client:
        first = client.submit(id="talks", body=seed("talks"))
        total = first.facts_created
    cursor = tmp_path / "facts.cursor"
    sub = ("subscribe.py", "--server", server.target, "--cursor", str(cursor), "--seconds", "20")

    run1 = example(*sub, "--limit", "5")
    seq1 = [int(json.loads(line)["sequence"]) for line in run1.stdout.splitlines()]
    assert seq1 == [1, 2, 3, 4, 5]
    assert "resuming after sequence 0" in run1.stderr

    run2 = example(*sub, "--limit", str(total - 5), "--summary")
    seq2 = [int(line.split("\t")[0]) for line in run2.stdout.splitlines()]
    assert "resuming after sequence 5" in run2.stderr
    assert seq2 == list(range(6, total + 1))

    state = json.loads(cursor.read_text())
    assert state["sequence"] == total and state["state"]["facts"] == total

    # Nothing new: a bounded run processes nothing and keeps the cursor.
    run3 = example(*sub[:-1], "2")
    assert run3.stdout == "" and f"cursor at {total}" in run3.stderr

    # New events after the cursor: only those arrive.
    with WirecopyClient(server.target) as client:
        ack = client.submit(id="sputnik", body=seed("sputnik"))
        more = ack.facts_created + ack.facts_corroborated
    assert ack.facts_corroborated > 0  # Lavrov again, for one
    run4 = example(*sub, "--limit", str(more), "--summary", "--corroborations")
    seq4 = [int(line.split("\t")[0]) for line in run4.stdout.splitlines()]
    assert seq4 == list(range(total + 1, total + more + 1))
    assert all(line.split("\t")[1] == "sputnik" for line in run4.stdout.splitlines())
    assert json.loads(cursor.read_text())["state"]["facts"] == total + more
