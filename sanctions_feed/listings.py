"""The normalize step: every raw listing's text read into addresses (pure, no I/O)."""

from __future__ import annotations

from .normalize import normalize
from .normalize.extract import extract
from .normalize.names import clean_name
from .schemas.source import Holder, NormalizedListing, RawListing


def normalize_listings(listings: list[RawListing]) -> dict[str, NormalizedListing]:
    """Listing id -> normalized listing, in the order found. A cell may name several addresses;
    one record may name the same address under several asset codes (ETH and USDT): one listing
    then, with every code."""
    found: dict[str, NormalizedListing] = {}
    for raw in listings:
        for listing, address in _readings(_clean_holders(raw)):
            item = NormalizedListing(listing, address, (address.asset,) if address.asset else ())
            known = found.get(item.id)
            if known is None:
                found[item.id] = item
            elif address.asset and address.asset not in known.assets:
                found[item.id] = known._replace(assets=tuple(sorted((*known.assets, address.asset))))
    return found


def _readings(listing: RawListing):
    """(listing, address) for each address a raw listing names. Free text yields one listing per
    address found in it, carrying the address and label as the text wrote them."""
    if not listing.prose:
        for address in normalize(listing.raw_address, listing.raw_label):
            yield listing, address
        return
    for mention in extract(listing.raw_address):
        yield listing.model_copy(update={"raw_address": mention.raw, "raw_label": mention.label,
                                         "prose": False}), mention.address


def _clean_holders(listing: RawListing) -> RawListing:
    """Holder names cleaned like addresses (look-alikes, invisible characters, wrapping quotes)."""
    if not any(h.name and not h.name.isascii() or (h.name or "")[:1] in "\"'" for h in (listing.holder, *listing.holders)):
        return listing  # the usual case: plain ASCII, nothing to clean
    return listing.model_copy(update={"holder": _clean(listing.holder), "holders": [_clean(h) for h in listing.holders]})


def _clean(holder: Holder) -> Holder:
    name, issues = clean_name(holder.name)
    if name == holder.name:
        return holder
    return holder.model_copy(update={"name": name, "issues": sorted(set(holder.issues) | set(issues))})
