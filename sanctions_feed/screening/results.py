"""A screening verdict as published: the one object `check --format json` prints per verdict and
`/v1/check` returns in `results`, built here once for both."""

from __future__ import annotations

from datetime import date

from sanctions_feed.schemas.feed import FeedAddress

from .screen import ScreenResult, evm_note, listing_status_on


def match_fields(address: FeedAddress, on: date | None) -> dict:
    """A matched address and the listings that made it match (in force now, or on the day);
    all its listings when none is (a not-in-force or tag-required verdict), each labelled with its
    status that day."""
    statuses = {id(x): listing_status_on(x, on) for x in address.listings}
    listings = [x for x in address.listings if statuses[id(x)] == "active"] or address.listings
    address_status = address.status if on is None else next(
        (status for status in ("active", "delisted", "expired") if status in statuses.values()), "not_yet_listed")
    return {
        "id": address.id, "chain": address.chain, "caip2": address.caip2, "address": address.address,
        "display": address.display, "tag": address.tag, "address_status": address_status,
        "listings": [{"source": x.source, "source_record_id": x.source_record_id, "holder": x.holder,
                      "holder_type": x.holder_type, "programs": x.programs, "listed_on": _day(x.listed_on),
                      "valid_until": _day(x.valid_until), "delisted_on": _day(x.delisted_on),
                      "status": statuses[id(x)], "source_url": x.source_url} for x in listings],
    }


def verdict_object(verdict: ScreenResult, version: str, on: date | None) -> dict:
    """`{input, status, note, release, matches, issues, near_misses}`: JSON-ready."""
    return {"input": verdict.input, "status": verdict.status, "note": verdict.note, "release": version,
            "matches": [match_fields(a, on) | {"listed_under": evm_note(a)} for a in verdict.matches],
            "issues": list(verdict.issues),
            "near_misses": [{"how": how, "id": a.id, "chain": a.chain, "display": a.display}
                            for how, a in verdict.near_misses]}


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None
