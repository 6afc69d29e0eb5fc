"""Compiling hot loops: :func:`compiled`, the one way the workbench compiles a loop with numba.

Examples
--------
>>> import numpy as np
>>> @compiled
... def total(values):
...     s = 0
...     for v in values:
...         s += v
...     return s
>>> int(total(np.arange(5)))
10
"""

from __future__ import annotations

from numba import njit

__all__ = ["compiled"]


def compiled(fn):
    """``fn`` compiled by numba without the GIL (two threads can run it at once), its machine
    code cached on disk where possible: next to the source file when its folder is writable,
    else in numba's user cache (``NUMBA_CACHE_DIR``); where neither can be written it is
    compiled in each process instead.

    Compiled loops do not check bounds: callers pass consistent arrays
    (``NUMBA_BOUNDSCHECK=1`` turns the checks on for debugging).
    """
    try:
        return njit(nogil=True, cache=True)(fn)
    except RuntimeError:  # no writable place for the cache (read-only install and home)
        return njit(nogil=True)(fn)
