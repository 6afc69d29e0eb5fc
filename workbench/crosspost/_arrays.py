"""Array kernels the cross-posting paths share: a 64-bit mixer, and unique values and pairs
by sorting.

Examples
--------
>>> import numpy as np
>>> unique_pairs(ordered_pairs(np.array([[3, 1], [1, 3], [0, 2]]))).tolist()
[[0, 2], [1, 3]]
"""

from __future__ import annotations

import numpy as np

__all__ = ["sorted_unique", "ordered_pairs", "unique_pairs"]

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a fast, well-spread 64-bit hash of 64-bit keys."""
    z = z ^ (z >> np.uint64(30))
    z = z * _M1
    z = z ^ (z >> np.uint64(27))
    z = z * _M2
    return z ^ (z >> np.uint64(31))


def sorted_unique(values: np.ndarray, *, return_counts: bool = False):
    """``np.unique`` by sorting (numpy's hash-based unique is many times slower on large
    integer arrays)."""
    s = np.sort(values)
    if len(s) == 0:
        return (s, np.zeros(0, np.int64)) if return_counts else s
    first = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    if return_counts:
        return s[first], np.diff(np.r_[first, len(s)])
    return s[first]


def ordered_pairs(pairs: np.ndarray) -> np.ndarray:
    """Each row of an ``(n, 2)`` array smaller first (``np.sort(pairs, axis=1)``, several times
    faster: minimum and maximum of the two columns instead of a sort per row).

    Examples
    --------
    >>> import numpy as np
    >>> ordered_pairs(np.array([[3, 1], [0, 2]])).tolist()
    [[1, 3], [0, 2]]
    """
    return np.stack([np.minimum(pairs[:, 0], pairs[:, 1]),
                     np.maximum(pairs[:, 0], pairs[:, 1])], axis=1)


def unique_pairs(pairs: np.ndarray) -> np.ndarray:
    """Rows of an ``(n, 2)`` array of non-negative ints (each below 2**31), each once, sorted."""
    if len(pairs) == 0:
        return pairs.reshape(0, 2).astype(np.int64)
    key = sorted_unique((pairs[:, 0].astype(np.int64) << 31) | pairs[:, 1].astype(np.int64))
    return np.stack([key >> 31, key & ((1 << 31) - 1)], axis=1)
