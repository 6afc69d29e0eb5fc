"""Channel lifecycles: survival curves, emergence, and collection holes shaded on a timeline."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..text import escape

__all__ = ["plot_emergence", "plot_survival", "shade_collection_gaps"]

GAP_COLOR = "#999999"


def plot_survival(survival: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Kaplan-Meier curves, one step line per group, censored times marked.

    Parameters
    ----------
    survival : DataFrame
        The result of :func:`workbench.network.survival`.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One ``hv``-shaped line trace per group (named by the escaped group), plus one marker
        trace per group with censorings.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench.network import survival
    >>> life = pd.DataFrame({"lifetime_days": [2.0, 3.0, 5.0], "censored": [False, True, False]})
    >>> fig = plot_survival(survival(life))
    >>> [t.name for t in fig.data], list(fig.data[0].y)
    (['all', 'all: still active'], [1.0, 0.666667, 0.666667, 0.0])
    """
    fig = go.Figure()
    for group, g in survival.groupby("group", sort=True):
        name = escape(str(group))
        fig.add_trace(go.Scatter(
            x=g["time"].tolist(), y=g["survival"].astype(float).tolist(), mode="lines",
            line_shape="hv", name=name, legendgroup=name,
            hovertemplate=f"{name}: %{{y:.2f}} still posting after %{{x:.0f}} days"
                          "<extra></extra>"))
        cens = g[g["censored"] > 0]
        if len(cens):
            fig.add_trace(go.Scatter(
                x=cens["time"].tolist(), y=cens["survival"].astype(float).tolist(),
                mode="markers", marker=dict(symbol="line-ns-open", size=10),
                name=f"{name}: still active", legendgroup=name, showlegend=False,
                hovertemplate=f"{name}: %{{x:.0f}} days, still active at the end"
                              "<extra></extra>"))
    fig.update_layout(title=escape(title) if title else "Channel survival (Kaplan-Meier)",
                      xaxis_title="days since first message",
                      yaxis_title="share still posting", yaxis_range=[0, 1.05],
                      template="plotly_white")
    return fig


def plot_emergence(emergence: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """New channels per period, stacked: collected ones and those only referenced.

    Parameters
    ----------
    emergence : DataFrame
        The result of :func:`workbench.network.emergence`.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        Two stacked bar traces, ``collected`` and ``referenced``.

    Examples
    --------
    >>> import pandas as pd
    >>> em = pd.DataFrame({"collected": [2, 1], "referenced": [0, 3]},
    ...                   index=pd.date_range("2016-10-03", periods=2, freq="W-MON", tz="UTC"))
    >>> [t.name for t in plot_emergence(em).data]
    ['collected', 'referenced']
    """
    fig = go.Figure()
    labels = {"collected": "collected (first message)",
              "referenced": "only forwarded from or mentioned"}
    for col in ("collected", "referenced"):
        fig.add_trace(go.Bar(x=list(emergence.index), y=emergence[col].tolist(), name=col,
                             hovertemplate=f"%{{x|%d %b %Y}}: %{{y}} {labels[col]}"
                                           "<extra></extra>"))
    fig.update_layout(barmode="stack", title=escape(title) if title else "New channels",
                      yaxis_title="channels first seen", template="plotly_white")
    return fig


def shade_collection_gaps(fig: go.Figure, gaps: pd.DataFrame, *,
                          channel: str | None = None) -> go.Figure:
    """A copy of a timeline figure with the collection holes shaded.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        A figure with a date x axis, e.g. from :func:`plot_volume`.
    gaps : DataFrame
        The result of :func:`workbench.timeline.collection_gaps`.
    channel : str, optional
        Only this channel's holes (a ``channel_id``).

    Returns
    -------
    plotly.graph_objects.Figure
        A new figure with one grey rectangle per hole (``layout.shapes``), labelled with the
        number of missing messages.

    Examples
    --------
    >>> import pandas as pd, plotly.graph_objects as go
    >>> gaps = pd.DataFrame({"channel_id": ["telegram:1"], "missing": [120],
    ...     "start": [pd.Timestamp("2017-06-07", tz="UTC")],
    ...     "end": [pd.Timestamp("2017-06-16", tz="UTC")]})
    >>> out = shade_collection_gaps(go.Figure(), gaps)
    >>> len(out.layout.shapes), out.layout.shapes[0].x0[:10]
    (1, '2017-06-07')
    """
    out = go.Figure(fig)
    rows = gaps if channel is None else gaps[gaps["channel_id"] == channel]
    for row in rows.itertuples(index=False):
        out.add_vrect(x0=row.start.isoformat(), x1=row.end.isoformat(), fillcolor=GAP_COLOR,
                      opacity=0.25, line_width=0, layer="below",
                      annotation_text=f"{int(row.missing)} missing",
                      annotation_position="top left")
    return out
