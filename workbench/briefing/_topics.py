"""The briefing's "what they talked about" finding: topics around the event.

A topic model (:func:`workbench.text.topics`) is fitted on the messages in scope around the
event (the ``before`` window, then the ``after`` window), each topic named by its top three
words; the finding gives the topics that hold most messages after the event and the one whose
share rose most against the window before. To keep a briefing quick, at most
:data:`MAX_TEXTS` distinct texts (a seeded sample) are fitted; every message is assigned.
"""

from __future__ import annotations

import pandas as pd

from ..errors import ParameterError
from ..text import topics
from ._prose import bold, join_list, pct

__all__ = ["topics_sentence", "MAX_TEXTS", "N_TOPICS"]

MAX_TEXTS = 1000
N_TOPICS = 6


def _window(briefing) -> pd.DataFrame:
    m, p = briefing.messages, briefing.params
    at = briefing.event["date"]
    inside = (m["date"] >= at - p.before) & (m["date"] < at + p.after)
    return m.loc[inside, ["date", "text"]].reset_index(drop=True)


def topics_sentence(briefing) -> str | None:
    """The finding (HTML-safe), or None when the window holds too little text to model."""
    window = _window(briefing)
    seed = briefing.params.seed
    texts = window["text"].dropna().drop_duplicates()
    if len(texts) < 10 * N_TOPICS:
        return None
    sample = texts.sample(n=min(MAX_TEXTS, len(texts)), random_state=seed)
    try:
        fitted = topics(sample, k=N_TOPICS, min_df=3, random_state=seed)
    except ParameterError:
        return None
    assigned = fitted.model.transform(window["text"])
    after = window["date"] >= briefing.event["date"]
    share_after = assigned.loc[after, "topic"].value_counts(normalize=True)
    share_before = assigned.loc[~after, "topic"].value_counts(normalize=True)
    if not len(share_after):
        return None
    words = fitted.terms[fitted.terms["rank"] < 3].groupby("topic")["term"].agg(list)

    def name(topic) -> str:
        return "/".join(bold(w) for w in words[topic])

    facts = getattr(briefing, "facts", None)
    fact = (lambda measure, value: value) if facts is None else \
        (lambda measure, value: facts.add("What they talked about", measure, value))
    top = share_after.head(3)

    def label(topic) -> str:
        return "/".join(words[topic])

    parts = [f"{name(t)} ({fact(f'{label(t)}: share after', pct(s))} of messages after the "
             f"event, {fact(f'{label(t)}: share before', pct(share_before.get(t, 0.0)))}"
             " before)" for t, s in top.items()]
    rise = (share_after - share_before.reindex(share_after.index).fillna(0.0)).sort_values(
        ascending=False, kind="stable")
    fitted_on = (f"{fact('distinct texts modelled', f'{len(sample):,}')} distinct texts "
                 "around the event" if len(sample) == len(texts) else
                 f"{fact('distinct texts modelled', f'{len(sample):,}')} of the "
                 f"{fact('distinct texts around the event', f'{len(texts):,}')} distinct texts "
                 "around the event (a random sample)")
    text = (f"<b>What they talked about.</b> A topic model of {fitted_on} "
            f"({fact('topics', str(N_TOPICS))} topics, each named by its top words) puts "
            f"most messages after it in {join_list(parts)}.")
    if len(rise) and rise.iloc[0] > 0.01:
        t = rise.index[0]
        text += (f" The topic that grew most is {name(t)}: from "
                 f"{fact(f'{label(t)}: share before', pct(share_before.get(t, 0.0)))} to "
                 f"{fact(f'{label(t)}: share after', pct(share_after[t]))} of messages.")
    return text
