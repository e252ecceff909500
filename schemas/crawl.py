"""What an update asks of its crawler child: one file, `request.json` in the crawl's directory,
the only route between the two processes (the child answers with `report.json` and one JSON-lines
file per source)."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, Field


class CrawlRequest(BaseModel):
    only: list[str] = Field(default_factory=list)
    """The sources to run (none: every default source)."""
    locations: dict[str, str] = Field(default_factory=dict)
    """Source name -> a local copy or mirror to read instead of its live URL."""
    samples: bool = False
    """Read every source not given a location from its bundled sample."""
    now: AwareDatetime
    """The update's one clock read: every snapshot is dated by it."""
    archive: str | None = None
    """The raw archive: every body read is kept there by its sha256."""
    source_timeout: float | None = None
    """Each source's time limit, in seconds."""
    known: dict[str, dict] = Field(default_factory=dict)
    """Per source, what its last good run read (sha256, change signals), for the change check."""
    replay: str | None = None
    """A JSON file mapping each URL to the archived file holding its bytes (`rebuild`): nothing is fetched."""
