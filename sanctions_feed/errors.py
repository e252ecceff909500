"""Errors the command line turns into one-line messages (no heavy imports here)."""


class UpdateError(Exception):
    """Every requested source failed (or the crawler itself did): nothing was published."""


def default_db_url(feeds) -> str:
    """SQLite beside the feed directory (never inside it: the feed dir is served)."""
    from pathlib import Path

    return f"sqlite:///{Path(feeds).resolve()}.db"
