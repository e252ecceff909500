"""The commands about releases themselves: make a signing key, verify a release as a puller
would, rebuild a release from its archived inputs."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import click

from .group import cli, feed_options, parse_now

DEFAULT_KEY = Path("~/.config/sanctions-feed/minisign.key")


@cli.command()
@click.option("--signing-key", type=click.Path(dir_okay=False, path_type=Path), envvar="SANCTIONS_FEED_SIGNING_KEY",
              default=None, metavar="FILE",
              help=f"Where to write the secret key (env SANCTIONS_FEED_SIGNING_KEY; default: {DEFAULT_KEY}).")
@click.option("--force", is_flag=True, help="Replace an existing key (releases it signed will no longer verify).")
@feed_options
def keygen(signing_key, force, feeds, db):
    """Write a minisign Ed25519 key pair for signing releases.

    The secret key (mode 0600, unencrypted so that unattended updates can sign) goes where
    --signing-key says, never inside the feed directory or a git work tree; the public key beside
    it (`.pub`). `update --signing-key FILE` then signs every release and publishes the public key
    at the feed root as minisign.pub.

    \b
    Example:
        sanctions-feed keygen --signing-key ~/.config/sanctions-feed/minisign.key
    """
    from sanctions_feed.pipeline.publishing import check_key_location
    from sanctions_feed.publish.signing import write_key_pair

    path = (signing_key or DEFAULT_KEY).expanduser()
    check_key_location(path, feeds, new=True)
    key, public_path = write_key_pair(path, force)
    click.echo(f"secret key: {path} (keep it private; back it up)")
    click.echo(f"public key: {public_path} (key id {key.public.key_id_hex})")
    click.echo(f"pullers verify with: minisign -Vm manifest.json -P {key.public.text().splitlines()[1]}")


@cli.command("verify")
@click.argument("where", metavar="FEED_DIR_OR_URL", required=False)
@click.option("--version", "version", default=None, metavar="ID", help="The release to check (default: the latest).")
@click.option("--all", "every", is_flag=True, help="Check every release the index lists.")
@click.option("--public-key", default=None, metavar="FILE|KEY",
              help="The publisher's public key, a minisign .pub file or its base64 line (default: the feed's own "
                   "minisign.pub, which proves integrity but not origin).")
@click.option("--after", default=None, metavar="ID",
              help="The newest release seen before: fail when the latest is older (a rollback); the same one again passes.")
@click.option("--at", "at", default=None, metavar="ISO-TIME", callback=parse_now,
              help="Check expiry as of this time (default: now).")
@click.option("--unsigned", is_flag=True,
              help="Accept a release without a signature (a local or demo feed: its files are checked, not who "
                   "published them). A puller of a public feed never passes this.")
@feed_options
def verify_command(where, version, every, public_key, after, at, unsigned, feeds, db):
    """Check a release as a puller would: the manifest's signature, every file's sha256, size and
    row count, the chain of `previous`, and the expiry. Works on a feed directory and over HTTP
    (`serve`, or the object-storage copy); without FEED_DIR_OR_URL, the --feeds directory.
    Prints each problem with its file and reason.

    Exit status: 0 when everything holds, 1 when anything fails.

    \b
    Example:
        sanctions-feed verify https://feeds.example.org/ --public-key minisign.pub
        sanctions-feed verify --unsigned feeds
    """
    from sanctions_feed.publish.errors import FeedError
    from sanctions_feed.publish.verify import Reader, listed_versions, verify

    at = at or datetime.now(timezone.utc)
    failed, notes = False, []
    try:
        reader = Reader(where or str(feeds))
        for one in listed_versions(reader) if every else [version]:
            verdict = verify(reader, one, public_key, at, after, unsigned)
            for problem in verdict.problems:
                click.echo(f"FAIL {problem}")
            if verdict.ok:
                signature = "signature" if verdict.signed else "unsigned (allowed)"
                click.echo(f"ok {verdict.version}: {signature}, {verdict.files} files, previous and expiry hold")
            failed, notes = failed or not verdict.ok, notes + verdict.notes
    except FeedError as exc:  # nothing to check at all: an unreachable feed is a failed check too
        click.echo(f"FAIL {exc}")
        failed = True
    for note in dict.fromkeys(notes):
        click.echo(f"note: {note}", err=True)
    raise SystemExit(1 if failed else 0)


@cli.command()
@click.argument("version", metavar="ID")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the rebuilt release (default: <feeds>.rebuilt/<ID>); never the feed itself.")
@click.option("--archive", type=click.Path(file_okay=False, path_type=Path), envvar="SANCTIONS_FEED_ARCHIVE",
              default=None, help="The raw archive (env SANCTIONS_FEED_ARCHIVE; default: <feeds>.raw).")
@feed_options
def rebuild(version, out, archive, feeds, db):
    """Rebuild release ID (`latest` names the newest), byte for byte, from the archived raw inputs and the store's record of
    releases, and check every file against its published manifest (and against the published
    files, when they are still there).

    The source runs behind the release are replayed into a scratch store, each URL answered with
    the bytes the run got then; nothing is fetched. Exit status: 0 when the rebuilt release is
    identical, 1 otherwise.

    \b
    Example:
        sanctions-feed rebuild latest --out /tmp/rebuilt
    """
    from sanctions_feed.errors import default_archive
    from sanctions_feed.pipeline.publishing import inside
    from sanctions_feed.pipeline.rebuild import RebuildError, rebuild_release
    from sanctions_feed.pipeline.store import open_store
    from sanctions_feed.publish.release import VERSION_ID

    if version == "latest":
        from sanctions_feed.publish.reading import read_index_head

        head = read_index_head(feeds)
        version = head.latest if head and head.latest else version
    if not VERSION_ID.fullmatch(version):
        raise click.BadParameter(f"{version!r} is not a release id (like 20261124T120000Z)", param_hint="ID")
    out = out or Path(f"{feeds.resolve()}.rebuilt") / version
    if inside(out, feeds):
        raise RebuildError(f"{out}: inside the feed directory; published releases are never written over")
    result = rebuild_release(open_store(db), version, archive or default_archive(feeds), out, feeds)
    for problem in result.problems:
        click.echo(f"FAIL {problem}")
    if result.problems:
        raise SystemExit(1)
    click.echo(f"rebuilt {version} in {out}: {result.files} files and the manifest, identical to the published release")
