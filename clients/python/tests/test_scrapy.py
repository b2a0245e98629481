"""The Scrapy pipeline in a real crawl of local news pages, against a real server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("scrapy")

from itemadapter import ItemAdapter  # noqa: E402

from wirecopy_client import WirecopyClient, pb  # noqa: E402
from wirecopy_client.scrapy import WirecopyPipeline  # noqa: E402
from wirecopy_server import dead_port  # noqa: E402

TESTS = Path(__file__).resolve().parent
SPIDER = TESTS / "spiders" / "news_spider.py"

ORIGINAL = "worlddesk/2020/12/01/lavrov-ayvazian-talks.html"
WIRE = "frontierdaily/world/russia-sees-no-deliberate-attempts-to-delay-prisoner-exchange.html"
COPY = "eurasiamonitor/news/lavrov-no-deliberate-delay-in-karabakh-prisoner-swap.html"
PARTIAL = "caucasusreview/analysis/after-moscow-talks-karabakh-questions-remain.html"


def crawl(tmp_path: Path, start_url: str, mode: str, *settings: str) -> tuple[list[dict], str]:
    """Runs the spider with the pipeline in a `scrapy runspider` subprocess
    (a fresh Twisted reactor each time); returns the exported items and the log."""
    out = tmp_path / f"items-{mode}.json"
    cmd = [
        sys.executable, "-m", "scrapy", "runspider", str(SPIDER),
        "-a", f"start_url={start_url}", "-a", f"mode={mode}",
        "-s", 'ITEM_PIPELINES={"wirecopy_client.scrapy.WirecopyPipeline": 300}',
        "-O", str(out),
    ]
    for s in settings:
        cmd += ["-s", s]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(out.read_text()), proc.stderr


def by_path(items: list[dict], site: str) -> dict[str, dict]:
    return {item["url"][len(site) + 1:]: item for item in items}


def check_crawl(items, log, site, server):
    assert len(items) == 4, log[-3000:]
    pages = by_path(items, site)
    results = {path: item["wirecopy"] for path, item in pages.items()}
    for path, res in results.items():
        assert "error" not in res, (path, res)
        assert res["article_id"] == f"{site}/{path}"  # id fell back to the url
        assert res["sequence"] > 0
    assert results[ORIGINAL]["verdict"] == "ORIGINAL"
    assert results[WIRE]["verdict"] == "ORIGINAL"
    assert results[ORIGINAL]["facts_created"] > 0

    copy = results[COPY]
    assert copy["verdict"] in ("WIRE_COPY", "PARTIAL_COPY"), copy
    assert copy["verdict"] == "WIRE_COPY" and copy["copy_ratio"] >= 0.8, copy
    assert copy["canonical_id"] == f"{site}/{WIRE}"
    assert copy["copied_from"] == [f"{site}/{WIRE}"]
    assert copy["facts_corroborated"] > 0

    partial = results[PARTIAL]
    assert partial["verdict"] == "PARTIAL_COPY", partial
    assert 0 < partial["copy_ratio"] < 0.5
    assert partial["canonical_id"] == f"{site}/{ORIGINAL}"

    # The crawl's stats count the verdicts.
    assert "'wirecopy/verdict/WIRE_COPY': 1" in log
    assert "'wirecopy/verdict/PARTIAL_COPY': 1" in log

    # And the articles are stored in wirecopy, with the item's metadata.
    with WirecopyClient(server.target) as client:
        stored = client.get_article(f"{site}/{COPY}")
        assert stored.article.source == "Eurasia Monitor"
        assert stored.article.language == "en-GB"
        assert stored.article.labels["spider"] == "news"
        assert stored.article.title == "Lavrov: Russia sees no deliberate delay in Karabakh prisoner swap"
        assert stored.article.published_at.ToJsonString() == "2020-12-01T20:10:00Z"
        assert "Advertisement" not in stored.article.body
        assert "Read more" not in stored.article.body
        assert "Copyright" not in stored.article.body
        dupes = client.duplicates(f"{site}/{WIRE}")
        assert [(r.article_id, r.relation) for r in dupes.related] == [(f"{site}/{COPY}", pb.LATER)]
        assert client.get_article(f"{site}/{PARTIAL}").analysis.canonical_id == f"{site}/{ORIGINAL}"
    return pages


def test_crawl_with_body_extracted_by_the_spider(site, server, tmp_path):
    items, log = crawl(tmp_path, f"{site}/index.html", "body", f"WIRECOPY_SERVER={server.target}")
    pages = check_crawl(items, log, site, server)
    # The spider's own extraction left the ads and related links out.
    assert not any("Advertisement" in p for p in pages[WIRE]["body"])


def test_crawl_with_raw_html_extracted_by_the_server(site, server, tmp_path):
    # Needs a server that supports Article.html (text extracted server-side).
    items, log = crawl(tmp_path, f"{site}/index.html", "html", f"WIRECOPY_SERVER={server.target}")
    check_crawl(items, log, site, server)
    with WirecopyClient(server.target) as client:
        body = client.get_article(f"{site}/{ORIGINAL}").article.body
    assert "Compare VPN deals" not in body and "World Desk briefing" not in body
    assert "Ara Ayvazian" in body


def test_server_down_keeps_items_with_the_error(site, tmp_path):
    # Also runs under the plain (non-asyncio) Twisted reactor.
    items, log = crawl(
        tmp_path,
        f"{site}/{COPY}",
        "body",
        f"WIRECOPY_SERVER=127.0.0.1:{dead_port()}",
        "WIRECOPY_TIMEOUT=2",
        "TWISTED_REACTOR=twisted.internet.epollreactor.EPollReactor",
    )
    [item] = items
    assert item["wirecopy"]["error"]["code"] in ("UNAVAILABLE", "DEADLINE_EXCEEDED"), item["wirecopy"]
    assert item["body"]  # the scraped data is still there
    assert "wirecopy refused" in log


def test_server_down_drops_items_when_asked(site, tmp_path):
    items, log = crawl(
        tmp_path,
        f"{site}/{COPY}",
        "body",
        f"WIRECOPY_SERVER=127.0.0.1:{dead_port()}",
        "WIRECOPY_TIMEOUT=2",
        "WIRECOPY_DROP_ON_ERROR=True",
    )
    assert items == []
    assert "'item_dropped_count': 1" in log


def test_item_mapping():
    pipe = WirecopyPipeline(source=None, language="en", labels={"run": "7"})
    art = pipe.article_for(
        ItemAdapter(
            {
                "url": "https://news.example/a/1",
                "title": "T",
                "body": ["First paragraph.", "  ", "Second paragraph."],
                "html": "<p>ignored: body wins</p>",
                "published_at": "not a date",
                "labels": {"section": "world"},
            }
        )
    )
    assert art.id == "https://news.example/a/1"
    assert art.body == "First paragraph.\nSecond paragraph." and art.html == ""
    assert art.source == "news.example"  # from the url's host
    assert art.language == "en"
    assert not art.HasField("published_at")  # unparseable: left out, item kept
    assert dict(art.labels) == {"run": "7", "section": "world"}

    art = WirecopyPipeline(source="Default Source").article_for(
        ItemAdapter({"id": "x-1", "html": "<html>...</html>", "published_at": "2020-12-01T18:32:00Z"})
    )
    assert (art.id, art.html, art.body, art.source) == ("x-1", "<html>...</html>", "", "Default Source")
    assert art.published_at.seconds == 1606847520

    with pytest.raises(ValueError):
        pipe.article_for(ItemAdapter({"title": "no id, no url"}))


def test_scrapy_item_without_the_result_field_is_explained():
    import scrapy

    class Article(scrapy.Item):
        url = scrapy.Field()

    pipe = WirecopyPipeline()
    item = Article(url="https://news.example/a")
    with pytest.raises(KeyError, match="wirecopy = scrapy.Field"):
        pipe._attach(item, ItemAdapter(item), {"article_id": "a", "verdict": "ORIGINAL"})
