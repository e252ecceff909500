"""The store's schema moves with Alembic migrations: a store made by the previous release (0.1,
before migrations and before the change-check columns) is upgraded in place, keeps its data and
publishes on; a new store is created whole and stamped; the migrated schema is the models'."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from sanctions_feed.commands import cli

from .stores import new_store

NEW_IN_0002 = ("last_changed", "last_published", "last_release", "signals")
NEW_TABLES = ("releases", "webhook_deliveries")  # 0003
HEAD = "0005"


def run(feeds, db, *args, now="2026-11-25T12:00:00Z"):
    return CliRunner().invoke(cli, ["update", "--feeds", str(feeds), "--db", db, "--now", now, *args])


def columns(db: str) -> dict[str, set[str]]:
    engine = sa.create_engine(db.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        inspector = sa.inspect(engine)
        return {table: {c["name"] for c in inspector.get_columns(table)} for table in inspector.get_table_names()}
    finally:
        engine.dispose()


def as_release_0_1_made_it(db: str, feeds=None) -> None:
    """Turn a store (and its feed's index.json) into what the previous release made: no version
    table, no change-check columns or keys."""
    if feeds is not None:
        index = json.loads((feeds / "index.json").read_text())
        for source in index["sources"]:
            for key in NEW_IN_0002:
                source.pop(key, None)
        (feeds / "index.json").write_text(json.dumps(index))
    engine = sa.create_engine(db.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE alembic_version"))
        for table in NEW_TABLES:
            connection.execute(sa.text(f"DROP TABLE {table}"))
        for column in NEW_IN_0002:
            connection.execute(sa.text(f"ALTER TABLE sources DROP COLUMN {column}"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    return new_store(request.param, tmp_path, request)


def test_a_store_of_the_previous_release_is_upgraded_and_publishes_on(tmp_path, store):
    feeds = tmp_path / "feeds"
    first = run(feeds, store, "--samples")
    assert first.exit_code == 0, first.output
    as_release_0_1_made_it(store, feeds)
    assert not set(NEW_IN_0002) & columns(store)["sources"]
    # The next update upgrades the store, then reads every source again (the old store kept no
    # change signals) and finds nothing to publish: the data came through the upgrade whole.
    again = run(feeds, store, "--samples", now="2026-11-25T13:00:00Z")
    assert again.exit_code == 0 and again.output.startswith("no change: no new version"), again.output
    assert "ofac_sdn: 23 listings" in again.output
    assert set(NEW_IN_0002) <= columns(store)["sources"]
    third = run(feeds, store, "--samples", now="2026-11-25T14:00:00Z")
    assert "ofac_sdn: unchanged (the same sha256 as the last good input)" in third.output
    engine = sa.create_engine(store.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == HEAD
    engine.dispose()
    index = json.loads((feeds / "index.json").read_text())
    assert len(index["versions"]) == 1 and all(s["signals"].get("code") for s in index["sources"])


def test_the_migrated_schema_is_the_models(tmp_path, request):
    fresh, upgraded = (new_store("sqlite", tmp_path, request) for _ in range(2))
    assert run(tmp_path / "a", fresh, "--samples", "--only", "fr_tresor").exit_code == 0
    assert run(tmp_path / "b", upgraded, "--samples", "--only", "fr_tresor").exit_code == 0
    as_release_0_1_made_it(upgraded)
    assert run(tmp_path / "b", upgraded, "--samples", "--only", "fr_tresor", "--reparse",
               now="2026-11-25T13:00:00Z").exit_code == 0
    assert columns(upgraded) == columns(fresh)


def test_a_store_from_a_newer_release_is_one_clear_line(tmp_path):
    db = f"sqlite:///{tmp_path}/store.db"
    assert run(tmp_path / "feeds", db, "--samples", "--only", "fr_tresor").exit_code == 0
    engine = sa.create_engine(db)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    result = run(tmp_path / "feeds", db, "--samples", "--only", "fr_tresor", now="2026-11-25T13:00:00Z")
    assert result.exit_code == 1 and "was it made by a newer release of sanctions-feed?" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_the_head_revision_the_store_checks_is_the_newest_migration():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from sanctions_feed.pipeline.store import HEAD_REVISION, MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION


def test_a_0003_store_with_json_as_text_is_upgraded_to_json_columns(tmp_path, store):
    """0004: the lists and holders written as JSON text become JSON columns, data intact."""
    feeds = tmp_path / "feeds"
    assert run(feeds, store, "--samples").exit_code == 0
    engine = sa.create_engine(store.replace("postgresql://", "postgresql+psycopg://", 1))
    postgres = engine.dialect.name == "postgresql"
    json_columns = [("addresses", "issues"), ("listings", "assets"), ("listings", "holder"),
                    ("listings", "other_holders"), ("listings", "programs"), ("listings", "issues")]
    with engine.begin() as connection:  # as release 0003 left it
        if postgres:
            for table, column in json_columns:
                connection.execute(sa.text(f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT"))
                connection.execute(sa.text(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar "
                                           f"USING {column}::text"))
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0003'"))
    again = run(feeds, store, "--samples", "--reparse", now="2026-11-25T13:00:00Z")
    assert again.exit_code == 0 and again.output.startswith("no change: no new version"), again.output
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == HEAD
        if postgres:
            types = dict(connection.execute(sa.text(
                "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND data_type IN ('json', 'character varying')")).all())
            assert all(types[f"{table}.{column}"] == "json" for table, column in json_columns), types
        holder = connection.execute(sa.text("SELECT holder FROM listings WHERE source = 'ofac_sdn' LIMIT 1")).scalar()
        assert (holder if isinstance(holder, dict) else json.loads(holder))["name"]
    engine.dispose()


def test_a_0004_store_gains_the_listings_reason_and_fills_it_on_the_next_run(tmp_path, store):
    feeds = tmp_path / "feeds"
    assert run(feeds, store, "--samples").exit_code == 0
    engine = sa.create_engine(store.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(sa.text("ALTER TABLE listings DROP COLUMN reason"))
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0004'"))
    engine.dispose()
    assert "reason" not in columns(store)["listings"]
    again = run(feeds, store, "--samples", "--reparse", now="2026-11-25T13:00:00Z")
    assert again.exit_code == 0, again.output
    assert "reason" in columns(store)["listings"]
    addresses = json.loads((feeds / "latest" / "addresses.json").read_text())["addresses"]
    assert any(x["reason"] for a in addresses for x in a["listings"] if x["source"] == "gb_fcdo")
