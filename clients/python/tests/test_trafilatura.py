"""trafilatura's real JSON output fed to `wirecopy submit`, as scrapers run it.

trafilatura extracts the crawl's pages twice: through its Python API with
each page's URL (what a scraper that fetched the page knows), and through
its own command line over the folder of saved pages, which knows no URL.
The CLI must recognise both outputs, take the URL as id when there is one
and the file's path when there is not, and find the wire copy among them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import trafilatura

from test_scrapy import COPY, ORIGINAL, PARTIAL, WIRE
from wirecopy_client import WirecopyClient, verdict_name
from wirecopy_server import PAGES, cli_submit

ARTICLES = (ORIGINAL, WIRE, COPY, PARTIAL)


def test_trafilatura_output_with_and_without_urls(server, tmp_path):
    # The Python API, given each page's URL: trafilatura writes it under
    # `source`, and wirecopy takes it as the id.
    with_urls = tmp_path / "api"
    with_urls.mkdir()
    for number, page in enumerate(ARTICLES):
        url = f"https://{page}"
        extracted = trafilatura.extract(
            (PAGES / page).read_text(), url=url, output_format="json", with_metadata=True
        )
        assert extracted, page
        assert json.loads(extracted)["source"] == url
        (with_urls / f"{number}.json").write_text(extracted)
    done = cli_submit(server, with_urls)
    assert re.search(r"read as trafilatura JSON\s+4\b", done.stderr), done.stderr
    with WirecopyClient(server.target) as client:
        copy = client.get_article(f"https://{COPY}")
        assert verdict_name(copy.analysis.verdict) == "WIRE_COPY", copy.analysis
        assert copy.analysis.canonical_id == f"https://{WIRE}"
        assert verdict_name(client.get_article(f"https://{ORIGINAL}").analysis.verdict) == "ORIGINAL"

    # Its command line over the saved pages: no URL, so the path is the id.
    out = tmp_path / "cli"
    subprocess.run(
        [sys.executable, "-m", "trafilatura.cli", "--input-dir", str(PAGES),
         "--output-dir", str(out), "--json", "--with-metadata"],
        check=True, capture_output=True, timeout=120,
    )
    written = sorted(out.glob("*.json"))
    assert len(written) == len(ARTICLES) + 1  # and the index page
    assert all(json.loads(path.read_text())["source"] is None for path in written)
    done = cli_submit(server, out)
    assert re.search(r"read as trafilatura JSON\s+5\b", done.stderr), done.stderr
    assert re.search(r"UNREADABLE \(not sent\)\s+0\b", done.stderr), done.stderr
    with WirecopyClient(server.target) as client:
        # Each page again, under its path: copies of what the API run stored.
        verdicts = [verdict_name(client.get_article(str(path)).analysis.verdict) for path in written]
    assert verdicts.count("WIRE_COPY") >= len(ARTICLES), verdicts
