"""A small news spider for the pipeline tests (run with `scrapy runspider`).

It starts at the aggregator's front page, follows the story links in page
order and scrapes one item per article page. `-a mode=body` extracts the
article text itself (the paragraphs of <article>, minus ads, asides,
captions, share and related blocks); `-a mode=html` hands the raw page to
wirecopy, which extracts the text server-side.
"""

import scrapy

# Paragraphs inside the article that are not chrome: any ancestor that is an
# aside/figure/nav/footer/form, or whose class names an ad, a share bar, a
# related-links block, a newsletter box or a byline, excludes a paragraph.
CHROME = " or ".join(
    ["ancestor::aside", "ancestor::figure", "ancestor::nav", "ancestor::footer", "ancestor::form"]
    + [
        f"ancestor::*[contains(concat(' ', normalize-space(@class), ' '), ' {c} ')]"
        for c in ("ad", "adsbygoogle", "share", "sharedaddy", "related", "related-inline", "newsletter", "byline", "comments-area")
    ]
)
BODY_XPATH = f"//article//p[not({CHROME})]"


class NewsSpider(scrapy.Spider):
    name = "news"
    custom_settings = {
        # One page at a time, in link order: wirecopy judges by ingest
        # order, and the test expects the story before its republication.
        "CONCURRENT_REQUESTS": 1,
        "ROBOTSTXT_OBEY": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "INFO",
    }

    def __init__(self, start_url=None, mode="body", **kwargs):
        super().__init__(**kwargs)
        self.start_urls = [start_url]
        self.mode = mode

    def parse(self, response):
        links = response.css("a.story-link::attr(href)").getall()
        if not links:  # started on an article page
            yield from self.parse_article(response)
            return
        for rank, href in enumerate(links):
            # Higher priority first: keep the front page's order.
            yield response.follow(href, callback=self.parse_article, priority=len(links) - rank)

    def parse_article(self, response):
        item = {
            "url": response.url,
            "title": response.css("h1::text").get("").strip(),
            "source": response.css('meta[property="og:site_name"]::attr(content)').get(),
            "published_at": response.css('meta[property="article:published_time"]::attr(content)').get(),
            "language": response.xpath("/html/@lang").get(),
            "labels": {"spider": self.name},
        }
        if self.mode == "html":
            item["html"] = response.text
        else:
            paragraphs = [" ".join(p.xpath(".//text()").getall()).split() for p in response.xpath(BODY_XPATH)]
            item["body"] = [" ".join(words) for words in paragraphs if words]
        yield item
