"""The configuration file: TOML, every key checked, the commands' defaults (the command line and
the environment override it), shown by `sanctions-feed config` with passwords masked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli
from sanctions_feed.spiders import load_sources


@pytest.fixture(autouse=True)
def _no_feed_dir_in_the_environment(monkeypatch):
    """The environment beats the file: these tests set the feed directory in the file."""
    monkeypatch.delenv("SANCTIONS_FEED_DIR", raising=False)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sanctions-feed.toml"
    path.write_text(text, encoding="utf-8")
    return path


def invoke(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env)


def lines_of(output: str) -> dict[str, str]:
    """`key = value  # origin` lines of `config`, by key (the first of each)."""
    found: dict[str, str] = {}
    for line in output.splitlines():
        if " = " in line and not line.startswith("#"):
            found.setdefault(line.split(" = ", 1)[0], line)
    return found


def test_no_file_is_needed_and_config_shows_the_defaults(tmp_path):
    result = invoke("config")
    assert result.exit_code == 0, result.output
    shown = lines_of(result.output)
    assert shown["feeds"] == 'feeds = "feeds"  # default' and shown["timeout"] == "timeout = 1800.0  # default"
    assert shown["db"].endswith("# default: SQLite beside the feed directory")
    assert "# configuration file: none" in result.output
    assert f'url = "{load_sources()["ofac_sdn"].meta.url}"  # live' in result.output


def test_the_command_line_beats_the_environment_which_beats_the_file(tmp_path):
    config = write(tmp_path, 'feeds = "from-file"\ntimeout = 600\ndb = "postgresql://feed:hunter2@db.example/feeds"\n')
    from_file = lines_of(invoke("--config", str(config), "config").output)
    assert from_file["feeds"] == f'feeds = "{tmp_path / "from-file"}"  # configuration file'  # beside the file
    assert from_file["timeout"] == "timeout = 600.0  # configuration file"
    assert from_file["db"] == 'db = "postgresql://feed:***@db.example/feeds"  # configuration file'
    env = {"SANCTIONS_FEED_SOURCE_TIMEOUT": "99", "SANCTIONS_FEED_CONFIG": str(config)}
    from_env = lines_of(invoke("config", env=env).output)
    assert from_env["timeout"] == "timeout = 99.0  # environment (SANCTIONS_FEED_SOURCE_TIMEOUT)"
    from_line = lines_of(invoke("config", "--timeout", "5", env=env).output)
    assert from_line["timeout"] == "timeout = 5.0  # command line"
    assert "hunter2" not in invoke("config", env=env).output


def test_the_store_url_can_come_from_the_environment(tmp_path):
    config = write(tmp_path, 'db_env = "FEED_DATABASE_URL"\n')
    shown = invoke("--config", str(config), "config", env={"FEED_DATABASE_URL": "postgresql://u:pw@h/d"})
    assert 'db = "postgresql://u:***@h/d"  # configuration file' in shown.output
    missing = invoke("--config", str(config), "config", env={"FEED_DATABASE_URL": ""})
    assert missing.exit_code == 2 and "db_env: the environment variable FEED_DATABASE_URL is not set" in missing.output


@pytest.mark.parametrize("text, error", [
    ("feeds = 3\n", "feeds: Input should be a valid string"),
    ("feed = 'x'\n", "feed: Extra inputs are not permitted"),
    ("[sources.nope]\n", "sources.nope: no such source"),
    ("[sources.ofac_sdn]\nexpected_min = 5\n", "give expected_min and expected_max together"),
    ("[log]\nlevel = 'LOUD'\n", "log.level"),
    ("x = [\n", "not valid TOML"),
])
def test_a_bad_file_is_one_line_naming_the_key(tmp_path, text, error):
    config = write(tmp_path, text)
    result = invoke("--config", str(config), "sources")
    assert result.exit_code == 2 and error in result.output and str(config) in result.output
    assert "Traceback" not in result.output


def test_update_takes_sources_and_bounds_from_the_file(tmp_path):
    fr = load_sources()["fr_tresor"].sample_path()
    config = write(tmp_path, f'feeds = "feeds"\n[sources.fr_tresor]\nurl = "{fr}"\n'
                             '[sources.us_fbi]\nenabled = false\n[sources.eu_fsf]\nenabled = false\n'
                             '[sources.gb_fcdo]\nenabled = false\n[sources.jp_mof]\nenabled = false\n'
                             '[sources.il_nbctf]\nenabled = false\n[sources.ofac_sdn]\nenabled = false\n')
    result = invoke("--config", str(config), "update", "--now", "2026-11-25T12:00:00Z")
    assert result.exit_code == 0 and "fr_tresor: 9 listings" in result.output, result.output
    index = json.loads((tmp_path / "feeds" / "index.json").read_text())
    assert [s["name"] for s in index["sources"]] == ["fr_tresor"]  # the disabled sources did not run
    bounded = write(tmp_path, f'feeds = "other"\n[sources.fr_tresor]\nurl = "{fr}"\nexpected_min = 50\nexpected_max = 60\n')
    refused = invoke("--config", str(bounded), "update", "--only", "fr_tresor", "--now", "2026-11-25T12:00:00Z")
    assert refused.exit_code == 1 and "fr_tresor: 9 listings, fewer than the 50 expected" in refused.output
    env_wins = invoke("--config", str(bounded), "update", "--only", "fr_tresor", "--now", "2026-11-25T12:00:00Z",
                      env={"SANCTIONS_FEED_BOUNDS": "fr_tresor=1:20"})
    assert env_wins.exit_code == 0, env_wins.output


def test_the_scheduler_takes_cadences_from_the_file(tmp_path):
    config = write(tmp_path, 'feeds = "feeds"\n[sources.ofac_sdn]\ncadence = "every 2m"\n')
    listed = invoke("--config", str(config), "schedule", "--list")
    assert "ofac_sdn: every 2m (no job yet" in listed.output
    assert not (tmp_path / "feeds.jobs.db").exists()
