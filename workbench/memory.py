"""Keeping memory a heavy step has freed for its next arrays, instead of handing it back to
the system and asking for it again.

A step like :func:`~workbench.crosspost.find_crossposts` on 10^6 long texts makes and drops
arrays of hundreds of megabytes again and again. By default glibc gives every array above
32 MB pages of its own and returns them to the system when the array is freed, and Arrow's
allocator returns freed memory within milliseconds; each new array then starts from fresh
pages, which the kernel must find and zero. On a virtual machine that hands freed memory
back to its host this is slow: measured on the real-text benchmark at 10^6 messages (2-core
VM), 119 s of the process's 216 s of CPU were the kernel's (page faults), against 41 s of
141 s inside :func:`keep_memory`, where the whole call took 103 s instead of 168 s, with the
same result and a peak of 5.6 GB instead of 5.2 GB.

Inside :func:`keep_memory` (glibc on Linux; elsewhere it does nothing) large arrays come from
the process heap and freed ones stay there for the next, and Arrow allocates through the
same allocator; on leaving, the old settings are back and the heap's free pages are returned
to the system (``malloc_trim``). ``WORKBENCH_KEEP_MEMORY=0`` turns it off.

Examples
--------
>>> import numpy as np
>>> with keep_memory():
...     total = int(np.ones(10_000_000).sum())
>>> total
10000000
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys
import threading
from contextlib import contextmanager

import pyarrow as pa

__all__ = ["keep_memory", "keeps_memory"]

# mallopt parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
# glibc's defaults, restored on leaving (its dynamic mmap threshold then stays where it is).
_DEFAULT_TRIM = 128 * 1024
_DEFAULT_MMAP_MAX = 65536

_lock = threading.Lock()
_depth = 0
_saved_pool = None


def _glibc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018 (both must exist: glibc, not musl)
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _glibc()


def _enabled() -> bool:
    flag = os.environ.get("WORKBENCH_KEEP_MEMORY", "").strip().lower()
    return _LIBC is not None and flag not in ("0", "false", "no", "off")


@contextmanager
def keep_memory():
    """Within the block, freed memory stays in the process for the next arrays (see the
    module docstring); nested blocks are one block. Results never depend on it.

    Examples
    --------
    >>> with keep_memory():
    ...     with keep_memory():
    ...         pass
    """
    global _depth, _saved_pool
    if not _enabled():
        yield
        return
    with _lock:
        _depth += 1
        if _depth == 1:
            _LIBC.mallopt(_M_MMAP_MAX, 0)
            _LIBC.mallopt(_M_TRIM_THRESHOLD, ctypes.c_int(2**31 - 1))
            _saved_pool = pa.default_memory_pool()
            pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                pa.set_memory_pool(_saved_pool)
                _saved_pool = None
                _LIBC.mallopt(_M_MMAP_MAX, _DEFAULT_MMAP_MAX)
                _LIBC.mallopt(_M_TRIM_THRESHOLD, _DEFAULT_TRIM)
                _LIBC.malloc_trim(0)


def keeps_memory(fn):
    """Decorator: ``fn`` runs inside :func:`keep_memory`.

    Examples
    --------
    >>> @keeps_memory
    ... def total(n):
    ...     "Sum of n ones."
    ...     return n
    >>> total(3), total.__doc__
    (3, 'Sum of n ones.')
    """
    @functools.wraps(fn)
    def kept(*args, **kwargs):
        with keep_memory():
            return fn(*args, **kwargs)

    return kept
