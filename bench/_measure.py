"""Timing and peak-memory measurement for benchmarks.

Peak memory is measured in a forked child process (its ``ru_maxrss`` less its resident size
at the start), so one measurement never inherits another's high-water mark.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import time
from queue import Empty
from collections.abc import Callable


def _rss(field: str = "VmRSS") -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> bool:
    """Reset this process's resident high-water mark (Linux 4.0+): a forked child inherits
    its parent's, so a step using less than the parent once did would measure nothing."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _child(fn, args, queue):
    own_peak = _reset_peak()
    before = _rss()
    start = time.perf_counter()
    try:
        result = fn(*args)
    except BaseException as exc:  # report to the parent instead of leaving it waiting
        queue.put(exc)
        return
    elapsed = time.perf_counter() - start
    peak = (_rss("VmHWM") if own_peak
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    queue.put((elapsed, max(peak - before, 0), children, result))


def measure(fn: Callable, *args):
    """Run ``fn(*args)`` in a forked process; return ``(seconds, peak_bytes, result)``.

    ``peak_bytes`` is the child's resident-memory high-water mark above what it held when it
    started (the interpreter and imported libraries are not counted).

    ``fn`` must be a module-level function and its result picklable (keep it small).
    """
    elapsed, peak, _children, result = _run(fn, args)
    return elapsed, peak, result


def measure_tree(fn: Callable, *args):
    """Like :func:`measure`, for steps that start processes of their own: return
    ``(seconds, peak_bytes, largest_child_peak_bytes, result)``.

    ``largest_child_peak_bytes`` is the largest resident-memory high-water mark among the
    child's own (waited-for) child processes, such as ingest readers or Dask workers. ``fn``
    may return a dict with its own ``seconds`` (to leave set-up out of the time); that entry
    replaces the measured time and is removed from the result.
    """
    elapsed, peak, children, result = _run(fn, args)
    if isinstance(result, dict) and "seconds" in result:
        elapsed = result.pop("seconds")
    return elapsed, peak, children, result


def _run(fn: Callable, args: tuple):
    """``fn(*args)`` in a forked child: ``(seconds, peak_bytes, children_peak_bytes, result)``."""
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn, args, queue))
    proc.start()
    while True:  # a child killed before it reports (e.g. out of memory) must not hang us
        try:
            outcome = queue.get(timeout=1.0)
            break
        except Empty:
            if not proc.is_alive():
                # A child that reported just after the wait gave up, then ended, is not dead:
                # its report is in the pipe (a queue flushes before its process exits).
                try:
                    outcome = queue.get(timeout=1.0)
                    break
                except Empty:
                    raise RuntimeError(f"benchmark step {fn.__name__} died "
                                       f"(exit code {proc.exitcode})") from None
    proc.join()
    if isinstance(outcome, BaseException):
        raise RuntimeError(f"benchmark step {fn.__name__} failed") from outcome
    return outcome
