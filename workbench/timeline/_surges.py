"""Surges: stretches where volume rises well above its usual level for that hour and weekday.

Hourly (or finer) message counts follow a daily and a weekly rhythm: channels post in waking
hours and less at weekends. A detector that compares each bin with one overall level takes
every evening for a burst; one that looks for lasting shifts misses a surge that is over in a
day and a half. :func:`surges` first learns what volume to expect in each bin, then scans for
stretches that exceed it.

The baseline
------------
``expected = level(day) x weekday factor x share of the day's messages in that bin``

* **level**: a robust running level of daily totals (divided by their weekday factor): the
  median of the ``window`` days before each day. A median of the past month tolerates earlier
  surges (shorter than half the window) and gaps (missing bins), and follows a channel that
  grows, slows or goes silent without calling that a surge. The first days, which have no
  past, use the median of the first ``window`` days.
* **weekday factor** (when the series spans at least two weeks): the median, over weeks, of
  each weekday's total divided by the level, normalised to average 1.
* **share of the day** (bins shorter than a day, series of a week or more): the share of all
  messages that fell in each bin of the day, pooled over days, slightly smoothed towards flat
  so that sparse series (a few messages a day) do not learn an empty hour.

Bins longer than a day (weeks, months) have no rhythm to learn and too few bins for a
past-only level: they are compared with the median of the nine bins around each, which
follows steady growth as channels join; a surge there must be shorter than about four bins.

The scan
--------
Counts are Poisson-like with extra variance (messages come in bunches). For a rise by the
design ratio ``r`` the log-likelihood ratio of a bin is ``x log r - mu (r - 1)``; in
quasi-likelihood form it is divided by the bin's variance inflation ``1 + k mu`` (a
negative-binomial ``k``, from median absolute deviations of the residuals at each level) and
by what remains of the variance of daily totals (bins of one day move together), both robust
to the surges themselves and never below the Poisson case. Page's CUSUM of it (the running sum
less its running minimum, one vectorised pass) rises through a surge and drains after it. An
excursion that reaches ``threshold`` is a surge from the bin after its last zero (the
maximum-likelihood onset) to its highest point before it drains by ``threshold``; the scan
then restarts there, so a second surge is not swallowed by the slow drain of a large first
one. Onset and end are re-estimated at the surge's own ratio (at ``r`` the bins just before a
large surge look cheaper than they are). A surge is kept when its observed volume is at least
``min_ratio`` times the expected and ``min_excess`` above it. Finally the baseline is learned
again without the surges found and the scan repeated, so a surge does not raise the expected
volume of its own hours. A year of 5-minute bins (105,120 points) takes about a quarter of a
second.

Why not a package: STL/MSTL (statsmodels) decompositions assume additive Gaussian noise,
need the surge to be robustly down-weighted and still leak long surges into the trend; a
fixed z-score on raw counts fires every evening; Kleinberg bursts (:func:`bursts`) and
change points (:func:`change_points`) have no notion of the daily rhythm. The measurements
behind this choice are in ``bench/timeline.py`` and the closing note of issue 13.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ParameterError

__all__ = ["surges"]

COLUMNS = ["start", "end", "peak", "observed", "expected", "ratio", "excess", "score",
           "series"]
_DAY = pd.Timedelta("1D")


def surges(data, *, ratio: float = 2.0, threshold: float | None = None,
           min_ratio: float = 1.5, min_excess: float = 5.0, window: int = 28,
           seasonal: bool = True) -> pd.DataFrame:
    """Surges in counts per bin: where volume rises well above its usual level for that
    time of day and day of week.

    Parameters
    ----------
    data : Series or DataFrame
        Counts per bin with a regular tz-aware (or naive) DatetimeIndex, any frequency from
        minutes to days: a column of :func:`message_volume`, or the whole table (every
        column is scanned; the ``series`` column names it). Missing counts are gaps.
    ratio : float, default 2.0
        The rise the scan is tuned to (``r`` above): lower finds longer, gentler surges and
        reports longer tails; higher favours short, sharp ones.
    threshold : float, optional
        Evidence needed for a surge, in quasi-log-likelihood units. Default
        ``log(bins) + 6``: on ordinary hourly series of 90 days (the rhythm, noise and
        levels of ``workbench.synth.hourly_volume``) about one false surge in sixty series
        (``python -m bench timeline``). Higher finds fewer and shorter-lived ones later.
    min_ratio : float, default 1.5
        Smallest observed / expected ratio over a surge that is reported.
    min_excess : float, default 5
        Smallest excess (messages above the baseline) that is reported: three messages in
        a quiet hour are not a surge.
    window : int, default 28
        Days of history behind the running level (and the weekly factors).
    seasonal : bool, default True
        Learn the daily and weekly profiles; False compares every bin with the level alone.

    Returns
    -------
    DataFrame
        One row per surge, sorted by start (and series): ``start``, ``end`` (labels of the
        first and last bin), ``peak`` (the bin furthest above its baseline), ``observed``
        and ``expected`` (messages over the surge), ``ratio`` (observed / expected),
        ``excess`` (observed - expected), ``score`` (the scan's evidence, above
        ``threshold``) and ``series`` (the Series name or the column).

    Examples
    --------
    Three weeks of hourly counts with a daily rhythm (busy evenings), then 18 hours at three
    times the usual level from 20:00 on 19 December:

    >>> import numpy as np, pandas as pd
    >>> hours = pd.date_range("2016-11-28", "2016-12-23", freq="h", tz="UTC",
    ...                       inclusive="left")
    >>> usual = np.tile([1, 1, 1, 1, 1, 1, 2, 3, 4, 4, 4, 4, 5, 5, 5, 6, 6, 8, 9, 9, 8, 6,
    ...                  3, 2], len(hours) // 24)
    >>> counts = pd.Series(usual, index=hours, name="official")
    >>> counts["2016-12-19 20:00":"2016-12-20 13:00"] *= 3
    >>> found = surges(counts)
    >>> row = found.iloc[0]
    >>> print(f"{row.start:%d %b %H:%M} to {row.end:%d %b %H:%M}: x{row.ratio:.1f}")
    19 Dec 20:00 to 20 Dec 13:00: x3.0
    >>> len(surges(pd.Series(usual, index=hours)))  # the evening peaks are not surges
    0
    """
    if not ratio > 1:
        raise ParameterError(f"ratio={ratio!r}; expected a rise greater than 1")
    if threshold is not None and not threshold > 0:
        raise ParameterError(f"threshold={threshold!r}; expected a positive number")
    if not isinstance(window, (int, np.integer)) or window < 3:
        raise ParameterError(f"window={window!r}; expected a whole number of days, at least 3")
    if isinstance(data, pd.Series):
        frame, labels = data.to_frame(), [data.name]
    elif isinstance(data, pd.DataFrame):
        frame, labels = data, list(data.columns)
    else:
        raise ParameterError("surges takes counts per bin: a Series or DataFrame with a "
                             f"DatetimeIndex, not {type(data).__name__}")
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise ParameterError("surges needs a DatetimeIndex (the output of message_volume)")
    bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c].dtype)]
    if bad:
        raise ParameterError(f"surges takes numeric counts; column(s) {bad} are not")
    if not frame.index.is_monotonic_increasing:
        frame = frame.sort_index()
    parts = [_one(frame[col], label, ratio=float(ratio), threshold=threshold,
                  min_ratio=float(min_ratio), min_excess=float(min_excess), window=int(window),
                  seasonal=seasonal)
             for col, label in zip(frame.columns, labels)]
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty(frame.index)
    out = pd.concat(parts, ignore_index=True)
    order = {label: i for i, label in enumerate(labels)}
    out["_order"] = out["series"].map(order)
    out = out.sort_values(["start", "_order"], kind="stable", ignore_index=True)
    return out[COLUMNS]


def _empty(index: pd.DatetimeIndex) -> pd.DataFrame:
    times = pd.Series(pd.DatetimeIndex([], tz=index.tz))
    return pd.DataFrame({"start": times, "end": times, "peak": times,
                         **{c: pd.Series(dtype="float64") for c in
                            ("observed", "expected", "ratio", "excess", "score")},
                         "series": pd.Series(dtype="object")})


def _ns(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The index in nanoseconds (pandas may hold dates in other units), as ``asi8`` is read."""
    return index.as_unit("ns")


def _step(index: pd.DatetimeIndex) -> pd.Timedelta | None:
    index = _ns(index)
    if len(index) < 2:
        return None
    diffs = np.diff(index.asi8)
    step = int(np.median(diffs))
    return pd.Timedelta(step, unit="ns") if step > 0 else None


def expected_counts(series: pd.Series, *, window: int = 28, seasonal: bool = True,
                    exclude=None) -> np.ndarray:
    """The seasonal baseline of :func:`surges`: expected count per bin (NaN in gaps).

    Parameters
    ----------
    series : Series
        Counts per bin on a regular DatetimeIndex.
    window, seasonal
        As in :func:`surges`.
    exclude : array of bool, optional
        Bins to leave out when learning the profile and the level (the surges found in a
        first pass), as if they were gaps; they still get an expected count.

    Returns
    -------
    ndarray
        One expected count per bin of ``series``.

    Examples
    --------
    >>> import pandas as pd
    >>> days = pd.date_range("2016-12-01", periods=21, freq="D", tz="UTC")
    >>> expected_counts(pd.Series([5, 5, 5, 5, 5, 2, 2] * 3, index=days))[:7].round(1).tolist()
    [5.0, 5.0, 5.0, 5.0, 5.0, 2.0, 2.0]
    """
    index = _ns(series.index)
    x = series.to_numpy(dtype="float64", na_value=np.nan)
    step = _step(index)
    if step is None or not len(x):
        return np.where(np.isnan(x), np.nan, np.nanmean(x) if len(x) else np.nan)
    # Day of each bin in local wall-clock time: the rhythm follows the clock of the index.
    naive = index.tz_localize(None) if index.tz is not None else index
    day_ns = naive.asi8 // _DAY.value
    day = day_ns - day_ns[0]
    n_days = int(day[-1]) + 1
    present = ~np.isnan(x)
    fit = present if exclude is None else present & ~np.asarray(exclude, dtype=bool)
    if step > _DAY:
        # Weeks or months: no rhythm to learn, and too few bins for a past-only level; the
        # median of the nine bins around each (itself included) follows growth and decline.
        level = pd.Series(np.where(fit, x, np.nan)).rolling(
            9, center=True, min_periods=3).median().to_numpy()
        fill = np.nanmedian(np.where(fit, x, np.nan)) if fit.any() else np.nan
        return np.where(present, np.where(np.isnan(level), fill, level), np.nan)
    xs = np.where(fit, x, 0.0)
    totals = np.bincount(day, weights=xs, minlength=n_days)
    cover = np.bincount(day, weights=fit.astype(float), minlength=n_days)
    daily = np.where(cover > 0, totals, np.nan)
    day_weekday = (np.arange(n_days) + day_ns[0] + 3) % 7  # 1 Jan 1970 was a Thursday
    profile = None
    if step < _DAY:
        n_phase = max(int(round(_DAY / step)), 1)
        phase = np.clip((naive.asi8 - day_ns * _DAY.value) // step.value, 0, n_phase - 1)
        # A daily profile needs days to learn from: from one or two, a surge would be taken
        # for the shape of the day.
        profile = _day_profile(xs, fit, phase, n_phase, seasonal and n_days >= 7)
        # Days seen only in part (gaps, the first and last day of a series): the total the
        # whole day would have had, from the profile of the bins seen.
        seen = np.bincount(day, weights=np.where(fit, profile[phase], 0.0),
                           minlength=n_days)
        with np.errstate(invalid="ignore", divide="ignore"):
            daily = np.where(seen > 0.2, totals / np.maximum(seen, 1e-9), np.nan)
    week = _week_factors(daily, day_weekday, window) if (seasonal and n_days >= 14) \
        else np.ones(7)
    level = _running_level(daily / week[day_weekday], window)
    day_expected = level * week[day_weekday]
    if profile is None:
        out = day_expected[day]
    else:
        out = day_expected[day] * profile[phase]
    return np.where(present, out, np.nan)


def _day_profile(xs, present, phase, n_phase, seasonal) -> np.ndarray:
    """Share of a day's messages in each bin of the day (sums to 1)."""
    flat = np.full(n_phase, 1.0 / n_phase)
    if not seasonal:
        return flat
    sums = np.bincount(phase, weights=xs, minlength=n_phase)
    seen = np.bincount(phase, weights=present.astype(float), minlength=n_phase)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(seen > 0, sums / seen, 0.0)
    total = rate.sum()
    if total <= 0:
        return flat
    share = rate / total
    if n_phase > 48:
        # Fine bins (minutes) are noisy one by one: smooth over about half an hour, circularly.
        k = max(3, n_phase // 48) | 1
        padded = np.concatenate([share[-k:], share, share[:k]])
        share = np.convolve(padded, np.ones(k) / k, mode="same")[k:-k]
    # Pull towards flat by the equivalent of a few messages per bin, so an hour that was
    # empty in a sparse series is expected to be quiet, not impossible.
    messages = sums.sum()
    weight = messages / (messages + 2.0 * n_phase)
    return weight * share + (1 - weight) * flat


def _week_factors(daily: np.ndarray, day_weekday: np.ndarray, window: int) -> np.ndarray:
    level = _running_level(daily, window)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(level > 0, daily / level, np.nan)
    factors = np.ones(7)
    for d in range(7):
        vals = rel[(day_weekday == d) & ~np.isnan(rel)]
        if len(vals) >= 2:
            factors[d] = np.median(vals)
    factors = np.where(factors > 0, factors, 1.0)
    return factors / factors.mean()


def _running_level(values: np.ndarray, window: int) -> np.ndarray:
    """Median of the ``window`` values before each position (the first ``window`` for the
    first positions), ignoring NaN."""
    n = len(values)
    if n == 0:
        return values
    head = np.nanmedian(values[:window]) if np.any(~np.isnan(values[:window])) else np.nan
    if n <= window:
        return np.full(n, head)
    past = pd.Series(values).shift(1).rolling(window, min_periods=max(3, window // 4)).median()
    level = past.to_numpy(copy=True)
    level[:window] = np.where(np.isnan(level[:window]), head, level[:window])
    # A long gap leaves no past: carry the last known level over it.
    return pd.Series(level).ffill().fillna(head).to_numpy()


def _excess_variance(x: np.ndarray, mu: np.ndarray) -> float:
    """``k`` of the negative-binomial variance ``mu + k mu^2`` of single bins, estimated
    robustly (median absolute deviations, by level) so that surges do not inflate it."""
    ok = ~np.isnan(x) & ~np.isnan(mu) & (mu >= 5)
    if ok.sum() < 50:
        return 0.0
    m, r = mu[ok], (x[ok] - mu[ok]) / np.sqrt(mu[ok])
    edges = np.quantile(m, np.linspace(0, 1, 6))
    ks = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (m >= lo) & (m <= hi)
        if inside.sum() >= 20:
            spread = np.median(np.abs(r[inside] - np.median(r[inside]))) * 1.4826
            ks.append((spread ** 2 - 1) / np.mean(m[inside]))
    return float(max(0.0, np.median(ks))) if ks else 0.0


def _dispersion(x: np.ndarray, var: np.ndarray, mu: np.ndarray,
                index: pd.DatetimeIndex) -> float:
    """What is left of the variance of daily totals beyond the bins' own (at least 1): bins
    of one day move together (a busy day is busy all day), which single bins cannot show."""
    index = _ns(index)
    naive = index.tz_localize(None) if index.tz is not None else index
    day = naive.asi8 // _DAY.value
    day = day - day[0]
    ok = ~np.isnan(x) & ~np.isnan(mu)
    if not ok.any():
        return 1.0
    obs = np.bincount(day[ok], weights=x[ok])
    exp = np.bincount(day[ok], weights=mu[ok])
    spread = np.bincount(day[ok], weights=var[ok])
    keep = exp > 0.5
    if keep.sum() < 7:
        return 1.0
    r = (obs[keep] - exp[keep]) / np.sqrt(spread[keep])
    mad = np.median(np.abs(r - np.median(r))) * 1.4826
    return float(max(1.0, mad ** 2))


def _scan(gain: np.ndarray, h: float) -> list[tuple[int, int, float]]:
    """Page's CUSUM of ``gain`` (the running sum less its running minimum), one surge at a
    time: ``(first bin, last bin, height)`` of each excursion that reaches ``h``.

    A surge ends at the CUSUM's highest point before it falls ``h`` below it (or back to
    zero), and the scan restarts after it: after a large surge the CUSUM would take weeks to
    drain, and a second surge in that time would otherwise be merged into the first."""
    n = len(gain)
    level = np.concatenate([[0.0], np.cumsum(gain)])
    # Where the CUSUM of the whole series is zero a restarted one is zero too (it is never
    # higher), so a restart only needs recomputing up to the next of these zeros.
    whole = level - np.minimum.accumulate(level)
    zeros, hits = np.flatnonzero(whole <= 0), np.flatnonzero(whole >= h)
    found = []
    pos, synced = 0, True
    while pos < n:
        if synced:  # the restart has met the whole series' CUSUM: jump to its next surge
            i = np.searchsorted(hits, pos + 1)
            if i == len(hits):
                break
            pos = max(pos, int(zeros[np.searchsorted(zeros, hits[i]) - 1]))
        j = np.searchsorted(zeros, pos + 1)
        end = int(zeros[j]) if j < len(zeros) else n
        local = np.concatenate([[0.0], np.cumsum(gain[pos:end])])
        cusum = local - np.minimum.accumulate(local)
        hit = np.flatnonzero(cusum >= h)
        if not len(hit):
            pos, synced = end, True
            continue
        t = int(hit[0])
        after = cusum[t:]
        stop = np.flatnonzero((np.maximum.accumulate(after) - after >= h) | (after <= 0))
        top = t + int(np.argmax(after[:stop[0] if len(stop) else len(after)]))
        # cusum[k] sums the bins pos .. pos + k - 1: its last zero before the top is the onset.
        zero = int(np.flatnonzero(cusum[:top + 1] <= 0)[-1])
        found.append((pos + zero, pos + top - 1, float(cusum[top])))
        pos, synced = pos + top, False
    return found


def _refine(x: np.ndarray, mu: np.ndarray, offset: int) -> tuple[int, int]:
    """Onset and end of a surge re-estimated at its own ratio.

    The scan is tuned to ``ratio``; a surge several times larger makes the ordinary bins
    around it look cheaper than they are, and the scan starts it a bin or two early (more so
    at high counts, where noise is larger). At the surge's own ratio the maximum-likelihood
    segment inside the scan's is tighter."""
    rate = max(x.sum() / max(mu.sum(), 1e-9), 1.2)
    c = np.concatenate([[0.0], np.cumsum(x * np.log(rate) - mu * (rate - 1))])
    lo = int(np.argmin(c))  # the segment is lo .. hi - 1, hi > lo maximising c[hi] - c[lo]
    hi = lo + 1 + int(np.argmax(c[lo + 1:])) if lo < len(x) else len(x)
    return offset + lo, offset + max(hi, lo + 1) - 1


def _pass(series, x, exclude, ratio, h, min_ratio, min_excess, window, seasonal) -> list:
    """One scan against the baseline learned without ``exclude``: rows of the surges."""
    mu = expected_counts(series, window=window, seasonal=seasonal, exclude=exclude)
    valid = ~np.isnan(x) & ~np.isnan(mu)
    mu_c = np.where(valid, np.maximum(mu, 1e-3), 0.0)
    xs = np.where(valid, x, 0.0)
    fit = valid if exclude is None else valid & ~exclude
    k = _excess_variance(np.where(fit, x, np.nan), mu)
    weight = 1.0 / (1.0 + k * mu_c)
    phi = _dispersion(np.where(fit, x, np.nan), mu_c * (1.0 + k * mu_c), mu, series.index)
    # Quasi-likelihood: each bin's Poisson evidence divided by its excess variance.
    gain = (xs * np.log(ratio) - mu_c * (ratio - 1)) * weight / phi
    rows = []
    for first, last, score in _scan(gain, h):
        first, last = _refine(xs[first:last + 1], mu_c[first:last + 1], first)
        obs = float(xs[first:last + 1].sum())
        exp = float(mu_c[first:last + 1].sum())
        if obs - exp < min_excess or obs < min_ratio * exp:
            continue
        peak = first + int(np.argmax(xs[first:last + 1] - mu_c[first:last + 1]))
        rows.append((first, last, peak, obs, exp, score))
    return rows


def _one(series: pd.Series, label, *, ratio, threshold, min_ratio, min_excess, window,
         seasonal) -> pd.DataFrame:
    x = series.to_numpy(dtype="float64", na_value=np.nan)
    if len(x) < 3 or np.nanmax(x, initial=0) <= 0:
        return _empty(series.index)
    if np.nanmin(x) < 0:
        raise ParameterError(f"surges takes counts; {label!r} has negative values")
    h = threshold if threshold is not None else np.log(max(len(x), 2)) + 6.0
    rows = _pass(series, x, None, ratio, h, min_ratio, min_excess, window, seasonal)
    if rows:
        # Learn the baseline again without the surges found, so that they do not raise the
        # expected volume of their own hours (nor of the days after them).
        inside = np.zeros(len(x), dtype=bool)
        for first, last, *_ in rows:
            inside[first:last + 1] = True
        rows = _pass(series, x, inside, ratio, h, min_ratio, min_excess, window, seasonal)
    if not rows:
        return _empty(series.index)
    first, last, peak, obs, exp, score = map(np.array, zip(*rows))
    index = series.index
    with np.errstate(divide="ignore"):
        ratio_col = np.where(exp > 0, obs / np.maximum(exp, 1e-12), np.inf)
    return pd.DataFrame({
        "start": index[first], "end": index[last], "peak": index[peak],
        "observed": obs, "expected": exp, "ratio": ratio_col, "excess": obs - exp,
        "score": score, "series": [label] * len(rows)})


SURGE_AFTER_COLUMNS = ["surge_start", "surge_delay", "surge_peak", "surge_end", "surge_hours",
                       "surge_ratio", "surge_excess"]


def surge_after(volume: pd.DataFrame, when: pd.Timestamp, *, within: pd.Timedelta,
                **options) -> pd.DataFrame:
    """The first surge of each column of ``volume`` that is under way at ``when`` or starts
    in the ``within`` after it: one row per column (in column order), ``surge_*`` columns
    (see :data:`SURGE_AFTER_COLUMNS`), missing where there is none.

    ``surge_delay`` is the surge's first bin start less ``when`` (negative by less than a
    bin when the surge starts in the bin holding ``when``); ``surge_hours`` runs from the
    start of the first bin to the end of the last.
    """
    found = surges(volume, **options)
    step = _step(volume.index) or pd.Timedelta(0)
    rows = []
    for col in volume.columns:
        mine = found[(found["series"] == col) & (found["end"] + step > when)
                     & (found["start"] < when + within)]
        if not len(mine):
            rows.append({c: pd.NA for c in SURGE_AFTER_COLUMNS})
            continue
        r = mine.iloc[0]
        rows.append({"surge_start": r["start"], "surge_delay": r["start"] - when,
                     "surge_peak": r["peak"], "surge_end": r["end"],
                     "surge_hours": (r["end"] + step - r["start"]) / pd.Timedelta("1h"),
                     "surge_ratio": r["ratio"], "surge_excess": r["excess"]})
    out = pd.DataFrame(rows, columns=SURGE_AFTER_COLUMNS)
    tz = volume.index.tz
    for c in ("surge_start", "surge_peak", "surge_end"):
        out[c] = pd.to_datetime(out[c], utc=True).dt.tz_convert(tz) if tz else \
            pd.to_datetime(out[c])
    out["surge_delay"] = pd.to_timedelta(out["surge_delay"])
    for c in ("surge_hours", "surge_ratio", "surge_excess"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype("float64")
    return out
