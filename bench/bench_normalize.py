"""Addresses per second of `normalize()` on one core, over the newest OFAC reference lists.

    python bench/bench_normalize.py [--rounds N] [--fixtures DIR]

The mix is every address of the newest ../shared/fixtures/reference-lists/0xB10C/<date>/ folder
with its currency code as the label; each round normalizes it 10 times over, and the median
round is the figure to quote (this machine's speed varies from round to round).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sanctions_feed.normalize import normalize, primitives  # noqa: E402


def load_mix(fixtures: Path) -> list[tuple[str, str]]:
    root = fixtures / "reference-lists" / "0xB10C"
    newest = sorted(p for p in root.iterdir() if p.is_dir())[-1]
    mix = []
    for path in sorted(newest.glob("sanctioned_addresses_*.txt")):
        code = path.stem.rsplit("_", 1)[1]
        mix += [(line.strip(), code) for line in path.read_text().splitlines() if line.strip()]
    return mix


def _reference_loop() -> float:
    start = time.perf_counter()
    total = 0
    for i in range(1_000_000):
        total += i
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    default = os.environ.get("SANCTIONS_FEED_REAL_FIXTURES") or Path(__file__).resolve().parents[2] / "shared" / "fixtures"
    parser.add_argument("--fixtures", type=Path, default=Path(default))
    parser.add_argument("--portable", action="store_true",
                        help="measure the portable Keccak/base58 path even where the compiled one is installed")
    args = parser.parse_args()
    if args.portable:
        primitives.keccak256, primitives.b58decode = primitives.keccak256_portable, primitives.b58decode_portable
    backend = "portable" if args.portable or primitives.BACKEND == "portable" else "fast (compiled)"
    mix = load_mix(args.fixtures)
    batch = mix * 10  # ~6,500 calls a round: long enough that timer noise does not matter
    rounds = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        for raw, code in batch:
            normalize(raw, code)
        rounds.append(len(batch) / (time.perf_counter() - start))
    rounds.sort()
    reference = sorted(_reference_loop() for _ in range(5))
    print(f"machine check: a fixed pure-Python loop took {reference[0]:.3f}-{reference[-1]:.3f}s "
          "(a spread means the CPU's speed varied during the run; the best round is the capability)")
    print(f"normalize, {backend} Keccak/base58: {len(mix)} distinct addresses, {args.rounds} rounds of {len(batch)}: "
          f"median {rounds[len(rounds) // 2]:,.0f} addresses/s, best {rounds[-1]:,.0f}, "
          f"worst {rounds[0]:,.0f} (target >= 100,000/s on one core)")


if __name__ == "__main__":
    main()
