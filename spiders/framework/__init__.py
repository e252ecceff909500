"""The machinery every source spider shares: the base spider, Scrapy settings, the pipeline
that hands items to the update command, retry backoff, and the crawler process entry point."""
