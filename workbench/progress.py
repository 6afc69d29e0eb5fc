"""Progress bars of long steps: tqdm, in Jupyter and the terminal; off with
``progress=False`` or ``WORKBENCH_PROGRESS=0`` (tests, notebooks, CI). Reads (``wb.load``,
``Store.ingest``) count input bytes (:func:`progress_bar`); loops of an analysis (the shuffles
of a chance control, ...) count their steps (:func:`progress_steps`). A bar appears only once
its step has run :data:`PROGRESS_DELAY` seconds, so short steps never show one.

Examples
--------
>>> progress_enabled(False)
False
>>> progress_bar(100, False, desc="loading") is None
True
>>> list(progress_steps(range(3), desc="shuffles", progress=False))
[0, 1, 2]
"""

from __future__ import annotations

import os

__all__ = ["progress_enabled", "progress_bar", "progress_steps", "PROGRESS_DELAY"]

#: Seconds a read runs before its bar appears (unless ``progress=True``): short reads show none.
PROGRESS_DELAY = 1.0


def progress_enabled(progress: bool | None) -> bool:
    """Whether a bar may show: not with ``progress=False``, nor when the environment variable
    ``WORKBENCH_PROGRESS`` is ``0``, ``false``, ``no`` or ``off`` (the tests and notebooks set
    it); else yes."""
    if progress is False:
        return False
    if os.environ.get("WORKBENCH_PROGRESS", "").strip().lower() in ("0", "false", "no", "off"):
        return False
    return True


def progress_bar(total: int, progress: bool | None, *, desc: str):
    """A tqdm bar over ``total`` bytes, or None when bars are off (:func:`progress_enabled`)
    or there is nothing to count. It appears after :data:`PROGRESS_DELAY` seconds, at once
    with ``progress=True``; the caller closes it."""
    if not progress_enabled(progress) or total <= 0:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=desc,
                delay=0 if progress is True else PROGRESS_DELAY, leave=False,
                dynamic_ncols=True)


def progress_steps(steps, *, desc: str, total: int | None = None,
                   progress: bool | None = None):
    """``steps`` (an iterable), with a tqdm bar counting them as they are consumed when bars
    are on (:func:`progress_enabled`), else ``steps`` itself untouched.

    Parameters
    ----------
    steps : iterable
    desc : str
        What the bar counts (``"coordination shuffles"``).
    total : int, optional
        Number of steps, when ``len(steps)`` does not give it.
    progress : bool, optional
        As in :func:`progress_enabled`; True shows the bar at once.

    Examples
    --------
    >>> sum(progress_steps(range(4), desc="steps", progress=False))
    6
    """
    if not progress_enabled(progress):
        return steps
    from tqdm.auto import tqdm

    return tqdm(steps, total=total, desc=desc, delay=0 if progress is True else PROGRESS_DELAY,
                leave=False, dynamic_ncols=True)
