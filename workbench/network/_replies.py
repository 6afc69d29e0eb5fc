"""Discussion: who replies to whom (:func:`reply_edges`) and how threads grow (:func:`threads`).

A reply (``reply_to``) points at a message of the same chat (on Twitter, at a tweet of any
account). Who a message is "from" (its *speaker*) is its ``author_id``, else its ``author``
name (``telegram:name:<normalised>``, as HTML exports give only names), else its channel (a
channel's own post). A channel's linked discussion group shows each channel post as an
automatic forward sent by the channel itself, so comments on a post are replies to a message
whose speaker is the channel: the edge runs from the channel to each commenter, and
:func:`threads` names the post discussed (``post_channel_id``, ``post_message_id``).

Replies whose target is not in the corpus (an earlier page, a deleted message) make no edge;
they are counted apart (``edges.attrs["missing_targets"]``) and start a thread of their own.
People appear only as the corpus shows them: load with ``pseudonymise=`` and every speaker
in a group or private chat is a pseudonym here too.

Examples
--------
>>> import pandas as pd
>>> from workbench import schema
>>> msgs = schema.conform(pd.DataFrame({
...     "platform": "telegram", "channel_id": "telegram:9", "message_id": [1, 2, 3, 4],
...     "date": pd.to_datetime(["2017-01-01 10:00", "2017-01-01 10:05", "2017-01-01 10:30",
...                             "2017-01-01 11:00"], utc=True),
...     "author_id": ["telegram:100", "telegram:200", "telegram:100", "telegram:300"],
...     "reply_to": [pd.NA, 1, 2, 77]}), "messages")
>>> edges = reply_edges(msgs)
>>> edges[["source", "target", "weight"]]
         source        target  weight
0  telegram:100  telegram:200       1
1  telegram:200  telegram:100       1
>>> edges.attrs["missing_targets"]
1
>>> threads(msgs)[["message_id", "replies", "repliers", "depth", "first_reply"]]
   message_id  replies  repliers  depth     first_reply
0           1        2         2      2 0 days 00:05:00
1           4        0         0      0             NaT
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..ids import name_key
from ..schema import STRING, UTC_TIME
from ._edges import edge_table

__all__ = ["reply_edges", "threads", "speakers", "reply_parents"]


def speakers(messages: pd.DataFrame) -> np.ndarray:
    """Who each message is from: ``author_id``, else ``telegram:name:<author>``, else the
    channel (object array, one per row).

    Examples
    --------
    >>> import pandas as pd
    >>> speakers(pd.DataFrame({"channel_id": ["telegram:1", "telegram:1"],
    ...                        "author_id": [pd.NA, "telegram:5"], "author": ["Ann B", pd.NA],
    ...                        "platform": ["telegram"] * 2})).tolist()
    ['telegram:name:ann b', 'telegram:5']
    """
    n = len(messages)
    out = messages["channel_id"].astype(object).to_numpy(copy=True)
    if "author" in messages.columns:
        names = messages["author"]
        has = names.notna().to_numpy()
        platform = (messages["platform"].astype(object).to_numpy()
                    if "platform" in messages.columns else np.full(n, "telegram", object))
        for i in np.flatnonzero(has):
            out[i] = name_key(str(names.iat[i]), str(platform[i]))
    if "author_id" in messages.columns:
        ids = messages["author_id"]
        has = ids.notna().to_numpy()
        out[has] = ids[has].astype(object).to_numpy()
    return out


def reply_parents(messages: pd.DataFrame) -> np.ndarray:
    """Per row, the row position of the message it replies to; -1 when it replies to nothing,
    -2 when its target is not in ``messages``.

    Examples
    --------
    >>> import pandas as pd
    >>> reply_parents(pd.DataFrame({"channel_id": ["a", "a", "a"], "message_id": [1, 2, 3],
    ...                             "reply_to": [pd.NA, 1, 9]})).tolist()
    [-1, 0, -2]
    """
    n = len(messages)
    parents = np.full(n, -1, dtype=np.int64)
    if "reply_to" not in messages.columns or n == 0:
        return parents
    reply = messages["reply_to"]
    has = np.flatnonzero(reply.notna().to_numpy())
    if len(has) == 0:
        return parents
    channel = messages["channel_id"].astype(object).to_numpy()
    mid = messages["message_id"].to_numpy()
    where = {(c, int(m)): i for i, (c, m) in enumerate(zip(channel, mid))}
    twitter = (messages["platform"].astype(object).to_numpy() == "twitter"
               if "platform" in messages.columns else np.zeros(n, dtype=bool))
    by_tweet = ({int(mid[i]): i for i in np.flatnonzero(twitter)} if twitter.any() else {})
    targets = reply.to_numpy()
    for i in has:
        t = int(targets[i])
        j = by_tweet.get(t, -2) if twitter[i] else where.get((channel[i], t), -2)
        parents[i] = j if j != i else -2
    return parents


def reply_edges(messages: pd.DataFrame, *, min_weight: int = 1) -> pd.DataFrame:
    """Who replies to whom: one row per (replied-to, replier) pair, weighted by replies.

    Parameters
    ----------
    messages : DataFrame
        ``corpus.messages`` (``channel_id``, ``message_id``, ``date``, ``reply_to``,
        ``author_id``/``author``).
    min_weight : int, default 1
        Keep pairs with at least this many replies.

    Returns
    -------
    DataFrame
        ``source`` (the speaker replied to: a person, or the channel whose post a discussion
        group discusses), ``target`` (the replier), ``weight`` (replies), ``first``, ``last``
        (UTC dates of the first and last reply), ``resolved`` (True); the columns of
        :func:`forward_edges`, so :func:`edges_to_graph` and :func:`write_graph` (Gephi)
        take it as they take forward edges. ``attrs["kind"]`` is ``"reply"``;
        ``attrs["missing_targets"]`` counts replies whose target is not in ``messages``
        (they make no edge). Someone replying to themselves gives a self-loop.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench import schema
    >>> msgs = schema.conform(pd.DataFrame({
    ...     "platform": "telegram", "channel_id": "telegram:9", "message_id": [1, 2],
    ...     "date": pd.to_datetime(["2017-01-01", "2017-01-02"], utc=True),
    ...     "author": ["Ann", "Bo"], "reply_to": [pd.NA, 1]}), "messages")
    >>> reply_edges(msgs)[["source", "target", "weight"]]
                   source           target  weight
    0  telegram:name:ann  telegram:name:bo       1
    """
    parents = reply_parents(messages)
    missing = int((parents == -2).sum())
    child = np.flatnonzero(parents >= 0)
    who = speakers(messages) if len(child) else np.zeros(0, object)
    dates = messages["date"].to_numpy(dtype="datetime64[ns]") if len(child) else None
    if len(child):
        pairs = pd.DataFrame({"source": who[parents[child]], "target": who[child],
                              "date": dates[child]})
        pairs = pairs.groupby(["source", "target"], sort=False).agg(
            weight=("date", "size"), first=("date", "min"), last=("date", "max")).reset_index()
        pairs["resolved"] = True
    else:
        pairs = pd.DataFrame(columns=["source", "target", "weight", "first", "last",
                                      "resolved"])
    edges = edge_table(pairs, kind="reply", min_weight=min_weight)
    edges.attrs["kind"] = "reply"
    edges.attrs["missing_targets"] = missing
    return edges


def threads(messages: pd.DataFrame, *, min_replies: int = 0) -> pd.DataFrame:
    """Reply threads: one row per root message that has replies, or whose own target is
    missing (the thread is then rooted at the earliest reply the corpus holds).

    Parameters
    ----------
    messages : DataFrame
        ``corpus.messages``.
    min_replies : int, default 0
        Keep threads with at least this many replies (0 keeps a lone reply whose target is
        missing; 1 keeps only threads that drew a reply).

    Returns
    -------
    DataFrame
        ``channel_id``, ``message_id`` (the root), ``date``, ``speaker`` (see
        :func:`speakers`), ``replies`` (all replies below the root, nested ones included),
        ``repliers`` (distinct speakers among them),
        ``depth`` (longest reply chain), ``first_reply`` (time from the root to its first
        reply), ``duration`` (to its last reply), ``missing_parent`` (the root is itself a
        reply whose target is not in the corpus), ``post_channel_id``,
        ``post_message_id`` (when the root is a forward, such as a channel post in its
        discussion group: the post discussed; where the format names only the channel, the
        post is its latest message with the same text up to a day before), ``text``. Sorted
        by replies (most first), then date.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench import schema
    >>> msgs = schema.conform(pd.DataFrame({
    ...     "platform": "telegram", "channel_id": "telegram:9", "message_id": [1, 2, 3],
    ...     "date": pd.to_datetime(["2017-01-01 10:00", "2017-01-01 12:00",
    ...                             "2017-01-02 10:00"], utc=True),
    ...     "author": ["Ann", "Bo", "Cy"], "reply_to": [pd.NA, 1, 2]}), "messages")
    >>> threads(msgs)[["message_id", "replies", "repliers", "depth", "duration"]]
       message_id  replies  repliers  depth duration
    0           1        2         2      2   1 days
    """
    parents = reply_parents(messages)
    n = len(messages)
    root = np.arange(n, dtype=np.int64)
    depth = np.zeros(n, dtype=np.int64)
    has_parent = parents >= 0
    for i in np.flatnonzero(has_parent):
        if depth[i]:
            continue
        chain = [i]
        j = parents[i]
        seen = {i}
        while j >= 0 and not depth[j] and parents[j] >= 0 and j not in seen:
            chain.append(j)
            seen.add(j)
            j = parents[j]
        if j in seen:  # a cycle of replies (damaged input): cut it at this message
            j = chain[-1]
            chain.pop()
            base_root, base_depth = j, 0
        else:
            base_root, base_depth = root[j], depth[j]
        for k, m in enumerate(reversed(chain), start=1):
            root[m] = base_root
            depth[m] = base_depth + k
    replying = np.flatnonzero(has_parent)
    columns = ["channel_id", "message_id", "date", "speaker", "replies", "repliers", "depth",
               "first_reply", "duration", "missing_parent", "post_channel_id",
               "post_message_id", "text"]
    roots_of_lone = np.flatnonzero(parents == -2)
    who = speakers(messages)
    dates = messages["date"].to_numpy(dtype="datetime64[ns]")
    frame = pd.DataFrame({"root": root[replying], "depth": depth[replying],
                          "speaker": who[replying], "date": dates[replying]})
    stats = frame.groupby("root").agg(replies=("depth", "size"), depth=("depth", "max"),
                                      first=("date", "min"), last=("date", "max"))
    stats["repliers"] = frame.groupby("root")["speaker"].nunique()
    roots = np.union1d(stats.index.to_numpy(dtype=np.int64), roots_of_lone).astype(np.int64)
    stats = stats.reindex(roots)
    replies = stats["replies"].fillna(0).astype(np.int64).to_numpy()
    keep = replies >= min_replies
    roots, stats, replies = roots[keep], stats[keep], replies[keep]
    root_dates = dates[roots]
    out = pd.DataFrame({
        "channel_id": messages["channel_id"].to_numpy()[roots],
        "message_id": messages["message_id"].to_numpy()[roots],
        "date": pd.array(root_dates, dtype="datetime64[ns]").tz_localize("UTC"),
        "speaker": pd.array(who[roots], dtype=STRING),
        "replies": replies,
        "repliers": stats["repliers"].fillna(0).astype(np.int64).to_numpy(),
        "depth": stats["depth"].fillna(0).astype(np.int64).to_numpy(),
        "first_reply": pd.to_timedelta(stats["first"].to_numpy() - root_dates),
        "duration": pd.to_timedelta(stats["last"].to_numpy() - root_dates),
        "missing_parent": parents[roots] == -2,
        "post_channel_id": _column(messages, "fwd_from_channel_id", roots, STRING),
        "post_message_id": _column(messages, "fwd_from_message_id", roots, "Int64"),
        "text": _column(messages, "text", roots, STRING),
    }, columns=columns)
    out["date"] = out["date"].astype(UTC_TIME)
    out["channel_id"] = out["channel_id"].astype(STRING)
    _join_posts(out, messages)
    return out.sort_values(["replies", "date"], ascending=[False, True],
                           kind="stable").reset_index(drop=True)


#: How long after a channel post its automatic forward may reach the discussion group.
POST_LAG = pd.Timedelta("1D")


def _join_posts(out: pd.DataFrame, messages: pd.DataFrame) -> None:
    """Fill ``post_message_id`` where the format names the channel but not the post (Telegram
    Desktop): the channel's latest post with the same text up to :data:`POST_LAG` before."""
    need = out["post_channel_id"].notna() & out["post_message_id"].isna() & out["text"].notna()
    if not need.any() or "text" not in messages.columns:
        return
    wanted = set(out.loc[need, "post_channel_id"])
    pool = messages[messages["channel_id"].isin(wanted) & messages["text"].notna()]
    posts: dict = {}
    for c, t, d, m in zip(pool["channel_id"], pool["text"], pool["date"], pool["message_id"]):
        posts.setdefault((c, t), []).append((d, int(m)))
    found = []
    for i in np.flatnonzero(need.to_numpy()):
        date = out["date"].iat[i]
        best = [(d, m) for d, m in posts.get((out["post_channel_id"].iat[i],
                                                out["text"].iat[i]), ())
                if date - POST_LAG <= d <= date]
        found.append((i, max(best)[1]) if best else (i, None))
    for i, mid in found:
        if mid is not None:
            out.iat[i, out.columns.get_loc("post_message_id")] = mid


def _column(messages: pd.DataFrame, name: str, rows: np.ndarray, dtype) -> pd.Series:
    if name not in messages.columns:
        return pd.Series(pd.array([None] * len(rows), dtype=dtype))
    return pd.Series(messages[name].iloc[rows].to_numpy(), dtype=dtype)
