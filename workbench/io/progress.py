"""The progress bars' old address: they live in :mod:`workbench.progress` (outside ``io``, so
that analysis packages that ``io`` itself imports, such as ``text``, can show them too).

Examples
--------
>>> from workbench import progress
>>> progress_steps is progress.progress_steps
True
"""

from __future__ import annotations

from ..progress import PROGRESS_DELAY, progress_bar, progress_enabled, progress_steps

__all__ = ["progress_enabled", "progress_bar", "progress_steps", "PROGRESS_DELAY"]
