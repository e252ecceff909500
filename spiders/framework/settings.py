"""The fetch policy of every source, in one place: the Scrapy settings of the paged and HTML
sources (NBCTF's API, Japan's list page, the legacy CSV pair), which the streaming downloader of
the one-file sources (`download.fetch`: OFAC, EU, UK, France, the FBI registry) reads too: the
User-Agent, the retries and the statuses retried (both back off with `sanctions_feed.backoff`,
honouring Retry-After), the timeouts, the size limit and the replay of archived inputs."""

import os

BOT_NAME = "sanctions-feed"
# OFAC's firewall (since 2026-07-30) answers 403 unless the User-Agent starts with `Mozilla/` and a
# digit and is at least 40 characters long; DG Trésor refuses a request without one. Ours passes
# both and still says who we are and where to reach the operator (set SANCTIONS_FEED_CONTACT).
CONTACT = os.getenv("SANCTIONS_FEED_CONTACT", "https://github.com/sanctions-feed/sanctions-feed")
USER_AGENT = f"Mozilla/5.0 (compatible; sanctions-feed/0.1; +{CONTACT})"
ROBOTSTXT_OBEY = False  # official open-data endpoints; robots.txt there is about web pages
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = os.getenv("SANCTIONS_FEED_SCRAPY_LOG", "WARNING")
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = float(os.getenv("AUTOTHROTTLE_MAX_DELAY", 30.0))
CONCURRENT_REQUESTS_PER_DOMAIN = 2
RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_HTTP_CODES = [408, 429, 500, 502, 503, 504, 522, 524]
DOWNLOAD_TIMEOUT = 300
"""Seconds for one Scrapy download; the streaming downloader has a deadline per file instead."""
READ_TIMEOUT = 120.0
"""Seconds one socket read of the streaming downloader may wait (a stalled server)."""
DOWNLOAD_MAXSIZE = 1024**3
"""Bytes one download may have, by default (a source may set less: a 25 MB list is never 1 GB)."""
HTTPCACHE_ENABLED = False
ITEM_PIPELINES = {"sanctions_feed.spiders.framework.pipelines.JsonLinesPipeline": 100}
# Just after RetryMiddleware (550) on the way out, just before it on the way back.
DOWNLOADER_MIDDLEWARES = {"sanctions_feed.spiders.framework.middlewares.BackoffMiddleware": 560,
                          # first of all: a replay answers from the raw archive, and nothing goes out
                          "sanctions_feed.spiders.framework.replay.ReplayMiddleware": 50}
