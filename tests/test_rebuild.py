"""Reproducible releases: any release rebuilt, byte for byte, from the archived raw inputs and the
store's record of releases, after newer releases exist."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli
from sanctions_feed.publish.signing import write_key_pair

from .builders import SAMPLE_PARTIES, sdn_advanced_xml


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.e2e
def test_the_first_of_several_releases_is_rebuilt_byte_for_byte(tmp_path):
    key = tmp_path / "keys" / "minisign.key"
    write_key_pair(key)
    feeds, source = tmp_path / "feeds", tmp_path / "SDN_ADVANCED.XML"
    # OFAC changes three times (the same local path, other bytes); the samples of every other
    # source come in on the second day; the last day changes nothing.
    steps = [("2026-11-01T00:00:00Z", SAMPLE_PARTIES, ["--only", "ofac_sdn"]),
             ("2026-11-02T00:00:00Z", SAMPLE_PARTIES[2:], ["--samples"]),
             ("2026-11-03T00:00:00Z", SAMPLE_PARTIES[1:], ["--only", "ofac_sdn"]),
             ("2026-11-04T00:00:00Z", SAMPLE_PARTIES[1:], ["--only", "ofac_sdn", "--reparse"])]
    for now, parties, extra in steps:
        source.write_bytes(sdn_advanced_xml(parties))
        result = invoke("update", "--feeds", feeds, "--now", now, "--force", "--signing-key", key,
                        "--source", f"ofac_sdn={source}", *extra)
        assert result.exit_code == 0, result.output
    versions = [v["id"] for v in json.loads((feeds / "index.json").read_text())["versions"]]
    assert len(versions) == 3
    for version in versions:
        result = invoke("rebuild", version, "--feeds", feeds, "--out", tmp_path / "rebuilt" / version)
        assert result.exit_code == 0, result.output
        assert digests(tmp_path / "rebuilt" / version) == digests(feeds / "v" / version)
    # The first release lost from the feed: rebuilt all the same, and it verifies.
    kept = tmp_path / "kept"
    shutil.copytree(feeds / "v" / versions[0], kept)
    shutil.rmtree(feeds / "v" / versions[0])
    result = invoke("rebuild", versions[0], "--feeds", feeds)
    assert result.exit_code == 0 and "identical to the published release" in result.output, result.output
    default_out = Path(f"{feeds.resolve()}.rebuilt") / versions[0]
    assert digests(default_out) == digests(kept)


def test_a_missing_input_or_unknown_release_is_one_line(tmp_path):
    feeds = tmp_path / "feeds"
    assert invoke("update", "--samples", "--only", "fr_tresor", "--feeds", feeds, "--now", "2026-11-01T00:00:00Z").exit_code == 0
    (version,) = [v["id"] for v in json.loads((feeds / "index.json").read_text())["versions"]]
    unknown = invoke("rebuild", "20260101T000000Z", "--feeds", feeds)
    assert unknown.exit_code == 1 and "release 20260101T000000Z is not recorded in the store" in unknown.output
    for path in Path(f"{feeds.resolve()}.raw").iterdir():
        path.unlink()
    missing = invoke("rebuild", version, "--feeds", feeds)
    assert missing.exit_code == 1 and "fr_tresor: the input" in missing.output and "is not in the raw archive" in missing.output
    assert "Traceback" not in missing.output
    inside = invoke("rebuild", version, "--feeds", feeds, "--out", feeds / "x")
    assert inside.exit_code == 1 and "inside the feed directory" in inside.output


@pytest.mark.parametrize("kept", ["compressed", "plain, as archives before compression kept it", "corrupted"])
def test_an_archived_input_is_read_compressed_or_plain_and_checked(tmp_path, kept):
    import gzip

    from sanctions_feed.pipeline.rebuild import RebuildError, plain_input
    from sanctions_feed.spiders.framework.download import in_memory, keep

    body = sdn_advanced_xml(SAMPLE_PARTIES)
    archive = tmp_path / "raw"
    document = in_memory("https://example.org/sdn.xml", body)
    keep(document, archive)
    packed = archive / f"{document.sha256}.gz"
    if kept.startswith("plain"):
        (archive / document.sha256).write_bytes(gzip.decompress(packed.read_bytes()))
        packed.unlink()
    elif kept == "corrupted":
        packed.write_bytes(gzip.compress(body + b" "))
        with pytest.raises(RebuildError, match="does not hold the input it is named for"):
            plain_input(archive, document.sha256, tmp_path / "scratch")
        return
    assert plain_input(archive, document.sha256, tmp_path / "scratch").read_bytes() == body
    keep(document, archive)  # already kept: nothing written again
    assert len(list(archive.iterdir())) == 1
