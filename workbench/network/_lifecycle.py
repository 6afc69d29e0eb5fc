"""Channel lifetimes: when channels start and stop, how fast new ones emerge, how long they last.

:func:`lifetimes` gives one row per collected channel (first and last message, active days,
how it ended, whether it is censored); :func:`emergence` counts channels first seen per
period, collected or only seen as forward sources and mention targets; :func:`survival` is
the Kaplan-Meier estimate of lifetimes, censoring the channels still active at the end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..backends import dispatchable
from ..errors import ParameterError
from ..schema import CHANNEL, CHANNEL_ID, DATE
from ._edges import _utc_naive, forward_rows, mention_edges
from ._growth import _count_by_period, _first_seen, _periods

__all__ = ["LIFETIME_COLUMNS", "emergence", "lifetimes", "survival"]

LIFETIME_COLUMNS = ["channel_id", "channel", "first", "last", "messages", "active_days",
                    "lifetime_days", "end", "censored"]


@dispatchable("network.lifetimes")
def lifetimes(messages: pd.DataFrame, *, end=None, silence: str = "14D",
              window: str = "14D") -> pd.DataFrame:
    """Per collected channel: its first and last message, active days and how it ended.

    Parameters
    ----------
    messages : DataFrame
        Canonical messages.
    end : str or Timestamp, optional
        End of the collection (UTC); default the last message of ``messages``.
    silence : str, default "14D"
        A channel whose last message is less than this before ``end`` is still active:
        ``censored`` (its lifetime is at least what we see).
    window : str, default "14D"
        How the end is judged: ``"abrupt"`` when the channel posted in its last ``window`` at
        half or more of its usual daily rate (it stopped at full speed: a ban, a takedown),
        ``"faded"`` when it slowed down first (abandoned).

    Returns
    -------
    DataFrame
        ``LIFETIME_COLUMNS``: ``channel_id``, ``channel``, ``first``, ``last`` (UTC),
        ``messages``, ``active_days`` (distinct UTC days with a message), ``lifetime_days``
        (float: last minus first, in days), ``end`` (``"abrupt"``, ``"faded"``, or NA when
        censored), ``censored`` (bool); sorted by ``first``.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench import schema
    >>> day = pd.Timestamp("2016-10-01", tz="UTC")
    >>> rows = [("telegram:1", day + pd.Timedelta(days=d)) for d in range(30)]
    >>> rows += [("telegram:2", day + pd.Timedelta(days=d)) for d in range(60)]
    >>> msgs = schema.conform(pd.DataFrame(rows, columns=["channel_id", "date"])
    ...     .assign(platform="telegram", message_id=range(len(rows))), "messages")
    >>> lifetimes(msgs)[["channel_id", "active_days", "end", "censored"]].to_string(index=False)
    'channel_id  active_days  end  censored\\ntelegram:1           30 abrupt     False\\ntelegram:2           60 <NA>      True'
    """
    try:
        quiet, win = pd.Timedelta(silence), pd.Timedelta(window)
    except ValueError as exc:
        raise ParameterError(f"invalid silence={silence!r} or window={window!r}: {exc}") from exc
    if messages.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in LIFETIME_COLUMNS})
    dates = pd.to_datetime(messages[DATE], utc=True)
    stop = dates.max() if end is None else pd.Timestamp(end)
    stop = stop.tz_localize("UTC") if stop.tzinfo is None else stop.tz_convert("UTC")
    frame = pd.DataFrame({"channel_id": messages[CHANNEL_ID].astype(str).to_numpy(),
                          "channel": (messages[CHANNEL] if CHANNEL in messages.columns
                                      else pd.Series(pd.NA, index=messages.index)).to_numpy(),
                          "date": dates.to_numpy()})
    frame["day"] = frame["date"].dt.floor("D")
    g = frame.groupby("channel_id", sort=True)
    out = g.agg(channel=("channel", "last"), first=("date", "min"), last=("date", "max"),
                messages=("date", "size"), active_days=("day", "nunique")).reset_index()
    out["lifetime_days"] = (out["last"] - out["first"]) / pd.Timedelta("1D")
    out["censored"] = (out["last"] + quiet > stop).to_numpy()
    recent = frame.merge(out[["channel_id", "last"]], on="channel_id")
    recent = recent[recent["date"] > recent["last"] - win].groupby("channel_id").size()
    rate_all = out["messages"] / np.maximum(out["lifetime_days"], 1.0)
    rate_end = (out["channel_id"].map(recent).fillna(0).to_numpy()
                / np.minimum(np.maximum(out["lifetime_days"], 1.0), win / pd.Timedelta("1D")))
    kind = np.where(rate_end >= 0.5 * rate_all, "abrupt", "faded")
    out["end"] = pd.array(np.where(out["censored"], None, kind), dtype="string")
    out["messages"] = out["messages"].astype("int64")
    out["active_days"] = out["active_days"].astype("int64")
    return out[LIFETIME_COLUMNS].sort_values(["first", "channel_id"], ignore_index=True)


@dispatchable("network.emergence")
def emergence(messages: pd.DataFrame, *, freq: str = "W", channels=None) -> pd.DataFrame:
    """How many channels emerge per period: collected ones and those only seen in others'
    messages.

    A collected channel emerges with its first message. A channel with no messages of its
    own emerges the first time another channel forwards from it or mentions it (``@handle``,
    ``t.me`` links): the rate analysts quote of "new channels per week" counts both.

    Parameters
    ----------
    messages : DataFrame
        Canonical messages.
    freq : str, default "W"
        A pandas period alias (``"W"``: weeks starting Monday, ``"M"``), in UTC.
    channels : Corpus or DataFrame, optional
        Resolves ``@mentions`` to channel ids; without it mentions count under their handle.

    Returns
    -------
    DataFrame
        Indexed by period start (tz-aware UTC ``DatetimeIndex`` named ``date``, zero-filled),
        int columns ``collected`` (first message in the period), ``referenced`` (not
        collected, first forwarded from or mentioned in the period), ``new`` (their sum) and
        ``total`` (running sum of ``new``).

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench import schema
    >>> msgs = schema.conform(pd.DataFrame({
    ...     "platform": "telegram", "channel_id": ["telegram:1", "telegram:2", "telegram:1"],
    ...     "message_id": [1, 1, 2],
    ...     "date": pd.to_datetime(["2016-10-03", "2016-10-11", "2016-10-12"], utc=True),
    ...     "fwd_from_channel_id": [pd.NA, pd.NA, "telegram:9"]}), "messages")
    >>> emergence(msgs).to_string()
    '                           collected  referenced  new  total\\ndate                                                        \\n2016-10-03 00:00:00+00:00          1           0    1      1\\n2016-10-10 00:00:00+00:00          1           1    2      3'
    """
    cols = ["collected", "referenced", "new", "total"]
    if messages.empty:
        return pd.DataFrame({c: np.array([], dtype=np.int64) for c in cols},
                            index=pd.DatetimeIndex([], tz="UTC", name="date"))
    mentioned = None
    if "mentions" in messages.columns and "links" in messages.columns:
        mentioned = mention_edges(messages, channels=getattr(channels, "channels", channels))
    first_own, referenced = _first_seen(messages[CHANNEL_ID].astype(str).to_numpy(),
                                        _utc_naive(messages[DATE]), forward_rows(messages),
                                        mentioned)
    first_other = referenced[~referenced.index.isin(first_own.index)]
    p_own = _periods(first_own.to_numpy(), freq)
    p_other = _periods(first_other.to_numpy(), freq) if len(first_other) else p_own.iloc[:0]
    lo = min(p_own.min(), p_other.min()) if len(p_other) else p_own.min()
    hi = max(p_own.max(), p_other.max()) if len(p_other) else p_own.max()
    index = pd.period_range(lo, hi, freq=freq).start_time
    out = pd.DataFrame({"collected": _count_by_period(p_own, index),
                        "referenced": _count_by_period(p_other, index)},
                       index=index.tz_localize("UTC").rename("date"))
    out["new"] = out["collected"] + out["referenced"]
    out["total"] = out["new"].cumsum()
    return out.astype(np.int64)


def survival(lifetimes: pd.DataFrame, *, by: str | None = None,
             duration: str = "lifetime_days", censored: str = "censored") -> pd.DataFrame:
    """Kaplan-Meier survival of channel lifetimes, censoring channels still active.

    The product-limit estimate: at each distinct lifetime ``t`` with ``d`` ended channels
    among ``n`` still at risk, survival is multiplied by ``1 - d / n``; censored channels
    leave the risk set after their time without ending anything (ties: ends before
    censorings). Greenwood's formula gives ``std_err``.

    Parameters
    ----------
    lifetimes : DataFrame
        One row per channel, as :func:`lifetimes` returns (with ``by`` merged in, e.g. the
        ``group`` label from ``corpus.channels``).
    by : str, optional
        A column to estimate separately for (one curve per value).
    duration, censored : str
        Column names of the lifetime (days) and of the censoring flag.

    Returns
    -------
    DataFrame
        ``group`` (the value of ``by``, or ``"all"``), ``time`` (days), ``at_risk``,
        ``ended``, ``censored`` (counts at that time), ``survival`` and ``std_err``; one row
        per group and distinct time, starting with time 0 at survival 1.

    Examples
    --------
    >>> import pandas as pd
    >>> life = pd.DataFrame({"lifetime_days": [2.0, 3.0, 3.0, 5.0],
    ...                      "censored": [False, True, False, False]})
    >>> survival(life)[["time", "at_risk", "ended", "survival"]].values.tolist()
    [[0.0, 4.0, 0.0, 1.0], [2.0, 4.0, 1.0, 0.75], [3.0, 3.0, 1.0, 0.5], [5.0, 1.0, 1.0, 0.0]]
    """
    missing = [c for c in (duration, censored, by) if c is not None and c not in lifetimes]
    if missing:
        raise ParameterError(f"survival: lifetimes has no column {missing[0]!r}; columns are "
                             f"{list(lifetimes.columns)}")
    cols = ["group", "time", "at_risk", "ended", "censored", "survival", "std_err"]
    groups = ([("all", lifetimes)] if by is None else
              [(str(k), g) for k, g in lifetimes.groupby(lifetimes[by].astype(object)
                                                          .fillna("(none)"), sort=True)])
    rows = []
    for name, g in groups:
        t = g[duration].astype(float).to_numpy()
        known = ~np.isnan(t)  # a lifetime that is not known is nobody at risk
        t, cens = t[known], g[censored].astype(bool).to_numpy()[known]
        n, s, var = len(t), 1.0, 0.0
        rows.append((name, 0.0, n, 0, 0, 1.0, 0.0))
        for time in np.unique(t):
            d = int(((t == time) & ~cens).sum())
            c = int(((t == time) & cens).sum())
            if d:
                s *= 1 - d / n
                var += d / (n * (n - d)) if n > d else np.inf
            if time > 0 or d or c:
                if time == 0 and rows[-1][1] == 0.0 and rows[-1][0] == name:
                    rows.pop()
                rows.append((name, float(time), n, d, c, round(s, 6),
                             round(s * np.sqrt(var), 6) if np.isfinite(var) else np.nan))
            n -= d + c
    out = pd.DataFrame(rows, columns=cols)
    for c in ("at_risk", "ended", "censored"):
        out[c] = out[c].astype("int64")
    return out
