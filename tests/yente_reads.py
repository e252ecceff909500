"""Run by yente's own Python (a virtualenv with yente from PyPI, `make test-tools` makes
`.venv-yente`): what a yente configured with our catalog URL finds, with yente's own loaders
(`Manifest`, `Catalog`, `DatasetUpdater`), printed as JSON for tests/test_catalog.py.

    python tests/yente_reads.py CATALOG_URL BASE_VERSION
"""

import asyncio
import json
import sys

from yente.data.manifest import Catalog, Manifest
from yente.data.updater import DatasetUpdater


async def datasets(url: str, scopes: list) -> dict:
    catalog = await Catalog.load(Manifest.model_validate({"catalogs": [{"url": url, "scopes": scopes}]}))
    return {ds.name: {"version": ds.model.version, "load": ds.model.load, "entities_url": ds.model.entities_url,
                      "delta_url": str(ds.model.delta_url) if ds.model.delta_url else None,
                      "children": sorted(ds.model.children), "leaves": sorted(ds.leaf_names),
                      "publisher": ds.model.publisher.model_dump(mode="json") if ds.model.publisher else None}
            for ds in catalog.datasets}, catalog


async def ops(dataset, base) -> list:
    updater = await DatasetUpdater.build(dataset, base)
    return {"incremental": updater.is_incremental, "needs_update": updater.needs_update(),
            "ops": [[op["op"], op["entity"]["id"]] async for op in updater.load()]}


async def main(url: str, base: str) -> None:
    leaves, catalog = await datasets(url, [])
    scoped, scoped_catalog = await datasets(url, ["sanctions_feed"])
    collection = scoped_catalog.require("sanctions_feed")
    source = catalog.require("sanctions_feed_jp_mof")
    print(json.dumps({"unscoped": leaves, "scoped": scoped, "full": await ops(collection, None),
                      "from_base": await ops(collection, base), "source_full": await ops(source, None)}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
