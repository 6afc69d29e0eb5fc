"""Ingest: exports into a store, in bounded memory, idempotent and atomic.

Inputs are found by the folder walk of :func:`workbench.load` and read in batches of files
(about ``batch_bytes`` of decompressed input each) through its read path, optionally in worker
processes (:mod:`._batch`); each batch's messages are written as Parquet under the store's
staging folder. Batches are then checked against what the store (and earlier batches) already
hold, by ``(channel_id, message_id)`` (:mod:`._dedupe`):

* a message the store lacks is **added**;
* one stored with the same content (everything but ``source``) is **unchanged** and not
  written again, so ingesting the same export twice, or a re-export, adds nothing new;
* one whose content differs (an edit) replaces the stored row when its export is newer
  (the later last-message date, then the later ingest) — **updated** — and is ignored when
  older; files holding replaced rows are rewritten (copy on write).

An input file whose SHA-256 the ingest log already holds is skipped without being read.
Nothing is visible until the manifest is replaced at the end (see :mod:`._layout`).
"""

from __future__ import annotations

import copy
import hashlib
import os
import secrets
import shutil
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..corpus import Corpus
from ..errors import WorkbenchError, WorkbenchWarning
from ..folders import is_saved_corpus
from ..progress import progress_bar
from ..io.sources import Source, walk
from . import _tables as T
from ._batch import public_names_of_batch, read_batch, read_corpus_batch
from ._dedupe import IngestState
from ._layout import (STAGING, STORE_FILE, TABLES, now_iso, read_manifest,
                      write_lock, write_manifest)

__all__ = ["ingest", "set_labels", "DEFAULT_BATCH_BYTES"]

#: Decompressed input bytes per batch: what one worker holds in memory at a time (a loader
#: needs about 3x the bytes it reads).
DEFAULT_BATCH_BYTES = 256 << 20
#: Compressed inputs count this many times their size towards a batch.
_COMPRESSED_FACTOR = 8
#: Below this much input, reading runs in this process (worker start-up costs seconds).
_PARALLEL_MIN_BYTES = 96 << 20
REPORT_COLUMNS = ["path", "status", "loaded", "added", "updated", "unchanged", "older",
                  "service", "rejected"]


# ---------------------------------------------------------------------------------------------
# The ingest (in this process, holding the store's lock)
# ---------------------------------------------------------------------------------------------
def _inputs(paths, own: Path | None = None) -> tuple[list[dict], list[str]]:
    """Every input file (or corpus) under ``paths``, in load order, and the warnings of the
    folder walks (the same as wb.load's: saved corpora and stores inside are left out; the
    store ingested into, ``own``, without a word)."""
    if isinstance(paths, (str, os.PathLike, Corpus)):
        paths = [paths]
    found: list[dict] = []
    notes: list[str] = []
    for item in paths:
        if isinstance(item, Corpus):
            found.append({"kind": "corpus", "corpus": item, "path": None,
                          "label": "corpus", "size": 0, "strict": True})
            continue
        root = Path(item)
        if is_saved_corpus(root):
            size = sum(p.stat().st_size for p in root.iterdir() if p.is_file())
            found.append({"kind": "corpus", "corpus": root, "path": str(root),
                          "label": root.name, "size": size, "strict": True})
            continue
        walked = walk(root)  # raises for a missing path, a store, a folder without exports
        if own is not None:
            walked.stores = [p for p in walked.stores if not _same(p, own)]
        notes.extend(walked.notes)
        for s in walked.sources:
            found.append({"kind": "file", "path": str(s.path), "label": s.label,
                          "size": s.size, "strict": root.is_file()})
    return found, notes


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _sha256(item: dict) -> str | None:
    if item["kind"] == "corpus":
        if item["path"] is None:
            return None
        digest = hashlib.sha256()
        for p in sorted(Path(item["path"]).iterdir()):
            if p.is_file():
                digest.update(p.name.encode())
                digest.update(p.read_bytes())
        return digest.hexdigest()
    return Source(Path(item["path"]), item["label"], item["size"]).hash_file()


def _estimate(item: dict) -> int:
    if item["kind"] == "file":
        try:
            compressed = Source(Path(item["path"]), item["label"]).compression is not None
        except OSError:
            compressed = False
        return item["size"] * (_COMPRESSED_FACTOR if compressed else 1)
    return max(item["size"], 1) * 4


def _batches(items: list[dict], budget: int) -> list[list[dict]]:
    batches: list[list[dict]] = []
    current: list[dict] = []
    used = 0
    for item in items:
        if item["kind"] == "corpus":
            if current:
                batches.append(current)
                current, used = [], 0
            batches.append([item])
            continue
        est = _estimate(item)
        if current and used + est > budget:
            batches.append(current)
            current, used = [], 0
        current.append(item)
        used += est
    if current:
        batches.append(current)
    return batches


def _cleanup(root: Path, meta: dict) -> None:
    """Remove what an interrupted ingest left and files no longer in the manifest."""
    shutil.rmtree(root / STAGING, ignore_errors=True)
    listed = {e["path"] for t in TABLES for e in meta["tables"][t]}
    for table in TABLES:
        folder = root / table
        if not folder.is_dir():
            continue
        for path in folder.rglob("*.parquet"):
            rel = path.relative_to(root).as_posix()
            if rel not in listed and STORE_FILE.match(path.name):
                path.unlink(missing_ok=True)
    for tmp in root.glob(".store.json.tmp-*"):
        tmp.unlink(missing_ok=True)


def _remove_staging(root: Path, staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
    try:
        (root / STAGING).rmdir()
    except OSError:  # not empty (never, under the lock) or gone
        pass


def _write_table(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd")


def ingest(store, paths, *, channels=None, tz="UTC", format: str | None = None,
           channel_id=None, pseudonymise: str | None = None, progress: bool | None = None,
           workers: int | None = None, batch_bytes: int | None = None,
           _on_batch=None) -> pd.DataFrame:
    """Add exports to a store: idempotent, atomic, in bounded memory.

    Parameters
    ----------
    store : Store
    paths : path, Corpus, or a list of them
        Anything :func:`workbench.load` reads: files, folders (searched recursively; saved
        corpora and stores inside are left out with a warning, as by ``wb.load``), saved
        corpus folders; also in-memory :class:`~workbench.Corpus` objects.
    channels : DataFrame or CSV path, optional
        Analyst labels (as ``wb.load(channels=...)``); stored with this ingest, they replace
        earlier labels and apply to every channel of the store.
    tz, format, channel_id, pseudonymise
        As in :func:`workbench.load`. With ``pseudonymise`` everything is pseudonymised as
        ``wb.load`` does before anything is written (:mod:`workbench.privacy`); the inputs are
        then read twice, first for the names of their public channels, so that a forward
        known by its source's name only keeps it exactly when it may resolve to a public
        channel of this ingest (a name seen only in earlier ingests is not looked up).
    progress : bool, optional
        A progress bar over the input bytes (off with ``WORKBENCH_PROGRESS=0``).
    workers : int, optional
        Processes reading inputs in parallel; default: one per core, up to 4, for large
        inputs (more than about 100 MB), else none (this process reads).
    batch_bytes : int, optional
        Decompressed input bytes read together (default 256 MB): each reading process holds
        about three times this in memory at most (a single larger file is read alone).

    Returns
    -------
    DataFrame
        One row per input: ``path``, ``status`` (``ingested``, ``skipped: already in the
        store`` when its SHA-256 is in the ingest log, ``skipped: same content as <path>``,
        ``unreadable`` when no record could be read, see ``rejected``), ``loaded``,
        ``added``, ``updated``, ``unchanged``, ``older``, ``service``, ``rejected``.

    Raises
    ------
    StoreLockedError
        If another process is ingesting into the same store.
    LoadError
        If a path does not exist, or a single file given by path cannot be read (nothing is
        committed then).
    """
    import multiprocessing

    from ..io.builder import resolve_tz
    from ..io.labels import read_labels

    if getattr(multiprocessing.current_process(), "_inheriting", False):
        # A reading process re-running the analyst's script on start-up (spawn).
        raise WorkbenchError(
            "store.ingest was called while a worker process was starting: a script that "
            "ingests must do so under `if __name__ == \"__main__\":` (as any script using "
            "multiprocessing), or pass workers=1")
    resolve_tz(tz)  # a bad zone fails before anything is read
    if pseudonymise is not None and (not isinstance(pseudonymise, str) or not pseudonymise):
        from ..errors import ParameterError

        raise ParameterError("pseudonymise= needs a non-empty salt string (keep it secret)")
    if format is not None:
        from ..io import detect

        detect.get_format(format)
    label_table = frame = None
    if channels is not None:
        frame = read_labels(channels)
        label_table = pa.Table.from_pandas(frame, preserve_index=False)
    root = store.path
    budget = int(batch_bytes or DEFAULT_BATCH_BYTES)
    items, notes = _inputs(paths if paths is not None else [], own=store.path)
    with write_lock(root):
        meta = read_manifest(root)
        _cleanup(root, meta)
        seq = int(meta["next_ingest"])
        ingest_id = f"{seq:06d}-{secrets.token_hex(4)}"
        known = _known_hashes(root, meta)
        with ThreadPoolExecutor(max_workers=2) as pool:
            hashes = list(pool.map(_sha256, items))
        report = []
        todo = []
        seen: dict[str, str] = {}
        for k, (item, sha) in enumerate(zip(items, hashes)):
            item["sha256"] = sha
            row = {"path": item["label"], "status": "ingested", "loaded": 0, "added": 0,
                   "updated": 0, "unchanged": 0, "older": 0, "service": 0, "rejected": 0}
            if sha is not None and sha in known:
                row["status"] = "skipped: already in the store"
            elif sha is not None and sha in seen:
                row["status"] = f"skipped: same content as {seen[sha]}"
            else:
                if sha is not None:
                    seen[sha] = item["label"]
                item["index"] = len(todo)
                todo.append(item)
            item["row"] = row
            report.append(row)
        state = IngestState(root, meta, seq, ingest_id, _on_batch)
        try:
            if todo:
                _run(state, todo, budget, progress, workers,
                     {"tz": tz, "format": format, "channel_id": channel_id, "labels": frame,
                      "pseudonymise": pseudonymise})
            _commit(state, todo, label_table)
        except BaseException:
            _remove_staging(root, state.staging)
            raise
    bad = [r["path"] for r in report if r["status"] == "unreadable"]
    if bad:
        notes.append(f"{len(bad)} of {len(todo)} file(s) could not be read and are listed in "
                     f"the store's rejected table: {bad[:5]}" + (" ..." if len(bad) > 5 else ""))
    for message in dict.fromkeys(state.warnings + notes):
        warnings.warn(message, WorkbenchWarning, stacklevel=3)
    store._refresh()
    return pd.DataFrame(report, columns=REPORT_COLUMNS)


def _known_hashes(root: Path, meta: dict) -> set[str]:
    known = set()
    for entry in meta["tables"]["log"]:
        table = pq.read_table(root / entry["path"], columns=["sha256"])
        known.update(v for v in table.column("sha256").to_pylist() if v)
    return known


def _run(state: IngestState, todo: list[dict], budget: int, progress, workers, options: dict
         ) -> None:
    batches = _batches(todo, budget)
    jobs = []
    for no, batch in enumerate(batches):
        job = {"batch": no, "seq": state.seq, "ingest_id": state.ingest_id,
               "staging": str(state.staging), **options,
               "inputs": [{k: v for k, v in item.items()
                           if k in ("path", "label", "size", "sha256", "index", "strict")}
                          for item in batch]}
        if batch[0]["kind"] == "corpus":
            job["corpus"] = batch[0]["corpus"]
        jobs.append(job)
    total = sum(item["size"] for item in todo)
    est = sum(_estimate(item) for item in todo)
    n_workers = workers if workers is not None else (
        min(os.cpu_count() or 1, 4) if est >= _PARALLEL_MIN_BYTES else 1)
    n_workers = max(1, min(int(n_workers), len(jobs)))
    if options.get("pseudonymise"):
        names: set[str] = set()
        for job in jobs:
            if "corpus" not in job:
                names.update(public_names_of_batch(job)["names"])
        for job in jobs:
            job["public_names"] = sorted(names)
    bar = progress_bar(total, progress, desc="ingesting")
    state.staging.mkdir(parents=True, exist_ok=True)
    try:
        if n_workers == 1:
            for job in jobs:
                result = read_corpus_batch(job) if "corpus" in job else read_batch(job)
                _accepted(state, job, result, bar)
        else:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(max_workers=n_workers,
                                     mp_context=mp.get_context("spawn")) as pool:
                futures = []
                try:
                    for job in jobs:
                        futures.append(None if "corpus" in job
                                       else pool.submit(read_batch, job))
                    for job, fut in zip(jobs, futures):
                        result = read_corpus_batch(job) if fut is None else fut.result()
                        _accepted(state, job, result, bar)
                except BaseException:
                    for fut in futures:
                        if fut is not None:
                            fut.cancel()
                    raise
    finally:
        if bar is not None:
            bar.close()


def _accepted(state: IngestState, job: dict, result: dict, bar) -> None:
    state.accept(result)
    if bar is not None:
        bar.update(sum(inp["size"] for inp in job["inputs"]))
    state.on_batch("batch", job["batch"] + 1)


def _commit(state: IngestState, todo: list[dict], label_table) -> None:
    root, staging, iid = state.root, state.staging, state.ingest_id
    replaced = state.apply_drops()
    when = pd.Timestamp.now(tz="UTC")
    # Per input: what the reader found, and what the store did with it.
    log_rows = []
    by_index = {item["index"]: item for item in todo}
    for info in state.info:
        item = by_index[info["input"]]
        counts = state.counts.get(info["input"], {})
        row = item["row"]
        row.update(loaded=int(info["loaded"]), service=int(info["service"]),
                   rejected=int(info["rejected"]), **{k: int(counts.get(k, 0)) for k in (
                       "added", "updated", "unchanged", "older")})
        if info["loaded"] == 0 and info["records"] == info["rejected"] and info["rejected"]:
            row["status"] = "unreadable"
        log_rows.append({"ingest": iid, "ingested_at": when, "path": info["path"],
                         "format": info["format"], "size": int(info["size"]),
                         "sha256": info["sha256"], "records": int(info["records"]),
                         "loaded": int(info["loaded"]), "service": int(info["service"]),
                         "rejected": int(info["rejected"]), "merged": int(info["merged"]),
                         **{k: int(counts.get(k, 0)) for k in ("added", "updated",
                                                               "unchanged", "older")},
                         "_ingest": state.seq, "_input": info["input"]})
    tables: dict[str, pa.Table] = {}
    if log_rows:
        tables["log"] = T.to_arrow(pd.DataFrame(log_rows), T.LOG)
    for name, parts, schema_ in (("parts", state.parts, T.PARTS),
                                 ("service", state.service, T.SERVICE),
                                 ("rejected", state.rejected, T.REJECTED)):
        nonempty = [p for p in parts if p.num_rows]
        if nonempty:
            tables[name] = pa.concat_tables(nonempty).cast(schema_)
    new_files = {rel: e for rel, e in state.live.items() if e["staged"]}
    if new_files:
        index_rows = [(rel, c, n) for rel, e in sorted(new_files.items())
                      for c, n in sorted(e["channels"].items())]
        tables["index"] = pa.table({"file": [r[0] for r in index_rows],
                                    "channel_id": [r[1] for r in index_rows],
                                    "rows": [r[2] for r in index_rows]}, schema=T.INDEX)
    if label_table is not None:
        tables["labels"] = label_table
    if not tables and not new_files and not replaced:
        _remove_staging(root, staging)
        return  # nothing to commit: the store is unchanged (no new generation)
    staged_rels = sorted(new_files)
    for name, table in tables.items():
        rel = f"{name}/{iid}.parquet"
        _write_table(table, staging / rel)
        staged_rels.append(rel)
    meta = copy.deepcopy(state.meta)
    entries = meta["tables"]
    entries["messages"] = [e for e in entries["messages"] if e["path"] not in replaced]
    for rel in sorted(new_files):
        e = new_files[rel]
        entries["messages"].append({"path": rel, "rows": int(e["rows"]),
                                    "size": (staging / rel).stat().st_size,
                                    "platform": e.get("platform"), "month": e.get("month")})
    for name, table in tables.items():
        rel = f"{name}/{iid}.parquet"
        entries[name].append({"path": rel, "rows": int(table.num_rows),
                              "size": (staging / rel).stat().st_size})
    meta["generation"] = int(meta["generation"]) + 1
    meta["next_ingest"] = state.seq + 1
    meta["ingests"].append({"id": iid, "at": now_iso(), "inputs": len(log_rows),
                            "added": sum(r["added"] for r in log_rows),
                            "updated": sum(r["updated"] for r in log_rows),
                            "replaced_files": len(replaced)})
    # Move the staged files into place; until the manifest is replaced they are not part of
    # the store (an interrupted ingest's files are removed by the next ingest).
    for k, rel in enumerate(staged_rels):
        dst = root / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / rel, dst)
        state.on_batch("commit", k + 1)
    write_manifest(root, meta)
    for rel in replaced:
        (root / rel).unlink(missing_ok=True)
    _remove_staging(root, staging)


def set_labels(store, labels) -> None:
    """Store analyst labels; see :meth:`Store.set_labels`."""
    ingest(store, [], channels=labels, progress=False)
