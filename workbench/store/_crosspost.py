"""Cross-posting clusters over a store: :func:`workbench.crosspost.find_crossposts` with the
text path's candidate generation out of core.

The texts are streamed from the store in message order (date, channel_id, message_id, as a
corpus holds them), normalised and shingled chunk by chunk; the shingle hashes go to a
temporary file that is memory-mapped, so the in-memory part is a few arrays of one number per
message (times, channel, lengths, masses) and the MinHash signatures of the eligible texts.
The shingle weights, the LSH candidates, their confirmation and the forward, link and media
paths are then exactly those of the in-memory function, which is why the clusters are
identical. With Dask (:func:`workbench.use_cluster`) the normalising, shingling and
signatures run per partition on the cluster (:mod:`._dask`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager

import numpy as np
import pandas as pd

from .. import schema

__all__ = ["find_crossposts", "KeyIndex"]

#: Messages per streamed chunk of texts.
CHUNK = 50_000


class KeyIndex:
    """``(channel_id, message_id) -> position`` for millions of messages without a dict of
    tuples: per channel, sorted message ids and their positions."""

    def __init__(self, channel_code: np.ndarray, channel_sorted, message_id: np.ndarray):
        self.code = {c: i for i, c in enumerate(channel_sorted)}
        order = np.lexsort((message_id, channel_code))
        self.mid = message_id[order]
        self.pos = order
        bounds = np.searchsorted(channel_code[order], np.arange(len(channel_sorted) + 1))
        self.bounds = bounds

    def get(self, key, default=None):
        channel, mid = key
        c = self.code.get(channel)
        if c is None:
            return default
        lo, hi = self.bounds[c], self.bounds[c + 1]
        i = lo + int(np.searchsorted(self.mid[lo:hi], mid))
        if i < hi and self.mid[i] == mid:
            return int(self.pos[i])
        return default


def _frame(store) -> pd.DataFrame:
    """The columns the forward, link and media paths read, in message order. ``text`` is
    kept only where the link path reads it (no ``links``, and something URL-like)."""
    from ..crosspost._clusters import _URLISH
    from . import _tables as T

    arrow = store._sql("""
        SELECT channel_id, message_id, date, fwd_from_channel_id, fwd_from_name,
               fwd_from_message_id, links, media_type, media_name, media_size, media_duration,
               channel,
               CASE WHEN len(links) = 0 AND regexp_matches(text, ?) THEN text END AS text
        FROM _messages ORDER BY date, channel_id, message_id""", [_URLISH])
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


def _texts(store, rows: int = CHUNK):
    """Texts in message order, in Arrow chunks."""
    con = store._connection()
    reader = con.sql("SELECT text FROM _messages ORDER BY date, channel_id, message_id"
                     ).to_arrow_reader(rows)
    for batch in reader:
        yield batch.column(0)


def text_index(chunks, n: int, channel: np.ndarray, needs_key: np.ndarray, folder: str, *,
               random_state: int):
    """Shingle the normalised texts (an iterable of ``(codes, offsets)`` chunks, in message
    order) into a memory-mapped :class:`~workbench.crosspost._similarity.ShingleIndex`.

    Returns the index, the normalised lengths and the text keys (for forward matching)."""
    from ..crosspost import _clusters as C
    from ..crosspost import _similarity as sim

    lengths = np.zeros(n, dtype=np.int64)
    text_key = np.zeros(n, dtype=np.uint64)
    counts = []
    path = os.path.join(folder, "shingles.u32")
    lo = 0
    with open(path, "wb") as fh:
        for codes, offsets in chunks:
            hi = lo + len(offsets) - 1
            lengths[lo:hi] = np.diff(offsets)
            if needs_key[lo:hi].any():
                text_key[lo:hi] = C._text_keys(codes, offsets)
            h, c = sim.shingle_hashes(codes, offsets)
            fh.write(np.ascontiguousarray(h, dtype=np.uint32).tobytes())
            counts.append(c)
            lo = hi
    counts = np.concatenate(counts) if counts else np.zeros(0, np.int64)
    starts = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    total = int(starts[-1])
    hashes = (np.memmap(path, dtype=np.uint32, mode="r", shape=(total,)) if total
              else np.zeros(0, np.uint32))
    rng = np.random.default_rng(random_state)
    table = sim._shingle_statistics(hashes, counts, channel.astype(np.int64), rng)
    return sim.ShingleIndex(hashes, starts, table), lengths, text_key


def _normalised(store):
    from ..crosspost._normalise import normalise_texts

    for texts in _texts(store):
        yield normalise_texts(texts)


def find_crossposts(store, *, channels: pd.DataFrame | None = None, threshold: float = 0.4,
                    window="7D", min_chars: int = 20, random_state: int = 0,
                    dask: bool = False) -> pd.DataFrame:
    """:func:`workbench.crosspost.find_crossposts` of the store's messages."""
    from ..crosspost import _clusters as C
    from ..crosspost import _similarity as sim
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    window_ns = C._check(threshold, window, min_chars)
    msgs = _frame(store)
    n = len(msgs)
    labels = store._cache.get("labels", [])
    if n == 0:
        empty = schema.empty("messages")
        table = store.channels()
        for col in labels:
            empty[col] = table[col].iloc[:0].reset_index(drop=True)
        return C._empty_result(empty)
    times = msgs["date"].to_numpy(dtype="datetime64[ns]").view(np.int64) if not isinstance(
        msgs["date"].dtype, pd.DatetimeTZDtype) else msgs["date"].dt.tz_localize(
        None).to_numpy(dtype="datetime64[ns]").view(np.int64)
    channel_ids = msgs["channel_id"].astype(str).to_numpy(dtype=object)
    channel_rank, channel_sorted = pd.factorize(channel_ids, sort=True)
    channel = channel_rank.astype(np.int64)
    message_id = msgs["message_id"].to_numpy(dtype=np.int64)
    index_of = KeyIndex(channel, channel_sorted, message_id)

    is_fwd = (msgs["fwd_from_channel_id"].notna() | msgs["fwd_from_name"].notna()).to_numpy()
    needs_key = is_fwd.copy()
    if is_fwd.any():
        sources = msgs["fwd_from_channel_id"].dropna().astype(str).unique()
        needs_key |= np.isin(channel_ids, sources)

    with _workspace(store, dask) as folder:
        if dask:
            from ._dask import text_index_dask

            index, lengths, text_key = text_index_dask(store, n, channel, needs_key, folder,
                                                       random_state=random_state)
        else:
            index, lengths, text_key = text_index(_normalised(store), n, channel, needs_key,
                                                  folder, random_state=random_state)
        min_shared = max(1, min_chars - sim.SHINGLE + 1)
        counts = np.diff(index.starts)
        mass = index.masses()
        typical = (lengths >= min_chars) & (counts > 0)
        density = float(np.median(mass[typical] / counts[typical])) if typical.any() else 1.0
        min_weight = sim.EVIDENCE * density * min_shared
        eligible = np.flatnonzero((lengths >= min_chars) & (mass >= min_weight))
        if dask:
            from ._dask import candidate_pairs_dask

            pairs = candidate_pairs_dask(index, eligible, times[eligible], window_ns,
                                         min_estimate=sim.ESTIMATE_FLOOR * threshold,
                                         random_state=random_state)
        else:
            pairs = sim.candidate_pairs(index, eligible, times[eligible], window_ns,
                                        min_estimate=sim.ESTIMATE_FLOOR * threshold,
                                        random_state=random_state)
        similarity, shared, count = sim.weighted_jaccard(index, pairs)
        text_edges = pairs[(similarity >= threshold) & (count >= min_shared)
                           & (shared >= min_weight)]

        media_type = (msgs["media_type"].astype(object).where(msgs["media_type"].notna(), "")
                      .astype(str).to_numpy())
        duration = msgs["media_duration"].to_numpy(dtype="float64", na_value=np.nan)
        media_code = pd.factorize(pd.Series(media_type))[0].astype(np.uint64)
        dur = np.where(np.isnan(duration), 0, duration + 1).astype(np.uint64)
        with np.errstate(over="ignore"):
            match_key = sim._mix(text_key ^ sim._mix(media_code * np.uint64(1 << 40) + dur))
        match_key[(text_key == 0) & (media_type == "")] = 0
        distinctive = (lengths >= min_chars) | ~np.isnan(duration)
        forward_edges = C._forward_edges(msgs, times, window_ns, match_key, distinctive,
                                         index_of)
        link_edges = C._link_edges(msgs, channel, times, window_ns, C._handles(channels),
                                   index_of)
        media_edges = C._media_edges(msgs, channel, times, window_ns)

        edges = [forward_edges, text_edges, link_edges, media_edges]
        kinds = np.concatenate([np.full(len(e), k, dtype=np.int8) for k, e in enumerate(edges)])
        allpairs = np.concatenate([e.reshape(-1, 2).astype(np.int64) for e in edges])
        carried = _carried(store, msgs, labels)
        if len(allpairs) == 0:
            return C._empty_result(carried.iloc[:0])
        graph = coo_matrix((np.ones(len(allpairs), dtype=np.int8),
                            (allpairs[:, 0], allpairs[:, 1])), shape=(n, n)).tocsr()
        _, label = connected_components(graph, directed=False)
        best = np.full(n, len(C.VIA), dtype=np.int8)
        np.minimum.at(best, allpairs[:, 0], kinds)
        np.minimum.at(best, allpairs[:, 1], kinds)

        size = np.bincount(label, minlength=n)
        members = np.flatnonzero(size[label] >= 2)
        pair_keys = sim.sorted_unique(label[members].astype(np.int64) * (len(channel_sorted) + 1)
                                      + channel[members])
        n_channels = np.bincount(pair_keys // (len(channel_sorted) + 1), minlength=n)
        members = members[n_channels[label[members]] >= 2]
        if len(members) == 0:
            return C._empty_result(carried.iloc[:0])
        order = np.lexsort((message_id[members], channel[members], is_fwd[members],
                            times[members], label[members]))
        members = members[order]
        lab = label[members]
        first = np.r_[True, lab[1:] != lab[:-1]]
        origin_pos = np.flatnonzero(first)
        origin_of = np.repeat(members[origin_pos], np.diff(np.r_[origin_pos, len(members)]))
        origins = members[origin_pos]
        rank = np.lexsort((message_id[origins], channel[origins], times[origins]))
        cluster_id = np.empty(len(origins), dtype=np.int64)
        cluster_id[rank] = np.arange(len(origins))
        cid = np.repeat(cluster_id, np.diff(np.r_[origin_pos, len(members)]))

        simil = np.full(len(members), np.nan)
        has_text = counts > 0
        todo = np.flatnonzero(~first & has_text[members] & has_text[origin_of])
        if len(todo):
            s, _, _ = sim.weighted_jaccard(index, np.stack([members[todo], origin_of[todo]],
                                                           axis=1))
            simil[todo] = s
        simil[first & has_text[members]] = 1.0

    out = pd.DataFrame({
        "cluster_id": cid,
        "channel_id": msgs["channel_id"].take(members).reset_index(drop=True),
        "message_id": message_id[members],
        "date": msgs["date"].take(members).reset_index(drop=True),
        "is_origin": first,
        "lag": pd.to_timedelta(times[members] - times[origin_of], unit="ns"),
        "similarity": simil,
        "via": pd.Categorical.from_codes(best[members].astype(np.int64), dtype=C.VIA_DTYPE),
    })
    for col in C.CARRIED:
        if col in carried.columns:
            out[col] = carried[col].take(members).reset_index(drop=True)
    order = np.lexsort((np.arange(len(out)), out["cluster_id"].to_numpy()))
    return out.take(order).reset_index(drop=True)


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
    from ..io.labels import _take_or_na

    out = pd.DataFrame({"channel_id": msgs["channel_id"], "channel": msgs["channel"]})
    if labels:
        table = store.channels()
        pos = pd.Index(table["channel_id"]).get_indexer(msgs["channel_id"])
        for col in labels:
            out[col] = _take_or_na(table[col], pos)
    return out
