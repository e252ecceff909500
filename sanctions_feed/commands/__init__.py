"""The `sanctions-feed` command line: the group and its error boundary (`group`), and one module
per area: the feed (`feed`: update, sources, rebuild-store), the analyst (`analyst`: check,
history, diff, normalize), releases (`releases`: keygen, verify, rebuild) and operations (`ops`:
schedule, config, serve)."""

from . import analyst, feed, ops, releases  # noqa: F401 - each registers its commands on the group
from .group import cli

__all__ = ["cli", "main"]


def main():
    cli(prog_name="sanctions-feed")
