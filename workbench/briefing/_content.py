"""What a briefing says: the analyses behind it, the sentences of its findings, its figures
and tables. Every number in a sentence is computed here from the corpus."""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import platform
import warnings
from pathlib import Path

import pandas as pd

from .. import crosspost, network, plots, timeline
from ..corpus import Corpus
from ..errors import WorkbenchWarning
from ..io import load
from ..text import shorten
from ._html import HTMLBlock, html_table
from ._lifecycle import gaps_sentence, takedown_sentence
from ._prose import bold as _b, day as _day, join_list as _list, lag as _lag, n as _n
from ._prose import p_value as _p, pct as _pct, ratio as _ratio
from ._params import BriefingParameters, check_parameters, parameter_error
from ._safe import Pseudonymiser, defang_text, pseudonymise_corpus, safe_html
from ._terms import rising_terms

__all__ = ["Briefing", "build_briefing", "SALT_ENV"]

#: Environment variable the command line passes the salt through (never a notebook parameter,
#: so it is never written into the executed notebook).
SALT_ENV = "WORKBENCH_BRIEFING_SALT"
UNLABELLED = "(unlabelled)"
UNCONNECTED = "unconnected"
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
        return None
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
        self._all_edges = None  # the whole corpus' forward edges, if detecting communities
        corpus = self._with_groups(corpus)
        self.corpus = corpus
        p = params
        m = corpus.messages

        # Scope: the groups asked for (all when none).
        self.groups = tuple(p.groups) or tuple(sorted(corpus.channels.loc[
            corpus.channels["channel_id"].isin(m["channel_id"]), "group"].dropna().unique()))
        known = set(corpus.channels["group"].dropna())
        unknown = [g for g in p.groups if g not in known]
        if unknown:
            raise parameter_error("groups", f"{unknown} not found; the groups are "
                                            f"{sorted(known)}")
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
    def _with_groups(self, corpus: Corpus) -> Corpus:
        """Groups from the labels (or the corpus' own labels), else detected communities."""
        ch, m = corpus.channels.copy(), corpus.messages.copy()
        posting = ch["channel_id"].isin(m["channel_id"])
        has_labels = "group" in ch.columns and ch.loc[posting, "group"].notna().any()
        if self.params.labels is not None or has_labels:
            self.groups_from = "labels" if self.params.labels is not None else "corpus"
            if "group" not in ch.columns:
                ch["group"] = pd.Series(pd.NA, index=ch.index, dtype="string")
            ch["group"] = ch["group"].astype("string")
            ch.loc[posting & ch["group"].isna(), "group"] = UNLABELLED
        else:
            self.groups_from = "communities"
            self._all_edges = network.forward_edges(m)  # reused by _network without --groups
            G = network.edges_to_graph(self._all_edges, corpus)
            found = (network.communities(G, random_state=self.params.seed)
                     if G.number_of_edges() else pd.Series(dtype="int64"))
            labels = {cid: f"community {int(c) + 1}" for cid, c in found.items()}
            ch["group"] = pd.Series([labels.get(c, UNCONNECTED if p else pd.NA)
                                     for c, p in zip(ch["channel_id"], posting)],
                                    index=ch.index, dtype="string")
        m["group"] = m["channel_id"].map(dict(zip(ch["channel_id"], ch["group"]))
                                         ).astype("string")
        return Corpus(m, ch, corpus.rejected, corpus.service, corpus.files)

    def _names(self) -> dict:
        ch = self.corpus.channels
        return dict(zip(ch["channel_id"], ch["name"].astype(object)))

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
            data["name"] = defang_text(data.get("name", node))
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
        for col in ("channel", "text", "group"):
            if col in cas.columns:
                cas[col] = cas[col].map(defang_text)
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
            return ("the communities detected in the forward network (no labels file was "
                    "given, so groups are not analyst judgements)")
        if self.groups_from == "corpus":
            return "the analyst labels saved with the corpus"
        name = "a labels file" if self.params.redact == "pseudonymise" else \
            f"the labels file {_b(self.params.labels.name)}"
        return f"the analyst labels in {name}"

    def _event_phrase(self) -> str:
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
                     "change-point detection")
        elif pd.isna(ev.get("kind", pd.NA)):
            event = f"{when} (a date given by the analyst)"
        else:
            event = f"{safe_html(ev['name'])} ({when}{place})"
        scope = (f"all {_n(len(self.groups))} ({_list([_b(g) for g in self.groups])})"
                 if not p.groups else "only " + _list([_b(g) for g in p.groups]))
        lines = [
            f"<b>Corpus</b>: {self._corpus_label()}: {_n(len(m))} messages from "
            f"{_n(channels)} channels, {_day(m['date'].min())} to {_day(m['date'].max())}.",
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
    def _hub_sentence(self) -> str | None:
        cent = self.centrality
        if not len(cent):
            return None
        names = self._names()
        groups = dict(zip(self.corpus.channels["channel_id"], self.corpus.channels["group"]))
        parts = []
        for cid, row in cent.head(3).iterrows():
            label = groups.get(cid)
            label = "not collected" if not self.graph.nodes[cid].get("resolved", True) else \
                ("no group" if label is None or pd.isna(label) else label)
            parts.append(f"{_b(defang_text(names.get(cid, cid)))} ({safe_html(label)}; "
                         f"forwarded {_n(row['out_strength'])} times by "
                         f"{_n(row['out_degree'])} channels)")
        return ("<b>Hubs.</b> The channels the network forwards most (PageRank on the forward "
                f"network) are {_list(parts)}.")

    def _surge_sentences(self) -> list[str]:
        p = self.params
        total = self.window_total.summary.iloc[0]
        name = self._event_phrase()
        out = []
        if total["pre_days"] == 0 or total["post_days"] == 0:
            side = "before" if total["pre_days"] == 0 else "after"
            return [f"<b>Surge.</b> The corpus has no days {side} {name}: no before/after "
                    "comparison is possible."]
        rose = total["ratio_low"] > 1
        fell = total["ratio_high"] < 1
        verdict = ("a significant rise" if rose else "a significant fall" if fell else
                   "no significant change")
        short = (f" (only {int(total['pre_days'])} days before and "
                 f"{int(total['post_days'])} after are in the data)"
                 if total["pre_days"] < p.before.days or total["post_days"] < p.after.days
                 else "")
        out.append(
            f"<b>Surge.</b> In the {p.after.days} days after {name} the channels in scope "
            f"posted {total['post_mean']:,.0f} messages a day against {total['pre_mean']:,.0f} "
            f"in the {p.before.days} days before: {_ratio(total['ratio'])} times the usual "
            f"volume (95 % interval {_ratio(total['ratio_low'])} to "
            f"{_ratio(total['ratio_high'])}, {_p(total['p_value'])}), {verdict}{short}.")
        s = self.window.summary
        label = "group" if "group" in s.columns else "series"
        up = s[s["ratio_low"] > 1].sort_values("ratio", ascending=False)
        down = s[s["ratio_high"] < 1].sort_values("ratio")
        flat = s[~s.index.isin(up.index) & ~s.index.isin(down.index)]
        bits = []
        if len(up):
            bits.append("rose significantly in " + _list(
                [f"{_b(r[label])} (×{_ratio(r['ratio'])})" for _, r in up.iterrows()]))
        if len(down):
            bits.append("fell significantly in " + _list(
                [f"{_b(r[label])} (×{_ratio(r['ratio'])})" for _, r in down.iterrows()]))
        if len(flat):
            bits.append("did not change significantly in " + _list(
                [f"{_b(r[label])} (×{_ratio(r['ratio'])}, {_p(r['p_value'])})"
                 for _, r in flat.iterrows()]))
        if len(s) > 1 and bits:
            out.append("By group, volume " + "; ".join(bits) + ".")
        # Regimes that start near the event, found without being told the date.
        at = self.event["date"]
        reg = self.regimes.dropna(subset=["ratio"])
        starts = pd.to_datetime(reg["start"]).dt.tz_convert("UTC")
        near = reg[(starts >= (at - pd.Timedelta("3D")).floor("D"))
                   & (starts <= at + pd.Timedelta("7D"))]
        if len(near):
            days = sorted({_day(d) for d in near["start"]})
            out.append(
                "Change-point detection, which is not told the date, starts a new regime in "
                + _list([_b(g) for g in near["series"]]) + f" on {_list(days)}, at "
                + (f"{near['ratio'].min():.1f} to {near['ratio'].max():.1f}"
                   if len(near) > 1 else f"{near['ratio'].iloc[0]:.1f}")
                + " times the level before.")
        elif not self.event_detected:
            out.append("Change-point detection finds no new regime starting within three "
                       "days before to a week after the event.")
        return out

    def _keyword_sentence(self) -> str | None:
        stats = self.keyword_stats
        before = self.params.before.days
        base_days = self.baseline.days
        if self.keyword_source == "rising":
            if not len(stats):
                return ("<b>Keywords.</b> No word's share of messages rose in the "
                        f"{before} days before the event (words in at least 10 messages "
                        "from 3 channels were tested).")
            top = stats.iloc[0]
            others = [f"{_b(t)}" for t in stats["term"].iloc[1:]]
            return (f"<b>Keywords.</b> The word whose share rose most in the {before} days "
                    f"before the event is {_b(top['term'])}: in {_pct(top['window_share'])} of "
                    f"messages ({_n(top['window_messages'])}, from {_n(top['channels'])} "
                    f"channels) against {_pct(top['baseline_share'])} in the {base_days} days "
                    f"before that (z = {top['z']:.1f})"
                    + (f"; next: {_list(others)}" if others else "") + ".")
        parts = [f"{_b(r['term'])} in {_pct(r['window_share'])} of messages (against "
                 f"{_pct(r['baseline_share'])} in the {base_days} days before that)"
                 for _, r in stats.iterrows()]
        return (f"<b>Keywords.</b> In the {before} days before the event: {_list(parts)}.")

    def _crosspost_sentences(self) -> list[str]:
        m = self.messages
        if self.cluster_summary is None:
            return ["<b>Cross-posting.</b> No content appears in two or more channels in "
                    "scope."]
        members = self.clusters.drop_duplicates(["channel_id", "message_id"])
        share = len(members) / len(m)
        out = [f"<b>Cross-posting.</b> {_pct(share)} of the messages in scope "
               f"({_n(len(members))} of {_n(len(m))}) belong to "
               f"{_n(len(self.cluster_summary))} families of the same content posted in two "
               "or more channels."]
        origins = self.clusters[self.clusters["is_origin"]].drop_duplicates("cluster_id")
        by_group = origins["group"].fillna("(none)").value_counts(normalize=True)
        if len(by_group):
            lead_group, lead_share = by_group.index[0], by_group.iloc[0]
            out.append(f"Most families start in {_b(lead_group)} ({_pct(lead_share)} of them).")
        lead = self.lead[self.lead["leader"] != self.lead["follower"]] \
            if self.lead is not None and len(self.lead) else None
        if lead is not None and len(lead):
            r = lead.iloc[0]
            out.append(f"Of the {_n(r['shared'])} families {_b(r['leader'])} and "
                       f"{_b(r['follower'])} share, {_b(r['leader'])} posted first in "
                       f"{_pct(r['lead_share'])} (median lag {_lag(r['median_lag'])}).")
        return out

    def _collect_sentence(self) -> str | None:
        cand = self.candidates
        forwarded = cand[cand["forwards"] > 0]
        if not len(cand):
            return ("<b>Collect next.</b> Every channel the corpus forwards or mentions is in "
                    "the collection.")
        parts = []
        for _, r in forwarded.head(3).iterrows():
            handle = "" if pd.isna(r["handle"]) else f", handle {_b('@' + str(r['handle']))}"
            parts.append(f"{_b(r['name'])} (forwarded {_n(r['forwards'])} times by "
                         f"{_n(r['forwarded_by'])} channels{handle})")
        mentioned = len(cand) - len(forwarded)
        text = (f"<b>Collect next.</b> {_n(len(forwarded))} channels are forwarded"
                + " but not in the collection"
                + (f" (and {_n(mentioned)} handles are mentioned that no channel in the corpus "
                   "is known by)" if mentioned else ""))
        return text + (f"; the most forwarded: {_list(parts)}." if parts else ".")

    def findings(self) -> HTMLBlock:
        """Key findings: short sentences, every number computed."""
        # One item per topic; an item's first word says the topic.
        items = [self._hub_sentence(), " ".join(self._surge_sentences()),
                 self._keyword_sentence(), " ".join(self._crosspost_sentences()),
                 takedown_sentence(self), self._collect_sentence()]
        body = "".join(f"<li>{s}</li>" for s in items if s)
        return HTMLBlock(f'<ul class="wb-findings">{body}</ul>')

    # figures -------------------------------------------------------------------------------
    def network_figure(self):
        """The forward network: node size PageRank, colour the group."""
        if not self.graph.number_of_edges():
            return HTMLBlock("<p>No forwards between channels in scope: no network to draw.</p>")
        positions = plots.network_layout(self.graph, seed=self.params.seed)
        fig = plots.plot_network(self.graph, color="group", centrality=self.centrality,
                                 positions=positions, seed=self.params.seed)
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
        vol = vol.rename(columns=defang_text)
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
        started = (self.cluster_summary["origin_channel_id"].value_counts()
                   if self.cluster_summary is not None else pd.Series(dtype="int64"))
        ids = cent.index
        table = pd.DataFrame({
            "#": range(1, len(cent) + 1),
            "channel": [defang_text(names.get(c, c)) for c in ids],
            "group": [groups.get(c) if not pd.isna(groups.get(c, pd.NA)) else "" for c in ids],
            "collected": ["yes" if self.graph.nodes[c].get("resolved", True) else "no"
                          for c in ids],
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
            + (" Community numbers are arbitrary labels (1 is the largest): Louvain modularity "
               "on the forward network, seeded." if self.groups_from == "communities" else ""),
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
        items.append(gaps_sentence(self))
        if self.event_detected:
            items.append("<b>No event was given.</b> The briefing centres on the start of the "
                         "largest rise in total daily volume found by change-point detection; "
                         "its date is a property of the data, not an outside event.")
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
        label_value = "none (groups are detected communities)" \
            if self.groups_from == "communities" else "none"
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
