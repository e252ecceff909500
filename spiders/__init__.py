"""Scrapy spiders, one module per source. They know the sources and nothing downstream: each
yields raw listings, rejected records and one raw snapshot per run.

`SPIDERS` is loaded on first use: Scrapy is a heavy import that only the crawler process needs.
"""

SOURCE_NAMES = ("ofac_sdn", "ofac_sdn_legacy", "il_nbctf")


def __getattr__(name: str):
    if name != "SPIDERS":
        raise AttributeError(name)
    from .il_nbctf import IlNbctfSpider
    from .ofac_sdn import OfacSdnSpider
    from .ofac_sdn_legacy import OfacSdnLegacySpider

    spiders = {spider.name: spider for spider in (OfacSdnSpider, OfacSdnLegacySpider, IlNbctfSpider)}
    globals()["SPIDERS"] = spiders
    return spiders
