"""The FollowTheMoney export of a release: `entities.ftm.json` (one entity per line: each address a
`CryptoWallet`, each holder a `Person`/`Organization`/`LegalEntity`, each listing a `Sanction`),
in OpenSanctions' shape (`datasets`, `first_seen`, `last_change`, `target`; `last_seen` for what is
no longer listed), every value written through the followthemoney model, and
`entities.delta.json`, the OpenSanctions-style changes since the previous release
(`{"op": "ADD"|"MOD"|"DEL", "entity": ...}` per line), so yente and FtM tools load the feed as is.

Entity ids derive from content (the address id, the source record, the listing), never from row
order: the same address is the same entity in every release, and a delta says what changed.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from functools import lru_cache
from pathlib import Path

from sanctions_feed.schemas.authorities import AUTHORITIES
from sanctions_feed.schemas.feed import FeedAddress, FeedListing

from .at_rest import open_release_text, release_has

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


DATASET = "sanctions_feed"
"""The catalog's collection of every source; each source is the dataset `sanctions_feed_<source>`."""


def dataset_name(source: str) -> str:
    return f"{DATASET}_{source}"


def _stamp(day: date | None) -> str | None:
    return f"{day.isoformat()}T00:00:00" if day else None


def _entity(entity_id_: str, schema: str, properties: dict[str, list], datasets: set[str], first_seen: date,
            last_change: date, target: bool, last_seen: date | None = None) -> dict:
    """An entity made through the FollowTheMoney model: each value cleaned by its property's type
    as it is written, and a value the type refuses is an error (a bug here, never dropped)."""
    from followthemoney import model

    proxy = model.make_entity(schema)
    proxy.id = entity_id_
    for name, values in properties.items():
        prop = proxy.schema.properties[name]
        for value in values:
            # An entity reference is checked against its own entity; every other type cleans a
            # value alike wherever it is (a release's values repeat: holders, programmes, dates).
            cleaned = prop.type.clean(str(value), proxy=proxy) if prop.type.name == "entity" else \
                _clean(prop.type.name, str(value))
            if cleaned is None:
                raise ValueError(f"{schema}.{name}: {value!r} is not a valid {prop.type.name} (entity {entity_id_})")
            proxy.add(name, cleaned, cleaned=True)
    out = {"id": entity_id_, "schema": schema,
           "properties": {k: sorted(set(v)) for k, v in sorted(proxy.to_dict()["properties"].items()) if v},
           "datasets": sorted(datasets), "referents": [], "target": target,
           "first_seen": _stamp(first_seen), "last_change": _stamp(last_change)}
    if last_seen is not None:
        out["last_seen"] = _stamp(last_seen)
    return out


@lru_cache(maxsize=1 << 18)
def _clean(type_name: str, text: str) -> str | None:
    from followthemoney import registry

    return registry.get(type_name).clean(text)


def _last_change(listings: list[FeedListing], since: date) -> date:
    return max([since, *(e.recorded_on or e.date for x in listings for e in x.events)])


def _gone(listings: list[FeedListing]) -> date | None:
    """The day entities of listings no longer in force were last seen (None while one is)."""
    if any(x.status == "active" for x in listings):
        return None
    ends = [x.delisted_on or x.valid_until for x in listings]
    return max((d for d in ends if d), default=None)


def _holder(listing: FeedListing) -> dict | None:
    if not listing.holder:
        return None
    schema = HOLDER_SCHEMATA.get((listing.holder_type or "").lower(), "LegalEntity")
    active = listing.status == "active"
    props = {"name": [listing.holder], "alias": listing.other_holders,
             "topics": [_topic(listing.source)] if active else [],
             "sourceUrl": [listing.source_url] if listing.source_url else [],
             "program": listing.programs}
    return _entity(entity_id("holder", listing.source, listing.source_record_id), schema, props,
                   {dataset_name(listing.source)}, listing.first_seen, _last_change([listing], listing.first_seen),
                   active, _gone([listing]))


def _topic(source: str) -> str:
    known = AUTHORITIES.get(source)
    return known.topic if known else "sanction"


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
        authority = AUTHORITIES.get(listing.source)
        out.append(_entity(entity_id("sanction", listing.source, listing.source_record_id, address.id), "Sanction", {
            "entity": [holder["id"] if holder is not None else wallet_id],
            "authority": [authority.name if authority else listing.source],
            "country": [authority.country] if authority else [],
            "recordId": [listing.source_record_id],
            "program": listing.programs, "status": [listing.status],
            "reason": [listing.reason] if listing.reason else [],
            "listingDate": [listing.listed_on.isoformat()] if listing.listed_on else [],
            "startDate": [(listing.listed_on or listing.first_seen).isoformat()],
            "endDate": [end.isoformat()] if end else [],
            "sourceUrl": [listing.source_url] if listing.source_url else [],
            "summary": [f"{address.kind} {address.display} ({address.chain})"],
        }, {dataset_name(listing.source)}, listing.first_seen, _last_change([listing], listing.first_seen), False,
            _gone([listing])))
    active = [x for x in address.listings if x.status == "active"]
    wallet = _entity(wallet_id, "CryptoWallet", {
        "name": [address.display],
        "publicKey": [address.display] if len(address.display) <= IDENTIFIER_MAX else [],
        "cryptoAddress": [address.address] if address.kind != "exchange_account" and len(address.address) <= IDENTIFIER_MAX
        else [],
        "accountId": [address.address] if address.kind == "exchange_account" else [],
        "managingExchange": [address.platform] if address.platform else [],
        "blockchain": [address.chain] if address.chain != "unknown" else [],
        "currencySymbol": address.assets, "currency": address.assets, "holder": holders,
        "topics": sorted({_topic(x.source) for x in active}),
        "program": sorted({p for x in active for p in x.programs}),
        "notes": [f"destination tag {address.tag}"] if address.tag else [],
        "sourceUrl": [listing.source_url for listing in address.listings if listing.source_url],
    }, {dataset_name(x.source) for x in address.listings}, address.first_seen,
        _last_change(address.listings, address.first_seen), address.status == "active", _gone(address.listings))
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
                _merge(seen, entity)
    return {key: merged[key] for key in sorted(merged)}


def _merge(seen: dict, entity: dict) -> None:
    """One holder named by several addresses: its copies' values, datasets and dates together."""
    for prop, values in entity["properties"].items():
        seen["properties"][prop] = sorted(set(seen["properties"].get(prop, [])) | set(values))
    seen["datasets"] = sorted(set(seen["datasets"]) | set(entity["datasets"]))
    seen["target"] = seen["target"] or entity["target"]
    seen["first_seen"] = min(seen["first_seen"], entity["first_seen"])
    seen["last_change"] = max(seen["last_change"], entity["last_change"])
    if "last_seen" not in seen or "last_seen" not in entity or seen["target"]:
        seen.pop("last_seen", None)  # in force through one of its copies: not gone
    else:
        seen["last_seen"] = max(seen["last_seen"], entity["last_seen"])


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
        if published is not None and release_has(published):
            with open_release_text(published) as lines:
                before = {entity["id"]: entity for entity in map(json.loads, lines)}
        else:
            before = entities(previous or [])
        text = {key: _json(entity) for key, entity in now.items()}
        with (directory / self.ENTITIES).open("w", encoding="utf-8") as out:
            out.writelines(line + "\n" for line in text.values())
        counts = {self.ENTITIES: len(now)}
        # each source's own entities (its datasets' file in the catalog), in the same order
        for source in sorted({x.source for a in addresses for x in a.listings}):
            mine = [key for key, entity in now.items() if dataset_name(source) in entity["datasets"]]
            name = f"sources/{source}/{self.ENTITIES}"
            (directory / name).parent.mkdir(parents=True, exist_ok=True)
            with (directory / name).open("w", encoding="utf-8") as out:
                out.writelines(text[key] + "\n" for key in mine)
            counts[name] = len(mine)
        ops = [(key, "ADD", text[key]) for key in now if key not in before]
        ops += [(key, "MOD", text[key]) for key, entity in now.items() if key in before and before[key] != entity]
        ops += [(key, "DEL", _json(entity)) for key, entity in before.items() if key not in now]
        ops.sort()
        with (directory / self.DELTA).open("w", encoding="utf-8") as out:
            # the entity's own line inside: what json.dumps(sort_keys=True) writes, made once
            out.writelines(f'{{"entity": {line}, "op": "{op}"}}\n' for _, op, line in ops)
        return counts | {self.DELTA: len(ops)}
