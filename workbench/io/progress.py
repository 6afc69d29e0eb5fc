"""Progress bars of long reads (``wb.load``, ``Store.ingest``): tqdm, in Jupyter and the
terminal, over the input bytes; off with ``progress=False`` or ``WORKBENCH_PROGRESS=0``.

Examples
--------
>>> progress_enabled(False)
False
>>> progress_bar(100, False, desc="loading") is None
True
"""

from __future__ import annotations

import os

__all__ = ["progress_enabled", "progress_bar", "PROGRESS_DELAY"]

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
