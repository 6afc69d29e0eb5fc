"""Corpora larger than memory: the store's ingest, and the analyses on each backend.

Corpus: Telegram Desktop full-account exports written by the generator
(:func:`workbench.synth.write_desktop_export`), 10^5 messages of 100 channels per file, at
10^6 messages over 10^3 channels and 10^7 over 10^4 (the records are drawn from a generated
world, so texts repeat across channels far more than in the wild). Cross-posting runs on the
cross-posting benchmark's corpus instead (:func:`bench.crosspost.make_corpus`: planted
near-duplicate clusters in a Zipfian vocabulary), ingested into a store as a Corpus.

Rows (each step in a forked child; ``peak_MB`` is that process's high-water mark above its
start, ``worker_peak_MB`` the largest of its child processes: ingest readers, Dask workers):

* ``ingest``: ``store.ingest`` of the export folder (readers in parallel processes);
  ``MB/s`` of JSON read; ``store_MB`` and ``store/raw`` the store's size on disk;
* ``forward edges`` and ``daily volume by channel`` (``message_volume(by="channel_id")``)
  with (a) ``pandas``: ``wb.load`` then the in-memory function (``load_s`` is the load; only
  where it fits in memory), (b) ``duckdb``: the store (``memory_limit`` 6 GB), (c) ``dask-1``
  and ``dask-2``: the store on a ``LocalCluster`` of 1 or 2 single-threaded worker processes
  (cluster start-up not timed);
* ``crosspost``: ``find_crossposts`` on each backend, with the clusters found.

Every backend must return the same ``result`` for a step (edge count, message total,
clusters); :func:`run` fails otherwise.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd

from ._measure import measure_tree

SIZES = [(10**6, 1_000), (10**7, 10_000)]
QUICK_SIZES = [(6_000, 30)]
PER_FILE = 100_000
QUICK_PER_FILE = 2_000
#: pandas runs where the loaded corpus fits comfortably (about 2 GB per 10^6 messages).
PANDAS_MAX = 2_000_000
CROSSPOST_SIZES = (100_000, 1_000_000)
QUICK_CROSSPOST = (3_000,)
DUCKDB_MEMORY = "6GB"


# ---------------------------------------------------------------------------------------------
# Steps (module level: they run in forked children)
# ---------------------------------------------------------------------------------------------
def _ingest(folder: str, store_path: str) -> dict:
    import workbench as wb

    store = wb.open_store(store_path)
    report = store.ingest(folder, progress=False)
    return {"messages": int(report["added"].sum())}


def _analysis(store, step: str):
    from workbench.network import forward_edges
    from workbench.timeline import message_volume

    if step == "forward edges":
        return len(forward_edges(store))
    if step == "daily volume by channel":
        return int(message_volume(store, by="channel_id").to_numpy().sum())
    if step == "crosspost":
        from workbench.crosspost import find_crossposts

        return int(find_crossposts(store)["cluster_id"].nunique())
    raise ValueError(step)


def _pandas(source: str, step: str) -> dict:
    import workbench as wb

    start = time.perf_counter()
    if source.endswith(".pkl"):
        corpus = pd.read_pickle(source)
    else:
        corpus = wb.load(source, progress=False)
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    data = corpus if step == "crosspost" else corpus.messages
    result = _analysis(data, step)
    return {"seconds": time.perf_counter() - start, "load_s": loaded, "result": result}


def _duckdb(store_path: str, step: str) -> dict:
    import workbench as wb

    store = wb.open_store(store_path, backend="duckdb", memory_limit=DUCKDB_MEMORY)
    return {"result": _analysis(store, step)}


def _dask(store_path: str, step: str, workers: int) -> dict:
    import logging

    from distributed import Client, LocalCluster

    import workbench as wb

    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None, memory_limit=0,
                      silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client:
        client.wait_for_workers(workers)
        client.run(_warm)  # workers import the workbench before the clock starts
        wb.use_cluster(client)
        store = wb.open_store(store_path, backend="dask")
        start = time.perf_counter()
        result = _analysis(store, step)
        seconds = time.perf_counter() - start
        wb.use_cluster(None)
    return {"seconds": seconds, "result": result}


def _warm() -> None:
    import workbench.store._dask  # noqa: F401


# ---------------------------------------------------------------------------------------------
def _write_exports(folder: Path, n: int, n_channels: int, per_file: int) -> int:
    from workbench.synth import write_desktop_export

    files = max(1, math.ceil(n / per_file))
    channels_per_file = max(1, n_channels // files)
    for k in range(files):
        count = min(per_file, n - k * per_file)
        write_desktop_export(folder / f"export-{k:04d}" / "result.json", count, seed=k,
                             n_channels=channels_per_file)
    return sum(p.stat().st_size for p in folder.rglob("*.json"))


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _row(rows, **values):
    rows.append(values)


def _backends(rows, n, channels, step, store_path, pandas_source, quick):
    if pandas_source is not None:
        seconds, peak, _, out = measure_tree(_pandas, pandas_source, step)
        _row(rows, messages=n, channels=channels, step=step, backend="pandas",
             seconds=seconds, load_s=out["load_s"], peak_MB=peak / 1e6, result=out["result"])
    else:
        _row(rows, messages=n, channels=channels, step=step, backend="pandas",
             note=f"skipped: about {2 * n / 1e6:.0f} GB in memory")
    seconds, peak, _, out = measure_tree(_duckdb, store_path, step)
    _row(rows, messages=n, channels=channels, step=step, backend="duckdb", seconds=seconds,
         peak_MB=peak / 1e6, result=out["result"])
    for workers in (() if quick and step != "forward edges" else (1,) if quick else (1, 2)):
        seconds, peak, child, out = measure_tree(_dask, store_path, step, workers)
        _row(rows, messages=n, channels=channels, step=step, backend=f"dask-{workers}",
             seconds=seconds, peak_MB=peak / 1e6, worker_peak_MB=child / 1e6,
             result=out["result"])


def run(*, quick: bool = False) -> pd.DataFrame:
    os.environ.setdefault("WORKBENCH_PROGRESS", "0")
    rows: list[dict] = []
    base = Path(tempfile.mkdtemp(prefix="wb-bench-store-"))
    try:
        for n, n_channels in (QUICK_SIZES if quick else SIZES):
            folder = base / f"exports-{n}"
            raw = _write_exports(folder, n, n_channels, QUICK_PER_FILE if quick else PER_FILE)
            store_path = base / f"store-{n}"
            seconds, peak, child, out = measure_tree(_ingest, str(folder), str(store_path))
            stored = _size(store_path)
            _row(rows, messages=n, channels=n_channels, step="ingest", backend="store",
                 seconds=seconds, peak_MB=peak / 1e6, worker_peak_MB=child / 1e6,
                 **{"MB/s": raw / 1e6 / seconds}, raw_MB=raw / 1e6, store_MB=stored / 1e6,
                 **{"store/raw": stored / raw}, result=out["messages"])
            for step in ("forward edges", "daily volume by channel"):
                _backends(rows, n, n_channels, step, str(store_path),
                          str(folder) if n <= PANDAS_MAX else None, quick)
            shutil.rmtree(folder)
            shutil.rmtree(store_path)
        for n in (QUICK_CROSSPOST if quick else CROSSPOST_SIZES):
            _crosspost(rows, base, n, quick)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    table = pd.DataFrame(rows)
    _check_agreement(table)
    for col in ("seconds", "load_s", "peak_MB", "worker_peak_MB", "MB/s", "raw_MB", "store_MB",
                "store/raw"):
        if col in table.columns:
            table[col] = table[col].astype(float).round(3 if quick else 2)
    return table


def _check_agreement(table: pd.DataFrame) -> None:
    """Every backend must return the same result (edge count, message total, clusters) for
    one step and size; a benchmark of a backend that gives another answer measures nothing."""
    ran = table[table["step"] != "ingest"].dropna(subset=["result"])
    for (n, step), results in ran.groupby(["messages", "step"])["result"]:
        if results.nunique() > 1:
            raise RuntimeError(f"backends disagree on {step} for {n:,} messages: "
                               f"{dict(zip(ran.loc[results.index, 'backend'], results))}")


def _crosspost(rows, base: Path, n: int, quick: bool) -> None:
    import workbench as wb
    from workbench import schema

    from .crosspost import make_corpus

    messages, _truth = make_corpus(n, seed=0)
    ids = messages[["channel_id", "channel"]].drop_duplicates("channel_id")
    channels = schema.conform(pd.DataFrame({
        "channel_id": ids["channel_id"], "platform": "telegram", "kind": "channel",
        "name": ids["channel"], "handle": ids["channel"], "resolved": True}), "channels")
    channels = channels.sort_values("channel_id", ignore_index=True)
    corpus = wb.Corpus(messages.sort_values(["date", "channel_id", "message_id"],
                                            ignore_index=True), channels)
    pickle = base / f"crosspost-{n}.pkl"
    pd.to_pickle(corpus, pickle)
    store_path = base / f"crosspost-store-{n}"
    wb.open_store(store_path).ingest(corpus, progress=False)
    del corpus, messages
    _backends(rows, n, len(channels), "crosspost", str(store_path), str(pickle), quick)
    pickle.unlink()
    shutil.rmtree(store_path)
