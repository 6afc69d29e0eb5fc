"""`Corpus`: the canonical tables of one load, held together, and saved to a folder.

A saved corpus (:meth:`Corpus.to_parquet`, :func:`write_corpus`) is a folder that
:func:`read_corpus` (and :func:`workbench.load`) reads back exactly: dtypes, list columns as
Python lists, NA not NaN, analyst columns kept. Layout: ``messages.parquet``,
``channels.parquet``, ``rejected.parquet``, ``service.parquet``, ``files.parquet`` and
``corpus.json`` (format name, schema version, column order and which columns hold lists).
``corpus.json`` is written last, so a folder whose writing was interrupted is not mistaken for
a corpus (:func:`workbench.folders.is_saved_corpus` tells one).

Examples
--------
>>> import tempfile
>>> folder = write_corpus(Corpus.empty(), tempfile.mkdtemp())
>>> sorted(p.name for p in folder.iterdir())[:3]
['channels.parquet', 'corpus.json', 'files.parquet']
>>> len(read_corpus(folder).messages)
0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import schema
from .errors import FormatError, LoadError
from .folders import CORPUS_FORMAT, CORPUS_MANIFEST, saved_corpus_problem

__all__ = ["Corpus", "write_corpus", "read_corpus", "SCHEMA_VERSION"]

#: Bumped whenever a canonical table changes; older saved corpora are refused with a clear error.
SCHEMA_VERSION = 1
_TABLES = ("messages", "channels", "rejected", "service", "files")
#: Rows decoded at a time when reopening (a chunk of each column): 8 per 10^6 messages, as
#: many as a whole-table read gave.
_BATCH_ROWS = 2**17


@dataclass(frozen=True, eq=False)
class Corpus:
    """The canonical tables produced by a load.

    Attributes
    ----------
    messages, channels, rejected, service, files : pandas.DataFrame
        See :mod:`workbench.schema`. ``files`` is provenance: one row per input file read,
        with its size, SHA-256 and how many of its records were loaded, service or rejected.

    Examples
    --------
    >>> from workbench import Corpus
    >>> c = Corpus.empty()
    >>> len(c.messages), list(c.rejected.columns)
    (0, ['source', 'reason', 'raw'])
    """

    messages: pd.DataFrame
    channels: pd.DataFrame
    rejected: pd.DataFrame = field(default_factory=lambda: schema.empty("rejected"))
    service: pd.DataFrame = field(default_factory=lambda: schema.empty("service"))
    files: pd.DataFrame = field(default_factory=lambda: schema.empty("files"))

    def __post_init__(self) -> None:
        messages = self.messages
        lists = [c for c in schema.LIST_COLUMNS
                 if c in messages.columns and messages[c].dtype == object]
        if lists:
            # One dtype for list columns whoever built the table (Arrow lists: see
            # schema.LIST_DTYPE); the caller's frame is left as it was.
            messages = messages.copy(deep=False)
            for col in lists:
                try:
                    messages[col] = schema.list_array(messages[col])
                except (TypeError, ValueError, pa.ArrowException) as exc:
                    raise schema.SchemaError(
                        f"messages.{col}: not lists of strings: {exc}") from exc
            object.__setattr__(self, "messages", messages)
        for name in ("messages", "channels", "rejected", "service", "files"):
            schema.validate(getattr(self, name), name)

    @classmethod
    def empty(cls) -> "Corpus":
        """A corpus with no rows in any table."""
        return cls(schema.empty("messages"), schema.empty("channels"))

    def __repr__(self) -> str:
        m = self.messages
        span = ""
        if len(m):
            span = f", {m['date'].min():%Y-%m-%d} to {m['date'].max():%Y-%m-%d}"
        return (
            f"Corpus({len(m):,} messages in {m['channel_id'].nunique():,} channels{span}; "
            f"{len(self.channels):,} channels known, {len(self.service):,} service, "
            f"{len(self.rejected):,} rejected)"
        )

    def overview(self) -> pd.DataFrame:
        """One row per channel with messages: name, group (when labelled), messages, forwards,
        first and last message date, and ``holes`` (suspected holes in its collection, see
        :func:`workbench.timeline.collection_gaps`), sorted by message count.

        Examples
        --------
        >>> Corpus.empty().overview().columns.tolist()[:3]
        ['channel_id', 'channel', 'messages']
        """
        m = self.messages
        per = (
            m.assign(is_forward=m["fwd_from_name"].notna() | m["fwd_from_channel_id"].notna())
            .groupby("channel_id", observed=True, sort=True)
            .agg(channel=("channel", "last"), messages=("message_id", "size"),
                 forwards=("is_forward", "sum"), first=("date", "min"), last=("date", "max"))
            .reset_index()
        )
        labels = [c for c in ("group", "lang") if c in self.channels.columns]
        if labels:
            per = per.merge(self.channels[["channel_id", *labels]], on="channel_id", how="left")
            per = per[["channel_id", "channel", *labels, "messages", "forwards", "first", "last"]]
        per["forwards"] = per["forwards"].astype("int64")
        # Imported here: the corpus sits below the analyses, and this is only a summary of one.
        from .timeline import collection_gaps

        holes = collection_gaps(m, service=self.service, channels=self.channels
                                )["channel_id"].value_counts()
        per["holes"] = per["channel_id"].astype(str).map(holes).fillna(0).astype("int64")
        return per.sort_values(["messages", "channel_id"], ascending=[False, True],
                               ignore_index=True)

    def to_parquet(self, directory: str | Path) -> Path:
        """Write every table to ``directory`` as Parquet; ``wb.load(directory)`` reads it back
        exactly.

        Examples
        --------
        >>> import tempfile, workbench as wb
        >>> d = Corpus.empty().to_parquet(tempfile.mkdtemp())
        >>> len(wb.load(d).messages)
        0
        """
        return write_corpus(self, directory)

    def with_languages(self, **kwargs) -> "Corpus":
        """A copy with each channel's identified main language as a ``lang`` column on
        ``channels`` (and copied onto ``messages``, as analyst labels are), so analyses can
        group ``by="lang"``; ``lang_share`` says how much of the channel is in it.

        An analyst's ``lang`` label, where a channel has one, wins over the identified
        language. ``kwargs`` go to :func:`workbench.text.channel_languages`.

        Examples
        --------
        >>> Corpus.empty().with_languages().channels.columns[-2:].tolist()
        ['lang', 'lang_share']
        """
        from .text import channel_languages  # py3langid's model loads on first use only

        found = channel_languages(self.messages, **kwargs).set_index("channel_id")
        channels = self.channels.copy()
        ids = channels["channel_id"]
        lang = pd.array(found["lang"].reindex(ids).to_numpy(), dtype="string")
        if "lang" in channels.columns:
            lang = channels["lang"].astype("string").fillna(pd.Series(lang, index=channels.index))
        channels["lang"] = lang
        channels["lang_share"] = pd.array(found["lang_share"].reindex(ids).to_numpy(),
                                          dtype="Float64")
        messages = self.messages.copy(deep=False)
        pos = pd.Index(ids).get_indexer(messages["channel_id"])
        messages["lang"] = pd.array(np.where(pos >= 0, channels["lang"].to_numpy()[pos], None),
                                    dtype="string")
        return Corpus(messages, channels, self.rejected, self.service, self.files)


# ---------------------------------------------------------------------------------------------
# Saved corpora
# ---------------------------------------------------------------------------------------------
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
    (folder / CORPUS_MANIFEST).unlink(missing_ok=True)
    meta = {"format": CORPUS_FORMAT, "schema_version": SCHEMA_VERSION, "tables": {}}
    for table in _TABLES:
        frame = getattr(corpus, table)
        lists = _list_columns(frame, table)
        plain = frame.drop(columns=lists)
        try:
            arrow = pa.Table.from_pandas(plain, preserve_index=False)
            for col in lists:
                if frame[col].dtype == schema.LIST_DTYPE:
                    array = schema.arrow_data(frame[col])
                else:
                    values = frame[col].tolist()
                    typ = schema.LIST_ARROW if col in schema.TABLES[table] else None
                    array = pa.array([v if isinstance(v, list) else None for v in values],
                                     type=typ)
                arrow = arrow.append_column(col, array)
        except (pa.ArrowException, TypeError, ValueError) as exc:
            raise LoadError(f"cannot save {table}: a column holds values Parquet cannot store: "
                            f"{exc}") from exc
        # LZ4: as small as the default Snappy on message tables, and its pages decode
        # about twice as fast, which is most of the time a reopen takes.
        pq.write_table(arrow, folder / f"{table}.parquet", compression="lz4")
        meta["tables"][table] = {"rows": len(frame), "columns": [str(c) for c in frame.columns],
                                 "list_columns": lists, "categories": _categories(frame)}
    (folder / CORPUS_MANIFEST).write_bytes(orjson.dumps(meta, option=orjson.OPT_INDENT_2))
    return folder


def read_corpus(directory: str | Path, *, label: str | None = None) -> Corpus:
    """Read a folder written by :func:`write_corpus`.

    Raises
    ------
    FormatError
        If the folder is not a saved corpus or was written with another schema version.
    LoadError
        If a table is missing or damaged (naming it), or does not validate as a canonical
        table (naming its file and first offending records with their ``source``): a file
        edited by hand is checked like any table.
    """
    folder = Path(directory)
    if folder.is_file() and folder.name == CORPUS_MANIFEST:
        folder = folder.parent
    name = label or folder.name
    reason = saved_corpus_problem(folder)
    if reason is not None:
        raise FormatError(f"{name}: not a saved corpus: {reason}")
    meta = orjson.loads((folder / CORPUS_MANIFEST).read_bytes())
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
        tables[table] = _read_table(path, table, info, f"{name}/{table}.parquet")
    try:
        return Corpus(**tables)
    except schema.SchemaError as exc:
        raise LoadError(_not_valid(exc, name, tables)) from exc


def _read_table(path: Path, table: str, info: dict, where: str) -> pd.DataFrame:
    """One saved table as it was written (``where`` names it in errors)."""
    try:
        # Memory-mapped: the pages are decoded straight from the page cache instead of
        # being copied into memory first. Decoding copies every value out, so nothing read
        # points into the file, and the map is closed here: saving over the same folder
        # afterwards is safe. In batches: decoding a whole column at once grows its buffers
        # by doubling, which needs twice the memory and, in a new process, most of the
        # reopen's time in the kernel handing out fresh pages (measured: 1.9-2.4 s of system
        # time for 10^6 real-length messages, 0.1-1.0 s in batches).
        with pa.memory_map(str(path)) as source, pq.ParquetFile(source) as reader:
            arrow = pa.Table.from_batches(reader.iter_batches(batch_size=_BATCH_ROWS),
                                          schema=reader.schema_arrow)
    except (pa.ArrowException, OSError) as exc:
        raise LoadError(f"{where}: cannot read: {exc}") from exc
    missing = [c for c in dict.fromkeys([*info["columns"], *info["list_columns"]])
               if c not in arrow.column_names]
    if missing:
        raise LoadError(f"{where}: lacks column(s) {missing} that corpus.json lists")
    lists = {}
    canonical = schema.TABLES[table]
    try:
        for col in info["list_columns"]:
            column = arrow.column(col)
            if canonical.get(col) == schema.LIST:
                lists[col] = schema.list_array(column)  # stays Arrow: nothing to convert
            else:  # an analyst's column of lists comes back as it was saved
                values = column.to_pylist()
                lists[col] = np.fromiter(values, dtype=object, count=len(values))
            arrow = arrow.drop_columns([col])
    except (TypeError, pa.ArrowException) as exc:
        raise LoadError(f"{where}: list column {col!r} cannot be read as lists of strings: "
                        f"{exc}") from exc
    frame = _restore_categories(arrow.to_pandas(), info.get("categories", {}))
    for col, values in lists.items():
        frame[col] = values
    if info["columns"]:
        frame = frame[info["columns"]]
    if len(frame.columns) != len(info["columns"]):
        raise LoadError(f"{where}: columns differ from corpus.json")
    return frame.reset_index(drop=True)


def _not_valid(exc: schema.SchemaError, name: str, tables: dict[str, pd.DataFrame]) -> str:
    """Why a saved corpus does not validate, naming the file and the first records."""
    if exc.table not in tables:
        return f"{name}: saved corpus does not validate: {exc}"
    frame = tables[exc.table]
    records = []
    for row in exc.rows:
        source = frame.at[row, "source"] if "source" in frame.columns else None
        records.append(f"row {row}" + (f" (from {source})"
                                          if isinstance(source, str) else ""))
    at = f" at {', '.join(records)}" if records else ""
    return f"{name}/{exc.table}.parquet: does not validate{at}: {exc}"
