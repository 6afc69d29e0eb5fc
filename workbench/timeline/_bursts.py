"""Kleinberg's burst detection, batched (counts per bin) and gap-based (timestamps).

A burst is a stretch where events arrive faster than usual. Kleinberg (2002, "Bursty and
hierarchical structure in streams") models the stream as a hidden automaton whose state ``i``
emits at ``s**i`` times the base rate; moving up one state costs ``gamma * log(n)`` and moving
down is free. The optimal state sequence (Viterbi, exact) marks the bursts: every maximal run
at state ``>= level`` is a burst of that level, so bursts nest.

* **Batched, with totals** (the "enumerating bursts" model of section 4): bin ``t`` holds
  ``r_t`` relevant messages out of ``d_t``; state ``i`` has proportion ``p_i = p_0 * s**i``
  (``p_0 = sum r / sum d``, states with ``p_i >= 1`` do not exist) and costs the binomial
  ``-log P(r_t | d_t, p_i)``.
* **Batched, counts only**: without totals the same automaton emits Poisson counts with rate
  ``alpha_i = mean(r) * s**i`` per bin, the discrete-time form of the gap model below.
* **Gap-based** (section 2): gaps ``x`` between consecutive timestamps are exponential with
  rate ``alpha_i = s**i / mean gap``.

The weight of a burst of level ``l`` over bins ``I`` is Kleinberg's
``sum over I of (cost(l - 1) - cost(l))``: how much better the burst explains its bins.

Written here because the packaged implementations were not optimal or did not run on NumPy 2.
"""

from __future__ import annotations

from math import ceil, log

import numpy as np
import pandas as pd

from ..errors import ParameterError

__all__ = ["bursts"]

COLUMNS = ["start", "end", "level", "weight", "series"]
_CHUNK = 2048


def bursts(data, *, s: float = 2.0, gamma: float = 1.0, totals=None,
           max_level: int | None = None) -> pd.DataFrame:
    """Kleinberg bursts in counts per bin, or in a stream of timestamps.

    Parameters
    ----------
    data : Series, DataFrame, DatetimeIndex or sequence of timestamps
        Counts per bin (a Series indexed by bin, e.g. a column of
        :func:`message_volume`; a DataFrame gives every column), or event times (a
        DatetimeIndex, a datetime Series, or a list of timestamps) for the gap-based model.
        Missing counts carry no information.
    s : float, default 2.0
        Rate ratio between consecutive states (> 1).
    gamma : float, default 1.0
        Cost of moving up one state, in units of ``log(n)``; larger means fewer bursts.
    totals : Series or DataFrame, optional
        Messages of any kind per bin (same index as ``data``): the binomial model of the
        share ``data / totals``. Without it, counts are modelled as Poisson.
    max_level : int, optional
        Highest burst level considered (default: as high as the data can support).

    Returns
    -------
    DataFrame
        One row per burst: ``start`` and ``end`` (labels of the first and last bin, or the
        first and last timestamp), ``level`` (1 = lowest), ``weight`` and ``series`` (the
        Series name or DataFrame column). Sorted by series, start and level.

    Examples
    --------
    >>> import pandas as pd
    >>> per_day = [2, 3, 2, 2, 3, 2, 2, 3, 2, 2, 7, 8, 7, 16, 15, 7, 2, 3, 2, 2]
    >>> days = pd.date_range("2016-12-01", periods=len(per_day), freq="D", tz="UTC")
    >>> found = bursts(pd.Series(per_day, index=days, name="official"))
    >>> for row in found.itertuples():
    ...     print(f"{row.start:%d %b} to {row.end:%d %b}: level {row.level}")
    11 Dec to 16 Dec: level 1
    14 Dec to 15 Dec: level 2
    """
    if not s > 1:
        raise ParameterError(f"s={s!r}; expected a rate ratio greater than 1")
    if not gamma > 0:
        raise ParameterError(f"gamma={gamma!r}; expected a positive number")
    if max_level is not None and (not isinstance(max_level, (int, np.integer)) or max_level < 1):
        raise ParameterError(f"max_level={max_level!r}; expected a positive integer")
    if _is_timestamps(data):
        return _gap_bursts(data, s=s, gamma=gamma, max_level=max_level)
    frame = data.to_frame() if isinstance(data, pd.Series) else data
    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame({None: np.asarray(data)})
    labels = [data.name] if isinstance(data, pd.Series) else list(frame.columns)
    counts = _numeric(frame, "data")
    if totals is not None:
        tot = totals.reindex(frame.index) if hasattr(totals, "reindex") else totals
        tot = _numeric(tot if isinstance(tot, pd.DataFrame) else pd.DataFrame(
            {c: np.asarray(tot, dtype=float) for c in range(counts.shape[1])}), "totals")
        if tot.shape != counts.shape:
            raise ParameterError(f"totals has shape {tot.shape}; expected {counts.shape}")
        if np.any(counts > tot):
            raise ParameterError("totals must be at least the counts in every bin")
    else:
        tot = None
    if counts.shape[0] == 0:
        return _table([])
    parts = []
    for lo in range(0, counts.shape[1], _CHUNK):
        hi = min(lo + _CHUNK, counts.shape[1])
        r = counts[:, lo:hi].T
        cost = (_binomial_costs(r, tot[:, lo:hi].T, s, max_level) if tot is not None
                else _poisson_costs(r, s, max_level))
        states = _viterbi(cost, gamma * log(max(r.shape[1], 2)))
        parts.append(_runs(states, cost, frame.index, frame.index, labels[lo:hi]))
    return _table(parts)


def _is_timestamps(data) -> bool:
    if isinstance(data, pd.DatetimeIndex):
        return True
    if isinstance(data, pd.Series):
        return pd.api.types.is_datetime64_any_dtype(data.dtype)
    if isinstance(data, (list, tuple, np.ndarray)) and len(data):
        return isinstance(data[0], (pd.Timestamp, np.datetime64)) or hasattr(data[0], "year")
    return False


def _numeric(frame: pd.DataFrame, name: str) -> np.ndarray:
    bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c].dtype)]
    if bad:
        raise ParameterError(f"{name} must be numeric counts; column(s) {bad} are not")
    values = frame.astype("float64").to_numpy(dtype="float64", na_value=np.nan)
    if np.nanmin(values, initial=0) < 0:
        raise ParameterError(f"{name} must be non-negative counts")
    return values


def _states(top_rate_ratio: float, s: float, max_level: int | None) -> int:
    """Number of states: enough for the largest observed rate (at least two)."""
    k = 2 + max(0, ceil(log(max(top_rate_ratio, 1.0)) / log(s)))
    return min(k, max_level + 1) if max_level is not None else min(k, 64)


def _poisson_costs(r: np.ndarray, s: float, max_level: int | None) -> np.ndarray:
    """Emission costs (series, bin, state): -log Poisson(r; alpha_i), dropping log(r!)."""
    present = ~np.isnan(r)
    with np.errstate(invalid="ignore", divide="ignore"):
        base = np.where(present, r, 0).sum(axis=1) / present.sum(axis=1)
        base = np.where(base > 0, base, np.nan)
        top = np.where(present, r, 0).max(axis=1) / base
    k = _states(float(np.nanmax(top, initial=1.0)), s, max_level)
    alpha = base[:, None] * s ** np.arange(k)[None, :]
    with np.errstate(invalid="ignore"):
        cost = alpha[:, None, :] - r[:, :, None] * np.log(alpha)[:, None, :]
    return np.where(np.isnan(cost), 0.0, cost)


def _binomial_costs(r: np.ndarray, d: np.ndarray, s: float, max_level: int | None) -> np.ndarray:
    """Emission costs: -log Binomial(r; d, p_i), dropping the binomial coefficient."""
    valid = ~(np.isnan(r) | np.isnan(d))
    rr, dd = np.where(valid, r, 0.0), np.where(valid, d, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p0 = rr.sum(axis=1) / dd.sum(axis=1)
    p0 = np.where(p0 > 0, p0, np.nan)
    k = _states(float(np.nanmax(1 / p0, initial=1.0)) / s, s, max_level)
    p = p0[:, None] * s ** np.arange(k)[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        hit = rr[:, :, None] * np.log(p)[:, None, :]
        miss = (dd - rr)[:, :, None] * np.log1p(-np.minimum(p, 1.0))[:, None, :]
    miss = np.where((dd - rr)[:, :, None] > 0, miss, 0.0)
    cost = -(hit + miss)
    # States whose proportion reaches 1 do not exist; a series without any relevant
    # message (p0 undefined) never leaves the base state.
    cost = np.where((p < 1)[:, None, :], cost, np.inf)
    cost[np.isnan(p0), :, 0] = 0.0
    return cost


def _viterbi(cost: np.ndarray, up: float) -> np.ndarray:
    """Optimal state sequences (series, bin) for emission ``cost`` (series, bin, state),
    starting in state 0, paying ``up`` per state climbed and nothing to descend.

    Moving down is free and moving up costs ``(j - i) * up``, so the best way into state ``j``
    is the cheaper of the best state at or above ``j`` (a running minimum from the top) and
    ``j * up`` plus the best ``F_i - i * up`` at or below ``j`` (a running minimum from the
    bottom): O(states) per step instead of O(states^2). The table of best costs is kept and
    the path is recovered backwards by re-deriving each step's best predecessor."""
    n_series, n_bins, k = cost.shape
    # Time-major, state-before-series copies: each step works on contiguous rows of series,
    # and the running minima run over the few states.
    cost = np.ascontiguousarray(cost.transpose(1, 2, 0))
    ramp = (np.arange(k) * up)[:, None]
    table = np.empty((n_bins, k, n_series))
    best = np.full((k, n_series), np.inf)
    best[0] = 0.0
    for t in range(n_bins):
        down = np.minimum.accumulate(best[::-1], axis=0)[::-1]
        climb = np.minimum.accumulate(best - ramp, axis=0) + ramp
        best = table[t] = np.minimum(down, climb) + cost[t]
    states = np.empty((n_series, n_bins), dtype=np.int16)
    state = table[-1].argmin(axis=0) if n_bins else np.zeros(n_series, dtype=np.intp)
    steps = np.arange(k)[:, None]
    for t in range(n_bins - 1, 0, -1):
        states[:, t] = state
        move = np.maximum(state[None, :] - steps, 0) * up
        state = (table[t - 1] + move).argmin(axis=0)
    if n_bins:
        states[:, 0] = state
    return states


def _runs(states: np.ndarray, cost: np.ndarray, starts, ends, labels) -> pd.DataFrame:
    """Every maximal run at state >= level, for each level, as a tidy table."""
    rows = []
    top = int(states.max(initial=0))
    for level in range(1, top + 1):
        above = states >= level
        edges = np.diff(np.pad(above.astype(np.int8), ((0, 0), (1, 1))), axis=1)
        series, first = np.nonzero(edges == 1)
        _, stop = np.nonzero(edges == -1)
        if not len(series):
            continue
        gain = np.cumsum(np.pad(cost[:, :, level - 1] - cost[:, :, level], ((0, 0), (1, 0))),
                         axis=1)
        weight = gain[series, stop] - gain[series, first]
        rows.append(pd.DataFrame({
            "start": starts[first], "end": ends[stop - 1], "level": level,
            "weight": weight, "series": [labels[i] for i in series],
            "_order": series,
        }))
    return pd.concat(rows, ignore_index=True) if rows else None


def _table(parts) -> pd.DataFrame:
    parts = [p for p in parts if p is not None]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
            COLUMNS, ["object", "object", "int64", "float64", "object"])})
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["_order", "start", "level"], kind="stable", ignore_index=True)
    return out[COLUMNS]


def _gap_bursts(data, *, s: float, gamma: float, max_level: int | None) -> pd.DataFrame:
    name = data.name if isinstance(data, (pd.Series, pd.DatetimeIndex)) else None
    times = pd.DatetimeIndex(pd.Series(data).dropna()).sort_values()
    if len(times) < 3:
        return _table([])
    gaps = np.diff(times.asi8).astype("float64") / 1e9
    span = gaps.sum()
    if span <= 0:
        return _table([])
    mean_gap = span / len(gaps)
    positive = gaps[gaps > 0]
    shortest = positive.min() if len(positive) else mean_gap
    # Kleinberg's k = ceil(1 + log_s T + log_s(1 / shortest gap)), in units of the mean gap.
    k = int(ceil(1 + log(span / mean_gap) / log(s) + log(mean_gap / shortest) / log(s)))
    k = max(2, min(k, max_level + 1 if max_level is not None else 64))
    alpha = s ** np.arange(k) / mean_gap
    cost = (alpha[None, :] * gaps[:, None] - np.log(alpha)[None, :])[None]
    states = _viterbi(cost, gamma * log(len(gaps)))
    # A run over gaps t..u covers the events t..u+1.
    return _table([_runs(states, cost, times[:-1], times[1:], [name])])
