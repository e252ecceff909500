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
    HTML, CSV), or None when it may be one. Only the start of the body is looked at."""
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    lower = head[:512].lower()
    if status != 200:
        refused = " (refused: the server or its firewall turned this client away)" if status in (401, 403) else ""
        problem = f"HTTP {status}{refused}"
    elif not head:
        return f"the response is empty (no {expected})"
    elif expected != "HTML" and (lower.startswith(b"<!doctype html") or b"<html" in lower):
        problem = f"an HTML page instead of {expected}"
    elif expected != "JSON" and head[:1] in (b"{", b"["):
        problem = f"a JSON body instead of {expected}"
    elif expected in _MAGIC and not head.startswith(_MAGIC[expected]):
        return f"not an {expected} file (it starts with {head[:16]!r})"
    else:
        return None
    detail = _detail(head)
    return f"{problem}: {detail}" if detail else problem


def page_title(page: bytes) -> str:
    """An HTML page's title, shortened, or ''."""
    title = _TITLE.search(page[:65536])
    return " ".join(title.group(1).decode("utf-8", "replace").split())[:120] if title else ""


def json_error(data) -> str | None:
    """The error a JSON API answered with instead of data (`{"status": 500, "error": ...}`,
    `{"Message": ...}`), or None when `data` is not an error object."""
    if not isinstance(data, dict):
        return None
    keys = {key.lower() for key in data}
    has_error = bool(keys & {"error", "errors"})
    only_a_message = keys <= _ERROR_KEYS and bool(keys & {"message", "title"})
    if not (has_error or only_a_message):
        return None
    summary = _summary(data)
    return "the server answered with an error" + (f": {summary}" if summary else "")


_ERROR_KEYS = {"message", "messagedetail", "status", "title", "type", "detail", "timestamp", "path", "traceid"}


def _summary(data: dict) -> str:
    """An error object's status, error, title, message and detail, on one short line."""
    wanted = ("status", "error", "title", "message", "detail")
    return " ".join(str(v) for k, v in data.items() if k.lower() in wanted and v)[:160]


def _detail(head: bytes) -> str:
    """A short reason from an error body: a page's title, or a JSON error's summary."""
    title = page_title(head)
    if title or head[:1] != b"{":
        return title
    try:
        data = json.loads(head)
    except (ValueError, RecursionError):
        return ""
    return _summary(data) if isinstance(data, dict) else ""
