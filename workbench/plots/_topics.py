"""Topics and languages: top terms per topic, topic shares over time, languages per channel."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..text import escape

__all__ = ["plot_topic_terms", "plot_topic_trend", "plot_channel_languages"]


def _topic_names(labels, topics) -> dict:
    if labels is None:
        return {t: f"topic {t}" for t in topics}
    return {t: escape(labels.get(t, f"topic {t}")) for t in topics}


def plot_topic_terms(terms: pd.DataFrame, *, n_terms: int = 10, cols: int = 3,
                     title: str | None = None) -> go.Figure:
    """The top terms of each topic as horizontal bars, one panel per topic.

    Parameters
    ----------
    terms : DataFrame
        ``topics(...).terms`` (``topic``, ``rank``, ``term``, ``weight``).
    n_terms : int, default 10
        Terms drawn per topic (the first by rank).
    cols : int, default 3
        Panels per row.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace per topic (``name`` "topic <n>"), terms escaped, best term on top.

    Examples
    --------
    >>> import pandas as pd
    >>> terms = pd.DataFrame({"topic": [0, 0, 1], "rank": [0, 1, 0],
    ...                       "term": ["rain", "<b>", "goal"], "weight": [2.0, 1.0, 3.0]})
    >>> fig = plot_topic_terms(terms)
    >>> [t.name for t in fig.data], list(fig.data[0].y)
    (['topic 0', 'topic 1'], ['&lt;b&gt;', 'rain'])
    """
    top = terms[terms["rank"] < n_terms]
    topics = sorted(top["topic"].unique())
    rows = max(1, -(-len(topics) // cols))
    fig = make_subplots(rows=rows, cols=min(cols, max(len(topics), 1)),
                        subplot_titles=[f"topic {t}" for t in topics],
                        horizontal_spacing=0.12, vertical_spacing=0.08)
    for i, topic in enumerate(topics):
        part = top[top["topic"] == topic].sort_values("rank", ascending=False)
        fig.add_trace(go.Bar(x=part["weight"].tolist(), y=[escape(t) for t in part["term"]],
                             orientation="h", name=f"topic {topic}", showlegend=False,
                             hovertemplate="%{y}: %{x:.3g}<extra></extra>"),
                      row=i // cols + 1, col=i % cols + 1)
    fig.update_layout(title=escape(title or "Top terms per topic"), height=260 * rows,
                      margin=dict(l=10, r=10, t=60, b=10))
    return fig


def plot_topic_trend(trend: pd.DataFrame, *, labels: pd.Series | None = None,
                     by: str | None = None, events=None, title: str | None = None
                     ) -> go.Figure:
    """Topic shares over time as stacked areas (one panel per value of ``by``).

    Parameters
    ----------
    trend : DataFrame
        :func:`workbench.text.topic_trend` output.
    labels : Series, optional
        ``topics(...).labels`` for the legend (escaped).
    by : str, optional
        The ``by`` column the trend was computed with.
    events : optional
        Event dates to mark (timestamps), drawn as vertical lines.

    Returns
    -------
    plotly.graph_objects.Figure
        One scatter trace per topic and panel, ``stackgroup`` set, y the share.

    Examples
    --------
    >>> import pandas as pd
    >>> trend = pd.DataFrame({"date": pd.to_datetime(["2016-12-05"] * 2, utc=True),
    ...                       "topic": [0, 1], "messages": [1, 3], "share": [0.25, 0.75]})
    >>> fig = plot_topic_trend(trend)
    >>> [t.name for t in fig.data], list(fig.data[1].y)
    (['topic 0', 'topic 1'], [0.75])
    """
    topics = sorted(trend["topic"].unique())
    names = _topic_names(labels, topics)
    groups = sorted(trend[by].unique(), key=str) if by else [None]
    fig = make_subplots(rows=len(groups), cols=1, shared_xaxes=True,
                        subplot_titles=[escape(g) for g in groups] if by else None,
                        vertical_spacing=0.06)
    palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
               "#7f7f7f", "#bcbd22", "#17becf"]
    for row, group in enumerate(groups, start=1):
        part = trend if group is None else trend[trend[by] == group]
        for topic in topics:
            series = part[part["topic"] == topic].sort_values("date")
            fig.add_trace(go.Scatter(
                x=series["date"].tolist(), y=series["share"].tolist(), mode="lines",
                stackgroup=f"g{row}", name=names[topic], legendgroup=str(topic),
                showlegend=row == 1, line=dict(color=palette[int(topic) % len(palette)]),
                hovertemplate=f"{names[topic]}: %{{y:.0%}}<extra></extra>"), row=row, col=1)
    for when in ([] if events is None else list(events)):
        fig.add_vline(x=pd.Timestamp(when), line_dash="dash", line_color="#444")
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    fig.update_layout(title=escape(title or "Topic shares over time"),
                      height=max(320, 220 * len(groups)))
    return fig


def plot_channel_languages(table: pd.DataFrame, *, channels: pd.DataFrame | None = None,
                           title: str | None = None) -> go.Figure:
    """Each channel's main language and its share, as bars (one colour per language).

    Parameters
    ----------
    table : DataFrame
        :func:`workbench.text.channel_languages` output.
    channels : DataFrame, optional
        ``corpus.channels`` for the channel names (escaped); ids otherwise.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"channel_id": ["a", "b"], "lang": ["fr", "ar"],
    ...                   "lang_share": [0.9, 0.8], "identified": [9, 8], "messages": [10, 9]})
    >>> sorted(t.name for t in plot_channel_languages(t).data)
    ['ar', 'fr']
    """
    names = {}
    if channels is not None:
        names = dict(zip(channels["channel_id"], channels["name"]))
    frame = table.assign(label=[escape(names.get(c, c)) for c in table["channel_id"]],
                         lang=table["lang"].fillna("(none)"))
    fig = go.Figure()
    for lang, part in frame.groupby("lang", sort=True):
        fig.add_trace(go.Bar(x=part["lang_share"].fillna(0).astype(float).tolist(),
                             y=part["label"].tolist(), orientation="h", name=escape(lang),
                             customdata=part[["identified", "messages"]].to_numpy().tolist(),
                             hovertemplate="%{y}: %{x:.0%} of %{customdata[0]} identified "
                                           "(%{customdata[1]} messages)<extra></extra>"))
    fig.update_layout(title=escape(title or "Main language per channel"), barmode="stack",
                      xaxis=dict(tickformat=".0%", range=[0, 1]),
                      height=max(300, 22 * len(frame) + 120))
    return fig
