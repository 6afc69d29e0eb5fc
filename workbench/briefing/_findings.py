"""The sentences of a briefing's key findings, written from its analyses.

Rules every sentence keeps, on any corpus (tests/test_briefing_real.py checks them on real
samples): no "inf", "nan" or "n/a"; each channel or group named once per sentence, by one
display rule (:func:`workbench.naming.display_name`); a change over a baseline under one
message a day stated as counts; a test that cannot run on so few messages not reported but
listed among the limitations; every number recorded in the briefing's :class:`Facts`.
"""

from __future__ import annotations

import html
from functools import partial

import pandas as pd

from ..naming import natural_key, plural
from ._prose import bold as _b, change as _change, day as _day, join_list as _list
from ._prose import lag as _lag, n as _n, p_value as _p, pct as _pct, per_day as _per_day
from ._safe import defang_text, safe_html
from ._surges import has_surge, surge_sentences as hourly_surge_sentences, surge_verdict

__all__ = ["hub_sentence", "surge_sentences", "keyword_sentence", "crosspost_sentences",
           "collect_sentence", "MIN_TEST_MESSAGES", "MAX_NAMED"]

#: A before/after test needs at least this many messages in the window, and days on both sides.
MIN_TEST_MESSAGES = 20
MIN_PRE_DAYS, MIN_POST_DAYS = 7, 3
#: The most change points (groups) one sentence names.
MAX_NAMED = 5


def hub_sentence(b) -> str | None:
    cent = b.centrality
    if not len(cent):
        return None
    fact = partial(b.facts.add, "Hubs")
    groups = dict(zip(b.corpus.channels["channel_id"], b.corpus.channels["group"]))
    collected = set(b.corpus.messages["channel_id"])
    cent = cent[cent["out_strength"] > 0]  # a hub is forwarded at least once
    if not len(cent):
        return None
    parts = []
    for cid, row in cent.head(3).iterrows():
        label = groups.get(cid)
        label = "not collected" if cid not in collected else \
            ("no group" if label is None or pd.isna(label) else label)
        name = b.display(cid)
        times = fact(f"{name}: messages forwarded", _n(row["out_strength"]))
        by = fact(f"{name}: channels forwarding", _n(row["out_degree"]))
        where = ("not collected" if label == "not collected" else
                 "at the centre of its community" if label == f"community around {name}"
                 else f"in {safe_html(label)}")
        parts.append(f"{_b(name)}, {where}, forwarded {times} "
                     f"{'time' if row['out_strength'] == 1 else 'times'} by "
                     f"{by} {'channel' if row['out_degree'] == 1 else 'channels'}")
    return (f"<b>Hubs.</b> The {'channel' if len(parts) == 1 else 'channels'} the network "
            f"forwards most (PageRank on the forward network) {'is' if len(parts) == 1 else 'are'}"
            f" {_semi(parts)}.")


def _semi(parts: list[str]) -> str:
    """An English list of items that hold commas themselves."""
    return parts[0] if len(parts) == 1 else "; ".join(parts[:-1]) + "; and " + parts[-1]


def _testable(row) -> str | None:
    """Why a before/after test cannot run on this row of a window summary, or None."""
    count = int(row["pre_count"]) + int(row["post_count"])
    if row["pre_days"] < MIN_PRE_DAYS or row["post_days"] < MIN_POST_DAYS:
        return (f"only {int(row['pre_days'])} days before and {int(row['post_days'])} after "
                "are in the data")
    if count < MIN_TEST_MESSAGES or pd.isna(row["p_value"]):
        return f"{plural(count, 'message')} in the window, fewer than {MIN_TEST_MESSAGES}"
    return None


def surge_sentences(b) -> list[str]:
    p = b.params
    fact = partial(b.facts.add, "Surge")
    total = b.window_total.summary.iloc[0]
    name = b.event_phrase()
    out = []
    if total["pre_days"] == 0 or total["post_days"] == 0:
        side = "before" if total["pre_days"] == 0 else "after"
        b.limitations.append(f"<b>Surge.</b> The corpus has no days {side} {name}: no "
                             "before/after comparison is possible.")
        return out
    why = _testable(total)
    after_days = fact("days after the event", str(p.after.days))
    before_days = fact("days before the event", str(p.before.days))
    post = fact("messages a day after", _per_day(total["post_mean"]))
    pre = fact("messages a day before", _per_day(total["pre_mean"]))
    if why:
        b.limitations.append(f"<b>Surge not tested</b> for the corpus as a whole: {why}.")
    else:
        rose, fell = total["ratio_low"] > 1, total["ratio_high"] < 1
        verdict = ("a significant rise" if rose else "a significant fall" if fell else
                   "no significant change")
        verdict = surge_verdict(verdict, b.window_total)
        short = (f" (only {fact('days before in the data', str(int(total['pre_days'])))} days "
                 f"before and {fact('days after in the data', str(int(total['post_days'])))} "
                 "after are in the data)"
                 if total["pre_days"] < p.before.days or total["post_days"] < p.after.days
                 else "")
        if total["pre_mean"] < 1:  # a ratio over under one message a day says little
            stat = f" ({_p_fact(fact, total['p_value'])})"
        else:
            stat = (f": {fact('ratio', _one(total['ratio']))} times the usual volume (95 % "
                    f"interval {fact('ratio, low', _one(total['ratio_low']))} to "
                    f"{fact('ratio, high', _one(total['ratio_high']))}, "
                    f"{_p_fact(fact, total['p_value'])})")
            fact("interval", "95 %")
        out.append(
            f"<b>Surge.</b> In the {after_days} days after {name} the channels in scope posted "
            f"{post} {'message' if post == '1' else 'messages'} a day against {pre} in the "
            f"{before_days} days before{stat}, {verdict}{short}.")
    out += _group_surges(b, fact)
    out += hourly_surge_sentences(b.window, name, fact)
    if why:  # change points in a handful of messages are noise
        b.limitations.append("<b>Change points not reported</b>: too few messages around the "
                             "event to tell a new regime from noise.")
    else:
        out += _change_points(b, fact)
    if out and not out[0].startswith("<b>Surge.</b>"):
        out[0] = "<b>Surge.</b> " + out[0]
    return out


def _one(x) -> str:
    return f"{x:.1f}"


def _p_fact(fact, p) -> str:
    return fact("p-value", _p(p))


def _group_surges(b, fact) -> list[str]:
    s = b.window.summary
    label = "group" if "group" in s.columns else "series"
    if len(s) <= 1:
        return []
    skipped = {}
    for i, r in s.iterrows():
        why = _testable(r)
        if why:
            skipped[r[label]] = why
    s = s[~s[label].isin(list(skipped))]
    by_reason: dict[str, list] = {}
    for g, why in skipped.items():
        by_reason.setdefault(why if "days before" in why else
                             f"fewer than {MIN_TEST_MESSAGES} messages in the window", []
                             ).append(g)
    for why, names in by_reason.items():
        b.limitations.append(f"<b>Surge not tested</b> for {_list([_b(g) for g in names])}: "
                             f"{why}.")

    def stat(r, with_p=False):
        how = fact(f"{r[label]}: change", _change(r["pre_mean"], r["post_mean"], r["ratio"]))
        return how + (f", {_p_fact(fact, r['p_value'])}" if with_p else "")
    up = s[s["ratio_low"] > 1].sort_values("ratio", ascending=False)
    down = s[s["ratio_high"] < 1].sort_values("ratio")
    flat = s[~s.index.isin(up.index) & ~s.index.isin(down.index)]
    flat = flat[~has_surge(b.window, flat)]  # named with their hourly surge instead
    bits = []
    if len(up):
        bits.append("rose significantly in " + _list(
            [f"{_b(r[label])} ({stat(r)})" for _, r in up.iterrows()]))
    if len(down):
        bits.append("fell significantly in " + _list(
            [f"{_b(r[label])} ({stat(r)})" for _, r in down.iterrows()]))
    if len(flat):
        bits.append("did not change significantly in " + _list(
            [f"{_b(r[label])} ({stat(r, True)})" for _, r in flat.iterrows()]))
    return ["By group, volume " + "; ".join(bits) + "."] if bits else []


def _change_points(b, fact) -> list[str]:
    """Regimes that start near the event, found without being told the date: one mention
    per group (its first new regime), as counts where the level before was tiny."""
    at = b.event["date"]
    reg = b.regimes.copy()
    reg["before"] = reg.groupby("series")["mean"].shift(1)
    reg = reg.dropna(subset=["before"])
    starts = pd.to_datetime(reg["start"]).dt.tz_convert("UTC")
    near = reg[(starts >= (at - pd.Timedelta("3D")).floor("D"))
               & (starts <= at + pd.Timedelta("7D"))]
    near = near.sort_values("start").drop_duplicates("series")
    if not len(near):
        if not b.event_detected:
            return ["Change-point detection finds no new regime starting within three days "
                    "before to a week after the event."]
        return []
    near = near.assign(size=(near["mean"] - near["before"]).abs())
    named = near.sort_values("size", ascending=False).head(MAX_NAMED).sort_values("start")
    parts = []
    named = named.assign(day=named["start"].map(_day))
    for when, rows in named.groupby("day", sort=False):
        fact("new regime from", when)
        names = []
        for _, r in rows.sort_values("series", key=lambda c: c.map(natural_key)).iterrows():
            how = fact(f"{r['series']}: change", _change(r["before"], r["mean"], r["ratio"]))
            names.append(f"{_b(r['series'])} ({how})")
        parts.append(f"on {when} in {_list(names)}")
    more = len(near) - len(named)
    extra = f", and in {fact('further groups', plural(more, 'more group'))}" if more else ""
    return ["Change-point detection, which is not told the date, starts a new regime "
            + "; ".join(parts) + extra + "."]


def keyword_sentence(b) -> str | None:
    stats = b.keyword_stats
    fact = partial(b.facts.add, "Keywords")
    before = fact("days before the event", str(b.params.before.days))
    base_days = fact("baseline days", str(b.baseline.days))
    if b.keyword_source == "rising":
        if not len(stats):
            b.limitations.append(
                f"<b>Keywords.</b> No word's share of messages rose in the {before} days "
                "before the event (only words in at least 10 messages from 3 channels are "
                "tested).")
            return None
        top = stats.iloc[0]
        others = [f"{_b(t)}" for t in stats["term"].iloc[1:]]
        return (f"<b>Keywords.</b> The word whose share rose most in the {before} days before "
                f"the event is {_b(top['term'])}: in "
                f"{fact('share in window', _pct(top['window_share']))} of messages "
                f"({fact('messages in window', _n(top['window_messages']))}, from "
                f"{fact('channels', _n(top['channels']))} channels) against "
                f"{fact('share in baseline', _pct(top['baseline_share']))} in the {base_days} "
                f"days before that (z = {fact('z-score', _one(top['z']))})"
                + (f"; next: {_list(others)}" if others else "") + ".")
    parts = []
    for _, r in stats.iterrows():
        if r["window_share"] != r["window_share"] or r["baseline_share"] != r["baseline_share"]:
            b.limitations.append(f"<b>Keywords.</b> {_b(r['term'])}: no messages in the window "
                                 "or the baseline to compare.")
            continue
        parts.append(f"{_b(r['term'])} in "
                     f"{fact(r['term'] + ': share in window', _pct(r['window_share']))} of "
                     f"messages (against "
                     f"{fact(r['term'] + ': share in baseline', _pct(r['baseline_share']))} in "
                     f"the {base_days} days before that)")
    return f"<b>Keywords.</b> In the {before} days before the event: {_list(parts)}." \
        if parts else None


def crosspost_sentences(b) -> list[str]:
    m = b.messages
    fact = partial(b.facts.add, "Cross-posting")
    if b.cluster_summary is None:
        return ["<b>Cross-posting.</b> No content appears in two or more channels in scope."]
    members = b.clusters.drop_duplicates(["channel_id", "message_id"])
    out = [f"<b>Cross-posting.</b> {fact('share of messages', _pct(len(members) / len(m)))} "
           f"of the messages in scope ({fact('messages in families', _n(len(members)))} of "
           f"{fact('messages in scope', _n(len(m)))}) belong to "
           f"{fact('families', _n(len(b.cluster_summary)))} families of the same content "
           "posted in two or more channels."]
    origins = b.clusters[b.clusters["is_origin"]].drop_duplicates("cluster_id")
    by_group = origins["group"].fillna("(none)").value_counts(normalize=True)
    if len(by_group) > 1:
        lead_group, lead_share = by_group.index[0], by_group.iloc[0]
        out.append(f"Most families start in {_b(lead_group)} "
                   f"({fact('share of families started', _pct(lead_share))} of them).")
    lead = b.lead[b.lead["leader"] != b.lead["follower"]] \
        if b.lead is not None and len(b.lead) else None
    if lead is not None and len(lead):
        r = lead.iloc[0]
        lag = _lag(r["median_lag"])
        out.append(f"Of the {fact('families shared', _n(r['shared']))} families shared with "
                   f"{_b(r['follower'])}, {_b(r['leader'])} posted first in "
                   f"{fact('share posted first', _pct(r['lead_share']))}"
                   + (f" (median lag {fact('median lag', lag)})" if lag != "n/a" else "")
                   + ".")
    return out


def collect_sentence(b) -> str | None:
    cand = b.candidates
    fact = partial(b.facts.add, "Collect next")
    forwarded = cand[cand["forwards"] > 0]
    if not len(cand):
        return ("<b>Collect next.</b> Every channel the corpus forwards or mentions is in the "
                "collection.")
    parts = []
    for _, r in forwarded.head(3).iterrows():
        name = b.display_candidate(r)
        times = fact(f"{name}: times forwarded", _n(r["forwards"]))
        by = fact(f"{name}: channels forwarding", _n(r["forwarded_by"]))
        parts.append(f"{_b(name)}, forwarded {times} "
                     f"{'time' if r['forwards'] == 1 else 'times'} by {by} "
                     f"{'channel' if r['forwarded_by'] == 1 else 'channels'}")
    mentioned = len(cand) - len(forwarded)
    if not len(forwarded):
        count_m = fact("handles mentioned, not collected", _n(mentioned))
    count = fact("channels forwarded, not collected", _n(len(forwarded)))
    if not len(forwarded):
        return (f"<b>Collect next.</b> No channel outside the collection is forwarded; {count_m} "
                f"{'handle is' if mentioned == 1 else 'handles are'} mentioned that no channel "
                "in the corpus is known by.")
    text = (f"<b>Collect next.</b> {count} "
            f"{'channel is' if len(forwarded) == 1 else 'channels are'} forwarded but not in "
            "the collection"
            + (f" (and {fact('handles mentioned, not collected', _n(mentioned))} "
               f"{'handle is' if mentioned == 1 else 'handles are'} mentioned that no channel "
               "in the corpus is known by)" if mentioned else ""))
    return text + (f". The most forwarded: {_semi(parts)}." if parts else ".")


def facts_table_html(b) -> str:
    """The numbers behind the findings, folded under the list (no script needed)."""
    from ._html import html_table
    table = b.facts.table()
    if not len(table):
        return ""
    # Values are written as they read in the prose, some already HTML ("p &lt; 0.001");
    # html_table escapes every cell, so they go in as plain text.
    table = table.assign(measure=table["measure"].map(defang_text),
                         value=table["value"].map(html.unescape))
    return ("<details class='wb-facts'><summary>The numbers behind these findings</summary>"
            + html_table(table, css_class="wb-table wb-facts-table") + "</details>")
