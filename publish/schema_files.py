"""JSON Schemas of every JSON file we publish, generated from the pydantic models that write them
and published in each release (`schema/<file>.json`), so a puller can validate what it reads.

The schemas are generated once and kept in `schemas/json/` (what a release publishes does not
depend on the installed pydantic, whose output differs in details between versions). A schema
changes only with a deliberate `SCHEMA_VERSION` change: `FINGERPRINTS` records the kept schemas'
sha256 for each version, and a test fails when the models no longer match the kept schemas."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from pydantic import BaseModel

import sanctions_feed.schemas
from sanctions_feed.schemas.feed import SCHEMA_VERSION, AddressesFile, ChangesFile, IndexPage, WebhookPayload
from sanctions_feed.schemas.release import IndexFile, Manifest

# The published file each schema describes, and the model that writes it.
MODELS: dict[str, type[BaseModel]] = {
    "addresses.json": AddressesFile,
    "changes.json": ChangesFile,
    "manifest.json": Manifest,
    "index.json": IndexFile,
    "index-page.json": IndexPage,
    "webhook.json": WebhookPayload,
}
FOLDER = "schema"
KEPT = Path(sanctions_feed.schemas.__file__).with_name("json")

# schema_version -> sha256 of the schemas it names (`python -m sanctions_feed.publish.schema_files`
# prints the current one). A new entry goes with every SCHEMA_VERSION change; none is ever edited.
FINGERPRINTS = {
    "1.1": "69f900ddfc4d4d9dd1705afdb4d589dd83ae6ec18650d04221d95952a7a8e20f",
    "1.2": "67287b2892f73c2b773d962d38e705a0d1c26b6224e81fb1259681b136c8ebff",
    "1.3": "a21dba307749a378a9a51443870132271c4fadb9a9723b3d0477b8e1966c97d0",
    "1.4": "b858538b92c6f89cb5f14f366a3350b0cf28b77f35b1157ee153895fed8c3831",
    "1.5": "cbd2285af5f4abbea41bc3502290d0f82dd254c9a3ffe1ed4deebb1630ad6fe1",
    "1.6": "86bbcbb27025eef7e3499b6f904f04f18fefeeb8ad9ece7506220f8434fcdcf4",
}


def generated(name: str) -> dict:
    """The schema as the installed pydantic generates it from the model."""
    model = MODELS[name]
    schema = model.model_json_schema(by_alias=True, mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"urn:sanctions-feed:schema:{SCHEMA_VERSION}:{name}",
            "title": f"sanctions-feed {name} (schema_version {SCHEMA_VERSION})", **schema}


def _text(schema: dict) -> bytes:
    return (json.dumps(schema, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def schema_bytes(name: str) -> bytes:
    """The kept schema, as every release publishes it."""
    return (KEPT / name).read_bytes()


def normalized(schema):
    """What pydantic versions write differently for the same model: an explicit
    `additionalProperties: true` (the default), and a one-value `enum` for a `const`."""
    if isinstance(schema, list):
        return [normalized(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: normalized(value) for key, value in schema.items() if (key, value) != ("additionalProperties", True)}
    if isinstance(out.get("enum"), list) and len(out["enum"]) == 1 and "const" in out:
        del out["enum"]
    return out


def fingerprint() -> str:
    digest = hashlib.sha256()
    for name in sorted(MODELS):
        digest.update(name.encode() + b"\0" + schema_bytes(name))
    return digest.hexdigest()


class SchemaFiles:
    """schema/<file>.json in every release: one JSON Schema per published JSON file."""

    FILE_NAME = FOLDER

    def write_all(self, directory: Path) -> dict[str, int]:
        (directory / FOLDER).mkdir()
        counts = {}
        for name in sorted(MODELS):
            path = f"{FOLDER}/{name}"
            (directory / path).write_bytes(schema_bytes(name))
            counts[path] = 1
        return counts


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:  # after a deliberate SCHEMA_VERSION change
        KEPT.mkdir(exist_ok=True)
        for name in MODELS:
            (KEPT / name).write_bytes(_text(generated(name)))
    print(SCHEMA_VERSION, fingerprint())
