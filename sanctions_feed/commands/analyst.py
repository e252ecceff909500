"""The commands a compliance analyst runs: screen addresses (`check`), tell an address's story
(`history`)."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date
from pathlib import Path

import click

from sanctions_feed.errors import SanctionsFeedError

from .group import cli, feed_options

EXIT_NO_MATCH, EXIT_MATCH, EXIT_ERROR, EXIT_NOT_VALID = 0, 1, 2, 3
CHECK_CSV_HEADER = ["input", "status", "note", "release", "id", "chain", "caip2", "address", "display", "tag",
                    "address_status", "holders", "programs", "sources", "source_record_ids", "source_urls",
                    "listed_on", "valid_until", "delisted_on", "listed_under"]


def _parse_day(_ctx, _param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def release_in_force(feeds: Path, on: date | None) -> str:
    """The latest release, or the one in force on a day (see `screening.release_in_force`)."""
    from sanctions_feed.publish.reading import index_for_day
    from sanctions_feed.screening import release_in_force as in_force

    return in_force(index_for_day(feeds, on), on, feeds)


@cli.command()
@click.argument("addresses", nargs=-1, metavar="[ADDRESS]...")
@click.option("--file", "file", type=click.File("r", encoding="utf-8-sig", errors="replace"), default=None,
              help="Screen every line of this file (one address per line; `-` for stdin), streamed.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True,
              help="text for people; json: one object per verdict per line; csv: one row per match.")
@click.option("--on", "on", default=None, metavar="YYYY-MM-DD", callback=_parse_day,
              help="Screen against the release in force on this day, and the listings in force then.")
@click.option("--hits-only", is_flag=True, help="Report only inputs that match or need a tag (bulk screening).")
@feed_options
def check(addresses, file, fmt, on, hits_only, feeds, db):
    """Screen addresses against the latest release (or the one in force --on a day).

    Addresses may be written any way: any case, with spaces or zero-width characters, with
    look-alike (e.g. Cyrillic) letters, in any valid form (CashAddr or legacy, X-address, TRON
    hex, EVM with or without 0x). An EVM address matches whatever EVM chain it was listed under.
    A tagged deposit address matches only with its tag (`ADDRESS?dt=TAG` or `ADDRESS (tag TAG)`);
    alone it is reported as a shared deposit address, tag required.

    Payment links are read as the addresses they name: BIP-21 (`bitcoin:3…?amount=0.1`, and
    litecoin:, dogecoin:, bitcoincash:…), EIP-681 (`ethereum:0x…@1`, a token transfer's payee in
    `/transfer?address=0x…`), `tron:T…`, `ripple:r…?dt=TAG`, `solana:…`, `monero:…`; so is
    `LABEL: ADDRESS` (`ETH: 7FF9…`, an EVM address without its 0x). An input that is no valid
    address is an `invalid` (or `not_an_address`) verdict with what is wrong with it, printed even
    with --hits-only, and named as a near miss of a listed address when it is one character off or
    cut short. With --on, each listing's status is the one it had that day.

    Exit status: 0 nothing matched and every input was a valid address; 1 something matched;
    2 an error (no release, unreadable file, bad option, or a bug); 3 nothing matched, but some
    input was not a valid address (a damaged column is never reported clean).

    \b
    Example:
        sanctions-feed check 12HQDsicffSBaYdJ6BhnE22sfjTESmmzKx
        sanctions-feed check --file feeds/latest/chains/bitcoin.txt --format csv --hits-only > hits.csv
        sanctions-feed check --on 2021-01-01 12HQDsicffSBaYdJ6BhnE22sfjTESmmzKx
    """
    from sanctions_feed.publish.reading import read_addresses
    from sanctions_feed.screening import MATCH, NOT_VALID, TAG_REQUIRED, Screen, bounded_lines

    if not addresses and file is None:
        raise click.UsageError("give addresses to screen, or --file FILE")
    version = release_in_force(feeds, on)
    screen = Screen(read_addresses(feeds, version), on)
    lines = list(addresses) if file is None else bounded_lines(file)
    out = sys.stdout
    write = _WRITERS[fmt](out, version, on)
    matched = checked = not_valid = 0
    try:
        for verdict in screen.check_lines(lines):
            checked += 1
            if verdict.status == MATCH:
                matched += 1
            elif verdict.status in NOT_VALID:
                not_valid += 1
            if not hits_only or verdict.status in (MATCH, TAG_REQUIRED, *NOT_VALID):
                write(verdict)
    except OSError as exc:
        raise SanctionsFeedError(f"{getattr(file, 'name', 'input')}: cannot read ({exc})") from None
    out.flush()
    when = f" in force on {on}" if on else ""
    click.echo(f"checked {checked} address(es) against release {version}{when}: {matched} matched, "
               f"{not_valid} not a valid address", err=True)
    sys.exit(EXIT_MATCH if matched else EXIT_NOT_VALID if not_valid else EXIT_NO_MATCH)


check.error_exit = EXIT_ERROR  # type: ignore[attr-defined]  # errors and bugs alike: 1 means a match


def _json_writer(out, version, on):
    from sanctions_feed.screening.results import verdict_object

    def write(verdict):
        out.write(json.dumps(verdict_object(verdict, version, on), ensure_ascii=False) + "\n")
    return write


def _csv_writer(out, version, on):
    from sanctions_feed.publish.writers import csv_row
    from sanctions_feed.screening import evm_note
    from sanctions_feed.screening.results import match_fields

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CHECK_CSV_HEADER)

    def write(verdict):
        if not verdict.matches:
            writer.writerow(csv_row([verdict.input, verdict.status, verdict.note, version]))
        for a in verdict.matches:
            m = match_fields(a, on)
            listings = m["listings"]

            def each(key, listings=listings):
                return sorted({str(x[key]) for x in listings if x[key]})
            writer.writerow(csv_row([
                verdict.input, verdict.status, verdict.note, version, a.id, a.chain, a.caip2, a.address, a.display,
                a.tag, m["address_status"], each("holder"), sorted({p for x in listings for p in x["programs"]}),
                each("source"), each("source_record_id"), each("source_url"), each("listed_on"),
                each("valid_until"), each("delisted_on"), evm_note(a)]))
    return write


def _text_writer(out, version, on):
    from sanctions_feed.screening import MATCH, evm_note
    from sanctions_feed.screening.results import match_fields

    def write(verdict):
        label = {MATCH: "MATCH"}.get(verdict.status, verdict.note)
        out.write(f"{label}: {verdict.input}\n")
        for a in verdict.matches:
            shown = a.display + (f" tag {a.tag}" if a.tag else "")
            note = evm_note(a)
            fields = match_fields(a, on)
            out.write(f"  {a.chain} {shown} ({fields['address_status']}{'; ' + note if note else ''})\n")
            for x in fields["listings"]:
                dates = ", ".join(f"{k} {x[k]}" for k in ("listed_on", "valid_until", "delisted_on") if x[k])
                out.write(f"    {x['holder'] or '(no holder named)'}; programs: {', '.join(x['programs']) or '-'}\n"
                          f"    {x['source']} record {x['source_record_id']} ({x['status']}{', ' + dates if dates else ''})"
                          f"{': ' + x['source_url'] if x['source_url'] else ''}\n")
    return write


_WRITERS = {"json": _json_writer, "csv": _csv_writer, "text": _text_writer}


@cli.command()
@click.argument("address")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--read", "read", type=click.Choice(["store", "feed"]), default=None,
              help="Where the events come from: the store (with events not yet published), or the "
                   "published feed alone (a puller's copy). Default: the store where there is one, else the feed.")
@feed_options
def history(address, fmt, read, feeds, db):
    """Every listing event of an address, oldest first: listed, delisted, relisted, expired,
    corrected, each with the date it took effect (official where the source says: a listing
    date, a withdrawal date, the day after a validity), the day this feed recorded it and the
    release that first showed it, its source and official record.
    The address may be written any way `check` accepts.

    \b
    Example:
        sanctions-feed history 12HQDsicffSBaYdJ6BhnE22sfjTESmmzKx
        sanctions-feed history 0x2f389ce8bd8ff92de3402ffce4691d17fc4f6535 --read feed --format json
    """
    from sanctions_feed.screening.history import address_history, feed_history

    if read is None:
        read = "feed" if db.startswith("sqlite:///") and not Path(db.removeprefix("sqlite:///")).is_file() else "store"
    events = feed_history(feeds, address) if read == "feed" else address_history(db, address)
    if fmt == "json":
        for event in events:
            click.echo(json.dumps(event, ensure_ascii=False, default=str))
        return
    if not events:
        click.echo(f"{address}: never listed in this {read}")
        return
    for event in events:
        click.echo(f"{event['date']}  {event['event']:<9} {event['address_id']}  {event['source']} record "
                   f"{event['source_record_id']} (official listing date {event['listed_on'] or 'not given'})  "
                   f"recorded {event['recorded_on']} in release {event['release'] or '(not yet published)'}"
                   f"{'  ' + event['source_url'] if event['source_url'] else ''}")


@cli.command()
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "text"]), default="text", show_default=True)
@feed_options
def diff(old, new, fmt, feeds, db):
    """Changes between two releases (by id; `latest` names the newest, `previous` the release
    before NEW, or nothing when NEW is the first, so that everything in it is added).

    \b
    Example:
        sanctions-feed diff previous latest --format csv
    """
    from sanctions_feed.publish.diff import diff as diff_releases
    from sanctions_feed.publish.errors import FeedError
    from sanctions_feed.publish.reading import read_addresses, read_index_head
    from sanctions_feed.publish.writers import CHANGES_CSV_HEADER, changes_csv_rows, csv_row

    index = read_index_head(feeds)
    if index is None or index.latest is None:
        raise FeedError(f"{feeds}: no releases yet (run `sanctions-feed update` first)")
    new = index.latest if new == "latest" else new
    if old == "previous":
        older = [v.previous for v in index.versions if v.id == new]
        if not older and index.archives:  # an older release: its entry is on a yearly page
            older = [v.previous for v in read_index_head(feeds, whole=True).versions if v.id == new]
        old = older[0] if older else "previous"
    else:
        old = index.latest if old == "latest" else old
    changes = diff_releases(old, read_addresses(feeds, old) if old else [], new, read_addresses(feeds, new))
    if fmt == "json":
        click.echo(json.dumps(changes.model_dump(mode="json", by_alias=True), ensure_ascii=False, indent=1))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(CHANGES_CSV_HEADER)
        for row in changes_csv_rows(changes):
            writer.writerow(csv_row(row))
    else:
        click.echo(f"{old or 'nothing'} -> {new}: +{len(changes.added)} added, -{len(changes.removed)} removed, "
                   f"~{len(changes.changed)} changed")
        for sign, items in (("+", changes.added), ("-", changes.removed)):
            for a in items:
                holders = "; ".join(sorted({listing.holder for listing in a.listings if listing.holder}))
                click.echo(f"{sign} {a.id} [{a.status}] {holders}")
        for c in changes.changed:
            click.echo(f"~ {c.id} ({', '.join(c.fields)})")


@cli.command()
@click.argument("addresses", nargs=-1)
@click.option("--asset", default=None, metavar="CODE", help="The source's asset/currency label for ADDRESS arguments.")
@click.option("--file", "file", type=click.File("r", encoding="utf-8-sig"), default=None,
              help="CSV with a header and columns address, asset (asset may be empty).")
@feed_options
def normalize(addresses, asset, file, feeds, db):
    """Normalize addresses: one JSON object per line per address found, in input order.

    Pure: reads no feed and no store (--feeds and --db are accepted so scripts can pass them to
    every command alike).

    \b
    Example:
        sanctions-feed normalize TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq --asset XBT
    """
    from sanctions_feed.normalize import normalize as normalize_cell

    rows = [(a, asset) for a in addresses]
    if file is not None:
        reader = csv.DictReader(file)
        if reader.fieldnames is None or "address" not in reader.fieldnames:
            raise click.ClickException(f"{file.name}: the CSV needs a header with an 'address' column")
        rows += [(r["address"], r.get("asset") or None) for r in reader]
    for raw, label in rows:
        for r in normalize_cell(raw, label):
            click.echo(json.dumps({"input": raw, "asset": r.asset, "kind": r.kind, "chain": r.chain,
                                   "address": r.address, "display": r.display, "validity": r.validity,
                                   "issues": list(r.issues), "platform": r.platform, "tag": r.tag, "id": r.id},
                                  ensure_ascii=False))
