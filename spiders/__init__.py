"""The sources, one module per source. They know the sources and nothing downstream: each
yields raw listings, rejected records and one raw snapshot per run.

Every plain module in this folder is a source, named like its module, and defines one `Source`
subclass: a `OneFileSpider` (a source published as one file, read without Scrapy) or a Scrapy
`SanctionsSpider` (the paged and HTML sources); the shared machinery is in `framework/`, bundled samples in
`samples/`. Adding a source needs no edit anywhere else: the registry below discovers it.
`SANCTIONS_FEED_SOURCES_PATH` (directories, separated like PATH) adds site-local sources the
same way, each with its own `samples/` beside it.
"""

# Run from a checkout, this folder is importable by its bare name; the installed package is
# `sanctions_feed.spiders` and a bare `spiders` would clash with PyPI's distribution of that name.
if __name__ != "sanctions_feed.spiders":
    raise ImportError(f"{__name__}: import this package as sanctions_feed.spiders")

import importlib  # noqa: E402
import importlib.util  # noqa: E402
import os  # noqa: E402
import pkgutil  # noqa: E402
import re  # noqa: E402
from functools import cache  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:
    from .framework.base import Source

SOURCE_NAME = re.compile(r"[a-z][a-z0-9_]*")
_OWN_PATH = list(__path__)


class SourceDefinitionError(Exception):
    """A source module does not follow the rules above: a mistake in the code, not in the data."""


def _search_path() -> list[str]:
    """This folder, then the site-local source directories named in the environment."""
    extra = [str(Path(p).resolve()) for p in os.environ.get("SANCTIONS_FEED_SOURCES_PATH", "").split(os.pathsep) if p]
    __path__[:] = _OWN_PATH + [p for p in extra if p not in _OWN_PATH]
    return __path__


def source_names() -> list[str]:
    """Every source, sorted, from the module names alone: cheap, Scrapy is not imported."""
    return sorted({m.name for m in pkgutil.iter_modules(_search_path())
                   if not m.ispkg and SOURCE_NAME.fullmatch(m.name)})


def declares_one_file(name: str) -> bool:
    """Whether source `name`'s module defines a class on `OneFileSpider`, read from its text alone
    (nothing imported: a Scrapy spider's module would import Scrapy). A source that derives from
    it some other way is taken for a Scrapy one: it runs in the crawler child, as always."""
    import ast

    spec = importlib.util.find_spec(f"{__name__}.{name}")
    if spec is None or spec.origin is None:
        return False
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    return any(isinstance(node, ast.ClassDef) and any(getattr(base, "id", None) == "OneFileSpider" for base in node.bases)
               for node in tree.body)


def load_sources(names: list[str] | None = None) -> dict[str, type["Source"]]:
    """name -> source class, for every source or the ones named (imports their modules: Scrapy
    with the first Scrapy spider). A name that is no source is left out."""
    known = source_names()
    return _load(tuple(known if names is None else [n for n in names if n in known]))


@cache
def _load(names: tuple[str, ...]) -> dict[str, type["Source"]]:
    from .framework.base import Source

    found = {}
    for name in names:
        module = importlib.import_module(f"{__name__}.{name}")
        spiders = [obj for obj in vars(module).values()
                   if isinstance(obj, type) and issubclass(obj, Source) and obj.__module__ == module.__name__]
        if len(spiders) != 1:
            raise SourceDefinitionError(f"{module.__file__}: defines {len(spiders)} Source classes, expected 1")
        if spiders[0].name != name:
            raise SourceDefinitionError(f"{module.__file__}: the spider is named {spiders[0].name!r}, "
                                        f"expected the module's name {name!r}")
        found[name] = spiders[0]
    return found


def default_sources() -> list[str]:
    """The sources an update runs when none is named."""
    return [name for name, spider in load_sources().items() if spider.default]
