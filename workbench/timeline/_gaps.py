"""Holes in the collection: long runs of missing message ids, and the date holes around them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..backends import dispatchable
from ..errors import ParameterError
from ..schema import CHANNEL, CHANNEL_ID, DATE, MESSAGE_ID, PLATFORM

__all__ = ["GAP_COLUMNS", "collection_gaps"]

GAP_COLUMNS = ["channel_id", "channel", "first_missing_id", "last_missing_id", "missing",
               "start", "end", "reason"]


@dispatchable("timeline.collection_gaps")
def collection_gaps(messages: pd.DataFrame, *, service: pd.DataFrame | None = None,
                    channels: pd.DataFrame | None = None, min_missing: int = 20,
                    date_factor: float = 10.0, min_duration: str = "2D") -> pd.DataFrame:
    """Suspected holes in the collection: one row per long run of missing message ids.

    A Telegram channel numbers its messages one by one, so a message that is absent from the
    collection leaves a gap between the ids on either side of it. Deleted posts leave
    sporadic gaps of one to a few ids at ordinary intervals; a scraper that stalled or an
    export that was cut leaves a long run of missing ids and, usually, a stretch of days
    without messages. The rule, per channel, over the ids of its messages (and of its
    service records, which take ids too):

    - a gap of ``min_missing`` (20) or more ids is a hole: ``reason`` is ``"both"`` when the
      time between the messages around it is also unusual (see below), else ``"id run"``;
    - a shorter gap of two or more ids is a hole only when the time between the messages
      around it is unusual (longer than ``date_factor`` (10) times the channel's median
      interval between messages and at least ``min_duration``, two days) and the missing
      ids account for at least half the messages the channel would have posted in that time
      at its median pace (else it was a quiet spell with a few deletions); ``reason`` is
      ``"date hole"``;
    - anything else (single missing ids, short runs at ordinary intervals) is a deletion,
      not a hole. Ids before a channel's first collected message are not counted (exports
      filtered to a period start high). Only Telegram is checked: tweet ids are not
      consecutive; nor are the ids of a private chat or a basic group, which number the
      account's messages across all its chats, so chats whose ``kind`` in ``channels`` is
      ``"account"`` or ``"group"`` are left out.

    Parameters
    ----------
    messages : DataFrame
        Canonical messages.
    service : DataFrame, optional
        The corpus's service records (``corpus.service``): their ids are not missing.
    channels : DataFrame or Corpus, optional
        ``corpus.channels``: chats whose ``kind`` is ``"account"`` (private chats) or
        ``"group"`` (basic groups) are skipped, their ids not being the chat's own.
    min_missing : int, default 20
        Shortest run of missing ids that is a hole on its own.
    date_factor : float, default 10.0
        How many median intervals make a date hole.
    min_duration : str, default "2D"
        Shortest date hole.

    Returns
    -------
    DataFrame
        ``GAP_COLUMNS``: ``channel_id``, ``channel``, ``first_missing_id``,
        ``last_missing_id``, ``missing`` (ids), ``start``, ``end`` (UTC dates of the messages
        just before and after the hole), ``reason`` (``"id run"``, ``"date hole"``,
        ``"both"``); sorted by channel and id.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench import schema
    >>> ids = list(range(1, 50)) + list(range(52, 60)) + list(range(180, 200))
    >>> hours = [i * 6 for i in range(57)] + [57 * 6 + 200 + i * 6 for i in range(20)]
    >>> msgs = schema.conform(pd.DataFrame({
    ...     "platform": "telegram", "channel_id": "telegram:7", "message_id": ids,
    ...     "date": pd.Timestamp("2017-06-01", tz="UTC") + pd.to_timedelta(hours, unit="h")}),
    ...     "messages")
    >>> collection_gaps(msgs)[["first_missing_id", "last_missing_id", "missing", "reason"]
    ...                       ].values.tolist()
    [[60, 179, 120, 'both']]
    """
    if int(min_missing) < 2:
        raise ParameterError(f"min_missing={min_missing!r}: expected an integer of 2 or more")
    try:
        shortest = pd.Timedelta(min_duration)
    except ValueError as exc:
        raise ParameterError(f"invalid min_duration={min_duration!r}: {exc}") from exc
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in GAP_COLUMNS})
    if messages.empty:
        return empty
    keep = ((messages[PLATFORM].astype(str) == "telegram").to_numpy()
            & messages[MESSAGE_ID].notna().to_numpy())
    table = getattr(channels, "channels", channels)
    if table is not None and "kind" in table.columns:
        shared = table.loc[table["kind"].astype(str).isin(["account", "group"]).to_numpy(),
                           "channel_id"].astype(str)
        keep &= ~messages[CHANNEL_ID].astype(str).isin(set(shared)).to_numpy()
    tg = messages[keep]
    frame = pd.DataFrame({"channel_id": tg[CHANNEL_ID].astype(str).to_numpy(),
                          "id": tg[MESSAGE_ID].astype("int64").to_numpy(),
                          "date": _naive(tg[DATE]),
                          "own": True})
    if service is not None and len(service):
        sv = service[(service[PLATFORM].astype(str) == "telegram").to_numpy()
                     & service[MESSAGE_ID].notna().to_numpy()
                     & service[CHANNEL_ID].astype(str).isin(set(frame["channel_id"])).to_numpy()]
        frame = pd.concat([frame, pd.DataFrame({
            "channel_id": sv[CHANNEL_ID].astype(str).to_numpy(),
            "id": sv[MESSAGE_ID].astype("int64").to_numpy(),
            "date": _naive(sv[DATE]), "own": False})],
            ignore_index=True)
    frame = frame.drop_duplicates(["channel_id", "id"]).sort_values(["channel_id", "id"],
                                                                    ignore_index=True)
    names = (messages.groupby(CHANNEL_ID, observed=True)[CHANNEL].last()
             if CHANNEL in messages.columns else pd.Series(dtype=object))
    names.index = names.index.astype(str)
    rows = []
    for cid, g in frame.groupby("channel_id", sort=True):
        ids = g["id"].to_numpy()
        dates = g["date"].to_numpy()
        if len(ids) < 2:
            continue
        missing = np.diff(ids) - 1
        # intervals in time order: ids and dates almost always agree, but not for edits
        gaps_t = np.diff(np.sort(dates)).astype("timedelta64[ns]")
        median = pd.Timedelta(np.median(gaps_t)) if len(gaps_t) else pd.Timedelta(0)
        span = np.diff(dates).astype("timedelta64[ns]")
        unusual = span >= np.timedelta64(max(shortest, date_factor * median).value, "ns")
        # a quiet spell with a few deletions in it is not a hole: the ids must account for
        # at least half the messages the channel would have posted at its median pace
        expected = span / np.timedelta64(max(median, pd.Timedelta("1s")).value, "ns")
        dated = (missing >= 2) & unusual & (missing >= 0.5 * expected)
        for i in np.flatnonzero((missing >= min_missing) | dated):
            reason = ("both" if unusual[i] else "id run") if missing[i] >= min_missing \
                else "date hole"
            rows.append({"channel_id": cid, "channel": names.get(cid, pd.NA),
                         "first_missing_id": int(ids[i] + 1),
                         "last_missing_id": int(ids[i + 1] - 1), "missing": int(missing[i]),
                         "start": pd.Timestamp(dates[i]).tz_localize("UTC"),
                         "end": pd.Timestamp(dates[i + 1]).tz_localize("UTC"),
                         "reason": reason})
    if not rows:
        return empty
    out = pd.DataFrame(rows, columns=GAP_COLUMNS)
    for c in ("first_missing_id", "last_missing_id", "missing"):
        out[c] = out[c].astype("int64")
    return out


def _naive(dates: pd.Series) -> np.ndarray:
    """UTC instants as naive datetime64[ns] (a tz-aware column's to_numpy gives objects)."""
    return pd.to_datetime(dates, utc=True).dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
