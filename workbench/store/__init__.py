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

DuckDB and Dask come with the ``scale`` extra (``pip install channel-workbench[scale]``);
they are imported only when a store is used.

Examples
--------
>>> import tempfile, workbench as wb
>>> exports = [wb.io.fixtures_dir() / "telegram" / h for h in ("voiceofkledral", "lovo_media")]
>>> store = wb.open_store(tempfile.mkdtemp())
>>> report = store.ingest(exports, progress=False)
>>> corpus = store.corpus()           # in memory: the same as wb.load of both exports
>>> wb.network.forward_edges(store).equals(wb.network.forward_edges(corpus.messages))
True
"""

from ._dask import use_cluster
from ._layout import SCHEMA_VERSION, StoreError, StoreLockedError
from ._store import Store, is_store, open_store

__all__ = ["Store", "StoreError", "StoreLockedError", "SCHEMA_VERSION", "is_store",
           "open_store", "use_cluster"]
