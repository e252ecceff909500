"""Every record type, declared once: pydantic models for what crosses a boundary and what is
published, SQLModel tables for the store."""

# Run from a checkout, this folder is importable by its bare name; the installed package is
# `sanctions_feed.schemas` and a bare `schemas` would clash with PyPI's distribution of that name.
if __name__ != "sanctions_feed.schemas":
    raise ImportError(f"{__name__}: import this package as sanctions_feed.schemas")
