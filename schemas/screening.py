"""What the screening API takes and returns (`/v1/check`, `/v1/health`): the same verdict objects
`check --format json` prints, declared once for the API's OpenAPI document."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

MAX_ADDRESSES = 1000
"""Addresses one request may name (GET or POST); a longer list is refused (422) whole."""


class MatchedListing(BaseModel):
    source: str
    source_record_id: str
    holder: str | None = None
    holder_type: str | None = None
    programs: list[str] = Field(default_factory=list)
    listed_on: date | None = None
    valid_until: date | None = None
    delisted_on: date | None = None
    status: str = Field(description="The listing's status: now, or on the day asked (`not_yet_listed` then too).")
    source_url: str | None = None


class MatchedAddress(BaseModel):
    id: str
    chain: str
    caip2: str | None = None
    address: str
    display: str
    tag: str | None = None
    address_status: str
    listed_under: str | None = Field(None, description="For an EVM match: the EVM chain it was listed under.")
    listings: list[MatchedListing]


class NearMiss(BaseModel):
    how: str = Field(description="`one_character_off`, `truncated` or `case_differs`.")
    id: str
    chain: str
    display: str


class Verdict(BaseModel):
    """One verdict on one address an input names (a payment link may name two)."""

    input: str
    status: str = Field(description="match, tag_required, not_in_force, no_match, invalid or not_an_address.")
    note: str
    release: str
    matches: list[MatchedAddress] = Field(default_factory=list)
    issues: list[str] = Field(default_factory=list)
    near_misses: list[NearMiss] = Field(default_factory=list)


class CheckRequest(BaseModel):
    addresses: list[str] = Field(min_length=1, max_length=MAX_ADDRESSES,
                                 description="Addresses, payment links or `LABEL: ADDRESS`, written any way.")
    on: date | None = Field(None, description="Screen against the release and the listings in force on this day.")


class CheckResponse(BaseModel):
    release: str = Field(description="The release the verdicts come from.")
    results: list[Verdict]


class Health(BaseModel):
    release: str | None = Field(description="The release being served (None: none loaded yet).")
    published_at: datetime | None = None
    age_seconds: float | None = None
    signed: bool = False
    verified: bool = False
    """Signature (when the release is signed or a key is pinned) and every file's hash checked."""
    expires_at: datetime | None = None
    ready: bool
    reason: str | None = Field(None, description="Why the service is not ready, when it is not.")
    refused: dict[str, list[str]] = Field(default_factory=dict,
                                          description="Releases refused since start, with their problems.")
    source: str = Field(description="The feed directory or the remote feed URL served from.")
