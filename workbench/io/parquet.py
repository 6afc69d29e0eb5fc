"""Saved corpora: :meth:`Corpus.to_parquet` writes a folder that :func:`workbench.load` reads
back exactly (dtypes, list columns as Python lists, NA not NaN, analyst columns kept).

Layout: ``messages.parquet``, ``channels.parquet``, ``rejected.parquet``, ``service.parquet``,
``files.parquet`` and ``corpus.json`` (format name, schema version, column order and which
columns hold lists). ``corpus.json`` is written last, so a folder whose writing was interrupted
is not mistaken for a corpus.

Examples
--------
>>> import tempfile, workbench as wb
>>> corpus = wb.Corpus.empty()
>>> folder = write_corpus(corpus, tempfile.mkdtemp())
>>> sorted(p.name for p in folder.iterdir())[:3]
['channels.parquet', 'corpus.json', 'files.parquet']
>>> sniff(b"", folder) is None
True
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .. import schema
from ..corpus import Corpus
from ..errors import FormatError, LoadError

__all__ = ["NAME", "SCHEMA_VERSION", "MANIFEST", "sniff", "write_corpus", "read_corpus",
           "is_saved_corpus"]

NAME = "workbench-corpus"
SUFFIXES = ()
#: Bumped whenever a canonical table changes; older folders are refused with a clear error.
SCHEMA_VERSION = 1
MANIFEST = "corpus.json"
_TABLES = ("messages", "channels", "rejected", "service", "files")


def is_saved_corpus(path: Path) -> bool:
    """Whether ``path`` is a folder written by :func:`write_corpus`."""
    return sniff(b"", Path(path)) is None


def sniff(head: bytes, path: Path | None) -> str | None:
    """None when ``path`` is a saved-corpus folder (or its ``corpus.json``), else why not."""
    if path is None:
        return "not a folder"
    path = Path(path)
    if path.is_file() and path.name == MANIFEST:
        path = path.parent
    if not path.is_dir():
        return "not a folder with corpus.json"
    manifest = path / MANIFEST
    if not manifest.is_file():
        return "no corpus.json in the folder"
    try:
        meta = orjson.loads(manifest.read_bytes())
    except (orjson.JSONDecodeError, OSError):
        return "corpus.json is not JSON"
    if not isinstance(meta, dict) or meta.get("format") != NAME:
        return f"corpus.json does not say format {NAME!r}"
    return None


def _list_columns(frame: pd.DataFrame, table: str) -> list[str]:
    canonical = [c for c, t in schema.TABLES[table].items() if t == schema.LIST]
    extra = []
    for col in frame.columns:
        if col in schema.TABLES[table] or frame[col].dtype != object:
            continue
        values = frame[col].dropna()
        if len(values) and all(isinstance(v, list) for v in values):
            extra.append(col)
    return canonical + extra


def _categories(frame: pd.DataFrame) -> dict[str, dict]:
    """Categorical columns' categories, so that even empty ones come back exactly."""
    out = {}
    for col in frame.columns:
        dtype = frame[col].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            try:
                values = orjson.loads(orjson.dumps(dtype.categories.tolist()))
            except (TypeError, orjson.JSONEncodeError):
                continue
            out[str(col)] = {"categories": values, "ordered": bool(dtype.ordered),
                             "dtype": str(dtype.categories.dtype)}
    return out


def _restore_categories(frame: pd.DataFrame, info: dict[str, dict]) -> pd.DataFrame:
    for col, spec in info.items():
        try:
            categories = pd.Index(spec["categories"], dtype=spec["dtype"])
        except (TypeError, ValueError):
            continue
        dtype = pd.CategoricalDtype(categories, ordered=spec["ordered"])
        if frame[col].dtype != dtype or frame[col].cat.categories.dtype != categories.dtype:
            frame[col] = frame[col].astype(object).astype(dtype)
    return frame


def write_corpus(corpus: Corpus, directory: str | Path) -> Path:
    """Write ``corpus`` to ``directory`` (created if needed); return the folder.

    Raises
    ------
    LoadError
        If an analyst column holds values Parquet cannot store (naming table and column).
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).unlink(missing_ok=True)
    meta = {"format": NAME, "schema_version": SCHEMA_VERSION, "tables": {}}
    for table in _TABLES:
        frame = getattr(corpus, table)
        lists = _list_columns(frame, table)
        plain = frame.drop(columns=lists)
        try:
            arrow = pa.Table.from_pandas(plain, preserve_index=False)
            for col in lists:
                values = frame[col].tolist()
                typ = pa.list_(pa.string()) if col in schema.TABLES[table] else None
                array = pa.array([v if isinstance(v, list) else None for v in values], type=typ)
                arrow = arrow.append_column(col, array)
        except (pa.ArrowException, TypeError, ValueError) as exc:
            raise LoadError(f"cannot save {table}: a column holds values Parquet cannot store: "
                            f"{exc}") from exc
        pq.write_table(arrow, folder / f"{table}.parquet")
        meta["tables"][table] = {"rows": len(frame), "columns": [str(c) for c in frame.columns],
                                 "list_columns": lists, "categories": _categories(frame)}
    (folder / MANIFEST).write_bytes(orjson.dumps(meta, option=orjson.OPT_INDENT_2))
    return folder


def read_corpus(directory: str | Path, *, label: str | None = None) -> Corpus:
    """Read a folder written by :func:`write_corpus`.

    Raises
    ------
    FormatError
        If the folder is not a saved corpus or was written with another schema version.
    LoadError
        If a table is missing or damaged (naming it).
    """
    folder = Path(directory)
    if folder.is_file() and folder.name == MANIFEST:
        folder = folder.parent
    name = label or folder.name
    reason = sniff(b"", folder)
    if reason is not None:
        raise FormatError(f"{name}: not a saved corpus: {reason}")
    meta = orjson.loads((folder / MANIFEST).read_bytes())
    version = meta.get("schema_version")
    if version != SCHEMA_VERSION:
        raise FormatError(
            f"{name}: saved with corpus schema version {version}, this workbench reads version "
            f"{SCHEMA_VERSION}; reload the original exports and save again")
    tables = {}
    for table in _TABLES:
        info = meta.get("tables", {}).get(table)
        path = folder / f"{table}.parquet"
        if info is None or not path.is_file():
            raise LoadError(f"{name}: saved corpus lacks {table}.parquet")
        try:
            arrow = pq.read_table(path)
        except (pa.ArrowException, OSError) as exc:
            raise LoadError(f"{name}/{table}.parquet: cannot read: {exc}") from exc
        lists = {}
        for col in info["list_columns"]:
            values = arrow.column(col).to_pylist()
            lists[col] = np.fromiter(values, dtype=object, count=len(values))
            arrow = arrow.drop_columns([col])
        frame = _restore_categories(arrow.to_pandas(), info.get("categories", {}))
        for col, values in lists.items():
            frame[col] = values
        frame = frame[info["columns"]] if info["columns"] else frame
        if len(frame.columns) != len(info["columns"]):
            raise LoadError(f"{name}/{table}.parquet: columns differ from corpus.json")
        tables[table] = frame.reset_index(drop=True)
    try:
        return Corpus(**tables)
    except schema.SchemaError as exc:
        raise LoadError(f"{name}: saved corpus does not validate: {exc}") from exc
