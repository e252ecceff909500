"""Address normalization: pure functions, no I/O. `normalize(raw, label) -> [NormalizedAddress]`."""

# Run from a checkout, this folder is importable by its bare name; the installed package is
# `sanctions_feed.normalize` and a bare `normalize` would clash with PyPI's distribution of that name.
if __name__ != "sanctions_feed.normalize":
    raise ImportError(f"{__name__}: import this package as sanctions_feed.normalize")

from .core import normalize

__all__ = ["normalize"]
