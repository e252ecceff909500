"""The FollowTheMoney export of a release: `entities.ftm.json` (one entity per line: each address a
`CryptoWallet`, each holder a `Person`/`Organization`/`LegalEntity`, each listing a `Sanction`) and
`entities.delta.json`, the OpenSanctions-style changes since the previous release
(`{"op": "ADD"|"MOD"|"DEL", "entity": ...}` per line), so yente and FtM tools load the feed as is.

Entity ids derive from content (the address id, the source record, the listing), never from row
order: the same address is the same entity in every release, and a delta says what changed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sanctions_feed.schemas.feed import FeedAddress, FeedListing

ID_PREFIX = "sf"
IDENTIFIER_MAX = 512
"""What FtM (>= 4.7) lets `publicKey` and `cryptoAddress` hold: a Monero integrated address (106)
fits; longer Zcash unified addresses are named only."""
HOLDER_SCHEMATA = {"individual": "Person", "person": "Person", "entity": "Organization",
                   "organization": "Organization", "organisation": "Organization", "company": "Organization",
                   "vessel": "Vessel", "aircraft": "Airplane"}


def entity_id(kind: str, *parts: str | None) -> str:
    digest = hashlib.sha1("\x1f".join(p or "" for p in parts).encode("utf-8")).hexdigest()
    return f"{ID_PREFIX}-{kind}-{digest[:20]}"


def _entity(entity_id_: str, schema: str, properties: dict[str, list[str]]) -> dict:
    return {"id": entity_id_, "schema": schema,
            "properties": {k: sorted(set(v)) for k, v in sorted(properties.items()) if v}}


def _holder(listing: FeedListing) -> dict | None:
    if not listing.holder:
        return None
    schema = HOLDER_SCHEMATA.get((listing.holder_type or "").lower(), "LegalEntity")
    props = {"name": [listing.holder], "alias": listing.other_holders,
             "topics": ["sanction"] if listing.status == "active" else [],
             "sourceUrl": [listing.source_url] if listing.source_url else [],
             "program": listing.programs}
    return _entity(entity_id("holder", listing.source, listing.source_record_id), schema, props)


def address_entities(address: FeedAddress) -> list[dict]:
    """The wallet, its holders and one sanction per listing. A holder named by several addresses
    is one entity with one id: `entities` merges its copies."""
    wallet_id = entity_id("wallet", address.id)
    out, holders = [], []
    for listing in address.listings:
        holder = _holder(listing)
        if holder is not None:
            holders.append(holder["id"])
            out.append(holder)
        end = listing.delisted_on if listing.status == "delisted" else listing.valid_until
        out.append(_entity(entity_id("sanction", listing.source, listing.source_record_id, address.id), "Sanction", {
            "entity": [holder["id"] if holder is not None else wallet_id],
            "authority": [listing.source], "recordId": [listing.source_record_id],
            "program": listing.programs, "status": [listing.status],
            "listingDate": [listing.listed_on.isoformat()] if listing.listed_on else [],
            "startDate": [(listing.listed_on or listing.first_seen).isoformat()],
            "endDate": [end.isoformat()] if end else [],
            "sourceUrl": [listing.source_url] if listing.source_url else [],
            "summary": [f"{address.kind} {address.display} ({address.chain})"],
        }))
    wallet = _entity(wallet_id, "CryptoWallet", {
        "name": [address.display],
        "publicKey": [address.display] if len(address.display) <= IDENTIFIER_MAX else [],
        "cryptoAddress": [address.address] if address.kind != "exchange_account" and len(address.address) <= IDENTIFIER_MAX
        else [],
        "accountId": [address.address] if address.kind == "exchange_account" else [],
        "managingExchange": [address.platform] if address.platform else [],
        "blockchain": [address.chain] if address.chain != "unknown" else [],
        "currencySymbol": address.assets, "holder": holders,
        "topics": ["sanction"] if address.status == "active" else [],
        "notes": [f"destination tag {address.tag}"] if address.tag else [],
        "sourceUrl": [listing.source_url for listing in address.listings if listing.source_url],
    })
    return [wallet, *out]


def exported(address: FeedAddress) -> bool:
    """Whether an address is a wallet FtM consumers may screen: never an invalid or truncated
    string (`"3"`, `"1Gq"`), nor text that is no address. Those stay in `addresses.json` and
    `rejected`, with their verdicts."""
    return address.validity != "invalid" and address.kind != "unknown"


def entities(addresses: list[FeedAddress]) -> dict[str, dict]:
    """Every entity of a release by id, sorted; copies of one holder merged property by property."""
    merged: dict[str, dict] = {}
    for address in filter(exported, addresses):
        for entity in address_entities(address):
            seen = merged.get(entity["id"])
            if seen is None:
                merged[entity["id"]] = entity
            else:
                for prop, values in entity["properties"].items():
                    seen["properties"][prop] = sorted(set(seen["properties"].get(prop, [])) | set(values))
    return {key: merged[key] for key in sorted(merged)}


def _json(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True)


class FtmExport:
    ENTITIES = "entities.ftm.json"
    DELTA = "entities.delta.json"

    def write_all(self, directory: Path, addresses: list[FeedAddress], previous: list[FeedAddress] | None,
                  previous_dir: Path | None = None) -> dict[str, int]:
        """Both files. The delta is against the entities the previous release published (what a
        consumer applying deltas holds), or, for a release that published none, against its
        records as this code makes them; all ADD for the first release."""
        now = entities(addresses)
        published = previous_dir / self.ENTITIES if previous_dir is not None else None
        if published is not None and published.is_file():
            with published.open(encoding="utf-8") as lines:
                before = {entity["id"]: entity for entity in map(json.loads, lines)}
        else:
            before = entities(previous or [])
        text = {key: _json(entity) for key, entity in now.items()}
        with (directory / self.ENTITIES).open("w", encoding="utf-8") as out:
            out.writelines(line + "\n" for line in text.values())
        ops = [(key, "ADD", text[key]) for key in now if key not in before]
        ops += [(key, "MOD", text[key]) for key, entity in now.items() if key in before and before[key] != entity]
        ops += [(key, "DEL", _json(entity)) for key, entity in before.items() if key not in now]
        ops.sort()
        with (directory / self.DELTA).open("w", encoding="utf-8") as out:
            # the entity's own line inside: what json.dumps(sort_keys=True) writes, made once
            out.writelines(f'{{"entity": {line}, "op": "{op}"}}\n' for _, op, line in ops)
        return {self.ENTITIES: len(now), self.DELTA: len(ops)}
