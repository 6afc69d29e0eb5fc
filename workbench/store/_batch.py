"""Reading one batch of an ingest (in a worker process or in this one): its input files through
the read path of :func:`workbench.load` (:func:`workbench.io.files.read_file`), merged within
the batch (:meth:`Builder.merge <workbench.io.builder.Builder.merge>`, forwards left for the
store to resolve), its messages written to the staging folder as Parquet per (platform, month)
with a content hash per row; the rest (channel descriptions per export, service and rejected
records, the files' counts) returned as Arrow tables.

A :class:`~workbench.Corpus` (in memory, or a saved corpus folder) is one batch of its own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .. import schema
from ..corpus import Corpus, read_corpus
from ..ids import normalise_name
from ..io import files as io_files
from ..io.builder import Builder, Part, ns_to_utc
from ..privacy import Pseudonymiser, pseudonymise_tables
from ..io.sources import Source
from . import _tables as T

__all__ = ["read_batch", "read_corpus_batch", "public_names_of_batch", "NAT", "ROW_GROUP"]

NAT = np.iinfo(np.int64).min
#: Rows per Parquet row group of a messages file.
ROW_GROUP = 1 << 17


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
        pq.write_table(part, path, compression="zstd", row_group_size=ROW_GROUP)
        counts = frame["channel_id"].iloc[idx].value_counts(sort=False)
        out.append({"path": rel, "rows": int(hi - lo), "platform": str(plat),
                    "month": str(mon),
                    "channels": {str(c): int(n) for c, n in counts.items()},
                    "inputs": {int(i): int(n) for i, n in
                               frame["_input"].iloc[idx].value_counts(sort=False).items()}})
    return out


def read_batch(job: dict) -> dict:
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
                   batch.files, batch.warnings, built,
                   people=(batch.persons, batch.mention_names))


def public_names_of_batch(job: dict) -> dict:
    """For a pseudonymised ingest, before anything is written: the normalised names of the
    public channels in one batch's inputs (a forward known by its source's name only keeps
    the name when it may resolve to one of them, as in a load of everything)."""
    from ..privacy import public_channels

    batch = Builder(tz=job["tz"], channel_id=job.get("channel_id"))
    for inp in job["inputs"]:
        source = Source(Path(inp["path"]), inp["label"], inp["size"])
        io_files.read_file(source, batch, format=job["format"], strict=inp["strict"])
    parts = _channel_rows(batch.parts, {})
    public = public_channels(parts, public=job.get("public"),
                             hints=_hints(batch.parts), persons=batch.persons)
    return {"names": sorted({normalise_name(str(n)) for n in parts["name"][public.to_numpy()]
                             .dropna()})}


def _hints(parts) -> dict:
    return {p.channel_id: p.public for p in parts if getattr(p, "public", None) is not None}


def _channel_rows(parts, forward_ids) -> pd.DataFrame:
    """The channels rows (schema columns) a batch knows: its exported parts and the forward
    sources it knows by id."""
    return pd.DataFrame({
        "channel_id": [p.channel_id for p in parts] + list(forward_ids),
        "platform": [p.platform for p in parts] + [c.split(":", 1)[0] for c in forward_ids],
        "kind": [p.kind for p in parts] + ["unknown"] * len(forward_ids),
        "name": [p.name for p in parts] + list(forward_ids.values()),
        "handle": [p.handle for p in parts] + [None] * len(forward_ids),
        "resolved": [bool(p.resolved) for p in parts] + [True] * len(forward_ids)})


def _pseudonymise(job, frame, parts, forward_ids, service, rejected, files, warns, people):
    """Everything a batch writes, pseudonymised as :func:`workbench.load` does."""
    p = Pseudonymiser(job["pseudonymise"])
    persons, mention_names = people
    svc = pd.DataFrame(service, columns=[*schema.SERVICE, "_part"], dtype=object)
    rej = pd.DataFrame(rejected, columns=list(schema.REJECTED), dtype=object)
    channels = _channel_rows(parts, forward_ids)
    paths = pd.DataFrame({"path": pd.array([f["path"] for f in files], dtype=schema.STRING)})
    notes = list(warns)
    out = pseudonymise_tables(
        {"messages": frame, "channels": channels,
         "service": svc.astype({c: schema.STRING for c in ("channel_id", "action", "actor_id",
                                                           "actor", "text", "source")}),
         "rejected": rej.astype(schema.STRING), "files": paths},
        p, public=job.get("public"), hints=_hints(parts), persons=persons,
        mention_names=mention_names, notes=notes, public_names=job.get("public_names") or ())
    new_ids = dict(zip(channels["channel_id"], out["channels"]["channel_id"]))
    new_names = dict(zip(channels["channel_id"], out["channels"]["name"].astype(object)))
    new_handles = dict(zip(channels["channel_id"], out["channels"]["handle"].astype(object)))
    parts = [_replace_part(q, new_ids[q.channel_id], _none(new_names[q.channel_id]),
                           _none(new_handles[q.channel_id])) for q in parts]
    forward_ids = {new_ids[c]: _none(new_names[c]) for c in forward_ids}
    svc_out = out["service"]
    service = [tuple(_none(v) for v in row) + (part,) for row, part in zip(
                   svc_out[list(schema.SERVICE)].astype(object).itertuples(index=False),
                   svc["_part"])]
    rejected = [tuple(_none(v) for v in row)
                for row in out["rejected"].astype(object).itertuples(index=False)]
    files = [{**f, "path": path} for f, path in zip(files, out["files"]["path"])]
    return out["messages"], parts, forward_ids, service, rejected, files, out["notes"]


def _replace_part(part, channel_id, name, handle):
    from dataclasses import replace

    return replace(part, channel_id=channel_id, name=name, handle=handle)


def _finish(job, parts, forward_ids, service, rejected, files, warns, built,
            people=((), {})) -> dict:
    seq, no = job["seq"], job["batch"]
    inputs = [inp["index"] for inp in job["inputs"]]
    messages = built["messages"]
    part_max = built["part_max"]
    part_of_row = built["part_of_row"]
    file_of_part = np.asarray([p.file for p in parts], dtype=np.int64)
    input_of_file = np.asarray(inputs, dtype=np.int64)
    frame = messages[list(schema.MESSAGES)].copy(deep=False)
    if job.get("pseudonymise"):  # personal data never reaches the disk (as wb.load does)
        frame, parts, forward_ids, service, rejected, files, warns = _pseudonymise(
            job, frame, parts, forward_ids, service, rejected, files, warns, people)
    lists = {c: T.list_array(frame[c]) for c in schema.LIST_COLUMNS}
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
        "_export": pd.array([None if m == NAT else int(m) for m in part_max], dtype="Int64"),
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
    svc["_export"] = pd.array([None if m == NAT else int(m) for m in part_max[svc_part]],
                              dtype="Int64")
    svc["_ingest"] = np.int32(seq)
    svc["_order"] = order_base + svc_part
    svc["_row"] = order_base + np.arange(len(svc), dtype=np.int64)
    rej = pd.DataFrame(rejected, columns=list(schema.REJECTED))
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


def read_corpus_batch(job: dict) -> dict:
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
    part_max = np.full(len(parts), NAT, dtype=np.int64)
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
