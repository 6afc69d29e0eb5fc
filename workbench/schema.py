"""The canonical tables: column names and dtypes, declared once.

Every loader produces these tables and every analysis reads them. Column-name constants
(``CHANNEL_ID``, ``DATE``, ...) are the defaults of keyword options across the package, so a
rename happens here and nowhere else.

Examples
--------
>>> from workbench import schema
>>> frame = schema.empty("messages")
>>> list(frame.columns[:4])
['platform', 'channel_id', 'channel', 'author_id']
>>> schema.validate(frame, "messages") is frame
True
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import SchemaError

__all__ = [
    "PLATFORM", "CHANNEL_ID", "CHANNEL", "MESSAGE_ID", "DATE", "TEXT",
    "FWD_CHANNEL_ID", "FWD_NAME", "GROUP",
    "STRING", "UTC_TIME", "PLATFORMS", "LIST", "LIST_DTYPE", "list_array", "is_list_dtype",
    "arrow_data",
    "MESSAGES", "CHANNELS", "REJECTED", "SERVICE", "FILES", "TABLES", "LIST_COLUMNS",
    "empty", "conform", "validate",
]

PLATFORM = "platform"
CHANNEL_ID = "channel_id"
CHANNEL = "channel"
MESSAGE_ID = "message_id"
DATE = "date"
TEXT = "text"
FWD_CHANNEL_ID = "fwd_from_channel_id"
FWD_NAME = "fwd_from_name"
GROUP = "group"

#: Nullable string with ``pd.NA`` as its missing value (pandas' default ``str`` uses NaN).
STRING = pd.StringDtype("pyarrow")
UTC_TIME = pd.DatetimeTZDtype("ns", "UTC")
PLATFORMS = ("telegram", "twitter")
PLATFORM_DTYPE = pd.CategoricalDtype(list(PLATFORMS))
KIND_DTYPE = pd.CategoricalDtype(["channel", "group", "supergroup", "account", "unknown"])
#: Marker of a list column in the table specs below: every cell a list of strings, never NA.
LIST = "list"
#: How loaders hold list columns: Arrow lists of strings. An empty list costs 4 bytes instead
#: of a Python list object (56 bytes, and more with items); cells read back as Python lists
#: (``s[i]``, iteration, ``tolist()``), ``.map``/``.apply`` pass NumPy arrays. An object
#: column of Python lists is accepted too (:func:`validate`), and :func:`conform` (and
#: :class:`~workbench.Corpus`) turns it into this.
LIST_ARROW = pa.list_(pa.string())
LIST_DTYPE = pd.ArrowDtype(LIST_ARROW)

MESSAGES: dict[str, object] = {
    "platform": PLATFORM_DTYPE,
    "channel_id": STRING,
    "channel": STRING,
    "author_id": STRING,
    "author": STRING,
    "message_id": np.dtype("int64"),
    "date": UTC_TIME,
    "text": STRING,
    "fwd_from_channel_id": STRING,
    "fwd_from_name": STRING,
    "fwd_from_message_id": pd.Int64Dtype(),
    "fwd_from_date": UTC_TIME,
    "reply_to": pd.Int64Dtype(),
    "views": pd.Int64Dtype(),
    "forwards": pd.Int64Dtype(),
    "edited": UTC_TIME,
    "grouped_id": pd.Int64Dtype(),
    "media_type": "category",
    "media_name": STRING,
    "media_size": pd.Int64Dtype(),
    "media_duration": pd.Int64Dtype(),
    "mentions": LIST,
    "links": LIST,
    "hashtags": LIST,
    "source": STRING,
}

CHANNELS: dict[str, object] = {
    "channel_id": STRING,
    "platform": PLATFORM_DTYPE,
    "kind": KIND_DTYPE,
    "name": STRING,
    "handle": STRING,
    "resolved": np.dtype("bool"),
}

REJECTED: dict[str, object] = {
    "source": STRING,
    "reason": STRING,
    "raw": STRING,
}

SERVICE: dict[str, object] = {
    "platform": PLATFORM_DTYPE,
    "channel_id": STRING,
    "message_id": pd.Int64Dtype(),
    "date": UTC_TIME,
    "action": STRING,
    "actor_id": STRING,
    "actor": STRING,
    "text": STRING,
    "source": STRING,
}

#: Provenance: one row per input file read. ``records`` = ``loaded`` + ``service`` +
#: ``rejected`` + ``merged`` (messages superseded by a newer export of the same channel).
FILES: dict[str, object] = {
    "path": STRING,
    "format": STRING,
    "size": np.dtype("int64"),
    "sha256": STRING,
    "records": np.dtype("int64"),
    "loaded": np.dtype("int64"),
    "service": np.dtype("int64"),
    "rejected": np.dtype("int64"),
    "merged": np.dtype("int64"),
}

TABLES: dict[str, dict[str, object]] = {
    "messages": MESSAGES,
    "channels": CHANNELS,
    "rejected": REJECTED,
    "service": SERVICE,
    "files": FILES,
}
#: Columns that must be present; any other columns (analyst labels) are allowed after them.
REQUIRED_NON_NULL: dict[str, tuple[str, ...]] = {
    "messages": ("platform", "channel_id", "message_id", "date"),
    "channels": ("channel_id", "platform", "resolved"),
    "rejected": ("source", "reason"),
    "service": ("platform", "channel_id"),
    "files": ("path", "format"),
}
LIST_COLUMNS = tuple(c for c, t in MESSAGES.items() if t == LIST)


def _columns(table: str) -> dict[str, object]:
    try:
        return TABLES[table]
    except KeyError:
        raise SchemaError(f"unknown table {table!r}; expected one of {sorted(TABLES)}") from None


def empty(table: str) -> pd.DataFrame:
    """An empty DataFrame with the columns and dtypes of ``table``.

    Examples
    --------
    >>> empty("channels").dtypes["resolved"]
    dtype('bool')
    """
    return conform(pd.DataFrame({c: [] for c in _columns(table)}), table)


def list_array(values) -> pd.api.extensions.ExtensionArray:
    """A list column as loaders hold it (:data:`LIST_DTYPE`): from an Arrow array, a Series
    (Arrow-backed or of Python lists) or an iterable of lists; null cells become empty lists.

    Raises
    ------
    TypeError
        If an item is not a string.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.Series(list_array([["a", "b"], None, []]))
    >>> s.dtype == LIST_DTYPE, s[0], s[1]
    (True, ['a', 'b'], [])
    """
    if isinstance(values, pd.Series):
        values = values.array
    if isinstance(values, pd.arrays.ArrowExtensionArray):
        values = arrow_data(values)
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        arr = values if values.type == LIST_ARROW else values.cast(LIST_ARROW)
    else:
        arr = pa.array([_as_list(v) for v in values], type=LIST_ARROW)
    if arr.null_count:
        arr = pc.fill_null(arr, pa.scalar([], type=LIST_ARROW))
    return pd.arrays.ArrowExtensionArray(arr)


def arrow_data(values) -> pa.ChunkedArray:
    """The Arrow data behind an Arrow-backed column, shared, not copied.

    pandas hands it over through the Arrow protocol (``__arrow_array__``, which ``pa.array``
    calls), so this needs nothing private of pandas.

    Parameters
    ----------
    values : Series or ExtensionArray
        A column of dtype ``string[pyarrow]``, ``str`` (pandas' Arrow strings),
        :data:`LIST_DTYPE` or any other ``pd.ArrowDtype``.

    Returns
    -------
    pyarrow.ChunkedArray
        The column's chunks, their buffers the very memory the column holds.

    Raises
    ------
    TypeError
        If the column is not Arrow-backed (converting it would copy).

    Examples
    --------
    >>> import pandas as pd
    >>> held = pa.array([["a"], ["b", "c"]], type=LIST_ARROW)
    >>> arr = arrow_data(pd.Series(pd.arrays.ArrowExtensionArray(held)))
    >>> arr.type == LIST_ARROW, arr.to_pylist()
    (True, [['a'], ['b', 'c']])
    >>> arr.chunk(0).buffers()[1].address == held.buffers()[1].address  # the same memory
    True
    """
    array = values.array if isinstance(values, pd.Series) else values
    if not isinstance(array, pd.arrays.ArrowExtensionArray):
        raise TypeError(f"arrow_data: the column is not Arrow-backed (dtype "
                        f"{getattr(values, 'dtype', type(values).__name__)})")
    arr = pa.array(array)  # (pandas hands over its ChunkedArray; an Array is wrapped)
    return arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])


def is_list_dtype(dtype: object) -> bool:
    """Whether ``dtype`` can hold a list column: :data:`LIST_DTYPE` or object (Python lists)."""
    return dtype == object or dtype == LIST_DTYPE


def _cast(series: pd.Series, dtype: object) -> pd.Series:
    if dtype == LIST:
        return pd.Series(list_array(series))
    if isinstance(dtype, pd.DatetimeTZDtype):
        if not isinstance(series.dtype, pd.DatetimeTZDtype):
            series = pd.to_datetime(series, utc=True)
        return series.dt.tz_convert("UTC").astype(dtype)
    if dtype == "category" and isinstance(series.dtype, pd.CategoricalDtype):
        return series
    if dtype == "category":
        # Categories are plain strings (pandas' "str"), also when every value is null, so
        # that every loader and a Parquet round trip agree on the exact dtype.
        return series.astype("str").astype("category")
    if isinstance(dtype, pd.StringDtype) and series.dtype == object:
        # "" is never a value: null is always NA.
        series = series.where(series.notna() & (series != ""), None)
    out = series.astype(dtype)
    if isinstance(dtype, pd.StringDtype):
        out = out.mask(out == "")
    return out


def _as_list(value: object) -> list:
    if isinstance(value, list):
        return value
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, (tuple, np.ndarray)):
        return [str(v) for v in value]
    return [str(value)]


def conform(frame: pd.DataFrame, table: str, *, extra: Mapping[str, object] | None = None
            ) -> pd.DataFrame:
    """Return a copy of ``frame`` with the canonical columns of ``table`` first, in canonical
    order and dtype; missing canonical columns are added as nulls, other columns are kept after.

    Raises
    ------
    SchemaError
        If a column cannot be converted; the message names the column and shows the rows.

    Examples
    --------
    >>> import pandas as pd
    >>> out = conform(pd.DataFrame({"source": ["a.json"], "reason": ["bad"]}), "rejected")
    >>> bool(out["raw"].isna().all())
    True
    """
    spec = dict(_columns(table))
    if extra:
        spec.update(extra)
    n = len(frame)
    data = {}
    for col, dtype in spec.items():
        if col in frame.columns:
            series = frame[col].reset_index(drop=True)
        elif dtype == LIST:
            series = pd.Series(list_array(pa.nulls(n, LIST_ARROW)))
        elif dtype == np.dtype("bool"):
            series = pd.Series(np.zeros(n, dtype=bool))
        else:
            series = pd.Series([None] * n, dtype=object)
        try:
            data[col] = _cast(series, dtype)
        except (TypeError, ValueError, OverflowError) as exc:
            bad = _offending(series, dtype)
            raise SchemaError(
                f"{table}.{col}: cannot convert to {dtype}: {exc}\n"
                f"offending rows:\n{frame.loc[frame.index[bad]].head(5).to_string()}"
            ) from exc
    for col in frame.columns:
        if col not in data:
            data[col] = frame[col].reset_index(drop=True)
    return pd.DataFrame(data, index=pd.RangeIndex(n))


def _offending(series: pd.Series, dtype: object) -> list[int]:
    bad = []
    for i, value in enumerate(series):
        try:
            _cast(pd.Series([value], dtype=object), dtype)
        except (TypeError, ValueError, OverflowError):
            bad.append(i)
        if len(bad) >= 5:
            break
    return bad


def _unique_ids(frame: pd.DataFrame, keys: list[str]) -> bool:
    """True when the (string, int64) key pair is shown unique cheaply: both packed into one
    int64 (channel code times the id span plus the id), whose uniqueness a hash table tells
    in half the time ``DataFrame.duplicated`` takes on two columns. False when it may not
    be (then the caller looks for the duplicates the slow way, to show them).

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"c": pd.array(["a", "a", "b"], dtype=STRING), "i": [1, 2, 1]})
    >>> _unique_ids(f, ["c", "i"]), _unique_ids(f.iloc[[0, 0]], ["c", "i"])
    (True, False)
    """
    if len(keys) != 2 or len(frame) == 0 or frame[keys[1]].dtype != np.dtype("int64"):
        return False
    codes, uniques = pd.factorize(frame[keys[0]])
    if (codes < 0).any():  # a null key: let the slow way show it
        return False
    ids = frame[keys[1]].to_numpy()
    low = int(ids.min())
    span = int(ids.max()) - low + 1
    if len(uniques) * span >= 2**62:  # ids too far apart to pack (Twitter's, say)
        return False
    return pd.Index(codes.astype(np.int64) * span + (ids - low)).is_unique


def validate(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Check that ``frame`` is a canonical ``table``; return it unchanged.

    Raises
    ------
    SchemaError
        Naming the first column that is missing, has the wrong dtype, holds nulls where none
        are allowed, or (for ``messages`` and ``channels``) holds duplicate keys.

    Examples
    --------
    >>> import pandas as pd
    >>> validate(pd.DataFrame({"source": ["x"]}), "rejected")
    Traceback (most recent call last):
    ...
    workbench.errors.SchemaError: rejected: missing column 'reason'
    """
    spec = _columns(table)
    for col in spec:
        if col not in frame.columns:
            raise SchemaError(f"{table}: missing column {col!r}", table=table)
    for col, dtype in spec.items():
        actual = frame[col].dtype
        if dtype == LIST:
            ok = is_list_dtype(actual)
        elif dtype == "category":
            ok = isinstance(actual, pd.CategoricalDtype)
        else:
            ok = actual == dtype
        if not ok:
            raise SchemaError(f"{table}.{col}: dtype {actual}, expected {dtype}", table=table)
    for col in REQUIRED_NON_NULL[table]:
        nulls = frame[col].isna()
        if nulls.any():
            raise SchemaError(
                f"{table}.{col}: {int(nulls.sum())} null value(s) where none are allowed\n"
                f"offending rows:\n{frame[nulls].head(5).to_string()}",
                table=table, rows=frame.index[nulls.to_numpy()][:5])
    for col, dtype in spec.items():
        if isinstance(dtype, pd.StringDtype):
            blank = (frame[col] == "").fillna(False)
            if blank.any():
                raise SchemaError(
                    f"{table}.{col}: empty strings where null (NA) is expected\n"
                    f"offending rows:\n{frame[blank].head(5).to_string()}",
                    table=table, rows=frame.index[blank.to_numpy()][:5])
    keys = {"messages": ["channel_id", "message_id"], "channels": ["channel_id"]}.get(table)
    if keys and not _unique_ids(frame, keys):
        dup = frame.duplicated(keys, keep=False)
        if dup.any():
            raise SchemaError(
                f"{table}: duplicate key {tuple(keys)}\n"
                f"offending rows:\n{frame[dup].head(5).to_string()}",
                table=table, rows=frame.index[dup.to_numpy()][:5])
    if not isinstance(frame.index, pd.RangeIndex):
        raise SchemaError(f"{table}: index must be a plain RangeIndex, got "
                          f"{type(frame.index).__name__}", table=table)
    return frame
