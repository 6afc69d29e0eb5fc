"""Event windows: volume before and after an event, its change, and whether it is real.

The test
--------
Daily message counts are overdispersed (a channel posts in bursts) and serially correlated
(a busy day is followed by busy days), so a plain Poisson rate test, which assumes neither,
calls ordinary fluctuation significant. The rate ratio is tested on the log scale with a
quasi-Poisson variance:

``Var(log RR) = phi * f * (1 / A + 1 / B)``

where ``A`` and ``B`` are the pre and post totals, ``phi`` the Pearson dispersion of the daily
counts around their window means (never below 1, the Poisson case), and
``f = (1 + rho) / (1 - rho)`` the inflation for lag-one autocorrelation ``rho`` of the Pearson
residuals (within windows, floored at 0 and capped at 0.9). The statistic is referred to a t
distribution with ``days - 2`` degrees of freedom (``phi`` and ``rho`` are estimated), which
gives the p-value and the confidence interval of the ratio; the intervals of the two means use
the same variance. Simulated negative-binomial, autocorrelated counts without a change keep
the nominal false-positive rate (see ``tests/test_timeline.py``); the plain Poisson test does
not. When either total is zero, 0.5 is added to both totals for the interval and the test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..backends import dispatchable
from ..docstrings import shared
from ..errors import ParameterError
from ..events import resolve_event
from ..schema import DATE
from ._surges import SURGE_AFTER_COLUMNS, surge_after

__all__ = ["EventWindow", "event_window"]

_DAY = pd.Timedelta("1D")
_MAX_RHO = 0.9


@dataclass(frozen=True, eq=False)
class EventWindow:
    """The result of :func:`event_window`.

    Attributes
    ----------
    summary : DataFrame
        One row per series: the window statistics (see :func:`event_window`).
    aligned : DataFrame
        One row per series and day from the event: ``day``, ``start``, ``count``,
        ``baseline`` (the pre-event mean) and ``relative`` (count / baseline).
    event : Series
        The resolved catalogue row (``key``, ``name``, ``date``, ...).
    by : str or None
        The grouping column; the series column of both tables is named after it (``series``
        when there is none).
    surges : DataFrame or None
        The surge that follows the event, one row per series that has one (None when
        ``event_window`` was asked not to look): the series label, then ``surge_start``,
        ``surge_delay`` (start less the event instant: negative by less than a bin when it
        starts in the bin holding the event), ``surge_peak``, ``surge_end`` (last bin),
        ``surge_hours``, ``surge_ratio`` (observed / expected for those hours and weekdays)
        and ``surge_excess`` (messages above that baseline); see
        :func:`workbench.timeline.surges`.
    """

    summary: pd.DataFrame
    aligned: pd.DataFrame
    event: pd.Series
    by: str | None
    surges: pd.DataFrame | None = None

    @property
    def series_col(self) -> str:
        """Name of the column that labels each series in ``summary`` and ``aligned``."""
        return self.by or "series"

    def __repr__(self) -> str:
        return (f"EventWindow({self.event['key']!r}, {len(self.summary)} series, "
                f"days {int(self.aligned['day'].min())}..{int(self.aligned['day'].max())})"
                if len(self.aligned) else f"EventWindow({self.event['key']!r}, empty)")


def _days(value, name: str) -> int:
    try:
        delta = pd.Timedelta(value)
    except (ValueError, TypeError) as exc:
        raise ParameterError(f"{name}={value!r} is not a duration such as '28D'") from exc
    if delta <= pd.Timedelta(0) or delta % _DAY:
        raise ParameterError(f"{name}={value!r}: expected a positive whole number of days")
    return int(delta / _DAY)


@dispatchable("timeline.event_window")
@shared
def event_window(messages: pd.DataFrame, event, *, before="28D", after="14D",
                 by: str | None = None, tz: str = "UTC", align: str = "event",
                 level: float = 0.95, events: pd.DataFrame | None = None,
                 date_col: str = DATE, surge_freq: str | None = "h") -> EventWindow:
    """Daily volume before and after an event, per series, with a count-suited test.

    Parameters
    ----------
    {messages_frame}
    event : str, timestamp or Series
        A key (``"berlin-2016"``), a name word or prefix (``"Berlin"``), a catalogue row of
        :func:`workbench.load_events`, or a timestamp.
    before, after : str or Timedelta, default "28D" and "14D"
        Lengths of the pre- and post-event windows, in whole days.
    {by}
        Without it, one series.
    tz : str, default "UTC"
        Zone of the ``start`` column, and of the day boundaries when ``align="midnight"``.
    align : {"event", "midnight"}, default "event"
        ``"event"``: day 0 is the 24 hours from the event instant, so pre and post never
        share a day. ``"midnight"``: days are calendar days in ``tz`` and day 0 is the day of
        the event (it then also holds the hours before the event).
    level : float, default 0.95
        Confidence level of the intervals.
    surge_freq : str or None, default "h"
        Bins in which :func:`surges` looks for the surge that follows the event (counts
        from ``before`` the event to ``after`` it, in ``tz``; the result's ``surges``);
        None skips it.

    Returns
    -------
    EventWindow
        ``summary``: one row per series with ``event``, the series label, ``pre_days``,
        ``post_days`` (days covered by the data), ``pre_count``, ``post_count``, ``pre_mean``,
        ``pre_low``, ``pre_high``, ``post_mean``, ``post_low``, ``post_high`` (daily means and
        their intervals), ``change`` (post minus pre mean), ``ratio`` (post / pre mean),
        ``ratio_low``, ``ratio_high``, ``p_value`` (two-sided, H0: ratio = 1),
        ``dispersion`` and ``autocorrelation`` (the estimates behind the test).
        ``aligned``: one row per series and day from ``-before`` to ``after - 1``.
        Days outside the span of ``messages`` are missing (NaN), not zero.
        ``surges``: the surge under way in the event's bin or starting within ``after``,
        per series that has one, found in ``surge_freq`` bins (see :class:`EventWindow`).

    Examples
    --------
    >>> import pandas as pd
    >>> days = pd.date_range("2016-11-21 20:00", periods=42, freq="D", tz="UTC")
    >>> per_day = [2] * 28 + [6] * 14
    >>> msgs = pd.DataFrame({"date": days.repeat(per_day)})
    >>> window = event_window(msgs, "berlin-2016")
    >>> window.summary[["pre_mean", "post_mean", "change", "ratio"]]
       pre_mean  post_mean  change  ratio
    0       2.0        6.0     4.0    3.0
    >>> bool(window.summary["p_value"].item() < 0.001)
    True
    """
    from scipy import stats

    if date_col not in messages.columns:
        raise ParameterError(f"messages has no {date_col!r} column")
    if by is not None and by not in messages.columns:
        raise ParameterError(f"by={by!r} is not a column of messages; columns are "
                             f"{list(messages.columns)}")
    if align not in ("event", "midnight"):
        raise ParameterError(f"align={align!r}; expected 'event' or 'midnight'")
    if not 0 < level < 1:
        raise ParameterError(f"level={level!r}; expected a probability such as 0.95")
    try:
        pd.Timestamp("2016-01-01", tz=tz)
    except (ValueError, TypeError, KeyError) as exc:
        raise ParameterError(f"invalid tz={tz!r}: {exc}") from exc
    row = resolve_event(event, events)
    when = pd.Timestamp(row["date"])
    n_pre, n_post = _days(before, "before"), _days(after, "after")
    days = np.arange(-n_pre, n_post)

    dates = pd.Series(messages[date_col])
    if not isinstance(dates.dtype, pd.DatetimeTZDtype):
        dates = pd.to_datetime(dates, utc=True)
    if align == "event":
        offset = np.floor((dates - when) / _DAY)
        starts = pd.DatetimeIndex(when + pd.to_timedelta(days, unit="D")).tz_convert(tz)
    else:
        origin = when.tz_convert(tz).tz_localize(None).floor("D")
        local = dates.dt.tz_convert(tz).dt.tz_localize(None).dt.floor("D")
        offset = (local - origin) / _DAY
        naive = pd.DatetimeIndex(origin + pd.to_timedelta(days, unit="D"))
        starts = naive.tz_localize(tz, ambiguous=False, nonexistent="shift_forward")
    starts = pd.DatetimeIndex(starts)
    offset = offset.to_numpy(dtype="float64", na_value=np.nan)

    if by is not None:
        codes, labels = pd.factorize(messages[by], sort=True)
        labels = list(labels)
    else:
        codes, labels = np.zeros(len(messages), dtype=np.intp), ["messages"]
    inside = (codes >= 0) & (offset >= -n_pre) & (offset < n_post)
    cells = np.bincount(codes[inside] * len(days) + (offset[inside] + n_pre).astype(np.intp),
                        minlength=len(labels) * len(days)).reshape(len(labels), len(days))
    counts = cells.astype("float64")

    ends = starts + _DAY if align == "event" else _next_midnights(starts, tz)
    if len(dates.dropna()):
        first, last = dates.min(), dates.max()
        covered = np.asarray((ends > first) & (starts <= last))
    else:
        covered = np.zeros(len(days), dtype=bool)
    counts[:, ~covered] = np.nan

    stats_table = _window_stats(counts[:, :n_pre], counts[:, n_pre:], level, stats)
    series_col = by or "series"
    summary = pd.concat([
        pd.DataFrame({"event": row["key"], series_col: labels}), stats_table], axis=1)
    surges = None
    if surge_freq is not None:
        surges = pd.concat([pd.DataFrame({series_col: labels}), _following_surge(
            dates, codes, labels, when, n_pre, n_post, tz, surge_freq)], axis=1)
        surges = surges[surges["surge_start"].notna()].reset_index(drop=True)

    baseline = np.repeat(stats_table["pre_mean"].to_numpy(), len(days))
    flat = counts.ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(baseline > 0, flat / baseline, np.nan)
    aligned = pd.DataFrame({
        "event": row["key"],
        series_col: np.repeat(np.array(labels, dtype=object), len(days)),
        "day": np.tile(days, len(labels)),
        "start": starts[np.tile(np.arange(len(days)), len(labels))],
        "count": flat,
        "baseline": baseline,
        "relative": relative,
    })
    return EventWindow(summary=summary, aligned=aligned, event=row, by=by, surges=surges)


def _following_surge(dates, codes, labels, when, n_pre, n_post, tz, freq) -> pd.DataFrame:
    """The surge after the event in each series, found in ``freq`` bins over the window."""
    empty = pd.DataFrame({c: pd.Series([pd.NA] * len(labels), dtype=object)
                          for c in SURGE_AFTER_COLUMNS})
    from ._volume import message_volume

    lo, hi = when - n_pre * _DAY, when + n_post * _DAY
    keep = np.asarray((dates >= lo) & (dates < hi)) & (codes >= 0)
    if not keep.any():
        return empty
    # Only the span the data covers: hours before the first message are not known quiet
    # hours (zeros there would make the start of the data look like a surge).
    lo, hi = max(lo, dates.min()), min(hi, dates.max() + pd.Timedelta(microseconds=1))
    frame = pd.DataFrame({"date": dates[keep].to_numpy(),
                          "series": np.asarray(codes)[keep]})
    volume = message_volume(frame, freq=freq, by="series", tz=tz, start=lo,
                            end=hi - pd.Timedelta(microseconds=1))
    volume = volume.reindex(columns=range(len(labels)), fill_value=0)
    return surge_after(volume, when, within=n_post * _DAY)


def _next_midnights(starts: pd.DatetimeIndex, tz: str) -> pd.DatetimeIndex:
    naive = starts.tz_localize(None) + _DAY
    return naive.tz_localize(tz, ambiguous=False, nonexistent="shift_forward")


def _pearson(x: np.ndarray, mean: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mean[:, None] > 0, (x - mean[:, None]) / np.sqrt(mean[:, None]), 0.0)


def _window_stats(pre: np.ndarray, post: np.ndarray, level: float, stats) -> pd.DataFrame:
    """Quasi-Poisson rate-ratio statistics, one row per series (rows of ``pre``/``post``)."""
    p_days = np.sum(~np.isnan(pre), axis=1)
    q_days = np.sum(~np.isnan(post), axis=1)
    a = np.nansum(pre, axis=1)
    b = np.nansum(post, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        pre_mean = a / p_days
        post_mean = b / q_days
        ratio = post_mean / pre_mean
    # NaN days (outside the data) drop out of every sum below.
    e_pre, e_post = _pearson(pre, pre_mean), _pearson(post, post_mean)
    df = p_days + q_days - 2
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = (np.nansum(e_pre ** 2, axis=1) + np.nansum(e_post ** 2, axis=1))
        phi = np.maximum(np.where(df > 0, pearson / df, np.nan), 1.0)
        lag = (np.nansum(e_pre[:, 1:] * e_pre[:, :-1], axis=1)
               + np.nansum(e_post[:, 1:] * e_post[:, :-1], axis=1))
        rho = np.clip(np.where(pearson > 0, lag / pearson, 0.0), 0.0, _MAX_RHO)
    inflation = phi * (1 + rho) / (1 - rho)

    fix = np.where((a == 0) | (b == 0), 0.5, 0.0)
    a_c, b_c = a + fix, b + fix
    ok = (p_days >= 1) & (q_days >= 1) & (df >= 1) & ((a + b) > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_rr = np.log(b_c / q_days) - np.log(a_c / p_days)
        se = np.sqrt(inflation * (1 / a_c + 1 / b_c))
        tq = stats.t.ppf(0.5 + level / 2, np.maximum(df, 1))
        p_value = 2 * stats.t.sf(np.abs(log_rr) / se, np.maximum(df, 1))
        se_pre, se_post = np.sqrt(inflation / a_c), np.sqrt(inflation / b_c)
        table = pd.DataFrame({
            "pre_days": p_days.astype("int64"),
            "post_days": q_days.astype("int64"),
            "pre_count": a.astype("int64"),
            "post_count": b.astype("int64"),
            "pre_mean": pre_mean,
            "pre_low": np.where(a > 0, a_c / p_days * np.exp(-tq * se_pre), 0.0),
            "pre_high": a_c / p_days * np.exp(tq * se_pre),
            "post_mean": post_mean,
            "post_low": np.where(b > 0, b_c / q_days * np.exp(-tq * se_post), 0.0),
            "post_high": b_c / q_days * np.exp(tq * se_post),
            "change": post_mean - pre_mean,
            "ratio": ratio,
            "ratio_low": np.exp(log_rr - tq * se),
            "ratio_high": np.exp(log_rr + tq * se),
            "p_value": p_value,
            "dispersion": phi,
            "autocorrelation": rho,
        })
    stat_cols = ["pre_low", "pre_high", "post_low", "post_high", "ratio_low", "ratio_high",
                 "p_value", "dispersion", "autocorrelation"]
    table.loc[~ok, stat_cols] = np.nan
    return table
