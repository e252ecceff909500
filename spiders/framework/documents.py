"""One-file downloads: the body, or one clear line saying what came instead.

Official servers answer a failed export with many things besides an HTTP error: a 200 with an
empty body, a WebLogic HTML error page, a JSON error object where the XML should be (the EU's
file server did all three). Each is refused here by its content, whatever the status said, so
the run fails and the source keeps its last good data.
"""

from __future__ import annotations

import json
import re

_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.I | re.S)
_MAGIC = {"XLSX": b"PK\x03\x04"}


def refusal(body: bytes, status: int, expected: str) -> str | None:
    """Why `body` (served with HTTP `status`) is not the `expected` document (XML, JSON, XLSX,
    HTML), or None when it may be one. Only the start of the body is looked at."""
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    lower = head.lower()
    detail = _detail(head)
    if status != 200:
        refused = " (refused: the server or its firewall turned this client away)" if status in (401, 403) else ""
        return f"HTTP {status}{refused}" + (f": {detail}" if detail else "")
    if not head:
        return f"the response is empty (no {expected})"
    if expected != "HTML" and (lower.startswith(b"<!doctype html") or lower.startswith(b"<html")
                               or b"<html" in lower[:512]):
        return f"an HTML page instead of {expected}" + (f": {detail}" if detail else "")
    if expected != "JSON" and head[:1] in (b"{", b"["):
        return f"a JSON body instead of {expected}" + (f": {detail}" if detail else "")
    magic = _MAGIC.get(expected)
    if magic and not head.startswith(magic):
        return f"not an {expected} file (it starts with {head[:16]!r})"
    return None


def page_title(page: bytes) -> str:
    """An HTML page's title, shortened, or ''."""
    title = _TITLE.search(page[:65536])
    return " ".join(title.group(1).decode("utf-8", "replace").split())[:120] if title else ""


def _detail(head: bytes) -> str:
    """A short reason from an error body: a page's title, or a JSON error's status and message."""
    title = page_title(head)
    if title:
        return title
    if head[:1] == b"{":
        try:
            data = json.loads(head)
        except ValueError:
            return ""
        if isinstance(data, dict):
            parts = [str(data[k]) for k in ("status", "error", "title", "message", "detail") if data.get(k)]
            return " ".join(parts)[:160]
    return ""


def json_error(data) -> str | None:
    """The error a JSON API answered with instead of data (`{"status": 500, "error": ...}`,
    `{"Message": ...}`), or None when `data` is not an error object."""
    if not isinstance(data, dict):
        return None
    keys = {key.lower() for key in data}
    if "error" in keys or "errors" in keys or keys <= {"message", "messagedetail", "status", "title", "type", "detail",
                                                       "timestamp", "path", "traceid"} and keys & {"message", "title"}:
        parts = [str(v) for k, v in data.items() if k.lower() in ("status", "error", "title", "message", "detail") and v]
        return "the server answered with an error" + (f": {' '.join(parts)[:160]}" if parts else "")
    return None
