"""What a briefing says: the analyses behind it, the sentences of its findings, its figures
and tables. Every number in a sentence is computed here from the corpus."""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import platform
import warnings
from functools import partial
from pathlib import Path

import pandas as pd

from .. import crosspost, network, plots, timeline
from ..corpus import Corpus
from ..errors import WorkbenchWarning
from ..groups import MAX_GROUPS, assign_groups, order_groups
from ..io import load
from ..naming import display_name, display_names, natural_sorted
from ..text import shorten
from . import _findings
from ._html import HTMLBlock, html_table
from ._lifecycle import gaps_sentence, takedown_sentence
from ._prose import Facts, bold as _b, day as _day, join_list as _list, lag as _lag, n as _n
from ._params import BriefingParameters, check_parameters, parameter_error
from ._safe import Pseudonymiser, defang_text, pseudonymise_corpus, safe_html
from ._terms import rising_terms
from ._threads import discussion_sentence
from ._topics import topics_sentence

__all__ = ["Briefing", "build_briefing", "SALT_ENV"]

#: Environment variable the command line passes the salt through (never a notebook parameter,
#: so it is never written into the executed notebook).
SALT_ENV = "WORKBENCH_BRIEFING_SALT"
#: Nodes named on the network figure (the largest by PageRank); the rest on hover.
LABELLED = 10
PACKAGES = ("pandas", "numpy", "plotly", "networkx", "scikit-learn", "scipy", "pyarrow",
            "ruptures", "datasketch", "papermill", "nbconvert", "nbformat", "ipykernel")


# -- loading ---------------------------------------------------------------------------------

def _load(params: BriefingParameters) -> tuple[Corpus, list[str]]:
    """The corpus with labels joined, and the loader's warnings as notes (shown in the
    briefing's limitations rather than as warnings in the notebook)."""
    if isinstance(params.corpus, Corpus):
        corpus = params.corpus
        notes: list[str] = []
        if params.labels is not None:
            from ..io.labels import join_labels
            ch, msgs = join_labels(corpus.channels, corpus.messages, params.labels, notes)
            corpus = Corpus(msgs, ch, corpus.rejected, corpus.service, corpus.files)
        return corpus, notes
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", WorkbenchWarning)
        corpus = load(params.corpus, channels=params.labels, progress=False)
    return corpus, [str(w.message) for w in caught if issubclass(w.category, WorkbenchWarning)]


def _surge_event(messages: pd.DataFrame, tz: str) -> pd.Series | None:
    """The start of the regime with the largest rise in total daily volume (an ad-hoc
    event row), or None when volume never changes."""
    total = timeline.message_volume(messages, tz=tz)["messages"]
    table = timeline.regimes(total)
    rises = table[table["ratio"] > 1]
    if not len(rises):
        if not total.sum():
            return None
        # No change in level (a short or steady corpus): centre on the busiest day instead.
        start = pd.Timestamp(total.idxmax()).tz_convert("UTC")
        return pd.Series({"key": "busiest-day", "name": f"the busiest day ({_day(start)})",
                          "date": start, "kind": "detected", "place": pd.NA,
                          "source": pd.NA})
    best = rises.sort_values(["ratio", "start"], ascending=[False, True]).iloc[0]
    start = pd.Timestamp(best["start"]).tz_convert("UTC")
    return pd.Series({"key": "largest-rise", "name": f"the largest rise in volume ({_day(start)})",
                      "date": start, "kind": "detected", "place": pd.NA, "source": pd.NA})


def build_briefing(corpus, *, labels=None, event=None, before="28D", after="14D", groups=None,
                   terms=None, title=None, analyst=None, redact="none", salt=None, tz="UTC",
                   seed: int = 0, top: int = 15) -> "Briefing":
    """Check the parameters, load the corpus and run every analysis a briefing shows.

    Parameters
    ----------
    corpus : str, Path or Corpus
        What to brief on (a path ``wb.load`` reads, or a loaded corpus).
    labels, event, before, after, groups, terms, title, analyst, redact, tz, seed, top
        See :func:`check_parameters`.
    salt : str, optional
        Secret for ``redact="pseudonymise"``; else ``$WORKBENCH_BRIEFING_SALT``; else random
        (pseudonyms then differ in every briefing). Never shown in the briefing.

    Returns
    -------
    Briefing
        Its methods give the briefing's parts, in order: :meth:`~Briefing.header`,
        :meth:`~Briefing.findings`, :meth:`~Briefing.network_figure`,
        :meth:`~Briefing.volume_figure`, :meth:`~Briefing.keyword_figure`,
        :meth:`~Briefing.flows_figure`, :meth:`~Briefing.cascade_figure`,
        :meth:`~Briefing.cascade_table`, :meth:`~Briefing.top_channels_table`,
        :meth:`~Briefing.method`, :meth:`~Briefing.provenance`,
        :meth:`~Briefing.environment`.

    Raises
    ------
    ParameterError
        Before any analysis runs: anything :func:`check_parameters` refuses, a corpus
        without messages, an event outside the corpus' dates, groups without messages.

    Examples
    --------
    >>> import workbench as wb
    >>> brief = build_briefing(wb.io.fixtures_dir() / "telegram",
    ...                        labels=wb.io.fixtures_dir() / "channels.csv", event="Berlin")
    >>> brief.event["key"], brief.keyword_terms[0]
    ('berlin-2016', 'begadon')
    """
    params = check_parameters(corpus, labels=labels, event=event, before=before, after=after,
                              groups=groups, terms=terms, title=title, analyst=analyst,
                              redact=redact, tz=tz, seed=seed, top=top)
    loaded, notes = _load(params)
    if not len(loaded.messages):
        raise parameter_error("corpus", f"{params.corpus_name} holds no messages "
                                        f"({len(loaded.service):,} service records, "
                                        f"{len(loaded.rejected):,} rejected)")
    first, last = loaded.messages["date"].min(), loaded.messages["date"].max()
    if params.event is not None and not (first <= params.event["date"] <= last):
        raise parameter_error(
            "event", f"{params.event['name']} ({params.event['date']:%Y-%m-%d %H:%M} UTC) is "
                     f"outside the corpus' dates ({first:%Y-%m-%d} to {last:%Y-%m-%d})")
    if params.redact == "pseudonymise":
        loaded = pseudonymise_corpus(
            loaded, Pseudonymiser(salt if salt is not None else os.environ.get(SALT_ENV) or None))
    return Briefing(params, loaded, notes)


class Briefing:
    """The analyses of one briefing and the pieces that show them.

    Make one with :func:`build_briefing`. Attributes hold the results (plain DataFrames and
    graphs) for tests and further work; methods return what a notebook cell displays.
    """

    def __init__(self, params: BriefingParameters, corpus: Corpus, notes: list[str]):
        self.params = params
        self.notes = list(notes)
        self.generated = pd.Timestamp.now(tz="UTC").floor("s")
        self.facts = Facts()
        self.limitations: list[str] = []
        self._items = None
        corpus, self.groups_from, self._all_edges, self.folded = assign_groups(
            corpus, labels_given=params.labels is not None, seed=params.seed,
            fold=not params.groups)
        self.corpus = corpus
        p = params
        m = corpus.messages

        # Scope: the groups asked for (all when none).
        self.groups = tuple(p.groups) or order_groups(
            corpus.channels.loc[corpus.channels["channel_id"].isin(m["channel_id"]),
                                "group"].dropna().unique(), m["group"].value_counts())
        known = set(corpus.channels["group"].dropna())
        unknown = [g for g in p.groups if g not in known]
        if unknown:
            raise parameter_error("groups", f"{unknown} not found; the groups are "
                                            f"{natural_sorted(known)}")
        if p.groups:
            focus_ids = set(corpus.channels.loc[corpus.channels["group"].isin(p.groups),
                                                "channel_id"])
            m = m[m["channel_id"].isin(focus_ids)].reset_index(drop=True)
            if not len(m):
                raise parameter_error("groups", f"no messages from channels in {list(p.groups)}")
        self.messages = m
        self.scope = Corpus(m, corpus.channels, corpus.rejected, corpus.service, corpus.files)

        self.event = p.event if p.event is not None else _surge_event(m, p.tz)
        if self.event is None:
            raise parameter_error("event", "none given, and the volume never changes enough "
                                           "to find one: name an event or a date")
        self.event_detected = p.event is None
        self._network()
        self._volume()
        self._keywords()
        self._crossposts()
        self.candidates = network.collection_candidates(m, channels=corpus.channels)

    # -- analyses --------------------------------------------------------------------------
    def _names(self) -> dict:
        """channel_id -> display name (:func:`workbench.naming.display_name`), defanged."""
        if not hasattr(self, "_display"):
            self._display = {c: defang_text(v)
                             for c, v in display_names(self.corpus.channels).items()}
        return self._display

    def display(self, channel_id) -> str:
        """How the briefing names a channel, the same everywhere."""
        shown = self._names().get(channel_id)
        if shown is None and channel_id in getattr(self, "graph", {}):
            data = self.graph.nodes[channel_id]
            shown = defang_text(display_name(data.get("name"), data.get("handle"), channel_id))
        return shown if shown is not None else defang_text(display_name(None, None, channel_id))

    def display_candidate(self, row) -> str:
        """A collection candidate (a row of ``collection_candidates``) by the same rule."""
        return defang_text(display_name(row.get("name"), row.get("handle"),
                                        row.get("channel_id")))

    def _network(self) -> None:
        p, m = self.params, self.messages
        edges = self._all_edges
        if edges is None or p.groups:
            edges = network.forward_edges(m)
        if p.groups:
            focus = set(m["channel_id"])
            edges = edges[edges["source"].isin(focus) | ~edges["resolved"].astype(bool)]
            edges = edges.reset_index(drop=True)
        self.edges = edges
        self.graph = network.edges_to_graph(edges, self.scope)
        for node, data in self.graph.nodes(data=True):
            data["name"] = defang_text(display_name(data.get("name"), data.get("handle"), node))
            if "group" in data:
                data["group"] = defang_text(data["group"])
        if self.graph.number_of_edges():
            self.centrality = network.centrality(self.graph, random_state=p.seed)
        else:
            self.centrality = pd.DataFrame(columns=network.CENTRALITY_COLUMNS)

    def _volume(self) -> None:
        p, m = self.params, self.messages
        self.volume = timeline.message_volume(m, by="group", tz=p.tz)
        self.change_points = timeline.change_points(self.volume)
        self.regimes = timeline.regimes(self.volume, self.change_points)
        self.window = timeline.event_window(m, self.event, before=p.before, after=p.after,
                                            by="group", tz=p.tz)
        self.window_total = timeline.event_window(m, self.event, before=p.before,
                                                  after=p.after, tz=p.tz)

    def _keywords(self) -> None:
        p, m = self.params, self.messages
        span = m["date"].max() - m["date"].min()
        self.keyword_freq = "W" if span > pd.Timedelta("70D") else "D"
        start = self.event["date"] - p.before
        self.baseline = min(3 * p.before, start - m["date"].min())
        if p.terms:
            self.keyword_source = "given"
            self.keyword_terms = list(p.terms)
            self.keyword_stats = self._term_stats(self.keyword_terms)
        else:
            self.keyword_source = "rising"
            stats = (rising_terms(m, self.event, before=p.before, baseline=self.baseline)
                     if self.baseline > pd.Timedelta(0) else pd.DataFrame(columns=["term"]))
            self.keyword_stats = stats
            self.keyword_terms = stats["term"].tolist()
        self.keyword_trend = (timeline.keyword_trend(m, self.keyword_terms,
                                                     freq=self.keyword_freq, tz=p.tz)
                              if self.keyword_terms else None)

    def _term_stats(self, terms: list[str]) -> pd.DataFrame:
        """Share of messages using each given term in the window before the event and in the
        baseline before that."""
        m = self.messages
        at, start = self.event["date"], self.event["date"] - self.params.before
        window = m[(m["date"] >= start) & (m["date"] < at)]
        base = m[(m["date"] >= start - self.baseline) & (m["date"] < start)]
        # Each text is normalised once, not once per term.
        texts_w = [timeline.normalise_text(t) for t in window["text"]]
        texts_b = [timeline.normalise_text(t) for t in base["text"]]
        rows = []
        for term in terms:
            pattern = timeline.term_pattern(term)
            n_w = sum(pattern.search(t) is not None for t in texts_w)
            n_b = sum(pattern.search(t) is not None for t in texts_b)
            rows.append({"term": term, "window_messages": n_w,
                         "window_share": n_w / len(texts_w) if texts_w else float("nan"),
                         "baseline_messages": n_b,
                         "baseline_share": n_b / len(texts_b) if texts_b else float("nan")})
        return pd.DataFrame(rows)

    def _crossposts(self) -> None:
        p = self.params
        self.clusters = crosspost.find_crossposts(self.scope, random_state=p.seed)
        ch = self.corpus.channels
        if not len(self.clusters):
            self.cluster_summary = self.flows = self.lead = self.cascade = None
            return
        self.cluster_summary = crosspost.cluster_summary(self.clusters)
        self.flows = crosspost.crosspost_flows(self.clusters, ch, by="group")
        self.lead = crosspost.lead_lag(self.clusters, by="group", channels=ch)
        s = self.cluster_summary
        at = self.event["date"]
        near = s[(s["origin_date"] >= at - p.before) & (s["origin_date"] < at + p.after)]
        pool = near if len(near) else s
        best = pool.sort_values(["channels", "members", "cluster_id"],
                                ascending=[False, False, True]).iloc[0]
        self.cascade_id = int(best["cluster_id"])
        cas = crosspost.cascade(self.clusters, self.cascade_id, messages=self.messages)
        for col in ("text", "group"):
            if col in cas.columns:
                cas[col] = cas[col].map(defang_text)
        cas["channel"] = cas["channel_id"].map(self.display)  # the one display rule
        self.cascade = cas

    # -- pieces of the briefing ------------------------------------------------------------
    @property
    def title(self) -> str:
        """The title as given, or one made from the event."""
        if self.params.title:
            return self.params.title
        if self.event_detected:
            return f"Channel activity: {self.event['name']}"
        if pd.isna(self.event.get("kind", pd.NA)):  # a date, not a catalogue event
            return f"Channel activity around {_day(self.event['date'])}"
        return f"Channel activity around the {self.event['name']} ({_day(self.event['date'])})"

    def _corpus_label(self, *, html: bool = True) -> str:
        """The corpus folder's name, or (pseudonymised) a note that it is withheld: folder
        names often name whose export it is."""
        if self.params.redact == "pseudonymise":
            return "(withheld: pseudonymised)" if not html else "<i>name withheld</i>"
        return safe_html(self.params.corpus_name) if html else self.params.corpus_name

    def _groups_phrase(self) -> str:
        if self.groups_from == "communities":
            fragmented = "; the network is fragmented" if self.folded else ""
            return ("the communities detected in the forward network (no labels file was "
                    f"given, so groups are not analyst judgements{fragmented})")
        if self.groups_from == "channels":
            return ("the channels themselves (no labels file was given, and nothing is "
                    "forwarded, so no communities can be detected)")
        if self.groups_from == "corpus":
            return "the analyst labels saved with the corpus"
        name = "a labels file" if self.params.redact == "pseudonymise" else \
            f"the labels file {_b(self.params.labels.name)}"
        return f"the analyst labels in {name}"

    def event_phrase(self) -> str:
        """The event as a sentence names it (already safe HTML)."""
        ev = self.event
        if self.event_detected:
            return safe_html(ev["name"])
        if pd.isna(ev.get("kind", pd.NA)):
            return f"{ev['date']:%d %b %Y %H:%M} UTC".lstrip("0")
        return "the " + safe_html(ev["name"])

    def header(self) -> HTMLBlock:
        """Title and scope."""
        p, m, ev = self.params, self.messages, self.event
        channels = m["channel_id"].nunique()
        when = f"{ev['date']:%d %b %Y %H:%M} UTC".lstrip("0")
        place = "" if pd.isna(ev.get("place", pd.NA)) else f", {safe_html(ev['place'])}"
        if self.event_detected:
            event = (f"none given; the briefing centres on {safe_html(ev['name'])}, found by "
                     + ("change-point detection" if ev["key"] == "largest-rise" else
                        "counting messages (the volume never changes enough for change-point "
                        "detection)"))
        elif pd.isna(ev.get("kind", pd.NA)):
            event = f"{when} (a date given by the analyst)"
        else:
            event = f"{safe_html(ev['name'])} ({when}{place})"
        if p.groups:
            scope = "only " + _list([_b(g) for g in p.groups])
        elif self.folded:
            total = len(self.groups) - 1 + self.folded
            scope = (f"{_n(total)} groups, too many to compare one by one: the "
                     f"{_n(len(self.groups) - 1)} largest by messages and the other "
                     f"{_n(self.folded)} together "
                     f"({_list([_b(g) for g in self.groups])})")
        else:
            scope = (f"all {_n(len(self.groups))} ({_list([_b(g) for g in self.groups])})"
                     if len(self.groups) > 1 else f"one ({_list([_b(g) for g in self.groups])})")
        lines = [
            f"<b>Corpus</b>: {self._corpus_label()}: {_n(len(m))} messages from "
            f"{_n(channels)} {'channel' if channels == 1 else 'channels'}, "
            f"{_day(m['date'].min())} to {_day(m['date'].max())}.",
            f"<b>Groups</b>: {scope}, defined by {self._groups_phrase()}.",
            f"<b>Event</b>: {event}. Compared: the {p.before.days} days before with the "
            f"{p.after.days} days after.",
            "<b>Identifiers</b>: " + ("pseudonymised (channel and user names, handles and ids "
                                      "are salted hashes; the salt is not in this briefing)."
                                      if p.redact == "pseudonymise" else
                                      "as collected (channel names and handles are shown)."),
        ]
        if p.analyst:
            lines.append(f"<b>Prepared by</b>: {safe_html(p.analyst)}, {_day(self.generated)}")
        items = "".join(f"<li>{line}</li>" for line in lines)
        return HTMLBlock(f'<h1 class="wb-title">{safe_html(self.title)}</h1>'
                         f'<ul class="wb-scope">{items}</ul>')

    # findings ------------------------------------------------------------------------------
    def _finding_items(self) -> list[str]:
        """The findings' items, written once (writing them also records their numbers in
        :attr:`facts` and what could not be tested in :attr:`limitations`)."""
        if self._items is None:
            f = _findings
            # One item per topic; an item's first word says the topic.
            items = [f.hub_sentence(self), " ".join(f.surge_sentences(self)),
                     f.keyword_sentence(self), topics_sentence(self),
                     " ".join(f.crosspost_sentences(self)),
                     discussion_sentence(self.messages, self._names(),
                                         partial(self.facts.add, "Discussion")),
                     takedown_sentence(self), f.collect_sentence(self)]
            self._items = [s for s in items if s]
        return self._items

    def findings(self) -> HTMLBlock:
        """Key findings: short sentences, every number computed and listed in a table
        folded beneath them."""
        body = "".join(f"<li>{s}</li>" for s in self._finding_items())
        return HTMLBlock(f'<ul class="wb-findings">{body}</ul>'
                         + _findings.facts_table_html(self))

    # figures -------------------------------------------------------------------------------
    def network_figure(self):
        """The forward network: the collected channels and the most forwarded sources outside
        the collection (:data:`workbench.plots.TOP_SOURCES`); size PageRank, colour the group."""
        if not self.graph.number_of_edges():
            return HTMLBlock("<p>No forwards between channels in scope: no network to draw.</p>")
        view = plots.core_and_sources(self.graph, top=plots.TOP_SOURCES)
        positions = plots.network_layout(view, seed=self.params.seed)
        fig = plots.plot_network(view, color="group", centrality=self.centrality,
                                 positions=positions, seed=self.params.seed, labels=LABELLED)
        fig.update_layout(height=620)
        return fig

    def volume_figure(self):
        """Daily volume by group around the event, with change points."""
        p, vol = self.params, self.volume
        at = self.event["date"]
        if vol.index[-1] - vol.index[0] > pd.Timedelta("400D"):
            lo, hi = at - 3 * p.before, at + 3 * p.after
            vol = vol[(vol.index >= lo) & (vol.index <= hi)]
        shown = {defang_text(c): idx[(idx >= vol.index[0]) & (idx <= vol.index[-1])]
                 for c, idx in self.change_points.items()}
        vol = vol[natural_sorted(vol.columns)].rename(columns=defang_text)
        event = self.event if not self.event_detected else None
        fig = plots.plot_volume(vol, events=event, change_points=shown,
                                title="Messages per day by group, change points marked")
        if self.event_detected:
            fig.add_vline(x=at, line_dash="dash", line_color="grey")
        fig.update_layout(height=440)
        return fig

    def keyword_figure(self):
        """The share of messages using the given or rising terms, per week (or day)."""
        if self.keyword_trend is None:
            return HTMLBlock("<p>No keyword to trace.</p>")
        what = "given terms" if self.keyword_source == "given" else \
            "the words that rose most before the event"
        unit = "week" if self.keyword_freq == "W" else "day"
        event = self.event if not self.event_detected else None
        trend = self.keyword_trend.assign(term=self.keyword_trend["term"].map(defang_text))
        fig = plots.plot_keyword_trend(trend, events=event,
                                       title=f"Share of messages per {unit} using {what}")
        fig.update_layout(height=400)
        return fig

    def flows_figure(self):
        """Cross-posted content from the origin's group (rows) to the copier's (columns)."""
        if self.flows is None:
            return HTMLBlock("<p>No cross-posted content in scope.</p>")
        flows = self.flows.assign(source=self.flows["source"].map(defang_text),
                                  target=self.flows["target"].map(defang_text))
        fig = plots.plot_crosspost_flows(
            flows, title="Cross-posted copies from the origin's group to the copier's")
        fig.update_layout(height=420)
        return fig

    def cascade_figure(self):
        """One example cascade: the widest family of copies near the event."""
        if self.cascade is None:
            return HTMLBlock("<p>No cascade to show.</p>")
        n = self.cascade["channel_id"].nunique()
        fig = plots.plot_cascade(self.cascade, title=f"Example cascade: one piece of content "
                                                     f"in {n} channels")
        fig.update_layout(height=max(320, 26 * n + 140))
        return fig

    def cascade_table(self) -> HTMLBlock:
        """The example cascade's first members, texts shortened, escaped and defanged."""
        if self.cascade is None:
            return HTMLBlock("")
        c = self.cascade.head(12)
        origin = c["date"].iloc[0]
        table = pd.DataFrame({
            "posted (UTC)": [f"{d:%Y-%m-%d %H:%M}" for d in c["date"]],
            "after": ["origin" if o else _lag(d - origin) for o, d in zip(c["is_origin"],
                                                                         c["date"])],
            "channel": c.get("channel", c["channel_id"]),
            "group": c.get("group", pd.Series([pd.NA] * len(c))),
            "via": c["via"],
            "text": [shorten(t, 140) for t in c.get("text", pd.Series([""] * len(c)))],
        })
        more = len(self.cascade) - len(c)
        note = f"<p class='wb-note'>… and {_n(more)} more copies.</p>" if more > 0 else ""
        return HTMLBlock(html_table(table, css_class="wb-table wb-cascade") + note)

    def top_channels_table(self) -> HTMLBlock:
        """The channels ranked highest by PageRank, with what makes them matter."""
        cent = self.centrality.head(self.params.top)
        if not len(cent):
            return HTMLBlock("<p>No forwards: no ranking.</p>")
        names = self._names()
        groups = dict(zip(self.corpus.channels["channel_id"], self.corpus.channels["group"]))
        counts = self.messages["channel_id"].value_counts()
        collected = set(self.corpus.messages["channel_id"])
        started = (self.cluster_summary["origin_channel_id"].value_counts()
                   if self.cluster_summary is not None else pd.Series(dtype="int64"))
        ids = cent.index
        table = pd.DataFrame({
            "#": range(1, len(cent) + 1),
            "channel": [defang_text(names.get(c, c)) for c in ids],
            "group": [groups.get(c) if not pd.isna(groups.get(c, pd.NA)) else "" for c in ids],
            "collected": ["yes" if c in collected else "no" for c in ids],
            "messages": [int(counts.get(c, 0)) for c in ids],
            "forwarded (messages)": cent["out_strength"].astype(int).to_numpy(),
            "forwarded by (channels)": cent["out_degree"].astype(int).to_numpy(),
            "PageRank": cent["pagerank"].to_numpy(),
            "families started": [int(started.get(c, 0)) for c in ids],
        })
        num = ["#", "messages", "forwarded (messages)", "forwarded by (channels)", "PageRank",
               "families started"]
        fmt = {c: "{:,}".format for c in num}
        fmt["PageRank"] = "{:.3f}".format
        return HTMLBlock(html_table(table, numeric=num, formats=fmt))

    # method and provenance -----------------------------------------------------------------
    def method(self) -> HTMLBlock:
        """How the findings were made, and what they cannot say."""
        p = self.params
        total = self.window_total.summary.iloc[0]
        items = [
            "<b>Groups</b> are " + self._groups_phrase() + "."
            + (" Each community is named after its hub, the member forwarded most (Louvain "
               "modularity on the forward network, seeded); channels that forward nothing and "
               "are never forwarded are grouped as channels without forwards."
               if self.groups_from == "communities" else "")
            + (f" At most {MAX_GROUPS} groups are named: the smallest by messages are folded "
               "into \"other groups (n)\"." if self.folded else ""),
            "<b>Network.</b> An edge runs from the channel forwarded from to the channel that "
            "forwarded, weighted by messages. PageRank runs on the endorsement direction, so "
            "the channels forwarded most rank highest. Forward sources outside the collection "
            "are known only by the name in the forward header.",
            f"<b>Surge.</b> Daily counts in the {p.before.days} days before and the "
            f"{p.after.days} days after the event (day 0 is the 24 hours from the event), "
            "compared by a quasi-Poisson rate test that widens its intervals for "
            f"overdispersion (here {total['dispersion']:.1f} times the Poisson variance) and "
            "autocorrelation. Change points are found in each group's daily series without "
            "being told the event date.",
            ("<b>Keywords.</b> The given terms are matched as whole words after normalisation "
             "(case, diacritics, Arabic letter variants)." if self.keyword_source == "given"
             else "<b>Keywords.</b> No terms were given: words (three or more letters) are "
             f"ranked by the rise of their share of messages from the {self.baseline.days} "
             f"days before the window to the {p.before.days} days before the event "
             "(log-odds ratio with an informative prior, z-score); only words in at least 10 "
             "messages from 3 channels count."),
            "<b>Cross-posting.</b> Families join messages by forward, near-duplicate text "
            "(weighted Jaccard of character shingles, 0.4, within 7 days), shared rare links "
            "and shared media files; only families spanning two or more channels count. "
            "The origin is the earliest member.",
            "<b>Limits.</b> The briefing sees only the channels collected: activity elsewhere, "
            "deleted messages and private chats are invisible. A rise after an event is a "
            "timing association, not proof of a reaction; overlapping events and collection "
            "gaps can produce or hide one (compare groups: a change in every group, control "
            "channels included, points to the collection). Telegram Desktop exports carry no "
            "view counts and no original date of forwarded posts.",
        ]
        self._finding_items()  # writing the findings lists what could not be tested
        items += self.limitations
        holes = gaps_sentence(self)
        if holes:
            items.append(holes)
        if self.event_detected:
            how = ("the start of the largest rise in total daily volume found by "
                   "change-point detection" if self.event["key"] == "largest-rise" else
                   "the busiest day, since change-point detection finds no rise in volume")
            items.append(f"<b>No event was given.</b> The briefing centres on {how}; its date "
                         "is a property of the data, not an outside event.")
        if p.redact == "pseudonymise":
            items.append("<b>Pseudonymised.</b> Channel and user names, handles, ids, Telegram "
                         "links, the corpus folder and input file names are replaced by salted "
                         "hashes (HMAC-SHA-256), the same within this briefing; phone numbers "
                         "and e-mail addresses in texts by typed placeholders. Other links and "
                         "message texts are shown (defanged) apart from the names replaced in "
                         "them."
                         + (f" {len(self.notes)} loader note(s) are withheld because they may "
                            "name channels or people." if self.notes else ""))
        elif self.notes:
            items.append("<b>Loader notes.</b> " + " ".join(
                f"{safe_html(shorten(n, 300))}" for n in self.notes[:5])
                + (f" (and {len(self.notes) - 5} more)" if len(self.notes) > 5 else ""))
        rejected = len(self.corpus.rejected)
        if rejected:
            items.append(f"<b>Rejected records.</b> {_n(rejected)} input records could not be "
                         "read and are left out (see the provenance table).")
        body = "".join(f"<li>{i}</li>" for i in items if i)
        return HTMLBlock(f'<ul class="wb-method">{body}</ul>')

    def provenance(self) -> HTMLBlock:
        """Every input file with size and SHA-256, record counts and the parameters."""
        p, files = self.params, self.corpus.files
        totals = {k: int(files[k].sum()) for k in ("records", "loaded", "service", "rejected",
                                                    "merged")}
        summary = (f"<p>{_n(len(files))} input files, {_n(totals['records'])} records: "
                   f"{_n(totals['loaded'])} messages loaded, {_n(totals['service'])} service "
                   f"records, {_n(totals['rejected'])} rejected"
                   + (f", {_n(totals['merged'])} superseded by a newer export"
                      if totals["merged"] else "") + ".</p>")
        table = files[["path", "format", "size", "sha256", "loaded", "service", "rejected"]]
        num = ["size", "loaded", "service", "rejected"]
        files_html = html_table(table.rename(columns={"size": "bytes"}),
                                numeric=["bytes", "loaded", "service", "rejected"],
                                formats={c: "{:,}".format for c in ["bytes", *num[1:]]},
                                css_class="wb-table wb-files")
        label_value = {"communities": "none (groups are detected communities)",
                       "channels": "none (groups are the channels)"}.get(self.groups_from,
                                                                          "none")
        if p.labels is not None:
            digest = hashlib.sha256(Path(p.labels).read_bytes()).hexdigest()
            name = "(labels file)" if p.redact == "pseudonymise" else p.labels.name
            label_value = f"{name}, {Path(p.labels).stat().st_size:,} bytes, SHA-256 {digest}"
        ev = self.event
        params = pd.DataFrame([
            ("corpus", self._corpus_label(html=False)),
            ("labels", label_value),
            ("event", f"{ev['key']}: {ev['name']}, {ev['date']:%Y-%m-%d %H:%M} UTC"
             + ("" if pd.isna(ev.get("source", pd.NA)) else f", source {ev['source']}")),
            ("before / after", f"{p.before.days} days / {p.after.days} days"),
            ("groups", ", ".join(p.groups) if p.groups else "all"),
            ("terms", ", ".join(p.terms) if p.terms else "none (rising words shown)"),
            ("time zone", p.tz),
            ("redaction", p.redact),
            ("seed", str(p.seed)),
            ("title", self.title),
            ("analyst", p.analyst or ""),
        ], columns=["parameter", "value"])
        return HTMLBlock("<h3>Inputs</h3>" + summary + files_html
                         + "<h3>Parameters</h3>" + html_table(params))

    def environment(self) -> HTMLBlock:
        """Package versions and the time of generation."""
        versions = [("workbench", _version("channel-workbench")),
                    ("python", platform.python_version())]
        versions += [(name, _version(name)) for name in PACKAGES]
        table = pd.DataFrame(versions, columns=["package", "version"])
        return HTMLBlock(f"<p>Generated {self.generated:%Y-%m-%d %H:%M:%S} UTC.</p>"
                         + html_table(table, css_class="wb-table wb-versions"))

    def __repr__(self) -> str:
        return (f"Briefing({self.title!r}: {len(self.messages):,} messages, "
                f"{len(self.groups)} groups, event {self.event['key']})")


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"
