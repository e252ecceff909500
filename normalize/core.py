"""`normalize(raw, label)`: every address in a raw cell, with chain, canonical form and verdict."""

from __future__ import annotations

import re

from sanctions_feed.schemas.address import EVM_CHAINS, Chain, Kind, NormalizedAddress

from .forms import SOLANA, Reading, read_evm, readings, x_address
from .labels import Label, parse_label
from .text import lookalike_variants, split_cell, strip_invisible, take_memos

_PLAIN_TOKEN = re.compile(r"[0-9A-Za-z:]+")
_BARE_EVM = re.compile(r"[0-9A-Fa-f]{40}")


def normalize(raw: str | None, label: str | None = None) -> list[NormalizedAddress]:
    """Return one result per address found in `raw`, in order; never raises, never empty.

    `label` is the source's asset or currency label (a ticker, a chain, a token, an exchange
    account label such as ``חשבון Binance``) or empty.
    """
    parsed = parse_label(label)
    if raw and _PLAIN_TOKEN.fullmatch(raw):  # the usual cell: one clean token, nothing to clean
        result = _classify(raw, parsed)
        return [result if result.kind != "unknown" else _unknown(raw, parsed, "not_an_address")]
    text, invisible = strip_invisible(raw or "")
    text, tags = take_memos(text)
    cell_issues = ("invisible_characters_stripped",) if invisible else ()
    tokens = split_cell(text)
    results = _join_split_addresses(tokens, [_token(t, parsed) for t in tokens], parsed)
    if all(r.kind == "unknown" for r in results):
        whole = " ".join(tokens)
        results = [_unknown(whole, parsed, "empty" if not whole else "not_an_address")]
    if tags:
        results = _tagged(results, tags)
    unique: dict[str, NormalizedAddress] = {}
    for result in results:
        if cell_issues:
            result = result._replace(issues=_issues(result.issues, cell_issues))
        unique.setdefault(result.id, result)
    return list(unique.values())


def _tagged(results: list[NormalizedAddress], tags: list[str]) -> list[NormalizedAddress]:
    """An address written with a destination tag or memo is an exchange's shared deposit address:
    only the pair names the holder. One address, one tag: a `tagged_deposit`; anything else is kept
    as found and flagged, never guessed."""
    (tag, *more), (first, *others) = tags, results
    if more or others or not tag.isalnum() or first.kind != "address":
        return [r._replace(issues=_issues(r.issues, ("tag_unassigned",))) for r in results]
    display = first.display
    if first.chain == "xrp" and first.validity == "valid" and tag.isdigit() and int(tag) < 2**32:
        display = x_address(first.address, int(tag))  # the X-address encodes both
    return [first._replace(kind="tagged_deposit", tag=tag, display=display)]


def _join_split_addresses(tokens, results, parsed: Label) -> list[NormalizedAddress]:
    """An address broken by a line break or space in the source is joined back, if it then
    validates (and only then). One piece may validate alone: a CashAddr payload without the
    `bitcoincash:` prefix it was cut from."""
    out: list[NormalizedAddress] = []
    i = 0
    while i < len(results):
        if i + 1 < len(results) and "invalid" in (results[i].validity, results[i + 1].validity):
            joined = _token(tokens[i] + tokens[i + 1], parsed)
            if joined.validity == "valid":
                out.append(joined._replace(issues=_issues(joined.issues, ("whitespace_stripped",))))
                i += 2
                continue
        out.append(results[i])
        i += 1
    return out


def _token(token: str, parsed: Label) -> NormalizedAddress:
    if token.isascii():
        return _classify(token, parsed)
    seen: dict[str, NormalizedAddress] = {}
    first: NormalizedAddress | None = None
    for variant in lookalike_variants(token):
        result = _classify(variant, parsed)
        first = first or result
        if result.validity == "valid":
            seen.setdefault(result.id, result)
    if len(seen) == 1:
        (result,) = seen.values()
        return result._replace(issues=_issues(result.issues, ("homoglyphs_replaced",)))
    # Kept as published: a look-alike that does not validate is never "fixed" into something.
    issue = "homoglyphs_ambiguous" if seen else "non_ascii_characters"
    kind = first.kind if first is not None else "unknown"
    chain = first.chain if first is not None and kind == "address" else "unknown"
    return NormalizedAddress(kind=kind, chain=chain, address=token, display=token,
                             validity="invalid", issues=(issue,), asset=parsed.asset,
                             platform=first.platform if first is not None else None)


def _classify(token: str, parsed: Label) -> NormalizedAddress:
    if parsed.chain in EVM_CHAINS and _BARE_EVM.fullmatch(token):
        # 40 hex digits under an EVM label: the address written without its `0x`.
        return _address(read_evm("0x" + token), parsed.chain, parsed, "prefix_added")  # type: ignore[arg-type]
    found = readings(token)
    if found and found[-1].chains is SOLANA and parsed.chain != "solana":
        # A bare 32-byte key is Solana only by its label, or when nothing else fits.
        others = found[:-1]
        if others or parsed.chain or parsed.account or parsed.unsupported:
            found = others
    good = [r for r in found if r.validity != "invalid"]
    hint = parsed.chain
    if parsed.account and not good:
        return _account(token, parsed)
    if hint is not None:
        for reading in good:
            if hint in reading.chains:
                return _address(reading, hint, parsed)
        for reading in good:
            if reading.exclusive:
                return _address(reading, reading.chains[0], parsed, "chain_differs_from_label")
        for reading in found:
            if hint in reading.chains:
                return _address(reading, hint, parsed)
        issue = "format_of_other_chain" if good else ("wrong_length" if len(token) < 25 else "not_an_address")
        return _labelled_invalid(token, hint, parsed, issue)
    if parsed.unsupported:
        for reading in good:
            if reading.exclusive and reading.chains != ("unknown",):
                return _address(reading, reading.chains[0], parsed, "chain_differs_from_label")
        return NormalizedAddress(kind="address", chain="unknown", address=token, display=token,
                                 validity="unverifiable", issues=("unsupported_chain",),
                                 asset=parsed.asset)
    for reading in good or found:
        extra = ("chain_assumed",) if len(reading.chains) > 1 or reading.chains == ("solana",) else ()
        return _address(reading, reading.chains[0], parsed, *extra)
    if token.isdigit() and 5 <= len(token) <= 20:
        return _account(token, parsed)
    return _unknown(token, parsed, "not_an_address")


def _address(reading: Reading, chain: Chain, parsed: Label, *extra: str) -> NormalizedAddress:
    issues = _issues(reading.issues, extra) if extra else reading.issues  # readings' are sorted
    return NormalizedAddress("address", chain, reading.address, reading.display, reading.validity,
                             issues, parsed.asset)


def _labelled_invalid(token: str, chain: Chain, parsed: Label, issue: str) -> NormalizedAddress:
    kind: Kind = "address" if token.isalnum() and len(token) >= 8 else "unknown"
    return NormalizedAddress(kind=kind, chain=chain if kind == "address" else "unknown",
                             address=token, display=token, validity="invalid",
                             issues=(issue,), asset=parsed.asset)


def _account(token: str, parsed: Label) -> NormalizedAddress:
    issues = () if parsed.platform else ("platform_unknown",)
    return NormalizedAddress(kind="exchange_account", chain="unknown", address=token,
                             display=token, validity="unverifiable", issues=issues,
                             asset=parsed.asset, platform=parsed.platform or "unknown")


def _unknown(token: str, parsed: Label, issue: str) -> NormalizedAddress:
    return NormalizedAddress(kind="unknown", chain="unknown", address=token, display=token,
                             validity="invalid", issues=(issue,), asset=parsed.asset)


def _issues(*groups) -> tuple[str, ...]:
    return tuple(sorted({issue for group in groups for issue in group}))
