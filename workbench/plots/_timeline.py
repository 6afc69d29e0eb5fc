"""Event windows, keyword trends and platform shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..text import escape
from ._volume import EVENT_COLOR, _add_events, _events_frame

__all__ = ["plot_event_window", "plot_keyword_trend", "plot_platform_share"]

COUNT_COLOR = "#7f7f7f"
PRE_COLOR = "#2166ac"
POST_COLOR = "#b2182b"


def _windows(window) -> list:
    items = list(window) if isinstance(window, (list, tuple)) else [window]
    for item in items:
        if not hasattr(item, "summary") or not hasattr(item, "aligned"):
            raise TypeError("plot_event_window takes the result of event_window (or a list)")
    return items


def _band(fig, x0, x1, low, mid, high, color, name, row, col, show) -> None:
    """A mean as a horizontal segment with its interval as a shaded band."""
    fig.add_trace(go.Scatter(
        x=[x0, x1, x1, x0, x0], y=[low, low, high, high, low], fill="toself", mode="none",
        fillcolor=color, opacity=0.18, hoverinfo="skip", showlegend=False,
        legendgroup=name), row=row, col=col)
    fig.add_trace(go.Scatter(
        x=[x0, x1], y=[mid, mid], mode="lines", line=dict(color=color, width=2.5),
        name=name, legendgroup=name, showlegend=show,
        hovertemplate=f"{name}: %{{y:.3g}} (interval {low:.3g} to {high:.3g})<extra></extra>"),
        row=row, col=col)


def plot_event_window(window, *, relative: bool = False, title: str | None = None,
                      height_per_row: int = 220) -> go.Figure:
    """Daily counts aligned on the event, with pre and post means and their intervals.

    Parameters
    ----------
    window : EventWindow or list of EventWindow
        Results of :func:`workbench.timeline.event_window`. One panel per series (rows) and
        per event (columns): small multiples for several groups or events.
    relative : bool, default False
        Show counts divided by the pre-event mean (1 = usual volume) instead of counts.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        Per panel: one bar trace of daily counts, then a band and a line for the pre-event
        mean and for the post-event mean; a dashed line at day 0. ``layout.meta`` holds the
        panel order as ``{"panels": [[event key, series], ...]}``.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench.timeline import event_window
    >>> days = pd.date_range("2016-11-21 20:00", periods=42, freq="D", tz="UTC")
    >>> msgs = pd.DataFrame({"date": days.repeat([2] * 28 + [6] * 14)})
    >>> fig = plot_event_window(event_window(msgs, "berlin-2016"))
    >>> fig.data[0].type, len(fig.data[0].x)
    ('bar', 42)
    """
    items = _windows(window)
    series_col = items[0].series_col
    labels = list(dict.fromkeys(x for w in items for x in w.summary[series_col]))
    rows, cols = max(len(labels), 1), len(items)
    titles = [f"{escape(label)} · {escape(w.event['name'])}" if cols > 1 else escape(label)
              for label in labels for w in items]
    fig = make_subplots(rows=rows, cols=cols, shared_xaxes=True, subplot_titles=titles or None,
                        vertical_spacing=min(0.08, 0.3 / rows), horizontal_spacing=0.06)
    panels = []
    first = True
    for r, label in enumerate(labels, start=1):
        for c, w in enumerate(items, start=1):
            panels.append([str(w.event["key"]), str(label)])
            summary = w.summary[w.summary[series_col] == label]
            aligned = w.aligned[w.aligned[series_col] == label]
            if summary.empty:
                continue
            s = summary.iloc[0]
            scale = s["pre_mean"] if relative and s["pre_mean"] > 0 else 1.0
            y = aligned["count"].to_numpy(dtype=float) / scale
            fig.add_trace(go.Bar(
                x=aligned["day"], y=y, marker_color=COUNT_COLOR, opacity=0.55,
                name="daily count" if not relative else "count / pre-event mean",
                legendgroup="count", showlegend=first,
                customdata=np.stack([aligned["start"].dt.strftime("%Y-%m-%d %H:%M").to_numpy(),
                                     aligned["count"].to_numpy()], axis=-1),
                hovertemplate="day %{x} from %{customdata[0]}: %{customdata[1]} messages"
                              "<extra></extra>"), row=r, col=c)
            n_pre, n_post = int(-aligned["day"].min()), int(aligned["day"].max()) + 1
            if pd.notna(s["pre_mean"]):
                _band(fig, -n_pre - 0.5, -0.5, s["pre_low"] / scale, s["pre_mean"] / scale,
                      s["pre_high"] / scale, PRE_COLOR, "pre-event mean", r, c, first)
            if pd.notna(s["post_mean"]):
                _band(fig, -0.5, n_post - 0.5, s["post_low"] / scale, s["post_mean"] / scale,
                      s["post_high"] / scale, POST_COLOR, "post-event mean", r, c, first)
            fig.add_vline(x=-0.5, line=dict(color=EVENT_COLOR, dash="dash", width=1.2),
                          row=r, col=c)
            first = False
    names = ", ".join(dict.fromkeys(escape(w.event["name"]) for w in items))
    fig.update_layout(
        title=escape(title) if title else f"Daily messages around {names}",
        template="plotly_white", bargap=0.1, height=max(320, 80 + height_per_row * rows),
        margin=dict(t=80, r=20, l=60, b=80), meta={"panels": panels},
        legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0,
                    xanchor="left"),
    )
    fig.update_xaxes(title_text="days from the event", row=rows)
    fig.update_yaxes(rangemode="tozero")
    return fig


def plot_keyword_trend(trend: pd.DataFrame, *, y: str = "share", events=None,
                       title: str | None = None) -> go.Figure:
    """Lines of a keyword trend: share (or count) of messages using each term over time.

    Parameters
    ----------
    trend : DataFrame
        The output of :func:`workbench.timeline.keyword_trend`.
    y : {"share", "matches"}, default "share"
    events : optional
        Events to mark, as in :func:`plot_volume`.

    Returns
    -------
    plotly.graph_objects.Figure
        One line per term (and ``by`` value), named ``term`` or ``term · value`` (escaped).

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench.timeline import keyword_trend
    >>> msgs = pd.DataFrame({"date": pd.to_datetime(["2016-12-01", "2016-12-02"], utc=True),
    ...                      "text": ["eid", "news"]})
    >>> fig = plot_keyword_trend(keyword_trend(msgs, "eid"))
    >>> [t.name for t in fig.data], [float(v) for v in fig.data[0].y]
    (['eid'], [1.0, 0.0])
    """
    if y not in ("share", "matches"):
        raise ValueError(f"y={y!r}; expected 'share' or 'matches'")
    keys = [c for c in trend.columns if c not in ("date", "term", "matches", "messages", "share")]
    fig = go.Figure()
    groups = trend.groupby(["term", *keys], sort=False, dropna=False) if len(trend) else []
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        name = " · ".join(escape(k) for k in key)
        fmt = "%{y:.1%}" if y == "share" else "%{y:,}"
        fig.add_trace(go.Scatter(
            x=part["date"], y=part[y].to_numpy(), mode="lines", name=name,
            customdata=np.stack([part["matches"], part["messages"]], axis=-1),
            hovertemplate=f"{name}<br>%{{x|%Y-%m-%d}}: {fmt} "
                          "(%{customdata[0]} of %{customdata[1]} messages)<extra></extra>"))
    index = pd.DatetimeIndex(trend["date"].drop_duplicates().sort_values()) if len(trend) else \
        pd.DatetimeIndex([])
    _add_events(fig, _events_frame(events), index)
    fig.update_layout(
        title=escape(title) if title else None, template="plotly_white",
        yaxis_title="share of messages" if y == "share" else "messages using the term",
        yaxis_tickformat=".0%" if y == "share" else None, hovermode="closest",
        margin=dict(t=60 if title else 30, r=20, l=60, b=40))
    return fig


def plot_platform_share(share: pd.DataFrame, *, events=None, title: str | None = None
                        ) -> go.Figure:
    """Stacked areas of each platform's share of activity over time.

    Parameters
    ----------
    share : DataFrame
        The output of :func:`workbench.timeline.platform_share`.
    events : optional
        Events to mark (e.g. ``["twitter-suspensions-2016-02", "twitter-suspensions-2016-08"]``).

    Returns
    -------
    plotly.graph_objects.Figure
        One stacked area per platform (names escaped); periods without messages are gaps.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.date_range("2016-02-01", periods=3, freq="W-MON", tz="UTC")
    >>> share = pd.DataFrame({"telegram": [0.2, 0.5, 0.9], "twitter": [0.8, 0.5, 0.1]},
    ...                      index=idx)
    >>> [t.name for t in plot_platform_share(share).data]
    ['telegram', 'twitter']
    """
    fig = go.Figure()
    for col in share.columns:
        name = escape(col)
        fig.add_trace(go.Scatter(
            x=share.index, y=share[col].to_numpy(), mode="lines", name=name, stackgroup="share",
            hovertemplate=f"{name}<br>%{{x|%Y-%m-%d}}: %{{y:.1%}}<extra></extra>"))
    _add_events(fig, _events_frame(events), share.index)
    fig.update_layout(
        title=escape(title) if title else None, template="plotly_white",
        yaxis=dict(title="share of messages", tickformat=".0%", range=[0, 1]),
        hovermode="x unified", margin=dict(t=60 if title else 30, r=20, l=60, b=40),
        legend=dict(title=escape(share.columns.name) if share.columns.name else None))
    return fig
