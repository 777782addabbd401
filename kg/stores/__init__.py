"""Stores: the `Store` interface (`base`), the embedded pyoxigraph store (`embedded`) and a remote SPARQL
endpoint (`remote`); `open_store` chooses one from a URL, above both, so neither imports the other.

>>> isinstance(OxigraphStore(), Store)
True
"""

from __future__ import annotations

from pathlib import Path

from kg.errors import StoreError, StoreUnavailable
from kg.stores.base import QueryResult, SerializedResult, Store
from kg.stores.embedded import OxigraphStore
from kg.stores.remote import RemoteStore, endpoints, load_dataset, load_dataset_into

__all__ = [
    "OxigraphStore",
    "QueryResult",
    "RemoteStore",
    "SerializedResult",
    "Store",
    "endpoints",
    "load_dataset",
    "load_dataset_into",
    "open_store",
]


def open_store(url: str | None = None, *, dist: Path | None = None) -> Store:
    """Open the configured store.

    `None` or `"embedded"`: an in-memory pyoxigraph store loaded with the built dataset (`dist/dataset.nq`);
    `"oxigraph:/path"`: an on-disk pyoxigraph store; `http(s)://…`: a remote SPARQL 1.1 endpoint.
    """
    from kg.paths import DIST

    dist = dist or DIST
    if url is None or url == "embedded":
        store = OxigraphStore()
        dataset = dist / "dataset.nq"
        if not dataset.exists():
            raise StoreUnavailable(f"no built dataset at {dataset}: run `keikaku build` first")
        store.load_file(dataset)
        return store
    if url.startswith("oxigraph:"):
        return OxigraphStore(Path(url.removeprefix("oxigraph:")))
    if url.startswith(("http://", "https://")):
        return RemoteStore(url)
    raise StoreError(f"unknown store URL {url!r}: use 'embedded', 'oxigraph:/path' or an http(s) endpoint")
