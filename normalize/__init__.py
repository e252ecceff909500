"""Address normalization: pure functions, no I/O. `normalize(raw, label) -> [NormalizedAddress]`."""

from .core import normalize

__all__ = ["normalize"]
