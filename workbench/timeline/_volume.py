"""Message volume over time, and each platform's share of it.

Both return the same wide, zero-filled shape: a tz-aware DatetimeIndex of period starts named
``date`` and one plain column per value of ``by``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.tseries.offsets import Tick

from ..backends import dispatchable
from ..docstrings import shared
from ..errors import ParameterError
from ..schema import DATE, PLATFORM

__all__ = ["message_volume", "platform_share", "PeriodBinner", "check_period"]


def _check(messages: pd.DataFrame, freq: str, tz: str, date_col: str, **columns) -> None:
    if date_col not in messages.columns:
        raise ParameterError(f"messages has no {date_col!r} column")
    for name, col in columns.items():
        if col is not None and col not in messages.columns:
            raise ParameterError(
                f"{name}={col!r} is not a column of messages; columns are {list(messages.columns)}"
            )
    check_period(freq, tz)


def check_period(freq: str, tz: str) -> None:
    """Refuse a ``freq`` that is no pandas period alias or a ``tz`` that is no time zone.

    Raises
    ------
    ParameterError
        Naming both values and what pandas said.

    Examples
    --------
    >>> check_period("W", "Europe/Berlin")
    >>> check_period("fortnight", "UTC")
    Traceback (most recent call last):
    ...
    workbench.errors.ParameterError: invalid freq='fortnight' or tz='UTC': ...
    """
    try:
        pd.Timestamp("2016-01-01", tz=tz)
        pd.Period("2016-01-01", freq=freq)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ParameterError(f"invalid freq={freq!r} or tz={tz!r}: {exc}") from exc


def _wall_time(dates: pd.Series, tz: str) -> pd.Series:
    dates = pd.Series(dates)
    if not isinstance(dates.dtype, pd.DatetimeTZDtype):
        dates = pd.to_datetime(dates, utc=True)
    return dates.dt.tz_convert(tz).dt.tz_localize(None)


def _period_start(local: pd.Series | pd.DatetimeIndex, freq: str) -> pd.DatetimeIndex:
    """Start (wall time) of the period holding each naive wall time."""
    local = pd.DatetimeIndex(local)
    if _is_tick(freq):
        return local.floor(freq)
    # Calendar periods (weeks from Monday, months, ...) hold whole days: map the few distinct
    # days rather than every message.
    days = local.floor("D")
    codes, uniques = pd.factorize(days)
    starts = pd.DatetimeIndex(uniques).to_period(freq).start_time
    return pd.DatetimeIndex(np.asarray(starts)[codes]) if len(codes) else pd.DatetimeIndex([])


def _is_tick(freq: str) -> bool:
    """Fixed-length periods (hours, minutes) as opposed to calendar ones (days, weeks)."""
    return isinstance(pd.Period("2016-01-01", freq=freq).freq, Tick)


def _full_range(lo: pd.Timestamp, hi: pd.Timestamp, freq: str) -> pd.DatetimeIndex:
    if _is_tick(freq):
        return pd.date_range(lo, hi, freq=freq)
    return pd.period_range(lo, hi, freq=freq).start_time


def _localise(naive: pd.DatetimeIndex, tz: str) -> pd.DatetimeIndex:
    # Period starts are midnights; a DST change at midnight would make one ambiguous or
    # missing, in which case shifting forward keeps every period distinct.
    return naive.tz_localize(tz, ambiguous=False, nonexistent="shift_forward")


@dispatchable("timeline.message_volume")
@shared
def message_volume(messages: pd.DataFrame, *, freq: str = "D", by: str | None = None,
                   tz: str = "UTC", weight: str | None = None, start=None, end=None,
                   date_col: str = DATE) -> pd.DataFrame:
    """Count messages per period, wide: one column per value of ``by``.

    Parameters
    ----------
    {messages}
        Any frame with a UTC ``date`` column will do (and the ``by`` and ``weight``
        columns when named).
    freq : str, default "D"
        A pandas period alias: ``"h"``, ``"D"``, ``"W"`` (weeks start on Monday), ``"M"``.
    {by}
        Without it, one column named ``"messages"``.
    {tz}
        The index is in that zone.
    weight : {"views", "forwards"}, optional
        Sum this column instead of counting rows (nulls count as zero).
    start, end : timestamp-like, optional
        Extend (never cut) the zero-filled range to cover these instants.

    Returns
    -------
    DataFrame
        Integer counts indexed by period start (a tz-aware ``DatetimeIndex`` named ``date``),
        zero-filled over the whole range, one plain column per value of ``by`` (sorted),
        labelled by the value itself.

    Examples
    --------
    >>> import pandas as pd
    >>> msgs = pd.DataFrame({
    ...     "date": pd.to_datetime(["2016-12-19 22:30", "2016-12-19 23:30"], utc=True),
    ...     "group": ["a", "b"]})
    >>> message_volume(msgs, by="group", tz="Europe/Berlin")
    group                      a  b
    date
    2016-12-19 00:00:00+01:00  1  0
    2016-12-20 00:00:00+01:00  0  1
    """
    _check(messages, freq, tz, date_col, by=by, weight=weight)
    dates = _utc(messages[date_col])
    bounds = [_utc(pd.Series([ts]))[0] for ts in (start, end) if ts is not None]
    binner = PeriodBinner(freq, tz, [*dates.dropna()[:1], *bounds])
    starts = binner.starts(dates)
    if by is not None:
        groups, labels = pd.factorize(messages[by], sort=True)
        labels = list(labels)
    else:
        groups, labels = np.zeros(len(messages), dtype=np.intp), ["messages"]
    keep = groups >= 0
    if not keep.all():
        starts, groups = starts[keep], groups[keep]
    values = None
    if weight is not None:
        values = pd.to_numeric(messages[weight]).fillna(0).to_numpy(dtype="float64")[keep]

    edges = list(starts[[starts.argmin(), starts.argmax()]]) if len(starts) else []
    edges += list(binner.starts(pd.Series(bounds, dtype="datetime64[ns, UTC]")))
    full = binner.full_range(min(edges), max(edges)) if edges else pd.DatetimeIndex([])

    # The last period starting at or before each message's own period start (the same
    # period, except for multiples such as "2D", whose periods start at the first message).
    rows = full.searchsorted(starts, side="right") - 1
    cells = np.bincount(rows * len(labels) + groups, weights=values,
                        minlength=len(full) * len(labels)).reshape(len(full), len(labels))
    if weight is None or np.all(cells % 1 == 0):
        cells = cells.astype("int64")
    index = binner.localise(pd.DatetimeIndex(full)).rename("date")
    return pd.DataFrame(cells, index=index, columns=pd.Index(labels, name=by))


def _utc(dates) -> pd.Series:
    dates = pd.Series(dates)
    if not isinstance(dates.dtype, pd.DatetimeTZDtype):
        dates = pd.to_datetime(dates, utc=True)
    return dates.dt.tz_convert("UTC")


class PeriodBinner:
    """Period starts for instants, as :func:`message_volume` bins them; every backend bins
    with it (the kernel of the volume and keyword analyses).

    Calendar periods (days, weeks, months) follow the wall clock of ``tz``, so a day is a
    local day even when it lasts 23 or 25 hours. Fixed-length periods (hours, minutes) are
    lengths of absolute time aligned to the zone's offset at the first instant: across a DST
    change the hours stay distinct and none is skipped.

    Parameters
    ----------
    freq : str
        A pandas period alias (``"D"``, ``"W"``, ``"h"``, ``"15min"``).
    tz : str
        The time zone of the period boundaries.
    reference : list of Timestamp
        UTC instants; the earliest aligns fixed-length periods (none: 2016-01-01).

    Attributes
    ----------
    tick : bool
        Whether the periods are fixed-length (``"h"``, ``"15min"``) rather than calendar.
    offset : Timedelta
        The zone's UTC offset at the earliest reference instant.

    Examples
    --------
    >>> import pandas as pd
    >>> dates = pd.Series(pd.to_datetime(["2016-12-19 23:30"], utc=True))
    >>> [str(t) for t in PeriodBinner("D", "Europe/Berlin", list(dates)).starts(dates)]
    ['2016-12-20 00:00:00']
    """

    def __init__(self, freq: str, tz: str, reference: list) -> None:
        self.freq, self.tz, self.tick = freq, tz, _is_tick(freq)
        first = min(reference) if reference else pd.Timestamp("2016-01-01", tz="UTC")
        self.offset = first.tz_convert(tz).utcoffset() or pd.Timedelta(0)

    def starts(self, dates: pd.Series) -> pd.DatetimeIndex:
        """Naive period starts of UTC ``dates``: UTC for fixed-length periods, wall time
        otherwise."""
        if self.tick:
            naive = pd.DatetimeIndex(dates.dt.tz_localize(None))
            return (naive + self.offset).floor(self.freq) - self.offset
        return _period_start(_wall_time(dates, self.tz), self.freq)

    def full_range(self, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DatetimeIndex:
        """Every naive period start from ``lo`` to ``hi`` (period starts themselves)."""
        return _full_range(lo, hi, self.freq)

    def localise(self, naive: pd.DatetimeIndex) -> pd.DatetimeIndex:
        """Naive period starts as tz-aware instants in ``tz``."""
        if self.tick:
            return naive.tz_localize("UTC").tz_convert(self.tz)
        return _localise(naive, self.tz)


def platform_share(messages: pd.DataFrame, *, freq: str = "W", tz: str = "UTC",
                   weight: str | None = None, platform_col: str = PLATFORM,
                   date_col: str = DATE) -> pd.DataFrame:
    """Each platform's share of activity per period (rows sum to 1).

    Parameters
    ----------
    messages : DataFrame
        Canonical messages with ``platform`` and ``date``.
    freq : str, default "W"
        Period alias as in :func:`message_volume` (weeks start on Monday).
    tz : str, default "UTC"
        Time zone of the period boundaries.
    weight : str, optional
        Share of a summed column (e.g. ``"views"``) instead of message counts.

    Returns
    -------
    DataFrame
        Same index as :func:`message_volume`, one column per platform, values in [0, 1];
        periods without any message are NaN (no share is defined), not zero.

    Examples
    --------
    >>> import pandas as pd
    >>> msgs = pd.DataFrame({
    ...     "date": pd.to_datetime(["2016-02-01", "2016-02-02", "2016-02-03", "2016-02-20"],
    ...                           utc=True),
    ...     "platform": ["twitter", "twitter", "telegram", "telegram"]})
    >>> platform_share(msgs)
    platform                   telegram   twitter
    date
    2016-02-01 00:00:00+00:00  0.333333  0.666667
    2016-02-08 00:00:00+00:00       NaN       NaN
    2016-02-15 00:00:00+00:00  1.000000  0.000000
    """
    volume = message_volume(messages, freq=freq, by=platform_col, tz=tz, weight=weight,
                            date_col=date_col)
    volume.columns = pd.Index([str(c) for c in volume.columns], name=platform_col)
    total = volume.sum(axis=1)
    return volume.div(total.where(total > 0), axis=0)
