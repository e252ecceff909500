"""The project's own errors: the command line turns these, and only these, into one-line messages
(anything else is a bug and shows as one). No heavy imports here."""


class SanctionsFeedError(Exception):
    """An expected failure: bad input, a failed or refused source, a feed we cannot read."""

    details: str | None = None
    """What --debug shows beside the one line (e.g. the crawler child's traceback)."""


class UpdateError(SanctionsFeedError):
    """Every requested source failed (or the crawler itself did): nothing was published."""


class StoreError(SanctionsFeedError):
    """The store cannot be opened or read (a bad URL, a missing driver, a file that is no database)."""


def default_db_url(feeds) -> str:
    """SQLite beside the feed directory (never inside it: the feed dir is served)."""
    from pathlib import Path

    return f"sqlite:///{Path(feeds).resolve()}.db"


def default_archive(feeds):
    """The raw archive beside the feed directory: every input by sha256, what `rebuild` reads."""
    from pathlib import Path

    return Path(f"{Path(feeds).resolve()}.raw")
