"""The JSON Schemas we publish: every published JSON file validates against its release's schema,
and a schema changes only with a deliberate schema_version change."""

from __future__ import annotations

import json

import jsonschema
import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli
from sanctions_feed.publish.schema_files import FINGERPRINTS, MODELS, fingerprint, generated, normalized, schema_bytes
from sanctions_feed.schemas.feed import SCHEMA_VERSION


@pytest.fixture(scope="module")
def feeds(tmp_path_factory):
    feeds = tmp_path_factory.mktemp("schemas") / "feeds"
    for now in ("2026-11-24T12:00:00Z", "2026-11-24T13:00:00Z"):
        result = CliRunner().invoke(cli, ["update", "--samples", "--feeds", str(feeds), "--now", now, "--reparse"])
        assert result.exit_code == 0, result.output
    return feeds


@pytest.mark.parametrize("name", sorted(MODELS))
def test_the_kept_schemas_are_the_models(name):
    assert normalized(json.loads(schema_bytes(name))) == normalized(generated(name)), (
        f"the model behind {name} changed: raise SCHEMA_VERSION, regenerate the kept schemas "
        "(python -m sanctions_feed.publish.schema_files --write) and record the new fingerprint")


def test_a_schema_change_is_a_deliberate_schema_version_change():
    assert SCHEMA_VERSION in FINGERPRINTS, f"record schema_version {SCHEMA_VERSION} in FINGERPRINTS"
    assert FINGERPRINTS[SCHEMA_VERSION] == fingerprint(), (
        "the published JSON Schemas changed: raise SCHEMA_VERSION and record the new fingerprint "
        "(python -m sanctions_feed.publish.schema_files)")
    assert len(set(FINGERPRINTS.values())) == len(FINGERPRINTS)  # no version reuses another's schemas


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_field_of_a_published_schema_has_a_description(name):
    schema = json.loads(schema_bytes(name))
    objects = {name: schema} | schema.get("$defs", {})
    undescribed = [f"{where}.{field}" for where, part in objects.items()
                   for field, spec in part.get("properties", {}).items() if not spec.get("description")]
    assert undescribed == []


@pytest.mark.parametrize("name", sorted(set(MODELS) - {"webhook.json", "index-page.json"}))  # a page: test_index_pages
def test_every_published_json_file_validates_against_its_schema(feeds, name):
    release = feeds / "latest"
    schema = json.loads((release / "schema" / name).read_text())
    assert (release / "schema" / name).read_bytes() == schema_bytes(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    document = json.loads(((feeds if name == "index.json" else release) / name).read_text())
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)


def test_a_document_that_breaks_the_schema_is_caught(feeds):
    schema = json.loads((feeds / "latest" / "schema" / "addresses.json").read_text())
    document = json.loads((feeds / "latest" / "addresses.json").read_text())
    document["addresses"][0]["status"] = "gone"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)


def test_the_schemas_are_listed_in_the_manifest(feeds):
    manifest = json.loads((feeds / "latest" / "manifest.json").read_text())
    assert {f"schema/{name}" for name in MODELS} <= set(manifest["files"])
    assert manifest["schema_version"] == SCHEMA_VERSION
