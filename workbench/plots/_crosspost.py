"""Cross-posting figures: flows between groups, lag distributions, one cluster's cascade."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..text import escape, shorten

__all__ = ["plot_crosspost_flows", "plot_lag_distribution", "plot_cascade"]

VIA_SYMBOLS = {"forward": "circle", "text": "diamond", "link": "square", "media": "triangle-up"}


def _hours(lag: pd.Series) -> np.ndarray:
    return pd.to_timedelta(lag).dt.total_seconds().to_numpy() / 3600.0


def plot_crosspost_flows(flows: pd.DataFrame, *, value: str = "copies",
                         title: str | None = None) -> go.Figure:
    """Heatmap of content moving from the origin's group (rows) to the copier's (columns).

    Parameters
    ----------
    flows : DataFrame
        The output of :func:`workbench.crosspost.crosspost_flows`.
    value : {"copies", "clusters", "share"}
        What the colour shows; the hover always gives copies, clusters and median lag.

    Examples
    --------
    >>> import pandas as pd
    >>> flows = pd.DataFrame({"source": ["official", "official"], "target": ["official", "<b>x"],
    ...     "copies": [3, 5], "clusters": [2, 4], "share": [0.375, 0.625],
    ...     "median_lag": pd.to_timedelta(["1h", "2h"])})
    >>> fig = plot_crosspost_flows(flows)
    >>> fig.data[0].type, list(fig.data[0].x), fig.data[0].z.tolist()
    ('heatmap', ['&lt;b&gt;x', 'official'], [[5.0, 3.0]])
    """
    sources = sorted(flows["source"].astype(str).unique())
    targets = sorted(flows["target"].astype(str).unique())
    grid = {k: flows.pivot_table(index="source", columns="target", values=k, aggfunc="first")
            .reindex(index=sources, columns=targets) for k in (value, "copies", "clusters")}
    lag_hours = flows.assign(h=_hours(flows["median_lag"])).pivot_table(
        index="source", columns="target", values="h", aggfunc="first").reindex(
        index=sources, columns=targets)
    hover = [[(f"from {escape(s)} to {escape(t)}<br>{int(grid['copies'].loc[s, t]):,} copies in "
               f"{int(grid['clusters'].loc[s, t]):,} clusters<br>median lag "
               f"{lag_hours.loc[s, t]:.1f} h") if pd.notna(grid["copies"].loc[s, t]) else ""
              for t in targets] for s in sources]
    fig = go.Figure(go.Heatmap(
        z=grid[value].to_numpy(dtype=float), x=[escape(t) for t in targets],
        y=[escape(s) for s in sources], text=hover, hovertemplate="%{text}<extra></extra>",
        colorscale="Blues", colorbar=dict(title=escape(value)),
    ))
    fig.update_layout(title=escape(title) if title else None, template="plotly_white",
                      xaxis_title="copied by", yaxis_title="origin",
                      yaxis=dict(autorange="reversed"),
                      margin=dict(t=60 if title else 30, r=20, l=100, b=60))
    return fig


def plot_lag_distribution(clusters: pd.DataFrame, *, by: str = "group",
                          title: str | None = None) -> go.Figure:
    """Box plots of how long copies take (hours after the origin, log scale), one box per
    value of ``by`` among the copying channels. Origins are left out.

    Examples
    --------
    >>> import pandas as pd
    >>> cl = pd.DataFrame({"is_origin": [True, False, False], "group": ["a", "a", "<i>b"],
    ...     "lag": pd.to_timedelta(["0h", "2h", "30min"])})
    >>> fig = plot_lag_distribution(cl)
    >>> [t.name for t in fig.data], fig.layout.yaxis.type
    (['&lt;i&gt;b', 'a'], 'log')
    """
    copies = clusters[~clusters["is_origin"].astype(bool)]
    labels = copies[by].astype(object).where(copies[by].notna(), "(unlabelled)").astype(str)
    hours = _hours(copies["lag"])
    fig = go.Figure()
    for value in sorted(labels.unique()):
        sel = (labels == value).to_numpy()
        name = escape(value)
        fig.add_trace(go.Box(y=np.maximum(hours[sel], 1 / 60), name=name, boxpoints=False,
                             hovertemplate=f"{name}<br>%{{y:.2f}} h<extra></extra>"))
    fig.update_layout(title=escape(title) if title else None, template="plotly_white",
                      yaxis=dict(type="log", title="hours after the origin"),
                      xaxis_title=escape(by), showlegend=False,
                      margin=dict(t=60 if title else 30, r=20, l=60, b=60))
    return fig


def plot_cascade(cascade: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Timeline of one cluster: each member a marker at its time, one row per channel, marker
    shape by how it joined (``via``); the hover shows the channel, lag and text (escaped).

    Parameters
    ----------
    cascade : DataFrame
        The output of :func:`workbench.crosspost.cascade` (with ``text`` when messages were
        given).

    Examples
    --------
    >>> import pandas as pd
    >>> cas = pd.DataFrame({"step": [0, 1], "channel_id": ["a", "b"], "channel": ["A", "<B>"],
    ...     "date": pd.to_datetime(["2016-01-01 10:00", "2016-01-01 10:05"], utc=True),
    ...     "lag": pd.to_timedelta(["0h", "5min"]), "via": ["text", "text"],
    ...     "is_origin": [True, False], "text": ["<script>x</script>", "ok"]})
    >>> fig = plot_cascade(cas)
    >>> list(fig.data[0].y), "<script>" in str(fig.to_dict())
    (['A', '&lt;B&gt;'], False)
    """
    names = (cascade["channel"] if "channel" in cascade.columns else cascade["channel_id"])
    names = names.astype(object).where(names.notna(), cascade["channel_id"]).astype(str)
    labels = [escape(n) for n in names]
    texts = (cascade["text"] if "text" in cascade.columns
             else pd.Series([""] * len(cascade), index=cascade.index))
    via = cascade["via"].astype(str).tolist()
    hover = [f"{lab}<br>{'origin' if o else 'after ' + escape(str(lag))} via {escape(v)}<br>"
             f"{escape(shorten(t, 160))}"
             for lab, o, lag, v, t in zip(labels, cascade["is_origin"], cascade["lag"], via, texts)]
    fig = go.Figure(go.Scatter(
        x=cascade["date"], y=labels, mode="lines+markers",
        line=dict(color="#bbbbbb", width=1),
        marker=dict(size=[14 if o else 10 for o in cascade["is_origin"]],
                    symbol=[VIA_SYMBOLS.get(v, "circle") for v in via],
                    color=["#b2182b" if o else "#2166ac" for o in cascade["is_origin"]]),
        text=hover, hovertemplate="%{text}<br>%{x|%Y-%m-%d %H:%M}<extra></extra>",
        name="members",
    ))
    order = list(dict.fromkeys(labels))
    fig.update_layout(title=escape(title) if title else None, template="plotly_white",
                      yaxis=dict(categoryorder="array", categoryarray=order[::-1], title=None),
                      xaxis_title=None, showlegend=False,
                      margin=dict(t=60 if title else 30, r=20, l=160, b=40))
    return fig
