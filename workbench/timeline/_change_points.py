"""Change points: where a series enters a new regime (a lasting shift in its level).

The detector minimises a penalised least-squares cost (a Gaussian cost for a change in mean)
on a variance-stabilised copy of the series, and reports the first index label of every new
segment.

Why these choices
-----------------
* **Counts are variance-stabilised.** Daily message counts are Poisson-like: their variance
  grows with their level, so a plain Gaussian cost would see "changes" wherever volume is high.
  Non-negative integer series go through the Anscombe transform ``2 * sqrt(x + 3/8)``, whose
  variance is close to constant; any other numeric series is used as it is.
* **The noise level and its memory come from the data.** For block sizes ``b`` from 1 to
  about ``n ** (1/3)`` (the usual batch-means rate), the variance of the difference of two
  adjacent block sums gives ``V(b)``, the noise variance per observation at that scale: for
  independent noise ``V(b)`` is flat, for autocorrelated noise it grows to the long-run
  variance, and a seasonal swing (a weekly cycle in daily counts, months in a year) makes it
  peak near half the period. Differences cancel the level, and a 25 % trimmed mean of their
  squares keeps the few that straddle a change (and outliers) out of the estimate; unlike the
  median absolute deviation it copes with the many ties of sparse counts. Overdispersion,
  drifts and cycles therefore raise the noise level instead of producing false changes.
* **The penalty is BIC-like, priced at the largest ``V(b)``.** A change adds two parameters
  (its position and the new level), so each costs ``2 * log(n)`` times ``max_b V(b)``: a
  regime must stand out from the noise at every scale up to the block size, so runs of high
  or low values that the noise's memory or a cycle makes by chance are not read as regimes.
* **Search.** Candidate positions are the best single split of every seeded interval
  (Kovács, Li, Bühlmann and Munk 2023: intervals halving in length, overlapping by half);
  the optimal segmentation over those candidates is found exactly by dynamic programming,
  then re-run with every position within two minimum segment lengths of a chosen change, and
  each change is finally moved to its best position between its neighbours. On the annotated
  TCPD series and on simulated counts this reaches the optimum of the exact PELT search (in
  ``ruptures``) in almost every case, at O(n log n) cost, so that ten thousand channels times
  five years of days take seconds.

References: G. J. J. van den Burg and C. K. I. Williams (2020), *An Evaluation of Change Point
Detection Algorithms*: the benchmark this default is scored on (``tests/test_change_points.py``).
"""

from __future__ import annotations

from math import log
from statistics import NormalDist

import numpy as np
import pandas as pd

from ..errors import ParameterError

__all__ = ["change_points", "regimes"]

_TRIM = 0.25
_BLOCKS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
_BATCH = 128
_Q = NormalDist().inv_cdf(1 - _TRIM / 2)
# E[d^2 | |d| below its (1 - trim) quantile] / Var(d) for Gaussian d.
_TRIM_FACTOR = 1 - 2 * _Q * NormalDist().pdf(_Q) / (1 - _TRIM)
_SEED_CACHE: dict[tuple[int, int], list] = {}


def change_points(series, *, transform: str = "auto", penalty="bic", min_size: int = 3,
                  max_block: int | None = None):
    """Where a series starts a new regime: the first index label of each new segment.

    Parameters
    ----------
    series : Series or DataFrame
        Any numeric series (counts or measurements) in time order; any index. Missing values
        are skipped (a change is reported at the first present value of the new regime). A
        DatetimeIndex is sorted first. A DataFrame gives one result per column.
    transform : {"auto", "anscombe", "none"}, default "auto"
        ``"auto"`` applies the Anscombe transform when every value is a non-negative integer
        (counts), else none.
    penalty : "bic" or float, default "bic"
        Cost of one change in units of the noise variance (the largest ``V(b)``, see the
        module notes); ``"bic"`` is ``2 * log(n)``. Larger values find fewer changes.
    min_size : int, default 3
        Shortest regime, in observations (three days of daily counts).
    max_block : int, optional
        Longest block (in observations) over which the noise variance is measured; default
        ``n ** (1/3)`` (12 for five years of days). ``1`` assumes independent noise, which
        finds more changes on smooth, autocorrelated or seasonal series.

    Returns
    -------
    Index or dict
        Labels from ``series.index`` (a DatetimeIndex when the series has one), never
        positions; empty when there is no change. For a DataFrame, a dict of column -> Index.

    Examples
    --------
    >>> import pandas as pd
    >>> days = pd.date_range("2016-12-01", periods=40, freq="D", tz="UTC")
    >>> counts = pd.Series([3, 4, 2, 3, 5, 3, 4, 2, 3, 4] * 2 + [12, 15, 11, 14, 13] * 4,
    ...                    index=days)
    >>> change_points(counts).strftime("%Y-%m-%d").tolist()
    ['2016-12-21']
    >>> change_points(pd.Series([1.0, 1.1, None, 0.9, 1.0, 5.2, 4.9, 5.1, 5.0],
    ...                         index=list("abcdefghi"))).tolist()
    ['f']
    """
    if transform not in ("auto", "anscombe", "none"):
        raise ParameterError(f"transform={transform!r}; expected 'auto', 'anscombe' or 'none'")
    if not isinstance(min_size, (int, np.integer)) or min_size < 1:
        raise ParameterError(f"min_size={min_size!r}; expected a positive integer")
    if max_block is not None and (not isinstance(max_block, (int, np.integer)) or max_block < 1):
        raise ParameterError(f"max_block={max_block!r}; expected a positive integer")
    pen = _penalty_value(penalty)
    options = dict(transform=transform, penalty=pen, min_size=int(min_size), max_block=max_block)
    if isinstance(series, pd.DataFrame):
        return _frame_change_points(series, **options)
    if not isinstance(series, pd.Series):
        series = pd.Series(series)
    if isinstance(series.index, pd.DatetimeIndex) and not series.index.is_monotonic_increasing:
        series = series.sort_index()
    values = _as_float(series)
    keep = np.flatnonzero(~np.isnan(values))
    positions = _segment_columns(values[keep][:, None], **options)[0]
    return series.index[keep[positions]]


def regimes(series, found=None, **options) -> pd.DataFrame:
    """The regimes between change points, with their level: a table to read change points by.

    Parameters
    ----------
    series : Series or DataFrame
        As for :func:`change_points` (a DataFrame gives every column).
    found : Index, or dict of column -> Index, optional
        Change points already found (the output of :func:`change_points`); computed with
        ``options`` when omitted.
    **options
        Passed to :func:`change_points`.

    Returns
    -------
    DataFrame
        One row per regime: ``series`` (the Series name or column), ``start`` and ``end``
        (first and last index label), ``length`` (observations present), ``mean`` and
        ``ratio`` (mean over the previous regime's mean; NaN for the first).

    Examples
    --------
    >>> import pandas as pd
    >>> counts = pd.Series([3, 4, 2, 3, 5, 3, 4, 2, 3, 4] * 2 + [12, 15, 11, 14, 13] * 4,
    ...                    name="official")
    >>> regimes(counts)[["series", "start", "end", "mean", "ratio"]]
         series  start  end  mean  ratio
    0  official      0   19   3.3    NaN
    1  official     20   39  13.0  3.939394
    """
    if isinstance(series, pd.DataFrame):
        found = change_points(series, **options) if found is None else found
        parts = [regimes(series[col], found[col]) for col in series.columns]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
            columns=["series", "start", "end", "length", "mean", "ratio"])
    if not isinstance(series, pd.Series):
        series = pd.Series(series)
    if isinstance(series.index, pd.DatetimeIndex) and not series.index.is_monotonic_increasing:
        series = series.sort_index()
    found = change_points(series, **options) if found is None else found
    values = _as_float(series)
    positions = series.index.get_indexer(pd.Index(found))
    if (positions < 0).any():
        missing = list(pd.Index(found)[positions < 0][:3])
        raise ParameterError(f"change points {missing} are not labels of the series' index")
    if not len(series):  # nothing to segment (e.g. no messages in the range): no regime
        return pd.DataFrame(columns=["series", "start", "end", "length", "mean", "ratio"])
    cuts = [0, *sorted(set(positions.tolist()) - {0}), len(series)]
    rows = []
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        part = values[lo:hi]
        rows.append({"series": series.name, "start": series.index[lo],
                     "end": series.index[hi - 1], "length": int(np.sum(~np.isnan(part))),
                     "mean": float(np.nanmean(part)) if np.any(~np.isnan(part)) else np.nan})
    table = pd.DataFrame(rows)
    table["ratio"] = table["mean"] / table["mean"].shift(1)
    return table


def _frame_change_points(frame: pd.DataFrame, **options) -> dict:
    """One result per column; columns without missing values are processed together."""
    if isinstance(frame.index, pd.DatetimeIndex) and not frame.index.is_monotonic_increasing:
        frame = frame.sort_index()
    values = np.column_stack([_as_float(frame.iloc[:, j]) for j in range(frame.shape[1])]) \
        if frame.shape[1] else np.empty((len(frame), 0))
    complete = ~np.isnan(values).any(axis=0)
    found: dict = {}
    dense = np.flatnonzero(complete)
    for lo in range(0, len(dense), _BATCH):
        cols = dense[lo:lo + _BATCH]
        for j, positions in zip(cols, _segment_columns(values[:, cols], **options)):
            found[j] = frame.index[positions]
    for j in np.flatnonzero(~complete):
        keep = np.flatnonzero(~np.isnan(values[:, j]))
        found[j] = frame.index[keep[_segment_columns(values[keep, j][:, None], **options)[0]]]
    return {col: found[j] for j, col in enumerate(frame.columns)}


def _penalty_value(penalty) -> float | None:
    """None for "bic" (2 log n, depends on n); else the number given."""
    if isinstance(penalty, str) and penalty == "bic":
        return None
    try:
        pen = float(penalty)
    except (TypeError, ValueError):
        raise ParameterError(f"penalty={penalty!r}; expected 'bic' or a number") from None
    if not pen > 0:
        raise ParameterError(f"penalty={penalty!r}; expected a positive number")
    return pen


def _as_float(series: pd.Series) -> np.ndarray:
    if series.dtype == bool or isinstance(series.dtype, pd.BooleanDtype):
        series = series.astype("Float64")
    if not (pd.api.types.is_numeric_dtype(series.dtype)):
        raise ParameterError(f"change_points needs a numeric series; got dtype {series.dtype}"
                             f" for {series.name!r}")
    values = np.asarray(series.to_numpy(dtype="float64", na_value=np.nan), dtype="float64")
    if np.isinf(values).any():
        raise ParameterError(f"series {series.name!r} holds infinite values at positions "
                             f"{np.flatnonzero(np.isinf(values))[:5].tolist()}")
    return values


def _segment_columns(y: np.ndarray, *, transform: str, penalty: float | None, min_size: int,
                     max_block: int | None) -> list[np.ndarray]:
    """Positions (rows of ``y``, shape n x columns, no NaN) where each column's new segments
    start."""
    n, width = y.shape
    empty = np.array([], dtype=np.intp)
    if n < 2 * min_size or width == 0:
        return [empty] * width
    counts = np.all(y >= 0, axis=0) & np.all(y == np.floor(y), axis=0)
    if transform == "anscombe":
        if not np.all(y >= 0):
            raise ParameterError("transform='anscombe' needs non-negative values")
        counts[:] = True
    elif transform == "none":
        counts[:] = False
    y = np.where(counts, 2.0 * np.sqrt(np.abs(y) + 0.375), y)
    lrv = _long_run_variance(y, max_block)
    pen = 2.0 * log(n) if penalty is None else penalty
    ok = lrv > 0
    z = (y - np.median(y, axis=0)) / np.sqrt(np.where(ok, lrv, 1.0))
    s1 = np.zeros((n + 1, width))
    np.cumsum(z, axis=0, out=s1[1:])
    s2 = np.zeros((n + 1, width))
    np.cumsum(z * z, axis=0, out=s2[1:])
    candidates = _candidates(s1, pen, min_size)
    return [np.asarray(_segment(s1[:, j], s2[:, j], candidates[j], pen, min_size), np.intp)
            if ok[j] else empty for j in range(width)]


def _trimmed_variance(d: np.ndarray) -> np.ndarray:
    """Variance of zero-mean noise per column of ``d``, ignoring the largest quarter of each
    column in absolute value."""
    d = np.abs(d)
    if len(d) < 4:
        return np.mean(d * d, axis=0)
    k = max(1, int(len(d) * (1 - _TRIM)))
    part = np.partition(d, k - 1, axis=0)[:k]
    return np.mean(part * part, axis=0) / _TRIM_FACTOR


def _block_sizes(n: int, max_block: int | None) -> list[int]:
    top = max(1, int(round(n ** (1 / 3)))) if max_block is None else int(max_block)
    return [b for b in _BLOCKS if b <= top] or [1]


def _long_run_variance(y: np.ndarray, max_block: int | None) -> np.ndarray:
    """Per column, the largest per-observation variance of block sums over the block sizes
    considered.

    For a block size ``b``, ``D_t`` is the difference of the sums of two adjacent blocks
    starting at ``t``; its variance is ``2 b V(b)`` where ``V(b)`` is the variance per
    observation of a block sum (``V(1)`` the noise variance; ``V(b)`` tends to the long-run
    variance for autocorrelated noise and peaks near half the period of a seasonal swing).
    Differences cancel the level, and trimming discards the few ``D_t`` that straddle a change.
    """
    n = len(y)
    s = np.zeros((n + 1, y.shape[1]))
    np.cumsum(y, axis=0, out=s[1:])
    best = np.zeros(y.shape[1])
    for b in _block_sizes(n, max_block):
        if n - 2 * b + 1 < (2 if b == 1 else 8):
            break
        d = s[2 * b:] - 2 * s[b:n + 1 - b] + s[:n + 1 - 2 * b]
        v = _trimmed_variance(d)
        # More than three quarters ties (very sparse counts): use every difference.
        v = np.where(v > 0, v, np.mean(d * d, axis=0))
        best = np.maximum(best, v / (2 * b))
    return best


def _seeded_intervals(n: int, m: int) -> list:
    """Seeded intervals of lengths n, n/2, n/4, ... (>= 2m), each level overlapping by half,
    with every admissible split offset precomputed (cached per (n, m))."""
    key = (n, m)
    if key not in _SEED_CACHE:
        levels = []
        k, length = 0, n
        while length >= 2 * m:
            count = 2 ** (k + 1) - 1
            starts = (np.unique(np.round(np.linspace(0, n - length, count)).astype(np.intp))
                      if count > 1 else np.zeros(1, dtype=np.intp))
            split = np.arange(m, length - m + 1)
            left, right = split.astype(float), (length - split).astype(float)
            levels.append((length, starts, starts[:, None] + split[None, :],
                           left * right * length, left, right))
            k += 1
            length = int(n * 0.5 ** k)
        if len(_SEED_CACHE) > 64:
            _SEED_CACHE.clear()
        _SEED_CACHE[key] = levels
    return _SEED_CACHE[key]


def _optimal_over(s1: np.ndarray, s2: np.ndarray, points: np.ndarray, pen: float,
                  m: int) -> list[int]:
    """Exact penalised least-squares segmentation with breaks restricted to ``points``
    (which start with 0 and end with n)."""
    a, b = points[:, None], points[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        cost = (s2[b] - s2[a]) - (s1[b] - s1[a]) ** 2 / (b - a)
    cost[(b - a) < m] = np.inf
    cost += pen
    total = np.empty(len(points))
    total[0] = -pen
    last = np.zeros(len(points), dtype=np.intp)
    for j in range(1, len(points)):
        v = total[:j] + cost[:j, j]
        i = int(v.argmin())
        total[j], last[j] = v[i], i
    out, j = [], last[-1]
    while j > 0:
        out.append(int(points[j]))
        j = last[j]
    return out[::-1]


def _candidates(s1: np.ndarray, pen: float, m: int) -> list[np.ndarray]:
    """Per column of the cumulative sums ``s1`` ((n + 1) x columns), the best split of every
    seeded interval whose gain reaches half the penalty."""
    n, width = s1.shape[0] - 1, s1.shape[1]
    found: list[list[np.ndarray]] = [[] for _ in range(width)]
    for length, starts, pos, denom, left, right in _seeded_intervals(n, m):
        sum_left = s1[pos] - s1[starts][:, None, :]
        total = (s1[starts + length] - s1[starts])[:, None, :]
        gain = (sum_left * right[None, :, None] - (total - sum_left) * left[None, :, None]) ** 2
        gain /= denom[None, :, None]
        best = gain.argmax(axis=1)                                  # intervals x columns
        value = np.take_along_axis(gain, best[:, None, :], axis=1)[:, 0, :]
        where = pos[np.arange(len(starts))[:, None], best]
        # A change in the optimum gains at least `pen` over merging its two neighbours;
        # half of that leaves room for seeded intervals that only approximate them.
        keep = value >= 0.5 * pen
        for j in np.flatnonzero(keep.any(axis=0)):
            found[j].append(where[keep[:, j], j])
    return [np.unique(np.concatenate(f)) if f else np.array([], dtype=np.intp) for f in found]


def _segment(s1: np.ndarray, s2: np.ndarray, candidates: np.ndarray, pen: float,
             m: int) -> list[int]:
    n = len(s1) - 1
    ends = np.array([n])
    cps = _optimal_over(s1, s2, np.concatenate([[0], candidates, ends]), pen, m)
    if cps:
        near = (np.asarray(cps)[:, None] + np.arange(-2 * m, 2 * m + 1)[None, :]).ravel()
        near = near[(near >= m) & (near <= n - m)]
        candidates = np.unique(np.concatenate([candidates, near]))
        cps = _optimal_over(s1, s2, np.concatenate([[0], candidates, ends]), pen, m)
    return _refine(s1, cps, n, m)


def _search(z: np.ndarray, pen: float, m: int) -> list[int]:
    """The penalised least-squares segmentation of one standardised series ``z``."""
    s1 = np.concatenate([[0.0], np.cumsum(z)])[:, None]
    s2 = np.concatenate([[0.0], np.cumsum(z * z)])[:, None]
    return _segment(s1[:, 0], s2[:, 0], _candidates(s1, pen, m)[0], pen, m)


def _refine(s1: np.ndarray, cps: list[int], n: int, m: int) -> list[int]:
    """Move each change to its best position between its neighbours until none moves."""
    bounds = [0, *cps, n]
    for _ in range(5):
        moved = False
        for q in range(1, len(bounds) - 1):
            lo, hi = bounds[q - 1], bounds[q + 1]
            split = np.arange(lo + m, hi - m + 1)
            left, right = s1[split] - s1[lo], s1[hi] - s1[split]
            best = int(split[np.argmax(left * left / (split - lo) + right * right / (hi - split))])
            if best != bounds[q]:
                bounds[q], moved = best, True
        if not moved:
            break
    return bounds[1:-1]
