"""An explorer for channel networks: edge kind, weight, dates, groups, colour, and one
channel's heaviest ties."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import ipywidgets as widgets
import pandas as pd

from .. import network
from ..errors import ParameterError
from ..naming import display_names, natural_sorted
from ..plots import TOP_SOURCES, core_and_sources, network_layout, plot_network
from ..text import escape
from ._common import Explorer, check_changes, to_utc

__all__ = ["network_explorer", "NetworkExplorer"]

NONE_GROUP = network.NO_LABEL
COLOR_CHOICES = ("group", "lang", "community")
# Co-citation weights are similarities (0-1), forwards and mentions message counts.
DEFAULT_MIN_WEIGHT = {"forward": 1.0, "mention": 1.0, "cocitation": 0.5}
# (edges ending at the channel, edges starting from it), per edge kind.
TIE_LABELS = {"forward": ("forwards from", "forwarded by"),
              "mention": ("mentioned by", "mentions"),
              "cocitation": ("co-cites", "co-cites")}


class NetworkExplorer(Explorer):
    """Controls wired to :mod:`workbench.network` and :func:`workbench.plots.plot_network`.

    Use :func:`network_explorer` to make one. ``options`` is plain data; :meth:`update` changes
    it and returns the redrawn figure, so everything can be driven from code and tests.

    Attributes
    ----------
    options : dict
        ``kind`` ("forward", "mention", "cocitation"), ``min_weight``, ``start`` and ``end``
        (UTC timestamps bounding the messages used), ``groups`` (tuple of analyst groups to
        show, ``"(none)"`` for unlabelled channels such as unresolved sources; empty = all),
        ``color`` ("group", "lang", "community"), ``channel`` (the channel whose ties are
        tabulated, or None), ``top`` (rows in that table), ``sources`` (forward networks:
        show the collected channels and only this many uncollected sources, the most
        forwarded, as the briefing does; None shows every source).
    figure : plotly Figure
        The last figure drawn.
    edges : DataFrame
        The edges behind it (after every filter).
    widget : ipywidgets.VBox
        The controls, the figure and the channel table, for display in Jupyter.
    """

    def __init__(self, corpus, *, kind: str = "forward", seed: int = 0, **options: Any):
        self.corpus = corpus
        self.seed = seed
        dates = corpus.messages["date"]
        self._date_min = dates.min().floor("D") if len(dates) else pd.Timestamp(0, tz="UTC")
        self._date_max = dates.max().ceil("D") if len(dates) else pd.Timestamp(0, tz="UTC")
        # Without analyst labels there is nothing to filter by: no group choices.
        self.group_choices: tuple[str, ...] = ()
        if "group" in corpus.channels:
            labelled = set(corpus.channels["group"].dropna().astype(str))
            self.group_choices = (*natural_sorted(labelled), NONE_GROUP)
        self.options: dict[str, Any] = {
            "kind": kind, "min_weight": DEFAULT_MIN_WEIGHT.get(kind, 1.0),
            "start": self._date_min, "end": self._date_max, "groups": (),
            "color": "group", "channel": None, "top": 10, "sources": TOP_SOURCES,
        }
        self._edge_cache: dict[tuple, pd.DataFrame] = {}
        self._layouts: dict[str, dict] = {}
        self._build_controls()
        self.figure = None
        self.edges = None
        self.update(**options)

    # -- analysis -------------------------------------------------------------------------
    def _base_edges(self, kind: str, start, end) -> pd.DataFrame:
        key = (kind, start, end)
        if key not in self._edge_cache:
            m = self.corpus.messages
            window = m[(m["date"] >= start) & (m["date"] <= end)]
            self._edge_cache[key] = network.build_edges(window, kind, channels=self.corpus)
        return self._edge_cache[key]

    def filtered_edges(self) -> pd.DataFrame:
        """The edge table for the current options (kind, dates, min weight, groups)."""
        o = self.options
        edges = self._base_edges(o["kind"], o["start"], o["end"])
        return network.filter_edges(edges, channels=self.corpus.channels,
                                    groups=o["groups"] or None, min_weight=o["min_weight"])

    def _positions(self, kind: str) -> dict:
        # Laid out once per edge kind on the whole network, so filters never move nodes.
        if kind not in self._layouts:
            full = self._base_edges(kind, self._date_min, self._date_max)
            if kind == "cocitation":
                full = full[full["weight"] >= DEFAULT_MIN_WEIGHT["cocitation"]]
            G = network.edges_to_graph(full, self.corpus.channels, kind=kind)
            self._layouts[kind] = network_layout(G, seed=self.seed)
        return self._layouts[kind]

    def channel_table(self, channel: str | None = None, *, top: int | None = None) -> pd.DataFrame:
        """The selected channel's heaviest ties in the current edges.

        Returns
        -------
        DataFrame
            ``tie`` (forwards: "forwards from" / "forwarded by"; mentions: "mentioned by" /
            "mentions"; co-citation: "co-cites"), ``channel_id``, ``name`` (raw: escape it
            before showing it), ``weight``; heaviest first within each tie.
        """
        channel = channel if channel is not None else self.options["channel"]
        top = top or self.options["top"]
        cols = ["tie", "channel_id", "name", "weight"]
        if channel is None or self.edges is None:
            return pd.DataFrame(columns=cols)
        e = self.edges
        names = self._names
        parts = []
        ties = TIE_LABELS[self.options["kind"]]
        for tie, mine, other in ((ties[0], "target", "source"), (ties[1], "source", "target")):
            rows = e[e[mine] == channel].nlargest(top, "weight", keep="first")
            parts.append(pd.DataFrame({
                "tie": tie, "channel_id": rows[other].astype(str).to_numpy(),
                "name": [names.get(c, c) for c in rows[other].astype(str)],
                "weight": rows["weight"].to_numpy()}))
        return pd.concat(parts, ignore_index=True)[cols]

    @cached_property
    def _names(self) -> dict:
        """channel_id -> display name (raw: escape before showing), built once per explorer."""
        return {str(k): v for k, v in display_names(self.corpus.channels).items()}

    def draw(self):
        """Recompute edges, graph and figure from ``options``; return the figure."""
        o = self.options
        self.edges = self.filtered_edges()
        G = network.edges_to_graph(self.edges, self.corpus, kind=o["kind"])
        if o["kind"] == "forward" and o["sources"] is not None:
            G = core_and_sources(G, top=o["sources"])
        color: Any = o["color"]
        if color == "community":
            color = network.communities(G, random_state=self.seed)
        self.graph = G
        self.figure = plot_network(G, color=color, positions=self._positions(o["kind"]),
                                   seed=self.seed)
        self._render()
        return self.figure

    def update(self, **changes: Any):
        """Change options and redraw; returns the new figure.

        Changing ``kind`` without giving ``min_weight`` resets it to that kind's default
        (1 message for forwards and mentions, 0.5 similarity for co-citation).

        Raises
        ------
        ParameterError
            For an unknown option or a value outside its choices.
        """
        check_changes(self.options, changes,
                      {"kind": tuple(DEFAULT_MIN_WEIGHT), "color": COLOR_CHOICES},
                      ("kind", "color"))
        if "kind" in changes:
            changes.setdefault("min_weight", DEFAULT_MIN_WEIGHT[changes["kind"]])
        if "groups" in changes:
            groups = tuple(changes["groups"] or ())
            bad = [g for g in groups if g not in self.group_choices]
            if bad:
                raise ParameterError(f"groups {bad} unknown; choices are {self.group_choices}")
            changes["groups"] = groups
        for key in ("start", "end"):
            if key in changes:
                changes[key] = to_utc(changes[key])
        if "min_weight" in changes:
            changes["min_weight"] = float(changes["min_weight"])
        if changes.get("sources") is not None:
            changes["sources"] = int(changes["sources"])
            if changes["sources"] < 0:
                raise ParameterError(f"sources={changes['sources']}: 0 or more, or None (all)")
        self.options.update(changes)
        self._sync_controls()
        return self.draw()

    # -- widgets --------------------------------------------------------------------------
    def _build_controls(self) -> None:
        o = self.options
        self.controls = {
            "kind": widgets.Dropdown(options=list(DEFAULT_MIN_WEIGHT), value=o["kind"],
                                     description="edges"),
            "min_weight": widgets.BoundedFloatText(value=o["min_weight"], min=0, max=1e9,
                                                   step=1, description="min weight"),
            "dates": self._date_slider(),
            "groups": widgets.SelectMultiple(
                options=[(escape(g), g) for g in self.group_choices], value=(),
                description="groups", rows=max(1, min(6, len(self.group_choices)))),
            "color": widgets.Dropdown(options=list(COLOR_CHOICES), value=o["color"],
                                      description="colour by"),
            "channel": widgets.Dropdown(options=[("(pick a channel)", None)], value=None,
                                        description="channel"),
            "sources": widgets.Dropdown(options=_source_choices(o["sources"]),
                                        value=o["sources"], description="sources"),
        }
        self._wire()
        self.output = widgets.Output(layout=widgets.Layout(width="70%"))
        self.table = widgets.HTML(layout=widgets.Layout(width="30%"))
        self.widget = widgets.VBox([
            widgets.HBox([self.controls["kind"], self.controls["min_weight"],
                          self.controls["color"], self.controls["sources"]]),
            widgets.HBox([self.controls["dates"], self.controls["groups"]]),
            self.controls["channel"],
            widgets.HBox([self.output, self.table]),
        ])

    def _sync_controls(self) -> None:
        o = self.options
        with self._quietly():
            c = self.controls
            c["kind"].value = o["kind"]
            c["min_weight"].step = 0.05 if o["kind"] == "cocitation" else 1
            c["min_weight"].value = o["min_weight"]
            c["color"].value = o["color"]
            c["groups"].value = tuple(o["groups"])
            c["sources"].options = _source_choices(o["sources"])
            c["sources"].value = o["sources"]
            self._sync_dates()

    def _render(self) -> None:
        names = self._names
        ids = sorted(self.graph, key=lambda n: str(names.get(n, n)).casefold())
        with self._quietly():
            choices = [("(pick a channel)", None)] + [(escape(names.get(n, n)), n) for n in ids]
            self.controls["channel"].options = choices
            if self.options["channel"] not in self.graph:
                self.options["channel"] = None
            self.controls["channel"].value = self.options["channel"]
        self.table.value = self.channel_html()
        self._show(self.figure, json_fallback=False)

    def channel_html(self) -> str:
        """The channel table as HTML, every value escaped."""
        table = self.channel_table()
        if self.options["channel"] is None:
            return "<p>Pick a channel to list its heaviest ties.</p>"
        names = self._names
        title = escape(names.get(self.options["channel"], self.options["channel"]))
        rows = "".join(
            f"<tr><td>{escape(r.tie)}</td><td title='{escape(r.channel_id)}'>{escape(r.name)}</td>"
            f"<td style='text-align:right'>{r.weight:,.4g}</td></tr>"
            for r in table.itertuples())
        return (f"<b>{title}</b><table><tr><th>tie</th><th>channel</th><th>weight</th></tr>"
                f"{rows}</table>")


def _source_choices(current) -> list:
    """The "sources" control's choices: top 10, 30, 100 uncollected sources, or all."""
    values = sorted({10, TOP_SOURCES, 100} | ({current} if current is not None else set()))
    return [(f"top {v} outside the collection", v) for v in values] + [("all", None)]


def network_explorer(corpus, *, kind: str = "forward", seed: int = 0, **options: Any
                     ) -> NetworkExplorer:
    """An interactive view of a corpus' channel network.

    Parameters
    ----------
    corpus : Corpus
        A loaded corpus (``wb.load_fixtures()``).
    kind : {"forward", "mention", "cocitation"}, default "forward"
    seed : int, default 0
        Layout and community seed.
    **options
        Initial options (see :class:`NetworkExplorer`): ``min_weight``, ``start``, ``end``,
        ``groups``, ``color``, ``channel``, ``top``, ``sources`` (default 30: the collected
        channels and the 30 most forwarded sources outside the collection).

    Returns
    -------
    NetworkExplorer
        Displays as widgets in Jupyter; ``explorer.update(min_weight=5)`` redraws from code.

    Examples
    --------
    >>> import workbench as wb
    >>> explorer = wb.widgets.network_explorer(wb.load_fixtures())
    >>> before = explorer.figure.layout.meta["edges"]
    >>> explorer.update(min_weight=10).layout.meta["edges"] < before
    True
    """
    return NetworkExplorer(corpus, kind=kind, seed=seed, **options)
