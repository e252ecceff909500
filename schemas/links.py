"""Links we publish: http(s) or nothing. Every published link (a listing's `source_url`, a link
on the site) passes here, so that no source, present or future, can put a `javascript:` or
`data:` URL in front of a reader."""

from __future__ import annotations

from urllib.parse import urlsplit

PUBLIC_SCHEMES = ("http", "https")


def public_link(url: str | None) -> str | None:
    """`url` if it is an absolute http(s) URL with a host, else None. An allow-list: a browser
    reads schemes with stray spaces or control characters in ways a deny-list would miss."""
    if url is None:
        return None
    if url != url.strip() or any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in PUBLIC_SCHEMES and parts.netloc else None
