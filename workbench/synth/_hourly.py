"""Hourly (or finer) volume with a daily and weekly rhythm and planted surges, with the truth.

What :func:`workbench.timeline.surges` is measured against: counts per bin drawn from a
negative binomial (Poisson with gamma-distributed rates, so messages come in bunches) around
``level x weekday factor x share of the day``, with the rhythms of the fixture world's groups
(busy evenings, a Friday peak and a quiet Sunday, or an office week), and surges of varied size
(1.8 to 5 times the usual volume) and length (3 hours to 10 days) planted at known instants.
Draws come from ``numpy.random.default_rng([seed, 13])``, a stream of its own, so nothing
else in the fixture world moves.

Examples
--------
>>> volume, truth = hourly_volume(1, days=42, n_series=2, surges_per_series=1)
>>> volume.shape, list(truth.columns)
((1008, 2), ['series', 'start', 'end', 'factor', 'bins'])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._profiles import PROFILES

__all__ = ["hourly_volume", "HOURLY_STREAM"]

#: Second element of the seed of this module's random stream (the issue that asked for it).
HOURLY_STREAM = 13
_START = pd.Timestamp("2016-09-05", tz="UTC")  # a Monday


def _rhythm(group: str, per_day: int) -> np.ndarray:
    hours = np.asarray(PROFILES[group].hours, dtype=float)
    share = np.repeat(hours / hours.sum(), max(per_day // 24, 1)) if per_day >= 24 else None
    if share is None:  # coarser than hours: sum the hours of each bin
        share = hours.reshape(per_day, -1).sum(axis=1) / hours.sum()
    return share / share.sum()


def hourly_volume(seed: int = 2016, *, days: int = 90, freq: str = "h", n_series: int = 6,
                  surges_per_series: int = 2, levels=(5.0, 5000.0), dispersion: float = 0.1,
                  factors=(1.8, 5.0), lengths=("3h", "10D"), silent: bool = False,
                  start: pd.Timestamp = _START) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts per bin with a daily and weekly rhythm and planted surges.

    Parameters
    ----------
    seed : int
        Seeds the draws (stream ``[seed, 13]``).
    days : int
        Length of each series.
    freq : str, default "h"
        Bin width dividing a day (``"h"``, ``"5min"``, ``"30min"``, ``"6h"``).
    n_series : int
        Series (columns), alternately with the affiliated and the control groups' rhythm.
    surges_per_series : int
        Surges planted in each series, apart from one another and from the edges (the first
        four weeks are left ordinary, so the baseline has a history).
    levels : (float, float)
        Range of messages per day (drawn log-uniformly per series).
    dispersion : float
        Squared coefficient of variation of the gamma-distributed rates (0 is Poisson).
    factors : (float, float)
        Range of the surge factor (drawn log-uniformly).
    lengths : (str, str)
        Range of surge lengths (drawn log-uniformly, whole bins).
    silent : bool
        Whether the last series, instead of surging, stops posting for good half-way (a
        channel going silent: not a surge).

    Returns
    -------
    (DataFrame, DataFrame)
        The volume (one column per series, ``s0``, ``s1``, ...; a tz-aware index of bin
        starts, like :func:`workbench.timeline.message_volume`) and the truth: one row per
        planted surge with ``series``, ``start`` and ``end`` (labels of its first and last
        bin), ``factor`` and ``bins``.
    """
    rng = np.random.default_rng([seed, HOURLY_STREAM])
    step = pd.tseries.frequencies.to_offset(freq).nanos * pd.Timedelta(1, unit="ns")
    per_day = int(pd.Timedelta("1D") / step)
    index = pd.date_range(start, periods=days * per_day, freq=step)
    n = len(index)
    bin_day = np.arange(n) // per_day
    weekday = index.day_of_week.to_numpy()
    lo_len, hi_len = (max(int(pd.Timedelta(x) / step), 1) for x in lengths)
    columns, truth = {}, []
    history = 28 * per_day
    for s in range(n_series):
        group = "control" if s % 3 == 2 else "official"
        week = np.asarray(PROFILES[group].weekday)
        share = _rhythm(group, per_day)
        level = np.exp(rng.uniform(np.log(levels[0]), np.log(levels[1])))
        # A slow drift of the level (up to +-30 % over the series), as channels grow or tire.
        drift = 1 + rng.uniform(-0.3, 0.3) * bin_day / max(days, 1)
        rate = level * drift * (week[weekday] / week.mean()) * share[np.arange(n) % per_day]
        factor = np.ones(n)
        taken = np.zeros(n, dtype=bool)
        quiet = silent and s == n_series - 1  # goes silent instead of surging
        for _ in range(0 if quiet else surges_per_series):
            for _attempt in range(50):
                length = int(round(np.exp(rng.uniform(np.log(lo_len), np.log(hi_len)))))
                first = int(rng.integers(history, max(history + 1, n - length - per_day)))
                last = first + length - 1
                guard = slice(max(first - 3 * per_day, 0), min(last + 3 * per_day, n))
                if last < n and not taken[guard].any():
                    break
            else:
                continue
            f = float(np.exp(rng.uniform(np.log(factors[0]), np.log(factors[1]))))
            factor[first:last + 1] = f
            taken[first:last + 1] = True
            truth.append({"series": f"s{s}", "start": index[first], "end": index[last],
                          "factor": f, "bins": length})
        rate = rate * factor
        if quiet:
            rate[n // 2:] = 0.0
        mixed = rng.gamma(1 / dispersion, rate * dispersion) if dispersion > 0 else rate
        columns[f"s{s}"] = rng.poisson(mixed).astype("int64")
    volume = pd.DataFrame(columns, index=index)
    volume.index.name = "date"
    table = pd.DataFrame(truth, columns=["series", "start", "end", "factor", "bins"])
    return volume, table.sort_values(["start", "series"], ignore_index=True)
