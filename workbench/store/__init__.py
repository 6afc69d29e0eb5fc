"""Corpora larger than memory: a corpus store on disk, and the same analyses on Dask.

A store (:func:`open_store`) is a folder of Parquet tables (messages partitioned by platform
and month, channels, service records, rejected records, an ingest log) queried through DuckDB,
embedded, with no server to run. :meth:`Store.ingest` adds exports idempotently and
atomically in bounded memory; :meth:`Store.corpus` returns an in-memory
:class:`~workbench.Corpus` of a slice; :meth:`Store.messages_query` runs SQL.
:func:`workbench.network.forward_edges`, :func:`~workbench.network.mention_edges`,
:func:`~workbench.timeline.message_volume`, :func:`~workbench.timeline.keyword_trend` and
:func:`~workbench.crosspost.find_crossposts` accept a store in place of messages and give
the same results as on the in-memory corpus; with :func:`use_cluster` (or a
``distributed.Client`` in scope) they run on Dask.

This package plugs two backends into those analyses through :mod:`workbench.backends`:
``duckdb`` claims every :class:`Store`; ``dask``, asked first, claims a store while a cluster
is in use (:func:`on_cluster`). Their implementations (:mod:`._duckdb`, :mod:`._dask`,
cross-posting in :mod:`._crosspost`) are imported on first use. Other analyses refuse a store
with a message saying to take a slice into memory with :meth:`Store.corpus`.

DuckDB and Dask come with the ``scale`` extra (``pip install channel-workbench[scale]``);
they are imported only when a store is used.

Examples
--------
>>> import tempfile, workbench as wb
>>> exports = [wb.io.fixtures_dir() / "telegram" / h for h in ("voiceofkledral", "mutatnews")]
>>> store = wb.open_store(tempfile.mkdtemp())
>>> report = store.ingest(exports, progress=False)
>>> corpus = store.corpus()           # in memory: the same as wb.load of both exports
>>> wb.network.forward_edges(store).equals(wb.network.forward_edges(corpus.messages))
True
"""

from .. import backends
from ._dask import use_cluster
from ._layout import SCHEMA_VERSION, StoreError, StoreLockedError
from ._store import Store, is_store, on_cluster, open_store

__all__ = ["Store", "StoreError", "StoreLockedError", "SCHEMA_VERSION", "is_store",
           "on_cluster", "open_store", "use_cluster"]

#: What each backend implements: analysis -> (DuckDB target, Dask target).
_IMPLEMENTATIONS = {
    "network.forward_edges": ("_duckdb:forward_edges", "_dask:forward_edges"),
    "network.mention_edges": ("_duckdb:mention_edges", "_dask:mention_edges"),
    "timeline.message_volume": ("_duckdb:message_volume", "_dask:message_volume"),
    "timeline.keyword_trend": ("_duckdb:keyword_trend", "_dask:keyword_trend"),
    "crosspost.find_crossposts": ("_crosspost:find_crossposts", "_dask:find_crossposts"),
}

_HINT = "take a slice into memory with store.corpus(...) and pass its messages"
backends.register_backend("duckdb", claims=is_store, priority=0, label="DuckDB", hint=_HINT)
backends.register_backend("dask", claims=on_cluster, priority=10, label="Dask", hint=_HINT)
for _analysis, _targets in _IMPLEMENTATIONS.items():
    for _backend, _target in zip(("duckdb", "dask"), _targets):
        backends.implements(_analysis, _backend, f"{__name__}.{_target}")
del _analysis, _targets, _backend, _target
# Languages stream the store's texts in batches (on a cluster too: read by the client).
backends.implements("text.channel_languages", "duckdb", f"{__name__}._languages:channel_languages")
