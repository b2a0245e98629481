"""A Scrapy item pipeline that submits every scraped article to wirecopy.

Enable it in the project's settings::

    ITEM_PIPELINES = {"wirecopy_client.scrapy.WirecopyPipeline": 500}
    WIRECOPY_SERVER = "localhost:50051"

Each item is mapped to a ``wirecopy.v1.Article``:

=================  ==========================================================
article field      taken from
=================  ==========================================================
``id``             ``item["id"]``, else ``item["url"]``
``url``            ``item["url"]``
``title``          ``item["title"]``
``body``           ``item["body"]`` (a list of paragraphs is joined by lines)
``html``           ``item["html"]``, used only when there is no ``body``:
                   the server extracts the article text from the raw page
``source``         ``item["source"]``, else ``WIRECOPY_SOURCE``, else the
                   URL's host name
``published_at``   ``item["published_at"]``: ISO 8601, RFC 2822, datetime or
                   epoch seconds (an unparseable date is logged and left out)
``language``       ``item["language"]``, else ``WIRECOPY_LANGUAGE``
``labels``         ``WIRECOPY_LABELS`` updated with ``item["labels"]``
=================  ==========================================================

The verdict is attached to the item under ``WIRECOPY_RESULT_FIELD``
(``"wirecopy"``) as a plain dict, so it survives any feed exporter::

    {"article_id": ..., "verdict": "WIRE_COPY",
     "stored_verdict": <for a re-crawled page, its verdict when first stored>,
     "copy_ratio": 0.97,
     "canonical_id": <the article most of the copied words first appeared in>,
     "copied_from": [<every article a copied passage was found in>],
     "facts_created": 0, "facts_corroborated": 31, "sequence": 42}

(A ``scrapy.Item`` subclass must declare that field: ``wirecopy = scrapy.Field()``.)

Errors. By default a failed submission does not lose the item: it is kept,
with ``{"article_id": ..., "error": {"code": "UNAVAILABLE", "message": ...}}``
under the result field, a warning is logged and the
``wirecopy/error/<CODE>`` stat is counted. The scraped data is the crawl's
real product; an outage of the duplicate detector should not throw it away,
and downstream code can re-submit the items whose result has an ``error``.
Set ``WIRECOPY_DROP_ON_ERROR = True`` to raise ``DropItem`` instead (for
crawls whose output is only useful with a verdict). Transient failures
(UNAVAILABLE, RESOURCE_EXHAUSTED) are first retried by the client with
exponential backoff (5 attempts): a retried Submit of an article that was
in fact stored answers RESUBMITTED, so retrying is safe. ALREADY_EXISTS (a
recrawled page whose text changed since it was stored) is logged at INFO
only, being a normal event in recurring crawls.

Ordering. Verdicts depend on ingest order (the first stored copy of a text
is its origin). Submissions run on ``WIRECOPY_CONCURRENCY`` worker threads
(default 1): with one worker they reach the server in the order items reach
the pipeline, so a story scraped before its republication is its origin.
The reactor is never blocked either way.

Other settings: ``WIRECOPY_TOKEN`` (bearer token), ``WIRECOPY_TIMEOUT``
(seconds per call, 30), ``WIRECOPY_COMPRESSION`` ("gzip" or None).
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Optional
from urllib.parse import urlparse

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured

from .client import WirecopyClient, WirecopyError, make_article, response_error, to_timestamp, verdict_name
from .proto.wirecopy.v1 import wirecopy_pb2 as pb

logger = logging.getLogger(__name__)


class WirecopyPipeline:
    """Submits items to wirecopy and attaches the verdict (see the module docs)."""

    def __init__(
        self,
        server: str = "localhost:50051",
        token: Optional[str] = None,
        *,
        source: Optional[str] = None,
        language: Optional[str] = None,
        labels: Optional[dict] = None,
        result_field: str = "wirecopy",
        drop_on_error: bool = False,
        timeout: float = 30.0,
        concurrency: int = 1,
        compression: Optional[str] = "gzip",
        stats: Any = None,
    ):
        self.server = server
        self.token = token
        self.source = source
        self.language = language
        self.labels = dict(labels or {})
        self.result_field = result_field
        self.drop_on_error = drop_on_error
        self.timeout = timeout
        self.concurrency = max(1, int(concurrency))
        self.compression = compression
        self.stats = stats
        self.client: Optional[WirecopyClient] = None
        self._executor: Optional[ThreadPoolExecutor] = None

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        server = s.get("WIRECOPY_SERVER", "localhost:50051")
        if not server:
            raise NotConfigured("WIRECOPY_SERVER is empty")
        labels = s.getdict("WIRECOPY_LABELS") if s.get("WIRECOPY_LABELS") else {}
        return cls(
            server,
            s.get("WIRECOPY_TOKEN") or None,
            source=s.get("WIRECOPY_SOURCE") or None,
            language=s.get("WIRECOPY_LANGUAGE") or None,
            labels=labels,
            result_field=s.get("WIRECOPY_RESULT_FIELD", "wirecopy"),
            drop_on_error=s.getbool("WIRECOPY_DROP_ON_ERROR", False),
            timeout=s.getfloat("WIRECOPY_TIMEOUT", 30.0),
            concurrency=s.getint("WIRECOPY_CONCURRENCY", 1),
            compression=s.get("WIRECOPY_COMPRESSION", "gzip") or None,
            stats=crawler.stats,
        )

    # `spider` is optional: Scrapy >= 2.13 no longer passes it (and warns
    # about pipelines that require it); older versions do.
    def open_spider(self, spider=None) -> None:
        self.client = WirecopyClient(
            self.server, self.token, timeout=self.timeout, compression=self.compression
        )
        self._executor = ThreadPoolExecutor(self.concurrency, thread_name_prefix="wirecopy")
        logger.info("wirecopy pipeline submitting to %s", self.server)

    def close_spider(self, spider=None) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        if self.client is not None:
            self.client.close()

    async def process_item(self, item, spider=None):
        adapter = ItemAdapter(item)
        try:
            article = self.article_for(adapter)
        except (TypeError, ValueError) as err:
            result = {"article_id": "", "error": {"code": "INVALID_ARGUMENT", "message": str(err)}}
        else:
            # The gRPC call blocks; run it on the worker thread(s) and await
            # it without blocking the reactor.
            result = await _await(self._executor.submit(self._submit, article))
        return self._attach(item, adapter, result)

    # -- mapping -----------------------------------------------------------

    def article_for(self, adapter: ItemAdapter) -> pb.Article:
        """The Article an item is submitted as (see the table in the module docs)."""

        def get(key):
            value = adapter.get(key) if key in adapter else None
            return value if value not in ("", None, [], ()) else None

        url = get("url")
        body = get("body")
        if isinstance(body, (list, tuple)):
            body = "\n".join(str(p).strip() for p in body if str(p).strip()) or None
        html = None if body else get("html")
        source = get("source") or self.source or (urlparse(str(url)).hostname if url else None)
        published = get("published_at")
        if published is not None:
            try:
                published = to_timestamp(published)
            except (TypeError, ValueError) as err:
                logger.warning("wirecopy: leaving out published_at of %s: %s", get("id") or url, err)
                published = None
        labels = dict(self.labels)
        labels.update(get("labels") or {})
        article_id = get("id") or url
        if not article_id:
            raise ValueError("item has neither an id nor a url")
        return make_article(
            id=str(article_id),
            url=url,
            title=get("title"),
            body=body,
            html=html,
            source=source,
            published_at=published,
            language=get("language") or self.language,
            labels=labels or None,
        )

    # -- submission (worker thread) ----------------------------------------

    def _submit(self, article: pb.Article) -> dict:
        try:
            resp = self.client.submit(article)
        except WirecopyError as err:
            return {"article_id": article.id, "error": {"code": err.code().name, "message": err.details()}}
        err = response_error(resp)
        if err:
            return {"article_id": article.id, "error": {"code": err.code().name, "message": err.details()}}
        copied_from = sorted(
            {passage.source_article_id for p in resp.paragraphs for passage in p.passages if passage.source_article_id}
        )
        verdict = resp.verdict
        return {
            "article_id": resp.article_id,
            "verdict": verdict_name(verdict),
            # For a re-crawl of a stored page, what it was judged the first time.
            "stored_verdict": verdict_name(resp.stored_verdict),
            "copy_ratio": round(resp.copy_ratio, 4),
            "canonical_id": resp.canonical_id,
            "copied_from": copied_from,
            "facts_created": resp.facts_created,
            "facts_corroborated": resp.facts_corroborated,
            "sequence": resp.sequence,
        }

    # -- result ------------------------------------------------------------

    def _attach(self, item, adapter: ItemAdapter, result: dict):
        error = result.get("error")
        if self.stats is not None:
            key = f"wirecopy/error/{error['code']}" if error else f"wirecopy/verdict/{result['verdict']}"
            self.stats.inc_value(key)
        if error:
            level = logging.INFO if error["code"] == "ALREADY_EXISTS" else logging.WARNING
            logger.log(level, "wirecopy refused %s: %s: %s", result["article_id"], error["code"], error["message"])
            if self.drop_on_error:
                raise DropItem(f"wirecopy: {error['code']}: {error['message']}")
        try:
            adapter[self.result_field] = result
        except KeyError:
            raise KeyError(
                f"{type(item).__name__} has no field {self.result_field!r} for the wirecopy result: "
                f"declare `{self.result_field} = scrapy.Field()` or set WIRECOPY_RESULT_FIELD"
            ) from None
        return item


async def _await(future: Future):
    """Awaits a concurrent.futures.Future under either kind of Twisted reactor."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:  # asyncio reactor (Scrapy's default since 2.13)
        return await asyncio.wrap_future(future)
    # Plain Twisted reactor: coroutines run as Deferreds, so bridge via one.
    from twisted.internet import defer, reactor

    d: defer.Deferred = defer.Deferred()

    def done(f: Future) -> None:
        reactor.callFromThread(lambda: d.errback(f.exception()) if f.exception() else d.callback(f.result()))

    future.add_done_callback(done)
    return await d
