"""Volume over time, with events, change points and bursts marked."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import plotly.graph_objects as go

from ..events import load_events, resolve_event
from ..text import escape

__all__ = ["plot_volume"]

EVENT_COLOR = "#b2182b"
CHANGE_COLOR = "#2166ac"
SURGE_COLOR = "#762a83"


def _events_frame(events) -> pd.DataFrame:
    if events is None:
        return pd.DataFrame(columns=["name", "date"])
    if isinstance(events, pd.DataFrame):
        return events[["name", "date"]]
    if isinstance(events, (str, pd.Timestamp, pd.Series)):
        events = [events]
    catalogue = load_events()
    rows = [resolve_event(e, catalogue) for e in events]
    return pd.DataFrame({"name": [r["name"] for r in rows], "date": [r["date"] for r in rows]})


def plot_volume(volume: pd.DataFrame, *, events=None, change_points=None, bursts=None,
                surges=None, stacked: bool = False, title: str | None = None,
                yaxis_title: str = "messages") -> go.Figure:
    """Lines (or stacked areas) of a volume table, with events marked.

    Parameters
    ----------
    volume : DataFrame
        The output of :func:`workbench.timeline.message_volume`.
    events : DataFrame, str, timestamp or list of them, optional
        Rows of :func:`workbench.load_events`, or anything
        :func:`workbench.events.resolve_event` accepts; drawn as labelled vertical lines.
        Events outside the plotted range are skipped.
    change_points : mapping of column -> index labels, or index labels, optional
        Marked as points on the matching line (a bare list applies to every column).
    bursts : DataFrame, or mapping of column -> DataFrame, optional
        The output of :func:`workbench.timeline.bursts` (its ``series`` column names the
        volume column), or tables with ``start``, ``end``, ``level`` per column; shaded
        through the end of each burst's last bin, darker for higher levels.
    stacked : bool, default False
        Stacked areas instead of lines.

    Returns
    -------
    plotly.graph_objects.Figure
        One trace per column (names escaped), then one marker trace per column with change
        points, then one per column with surges (their peaks); events, bursts and surges as
        layout shapes and annotations.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.date_range("2016-12-15", periods=10, freq="D", tz="UTC")
    >>> vol = pd.DataFrame({"messages": range(10)}, index=idx)
    >>> fig = plot_volume(vol, events="berlin-2016")
    >>> [t.name for t in fig.data], fig.layout.annotations[0].text
    (['messages'], 'Berlin Christmas market attack')
    """
    fig = go.Figure()
    for col in volume.columns:
        kwargs = dict(stackgroup="one") if stacked else {}
        name = escape(col)
        fig.add_trace(go.Scatter(
            x=volume.index, y=volume[col].to_numpy(), mode="lines", name=name,
            hovertemplate=f"{name}<br>%{{x|%Y-%m-%d %H:%M}}<br>%{{y:,}} {yaxis_title}"
                          "<extra></extra>",
            **kwargs,
        ))
    if change_points is not None:
        per_col = (change_points if isinstance(change_points, dict)
                   else {c: change_points for c in volume.columns})
        for col, labels in per_col.items():
            labels = [x for x in labels if x in volume.index]
            if not labels:
                continue
            fig.add_trace(go.Scatter(
                x=labels, y=volume.loc[labels, col].to_numpy(), mode="markers",
                name=f"change point: {escape(col)}", showlegend=False,
                marker=dict(symbol="diamond", size=10, color=CHANGE_COLOR,
                            line=dict(width=1, color="white")),
                hovertemplate=f"new regime in {escape(col)} from %{{x|%Y-%m-%d}}<extra></extra>",
            ))
    if bursts is not None:
        if isinstance(bursts, pd.DataFrame):  # the tidy table of timeline.bursts
            bursts = {col: part for col, part in bursts.groupby("series", sort=False)} \
                if "series" in bursts else {c: bursts for c in volume.columns}
        # A burst's end is the label of its last bin: shade through the end of that bin.
        step = (volume.index[1] - volume.index[0]) if len(volume.index) > 1 and \
            isinstance(volume.index, pd.DatetimeIndex) else pd.Timedelta(0)
        for col, table in bursts.items():
            if col not in volume.columns:
                continue
            for row in table.itertuples():
                fig.add_vrect(x0=row.start, x1=row.end + step, fillcolor="orange",
                              opacity=min(0.12 * row.level, 0.4), line_width=0, layer="below")
    if surges is not None:
        _add_surges(fig, volume, surges)
    _add_events(fig, _events_frame(events), volume.index)
    fig.update_layout(
        title=escape(title) if title else None, template="plotly_white",
        xaxis_title=None, yaxis_title=yaxis_title, hovermode="closest",
        legend=dict(title=escape(volume.columns.name) if volume.columns.name else None),
        margin=dict(t=60 if title else 30, r=20, l=60, b=40),
    )
    return fig


def _add_surges(fig: go.Figure, volume: pd.DataFrame, table: pd.DataFrame) -> None:
    """Shade each surge through the end of its last bin; mark its peak with the numbers."""
    index = volume.index
    step = (index[1] - index[0]) if len(index) > 1 and isinstance(index, pd.DatetimeIndex) \
        else pd.Timedelta(0)
    if not len(table):
        return
    series = table["series"] if "series" in table else pd.Series([volume.columns[0]] * len(table))
    for col in volume.columns:
        part = table[(series == col).to_numpy()]
        if not len(part):
            continue
        for row in part.itertuples():
            fig.add_vrect(x0=row.start, x1=row.end + step, fillcolor=SURGE_COLOR, opacity=0.12,
                          line_width=0, layer="below")
        peaks = [p for p in part["peak"] if p in index]
        if not peaks:
            continue
        name = escape(col)
        fig.add_trace(go.Scatter(
            x=peaks, y=volume.loc[peaks, col].to_numpy(), mode="markers",
            name=f"surge: {name}", showlegend=False,
            marker=dict(symbol="triangle-up", size=11, color=SURGE_COLOR,
                        line=dict(width=1, color="white")),
            hovertext=[f"surge in {name}: {r.ratio:.1f} times its usual level, "
                       f"{r.excess:+,.0f} messages<br>{r.start:%Y-%m-%d %H:%M} to "
                       f"{r.end:%Y-%m-%d %H:%M}" for r in part.itertuples() if r.peak in index],
            hoverinfo="text",
        ))


def _add_events(fig: go.Figure, events: pd.DataFrame, index: pd.Index) -> None:
    if not len(index) or not isinstance(index, pd.DatetimeIndex):
        return
    lo, hi = index.min(), index.max()
    for i, (name, date) in enumerate(zip(events["name"], events["date"])):
        when = pd.Timestamp(date).tz_convert(index.tz) if index.tz else pd.Timestamp(date)
        if not lo <= when <= hi + (index[1] - index[0] if len(index) > 1 else pd.Timedelta(0)):
            continue
        fig.add_shape(type="line", x0=when, x1=when, yref="paper", y0=0, y1=1,
                      line=dict(color=EVENT_COLOR, dash="dash", width=1.5))
        fig.add_annotation(x=when, yref="paper", y=1 - 0.06 * (i % 3), text=escape(name),
                           showarrow=False, xanchor="left", font=dict(color=EVENT_COLOR, size=11),
                           bgcolor="rgba(255,255,255,0.7)")
