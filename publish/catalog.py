"""The feed as an OpenSanctions-style data catalog, for yente and the FtM tools: `catalog.json` at
the feed root (beside our own `index.json`, which stays as it is) and `delta.json`, the index of
entity deltas in OpenSanctions' shape (`{"versions": {release: url of its entities.delta.json}}`).

One dataset for the whole feed (`sanctions_feed`, a collection) and one per source
(`sanctions_feed_<source>`, its publisher the authority), each with the latest release as its
version and its resources with URL, size, media type and checksums (SHA-1, what yente verifies,
and SHA-256, what our manifests say); `resource_name` tells yente which one holds the entities. yente loads each source's own entities
(`sources/<source>/entities.ftm.json`), or, scoped to `sanctions_feed`, the whole export, and
follows `delta_url` from one release to the next. Links are absolute under the feed's public URL
(`--feed-url`), else relative to the feed root (then a yente must be given them rewritten)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sanctions_feed.schemas.authorities import AUTHORITIES
from sanctions_feed.schemas.release import IndexFile, Manifest

from .at_rest import release_has
from .ftm import DATASET, FtmExport, dataset_name
from .serve import content_type
from .settings import Publishing

CATALOG = "catalog.json"
DELTA_INDEX = "delta.json"
MEDIA_TYPES = {"entities.ftm.json": "application/json+ftm", "addresses.parquet": "application/vnd.apache.parquet",
               "addresses.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
FEED_RESOURCES = ("entities.ftm.json", "addresses.json", "addresses.csv", "addresses.parquet", "addresses.xlsx",
                  "changes.json", "changes.csv")
TITLES = {
    "ofac_sdn": "US OFAC Specially Designated Nationals: crypto addresses",
    "ofac_sdn_legacy": "US OFAC SDN list (legacy CSV files): crypto addresses",
    "eu_fsf": "EU Financial Sanctions Files: crypto addresses",
    "gb_fcdo": "UK Sanctions List: crypto addresses",
    "fr_tresor": "France, registre national des gels: crypto addresses",
    "jp_mof": "Japan MOF asset-freeze list: crypto addresses",
    "il_nbctf": "Israel NBCTF seizure and forfeiture orders: crypto wallets and accounts",
    "us_fbi": "US FBI and IC3 notices naming DPRK-controlled addresses",
}


def _resource(release: Path, version: str, name: str, manifest: Manifest, publishing: Publishing) -> dict | None:
    entry = manifest.files.get(name)
    path = release / name
    if entry is None or not path.is_file():
        return None
    sha1 = hashlib.sha1()
    with path.open("rb") as data:
        for chunk in iter(lambda: data.read(1 << 20), b""):
            sha1.update(chunk)
    return {"name": name.rsplit("/", 1)[-1], "url": publishing.link(f"v/{version}/{name}"), "size": entry.bytes,
            "checksum": sha1.hexdigest(), "sha256": entry.sha256,
            "mime_type": MEDIA_TYPES.get(name) or content_type(name).split(";")[0]}


def render(feeds: Path, index: IndexFile, manifest: Manifest, publishing: Publishing) -> tuple[bytes, bytes]:
    """catalog.json and delta.json for the latest release."""
    version = manifest.version
    release = feeds / "v" / version
    stamp = manifest.created_at.strftime("%Y-%m-%dT%H:%M:%S")
    delta_url = publishing.link(DELTA_INDEX)
    sources = sorted({name.split("/")[1] for name in manifest.files if name.startswith("sources/")})

    def resources(names) -> list[dict]:
        return [r for name in names if (r := _resource(release, version, name, manifest, publishing))]

    entities = manifest.files.get(FtmExport.ENTITIES)
    datasets = [{
        "name": DATASET, "title": "sanctions-feed: crypto addresses on official sanctions lists",
        "summary": "Crypto addresses named by the US (OFAC, FBI), the EU, the UK, France, Japan and Israel, "
                   "normalized into one schema, with every listing, its dates and its official record.",
        "version": version, "updated_at": stamp, "last_export": stamp,
        "entity_count": entities.rows if entities else None,
        "children": [dataset_name(s) for s in sources], "resources": resources(FEED_RESOURCES),
        "delta_url": delta_url, "publisher": {"name": "sanctions-feed", "url": publishing.link("site/index.html")},
        "resource_name": FtmExport.ENTITIES,
    }]
    statuses = {s.name: s for s in manifest.sources}
    for source in sources:
        authority, status = AUTHORITIES.get(source), statuses.get(source)
        names = sorted(name for name in manifest.files if name.startswith(f"sources/{source}/"))
        own = manifest.files.get(f"sources/{source}/{FtmExport.ENTITIES}")
        publisher: dict = {"name": authority.name if authority else source, "official": True}
        if authority:
            publisher["country"] = authority.country
        if status is not None and status.url and status.url.startswith(("http://", "https://")):
            publisher["url"] = status.url
        datasets.append({
            "name": dataset_name(source), "title": TITLES.get(source, source),
            "version": version, "updated_at": stamp, "last_export": stamp,
            "entity_count": own.rows if own else None, "publisher": publisher, "resources": resources(names),
            "resource_name": FtmExport.ENTITIES,
            "tags": ["list.sanction"] if (authority is None or authority.topic == "sanction") else ["list.other"],
        })
    catalog = {"datasets": datasets, "updated_at": stamp}
    versions = {v.id: publishing.link(f"v/{v.id}/{FtmExport.DELTA}") for v in index.versions
                if release_has(feeds / "v" / v.id / FtmExport.DELTA)}
    return _json(catalog), _json({"versions": versions})


def _json(payload: dict) -> bytes:
    return (json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")
