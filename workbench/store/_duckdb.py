"""The store's DuckDB backend: the analyses over a store, giving exactly what the pandas
functions give (registered with :mod:`workbench.backends` in :mod:`workbench.store`).

Each aggregation runs inside DuckDB down to a table small enough for pandas (one row per edge,
or per period and series), which is then finished by the analyses' own kernels
(:func:`~workbench.network.edge_table`, :class:`~workbench.timeline.PeriodBinner`,
:func:`~workbench.timeline.trend_table`, and :func:`~workbench.timeline.message_volume` itself
on the reduced table). Time series are reduced to one row per (series, local day) for
calendar periods and per (series, period) for fixed-length ones, carrying the earliest instant
of the group, so the pandas binning sees the same periods and the same first instant. The Dask
backend (:mod:`._dask`) shares the reductions' finishing (:func:`volume_of`,
:func:`trend_of`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema, timeline
from ..errors import ParameterError
from ..network import edge_table, mention_targets
from ..schema import STRING, UTC_TIME
from ..timeline import PeriodBinner, check_period, term_list, term_matches, term_pattern
from ._store import _ident as _q

__all__ = ["forward_edges", "mention_edges", "message_volume", "keyword_trend",
           "reduce_volume", "volume_of", "trend_of", "period_rows"]


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
    return edge_table(agg, kind="forward", min_weight=min_weight, delay=True)


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
    targets = mention_targets(zip(values["platform"], values["v"]), channels)
    con.register("_mention_map_tmp", pd.DataFrame({
        "platform": pd.Series([p for p, _ in targets], dtype=object),
        "v": pd.Series([v for _, v in targets], dtype=object),
        "target": pd.Series([t for t, _ in targets.values()], dtype=object),
        "resolved": pd.Series([r for _, r in targets.values()], dtype=bool)}))
    con.execute("CREATE OR REPLACE TEMP TABLE _mention_map AS SELECT * FROM _mention_map_tmp")
    con.unregister("_mention_map_tmp")
    where = "" if self_mentions else "WHERE channel_id <> target"
    agg = store._sql(MENTION_SQL.format(where=where)).to_pandas()
    return edge_table(agg, kind="mention", min_weight=min_weight)


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


def _bin_sql(binner: PeriodBinner) -> tuple[str, list]:
    """SQL for a key shared by all messages of one period (a finer split is fine): the
    fixed-length period (aligned as the binner aligns it), or the UTC day."""
    if binner.tick:
        step = pd.tseries.frequencies.to_offset(binner.freq).nanos
        return "(epoch_ns(date) + ?) // ?", [int(pd.Timedelta(binner.offset).value), int(step)]
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
    from ..io.labels import nullable_dtype

    return nullable_dtype(channels[by].dtype)


def _source(by: str | None) -> str:
    """The view to read: labels are only on ``messages``."""
    return "_messages" if by is None or by in schema.MESSAGES else "messages"


def reduce_volume(store, *, freq: str, by: str | None, tz, weight: str | None) -> pd.DataFrame:
    """One row per (``by`` value, period key): ``date`` (its earliest instant, UTC), ``by``,
    ``_w`` (messages, or the summed weight)."""
    first = _first_ns(store)
    if first is None:
        return None
    binner = PeriodBinner(freq, tz, [pd.Timestamp(first, tz="UTC")])
    if not binner.tick and not _is_utc(tz):
        # Local days of other zones: binned by pandas itself (exact whatever the zone's
        # rules), over streamed batches.
        return _reduce_streamed(store, binner, by=by, weight=weight)
    key, params = _bin_sql(binner)
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


def period_rows(binner: PeriodBinner, dates, *, by=None, weight=None, texts=None,
                patterns=()) -> pd.DataFrame:
    """The rows a reduction groups, one per message: its period key (``_key``, from the
    binner) and instant (``_t``, ns), its ``by`` value (``_by``, None for nulls) when ``by``
    values are given, its weight (``_w``: the ``weight`` values, nulls as 0, else 1.0), and
    per pattern whether its normalised text matches (``_h0``, ``_h1``, ...; 0 or 1)."""
    dates = pd.Series(pd.DatetimeIndex(dates).tz_convert("UTC"))
    out = pd.DataFrame({"_key": np.asarray(binner.starts(dates)).view(np.int64),
                        "_t": dates.to_numpy(dtype="datetime64[ns]").view(np.int64)})
    if by is not None:
        out["_by"] = pd.Series(by.astype(object).where(by.notna(), None).to_numpy(),
                               index=out.index, dtype=object)
    out["_w"] = (pd.to_numeric(weight).fillna(0).to_numpy(dtype="float64")
                 if weight is not None else 1.0)
    if patterns:
        for k, matched in enumerate(term_matches(texts.tolist(), patterns)):
            out[f"_h{k}"] = matched
    return out


def _reduce_streamed(store, binner: PeriodBinner, *, by, weight, patterns=(),
                     text_col=None):
    """The reduction in pandas over streamed batches (time zones DuckDB does not know, and
    keyword matches: per period and ``by`` value the matches of each pattern)."""
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
                   weight: str | None = None, start=None, end=None, date_col: str = "date"
                   ) -> pd.DataFrame:
    """:func:`workbench.timeline.message_volume` of the store's messages, in DuckDB."""
    return volume_of(store, reduce_volume, freq=freq, by=by, tz=tz, weight=weight,
                     start=start, end=end, date_col=date_col)


def volume_of(store, reduce, *, freq, by, tz, weight, start, end, date_col) -> pd.DataFrame:
    """:func:`workbench.timeline.message_volume` of the store's messages from a reduction
    ``reduce(store, freq=, by=, tz=, weight=)`` (:func:`reduce_volume`, or one on Dask):
    the parameters checked as the analysis checks them, the reduced table binned by the
    analysis itself."""
    if date_col != "date":
        raise ParameterError(f"date_col={date_col!r}: a store's messages have 'date'")
    _check_columns(store, by=by, weight=weight)
    check_period(freq, tz)
    reduced = reduce(store, freq=freq, by=by, tz=tz, weight=weight)
    if reduced is None:
        reduced = _empty_reduced(store, by)
    return timeline.message_volume(reduced, freq=freq, by=by, tz=tz, weight="_w", start=start,
                                   end=end)


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
    binner = PeriodBinner(freq, tz, [pd.Timestamp(first, tz="UTC")])
    return _reduce_streamed(store, binner, by=by, weight=None, patterns=patterns,
                            text_col=text_col)


def keyword_trend(store, terms, *, freq: str = "D", by: str | None = None, tz: str = "UTC",
                  text_col: str = "text", date_col: str = "date") -> pd.DataFrame:
    """:func:`workbench.timeline.keyword_trend` of the store's messages (texts streamed)."""
    return trend_of(store, terms, _keyword_reduce, freq=freq, by=by, tz=tz, text_col=text_col,
                    date_col=date_col)


def trend_of(store, terms, reduce, *, freq, by, tz, text_col, date_col) -> pd.DataFrame:
    """:func:`workbench.timeline.keyword_trend` of the store's messages from a reduction
    ``reduce(store, patterns, freq=, by=, tz=, text_col=)`` giving per period key and ``by``
    value the messages (``_w``) and the matches of each pattern (``_h0``, ``_h1``, ...)."""
    terms = term_list(terms)
    if date_col != "date":
        raise ParameterError(f"date_col={date_col!r}: a store's messages have 'date'")
    _check_columns(store, text_col=text_col, by=by)
    patterns = [term_pattern(t) for t in terms]
    reduced = reduce(store, patterns, freq=freq, by=by, tz=tz, text_col=text_col)
    if reduced is None:
        reduced = _empty_reduced(store, by, len(patterns))
    totals = timeline.message_volume(reduced, freq=freq, by=by, tz=tz, weight="_w")
    hits = (timeline.message_volume(reduced, freq=freq, by=by, tz=tz, weight=f"_h{k}")
            for k in range(len(terms)))
    return timeline.trend_table(terms, totals, hits, by)
