"""Streaming a large XML list safely: lxml's iterparse with entities, DTDs and the network off,
each element cleared once read, so memory does not grow with the file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from lxml import etree


def local_name(tag) -> str:
    """An element's name without its namespace (sources change namespaces between versions)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def stream_elements(stream, names: Iterable[str], root: str) -> Iterator[tuple[str, etree._Element]]:
    """(local name, element) for each element named in `names`, in any namespace, as it closes;
    the element and what came before it are freed after the caller has read it. The document
    element must be `root` and the file may declare no DTD. Raises ValueError on a malformed or
    truncated file."""
    # lxml filters the tags in C: Python sees only these events, not the elements inside them.
    events = etree.iterparse(stream, events=("end",), tag=[f"{{*}}{n}" for n in names],
                             resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=True, remove_comments=True, remove_blank_text=True)
    checked = False
    try:
        for _, elem in events:
            if not checked:
                _check_root(elem.getroottree().getroot(), root)
                checked = True
            yield local_name(elem.tag), elem
            elem.clear(keep_tail=False)
            parent = elem.getparent()
            if parent is not None:
                while elem.getprevious() is not None:
                    del parent[0]
        if not checked:
            _check_root(events.root, root)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"malformed or truncated XML ({exc})") from None


def _check_root(element, root: str) -> None:
    name = local_name(element.tag) if element is not None else "nothing"
    if name != root:
        raise ValueError(f"expected <{root}> as the document element, found <{name}>")
    doctype = element.getroottree().docinfo.doctype
    if doctype:  # the official files declare none: entities could smuggle text in
        raise ValueError(f"the document declares a DTD ({doctype}): refused")

