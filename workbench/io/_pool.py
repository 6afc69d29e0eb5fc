"""Reading the files of one ``wb.load`` in parallel: one forked process per core, each reading
whole files into a Builder of its own and handing back compact Arrow chunks (no DataFrames,
no Python objects per message), which the loading process appends in file order
(:meth:`~workbench.io.builder.Builder.absorb`). The corpus is the same as a read in one
process; only the wall time differs.

Used when it pays and is safe: Linux (``fork``: a worker starts in milliseconds with the
workbench already imported), at least two files and two cores, at least
:data:`MIN_BYTES` of input, and no Telegram Desktop HTML pages (a page follows its "Next
messages" links into other files, so pages share state within a load).
``WORKBENCH_WORKERS`` sets the number of processes (``1``: read in the loading process).

Examples
--------
>>> workers_for([], forced=None)
1
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from ..errors import WorkbenchError
from .builder import Builder
from .files import read_file
from .sources import Source

__all__ = ["workers_for", "read_parallel", "MIN_BYTES"]

#: Input smaller than this is read in the loading process: forking and handing back would
#: cost more than they save.
MIN_BYTES = 16 << 20
_SHARED_STATE_FORMATS = {"telegram-desktop-html"}


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def workers_for(sources: list[Source], *, forced=None) -> int:
    """How many processes should read ``sources`` (1: read them in this process)."""
    setting = os.environ.get("WORKBENCH_WORKERS", "").strip()
    wanted = int(setting) if setting.isdigit() and int(setting) > 0 else _cores()
    n = min(wanted, len(sources))
    if n < 2 or not sys.platform.startswith("linux"):
        return 1
    if sum(s.size for s in sources) < MIN_BYTES and not setting:
        return 1
    from . import detect

    for source in sources:
        try:
            fmt = forced or detect.detect(source.head(), source.path, label=source.label)
        except WorkbenchError:
            continue  # read (and rejected) in a worker like any other file
        if fmt.NAME in _SHARED_STATE_FORMATS:
            return 1
    return n


def _read_one(source: Source, forced, tz, channel_id) -> Builder:
    build = Builder(tz=tz, channel_id=channel_id)
    read_file(source, build, format=forced)
    for part in build.parts:
        part.seen = set()  # ids seen within the export: done with, and large to send
    return build


def read_parallel(sources: list[Source], into: Builder, *, forced=None, workers: int = 2,
                  advance: Callable[[int], None] | None = None) -> None:
    """Read ``sources`` in ``workers`` forked processes into ``into``, in file order, as
    :func:`~workbench.io.files.read_file` would one after the other."""
    forced_name = getattr(forced, "NAME", forced)
    # The readers are forked inside load()'s keep_memory and stay in it until they exit, so
    # the memory freed after parsing is reused to pickle their result; a keep_memory of their
    # own around _read_one would end before that pickling and measured no gain.
    ctx = mp.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = [pool.submit(_read_one, s, forced_name, into.tz, into.channel_id)
                   for s in sources]
        for source, future in zip(sources, futures):
            into.absorb(future.result())
            if advance is not None:
                advance(source.size)
