"""Ingest: exports into a store, in bounded memory, idempotent and atomic.

Inputs are read in batches of files (about ``batch_bytes`` of decompressed input each) by the
same readers :func:`workbench.load` uses, optionally in worker processes; each batch's
messages are written as Parquet under the store's staging folder. Batches are then checked
against what the store (and earlier batches) already hold, by ``(channel_id, message_id)``:

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

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import schema
from ..corpus import Corpus, read_corpus
from ..errors import WorkbenchError, WorkbenchWarning
from ..folders import is_saved_corpus
from ..ids import normalise_name
from ..io import files as io_files
from ..io.builder import Builder, Part, ns_to_utc
from ..io.privacy import pseudonymise_columns
from ..io.progress import progress_bar
from ..io.sources import Source, walk
from . import _tables as T
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
_NAT = np.iinfo(np.int64).min
_ROW_GROUP = 1 << 17
_KEY = ["channel_id", "message_id"]
REPORT_COLUMNS = ["path", "status", "loaded", "added", "updated", "unchanged", "older",
                  "service", "rejected"]


# ---------------------------------------------------------------------------------------------
# Reading one batch (in a worker process or in this one)
# ---------------------------------------------------------------------------------------------
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser."""
    with np.errstate(over="ignore"):
        z = z ^ (z >> np.uint64(30))
        z = z * _M1
        z = z ^ (z >> np.uint64(27))
        z = z * _M2
        return z ^ (z >> np.uint64(31))


def _list_hash(arr: pa.ListArray) -> np.ndarray:
    """An order-sensitive 64-bit hash of each list of strings."""
    offsets = arr.offsets.to_numpy()
    lengths = np.diff(offsets)
    out = np.zeros(len(lengths), dtype=np.uint64)
    values = arr.values
    if len(values):
        hv = pd.util.hash_array(np.asarray(values.to_pylist(), dtype=object))
        pos = (np.arange(len(values), dtype=np.int64)
               - np.repeat(offsets[:-1], lengths)).astype(np.uint64)
        with np.errstate(over="ignore"):
            mixed = _mix(hv ^ _mix(pos + np.uint64(1)))
            nonempty = lengths > 0
            out[nonempty] = np.add.reduceat(mixed, offsets[:-1][nonempty])
    with np.errstate(over="ignore"):
        return _mix(out + lengths.astype(np.uint64))


def _content_hash(messages: pd.DataFrame, lists: dict[str, pa.ListArray]) -> np.ndarray:
    """A 64-bit hash per row of everything but ``source`` (provenance, not content);
    ``lists`` holds the list columns as Arrow arrays."""
    cols = {}
    for col in schema.MESSAGES:
        if col == "source":
            continue
        values = messages[col]
        if col in schema.LIST_COLUMNS:
            values = pd.Series(_list_hash(lists[col]))
        elif isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object)
        cols[col] = values.reset_index(drop=True)
    hashed = pd.util.hash_pandas_object(pd.DataFrame(cols), index=False)
    return hashed.to_numpy().view(np.int64)


def _fwd_norm(messages: pd.DataFrame) -> pd.arrays.ArrowStringArray:
    names = messages["fwd_from_name"]
    codes, uniques = pd.factorize(names)
    norm = np.asarray([normalise_name(str(n)) for n in uniques] + [None], dtype=object)
    return pd.array(norm[codes], dtype=schema.STRING)


def _months(dates: pd.Series) -> np.ndarray:
    ns = dates.to_numpy(dtype="datetime64[ns]") if not isinstance(
        dates.dtype, pd.DatetimeTZDtype) else dates.dt.tz_convert("UTC").dt.tz_localize(
        None).to_numpy(dtype="datetime64[ns]")
    months = ns.astype("datetime64[M]")
    codes, uniques = pd.factorize(months)
    labels = np.asarray([str(np.datetime64(u, "M")) for u in uniques] + [None], dtype=object)
    return labels[codes]


def _write_messages(frame: pd.DataFrame, job: dict, lists: dict) -> list[dict]:
    """Write rows per (platform, month) into the staging folder, each file sorted by channel
    and message id; returns one entry per file."""
    if not len(frame):
        return []
    table = T.to_arrow(frame, T.MESSAGES, arrays=lists)
    p_codes, p_uniques = pd.factorize(frame["platform"].astype(str), sort=True)
    m_codes, m_uniques = pd.factorize(_months(frame["date"]), sort=True)
    cid_codes, _ = pd.factorize(frame["channel_id"], sort=True)
    g_codes = p_codes.astype(np.int64) * max(len(m_uniques), 1) + m_codes
    order = np.lexsort((frame["message_id"].to_numpy(), cid_codes, g_codes))
    bounds = np.flatnonzero(np.r_[True, g_codes[order][1:] != g_codes[order][:-1], True])
    out = []
    for k, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:])):
        idx = order[lo:hi]
        g = g_codes[idx[0]]
        plat, mon = p_uniques[g // max(len(m_uniques), 1)], m_uniques[g % max(len(m_uniques), 1)]
        rel = (f"messages/platform={plat}/month={mon}/"
               f"{job['ingest_id']}-b{job['batch']}-{k}.parquet")
        path = Path(job["staging"]) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        part = table.take(pa.array(idx))
        pq.write_table(part, path, compression="zstd", row_group_size=_ROW_GROUP)
        counts = frame["channel_id"].iloc[idx].value_counts(sort=False)
        out.append({"path": rel, "rows": int(hi - lo), "platform": str(plat),
                    "month": str(mon),
                    "channels": {str(c): int(n) for c, n in counts.items()},
                    "inputs": {int(i): int(n) for i, n in
                               frame["_input"].iloc[idx].value_counts(sort=False).items()}})
    return out


def _read_batch(job: dict) -> dict:
    """Read the inputs of one batch; write its messages to staging; return the rest."""
    batch = Builder(tz=job["tz"], channel_id=job.get("channel_id"))
    for inp in job["inputs"]:  # the read path of wb.load
        source = Source(Path(inp["path"]), inp["label"], inp["size"])
        io_files.read_file(source, batch, format=job["format"], strict=inp["strict"])
    # Forwards stay unresolved: the store resolves them over everything it holds when read.
    merged = batch.merge(labels=job.get("labels"))
    built = {"messages": merged.messages, "part_max": merged.part_max,
             "part_of_row": merged.part_of_row, "merged_per_file": merged.merged_per_file,
             "merged_service": merged.merged_service}
    return _finish(job, batch.parts, batch.forward_ids, batch.service, batch.rejected,
                   batch.files, batch.warnings, built)


def _finish(job, parts, forward_ids, service, rejected, files, warns, built) -> dict:
    seq, no = job["seq"], job["batch"]
    inputs = [inp["index"] for inp in job["inputs"]]
    messages = built["messages"]
    part_max = built["part_max"]
    part_of_row = built["part_of_row"]
    file_of_part = np.asarray([p.file for p in parts], dtype=np.int64)
    input_of_file = np.asarray(inputs, dtype=np.int64)
    frame = messages[list(schema.MESSAGES)].copy(deep=False)
    salt = job.get("pseudonymise")
    if salt:  # personal data never reaches the disk (as wb.load(pseudonymise=...))
        frame["author_id"], frame["author"] = pseudonymise_columns(
            frame["author_id"], frame["author"], salt)
    lists = {c: T.list_array(frame[c].tolist()) for c in schema.LIST_COLUMNS}
    if len(frame):
        frame["_hash"] = _content_hash(frame, lists)
        frame["_export"] = part_max[part_of_row]
        frame["_ingest"] = np.int32(seq)
        frame["_input"] = input_of_file[file_of_part[part_of_row]].astype(np.int32)
        frame["_fwd_norm"] = _fwd_norm(frame)
    written = _write_messages(frame, job, lists)

    order_base = no << 32
    part_rows = pd.DataFrame({
        "channel_id": [p.channel_id for p in parts], "platform": [p.platform for p in parts],
        "kind": [p.kind for p in parts], "name": [p.name for p in parts],
        "handle": [p.handle for p in parts], "resolved": [bool(p.resolved) for p in parts],
        "_kind": "part",
        "_export": pd.array([None if m == _NAT else int(m) for m in part_max], dtype="Int64"),
        "_ingest": np.int32(seq),
        "_order": np.asarray([order_base + p.index for p in parts], dtype=np.int64)})
    fwd_rows = pd.DataFrame({
        "channel_id": list(forward_ids), "platform": [c.split(":", 1)[0] for c in forward_ids],
        "kind": "unknown", "name": list(forward_ids.values()), "handle": None,
        "resolved": True, "_kind": "forward_id", "_export": pd.array([None] * len(forward_ids),
                                                                     dtype="Int64"),
        "_ingest": np.int32(seq),
        "_order": order_base + np.arange(len(forward_ids), dtype=np.int64)})
    parts_frame = pd.concat([part_rows, fwd_rows], ignore_index=True)

    svc = pd.DataFrame(service, columns=[*schema.SERVICE, "_part"])
    svc_part = svc["_part"].to_numpy(dtype=np.int64)
    svc = svc.drop(columns="_part")
    svc["date"] = ns_to_utc(pd.array(svc["date"].tolist(), dtype="Int64"))
    svc["_export"] = pd.array([None if m == _NAT else int(m) for m in part_max[svc_part]],
                              dtype="Int64")
    svc["_ingest"] = np.int32(seq)
    svc["_order"] = order_base + svc_part
    svc["_row"] = order_base + np.arange(len(svc), dtype=np.int64)
    rej = pd.DataFrame(rejected, columns=list(schema.REJECTED))
    if salt:
        svc["actor_id"], svc["actor"] = pseudonymise_columns(
            svc["actor_id"].astype(schema.STRING), svc["actor"].astype(schema.STRING), salt)
        rej["raw"] = None
    rej["_ingest"] = np.int32(seq)
    rej["_row"] = order_base + np.arange(len(rej), dtype=np.int64)

    info = []
    merged = built["merged_per_file"]
    merged_service = built["merged_service"]
    for i, f in enumerate(files):
        row = dict(f)
        m, ms = int(merged[i]) if i < len(merged) else 0, (
            int(merged_service[i]) if i < len(merged_service) else 0)
        row["merged"] = m + ms
        row["loaded"] = int(row["loaded"]) - m
        row["service"] = int(row["service"]) - ms
        row["input"] = inputs[i]
        info.append(row)
    return {"batch": no, "files": written, "parts": T.to_arrow(parts_frame, T.PARTS),
            "service": T.to_arrow(svc, T.SERVICE), "rejected": T.to_arrow(rej, T.REJECTED),
            "info": info, "warnings": list(warns)}


def _read_corpus_batch(job: dict) -> dict:
    """A Corpus (in memory or a saved folder) as one input of a batch."""
    corpus = job["corpus"]
    if not isinstance(corpus, Corpus):
        corpus = read_corpus(corpus)
    messages = corpus.messages
    channels = corpus.channels
    cid = messages["channel_id"]
    has_messages = set(cid.dropna())
    exported = channels[channels["resolved"].astype(bool) & (
        channels["channel_id"].isin(has_messages) | (channels["kind"].astype(str) != "unknown"))]
    known_ids = channels[channels["resolved"].astype(bool)
                         & ~channels["channel_id"].isin(exported["channel_id"])]
    parts = [Part(index=i, file=0, order=i, platform=str(r.platform),
                           channel_id=r.channel_id, name=_none(r.name), kind=str(r.kind),
                           handle=_none(r.handle), resolved=True)
             for i, r in enumerate(exported.itertuples(index=False))]
    extra = [Part(index=len(parts) + i, file=0, order=len(parts) + i,
                           platform=str(cid_.split(":", 1)[0]), channel_id=cid_, name=None,
                           kind="unknown", handle=None, resolved=True)
             for i, cid_ in enumerate(sorted(has_messages - set(exported["channel_id"])))]
    parts += extra
    part_index = {p.channel_id: p.index for p in parts}
    part_of_row = np.asarray([part_index[c] for c in cid], dtype=np.int64)
    part_max = np.full(len(parts), _NAT, dtype=np.int64)
    if len(messages):
        dates = messages["date"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(
            dtype="datetime64[ns]").view(np.int64)
        np.maximum.at(part_max, part_of_row, dates)
    forward_ids = {r.channel_id: _none(r.name) for r in known_ids.itertuples(index=False)}
    service = [(*(getattr(r, c) for c in schema.SERVICE), part_index.get(r.channel_id, 0))
               for r in corpus.service.itertuples(index=False)]
    service = [tuple(_none(v) for v in row[:3]) + (
        None if pd.isna(row[3]) else int(pd.Timestamp(row[3]).value),) + tuple(
        _none(v) for v in row[4:9]) + (row[9],) for row in service]
    rejected = [tuple(_none(v) for v in r) for r in
                corpus.rejected[list(schema.REJECTED)].itertuples(index=False)]
    label = job["inputs"][0]["label"]
    files = [{"path": label, "format": "workbench-corpus", "size": job["inputs"][0]["size"],
              "sha256": job["inputs"][0]["sha256"], "records": len(messages) + len(
                  corpus.service) + len(rejected), "loaded": len(messages),
              "service": len(corpus.service), "rejected": len(rejected), "merged": 0}]
    built = {"messages": messages, "part_max": part_max, "part_of_row": part_of_row,
             "merged_per_file": np.zeros(1, np.int64), "merged_service": np.zeros(1, np.int64)}
    return _finish(job, parts, forward_ids, service, rejected, files, [], built)


def _none(value):
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value


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


class _Ingest:
    def __init__(self, root: Path, meta: dict, seq: int, ingest_id: str, on_batch):
        self.root = root
        self.meta = meta
        self.seq = seq
        self.ingest_id = ingest_id
        self.staging = root / STAGING / ingest_id
        self.on_batch = on_batch or (lambda stage, n: None)
        self.live = {e["path"]: dict(e, staged=False) for e in meta["tables"]["messages"]}
        self.channel_files: dict[str, set[str]] = {}
        for entry in meta["tables"]["index"]:
            table = pq.read_table(root / entry["path"], columns=["file", "channel_id"])
            for f, c in zip(table.column("file").to_pylist(),
                            table.column("channel_id").to_pylist()):
                if f in self.live:
                    self.channel_files.setdefault(c, set()).add(f)
        self.drops: dict[str, set[tuple[str, int]]] = {}
        self.counts: dict[int, dict[str, int]] = {}
        self.parts, self.service, self.rejected, self.info, self.warnings = [], [], [], [], []
        self.rewrites = 0

    # -- one batch ---------------------------------------------------------------------------
    def _path(self, rel: str) -> Path:
        entry = self.live.get(rel)
        return (self.staging / rel) if (entry is None or entry["staged"]) else (self.root / rel)

    def accept(self, result: dict) -> None:
        self.parts.append(result["parts"])
        self.service.append(result["service"])
        self.rejected.append(result["rejected"])
        self.info.extend(result["info"])
        self.warnings.extend(result["warnings"])
        files = result["files"]
        batch_channels = set().union(*(f["channels"] for f in files)) if files else set()
        candidates = set()
        for c in batch_channels:
            candidates |= self.channel_files.get(c, set())
        if not candidates:
            for f in files:
                for i, n in f["inputs"].items():
                    self._count(i, "added", n)
                self._add_file(f)
            return
        self._dedupe(files, batch_channels, candidates)

    def _count(self, input_index: int, what: str, n: int) -> None:
        row = self.counts.setdefault(int(input_index), {"added": 0, "updated": 0,
                                                        "unchanged": 0, "older": 0})
        row[what] += int(n)

    def _add_file(self, f: dict) -> None:
        self.live[f["path"]] = {"path": f["path"], "rows": f["rows"], "platform": f["platform"],
                                "month": f["month"], "staged": True,
                                "channels": f["channels"]}
        for c in f["channels"]:
            self.channel_files.setdefault(c, set()).add(f["path"])

    def _keys(self, rels, channels, columns) -> pd.DataFrame:
        frames = []
        wanted = pa.array(sorted(channels), type=pa.string())
        for rel in sorted(rels):
            table = pq.read_table(self._path(rel), columns=columns)
            mask = pc.is_in(table.column("channel_id"), value_set=wanted)
            table = table.filter(mask)
            frame = table.to_pandas()
            frame["channel_id"] = frame["channel_id"].astype(object)
            frame["file"] = rel
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def _dedupe(self, files: list[dict], channels: set[str], candidates: set[str]) -> None:
        staged = {f["path"]: f for f in files}
        for f in files:  # read batch files from staging before they are "live"
            self.live[f["path"]] = {"path": f["path"], "staged": True}
        new = self._keys(staged, channels, ["channel_id", "message_id", "_hash", "_export",
                                            "_input"])
        old = self._keys(candidates, channels, ["channel_id", "message_id", "_hash", "_export",
                                                "_ingest"])
        if self.drops and len(old):
            dropped = pd.DataFrame([(f, c, m) for f, keys in self.drops.items()
                                    for c, m in keys], columns=["file", *_KEY])
            old = old.merge(dropped.assign(_gone=True), on=["file", *_KEY], how="left")
            old = old[old["_gone"].isna()].drop(columns="_gone")
        old = old.rename(columns={"_hash": "h0", "_export": "x0", "_ingest": "i0",
                                  "file": "f0"})
        # Nullable integers: a left join must not turn 64-bit hashes into floats.
        old = old.astype({"h0": "Int64", "x0": "Int64", "i0": "Int64"})
        new = new.astype({"_hash": "Int64", "_export": "Int64"})
        merged = new.merge(old, on=_KEY, how="left")
        is_new = merged["h0"].isna().to_numpy()
        same = ~is_new & (merged["h0"].fillna(0).astype(np.int64).to_numpy()
                          == merged["_hash"].to_numpy())
        x_new = merged["_export"].fillna(_NAT).astype(np.int64).to_numpy()
        x_old = merged["x0"].fillna(_NAT).astype(np.int64).to_numpy()
        i_old = merged["i0"].fillna(0).astype(np.int64).to_numpy()
        newer = (x_new > x_old) | ((x_new == x_old) & (self.seq > i_old))
        update = ~is_new & ~same & newer
        older = ~is_new & ~same & ~newer
        for what, mask in (("added", is_new), ("updated", update), ("unchanged", same),
                           ("older", older)):
            if mask.any():
                for i, n in merged.loc[mask, "_input"].value_counts(sort=False).items():
                    self._count(i, what, n)
        for f0, c, m in merged.loc[update, ["f0", *_KEY]].itertuples(index=False):
            self.drops.setdefault(f0, set()).add((c, int(m)))
        keep = merged.loc[is_new | update, ["file", *_KEY]]
        for rel, f in staged.items():
            kept = keep[keep["file"] == rel]
            if len(kept) == f["rows"]:
                self._add_file(f)
                continue
            self.live.pop(rel, None)
            path = self.staging / rel
            if not len(kept):
                path.unlink()
                continue
            entry = self._rewrite(path, path, keep=kept[_KEY])
            self._add_file(dict(f, **entry, path=rel))

    def _rewrite(self, src: Path, dst: Path, *, keep=None, drop=None) -> dict:
        """Write ``src`` to ``dst`` keeping the rows of ``keep`` (or all but ``drop``)."""
        table = pq.read_table(src)
        key = pd.DataFrame({"channel_id": table.column("channel_id").to_pandas().astype(object),
                            "message_id": table.column("message_id").to_numpy()})
        index = pd.MultiIndex.from_frame(key)
        if keep is not None:
            mask = index.isin(pd.MultiIndex.from_frame(keep.astype({"channel_id": object})))
        else:
            mask = ~index.isin(pd.MultiIndex.from_tuples(sorted(drop), names=_KEY))
        table = table.filter(pa.array(mask))
        tmp = dst.with_name(dst.name + ".tmp")
        pq.write_table(table, tmp, compression="zstd", row_group_size=_ROW_GROUP)
        os.replace(tmp, dst)
        channels = key.loc[mask, "channel_id"].value_counts(sort=False)
        inputs = table.column("_input").to_pandas().value_counts(sort=False)
        return {"rows": int(table.num_rows),
                "channels": {str(c): int(n) for c, n in channels.items()},
                "inputs": {int(i): int(n) for i, n in inputs.items()}}

    # -- after the last batch --------------------------------------------------------------------
    def apply_drops(self) -> list[str]:
        """Rewrite files holding replaced rows; the committed files that were replaced."""
        replaced = []
        for rel, keys in sorted(self.drops.items()):
            entry = self.live.get(rel)
            if entry is None:
                continue
            if entry["staged"]:
                path = self.staging / rel
                out = self._rewrite(path, path, drop=keys)
                if out["rows"] == 0:
                    path.unlink()
                    self.live.pop(rel)
                else:
                    entry.update(rows=out["rows"], channels=out["channels"])
                continue
            replaced.append(rel)
            self.live.pop(rel)
            self.rewrites += 1
            new_rel = str(Path(rel).parent / f"{self.ingest_id}-r{self.rewrites}.parquet")
            dst = self.staging / new_rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            out = self._rewrite(self.root / rel, dst, drop=keys)
            if out["rows"]:
                self.live[new_rel] = {"path": new_rel, "rows": out["rows"],
                                      "platform": entry.get("platform"),
                                      "month": entry.get("month"), "staged": True,
                                      "channels": out["channels"]}
            else:
                dst.unlink()
        return replaced


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
        Anything :func:`workbench.load` reads: files, folders (searched recursively), saved
        corpus folders; also in-memory :class:`~workbench.Corpus` objects.
    channels : DataFrame or CSV path, optional
        Analyst labels (as ``wb.load(channels=...)``); stored with this ingest, they replace
        earlier labels and apply to every channel of the store.
    tz, format, channel_id, pseudonymise
        As in :func:`workbench.load` (with ``pseudonymise``, authors and service actors are
        replaced before anything is written).
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
        state = _Ingest(root, meta, seq, ingest_id, _on_batch)
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


def _run(state: _Ingest, todo: list[dict], budget: int, progress, workers, options: dict
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
    bar = progress_bar(total, progress, desc="ingesting")
    state.staging.mkdir(parents=True, exist_ok=True)
    try:
        if n_workers == 1:
            for job in jobs:
                result = _read_corpus_batch(job) if "corpus" in job else _read_batch(job)
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
                                       else pool.submit(_read_batch, job))
                    for job, fut in zip(jobs, futures):
                        result = _read_corpus_batch(job) if fut is None else fut.result()
                        _accepted(state, job, result, bar)
                except BaseException:
                    for fut in futures:
                        if fut is not None:
                            fut.cancel()
                    raise
    finally:
        if bar is not None:
            bar.close()


def _accepted(state: _Ingest, job: dict, result: dict, bar) -> None:
    state.accept(result)
    if bar is not None:
        bar.update(sum(inp["size"] for inp in job["inputs"]))
    state.on_batch("batch", job["batch"] + 1)


def _commit(state: _Ingest, todo: list[dict], label_table) -> None:
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
