"""JSON Schemas of every JSON file we publish, generated from the pydantic models that write them
and published in each release (`schema/<file>.json`), so a puller can validate what it reads.

A schema changes only with a deliberate `SCHEMA_VERSION` change: `FINGERPRINTS` records the
schemas' sha256 for each version, and a test fails when the models change under the same version."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import BaseModel

from sanctions_feed.schemas.feed import SCHEMA_VERSION, AddressesFile, ChangesFile, IndexFile, Manifest, WebhookPayload

# The published file each schema describes, and the model that writes it.
MODELS: dict[str, type[BaseModel]] = {
    "addresses.json": AddressesFile,
    "changes.json": ChangesFile,
    "manifest.json": Manifest,
    "index.json": IndexFile,
    "webhook.json": WebhookPayload,
}
FOLDER = "schema"

# schema_version -> sha256 of the schemas it names (`python -m sanctions_feed.publish.schema_files`
# prints the current one). A new entry goes with every SCHEMA_VERSION change; none is ever edited.
FINGERPRINTS = {
    "1.1": "69f900ddfc4d4d9dd1705afdb4d589dd83ae6ec18650d04221d95952a7a8e20f",
}


def json_schema(name: str) -> dict:
    model = MODELS[name]
    schema = model.model_json_schema(by_alias=True, mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"urn:sanctions-feed:schema:{SCHEMA_VERSION}:{name}",
            "title": f"sanctions-feed {name} (schema_version {SCHEMA_VERSION})", **schema}


def schema_bytes(name: str) -> bytes:
    return (json.dumps(json_schema(name), ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def fingerprint() -> str:
    digest = hashlib.sha256()
    for name in sorted(MODELS):
        digest.update(name.encode() + b"\0" + schema_bytes(name))
    return digest.hexdigest()


class SchemaFiles:
    """schema/<file>.json in every release: one JSON Schema per published JSON file."""

    FILE_NAME = FOLDER
    MIME_TYPE = "application/schema+json"

    def write_all(self, directory: Path) -> dict[str, int]:
        (directory / FOLDER).mkdir()
        counts = {}
        for name in sorted(MODELS):
            path = f"{FOLDER}/{name}"
            (directory / path).write_bytes(schema_bytes(name))
            counts[path] = 1
        return counts


if __name__ == "__main__":
    print(SCHEMA_VERSION, fingerprint())
