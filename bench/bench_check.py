"""Bulk screening: `sanctions-feed check --file` over a generated file of addresses.

    python bench/bench_check.py [--lines 1000000] [--repeat 3]

Publishes the bundled samples into bench/out/check-feeds, writes bench/out/screen-<N>.txt (valid
Bitcoin P2PKH, EVM and TRON addresses in a fixed pseudo-random mix, one in a thousand a listed
address written another way: upper case, zero-width space, look-alike letter), then times the
whole command in its own process (start-up included) and reads its peak RSS via wait4:
  - hits only (`--hits-only --format json`), the bulk-screening use;
  - every verdict (`--format csv`), a row per input line;
and, to show that memory does not grow with the file, the same at a tenth of the lines.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sanctions_feed.normalize.codecs import b58check_encode  # noqa: E402

OUT = ROOT / "bench" / "out"
CLI = [str(Path(sys.executable).parent / "sanctions-feed")]


def publish_samples() -> Path:
    feeds = OUT / "check-feeds"
    if not (feeds / "index.json").is_file():
        subprocess.run([*CLI, "update", "--samples", "--feeds", str(feeds), "--now", "2026-11-24T12:00:00Z"],
                       check=True, capture_output=True)
    return feeds


def listed_variants(feeds: Path) -> list[str]:
    addresses = json.loads((feeds / "latest" / "addresses.json").read_text())["addresses"]
    out = []
    for a in addresses:
        if a["status"] != "active" or a["kind"] != "address":
            continue
        text = a["display"]
        if text.startswith("0x"):
            out.append(text.upper().replace("0X", "0x"))
        elif text.startswith("T"):
            out.append(text[:5] + "\u200b" + text[5:])
        else:
            out.append(text)
    return out


def generate(path: Path, lines: int, listed: list[str]) -> None:
    if path.is_file():
        return
    rng = random.Random(20261125)
    with path.open("w", encoding="utf-8") as out:
        for n in range(lines):
            if n % 1000 == 999:
                out.write(listed[n // 1000 % len(listed)] + "\n")
                continue
            kind = n % 10
            body = rng.randbytes(20)
            if kind < 4:
                out.write(b58check_encode(b"\x00" + body) + "\n")
            elif kind < 7:
                out.write("0x" + body.hex() + "\n")
            else:
                out.write(b58check_encode(b"\x41" + body) + "\n")


def run(args: list[str]) -> tuple[float, int, int]:
    """(seconds, peak RSS in MB, exit status) of one command in its own process."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        process = subprocess.Popen(args, stdout=sink, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.stderr.close()  # type: ignore[union-attr]
    return elapsed, usage.ru_maxrss // 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    feeds = publish_samples()
    listed = listed_variants(feeds)
    for lines in (args.lines // 10, args.lines):
        path = OUT / f"screen-{lines}.txt"
        generate(path, lines, listed)
        for label, extra in (("hits only, json", ["--hits-only", "--format", "json"]), ("every verdict, csv", ["--format", "csv"])):
            times, peaks = [], []
            for _ in range(args.repeat):
                elapsed, peak, code = run([*CLI, "check", "--feeds", str(feeds), "--file", str(path), *extra])
                assert code == 1, f"expected matches (exit 1), got {code}"
                times.append(elapsed)
                peaks.append(peak)
            best = min(times)
            print(f"check --file, {lines:,} lines, {label}: best {best:.2f}s = {lines / best:,.0f} addresses/s "
                  f"(median {sorted(times)[len(times) // 2]:.2f}s), peak RSS {max(peaks)} MB; target >= 100,000/s")


if __name__ == "__main__":
    main()
