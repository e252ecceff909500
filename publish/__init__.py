"""Releases: build from the store, diff with the previous one, write each format, move in whole."""

# Run from a checkout, this folder is importable by its bare name; the installed package is
# `sanctions_feed.publish` and a bare `publish` would clash with PyPI's distribution of that name.
if __name__ != "sanctions_feed.publish":
    raise ImportError(f"{__name__}: import this package as sanctions_feed.publish")
