"""Cross-posting clusters over a store: :func:`workbench.crosspost.find_crossposts` with the
text path's candidate generation out of core.

The texts are streamed from the store in message order (date, channel_id, message_id, as a
corpus holds them), normalised and shingled chunk by chunk; the shingle hashes go to a
temporary file that is memory-mapped, so the in-memory part is a few arrays of one number per
message (times, channel, lengths, masses) and the MinHash signatures of the eligible texts.
The shingle weights, the LSH candidates, their confirmation, the forward, link and media
paths and the clusters are then computed by the in-memory function's own kernel
(:func:`workbench.crosspost.cluster_messages`), which is why the clusters are the same, with
one difference: here every message is sketched, where the in-memory function sketches each
distinct text once and seeks candidates by every message's time; on crowded spam (thousands
of near-identical variants) LSH can then miss a few identical copies here that it finds in
memory.
With Dask (:func:`workbench.use_cluster`) the normalising, shingling and signatures run per
partition on the cluster (:mod:`._dask`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager

import numpy as np
import pandas as pd

from .. import schema

__all__ = ["find_crossposts", "crossposts"]


def _frame(store) -> pd.DataFrame:
    """The columns the forward, link and media paths read, in message order. ``text`` is
    kept only where the link path reads it (no ``links``, and something URL-like)."""
    from ..crosspost import URLISH
    from . import _tables as T

    arrow = store._sql("""
        SELECT channel_id, message_id, date, fwd_from_channel_id, fwd_from_name,
               fwd_from_message_id, links, media_type, media_name, media_size, media_duration,
               channel,
               CASE WHEN len(links) = 0 AND regexp_matches(text, ?) THEN text END AS text
        FROM _messages ORDER BY date, channel_id, message_id""", [URLISH])
    out = {}
    spec = schema.MESSAGES
    for col in arrow.column_names:
        values = arrow.column(col)
        dtype = spec[col]
        if dtype == schema.LIST:
            out[col] = T._lists(values)
        elif isinstance(dtype, pd.DatetimeTZDtype):
            out[col] = T._times(values)
        elif isinstance(dtype, pd.Int64Dtype):
            out[col] = T._nullable_int(values)
        elif dtype == np.dtype("int64"):
            out[col] = np.asarray(values.to_numpy(), dtype=np.int64)
        elif col == "media_type":
            out[col] = T._category(values)
        else:
            out[col] = T._strings(values)
    return pd.DataFrame(out)


def _texts(store, rows: int):
    """Texts in message order, in Arrow chunks of ``rows``."""
    con = store._connection()
    reader = con.sql("SELECT text FROM _messages ORDER BY date, channel_id, message_id"
                     ).to_arrow_reader(rows)
    for batch in reader:
        yield batch.column(0)


def text_index(chunks, n: int, channel: np.ndarray, needs_key: np.ndarray, folder: str, *,
               random_state: int):
    """Shingle the normalised texts (an iterable of ``(codes, offsets)`` chunks, in message
    order) into a memory-mapped :class:`~workbench.crosspost.similarity.ShingleIndex`.

    Returns the index, the normalised lengths and the text keys (for forward matching)."""
    from ..crosspost import measured_texts
    from ..crosspost import similarity as sim

    lengths = np.zeros(n, dtype=np.int64)
    text_key = np.zeros(n, dtype=np.uint64)
    counts = []
    path = os.path.join(folder, "shingles.u32")
    with open(path, "wb") as fh:
        for codes, offsets in measured_texts(chunks, lengths, text_key, needs_key):
            h, c = sim.shingle_hashes(codes, offsets)
            fh.write(np.ascontiguousarray(h, dtype=np.uint32).tobytes())
            counts.append(c)
    return mapped_index(path, counts, channel, random_state=random_state), lengths, text_key


def mapped_index(path: str, counts: list[np.ndarray], channel: np.ndarray, *,
                 random_state: int):
    """The :class:`~workbench.crosspost.similarity.ShingleIndex` of the shingle hashes in
    the file ``path`` (memory-mapped), ``counts`` per text in chunks."""
    from ..crosspost import similarity as sim

    counts = np.concatenate(counts) if counts else np.zeros(0, np.int64)
    total = int(counts.sum())
    hashes = (np.memmap(path, dtype=np.uint32, mode="r", shape=(total,)) if total
              else np.zeros(0, np.uint32))
    return sim.make_index(hashes, counts, channel, random_state=random_state)


def _normalised(store):
    from ..crosspost import TEXT_CHUNK, normalise_texts

    for texts in _texts(store, TEXT_CHUNK):
        yield normalise_texts(texts)


def find_crossposts(store, *, channels: pd.DataFrame | None = None, threshold: float = 0.4,
                    window="7D", min_chars: int = 20, random_state: int = 0) -> pd.DataFrame:
    """:func:`workbench.crosspost.find_crossposts` of the store's messages (candidates
    generated out of core); ``channels`` defaults to the store's, as for a Corpus."""
    return crossposts(store, channels=channels, threshold=threshold, window=window,
                      min_chars=min_chars, random_state=random_state, dask=False)


def crossposts(store, *, channels, threshold, window, min_chars, random_state,
               dask: bool) -> pd.DataFrame:
    """:func:`find_crossposts` with the texts shingled here or, with ``dask``, on the cluster
    (the rest is the same)."""
    from ..crosspost import (KeyIndex, MessageArrays, check_options, cluster_messages,
                             empty_result)

    window_ns = check_options(threshold, window, min_chars)
    if channels is None:
        channels = store.channels()
    msgs = _frame(store)
    n = len(msgs)
    labels = store._cache.get("labels", [])
    if n == 0:
        empty = schema.empty("messages")
        table = store.channels()
        for col in labels:
            empty[col] = table[col].iloc[:0].reset_index(drop=True)
        return empty_result(empty)
    arrays = MessageArrays.of(msgs)
    index_of = KeyIndex(arrays.channel, arrays.channel_sorted, arrays.message_id)
    options = {"threshold": threshold, "window_ns": window_ns, "min_chars": min_chars,
               "random_state": random_state}
    with _workspace(store, dask) as folder:
        if dask:
            from ._dask import candidate_pairs_dask, text_index_dask

            index, lengths, text_key = text_index_dask(store, n, arrays.channel,
                                                       arrays.needs_key, folder,
                                                       random_state=random_state)
            options["candidate_pairs"] = candidate_pairs_dask
        else:
            index, lengths, text_key = text_index(_normalised(store), n, arrays.channel,
                                                  arrays.needs_key, folder,
                                                  random_state=random_state)
        return cluster_messages(msgs, arrays, index, lengths, text_key,
                                carried=_carried(store, msgs, labels), channels=channels,
                                index_of=index_of, **options)


@contextmanager
def _workspace(store, dask: bool):
    """Where the shingles and signatures go: a temporary folder, or with Dask a scratch
    folder inside the store (storage the workers can read too)."""
    if not dask:
        with tempfile.TemporaryDirectory(prefix="wb-crosspost-") as folder:
            yield folder
        return
    from ._dask import scratch

    folder = scratch(store)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        try:
            os.rmdir(os.path.dirname(folder))
        except OSError:
            pass


def _carried(store, msgs: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """``channel`` and the label columns the result carries, for every message."""
    from ..io.labels import take_or_na

    out = pd.DataFrame({"channel_id": msgs["channel_id"], "channel": msgs["channel"]})
    if labels:
        table = store.channels()
        pos = pd.Index(table["channel_id"]).get_indexer(msgs["channel_id"])
        for col in labels:
            out[col] = take_or_na(table[col], pos)
    return out
