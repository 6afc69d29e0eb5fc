"""Keeping memory a heavy step has freed for its next arrays, instead of handing it back to
the system and asking for it again.

A step like :func:`~workbench.crosspost.find_crossposts` on 10^6 long texts makes and drops
arrays of hundreds of megabytes again and again. By default glibc gives every array above
32 MB pages of its own and returns them to the system when the array is freed, and Arrow's
allocator returns freed memory within milliseconds; each new array then starts from fresh
pages, which the kernel must find and zero. On a virtual machine that hands freed memory
back to its host this is slow and varies several-fold from run to run. Measured on the
real-text benchmark at 10^6 messages (2-core VM), `find_crossposts` without and with it,
before its hot loops were compiled: system (kernel) CPU 119 -> 62 s in consecutive fresh
processes (wall 168 -> 109 s; the same allocator settings given as environment variables:
41 s, 103 s); the same result.

Inside :func:`keep_memory` (glibc on Linux; elsewhere it does nothing) large arrays come from
the process heap and freed ones stay there for the next, and Arrow allocates through the
same allocator. Numpy stops asking for transparent huge pages for its large arrays
(``madvise(MADV_HUGEPAGE)``, its default on Linux): a fresh huge page must be a free 2 MB
block, and those are the blocks such a VM has handed back to its host, so each costs a
round trip. Measured: filling a fresh 2 GB array took 17-26 s of system CPU with huge pages
and 1.1-1.4 s without (three alternating pairs of fresh processes); `find_crossposts` at
10^6 messages, two alternating pairs: wall 71 and 67 s without against 83 and 85 s with
(system CPU 29 and 11 s against 43 and 54 s).

The settings are the whole process's while a block runs (every thread's allocations). On
leaving, Arrow's allocator and numpy's huge-page setting are back and the heap's free pages
are returned to the system (``malloc_trim``); glibc's adaptive thresholds cannot be switched
back on once set, so they are left where its adaptation takes them after a large array is
freed (arrays above 32 MiB mapped on their own). ``WORKBENCH_KEEP_MEMORY=0`` turns it all
off (numpy's huge pages included).

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
_M_MMAP_THRESHOLD = -3
_M_MMAP_MAX = -4
# On leaving: glibc's adaptive thresholds cannot be switched back on once set (any of these
# mallopt calls ends them), so they are left where adaptation takes them after a large array
# is freed: arrays up to 32 MiB come from the heap and 64 MiB of free heap is kept. (Its
# start-up values, 128 KiB, would make every array above 128 KiB fresh pages: measured, a
# 5 MB allocate-and-free loop then took 142,000 page faults instead of under 1,000.)
_AFTER_MMAP_THRESHOLD = 32 * 1024 * 1024
_AFTER_TRIM = 64 * 1024 * 1024
_DEFAULT_MMAP_MAX = 65536

_lock = threading.Lock()
_depth = 0
_saved_pool = None
_saved_hugepage = None


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


def _numpy_hugepage(enabled: bool) -> bool | None:
    """Switch numpy's huge-page advice for large arrays; the previous setting (None where
    this numpy has no switch)."""
    try:
        from numpy._core.multiarray import _set_madvise_hugepage
    except ImportError:  # numpy 1.x
        try:
            from numpy.core.multiarray import _set_madvise_hugepage
        except ImportError:
            return None
    try:
        return bool(_set_madvise_hugepage(enabled))
    except Exception:  # a private function: should it change, keep_memory goes on without it
        return None


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
    global _depth, _saved_pool, _saved_hugepage
    if not _enabled():
        yield
        return
    try:
        with _lock:
            _depth += 1
            if _depth == 1:
                _saved_pool = pa.default_memory_pool()
                _LIBC.mallopt(_M_MMAP_MAX, 0)
                _LIBC.mallopt(_M_TRIM_THRESHOLD, ctypes.c_int(2**31 - 1))
                pa.set_memory_pool(pa.system_memory_pool())
                _saved_hugepage = _numpy_hugepage(False)
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                if _saved_pool is not None:
                    pa.set_memory_pool(_saved_pool)
                _saved_pool = None
                if _saved_hugepage is not None:
                    _numpy_hugepage(_saved_hugepage)
                _saved_hugepage = None
                _LIBC.mallopt(_M_MMAP_MAX, _DEFAULT_MMAP_MAX)
                _LIBC.mallopt(_M_MMAP_THRESHOLD, _AFTER_MMAP_THRESHOLD)
                _LIBC.mallopt(_M_TRIM_THRESHOLD, _AFTER_TRIM)
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
