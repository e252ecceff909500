"""The normalize step: every raw listing's text read into addresses (pure, no I/O)."""

from __future__ import annotations

from sanctions_feed.normalize import normalize
from sanctions_feed.normalize.extract import names_addresses, read_prose
from sanctions_feed.normalize.names import clean_name
from sanctions_feed.schemas.source import Holder, NormalizedListing, RawListing, Rejected


def normalize_listings(listings: list[RawListing], unread: list[Rejected] | None = None) -> dict[str, NormalizedListing]:
    """Listing id -> normalized listing, in the order found. A cell may name several addresses;
    one record may name the same address under several asset codes (ETH and USDT): one listing
    then, with every code. `unread` collects the free texts that say they name addresses but
    yield none: rejected records, never silently nothing."""
    found: dict[str, NormalizedListing] = {}
    for raw in listings:
        readings = list(_readings(_clean_holders(raw), unread))
        if not readings and raw.prose and unread is not None and names_addresses(raw.raw_address):
            unread.append(Rejected(source=raw.source, source_record_id=raw.source_record_id, raw=raw.raw_address[:2000],
                                   reason="the text says it names crypto addresses, but none could be read in it"))
        for listing, address in readings:
            item = NormalizedListing(listing, address, (address.asset,) if address.asset else ())
            known = found.get(item.id)
            if known is None:
                found[item.id] = item
            elif address.asset and address.asset not in known.assets:
                found[item.id] = known._replace(assets=tuple(sorted((*known.assets, address.asset))))
    return found


def _readings(listing: RawListing, unread: list[Rejected] | None):
    """(listing, address) for each address a raw listing names. Free text yields one listing per
    address found in it, carrying the address and label as the text wrote them; what looks like an
    address there but validates as none is a rejected record naming it (a warning, never silence)."""
    if not listing.prose:
        for address in normalize(listing.raw_address, listing.raw_label):
            yield listing, address
        return
    prose = read_prose(listing.raw_address)
    for run in prose.unread:
        if unread is not None:
                unread.append(Rejected(source=listing.source, source_record_id=listing.source_record_id, raw=run,
                                   reason=f"looks like a crypto address but validates as none: {run}"))
    for mention in prose.mentions:
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
