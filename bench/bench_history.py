"""What an update costs as the history grows, and what each release adds to the disk.

    python bench/bench_history.py [--small 50] [--large 1000] [--repeat 3] [--parties 175] [--disk-only]

For each history size N: publishes the bundled samples, adds N-2 synthetic past releases (the
first release's directory linked under older ids, listed in index.json, each with a site page
once the next update has written it), then measures, in CPU seconds (user + system, the crawler
child included, via wait4), an update that changes OFAC (two parties in, then out again), and
`Site.write()` alone in this process. Targets (issue 25): the update at 1,000 releases at most
1.05x the same at 50; the site rebuild at most 2x.

Then the disk: the bytes each release adds to the feed directory (`v/<ID>/` plus what the root
and the site gained) for a one-change release, once releases leave the newest ten kept as written
(older ones keep their text files packed, `--plain-releases`), and the raw archive's bytes per
changed input. Target: at most 0.4 MB per release for 644 addresses; the raw archive at most 0.1x
the input.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sanctions_feed.publish.at_rest import PLAIN_RELEASES, pack_older  # noqa: E402
from sanctions_feed.publish.site import Site  # noqa: E402
from sanctions_feed.schemas.release import IndexFile  # noqa: E402
from tests.builders import SAMPLE_PARTIES, sdn_advanced_xml  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from bench_ofac import fake_addresses  # noqa: E402

CLI = [str(Path(sys.executable).parent / "sanctions-feed")]


def cpu(command: list[str]) -> float:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()[-2000:]}")
    return usage.ru_utime + usage.ru_stime


def du(path: Path) -> int:
    seen, total = set(), 0
    for file in path.rglob("*"):
        if file.is_file() and not file.is_symlink():
            key = (file.stat().st_dev, file.stat().st_ino)
            if key not in seen:
                seen.add(key)
                total += file.stat().st_size
    return total


def synthetic_history(feeds: Path, releases: int) -> None:
    """`releases - 2` past releases before the real ones, one a day: the first release's files linked under
    older ids (a release's files never change, so links cost no disk), listed in index.json, and
    packed as the releases past the newest ten are."""
    index = json.loads((feeds / "index.json").read_text())
    first = index["versions"][0]
    start = datetime.fromisoformat(first["created_at"].replace("Z", "+00:00")) - timedelta(days=releases)
    past = []
    for n in range(releases - 2):
        moment = start + timedelta(days=n)  # a release a day: 1,000 releases are years of history
        version = moment.strftime("%Y%m%dT%H%M%SZ")
        shutil.copytree(feeds / "v" / first["id"], feeds / "v" / version, copy_function=os.link)
        past.append({**first, "id": version, "created_at": moment.isoformat(), "previous": past[-1]["id"] if past else None})
    index["versions"][0]["previous"] = past[-1]["id"] if past else None
    index["versions"] = past + index["versions"]
    (feeds / "index.json").write_text(json.dumps(index))
    pack_older(feeds, 2, per_run=releases)  # as a feed that has run so long holds them: packed


def one_history(size: int, repeat: int) -> tuple[list[float], list[float]]:
    with tempfile.TemporaryDirectory() as folder:
        feeds, source = Path(folder) / "feeds", Path(folder) / "sdn.xml"
        update = [*CLI, "update", "--feeds", str(feeds), "--only", "ofac_sdn", "--source", f"ofac_sdn={source}", "--force",
                  "--plain-releases", str(PLAIN_RELEASES)]  # as deploy/ runs it
        subprocess.run([*CLI, "update", "--samples", "--feeds", str(feeds), "--now", "2026-11-01T00:00:00Z"],
                       check=True, capture_output=True)
        source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES[2:]))
        cpu([*update, "--now", "2026-11-02T00:00:00Z"])
        synthetic_history(feeds, size)
        updates, sites = [], []
        for n in range(repeat + 1):
            source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES if n % 2 else SAMPLE_PARTIES[2:]))
            spent = cpu([*update, "--now", (datetime(2026, 11, 3, tzinfo=timezone.utc) + timedelta(hours=n))
                         .strftime("%Y-%m-%dT%H:%M:%SZ")])
            if n:  # the first wrote the past releases' pages: a one-time cost of the synthetic history
                updates.append(spent)
        index = IndexFile.model_validate_json((feeds / "index.json").read_bytes())
        for _ in range(repeat):
            started = time.process_time()
            Site(feeds, index).write()
            sites.append(time.process_time() - started)
        return updates, sites


def disk(extra_parties: int, window: int = PLAIN_RELEASES) -> None:
    """`extra_parties` generated OFAC parties (three addresses each) beside the samples: 175 make
    the 644 addresses of the target. One-change releases until the first ones leave the newest
    `window` kept as written (`--plain-releases`): what a release adds then is its own files as
    written, less those of the release it pushes out of the window, plus that release packed."""
    extra = [{"fixed_ref": str(900000 + i), "name": f"BENCH PARTY {i}", "type": "entity", "programs": ["CYBER2"],
              "addresses": fake_addresses(i)} for i in range(extra_parties)]
    with tempfile.TemporaryDirectory() as folder:
        feeds, source = Path(folder) / "feeds", Path(folder) / "sdn.xml"
        raw = Path(f"{feeds}.raw")
        start = datetime(2026, 11, 1, tzinfo=timezone.utc)
        subprocess.run([*CLI, "update", "--samples", "--feeds", str(feeds), "--now", "2026-11-01T00:00:00Z"],
                       check=True, capture_output=True)
        if extra:
            source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES + extra))
            cpu([*CLI, "update", "--feeds", str(feeds), "--only", "ofac_sdn", "--source", f"ofac_sdn={source}",
                 "--force", "--now", "2026-11-01T12:00:00Z"])
        sizes = []
        for n in range(window + 2):
            source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES[(n + 1) % 2:] + extra))
            before, archive = du(feeds), du(raw)
            cpu([*CLI, "update", "--feeds", str(feeds), "--only", "ofac_sdn", "--source", f"ofac_sdn={source}",
                 "--force", "--plain-releases", str(window),
                 "--now", (start + timedelta(days=n + 1)).strftime("%Y-%m-%dT%H:%M:%SZ")])
            sizes.append((du(feeds) - before, du(raw) - archive, source.stat().st_size))
        addresses = len(json.loads((feeds / "latest" / "addresses.json").read_text())["addresses"])
        written = du(feeds / "latest")
    print(f"{addresses} addresses: a release as written {written / 1e6:.2f} MB")
    for n, (grown, archived, input_size) in enumerate(sizes):
        if n < 2 or n >= window:  # the first ones, and those that push a release out of the window
            print(f"one-change release {n + 1} ({addresses} addresses, newest {window} kept as written): feed "
                  f"+{grown / 1e6:.2f} MB; raw archive +{archived / 1e3:.1f} KB for a {input_size / 1e3:.1f} KB "
                  f"input ({archived / input_size:.2f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=50)
    parser.add_argument("--large", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--parties", type=int, default=175, help="generated OFAC parties for the disk figure")
    parser.add_argument("--disk-only", action="store_true")
    args = parser.parse_args()
    if args.disk_only:
        disk(0)
        disk(args.parties)
        return
    results = {size: one_history(size, args.repeat) for size in (args.small, args.large)}
    (small_updates, small_sites), (large_updates, large_sites) = results[args.small], results[args.large]
    print(f"update with a change: {args.small} releases {min(small_updates):.2f} CPU-s, {args.large} releases "
          f"{min(large_updates):.2f} CPU-s: {min(large_updates) / min(small_updates):.2f}x (target <= 1.05)")
    print(f"site rebuild: {args.small} releases {min(small_sites):.3f} CPU-s, {args.large} releases "
          f"{min(large_sites):.3f} CPU-s: {min(large_sites) / min(small_sites):.2f}x (target <= 2)")
    disk(0)
    disk(args.parties)


if __name__ == "__main__":
    main()
