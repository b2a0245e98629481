"""news-please's real output fed to `wirecopy submit`.

news-please (the library, as its crawler uses it) extracts the crawl's
pages, each with its URL, and the records are saved as its JSON storage
does: one pretty-printed object per file, in a folder per source domain.
`wirecopy submit` must recognise every record, take the URL as id and the
domain as source, and find the wire copy among them.
"""

from __future__ import annotations

import json
import re
import urllib.parse

from newsplease import NewsPlease

from test_scrapy import COPY, ORIGINAL, PARTIAL, WIRE
from wirecopy_client import WirecopyClient, verdict_name
from wirecopy_server import PAGES, cli_submit



def test_a_news_please_folder_is_read_with_urls_as_ids(server, tmp_path):
    feed = tmp_path / "news-please"
    urls, folders = {}, []
    for page in (ORIGINAL, WIRE, COPY, PARTIAL):
        domain, _, path = page.partition("/")
        url = f"https://www.{domain}.example/{path}"
        article = NewsPlease.from_html((PAGES / page).read_text(), url=url, fetch_images=False)
        record = article.get_serializable_dict()
        assert record["maintext"] and record["url"] == url, record
        folder = feed / record["source_domain"]
        folder.mkdir(parents=True, exist_ok=True)
        folders.append(str(folder))
        name = record.get("filename") or urllib.parse.quote(url, safe="") + ".json"
        (folder / name).write_text(json.dumps(record, indent=4, ensure_ascii=False))
        urls[page] = url

    # The domain folders in crawl order (one folder alone is read in name
    # order): wirecopy judges by arrival.
    done = cli_submit(server, *folders)
    assert re.search(r"read as news-please JSON\s+4\b", done.stderr), done.stderr

    with WirecopyClient(server.target) as client:
        stored = {page: client.get_article(url) for page, url in urls.items()}
    verdicts = {page: verdict_name(response.analysis.verdict) for page, response in stored.items()}
    assert verdicts == {ORIGINAL: "ORIGINAL", WIRE: "ORIGINAL", COPY: "WIRE_COPY", PARTIAL: "PARTIAL_COPY"}
    copy = stored[COPY]
    assert copy.analysis.canonical_id == urls[WIRE]
    assert copy.article.source == f"www.{COPY.split('/')[0]}.example"
    assert copy.article.published_at.seconds > 0
