"""How the network grows and thins over time: per-period counts and time-sliced graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from ..backends import dispatchable
from ..errors import ParameterError
from ..schema import CHANNEL_ID, DATE
from ._edges import _utc_naive, build_edges, forward_rows
from ._graph import edges_to_graph

__all__ = ["network_growth", "snapshot_graphs"]


def _periods(dates, freq: str) -> pd.Series:
    """Start (naive UTC) of the calendar period holding each naive-UTC instant; weeks start
    on Monday."""
    try:
        return pd.Series(np.asarray(dates, dtype="datetime64[ns]")).dt.to_period(freq).dt.start_time
    except (ValueError, TypeError, AttributeError) as exc:
        raise ParameterError(f"invalid freq={freq!r}: {exc}") from exc


def _count_by_period(periods: pd.Series, index: pd.DatetimeIndex) -> np.ndarray:
    return periods.value_counts().reindex(index, fill_value=0).to_numpy(dtype=np.int64)


def _first_seen(channel: np.ndarray, dates: np.ndarray, fwd: pd.DataFrame,
                mentioned: pd.DataFrame | None = None) -> tuple[pd.Series, pd.Series]:
    """When each channel first appears, reckoned once for :func:`network_growth` and
    ``emergence``: the first own message (``channel`` and naive-UTC ``dates`` per message)
    and the first time another message forwarded from it (``fwd``, rows of
    :func:`forward_rows`) or mentioned it (``mentioned``, mention edges and their ``first``).
    Two Series of naive-UTC instants indexed by channel id: ``own`` and ``referenced`` (the
    latter collected channels included)."""
    # Ids as text on every side, so an own message and a forward name one channel alike.
    ids = pd.Index(pd.array(channel, dtype="string")).astype(object)  # (missing stays NA)
    own = pd.Series(dates, index=ids).groupby(level=0).min()
    seen = [pd.Series(fwd["date"].to_numpy(), index=fwd["source"].astype(str).to_numpy())]
    if mentioned is not None and len(mentioned):
        seen.append(pd.Series(_utc_naive(mentioned["first"]),
                              index=mentioned["target"].astype(str).to_numpy()))
    return own, pd.concat(seen).groupby(level=0).min()


@dispatchable("network.network_growth")
def network_growth(messages: pd.DataFrame, *, freq: str = "W", silence: str = "14D"
                   ) -> pd.DataFrame:
    """Per period: channels active, new, gone silent, and forward edges new to the network.

    Parameters
    ----------
    messages : DataFrame
        Canonical messages.
    freq : str, default "W"
        A pandas period alias (``"D"``, ``"W"`` for weeks starting Monday, ``"M"``), in UTC.
    silence : str, default "14D"
        How long a channel must post nothing before it counts as gone silent.

    Returns
    -------
    DataFrame
        Indexed by period start (tz-aware UTC ``DatetimeIndex`` named ``date``, zero-filled
        from the first to the last message), with int columns:
        ``active`` (channels that posted), ``new`` (channels seen for the first time, as an
        author or as a forward source), ``silent`` (channels whose last message falls in the
        period and which then posted nothing for ``silence`` while the data runs on past
        that), ``new_edges`` (forward pairs seen for the first time), and the running totals
        ``channels`` and ``edges``.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench import schema
    >>> msgs = schema.conform(pd.DataFrame({
    ...     "platform": "telegram", "channel_id": ["telegram:1", "telegram:2", "telegram:1"],
    ...     "message_id": [1, 1, 2],
    ...     "date": pd.to_datetime(["2016-10-03", "2016-10-04", "2016-10-31"], utc=True),
    ...     "fwd_from_channel_id": [pd.NA, "telegram:1", pd.NA]}), "messages")
    >>> network_growth(msgs)[["active", "new", "silent", "new_edges"]].iloc[[0, -1]]
                               active  new  silent  new_edges
    date
    2016-10-03 00:00:00+00:00       2    2       1          1
    2016-10-31 00:00:00+00:00       1    0       0          0
    """
    try:
        gap = pd.Timedelta(silence)
    except ValueError as exc:
        raise ParameterError(f"invalid silence={silence!r}: {exc}") from exc
    cols = ["active", "new", "silent", "new_edges", "channels", "edges"]
    if messages.empty:
        empty = pd.DatetimeIndex([], tz="UTC", name="date")
        return pd.DataFrame({c: np.array([], dtype=np.int64) for c in cols}, index=empty)
    dates = _utc_naive(messages[DATE])
    period = _periods(dates, freq)
    index = pd.period_range(period.min(), period.max(), freq=freq).start_time

    authors = pd.DataFrame({"channel": messages[CHANNEL_ID].astype(object).to_numpy(),
                            "date": dates, "period": period.to_numpy()})
    active = _count_by_period(authors.drop_duplicates(["period", "channel"])["period"], index)

    fwd = forward_rows(messages)
    own, referenced = _first_seen(authors["channel"].to_numpy(), dates, fwd)
    first_seen = pd.concat([own, referenced]).groupby(level=0).min()  # as author or source
    new = _count_by_period(_periods(first_seen, freq), index)

    last = authors.groupby("channel")["date"].max()
    gone = last[last + gap <= dates.max()]
    silent = _count_by_period(_periods(gone, freq), index)

    pair_first = fwd.groupby(["source", "target"])["date"].min()
    new_edges = _count_by_period(_periods(pair_first, freq), index)

    out = pd.DataFrame({"active": active, "new": new, "silent": silent, "new_edges": new_edges},
                       index=index.tz_localize("UTC").rename("date"))
    out["channels"] = out["new"].cumsum()
    out["edges"] = out["new_edges"].cumsum()
    return out.astype(np.int64)


@dispatchable("network.snapshot_graphs")
def snapshot_graphs(messages: pd.DataFrame, *, freq: str = "M", kind: str = "forward",
                    channels=None, cumulative: bool = False, min_weight: float | None = None
                    ) -> dict[pd.Timestamp, nx.DiGraph]:
    """One graph per period, for watching the network change.

    Parameters
    ----------
    messages : DataFrame
        Canonical messages.
    freq : str, default "M"
        A pandas period alias (UTC periods).
    kind : {"forward", "mention", "cocitation"}, default "forward"
    channels : Corpus or DataFrame, optional
        Node attributes (and handle resolution for mentions), as in :func:`edges_to_graph`.
    cumulative : bool, default False
        Each graph holds everything up to the end of its period instead of that period only.
    min_weight : float, optional
        Passed to the edge function (per period, after slicing).

    Returns
    -------
    dict
        Period start (UTC ``Timestamp``) -> graph, in time order, one entry per period from
        the first message to the last (an empty period gives a graph without edges).

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench import schema
    >>> msgs = schema.conform(pd.DataFrame({
    ...     "platform": "telegram", "channel_id": ["telegram:2", "telegram:3"],
    ...     "message_id": [1, 1],
    ...     "date": pd.to_datetime(["2016-10-03", "2016-11-04"], utc=True),
    ...     "fwd_from_channel_id": ["telegram:1", "telegram:1"]}), "messages")
    >>> snaps = snapshot_graphs(msgs, cumulative=True)
    >>> [(str(p.date()), G.number_of_edges()) for p, G in snaps.items()]
    [('2016-10-01', 1), ('2016-11-01', 2)]
    """
    if messages.empty:
        return {}
    period = _periods(_utc_naive(messages[DATE]), freq)
    index = pd.period_range(period.min(), period.max(), freq=freq).start_time
    values = period.to_numpy()
    out: dict[pd.Timestamp, nx.DiGraph] = {}
    for start in index:
        mask = values <= np.datetime64(start) if cumulative else values == np.datetime64(start)
        edges = build_edges(messages.loc[mask], kind, channels=channels, min_weight=min_weight)
        G = edges_to_graph(edges, channels, kind=kind)
        G.graph["period"] = start.tz_localize("UTC")
        out[start.tz_localize("UTC")] = G
    return out
