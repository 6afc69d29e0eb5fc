"""Message rows as compact Arrow chunks and back to pandas columns, and which export's row wins
when exports of the same channel overlap (the newest: latest last-message date, then the later
in file order)."""

from __future__ import annotations

from dataclasses import replace
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema
from ..errors import LoadError

if TYPE_CHECKING:
    from .builder import Part

#: Message columns a reader can fill: all of messages except ``platform`` (set per part).
FIELDS = (
    "channel_id", "channel", "author_id", "author", "message_id", "date", "text",
    "fwd_from_channel_id", "fwd_from_name", "fwd_from_message_id", "fwd_from_date",
    "reply_to", "views", "forwards", "edited", "grouped_id", "media_type", "media_name",
    "media_size", "media_duration", "mentions", "links", "hashtags", "source",
)
assert set(FIELDS) | {"platform"} == set(schema.MESSAGES)
STR = {c for c in FIELDS if schema.MESSAGES[c] == schema.STRING} | {"media_type"}
TIME = {c for c in FIELDS if schema.MESSAGES[c] == schema.UTC_TIME}
LIST = set(schema.LIST_COLUMNS)
NAT = np.iinfo(np.int64).min


def _segments(values: list, counts: np.ndarray, typ: pa.DataType) -> pa.Array:
    """One value per part, repeated over the part's rows."""
    arrays = [pa.repeat(pa.scalar(v, typ), int(c)) if v is not None else pa.nulls(int(c), typ)
              for v, c in zip(values, counts) if c]
    return pa.concat_arrays(arrays) if len(arrays) != 1 else arrays[0]


def columns_to_chunk(cols: dict[str, list], parts: list[Part], counts: np.ndarray, n: int,
                      label: str) -> dict:
    chunk: dict[str, object] = {
        "_part": np.repeat(np.asarray([p.index for p in parts], dtype=np.int64), counts)}
    for name in FIELDS:
        typ = pa.large_string() if name in STR else pa.int64()  # ints and ns times
        values = cols.get(name)
        try:
            if values is None:
                if name in LIST:
                    chunk[name] = _empty_lists(n)
                elif name == "channel_id":
                    chunk[name] = _segments([p.channel_id for p in parts], counts, typ)
                elif name == "channel":
                    chunk[name] = _segments([p.name for p in parts], counts, typ)
                elif name == "source" and "_index" in cols:
                    prefix = _segments([p.source_prefix for p in parts], counts, typ)
                    index = pa.array(cols["_index"], type=pa.int64()).cast(typ)
                    chunk[name] = pc.binary_join_element_wise(prefix, index,
                                                              pa.scalar("", typ))
                else:
                    chunk[name] = pa.nulls(n, typ)
            elif name in LIST:
                chunk[name] = _lists(values, n)
            else:
                chunk[name] = pa.array(values, type=typ)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError) as exc:
            raise LoadError(f"{label}: messages column {name!r} got a value of the wrong "
                            f"type: {exc}") from exc
    return chunk


def _lists(values: list, n: int) -> pa.Array:
    """Python lists of strings as an Arrow list array; TypeError for a cell that is not a
    list (None is an empty list) or an item that is not a string. Flattened and measured by
    C loops (``map``, ``chain``): most cells are empty, and a per-cell Python loop would cost
    more than the conversion."""
    kinds = set(map(type, values))
    if kinds - {list}:
        if kinds - {list, type(None)}:
            raise TypeError(f"a list cell holds a {sorted(t.__name__ for t in kinds)}")
        values = [[] if v is None else v for v in values]
    flat = list(chain.from_iterable(values))
    if flat and set(map(type, flat)) - {str}:
        raise TypeError("a list holds an item that is not a string")
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.fromiter(map(len, values), dtype=np.int64, count=n), out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat, type=pa.string()))


def _empty_lists(n: int) -> pa.Array:
    return pa.ListArray.from_arrays(pa.array(np.zeros(n + 1, dtype=np.int32)),
                                    pa.array([], type=pa.string()))


_INT_MIN, _INT_MAX = -(1 << 63), (1 << 63) - 1
#: Message times a row may hold (about years 1700-2242; see ``records.check_ns``).
_TIME_MAX = (1 << 33) * 1_000_000_000


def value_problem(name: str, value: object) -> str | None:
    """Why ``value`` cannot be in message column ``name`` (None when it can): the one check
    behind every reader, so a value no reader validated costs its row, not the file."""
    if value is None:
        return None
    if name in LIST:
        if type(value) is not list:
            return f"{name} is a {type(value).__name__}, not a list"
        for item in value:
            if type(item) is not str:
                return f"{name} holds {_shown(item)}, not a string"
        return None
    if name in STR:
        return None if type(value) is str else f"{name} {_shown(value)} is not a string"
    if type(value) is not int:
        return f"{name} {_shown(value)} is not an integer"
    if name in TIME:
        if not -_TIME_MAX < value < _TIME_MAX:
            return f"{name} {_shown(value)} (ns) is out of range (years 1700-2242)"
    elif not _INT_MIN < value <= _INT_MAX:
        return f"{name} {_shown(value)} is out of range for a 64-bit integer"
    return None


def _shown(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def needs_check(cols: dict[str, list], chunk: dict) -> bool:
    """Whether a converted chunk may hold values :func:`value_problem` refuses that the
    conversion let through: times out of range (list cells and items are checked by the
    conversion itself)."""
    for name in TIME:
        arr = chunk.get(name)
        if arr is not None and cols.get(name) is not None and arr.null_count < len(arr):
            lo, hi = pc.min_max(arr).values()
            if lo.as_py() <= -_TIME_MAX or hi.as_py() >= _TIME_MAX:
                return True
    return False


def bad_rows(cols: dict[str, list]) -> dict[int, tuple[str, object]]:
    """Row number -> (reason, value) for every row holding a value that cannot be in its
    column (the first such value)."""
    bad: dict[int, tuple[str, object]] = {}
    for name, values in cols.items():
        if name == "_index":
            continue
        for i, value in enumerate(values):
            if i in bad:
                continue
            problem = value_problem(name, value)
            if problem is not None:
                bad[i] = (problem, value)
    return bad


def may_overlap(parts: list[Part]) -> bool:
    seen = set()
    for p in parts:
        if p.channel_id in seen:
            return True
        seen.add(p.channel_id)
    return False


def part_max_dates(n_parts: int, part: np.ndarray, date: np.ndarray) -> np.ndarray:
    best = np.full(n_parts, NAT, dtype=np.int64)
    np.maximum.at(best, part, date)
    return best


def part_ranks(parts: list[Part], best: np.ndarray) -> np.ndarray:
    """Rank of each part from oldest to newest export (``best``: its max message date, then
    file order)."""
    order = np.lexsort((np.asarray([p.order for p in parts]), best))
    rank = np.empty(len(parts), dtype=np.int64)
    rank[order] = np.arange(len(parts))
    return rank


def newest_wins(rank, part, mid, cid_codes):
    row_rank = rank[part]
    order = np.lexsort((row_rank, mid, cid_codes))
    same_next = (cid_codes[order][1:] == cid_codes[order][:-1]) & (
        mid[order][1:] == mid[order][:-1])
    if not same_next.any():
        return None, None
    drop = order[:-1][same_next]  # every row followed by a newer version of itself
    keep = np.ones(len(part), dtype=bool)
    keep[drop] = False
    return keep, part[drop]


def newest_part_per_channel(parts: list[Part], rank: np.ndarray | None) -> dict[str, Part]:
    """Per channel, the description from its newest export, gaps filled from older ones."""
    if rank is None:
        rank = np.arange(len(parts))
    newest: dict[str, Part] = {}
    for i in np.argsort(rank, kind="stable"):  # oldest first, so newer ones overwrite
        p = parts[i]
        prev = newest.get(p.channel_id)
        newest[p.channel_id] = p if prev is None else _merge_part(prev, p)
    return dict(sorted(newest.items()))


def _merge_part(older: Part, newer: Part) -> Part:
    """The newer part's description, with gaps filled from the older."""
    return replace(newer, name=newer.name or older.name,
                   kind=newer.kind if newer.kind != "unknown" else older.kind,
                   handle=newer.handle or older.handle, resolved=newer.resolved or older.resolved)


def categorical(col: pa.ChunkedArray) -> pd.Categorical:
    """Categorical with sorted plain-string categories (as schema.conform makes them)."""
    encoded = pc.dictionary_encode(col.combine_chunks())
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    categories = encoded.dictionary.to_pylist()
    cat = pd.Categorical.from_codes(codes.astype(np.int64),
                                    categories=pd.Index(categories, dtype="str"))
    return cat.set_categories(sorted(categories))


def ns_to_utc_array(ns: np.ndarray) -> pd.arrays.DatetimeArray:
    return pd.array(ns.view("M8[ns]")).tz_localize("UTC")


def ns_to_utc(values) -> pd.arrays.DatetimeArray:
    if isinstance(values, (pa.ChunkedArray, pa.Array)):
        ns = values.fill_null(NAT).to_numpy()
    else:
        ns = np.asarray(pd.array(values, dtype="Int64").to_numpy(dtype=np.int64,
                                                                 na_value=NAT))
    return ns_to_utc_array(np.asarray(ns, dtype=np.int64))


def nullable_int(col: pa.ChunkedArray) -> pd.arrays.IntegerArray:
    values = col.fill_null(0).to_numpy()
    mask = col.is_null().to_numpy(zero_copy_only=False)
    return pd.arrays.IntegerArray(np.asarray(values, dtype=np.int64), np.asarray(mask))
