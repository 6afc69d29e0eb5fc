"""Arrow schemas of the store's Parquet files, and exact conversions between them and the
canonical pandas tables of :mod:`workbench.schema`.

Messages are stored with the canonical columns plus bookkeeping columns that start with an
underscore: ``_hash`` (content hash of everything but ``source``), ``_export`` (the latest
message date of the export the row came from: newer exports win), ``_ingest`` (sequence
number of the ingest), ``_input`` (the input file within that ingest) and ``_fwd_norm`` (the
normalised forward-source name, for resolving forwards across the whole store).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema

__all__ = ["MESSAGES", "PARTS", "SERVICE", "REJECTED", "LOG", "INDEX", "SCHEMAS", "to_arrow",
           "to_canonical"]

_TS = pa.timestamp("ns", tz="UTC")
_STR = pa.string()
_LIST = schema.LIST_ARROW


def _arrow_type(dtype) -> pa.DataType:
    if dtype == schema.LIST:
        return _LIST
    if isinstance(dtype, pd.DatetimeTZDtype):
        return _TS
    if dtype == np.dtype("bool"):
        return pa.bool_()
    if dtype == np.dtype("int64") or isinstance(dtype, pd.Int64Dtype):
        return pa.int64()
    return _STR  # strings, categories


def _canonical_fields(table: str) -> list[pa.Field]:
    return [pa.field(c, _arrow_type(t)) for c, t in schema.TABLES[table].items()]


MESSAGES = pa.schema(_canonical_fields("messages") + [
    pa.field("_hash", pa.int64()), pa.field("_export", pa.int64()),
    pa.field("_ingest", pa.int32()), pa.field("_input", pa.int32()),
    pa.field("_fwd_norm", _STR)])
#: Channel descriptions as each export gave them (``_kind="part"``), and forward sources
#: known by id (``_kind="forward_id"``); the channels table is derived from these on read.
PARTS = pa.schema(_canonical_fields("channels") + [
    pa.field("_kind", _STR), pa.field("_export", pa.int64()), pa.field("_ingest", pa.int32()),
    pa.field("_order", pa.int64())])
#: ``_order`` ranks the export a record came from (newest wins per key), ``_row`` keeps
#: the order of the input.
SERVICE = pa.schema(_canonical_fields("service") + [
    pa.field("_export", pa.int64()), pa.field("_ingest", pa.int32()),
    pa.field("_order", pa.int64()), pa.field("_row", pa.int64())])
REJECTED = pa.schema(_canonical_fields("rejected") + [pa.field("_ingest", pa.int32()),
                                                       pa.field("_row", pa.int64())])
#: The ingest log: one row per input file committed.
LOG = pa.schema([pa.field("ingest", _STR), pa.field("ingested_at", _TS)]
                + _canonical_fields("files")
                + [pa.field("added", pa.int64()), pa.field("updated", pa.int64()),
                   pa.field("unchanged", pa.int64()), pa.field("older", pa.int64()),
                   pa.field("_ingest", pa.int32()),
                   pa.field("_input", pa.int32())])
#: Which channels each messages file holds (to find a re-exported channel's rows quickly).
INDEX = pa.schema([pa.field("file", _STR), pa.field("channel_id", _STR),
                   pa.field("rows", pa.int64())])
#: The schema of each table's files (labels are stored as given: any columns, strings).
SCHEMAS = {"messages": MESSAGES, "parts": PARTS, "service": SERVICE, "rejected": REJECTED,
           "log": LOG, "index": INDEX}


def list_array(values) -> pa.ListArray:
    """A list<string> array from a list column: a Series of Arrow lists (as loads hold them,
    passed through without a Python list per cell), or cells that are lists (or
    tuples/arrays) of strings. The result's offsets start at 0 (hashing relies on it)."""
    from itertools import chain

    if isinstance(values, pd.Series):
        if isinstance(values.dtype, pd.ArrowDtype):
            return _arrow_lists(schema.arrow_data(values))
        values = values.tolist()
    values = list(values)
    lengths = np.fromiter(map(len, values), dtype=np.int32, count=len(values))
    offsets = np.zeros(len(values) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    flat = pa.array(list(chain.from_iterable(values)), type=_STR)
    return pa.ListArray.from_arrays(pa.array(offsets), flat)


def _arrow_lists(arr: pa.Array | pa.ChunkedArray) -> pa.ListArray:
    """An Arrow list column as one list<string> array with offsets from 0, nulls empty.

    >>> arr = pa.array([["a"], ["b", "c"], []], type=_LIST).slice(1)
    >>> out = _arrow_lists(arr)
    >>> out.offsets.to_pylist(), out.values.to_pylist()
    ([0, 2, 2], ['b', 'c'])
    """
    # The canonical list column (cast, nulls empty) as loaders make it, in one chunk.
    arr = schema.arrow_data(schema.list_array(arr))
    arr = arr.combine_chunks() if arr.num_chunks else pa.array([], type=_LIST)
    if arr.offset == 0 and arr.offsets[0].as_py() == 0:
        return arr
    # A slice: its offsets point into a longer child array; rebase them on its own items.
    offsets = arr.offsets.to_numpy()
    return pa.ListArray.from_arrays(pa.array(offsets - offsets[0]), arr.flatten())


def _column_to_arrow(series: pd.Series, typ: pa.DataType) -> pa.Array:
    if typ == _LIST:
        return list_array(series)
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object).where(series.notna(), None)
    if typ == _TS:
        if not isinstance(series.dtype, pd.DatetimeTZDtype):
            series = pd.to_datetime(series, utc=True)
        series = series.dt.tz_convert("UTC").astype(schema.UTC_TIME)
        return pa.array(series, type=_TS, from_pandas=True)
    if typ == pa.int32() or typ == pa.int64():
        if series.dtype == object:
            series = pd.array(series.tolist(), dtype="Int64")
        return pa.array(series, type=typ, from_pandas=True)
    if typ == pa.bool_():
        return pa.array(series.astype(bool), type=typ)
    if isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow":
        return schema.arrow_data(series).cast(_STR)
    return pa.array(series.astype(object).where(series.notna(), None), type=_STR,
                    from_pandas=True)


def to_arrow(frame: pd.DataFrame, schema_: pa.Schema, *, arrays: dict | None = None
             ) -> pa.Table:
    """``frame`` (canonical dtypes) as an Arrow table of ``schema_`` (missing columns null);
    ``arrays`` gives columns already converted."""
    prebuilt = arrays or {}
    arrays = []
    n = len(frame)
    for field in schema_:
        if field.name in prebuilt:
            arrays.append(prebuilt[field.name])
            continue
        if field.name in frame.columns:
            arr = _column_to_arrow(frame[field.name].reset_index(drop=True), field.type)
            if isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            if arr.type != field.type:
                arr = arr.cast(field.type)
        elif field.type == _LIST:
            arr = pa.array([[] for _ in range(n)], type=_LIST)
        else:
            arr = pa.nulls(n, field.type)
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=schema_)


def _strings(col: pa.ChunkedArray) -> pd.arrays.ArrowStringArray:
    if col.type != _STR:
        col = col.cast(_STR)
    return pd.array(col, dtype=schema.STRING)


def _times(col: pa.ChunkedArray) -> pd.arrays.DatetimeArray:
    ns = col.cast(pa.int64()).fill_null(np.iinfo(np.int64).min).to_numpy()
    return pd.array(np.asarray(ns, dtype=np.int64).view("M8[ns]")).tz_localize("UTC")


def _nullable_int(col: pa.ChunkedArray) -> pd.arrays.IntegerArray:
    col = col.cast(pa.int64())
    values = col.fill_null(0).to_numpy()
    mask = col.is_null().to_numpy(zero_copy_only=False)
    return pd.arrays.IntegerArray(np.asarray(values, dtype=np.int64), np.asarray(mask))


def _category(col: pa.ChunkedArray) -> pd.Categorical:
    """Categorical with the sorted observed values as plain-string categories (as loads
    make them)."""
    if col.type != _STR:
        col = col.cast(_STR)
    encoded = pc.dictionary_encode(col.combine_chunks() if isinstance(col, pa.ChunkedArray)
                                   else col)
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    categories = encoded.dictionary.to_pylist()
    cat = pd.Categorical.from_codes(codes, categories=pd.Index(categories, dtype="str"))
    return cat.set_categories(sorted(categories))


def _lists(col: pa.ChunkedArray) -> np.ndarray:
    values = col.to_pylist()
    return np.fromiter(((v if v is not None else []) for v in values), dtype=object,
                       count=len(values))


def to_canonical(table: pa.Table, name: str) -> pd.DataFrame:
    """A canonical pandas table from Arrow: the columns of ``schema.TABLES[name]`` first in
    their exact dtypes, then any other (label) columns; bookkeeping columns are dropped."""
    spec = schema.TABLES[name]
    if name == "messages" and table.num_rows == 0:
        return schema.empty("messages")  # as a load of nothing makes it
    data: dict[str, object] = {}
    n = table.num_rows
    conform = False
    for col, dtype in spec.items():
        if col not in table.column_names:
            data[col] = pd.Series([None] * n, dtype=object)
            continue
        arrow = table.column(col)
        if dtype == schema.LIST:
            data[col] = _lists(arrow)
        elif isinstance(dtype, pd.DatetimeTZDtype):
            data[col] = _times(arrow)
        elif isinstance(dtype, pd.StringDtype):
            data[col] = _strings(arrow)
        elif isinstance(dtype, pd.Int64Dtype):
            data[col] = _nullable_int(arrow)
        elif dtype == np.dtype("int64"):
            data[col] = np.asarray(arrow.cast(pa.int64()).to_numpy(), dtype=np.int64)
        elif dtype == np.dtype("bool"):
            data[col] = np.asarray(arrow.cast(pa.bool_()).fill_null(False).to_numpy(
                zero_copy_only=False), dtype=bool)
        elif name != "messages":
            # Other tables are made by schema.conform: categories are the observed values.
            data[col] = pd.Series(arrow.to_pylist(), dtype=object)
            conform = True
        elif col == "platform":
            data[col] = pd.Categorical(_strings(arrow).astype(object),
                                       dtype=schema.PLATFORM_DTYPE)
        else:  # media_type: sorted observed values, as the loader makes them
            data[col] = _category(arrow)
    for col in table.column_names:
        if col in spec or col.startswith("_"):
            continue
        arrow = table.column(col)
        if pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type):
            data[col] = _strings(arrow)
        else:
            data[col] = arrow.to_pandas()
    frame = pd.DataFrame(data, index=pd.RangeIndex(n))
    missing = [c for c in spec if c not in table.column_names]
    if missing or conform:
        frame = schema.conform(frame, name)
    return frame
