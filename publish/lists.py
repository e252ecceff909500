"""The plain lists a release publishes for block lists and scripts: per chain (`chains/`), per
authority (`sources/<source>/`) and per OFAC asset code as the 0xB10C project writes them
(`compat/0xb10c/`). Each writes its files and reports their row counts; a list once published
never disappears (it is written empty)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from sanctions_feed.schemas.address import EVM_CHAINS
from sanctions_feed.schemas.feed import FeedAddress


class ChainLists:
    """chains/<chain>.txt: active addresses of one chain that are not invalid, sorted, as the
    authorities listed them; and chains/evm.txt: every such EVM address whatever EVM chain it was
    listed under, since one key controls the same account on every EVM chain. A tagged deposit
    address is never in these lists (the address alone is an exchange's): chains/tagged/<chain>.txt
    lists `<address> <tag>` pairs instead.

    With a `source`, the same lists of what one authority lists (`sources/<source>/<chain>.txt`,
    `evm.txt`, and `tagged.txt` for its tagged deposits): an address is in them while a listing of
    that source is active, whatever the other sources say."""

    FILE_NAME = "chains"
    EVM = "evm"

    def __init__(self, source: str | None = None):
        self.source = source
        self.folder = f"sources/{source}" if source else "chains"

    def _names(self, address: FeedAddress) -> bool:
        return self.source is None or any(x.source == self.source for x in address.listings)

    def _active(self, address: FeedAddress) -> bool:
        if address.validity == "invalid":
            return False
        if self.source is None:
            return address.status == "active"
        return any(x.source == self.source and x.status == "active" for x in address.listings)

    def write_all(self, directory: Path, addresses: list[FeedAddress], published: Iterable[str] = ()) -> dict[str, int]:
        """Every list, and an empty one for a chain with nothing active now: a list once
        published (`published`: the previous release's file names) or of a chain the release
        names at all never disappears, so a puller empties its block list instead of meeting a 404."""
        per_chain: dict[str, set[str]] = {}
        tagged = "tagged/{}" if self.source is None else "tagged"
        for name in published:
            if name.startswith(f"{self.folder}/") and name.endswith(".txt"):
                per_chain.setdefault(name.removeprefix(f"{self.folder}/").removesuffix(".txt"), set())
        for a in addresses:
            if a.chain == "unknown" or not self._names(a):
                continue
            if a.kind == "address":
                listed = per_chain.setdefault(a.chain, set())
                evm = per_chain.setdefault(self.EVM, set()) if a.chain in EVM_CHAINS else None
                if self._active(a):
                    listed.add(a.address)
                    if evm is not None:
                        evm.add(a.address)
            elif a.kind == "tagged_deposit":
                pairs = per_chain.setdefault(tagged.format(a.chain), set())
                if self._active(a):
                    pairs.add(f"{a.address} {a.tag}")
        (directory / self.folder / ("tagged" if self.source is None else "")).mkdir(parents=True, exist_ok=True)
        counts = {}
        for chain, values in sorted(per_chain.items()):
            name = f"{self.folder}/{chain}.txt"
            (directory / name).write_text("".join(v + "\n" for v in sorted(values)), encoding="utf-8")
            counts[name] = len(values)
        return counts


class SourceLists:
    """sources/<source>/...: the chain lists of each authority's own listings (see `ChainLists`),
    for a policy that treats the authorities differently (block OFAC and the EU, review the rest)."""

    FILE_NAME = "sources"

    def write_all(self, directory: Path, addresses: list[FeedAddress], published: Iterable[str] = ()) -> dict[str, int]:
        names = {x.source for a in addresses for x in a.listings}
        names |= {name.split("/")[1] for name in published if name.startswith("sources/") and name.count("/") >= 2}
        counts: dict[str, int] = {}
        for source in sorted(names):
            counts |= ChainLists(source).write_all(directory, addresses, published)
        return counts


class OfacCodeLists:
    """compat/0xb10c/sanctioned_addresses_<CODE>.txt and .json: the lists of the 0xB10C project
    (ofac-sanctioned-digital-currency-addresses), for its users to switch by changing a base URL.
    For each OFAC asset code present (`Digital Currency Address - <CODE>`; discovered, never a
    fixed list), exactly the strings OFAC published under it, deduplicated and sorted as Python
    sorts them; one per line, or a JSON array indented by 2, each file ending in a newline, as that
    project writes them. Every active listing of `ofac_sdn` counts, an address we judge invalid
    included (the project copies the advanced XML as it is); never `ofac_sdn_legacy`, whose CSV
    cuts long remarks (a cut string is no string OFAC published whole). A code once published
    stays (empty)."""

    FILE_NAME = "compat"
    FOLDER = "compat/0xb10c"
    SOURCE = "ofac_sdn"

    def write_all(self, directory: Path, addresses: list[FeedAddress], published: Iterable[str] = ()) -> dict[str, int]:
        codes: dict[str, set[str]] = {}
        prefix = f"{self.FOLDER}/sanctioned_addresses_"
        for name in published:
            if name.startswith(prefix) and name.endswith(".txt"):
                codes.setdefault(name.removeprefix(prefix).removesuffix(".txt"), set())
        for a in addresses:
            for listing in a.listings:
                if listing.source == self.SOURCE and listing.status == "active":
                    for code in listing.assets:
                        codes.setdefault(code, set()).add(listing.raw_address)
        (directory / self.FOLDER).mkdir(parents=True)
        counts = {}
        for code, values in sorted(codes.items()):
            ordered = sorted(values)
            (directory / f"{prefix}{code}.txt").write_text("".join(v + "\n" for v in ordered), encoding="utf-8")
            (directory / f"{prefix}{code}.json").write_text(json.dumps(ordered, indent=2) + "\n", encoding="utf-8")
            counts[f"{prefix}{code}.txt"] = counts[f"{prefix}{code}.json"] = len(ordered)
        return counts
