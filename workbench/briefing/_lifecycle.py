"""The briefing's lifecycle sentences: takedowns and successors, and holes in the collection.

Two functions of a :class:`~workbench.briefing.Briefing`, each returning one safe HTML
sentence (or None when there is nothing to say): :func:`takedown_sentence` for the findings,
:func:`gaps_sentence` for the limitations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import network, timeline
from ..naming import plural
from ._prose import bold as _b, day as _day, join_list as _list, n as _n

if TYPE_CHECKING:
    from ._content import Briefing

__all__ = ["gaps_sentence", "takedown_sentence"]

_EVIDENCE = {"name_similarity": "similar name", "content_continuity": "re-posted content",
             "audience_overlap": "same audience", "source_overlap": "same sources"}


def _names(briefing: Briefing) -> dict:
    if hasattr(briefing, "_names"):  # the briefing's one display rule (workbench.naming)
        return briefing._names()
    ch = briefing.corpus.channels
    return dict(zip(ch["channel_id"].astype(str), ch["name"]))


def takedown_sentence(briefing: Briefing, *, limit: int = 3) -> str | None:
    """"Takedowns and successors": channels that stopped and the channels that continued them.

    Examples
    --------
    ``briefing`` needs only ``messages`` and ``corpus`` (a :class:`Briefing` has both).

    >>> import types, pandas as pd
    >>> from workbench import schema, Corpus
    >>> day = pd.Timestamp("2016-10-01", tz="UTC")
    >>> rows = [("telegram:1", "Sawt", day + pd.Timedelta(days=d)) for d in range(20)]
    >>> rows += [("telegram:2", "Sawt 2", day + pd.Timedelta(days=d)) for d in range(22, 60)]
    >>> msgs = schema.conform(pd.DataFrame(rows, columns=["channel_id", "channel", "date"])
    ...     .assign(platform="telegram", message_id=range(len(rows))), "messages")
    >>> chans = pd.DataFrame({"channel_id": ["telegram:1", "telegram:2"], "name": ["Sawt", "Sawt 2"]})
    >>> b = types.SimpleNamespace(messages=msgs, corpus=types.SimpleNamespace(channels=chans))
    >>> print(takedown_sentence(b)[:140])
    <b>Takedowns and successors.</b> 1 channel stopped posting and was likely continued by a new channel: <b>Sawt</b> (last message 20 Oct 2016)
    """
    found = network.successors(briefing.messages, channels=briefing.corpus.channels)
    if not len(found):
        return None
    names = _names(briefing)
    facts = getattr(briefing, "facts", None)

    def fact(measure: str, value: str) -> str:
        return value if facts is None else facts.add("Takedowns", measure, value)

    parts = []
    for r in found.head(limit).itertuples(index=False):
        why = [label for col, label in _EVIDENCE.items() if getattr(r, col) >= 0.3]
        before = str(names.get(r.predecessor, r.predecessor_name))
        parts.append(
            f"{_b(before)} (last message {fact(f'{before}: last message', _day(r.predecessor_last))})"
            f" continued {fact(f'{before}: days to successor', plural(max(0, r.gap.days), 'day'))}"
            f" later as {_b(names.get(r.successor, r.successor_name))} "
            f"({', '.join(why) or 'timing'})")
    more = len(found) - len(parts)
    stopped = found["predecessor"].nunique()
    if more:
        fact("further successors", _n(more))
    return (f"<b>Takedowns and successors.</b> {fact('channels stopped', _n(stopped))} channel"
            f"{'s' if stopped != 1 else ''} stopped posting and "
            f"{'were' if stopped != 1 else 'was'} likely continued by a new channel: " + _list(parts)
            + (f", and {_n(more)} more" if more else "") + ". Successors are matched on "
            "name, audience, sources, re-posted content and timing; a match is a lead to check, "
            "not proof of who runs a channel.")


def gaps_sentence(briefing: Briefing, *, limit: int = 3) -> str | None:
    """"Holes in the collection": long runs of missing message ids, per channel.

    Examples
    --------
    >>> import types, pandas as pd
    >>> from workbench import schema
    >>> msgs = schema.conform(pd.DataFrame({"platform": "telegram", "channel": "Sawt",
    ...     "channel_id": "telegram:1", "message_id": [1, 2, 123, 124],
    ...     "date": pd.to_datetime(["2017-06-06", "2017-06-07", "2017-06-16", "2017-06-17"],
    ...                            utc=True)}), "messages")
    >>> chans = pd.DataFrame({"channel_id": ["telegram:1"], "name": ["Sawt"]})
    >>> b = types.SimpleNamespace(messages=msgs, corpus=types.SimpleNamespace(
    ...     channels=chans, service=None))
    >>> print(gaps_sentence(b)[:114])
    <b>Holes in the collection.</b> channel <b>Sawt</b>: about 120 messages missing between 7 Jun 2017 and 16 Jun 2017
    """
    gaps = timeline.collection_gaps(briefing.messages, service=briefing.corpus.service,
                                    channels=briefing.corpus.channels)
    if not len(gaps):
        return None
    names = _names(briefing)
    gaps = gaps.sort_values("missing", ascending=False, ignore_index=True)
    parts = [f"channel {_b(names.get(r.channel_id, r.channel))}: about {_n(r.missing)} "
             f"messages missing between {_day(r.start)} and {_day(r.end)}"
             for r in gaps.head(limit).itertuples(index=False)]
    more = len(gaps) - len(parts)
    return ("<b>Holes in the collection.</b> " + "; ".join(parts)
            + (f"; and {_n(more)} more" if more else "") + ". Counts in those days are too "
            "low for a collection reason, not a change in the channel.")
