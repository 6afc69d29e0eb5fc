"""The briefing's discussion line: the posts that drew most discussion
(:func:`workbench.network.threads`).

Names shown are channels' (the chat a thread is in, or the channel whose post a discussion
group discusses), never the people who reply; numbers are computed, names escaped.

Examples
--------
>>> import pandas as pd
>>> from workbench import schema
>>> msgs = schema.conform(pd.DataFrame({
...     "platform": "telegram", "channel_id": "telegram:9", "message_id": [1, 2, 3],
...     "date": pd.to_datetime(["2017-01-01 10:00", "2017-01-01 10:30",
...                             "2017-01-01 11:00"], utc=True),
...     "author": ["Ann", "Bo", "Cy"], "reply_to": [pd.NA, 1, 1]}), "messages")
>>> discussion_sentence(msgs, {"telegram:9": "<Chat>"})
'<b>Discussion.</b> 2 replies in 1 thread; the posts that drew most discussion: a post in <b>&lt;Chat&gt;</b> of 1 Jan 2017 (2 replies from 2 people, first after 30 min).'
"""

from __future__ import annotations

import pandas as pd

from ..network import threads
from ._prose import bold, day, join_list, lag, n

__all__ = ["discussion_sentence"]

#: Threads named in the line.
TOP_THREADS = 3


def _keep(measure: str, value: str) -> str:
    return value


def discussion_sentence(messages: pd.DataFrame, names: dict, fact=_keep) -> str | None:
    """One findings item on reply threads in ``messages``; None when nobody replies.
    ``fact(measure, value)`` records each number stated and returns the value."""
    th = threads(messages, min_replies=1)
    if not len(th):
        return None
    parts = []
    # One post per channel: a sentence names each channel once.
    where_col = th["post_channel_id"].where(th["post_channel_id"].notna(), th["channel_id"])
    top = th.assign(_where=where_col).drop_duplicates("_where").head(TOP_THREADS)
    for _, r in top.iterrows():
        where = r["_where"]
        label = names.get(where)
        label = label if isinstance(label, str) and label else where
        people = "person" if r["repliers"] == 1 else "people"
        parts.append(f"a post in {bold(label)} of {fact(f'{label}: post of', day(r['date']))} "
                     f"({fact(f'{label}: replies', n(r['replies']))} "
                     f"{'reply' if r['replies'] == 1 else 'replies'} from "
                     f"{fact(f'{label}: people replying', n(r['repliers']))} {people}, first "
                     f"after {fact(f'{label}: first reply after', lag(r['first_reply']))})")
    total = int(th["replies"].sum())
    return (f"<b>Discussion.</b> {fact('replies', n(total))} "
            f"{'reply' if total == 1 else 'replies'} in {fact('threads', n(len(th)))} "
            f"{'thread' if len(th) == 1 else 'threads'}; the posts that drew most "
            f"discussion{' (the top one per channel)' if len(top) > 1 else ''}: "
            f"{join_list(parts)}.")
