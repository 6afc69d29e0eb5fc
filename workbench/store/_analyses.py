"""The analyses over a store, in DuckDB, giving exactly what the pandas functions give.

Each aggregation runs inside DuckDB down to a table small enough for pandas (one row per edge,
or per period and series), which is then finished by the same pandas code the in-memory
analyses use. Time series are reduced to one row per (series, local day) for calendar periods
and per (series, period) for fixed-length ones, carrying the earliest instant of the group, so
the pandas binning sees the same periods and the same first instant.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema
from ..errors import ParameterError
from ..schema import STRING, UTC_TIME
from ..timeline._volume import _is_tick
from ._store import _ident as _q

__all__ = ["forward_edges", "mention_edges", "message_volume", "keyword_trend",
           "reduce_volume", "edges_frame"]

_NAT = np.iinfo(np.int64).min


# ---------------------------------------------------------------------------------------------
# Edges
# ---------------------------------------------------------------------------------------------
def _median_ns(values) -> int | None:
    """The median as pandas computes it for timedeltas: in float64, truncated."""
    if values is None or not len(values):
        return None
    v = sorted(values)
    n = len(v)
    if n % 2:
        return int(np.float64(v[n // 2]))
    return int((np.float64(v[n // 2 - 1]) + np.float64(v[n // 2])) / 2)


def edges_frame(agg: pd.DataFrame, *, min_weight: float, delay: bool, kind: str) -> pd.DataFrame:
    """The edge table :func:`workbench.network.forward_edges` returns, from per-pair
    aggregates (``source``, ``target``, ``weight``, ``first``/``last`` in ns, ``resolved``,
    ``median_delay`` in ns or None)."""
    from ..network._edges import _empty_edges, _sorted, _tag

    if not len(agg):
        return _tag(_empty_edges(delay), kind)
    edges = pd.DataFrame({
        "source": pd.array(agg["source"].astype(object).to_numpy(), dtype=STRING),
        "target": pd.array(agg["target"].astype(object).to_numpy(), dtype=STRING),
        "weight": agg["weight"].to_numpy().astype(np.int64),
        "first": pd.DatetimeIndex(agg["first"].to_numpy(dtype=np.int64).view("M8[ns]"))
        .tz_localize("UTC").astype(UTC_TIME),
        "last": pd.DatetimeIndex(agg["last"].to_numpy(dtype=np.int64).view("M8[ns]"))
        .tz_localize("UTC").astype(UTC_TIME),
    })
    if delay:
        ns = np.asarray([_NAT if v is None or v != v else int(v) for v in agg["median_delay"]],
                        dtype=np.int64)
        edges["median_delay"] = ns.view("m8[ns]")
    edges["resolved"] = agg["resolved"].to_numpy().astype(bool)
    edges = edges[edges["weight"] >= min_weight]
    return _tag(_sorted(edges), kind)


FORWARD_SQL = """
    SELECT coalesce(fwd_from_channel_id, platform || ':name:' || _fwd_norm) AS source,
           channel_id AS target, count(*) AS weight,
           min(epoch_ns(date)) AS first, max(epoch_ns(date)) AS last,
           bool_or(fwd_from_channel_id IS NOT NULL) AS resolved,
           list(epoch_ns(date) - epoch_ns(fwd_from_date)) FILTER
               (WHERE fwd_from_date IS NOT NULL) AS delays
    FROM _messages
    WHERE fwd_from_channel_id IS NOT NULL OR fwd_from_name IS NOT NULL
    GROUP BY 1, 2
"""


def forward_edges(store, *, min_weight: int = 1) -> pd.DataFrame:
    """:func:`workbench.network.forward_edges` of the store's messages, in DuckDB (a pair
    without dated forwards gets no delays, hence no median)."""
    agg = store._sql(FORWARD_SQL).to_pandas()
    agg["median_delay"] = agg.pop("delays").map(_median_ns)
    return edges_frame(agg, min_weight=min_weight, delay=True, kind="forward")


def mention_targets(values: pd.DataFrame, channels: pd.DataFrame | None) -> pd.DataFrame:
    """For distinct (platform, value) pairs of mentions and links: the target channel key
    and whether it resolved, as :func:`workbench.network.mention_edges` parses them."""
    from ..network._edges import _handle_map, _mention_target, handle_key

    handles = _handle_map(channels)
    targets, resolved = [], []
    for platform, value in zip(values["platform"], values["v"]):
        target, ok = _mention_target(str(value), handles)
        if isinstance(target, tuple):  # a handle nobody in the corpus owns
            target = handle_key(target[1], str(platform))
        targets.append(target)
        resolved.append(ok)
    out = values.assign(target=targets, resolved=resolved)
    return out[out["target"].notna()].reset_index(drop=True)


MENTION_SQL = """
    WITH flat AS (
        SELECT channel_id, message_id, date, platform,
               unnest(list_concat(mentions, links)) AS v
        FROM _messages WHERE len(mentions) > 0 OR len(links) > 0
    ), hits AS (
        SELECT DISTINCT f.channel_id, f.message_id, f.date, t.target, t.resolved
        FROM flat f JOIN _mention_map t ON f.platform = t.platform AND f.v = t.v
    )
    SELECT channel_id AS source, target, count(*) AS weight,
           min(epoch_ns(date)) AS first, max(epoch_ns(date)) AS last,
           bool_or(resolved) AS resolved
    FROM hits {where} GROUP BY 1, 2
"""


def mention_edges(store, *, channels=None, min_weight: int = 1,
                  self_mentions: bool = False) -> pd.DataFrame:
    """:func:`workbench.network.mention_edges` of the store's messages, in DuckDB."""
    con = store._connection()
    values = store._sql("""
        SELECT DISTINCT platform, v FROM (
            SELECT platform, unnest(list_concat(mentions, links)) AS v FROM _messages
            WHERE len(mentions) > 0 OR len(links) > 0)""").to_pandas()
    mapping = mention_targets(values, channels)
    con.register("_mention_map_tmp", pd.DataFrame({
        "platform": mapping["platform"].astype(object), "v": mapping["v"].astype(object),
        "target": mapping["target"].astype(object),
        "resolved": mapping["resolved"].astype(bool)}))
    con.execute("CREATE OR REPLACE TEMP TABLE _mention_map AS SELECT * FROM _mention_map_tmp")
    con.unregister("_mention_map_tmp")
    where = "" if self_mentions else "WHERE channel_id <> target"
    agg = store._sql(MENTION_SQL.format(where=where)).to_pandas()
    return edges_frame(agg, min_weight=min_weight, delay=False, kind="mention")


# ---------------------------------------------------------------------------------------------
# Volumes
# ---------------------------------------------------------------------------------------------
def _columns(store) -> list[str]:
    store._connection()
    return list(schema.MESSAGES) + list(store._cache.get("labels", []))


def _check_columns(store, **cols) -> None:
    available = _columns(store)
    for name, col in cols.items():
        if col is not None and col not in available:
            raise ParameterError(
                f"{name}={col!r} is not a column of messages; columns are {available}")


def _is_utc(tz) -> bool:
    return isinstance(tz, str) and tz.upper() in ("UTC", "Z", "GMT", "ETC/UTC")


def _bin_sql(freq: str, tz, first_ns: int) -> tuple[str, list]:
    """SQL for a key shared by all messages of one period (a finer split is fine): the
    fixed-length period (aligned as pandas aligns it), or the UTC day."""
    if _is_tick(freq):
        step = pd.tseries.frequencies.to_offset(freq).nanos
        offset = pd.Timedelta(pd.Timestamp(first_ns, tz="UTC").tz_convert(tz).utcoffset() or 0)
        return "(epoch_ns(date) + ?) // ?", [int(offset.value), int(step)]
    return "epoch_ns(date) // 86400000000000", []


def _first_ns(store) -> int | None:
    """The earliest message instant of the store (ns, UTC); None when it is empty."""
    return store._sql("SELECT min(epoch_ns(date)) AS t FROM _messages").column("t")[0].as_py()


def _by_dtype(store, by: str):
    if by in schema.MESSAGES:
        dtype = schema.MESSAGES[by]
        if dtype == "category" or isinstance(dtype, pd.CategoricalDtype):
            return STRING
        return dtype
    channels = store.channels()
    from ..io.labels import _nullable

    return _nullable(channels[by].dtype)


def _source(by: str | None) -> str:
    """The view to read: labels are only on ``messages``."""
    return "_messages" if by is None or by in schema.MESSAGES else "messages"


def reduce_volume(store, *, freq: str, by: str | None, tz, weight: str | None) -> pd.DataFrame:
    """One row per (``by`` value, period key): ``date`` (its earliest instant, UTC), ``by``,
    ``_w`` (messages, or the summed weight)."""
    first = _first_ns(store)
    if first is None:
        return None
    if not _is_tick(freq) and not _is_utc(tz):
        # Local days of other zones: binned by pandas itself (exact whatever the zone's
        # rules), over streamed batches.
        return _reduce_streamed(store, freq=freq, by=by, tz=tz, weight=weight, first=first)
    key, params = _bin_sql(freq, tz, first)
    by_sql = f", {_q(by)} AS _by" if by is not None else ""
    group = "_key, _by" if by is not None else "_key"
    value = f"sum(coalesce({_q(weight)}, 0))" if weight is not None else "count(*)"
    arrow = store._sql(f"""
        SELECT {key} AS _key{by_sql}, min(epoch_ns(date)) AS _t, {value} AS _w
        FROM {_source(by if by is not None else weight)} GROUP BY {group} ORDER BY _t""",
                       params)
    return _reduced_frame(store, arrow.to_pandas(), by)


def _reduced_frame(store, frame: pd.DataFrame, by: str | None) -> pd.DataFrame:
    out = pd.DataFrame({
        "date": pd.DatetimeIndex(frame["_t"].to_numpy(dtype=np.int64).view("M8[ns]"))
        .tz_localize("UTC").astype(UTC_TIME)})
    if by is not None:
        values = frame["_by"]
        dtype = _by_dtype(store, by)
        if isinstance(dtype, pd.DatetimeTZDtype):
            values = pd.to_datetime(values, utc=True)
        out[by] = pd.array(values.astype(object).where(values.notna(), None).tolist(),
                           dtype=dtype)
    out["_w"] = frame["_w"].to_numpy(dtype="float64")
    for col in frame.columns:
        if col.startswith("_h"):
            out[col] = frame[col].to_numpy(dtype="int64")
    return out


def period_rows(binner, dates, *, by=None, weight=None, texts=None, patterns=()
                ) -> pd.DataFrame:
    """The rows a reduction groups, one per message: its period key (``_key``, from the
    binner) and instant (``_t``, ns), its ``by`` value (``_by``, None for nulls) when ``by``
    values are given, its weight (``_w``: the ``weight`` values, nulls as 0, else 1.0), and
    per pattern whether its normalised text matches (``_h0``, ``_h1``, ...; 0 or 1)."""
    from ..timeline._keywords import normalise_text

    dates = pd.Series(pd.DatetimeIndex(dates).tz_convert("UTC"))
    out = pd.DataFrame({"_key": np.asarray(binner.starts(dates)).view(np.int64),
                        "_t": dates.to_numpy(dtype="datetime64[ns]").view(np.int64)})
    if by is not None:
        out["_by"] = pd.Series(by.astype(object).where(by.notna(), None).to_numpy(),
                               index=out.index, dtype=object)
    out["_w"] = (pd.to_numeric(weight).fillna(0).to_numpy(dtype="float64")
                 if weight is not None else 1.0)
    if patterns:
        normalised = [normalise_text(t) for t in texts.tolist()]
        for k, pattern in enumerate(patterns):
            out[f"_h{k}"] = np.fromiter((pattern.search(t) is not None for t in normalised),
                                        dtype=bool, count=len(normalised)).astype("int64")
    return out


def _reduce_streamed(store, *, freq, by, tz, weight, first, patterns=(), text_col=None):
    """The reduction in pandas over streamed batches (time zones DuckDB does not know, and
    keyword matches: per period and ``by`` value the matches of each pattern)."""
    from ..timeline._volume import _Binner

    binner = _Binner(freq, tz, [pd.Timestamp(first, tz="UTC")])
    cols = (["date"] + ([text_col] if patterns else []) + ([by] if by is not None else [])
            + ([weight] if weight else []))
    partials = []
    for batch in _stream(store, cols, by or weight):
        frame = batch.to_pandas()
        part = period_rows(binner, frame["date"], by=frame[by] if by is not None else None,
                           weight=frame[weight] if weight else None,
                           texts=frame[text_col] if patterns else None, patterns=patterns)
        partials.append(_group(part, by is not None))
    if not partials:
        return None
    total = _group(pd.concat(partials, ignore_index=True), by is not None)
    return _reduced_frame(store, total.sort_values("_t", kind="stable"), by)


def _group(part: pd.DataFrame, has_by: bool) -> pd.DataFrame:
    keys = ["_key", "_by"] if has_by else ["_key"]
    agg = {"_t": "min", "_w": "sum", **{c: "sum" for c in part.columns if c.startswith("_h")}}
    return part.groupby(keys, dropna=False, sort=False).agg(agg).reset_index()


def _stream(store, columns: list[str], extra: str | None, rows: int = 500_000):
    source = _source(extra)
    sql = f"SELECT {', '.join(_q(c) for c in columns)} FROM {source}"
    con = store._connection()
    reader = con.sql(sql).to_arrow_reader(rows)
    yield from reader


def message_volume(store, *, freq: str = "D", by: str | None = None, tz: str = "UTC",
                   weight: str | None = None, start=None, end=None, date_col: str = "date",
                   _reduce=None) -> pd.DataFrame:
    """:func:`workbench.timeline.message_volume` of the store's messages
    (``_reduce(store, freq=, by=, tz=, weight=)`` computes the reduction elsewhere, e.g. on
    Dask)."""
    from ..timeline._volume import _check, message_volume as pandas_volume

    if date_col != "date":
        raise ParameterError(f"date_col={date_col!r}: a store's messages have 'date'")
    _check_columns(store, by=by, weight=weight)
    _check(pd.DataFrame({"date": []}), freq, tz, "date")
    reduced = (reduce_volume if _reduce is None else _reduce)(store, freq=freq, by=by, tz=tz,
                                                               weight=weight)
    if reduced is None:
        reduced = _empty_reduced(store, by)
    return pandas_volume(reduced, freq=freq, by=by, tz=tz, weight="_w", start=start, end=end)


def _empty_reduced(store, by: str | None, patterns: int = 0) -> pd.DataFrame:
    reduced = pd.DataFrame({"date": pd.array([], dtype=UTC_TIME), "_w": []})
    for k in range(patterns):
        reduced[f"_h{k}"] = np.zeros(0, dtype=np.int64)
    if by is not None:
        reduced[by] = pd.array([], dtype=_by_dtype(store, by))
    return reduced


def _keyword_reduce(store, patterns, *, freq, by, tz, text_col) -> pd.DataFrame | None:
    """Texts streamed in batches: per (period key, ``by``) the messages and the matches of
    each pattern (columns ``_h0``, ``_h1``, ...)."""
    first = _first_ns(store)
    if first is None:
        return None
    return _reduce_streamed(store, freq=freq, by=by, tz=tz, weight=None, first=first,
                            patterns=patterns, text_col=text_col)


def keyword_trend(store, terms, *, freq: str = "D", by: str | None = None, tz: str = "UTC",
                  text_col: str = "text", date_col: str = "date", _reduce=None
                  ) -> pd.DataFrame:
    """:func:`workbench.timeline.keyword_trend` of the store's messages (texts streamed;
    ``_reduce(store, patterns)`` computes the reduction elsewhere, e.g. on Dask)."""
    from ..timeline._keywords import _terms, _trend_table, term_pattern
    from ..timeline._volume import message_volume as pandas_volume

    terms = _terms(terms)
    if date_col != "date":
        raise ParameterError(f"date_col={date_col!r}: a store's messages have 'date'")
    _check_columns(store, text_col=text_col, by=by)
    patterns = [term_pattern(t) for t in terms]
    if _reduce is None:
        reduced = _keyword_reduce(store, patterns, freq=freq, by=by, tz=tz, text_col=text_col)
    else:
        reduced = _reduce(store, patterns)
    if reduced is None:
        reduced = _empty_reduced(store, by, len(patterns))
    totals = pandas_volume(reduced, freq=freq, by=by, tz=tz, weight="_w")
    hits = (pandas_volume(reduced, freq=freq, by=by, tz=tz, weight=f"_h{k}")
            for k in range(len(terms)))
    return _trend_table(terms, totals, hits, by)

