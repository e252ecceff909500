"""Shared test set-up: the real-fixture folder (skip when absent) and isolated state."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Fixtures for every test module.
from .processes import schedulers  # noqa: F401
from .servers import ofac_service  # noqa: F401
from .stores import postgres  # noqa: F401
from .test_site_browser import browser  # noqa: F401

# On a loaded machine (CI, two xdist workers) a property test's timing says nothing about the code.
settings.register_profile("ci", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default"))

HERE = Path(__file__).parent
OWN_FIXTURES = HERE / "fixtures"


def real_fixtures_dir() -> Path:
    configured = os.environ.get("SANCTIONS_FEED_REAL_FIXTURES")
    return Path(configured) if configured else HERE.parent.parent / "shared" / "fixtures"


def real_fixture(relative: str) -> Path:
    """Path of a file in ../shared/fixtures; skips the test with a reason when it is absent."""
    path = real_fixtures_dir() / relative
    if not path.exists():
        pytest.skip(f"real fixture {relative} not found under {real_fixtures_dir()} "
                    "(set SANCTIONS_FEED_REAL_FIXTURES)")
    return path


SAMPLE_FEED_NOW = "2026-11-24T12:00:00Z"


@pytest.fixture(scope="session")
def sample_feed(tmp_path_factory) -> Path:
    """One feed published from the bundled samples (what `make demo` publishes, at a fixed clock),
    shared by the tests that only read it: never write to it."""
    from click.testing import CliRunner

    from sanctions_feed.commands import cli
    from sanctions_feed.pipeline import update

    from .inprocess import InProcessCrawl

    feeds = tmp_path_factory.mktemp("sample-feed") / "feeds"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(update, "Crawl", InProcessCrawl)
        patch.delenv("SANCTIONS_FEED_DB", raising=False)
        result = CliRunner().invoke(cli, ["update", "--samples", "--feeds", str(feeds), "--now", SAMPLE_FEED_NOW])
    assert result.exit_code == 0, result.output
    return feeds


@pytest.fixture(autouse=True)
def _crawl_in_process(request, monkeypatch):
    """Every update in a test crawls in this process (tests/inprocess.py), but in tests marked
    `e2e`, which start the real crawler child."""
    if request.node.get_closest_marker("e2e") is None:
        from sanctions_feed.pipeline import update

        from .inprocess import InProcessCrawl

        monkeypatch.setattr(update, "Crawl", InProcessCrawl)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """No test reads the developer's feed dir or database by accident."""
    monkeypatch.delenv("SANCTIONS_FEED_DB", raising=False)
    monkeypatch.setenv("SANCTIONS_FEED_DIR", str(tmp_path / "feeds"))
