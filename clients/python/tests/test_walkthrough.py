"""The README's tour, end to end, with the real tools.

One server with a metrics port; a Python consumer (the subscribe example)
follows the fact stream from the start; `wirecopy submit` feeds it a folder
of news-please output; a Scrapy crawl feeds it through the pipeline; the
consumer sees the facts of both arrive, and /metrics accounts for all of it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import urllib.request

from test_scrapy import COPY, ORIGINAL, PARTIAL, WIRE, crawl
from wirecopy_server import CLIENT_DIR, cli_submit, seed

URDUPOINT = "https://www.urdupoint.com/en/world/russia-sees-no-deliberate-attempts-to-dela-1101187.html"
TALKS = "https://en.armradio.am/2020/12/01/ayvazian-lavrov-talks/"


def news_please_record(url: str, domain: str, body: str) -> dict:
    """One article as news-please saves it (one JSON object per file)."""
    title, _, text = body.partition("\n")
    return {
        "authors": [],
        "date_download": "2020-12-02 08:00:00",
        "date_modify": None,
        "date_publish": "2020-12-01 23:32:00",
        "description": None,
        "filename": url.rstrip("/").rsplit("/", 1)[-1] + ".json",
        "image_url": None,
        "language": "en",
        "localpath": None,
        "maintext": text.strip(),
        "source_domain": domain,
        "title": title.strip(),
        "title_page": None,
        "title_rss": None,
        "url": url,
    }


def metrics_address(server) -> str:
    for line in server.log:
        found = re.search(r"\bmetrics=(\S+)", line)
        if found:
            return found.group(1)
    raise AssertionError("no metrics= in the startup line:\n" + "\n".join(server.log))


def scrape(address: str) -> dict[str, float]:
    """The exposition as {series: value}, e.g. 'wirecopy_articles_total{verdict="ORIGINAL"}'."""
    with urllib.request.urlopen(f"http://{address}/metrics", timeout=10) as response:
        text = response.read().decode()
    series = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            series[name] = float(value)
    return series


class Consumer:
    """examples/subscribe.py in a subprocess; its JSON lines collected as they come."""

    def __init__(self, target: str, cursor) -> None:
        self.events: list[dict] = []
        self.proc = subprocess.Popen(
            [sys.executable, str(CLIENT_DIR / "examples" / "subscribe.py"), "--server", target,
             "--cursor", str(cursor), "--corroborations", "--seconds", "170"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.events.append(json.loads(line))

    def wait_for(self, article_ids: set[str], timeout: float = 60) -> set[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            seen = {event["article_id"] for event in self.events}
            if article_ids <= seen:
                return seen
            time.sleep(0.2)
        raise AssertionError(f"facts of {article_ids - seen} never arrived")

    def stop(self) -> str:
        self.proc.terminate()
        _, stderr = self.proc.communicate(timeout=30)
        return stderr


def test_news_please_folder_and_a_scrapy_crawl_watched_from_python_and_metrics(site, server_factory, tmp_path):
    server = server_factory("--metrics-listen", "127.0.0.1:0")
    metrics = metrics_address(server)
    consumer = Consumer(server.target, tmp_path / "facts.cursor")

    # A folder as news-please leaves it: <domain>/<file>.json.
    feed = tmp_path / "news-please"
    for url, domain, body in [
        (TALKS, "en.armradio.am", seed("talks")),
        (URDUPOINT, "urdupoint.com", seed("sputnik")),
    ]:
        folder = feed / domain
        folder.mkdir(parents=True, exist_ok=True)
        record = news_please_record(url, domain, body)
        (folder / record["filename"]).write_text(json.dumps(record, indent=2))
    submitted = cli_submit(server, feed)
    assert re.search(r"read as news-please JSON\s+2\b", submitted.stderr), submitted.stderr
    assert re.search(r"ORIGINAL\s+2\b", submitted.stderr), submitted.stderr

    items, log = crawl(tmp_path, f"{site}/index.html", "html", f"WIRECOPY_SERVER={server.target}")
    verdicts = {item["url"][len(site) + 1:]: item["wirecopy"]["verdict"] for item in items}
    assert verdicts[COPY] == "WIRE_COPY" and verdicts[PARTIAL] == "PARTIAL_COPY", verdicts

    # The crawled pages repeat the seeds: the consumer sees them as
    # corroborations of facts the news-please articles created.
    crawled = {f"{site}/{path}" for path in (ORIGINAL, WIRE, COPY, PARTIAL)}
    consumer.wait_for({TALKS, URDUPOINT, f"{site}/{COPY}"})
    kinds = {(event["article_id"] in crawled, event.get("kind")) for event in consumer.events}
    assert (False, "FACT_CREATED") in kinds and (True, "FACT_CORROBORATED") in kinds, kinds
    sequences = [int(event["sequence"]) for event in consumer.events]
    assert sequences == sorted(set(sequences)), "each event once, in order"

    seen = scrape(metrics)
    articles = {verdict: seen.get(f'wirecopy_articles_total{{verdict="{verdict}"}}', 0)
                for verdict in ("ORIGINAL", "WIRE_COPY", "PARTIAL_COPY")}
    assert sum(articles.values()) == 6, articles
    assert articles["WIRE_COPY"] >= 1 and articles["PARTIAL_COPY"] >= 1, articles
    assert seen['wirecopy_rpc_requests_total{rpc="wirecopy.v1.ArticleService/SubmitStream",code="Ok"}'] == 1
    assert seen['wirecopy_rpc_requests_total{rpc="wirecopy.v1.ArticleService/Submit",code="Ok"}'] == 4
    assert seen["wirecopy_stored_articles"] == 6
    assert seen["wirecopy_subscribers"] == 1
    assert seen["wirecopy_facts_created_total"] > 0 and seen["wirecopy_facts_corroborated_total"] > 0
    assert seen["wirecopy_store_bytes"] > 0

    stderr = consumer.stop()
    assert "cursor at" in stderr, stderr
