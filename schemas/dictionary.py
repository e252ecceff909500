"""What every column of the published tables means: `addresses.csv`/`.xlsx` and
`changes.csv`/`.xlsx`. Declared once here; the spreadsheets carry it on a sheet of their own and
README's field dictionary lists it (a test holds the three together)."""

from __future__ import annotations

from .feed import FeedAddress, FeedListing


def described(model, field: str) -> str:
    """A column that is a field of the published JSON means what the field's docstring says."""
    return model.model_fields[field].description


ADDRESS_FIELDS: dict[str, str] = {
    "id": described(FeedAddress, "id"),
    "chain": described(FeedAddress, "chain"),
    "address": described(FeedAddress, "address"),
    "display": described(FeedAddress, "display"),
    "kind": described(FeedAddress, "kind"),
    "platform": described(FeedAddress, "platform"),
    "validity": described(FeedAddress, "validity"),
    "issues": described(FeedAddress, "issues"),
    "assets": described(FeedAddress, "assets"),
    "address_status": described(FeedAddress, "status"),
    "first_seen": described(FeedAddress, "first_seen"),
    "source": described(FeedListing, "source"),
    "source_record_id": described(FeedListing, "source_record_id"),
    "holder": described(FeedListing, "holder"),
    "holder_type": described(FeedListing, "holder_type"),
    "holder_status": described(FeedListing, "holder_status"),
    "programs": described(FeedListing, "programs"),
    "listing_assets": described(FeedListing, "assets"),
    "listed_on": described(FeedListing, "listed_on"),
    "valid_until": described(FeedListing, "valid_until"),
    "listing_status": described(FeedListing, "status"),
    "delisted_on": described(FeedListing, "delisted_on"),
    "source_url": "The official record's public page (http or https).",
    "raw_address": described(FeedListing, "raw_address"),
    "holder_issues": "What cleaning the holder's name took: homoglyphs_replaced, quotes_stripped, invisible_characters_stripped.",
    "tag": "The destination tag or memo of a tagged deposit.",
    "caip2": "The CAIP-2 id of the chain it was listed under (eip155:1, bip122:000000000019d6689c085ae165831e93, ...).",
    "authority": "The authority that publishes the list (US Treasury OFAC, Japan Ministry of Finance, ...).",
    "program_titles": "An English title for each programme the programme tables know, as `official value: title` (never a guess: some have none).",
    "reason": "The source's reason or remark for the record (EU remark, UK statement of reasons, OFAC remarks, French MOTIFS), cut at 4,000 characters.",
    "reason_lang": "The language the reason is written in (en, fr, ...).",
}

CHANGE_FIELDS: dict[str, str] = {
    "change": "added (newly active), removed (no longer active: delisted or expired) or changed (the record differs).",
    "id": ADDRESS_FIELDS["id"],
    "chain": ADDRESS_FIELDS["chain"],
    "address": ADDRESS_FIELDS["address"],
    "status": "The address's status in this release.",
    "fields": "For a changed address: which of its fields changed (listings, validity, issues, display, ...).",
    "sources": "The lists that name the address.",
    "holders": "Every holder its listings name.",
    "programs": "Every programme its listings cite.",
    "source_urls": "The official records' public pages.",
    "caip2": ADDRESS_FIELDS["caip2"],
    "source": "The list whose record changed (one row per changed listing; empty when no listing changed).",
    "source_record_id": "That list's official record.",
    "listing_change": "added (the record names the address now), removed (no longer) or changed (it says something else).",
    "listing_status": "The listing's status in this release (before it, for a removed listing).",
    "event": "The listing's event this release recorded: listed, delisted, relisted, expired or corrected.",
    "listing_fields": "For a changed listing: which of its fields changed (status, delisted_on, holder, programs, ...).",
    "before": "Those fields before, as `field: value; ...` ((none) for no value).",
    "after": "Those fields after, in the same form.",
    "holder": "The holder this record names.",
    "listed_on": ADDRESS_FIELDS["listed_on"],
    "delisted_on": ADDRESS_FIELDS["delisted_on"],
    "valid_until": ADDRESS_FIELDS["valid_until"],
    "source_url": ADDRESS_FIELDS["source_url"],
}
