"""Item pipeline: each spider's items go to `<out>/<spider>.jsonl` for the update command."""

from __future__ import annotations

import json
from pathlib import Path


class JsonLinesPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.out = Path(crawler.settings.get("SANCTIONS_FEED_OUT"))
        self.handle = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        name = self.crawler.spider.name
        self.handle = (self.out / f"{name}.jsonl").open("w", encoding="utf-8")

    def close_spider(self, spider=None):
        if self.handle:
            self.handle.close()

    def process_item(self, item):
        write_item(self.handle, item)
        return item


def write_item(handle, item: dict) -> None:
    """One item as the update reads it back: a line per record, batches unpacked."""
    for record in item.get("batch", [item]):
        handle.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
