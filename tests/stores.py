"""Stores for tests: a fresh SQLite file, or a PostgreSQL schema of its own on the test server
(`$SANCTIONS_FEED_TEST_POSTGRES`, default the project machines' server), skipped with the
reason when no server answers or the driver is not installed."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

POSTGRES = os.environ.get("SANCTIONS_FEED_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="module")
def postgres():
    """A connection to the test server, or a skip with the reason."""
    psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed (pip install '.[test]')")
    try:
        connection = psycopg.connect(POSTGRES, connect_timeout=3, autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at {POSTGRES} ({str(exc).strip().splitlines()[0]})")
    yield connection
    connection.close()


def new_store(kind: str, tmp_path: Path, request) -> str:
    """A fresh, empty store of `kind`: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path}/store-{uuid.uuid4().hex[:8]}.db"
    connection = request.getfixturevalue("postgres")
    schema = f"sanctions_feed_test_{uuid.uuid4().hex[:12]}"
    connection.execute(f"CREATE SCHEMA {schema}")
    request.addfinalizer(lambda: connection.execute(f"DROP SCHEMA {schema} CASCADE"))
    return f"{POSTGRES}?options=-csearch_path%3D{schema}"
