"""The normalize step: every raw listing's text read into addresses (pure, no I/O)."""

from __future__ import annotations

from .normalize import normalize
from .schemas.source import NormalizedListing, RawListing


def normalize_listings(listings: list[RawListing]) -> dict[str, NormalizedListing]:
    """Listing id -> normalized listing, in the order found. A cell may name several addresses;
    one record may name the same address under several asset codes (ETH and USDT): one listing
    then, with every code."""
    found: dict[str, NormalizedListing] = {}
    for listing in listings:
        for address in normalize(listing.raw_address, listing.raw_label):
            item = NormalizedListing(listing, address, (address.asset,) if address.asset else ())
            known = found.get(item.id)
            if known is None:
                found[item.id] = item
            elif address.asset and address.asset not in known.assets:
                found[item.id] = known._replace(assets=tuple(sorted((*known.assets, address.asset))))
    return found
