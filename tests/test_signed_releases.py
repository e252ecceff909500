"""Signed releases: minisign signatures, `verify` on a directory and over HTTP, expiry and renewal,
and the tampering a puller must notice."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli
from sanctions_feed.publish.serve import make_server
from sanctions_feed.publish.signing import parse_public_key, read_secret_key, write_key_pair

from .builders import SAMPLE_PARTIES, sdn_advanced_xml

DATES = ["2026-11-01T00:00:00Z", "2026-11-08T00:00:00Z", "2026-11-15T00:00:00Z"]
AFTER = "2026-11-16T00:00:00Z"


def update(feeds: Path, key: Path | None, source: Path, now: str, *extra):
    args = ["update", "--feeds", str(feeds), "--now", now, "--only", "ofac_sdn", "--source", f"ofac_sdn={source}",
            "--force", *extra]
    if key is not None:
        args += ["--signing-key", str(key)]
    return CliRunner().invoke(cli, args)


def verify(where, *args):
    return CliRunner().invoke(cli, ["verify", str(where), *args])


def write_source(path: Path, parties) -> Path:
    path.write_bytes(sdn_advanced_xml(parties))
    return path


@pytest.fixture(scope="session")
def history(tmp_path_factory):
    """Three signed releases: every party; one party gone; it is back, another gone.

    `SANCTIONS_FEED_TEST_HISTORY=DIR` keeps them in DIR between runs (the mutation run of
    `publish/verify.py`, whose mutants cannot change how a release is written)."""
    kept = os.environ.get("SANCTIONS_FEED_TEST_HISTORY")
    if kept and (Path(kept) / "feeds" / "index.json").is_file():
        root = Path(kept)
        feeds = root / "feeds"
        return root, feeds, root / "keys" / "minisign.key", [v["id"] for v in json.loads(
            (feeds / "index.json").read_text())["versions"]]
    root = Path(kept) if kept else tmp_path_factory.mktemp("signed")
    key = root / "keys" / "minisign.key"
    write_key_pair(key)
    feeds = root / "feeds"
    for n, (now, parties) in enumerate(zip(DATES, [SAMPLE_PARTIES, SAMPLE_PARTIES[1:], SAMPLE_PARTIES[:-1]],
                                           strict=True)):
        result = update(feeds, key, write_source(root / f"sdn{n}.xml", parties), now)
        assert result.exit_code == 0 and result.stdout.startswith("published "), result.output
    versions = [v["id"] for v in json.loads((feeds / "index.json").read_text())["versions"]]
    assert len(versions) == 3
    return root, feeds, key, versions


@pytest.fixture
def copy(history, tmp_path):
    """A copy of the history's feed to tamper with."""
    _, feeds, key, versions = history
    target = tmp_path / "feeds"
    shutil.copytree(feeds, target, symlinks=True)
    return target, key.with_suffix(".pub"), versions


def test_every_release_of_a_history_verifies_with_the_pinned_key(history):
    _, feeds, key, versions = history
    result = verify(feeds, "--all", "--at", AFTER, "--public-key", str(key.with_suffix(".pub")))
    assert result.exit_code == 0, result.output
    assert [line.split()[1].rstrip(":") for line in result.stdout.splitlines()] == versions
    for version in versions:
        manifest = json.loads((feeds / "v" / version / "manifest.json").read_text())
        assert manifest["signed_by"] == read_secret_key(key).public.key_id_hex
        created, expires = (datetime.fromisoformat(manifest[k].replace("Z", "+00:00")) for k in ("created_at", "expires_at"))
        assert expires - created == timedelta(days=30)
    assert (feeds / "minisign.pub").read_text() == key.with_suffix(".pub").read_text()


def test_the_feeds_own_key_is_used_and_said_to_be_unpinned(history):
    _, feeds, _, _ = history
    result = verify(feeds, "--at", AFTER)
    assert result.exit_code == 0, result.output
    assert "pin it with --public-key" in result.stderr


@pytest.mark.skipif(shutil.which("minisign") is None, reason="the minisign tool is not installed (apt install minisign)")
def test_the_stock_minisign_tool_accepts_every_signature(history):
    _, feeds, key, versions = history
    for version in versions:
        done = subprocess.run(["minisign", "-V", "-p", str(key.with_suffix(".pub")), "-m",
                               str(feeds / "v" / version / "manifest.json")], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr + done.stdout
        assert f"Trusted comment: sanctions-feed release {version} " in done.stdout


@pytest.mark.skipif(shutil.which("minisign") is None, reason="the minisign tool is not installed (apt install minisign)")
def test_a_minisign_made_signature_checks_out_with_our_reader(tmp_path):
    subprocess.run(["minisign", "-G", "-W", "-p", str(tmp_path / "k.pub"), "-s", str(tmp_path / "k.key")],
                   check=True, capture_output=True)
    (tmp_path / "f").write_bytes(b"a file\n")
    subprocess.run(["minisign", "-S", "-s", str(tmp_path / "k.key"), "-m", str(tmp_path / "f"), "-t", "hello"],
                   check=True, capture_output=True, input=b"")
    key = parse_public_key((tmp_path / "k.pub").read_text())
    assert key.verify(b"a file\n", (tmp_path / "f.minisig").read_text()) == "hello"
    assert read_secret_key(tmp_path / "k.key").public == key  # and its unencrypted secret key is one we can sign with


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def _other_letter(path: Path, at: int) -> None:
    """One base64 letter of the signature changed to another."""
    text = path.read_text()
    path.write_text(text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1:])


def _flip_byte(path: Path, at: int = 40) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(("tamper", "expected"), [
    (lambda f, v: _flip_byte(f / "v" / v[-1] / "addresses.csv"), "addresses.csv: sha256 differs from the manifest's"),
    (lambda f, v: _flip_byte(f / "v" / v[-1] / "chains" / "bitcoin.txt", 3), "chains/bitcoin.txt: sha256 differs"),
    (lambda f, v: _flip_byte(f / "v" / v[-1] / "manifest.json", 60), "manifest.json.minisig: the signature does not match"),
    (lambda f, v: _other_letter(f / "v" / v[-1] / "manifest.json.minisig", 100),
     "manifest.json.minisig: the signature does not match the file"),
    (lambda f, v: _replace(f / "v" / v[-1] / "manifest.json.minisig", "expires 2026-12", "expires 2027-12"),
     "manifest.json.minisig: the trusted comment was altered"),
    (lambda f, v: (f / "v" / v[-1] / "changes.csv").unlink(), "changes.csv: missing"),
    (lambda f, v: (f / "v" / v[-1] / "manifest.json.minisig").unlink(), "missing (the release is unsigned)"),
    (lambda f, v: (f / "v" / v[-1] / "extra.csv").write_text("x\n"), "extra.csv: not in the manifest"),
])
def test_one_changed_byte_or_file_fails_with_the_file_and_reason(copy, tamper, expected):
    feeds, public, versions = copy
    tamper(feeds, versions)
    result = verify(feeds, "--at", AFTER, "--public-key", str(public))
    assert result.exit_code == 1
    failures = [line for line in result.stdout.splitlines() if line.startswith("FAIL ")]
    assert failures and any(expected in line for line in failures), result.output
    assert "Traceback" not in result.output


def test_a_signature_by_another_key_fails(copy, tmp_path):
    feeds, _, _ = copy
    other, _ = write_key_pair(tmp_path / "other" / "k.key")
    result = verify(feeds, "--at", AFTER, "--public-key", other.public.text().splitlines()[1])
    assert result.exit_code == 1 and "signed by another key" in result.stdout


def test_an_expired_release_fails(copy):
    feeds, public, _ = copy
    result = verify(feeds, "--at", "2027-01-01T00:00:00Z", "--public-key", str(public))
    assert result.exit_code == 1 and "expired at 2026-12-15T00:00:00Z" in result.stdout


def test_a_release_replaced_by_an_older_one_fails(copy):
    feeds, public, versions = copy
    newest = feeds / "v" / versions[-1]
    shutil.rmtree(newest)
    shutil.copytree(feeds / "v" / versions[0], newest)  # validly signed, but the first release
    result = verify(feeds, "--at", AFTER, "--public-key", str(public))
    assert result.exit_code == 1
    assert f"names release {versions[0]}, not {versions[-1]}" in result.stdout


def test_an_index_rolled_back_to_an_older_release_fails(copy):
    feeds, public, versions = copy
    index = json.loads((feeds / "index.json").read_text())
    index["latest"] = versions[1]
    (feeds / "index.json").write_text(json.dumps(index))
    result = verify(feeds, "--at", AFTER, "--public-key", str(public))
    assert result.exit_code == 1 and f"latest is {versions[1]}, but the newest release listed is {versions[2]}" in result.stdout
    index["versions"] = index["versions"][:2]  # the whole index of the older day, put back
    (feeds / "index.json").write_text(json.dumps(index))
    result = verify(feeds, "--at", AFTER, "--public-key", str(public))
    assert result.exit_code == 1 and f"v/{versions[2]} is newer (an older index put back)" in result.stdout
    assert "latest/manifest.json: differs" in result.stdout  # `latest` still points at the newest
    result = verify(feeds, "--at", AFTER, "--public-key", str(public), "--after", versions[2])
    assert result.exit_code == 1 and f"release {versions[1]} is older than {versions[2]}" in result.stdout


def test_after_the_newest_release_is_no_news_not_a_rollback(copy):
    """Before: a cron puller's every poll that found no new release failed as a rollback."""
    feeds, public, versions = copy
    same = verify(feeds, "--at", AFTER, "--public-key", str(public), "--after", versions[2])
    assert same.exit_code == 0, same.stdout
    older = verify(feeds, "--at", AFTER, "--public-key", str(public), "--after", versions[1])
    assert older.exit_code == 0, older.stdout
    newer = verify(feeds, "--at", AFTER, "--public-key", str(public), "--after", "20991231T000000Z")
    assert newer.exit_code == 1 and f"release {versions[2]} is older than 20991231T000000Z" in newer.stdout


def test_verify_over_http_against_serve(copy):
    feeds, public, versions = copy
    server = make_server(feeds, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        result = verify(base, "--all", "--at", AFTER, "--public-key", str(public))
        assert result.exit_code == 0, result.output
        _flip_byte(feeds / "v" / versions[0] / "addresses.json", 100)
        result = verify(base, "--version", versions[0], "--at", AFTER, "--public-key", str(public))
        assert result.exit_code == 1 and f"v/{versions[0]}/addresses.json: sha256 differs" in result.stdout
    finally:
        server.shutdown()
        server.server_close()


def test_an_unreachable_feed_is_one_failed_line(tmp_path):
    result = verify("http://127.0.0.1:9/")
    assert result.exit_code == 1 and result.stdout.startswith("FAIL http://127.0.0.1:9/index.json: cannot fetch")
    result = verify(tmp_path / "nothing")
    assert result.exit_code == 1 and "no feed directory" in result.stdout


def test_an_unsigned_release_says_so_once_and_fails_verification(tmp_path):
    feeds = tmp_path / "feeds"
    result = update(feeds, None, write_source(tmp_path / "sdn.xml", SAMPLE_PARTIES), DATES[0])
    assert result.exit_code == 0
    assert result.stderr.count("is unsigned: no signing key") == 1
    result = verify(feeds, "--at", DATES[0])
    assert result.exit_code == 1 and "manifest.json.minisig: missing (the release is unsigned)" in result.stdout


def test_a_quiet_feed_renews_its_latest_release_before_it_expires(tmp_path):
    key = tmp_path / "keys" / "minisign.key"
    write_key_pair(key)
    feeds, source = tmp_path / "feeds", write_source(tmp_path / "sdn.xml", SAMPLE_PARTIES)
    assert update(feeds, key, source, "2026-11-01T00:00:00Z").exit_code == 0
    quiet = update(feeds, key, source, "2026-11-20T00:00:00Z", "--reparse")
    assert quiet.stdout.startswith("no change"), quiet.output
    renewed = update(feeds, key, source, "2026-11-25T00:00:00Z", "--reparse")  # under a quarter of 30 days left
    assert renewed.exit_code == 0 and "renewal of the latest release before it expires" in renewed.stdout
    index = json.loads((feeds / "index.json").read_text())
    assert len(index["versions"]) == 2 and index["versions"][1]["added"] == 0
    result = verify(feeds, "--all", "--at", "2026-12-20T00:00:00Z")
    assert result.exit_code == 0, result.output


def test_keygen_refuses_a_key_inside_the_feed_directory(tmp_path):
    feeds = tmp_path / "feeds"
    result = CliRunner().invoke(cli, ["keygen", "--feeds", str(feeds), "--signing-key", str(feeds / "k.key")])
    assert result.exit_code == 1 and "inside the feed directory" in result.output
    result = CliRunner().invoke(cli, ["keygen", "--feeds", str(feeds), "--signing-key", str(tmp_path / "k" / "k.key")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "k" / "k.key").stat().st_mode & 0o077 == 0
    again = CliRunner().invoke(cli, ["keygen", "--feeds", str(feeds), "--signing-key", str(tmp_path / "k" / "k.key")])
    assert again.exit_code == 1 and "a key is already there" in again.output
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    in_repo = CliRunner().invoke(cli, ["keygen", "--feeds", str(feeds), "--signing-key",
                                       str(tmp_path / "repo" / "keys" / "k.key")])
    assert in_repo.exit_code == 1 and "inside a git work tree" in in_repo.output


def test_a_damaged_or_protected_key_is_one_line(tmp_path):
    key = tmp_path / "k.key"
    write_key_pair(key)
    lines = key.read_text().splitlines()
    key.write_text(lines[0] + "\n" + lines[1][:-8] + "AAAAAAA=\n")
    result = update(tmp_path / "feeds", key, write_source(tmp_path / "sdn.xml", SAMPLE_PARTIES), DATES[0])
    assert result.exit_code == 1 and "k.key: " in result.output and "Traceback" not in result.output


def test_the_configuration_file_names_the_key_and_the_validity(tmp_path):
    key = tmp_path / "keys" / "minisign.key"
    write_key_pair(key)
    config = tmp_path / "sanctions-feed.toml"
    config.write_text('signing_key = "keys/minisign.key"\nexpires_after = 7\nfeed_url = "https://feeds.example.org/"\n')
    feeds = tmp_path / "feeds"
    result = CliRunner().invoke(cli, ["--config", str(config), "update", "--feeds", str(feeds), "--now", DATES[0],
                                      "--only", "ofac_sdn", "--source",
                                      f"ofac_sdn={write_source(tmp_path / 'sdn.xml', SAMPLE_PARTIES)}"])
    assert result.exit_code == 0 and "unsigned" not in result.output, result.output
    manifest = json.loads((feeds / "latest" / "manifest.json").read_text())
    assert manifest["expires_at"] == "2026-11-08T00:00:00Z" and manifest["signed_by"]
    assert "https://feeds.example.org/v/" in (feeds / "changes.atom").read_text()


def test_every_published_file_has_a_row_count_verify_can_check(history):
    from sanctions_feed.publish.writers import count_rows

    _, feeds, _, versions = history
    manifest = json.loads((feeds / "v" / versions[-1] / "manifest.json").read_text())
    for name, entry in manifest["files"].items():
        rows = count_rows(name, (feeds / "v" / versions[-1] / name).read_bytes())
        assert rows is None and name == "changes.html" or rows == entry["rows"], name
    with pytest.raises(ValueError, match="no row count is defined"):
        count_rows("new-format.bin", b"")


def test_a_valid_signature_whose_trusted_comment_names_another_release_fails(history, copy):
    """The key signed it, but its trusted comment (what minisign prints) describes another release:
    a signature moved from one manifest to another is caught by the comparison, not the math."""
    _, _, key_path, _ = history
    feeds, public, versions = copy
    manifest = feeds / "v" / versions[-1] / "manifest.json"
    comment = f"sanctions-feed release {versions[0]} previous none expires never"
    (feeds / "v" / versions[-1] / "manifest.json.minisig").write_text(
        read_secret_key(key_path).sign(manifest.read_bytes(), comment), encoding="utf-8")
    result = verify(feeds, "--at", AFTER, "--public-key", str(public))
    assert result.exit_code == 1
    assert f"the trusted comment does not describe this manifest ({comment!r})" in result.stdout


def test_a_renewal_is_due_even_when_every_source_is_unchanged(tmp_path):
    """The early no-change decision (nothing stored) still renews a release near its expiry."""
    key = tmp_path / "keys" / "minisign.key"
    write_key_pair(key)
    feeds, source = tmp_path / "feeds", write_source(tmp_path / "sdn.xml", SAMPLE_PARTIES)
    assert update(feeds, key, source, "2026-11-01T00:00:00Z").exit_code == 0
    quiet = update(feeds, key, source, "2026-11-20T00:00:00Z")
    assert quiet.stdout.startswith("no change") and "unchanged" in quiet.stdout, quiet.output
    renewed = update(feeds, key, source, "2026-11-25T00:00:00Z")  # unchanged, under a quarter of 30 days left
    assert renewed.exit_code == 0 and "renewal of the latest release before it expires" in renewed.stdout, renewed.output
