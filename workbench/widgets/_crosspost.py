"""An explorer for cross-posting clusters: filter, browse, read members side by side, and see
one cluster's cascade."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import pandas as pd

from .. import crosspost
from ..errors import ParameterError
from ..plots import plot_cascade
from ..text import escape, shorten
from ._common import ONE_DAY, Explorer, check_changes, check_span, day_bounds, to_utc

__all__ = ["CrosspostExplorer", "crosspost_explorer"]

#: Members shown side by side (the rest are listed in ``explorer.members``).
SIDE_BY_SIDE = 6
LISTED = 200


class CrosspostExplorer(Explorer):
    """Controls wired to :func:`workbench.crosspost.find_crossposts`, ``cluster_summary``,
    ``cascade`` and :func:`workbench.plots.plot_cascade`.

    Use :func:`crosspost_explorer` to make one. ``options`` is plain data; :meth:`update`
    changes it and returns the redrawn figure.

    Attributes
    ----------
    options : dict
        ``group`` (None, or a group: clusters with a member in it), ``via`` (None, or a join
        path: clusters with a member joined that way), ``min_channels`` (at least this many
        channels), ``start`` and ``end`` (the origin's time, UTC), ``cluster`` (the cluster
        shown; None picks the first that passes the filters).
    choices : dict
        The values each control offers.
    clusters : DataFrame
        All clusters (``find_crossposts`` output, with labels).
    summary : DataFrame
        One row per cluster passing the filters (``cluster_summary`` columns).
    members : DataFrame
        The cascade of the shown cluster, texts included (raw: escape before showing).
    figure : plotly Figure
        The cascade plot of the shown cluster (None when no cluster passes).
    widget : ipywidgets.VBox
    """

    def __init__(self, corpus, *, clusters: pd.DataFrame | None = None, **options: Any):
        self.corpus = corpus
        if clusters is None:
            clusters = crosspost.find_crossposts(corpus)
        self.clusters = crosspost.label_clusters(clusters, corpus.channels)
        self._summary_all = crosspost.cluster_summary(self.clusters)
        groups = (sorted(self.clusters["group"].dropna().astype(str).unique())
                  if "group" in self.clusters.columns else [])
        self._date_min, self._date_max = day_bounds(self._summary_all["origin_date"])
        self.choices: dict[str, tuple] = {
            "group": (None, *groups),
            "via": (None, *crosspost.VIA),
            "min_channels": tuple(range(2, int(self._summary_all["channels"].max() or 2) + 1)),
        }
        self.options: dict[str, Any] = {"group": None, "via": None, "min_channels": 2,
                                        "start": self._date_min, "end": self._date_max,
                                        "cluster": None}
        self.summary = self._summary_all
        self.members = None
        self.figure = None
        self._build_controls()
        self.update(**options)

    # -- analysis -------------------------------------------------------------------------
    def filtered(self) -> pd.DataFrame:
        """Cluster summaries passing the current filters."""
        o = self.options
        s = self._summary_all
        keep = (s["channels"] >= o["min_channels"]) & (s["origin_date"] >= o["start"]) \
            & (s["origin_date"] < o["end"])
        cl = self.clusters
        if o["group"] is not None:
            ids = cl.loc[cl["group"].astype(object) == o["group"], "cluster_id"].unique()
            keep &= s["cluster_id"].isin(ids)
        if o["via"] is not None:
            ids = cl.loc[cl["via"].astype(str) == o["via"], "cluster_id"].unique()
            keep &= s["cluster_id"].isin(ids)
        return s[keep].reset_index(drop=True)

    def draw(self):
        """Recompute from ``options``; return the figure (None when nothing passes)."""
        self.summary = self.filtered()
        chosen = self.options["cluster"]
        if chosen is None or chosen not in set(self.summary["cluster_id"]):
            chosen = int(self.summary["cluster_id"].iloc[0]) if len(self.summary) else None
        self.options["cluster"] = chosen
        if chosen is None:
            self.members, self.figure = None, None
        else:
            self.members = crosspost.cascade(self.clusters, chosen, messages=self.corpus.messages)
            self.figure = plot_cascade(self.members, title=f"cluster {chosen}")
        self._render()
        return self.figure

    def update(self, **changes: Any):
        """Change options and redraw; returns the new figure.

        Raises
        ------
        ParameterError
            For an unknown option, a value outside its choices (``min_channels``: an integer
            of at least 2; ``cluster``: an existing cluster), or an ``end`` not after ``start``.
        """
        check_changes(self.options, changes, self.choices, ("group", "via"))
        if "min_channels" in changes:
            value = changes["min_channels"]
            if not isinstance(value, int) or value < 2:
                raise ParameterError(f"min_channels={value!r}: expected an integer >= 2")
        for name in ("start", "end"):
            if name in changes:
                changes[name] = to_utc(changes[name])
        if changes.get("cluster") is not None and changes["cluster"] not in set(
                self._summary_all["cluster_id"]):
            raise ParameterError(f"cluster={changes['cluster']!r}: no such cluster")
        check_span(self.options, changes)
        self.options.update(changes)
        figure = self.draw()
        self._sync_controls()
        return figure

    # -- widgets --------------------------------------------------------------------------
    def _build_controls(self) -> None:
        self.controls = {
            "group": widgets.Dropdown(options=[("(any group)" if g is None else escape(g), g)
                                               for g in self.choices["group"]],
                                      description="group"),
            "via": widgets.Dropdown(options=[("(any path)" if v is None else v, v)
                                             for v in self.choices["via"]], description="via"),
            "min_channels": widgets.IntSlider(value=2, min=2,
                                              max=max(self.choices["min_channels"]),
                                              description="channels ≥"),
            "start": widgets.DatePicker(description="from"),
            "end": widgets.DatePicker(description="until"),
            "cluster": widgets.Select(options=[], rows=8, description="cluster",
                                      layout=widgets.Layout(width="520px")),
        }
        self._wire()
        self.texts = widgets.HTML()
        self.output = widgets.Output()
        c = self.controls
        self.widget = widgets.VBox([
            widgets.HBox([c["group"], c["via"], c["min_channels"]]),
            widgets.HBox([c["start"], c["end"]]),
            c["cluster"], self.texts, self.output,
        ])

    def _control_changes(self, name: str, value: Any) -> dict | None:
        if name in ("start", "end") and value is None:  # a date picker cleared
            return None
        if name == "end":  # the day picked is included
            value = pd.Timestamp(value) + ONE_DAY
        return {name: value}

    def _sync_controls(self) -> None:
        o = self.options
        with self._quietly():
            c = self.controls
            c["group"].value = o["group"]
            c["via"].value = o["via"]
            c["min_channels"].value = o["min_channels"]
            c["start"].value = o["start"].date()
            c["end"].value = (o["end"] - ONE_DAY).date()
            rows = self.summary.head(LISTED)
            c["cluster"].options = [
                (f"{r.cluster_id}: {r.channels} channels, {r.members} messages, via {r.via}, "
                 f"{r.origin_date:%Y-%m-%d %H:%M}", int(r.cluster_id)) for r in rows.itertuples()]
            if o["cluster"] in set(rows["cluster_id"]):
                c["cluster"].value = o["cluster"]

    def members_html(self) -> str:
        """The shown cluster's first members side by side, as an HTML table whose every
        data-derived string is escaped."""
        if self.members is None:
            return "<p>No cluster passes these filters.</p>"
        cells = []
        for r in self.members.head(SIDE_BY_SIDE).itertuples():
            name = getattr(r, "channel", None)
            name = r.channel_id if name is None or pd.isna(name) else name
            head = (f"<b>{escape(name)}</b><br><small>{escape(r.channel_id)} #{r.message_id}"
                    f"<br>{'origin' if r.is_origin else 'after ' + escape(str(r.lag))} via "
                    f"{escape(str(r.via))}</small>")
            text = escape(shorten(getattr(r, "text", ""), 600))
            cells.append(f"<td style='vertical-align:top;padding:4px;max-width:260px;"
                         f"white-space:pre-wrap'>{head}<hr>{text}</td>")
        more = len(self.members) - SIDE_BY_SIDE
        tail = f"<p><small>and {more} more</small></p>" if more > 0 else ""
        return f"<table><tr>{''.join(cells)}</tr></table>{tail}"

    def evidence_html(self, edges: pd.DataFrame, source: str, target: str, *,
                      rows: int = LISTED) -> str:
        """The messages behind one coordination edge (``coordination_edges(...).edges``),
        side by side (:func:`workbench.crosspost.coordination_evidence`), as an HTML table
        whose every data-derived string is escaped."""
        ev = crosspost.coordination_evidence(edges, self.clusters, source, target,
                                             messages=self.corpus.messages)
        names = self.corpus.channels.set_index("channel_id")["name"] \
            if "name" in self.corpus.channels.columns else pd.Series(dtype=object)

        def label(ch: str) -> str:
            name = names.get(ch)
            return escape(ch if name is None or pd.isna(name) else f"{name} ({ch})")

        cell = "<td style='vertical-align:top;padding:4px;max-width:360px;white-space:pre-wrap'>"
        out = [f"<table><tr><th>cluster</th><th>{label(source)}</th><th>{label(target)}</th>"
               "<th>gap</th></tr>"]
        for r in ev.head(rows).itertuples():
            out.append(
                f"<tr>{cell}{int(r.cluster_id)}</td>"
                f"{cell}<small>#{int(r.source_message_id)} {escape(str(r.source_date))}</small>"
                f"<br>{escape(shorten(r.source_text, 600))}</td>"
                f"{cell}<small>#{int(r.target_message_id)} {escape(str(r.target_date))}</small>"
                f"<br>{escape(shorten(r.target_text, 600))}</td>"
                f"{cell}{escape(str(r.gap))}</td></tr>")
        out.append("</table>")
        return "".join(out)

    def _render(self) -> None:
        self.texts.value = self.members_html()
        self._show(self.figure)


def crosspost_explorer(corpus, *, clusters: pd.DataFrame | None = None,
                       **options: Any) -> CrosspostExplorer:
    """Browse cross-posting clusters: filter by group, join path, size and time; read members
    side by side (escaped) and see the cascade.

    Parameters
    ----------
    corpus : Corpus
    clusters : DataFrame, optional
        ``find_crossposts`` output (computed from ``corpus`` when omitted).
    **options
        Initial options (see :class:`CrosspostExplorer`).

    Examples
    --------
    >>> import workbench as wb
    >>> from workbench.widgets import crosspost_explorer
    >>> explorer = crosspost_explorer(wb.load_fixtures())
    >>> fig = explorer.update(via="media", min_channels=3)
    >>> bool((explorer.summary["channels"] >= 3).all()), fig.data[0].type
    (True, 'scatter')
    """
    return CrosspostExplorer(corpus, clusters=clusters, **options)
