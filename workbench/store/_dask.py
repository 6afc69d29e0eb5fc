"""The store's Dask backend: the analyses over a store on any ``dask.distributed`` cluster,
one machine or many (registered with :mod:`workbench.backends` in :mod:`workbench.store`,
asked before DuckDB while a cluster is in use).

:func:`use_cluster` points the workbench at a cluster (or a ``distributed.Client`` in scope
is used). The aggregations then read the store's Parquet files with ``dask.dataframe``: each
partition derives its rows with the analyses' own kernels (forwards through
:func:`~workbench.network.forward_rows`, resolved through a broadcast name index; mentions
through :func:`~workbench.network.mention_rows` and a broadcast table of
:func:`~workbench.network.mention_targets`; period keys through
:class:`~workbench.timeline.PeriodBinner`) and Dask's tree reduction (``groupby().agg``)
combines them; the small result is finished by the same code as everywhere else
(:func:`~workbench.network.edge_table`, the DuckDB backend's :func:`~._duckdb.volume_of` and
:func:`~._duckdb.trend_of`), so it is identical to the in-memory result.

Cross-posting: the texts are shingled per partition (in message order, so each text keeps its
number) and the MinHash signatures are computed per partition; then the signatures are
shuffled by band: one task per LSH band (split further by bucket for very large corpora)
gets that band's keys of every text, so each bucket's texts meet on one worker, which pairs
time neighbours. Workers and this process exchange the shingles and signatures through files
in a scratch folder inside the store, which on a real cluster is on storage every worker can
read (as the store itself).
"""

from __future__ import annotations

import os
import sys
import uuid

import numpy as np
import pandas as pd

from ..errors import ParameterError

__all__ = ["use_cluster", "current_client", "forward_edges", "mention_edges",
           "message_volume", "keyword_trend", "find_crossposts"]

_CLIENT = None


def use_cluster(address=None, **client_options):
    """Run store analyses on a Dask cluster.

    Parameters
    ----------
    address : str, Client, cluster object, or None
        A scheduler address (``"tcp://10.0.0.5:8786"``), a ``distributed.Client``, or a
        cluster object (``LocalCluster``, ``dask_jobqueue.SLURMCluster``,
        ``dask_kubernetes`` clusters...). ``"local"`` starts a ``LocalCluster`` on this
        machine. ``None`` stops using a cluster (analyses run in DuckDB again).
    **client_options
        Passed to ``distributed.Client``.

    Returns
    -------
    distributed.Client or None

    Examples
    --------
    >>> import workbench as wb
    >>> wb.use_cluster(None) is None
    True
    """
    global _CLIENT
    if address is None:
        _CLIENT = None
        return None
    from distributed import Client, LocalCluster

    if isinstance(address, Client):
        client = address
    elif isinstance(address, str) and address == "local":
        client = Client(LocalCluster(dashboard_address=None), **client_options)
    elif isinstance(address, str):
        client = Client(address, **client_options)
    elif hasattr(address, "scheduler_address"):
        client = Client(address, **client_options)
    else:
        raise ParameterError(f"use_cluster({address!r}): expected a scheduler address, a "
                             "distributed.Client, a cluster object, 'local' or None")
    _CLIENT = client
    return client


def current_client():
    """The client analyses run on: the one :func:`use_cluster` set, else a
    ``distributed.Client`` in scope, else None."""
    if _CLIENT is not None and getattr(_CLIENT, "status", "closed") not in ("closed",
                                                                          "closing"):
        return _CLIENT
    if "distributed" not in sys.modules:
        return None
    from distributed import default_client

    try:
        client = default_client()
    except ValueError:
        return None
    return client if client.status not in ("closed", "closing") else None


#: Dask turns object columns into strings by default; list columns must stay lists.
_CONFIG = {"dataframe.convert-string": False}


def _compute(*collections):
    import dask

    with dask.config.set(_CONFIG):
        client = current_client()
        if client is not None:
            return client.compute(list(collections), sync=True)
        return list(dask.compute(*collections))


#: Bytes of Parquet per partition: small files are read together, so a store of many
#: small ingests does not pay the per-task overhead once per file.
PARTITION_BYTES = 64 << 20


def _read_files(paths: list[str], columns: list[str]) -> pd.DataFrame:
    """Messages files of the store as one partition (plain pandas dtypes)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = [pq.read_table(p, columns=columns, partitioning=None) for p in paths]
    return pa.concat_tables(tables).to_pandas()


def _messages(store, columns: list[str]):
    """The store's messages as a Dask DataFrame; a partition is one or more Parquet files
    (platform and month of an ingest batch), read by the workers from the store's folder."""
    import dask
    import dask.dataframe as dd

    from . import _tables as T

    entries = store._refresh()["tables"]["messages"]
    if not entries:
        return None
    groups, current, size = [], [], 0
    for entry in entries:
        if current and size + entry["size"] > PARTITION_BYTES:
            groups.append(current)
            current, size = [], 0
        current.append(str(store.path / entry["path"]))
        size += entry["size"]
    groups.append(current)
    meta = T.MESSAGES.empty_table().select(columns).to_pandas()
    with dask.config.set(_CONFIG):
        return dd.from_map(_read_files, groups, columns=columns, meta=meta,
                           enforce_metadata=False)


# ---------------------------------------------------------------------------------------------
# Edges
# ---------------------------------------------------------------------------------------------
def _resolve(part: pd.DataFrame, lookup: dict) -> pd.Series:
    """``fwd_from_channel_id`` resolved through the store's name index (as the views do)."""
    fid = part["fwd_from_channel_id"]
    todo = fid.isna() & part["_fwd_norm"].notna()
    if not todo.any() or not lookup:
        return fid
    found = [lookup.get((p, n)) for p, n in zip(part.loc[todo, "platform"],
                                                part.loc[todo, "_fwd_norm"])]
    out = fid.astype(object).copy()
    out.loc[todo] = found
    return out


def _forward_part(part: pd.DataFrame, lookup: dict, delays: bool) -> pd.DataFrame:
    """A partition's forwards (:func:`~workbench.network.forward_rows`, sources resolved
    through the store's name index as its views resolve them) as rows to aggregate:
    ``source``, ``target``, ``weight`` (1), ``first`` and ``last`` (ns), ``resolved`` and,
    with ``delays``, ``delay`` (ns; only for forwards with the original post's date)."""
    from ..network import forward_rows

    if delays:
        part = part[part["fwd_from_date"].notna()]
    rows = forward_rows(part.assign(fwd_from_channel_id=_resolve(part, lookup)))
    t = rows["date"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    out = pd.DataFrame({"source": rows["source"].astype(str).to_numpy(dtype=object),
                        "target": rows["target"].astype(str).to_numpy(dtype=object),
                        "weight": np.ones(len(rows), dtype=np.int64), "first": t, "last": t,
                        "resolved": rows["resolved"].to_numpy(dtype=bool)})
    if delays:
        out["delay"] = rows["delay"].to_numpy(dtype="timedelta64[ns]").view(np.int64)
    return out


#: The rows both edge analyses aggregate per partition.
_EDGE_META = {"source": object, "target": object, "weight": "int64", "first": "int64",
              "last": "int64", "resolved": bool}
_EDGE_AGG = {"weight": "sum", "first": "min", "last": "max", "resolved": "max"}


def _meta(columns: dict) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


def forward_edges(store, *, min_weight: int = 1) -> pd.DataFrame:
    """:func:`workbench.network.forward_edges` of a store, on Dask."""
    from ..network import edge_table
    from ._duckdb import _median_ns
    from ._store import _name_index

    ddf = _messages(store, ["platform", "channel_id", "date", "fwd_from_channel_id",
                            "fwd_from_name", "fwd_from_date", "_fwd_norm"])
    if ddf is None:
        return edge_table(pd.DataFrame(), kind="forward", min_weight=min_weight, delay=True)
    names = _name_index(store._exported_channels())
    # Broadcast tables go to the partitions as plain dicts (a DataFrame argument would be
    # taken for a collection to align with).
    index = dict(zip(zip(names["platform"], names["norm"]), names["channel_id"]))
    rows = ddf.map_partitions(_forward_part, index, False, meta=_meta(_EDGE_META))
    agg = rows.groupby(["source", "target"]).agg(_EDGE_AGG, split_out=1)
    delays = ddf.map_partitions(_forward_part, index, True,
                                meta=_meta({**_EDGE_META, "delay": "int64"}))
    agg, delays = _compute(agg, delays[["source", "target", "delay"]])
    agg = agg.reset_index()
    if len(delays):
        lists = delays.groupby(["source", "target"])["delay"].agg(
            lambda v: [int(x) for x in v])
        agg["median_delay"] = [
            _median_ns(lists.get((s, t))) for s, t in zip(agg["source"], agg["target"])]
    else:
        agg["median_delay"] = None
    return edge_table(agg, kind="forward", min_weight=min_weight, delay=True)


def _mention_values(part: pd.DataFrame) -> pd.DataFrame:
    """A partition's distinct (platform, value) pairs of mentions and links."""
    from ..network import mention_values

    return mention_values(part)[["platform", "value"]].drop_duplicates()


def _mention_part(part: pd.DataFrame, targets: dict, self_mentions: bool) -> pd.DataFrame:
    """A partition's :func:`~workbench.network.mention_rows` (through the ``targets`` of the
    whole store) as rows to aggregate, as :func:`_forward_part` gives them."""
    from ..network import mention_rows

    rows = mention_rows(part, targets=targets, self_mentions=self_mentions)
    t = rows["date"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    return pd.DataFrame({"source": rows["source"].astype(str).to_numpy(dtype=object),
                         "target": rows["target"].to_numpy(dtype=object),
                         "weight": np.ones(len(rows), dtype=np.int64), "first": t, "last": t,
                         "resolved": rows["resolved"].to_numpy(dtype=bool)})


def mention_edges(store, *, channels=None, min_weight: int = 1,
                  self_mentions: bool = False) -> pd.DataFrame:
    """:func:`workbench.network.mention_edges` of a store, on Dask."""
    from ..network import edge_table, mention_targets

    ddf = _messages(store, ["platform", "channel_id", "date", "mentions", "links"])
    if ddf is None:
        return edge_table(pd.DataFrame(), kind="mention", min_weight=min_weight)
    (values,) = _compute(ddf.map_partitions(
        _mention_values, meta=_meta({"platform": object, "value": object})).drop_duplicates(
        split_out=1))
    targets = mention_targets(zip(values["platform"], values["value"]), channels)
    rows = ddf.map_partitions(_mention_part, targets, self_mentions, meta=_meta(_EDGE_META))
    (agg,) = _compute(rows.groupby(["source", "target"]).agg(_EDGE_AGG, split_out=1))
    return edge_table(agg.reset_index(), kind="mention", min_weight=min_weight)


# ---------------------------------------------------------------------------------------------
# Volumes
# ---------------------------------------------------------------------------------------------
def _labelled(part: pd.DataFrame, labels: dict | None, by: str | None):
    if labels is None or by is None or by in part.columns:
        return part[by] if by is not None else None
    return part["channel_id"].map(labels)


def _volume_rows(part: pd.DataFrame, freq, tz, first, by, weight, labels, patterns=None,
                 text_col=None):
    from ..timeline import PeriodBinner

    from ._duckdb import _group, period_rows

    binner = PeriodBinner(freq, tz, [pd.Timestamp(first, tz="UTC")])
    out = period_rows(binner, part["date"], by=_labelled(part, labels, by),
                      weight=part[weight] if weight else None,
                      texts=part[text_col] if patterns else None, patterns=patterns or ())
    grouped = _group(out, by is not None)
    if by is not None:
        grouped["_by"] = grouped["_by"].astype(object)
    return grouped


def _reduce(store, *, freq, by, tz, weight, patterns=None, text_col="text"
            ) -> pd.DataFrame | None:
    """:func:`~._duckdb.reduce_volume` on the cluster: per partition the period rows
    (:func:`~._duckdb.period_rows`), grouped, then combined by Dask's tree reduction."""
    from .. import schema
    from ._duckdb import _first_ns, _reduced_frame

    cols = ["date", "channel_id"]
    labels = None
    if by is not None:
        if by in schema.MESSAGES:
            cols.append(by)
        else:
            table = store.channels()
            labels = {c: (None if pd.isna(v) else v)
                      for c, v in zip(table["channel_id"], table[by])}
    if weight is not None and weight not in cols:
        cols.append(weight)
    if patterns:
        cols.append(text_col)
    # The earliest instant aligns the periods: DuckDB reads it from the date column alone,
    # rather than a first pass over every partition.
    first = _first_ns(store)
    if first is None:
        return None
    ddf = _messages(store, list(dict.fromkeys(cols)))
    meta = {"_key": pd.Series(dtype="int64")}
    if by is not None:
        meta["_by"] = pd.Series(dtype=object)
    meta.update({"_t": pd.Series(dtype="int64"), "_w": pd.Series(dtype="float64")})
    for k in range(len(patterns or [])):
        meta[f"_h{k}"] = pd.Series(dtype="int64")
    rows = ddf.map_partitions(_volume_rows, freq, tz, first, by, weight, labels, patterns,
                              text_col, meta=pd.DataFrame(meta))
    keys = ["_key", "_by"] if by is not None else ["_key"]
    agg = {"_t": "min", "_w": "sum", **{f"_h{k}": "sum" for k in range(len(patterns or []))}}
    (total,) = _compute(rows.groupby(keys, dropna=False).agg(agg, split_out=1))
    total = total.reset_index().sort_values("_t", kind="stable")
    return _reduced_frame(store, total, by)


def message_volume(store, *, freq: str = "D", by: str | None = None, tz: str = "UTC",
                   weight: str | None = None, start=None, end=None,
                   date_col: str = "date") -> pd.DataFrame:
    """:func:`workbench.timeline.message_volume` of a store, on Dask."""
    from ._duckdb import volume_of

    return volume_of(store, _reduce, freq=freq, by=by, tz=tz, weight=weight, start=start,
                     end=end, date_col=date_col)


def _reduce_keywords(store, patterns, *, freq, by, tz, text_col):
    return _reduce(store, freq=freq, by=by, tz=tz, weight=None, patterns=patterns,
                   text_col=text_col)


def keyword_trend(store, terms, *, freq: str = "D", by: str | None = None, tz: str = "UTC",
                  text_col: str = "text", date_col: str = "date") -> pd.DataFrame:
    """:func:`workbench.timeline.keyword_trend` of a store, on Dask (texts normalised and
    matched per partition)."""
    from ._duckdb import trend_of

    return trend_of(store, terms, _reduce_keywords, freq=freq, by=by, tz=tz,
                    text_col=text_col, date_col=date_col)


def find_crossposts(store, *, channels: pd.DataFrame | None = None, threshold: float = 0.4,
                    window="7D", min_chars: int = 20, random_state: int = 0) -> pd.DataFrame:
    """:func:`workbench.crosspost.find_crossposts` of a store, its texts shingled and signed
    on the cluster (:func:`text_index_dask`, :func:`candidate_pairs_dask`)."""
    from ._crosspost import crossposts

    return crossposts(store, channels=channels, threshold=threshold, window=window,
                      min_chars=min_chars, random_state=random_state, dask=True)


# ---------------------------------------------------------------------------------------------
# Cross-posting candidates
# ---------------------------------------------------------------------------------------------
def scratch(store) -> str:
    """A scratch folder inside the store (storage the workers share with this process)."""
    folder = store.path / "scratch" / uuid.uuid4().hex[:12]
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)


def _shingle_chunk(path: str, out: str):
    """Normalise and shingle one chunk of texts; hashes to ``out``; per-text arrays back."""
    import pyarrow.parquet as pq

    from ..crosspost import normalise_texts, similarity, text_keys

    texts = pq.read_table(path, columns=["text"]).column("text")
    codes, offsets = normalise_texts(texts)
    lengths = np.diff(offsets)
    keys = text_keys(codes, offsets)
    h, counts = similarity.shingle_hashes(codes, offsets)
    np.ascontiguousarray(h, dtype=np.uint32).tofile(out)
    os.unlink(path)
    return lengths, keys, counts


def text_index_dask(store, n: int, channel: np.ndarray, needs_key: np.ndarray, folder: str, *,
                    random_state: int, chunk: int = 200_000):
    """The memory-mapped shingle index of the store's texts, shingled on the cluster: this
    process streams the texts in message order into chunk files, workers shingle them."""
    import shutil

    import pyarrow as pa
    import pyarrow.parquet as pq

    from ._crosspost import _texts, mapped_index

    client = current_client()
    futures, outs = [], []
    for k, texts in enumerate(_texts(store, chunk)):
        path = os.path.join(folder, f"texts-{k:05d}.parquet")
        pq.write_table(pa.table({"text": texts}), path)
        outs.append(os.path.join(folder, f"shingles-{k:05d}.u32"))
        futures.append(client.submit(_shingle_chunk, path, outs[-1], pure=False))
    results = client.gather(futures)
    lengths = np.concatenate([r[0] for r in results]) if results else np.zeros(0, np.int64)
    text_key = np.concatenate([r[1] for r in results]) if results else np.zeros(0, np.uint64)
    counts = [r[2] for r in results]
    path = os.path.join(folder, "shingles.u32")
    with open(path, "wb") as fh:
        for out in outs:
            with open(out, "rb") as src:
                shutil.copyfileobj(src, fh, 1 << 24)
            os.unlink(out)
    return mapped_index(path, counts, channel, random_state=random_state), lengths, text_key


def _signature_block(hashes_path: str, total: int, starts_path: str, docs: np.ndarray, lo: int,
                     table: np.ndarray, seeds: np.ndarray, sig_path: str,
                     n_docs: int) -> int:
    """MinHash signatures of ``docs`` (positions ``lo..`` among the eligible texts), as
    :func:`~workbench.crosspost.similarity.candidate_pairs` computes them, written into the
    shared signature file (band-major: each band's columns of all texts are contiguous, so a
    band's task reads only its own)."""
    from ..crosspost import similarity as sim

    hashes = np.memmap(hashes_path, dtype=np.uint32, mode="r", shape=(total,))
    starts = np.load(starts_path, mmap_mode="r")
    block = sim.signatures(sim.ShingleIndex(hashes, starts, table), docs, lo, seeds)
    sig = np.memmap(sig_path, dtype=np.uint32, mode="r+", shape=(sim.BANDS, n_docs, sim.ROWS))
    sig[:, lo:lo + len(docs), :] = block.reshape(len(docs), sim.BANDS, sim.ROWS).transpose(
        1, 0, 2)
    sig.flush()
    return len(docs)


def _band_pairs(sig_path: str, n_docs: int, band: int, split: int, split_bits: int,
                rank_path: str, times_path: str, window: int) -> np.ndarray:
    """The candidate pairs one LSH band gives (or the part of it whose buckets start with
    ``split`` in their top ``split_bits`` bits): bucket keys of all texts, sorted with their
    time rank, each text paired with its NEIGHBOURS successors within ``window``."""
    from ..crosspost import similarity as sim

    sig = np.memmap(sig_path, dtype=np.uint32, mode="r", shape=(sim.BANDS, n_docs, sim.ROWS))
    key = sim.band_key(np.asarray(sig[band]), band)
    rank = np.load(rank_path, mmap_mode="r")
    sorted_times = np.load(times_path, mmap_mode="r")
    by_time = np.empty(n_docs, dtype=np.int64)
    by_time[rank] = np.arange(n_docs, dtype=np.int64)
    rank = np.asarray(rank, dtype=np.uint64)
    if split_bits:
        sel = (key >> np.uint64(64 - split_bits)) == np.uint64(split)
        key, rank = key[sel], rank[sel]
    pairs = sim.bucket_pairs(key, rank, by_time, np.asarray(sorted_times), n_docs, window)
    if not pairs:
        return np.zeros((0, 2), dtype=np.int64)
    return sim.unique_pairs(sim.ordered_pairs(np.concatenate(pairs)))


#: Texts per band task; above it a band is split by the top bits of its bucket keys so that
#: a task's memory stays bounded (about 40 bytes per text).
BAND_TASK_TEXTS = 50_000_000


def candidate_pairs_dask(index, docs: np.ndarray, times: np.ndarray, window: int, *,
                         min_estimate: float = 0.0, random_state: int = 0,
                         chunk: int = 100_000) -> np.ndarray:
    """:func:`~workbench.crosspost.similarity.candidate_pairs` on the cluster: signatures
    per chunk of texts, then one task per LSH band (the band's keys of all texts meet on one
    worker, through the shared signature file) pairing time neighbours per bucket; the same
    pairs."""
    from ..crosspost import similarity as sim

    if len(docs) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    if not isinstance(index.hashes, np.memmap):
        raise ParameterError("candidate_pairs_dask needs a memory-mapped shingle index")
    client = current_client()
    seeds = sim.hash_family(random_state)
    k = sim.ROWS * sim.BANDS
    hashes_path = index.hashes.filename
    folder = os.path.dirname(hashes_path)
    total = len(index.hashes)
    n = len(docs)
    starts_path = os.path.join(folder, "starts.npy")
    np.save(starts_path, index.starts)
    sig_path = os.path.join(folder, "signatures.u32")
    np.memmap(sig_path, dtype=np.uint32, mode="w+", shape=(sim.BANDS, n, sim.ROWS)).flush()
    bounds = list(range(0, n, chunk)) + [n]
    spans = list(zip(bounds[:-1], bounds[1:]))
    table_f = client.scatter(index.table, broadcast=True)
    done = client.map(_signature_block, [hashes_path] * len(spans), [total] * len(spans),
                      [starts_path] * len(spans), [docs[lo:hi] for lo, hi in spans],
                      [lo for lo, _ in spans], [table_f] * len(spans), [seeds] * len(spans),
                      [sig_path] * len(spans), [n] * len(spans),
                      pure=False)
    client.gather(done)

    by_time = np.argsort(times, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[by_time] = np.arange(n, dtype=np.int64)
    rank_path = os.path.join(folder, "rank.npy")
    times_path = os.path.join(folder, "times.npy")
    np.save(rank_path, rank)
    np.save(times_path, np.asarray(times)[by_time])
    del rank, by_time
    split_bits = max(0, int(np.ceil(np.log2(max(1.0, n / BAND_TASK_TEXTS)))))
    tasks = [(band, split) for band in range(sim.BANDS) for split in range(1 << split_bits)]
    futures = client.map(_band_pairs, [sig_path] * len(tasks), [n] * len(tasks),
                         [t[0] for t in tasks], [t[1] for t in tasks],
                         [split_bits] * len(tasks), [rank_path] * len(tasks),
                         [times_path] * len(tasks), [window] * len(tasks), pure=False)
    found = [f for f in client.gather(futures) if len(f)]
    if not found:
        p = np.zeros((0, 2), dtype=np.int64)
    else:
        p = sim.unique_pairs(np.concatenate(found))
    sig = np.memmap(sig_path, dtype=np.uint32, mode="r", shape=(sim.BANDS, n, sim.ROWS))
    estimate = np.zeros(len(p))
    for lo in range(0, len(p), 500_000):
        part = p[lo:lo + 500_000]
        same = np.zeros(len(part))
        for band in range(sim.BANDS):
            block = sig[band]
            same += (block[part[:, 0]] == block[part[:, 1]]).sum(axis=1)
        estimate[lo:lo + 500_000] = same / k
    del sig
    for path in (sig_path, rank_path, times_path, starts_path):
        os.unlink(path)
    p = p[estimate >= min_estimate]
    return sim.unique_pairs(sim.ordered_pairs(docs[p]))
