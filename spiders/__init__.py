"""Scrapy spiders, one module per source. They know the sources and nothing downstream: each
yields raw listings, rejected records and one raw snapshot per run."""

from .il_nbctf import IlNbctfSpider
from .ofac_sdn import OfacSdnSpider
from .ofac_sdn_legacy import OfacSdnLegacySpider

SPIDERS = {spider.name: spider for spider in (OfacSdnSpider, OfacSdnLegacySpider, IlNbctfSpider)}
