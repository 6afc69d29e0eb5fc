"""Figures as files: PNG, SVG, PDF (and JPEG, WebP) drawn offline by kaleido in the
system's Chromium.

kaleido (1.x) draws a figure by opening a page in a headless Chromium it starts through
choreographer. Two of its defaults would reach for the network: it looks for a browser it
downloaded itself when none is on ``PATH``, and its page loads MathJax from a CDN. Here the
browser is always named (``BROWSER_PATH``, else Debian's ``/usr/bin/chromium``, else
``chromium``/``google-chrome`` on ``PATH``), plotly.js comes from the installed plotly
package and MathJax is turned off, so saving a figure never fetches anything. The browser's
own log and warnings are kept out of the caller's output, and named in the error when drawing
fails.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
import warnings
from collections import deque
from pathlib import Path

from ..errors import ParameterError, WorkbenchError

__all__ = ["save", "IMAGE_FORMATS", "find_chromium"]

#: File suffixes :func:`save` writes, and the kaleido format of each.
IMAGE_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf", ".jpg": "jpeg",
                 ".jpeg": "jpeg", ".webp": "webp"}
_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome",
               "google-chrome-stable")
_INSTALL_HINT = ("install Debian's Chromium (`sudo apt-get install chromium`, or `make "
                 "chromium`), or point BROWSER_PATH at a Chrome or Chromium binary")


def find_chromium() -> str | None:
    """The Chromium (or Chrome) binary to draw with: ``$BROWSER_PATH`` when set (even when
    it is not there, so a wrong setting is named rather than silently replaced), else the
    first of ``/usr/bin/chromium``, ``chromium``, ``chromium-browser``, ``google-chrome`` on
    ``PATH``; None when there is none.

    Examples
    --------
    >>> path = find_chromium()
    >>> path is None or isinstance(path, str)
    True
    """
    named = os.environ.get("BROWSER_PATH")
    if named:
        return named
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


#: The loggers kaleido and choreographer write to; "browser_proc" carries Chromium's stderr.
_BROWSER_LOGGERS = ("browser_proc", "choreographer", "kaleido")
#: One figure drawn at a time: the loggers' settings and the warnings filters it changes are
#: the process's (two explorers' save buttons pressed at once wait for each other).
_DRAWING = threading.Lock()


class _Kept(logging.Handler):
    """The last warnings and errors logged, kept to explain a failure."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: deque[str] = deque(maxlen=8)

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@contextlib.contextmanager
def _browser_log():
    """Keep the browser's own log out of the caller's output while a figure is drawn.

    choreographer, kaleido's browser driver, logs warnings such as "Resorting to unclean
    kill browser." when Chromium is slow to close, and pipes Chromium's own stderr into the
    logger ``browser_proc``. Where logging is not set up (a notebook), Python prints
    warnings and errors to stderr: a red output cell no analyst can act on. (A notebook's
    saving cell failed ``make test`` with an unexpected stderr beside another test's
    Chromiums; nbval does not show the text, so this is the likely cause, not a seen one.)
    Here those records and kaleido's warnings are kept instead, and named only when drawing
    fails.
    """
    with _DRAWING:
        kept = _Kept()
        loggers = [logging.getLogger(name) for name in _BROWSER_LOGGERS]
        before = [logger.propagate for logger in loggers]
        for logger in loggers:
            logger.addHandler(kept)
            logger.propagate = False
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    yield kept
                finally:
                    kept.lines.extend(str(w.message) for w in caught)
        finally:
            for logger, propagate in zip(loggers, before):
                logger.removeHandler(kept)
                logger.propagate = propagate


def _format_of(path: Path, format: str | None) -> str:
    if format is not None:
        fmt = str(format).lower().lstrip(".")
        if f".{fmt}" not in IMAGE_FORMATS:
            raise ParameterError(f"format: {format!r} is not one of "
                                 f"{sorted(set(IMAGE_FORMATS.values()))}")
        return IMAGE_FORMATS[f".{fmt}"]
    suffix = path.suffix.lower()
    if suffix not in IMAGE_FORMATS:
        raise ParameterError(f"path: {path} has no image suffix; name a file ending in "
                             f"{', '.join(IMAGE_FORMATS)} (or pass format=)")
    return IMAGE_FORMATS[suffix]


def save(fig, path, *, scale: float = 1, width: int | None = None, height: int | None = None,
         format: str | None = None) -> Path:
    """Write a plotly figure to an image file, offline.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure or dict
        Any figure, e.g. from a ``wb.plots.plot_*`` function or ``explorer.figure``.
    path : str or Path
        The file to write; its suffix picks the format (``.png``, ``.svg``, ``.pdf``,
        ``.jpg``/``.jpeg``, ``.webp``). Its folder is created.
    scale : float, default 1
        Multiplies the pixel size of raster formats (``scale=2`` for sharp slides).
    width, height : int, optional
        Size in CSS pixels; default: the figure's layout size, else 700 x 500.
    format : str, optional
        Force a format whatever the suffix.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ParameterError
        For an unknown format or a non-positive scale.
    WorkbenchError
        Naming the missing piece: the kaleido package, or a Chromium binary; or naming the
        file when it cannot be written.

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> save(go.Figure(), "figure.txt")
    Traceback (most recent call last):
    ...
    workbench.errors.ParameterError: path: figure.txt has no image suffix; name a file ending in ...
    """
    path = Path(path).expanduser()
    fmt = _format_of(path, format)
    if not scale or scale <= 0:
        raise ParameterError(f"scale: {scale!r}; expected a number above 0")
    try:
        import kaleido
        from kaleido.errors import ChromeNotFoundError
    except ImportError:
        raise WorkbenchError(f"cannot save {path}: saving figures needs the kaleido package "
                             "(pip install 'kaleido>=1.0'; `make setup` installs it)") from None
    browser = find_chromium()
    if browser is None or not os.access(browser, os.X_OK):
        where = f"BROWSER_PATH={browser}" if browser else "/usr/bin/chromium or on PATH"
        raise WorkbenchError(f"cannot save {path}: kaleido draws figures in Chromium and "
                             f"there is none ({where}); {_INSTALL_HINT}")
    import json

    import plotly
    from plotly.io import to_json

    fig_dict = fig if isinstance(fig, dict) else fig.to_plotly_json()
    # plotly's own serialiser: numpy arrays, dates and NaN come out as plotly.js reads them.
    fig_dict = json.loads(to_json(fig_dict, validate=False))
    layout = fig_dict.get("layout", {})
    opts = {"format": fmt, "scale": scale,
            "width": width or layout.get("width") or 700,
            "height": height or layout.get("height") or 500}
    plotly_js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    kopts = {"mathjax": False, "plotlyjs": str(plotly_js)}
    saved = os.environ.get("BROWSER_PATH")
    os.environ["BROWSER_PATH"] = browser  # choreographer reads it when it starts Chromium
    log = _Kept()
    try:
        with _browser_log() as log:
            data = kaleido.calc_fig_sync(fig_dict, opts=opts, topojson=None, kopts=kopts)
    except ChromeNotFoundError:
        raise WorkbenchError(f"cannot save {path}: kaleido could not start Chromium at "
                             f"{browser}; {_INSTALL_HINT}") from None
    except Exception as exc:  # kaleido's own errors (a render that failed, a timeout)
        said = "; ".join(log.lines)
        raise WorkbenchError(f"cannot save {path}: kaleido failed with Chromium at "
                             f"{browser}: {type(exc).__name__}: {exc}"
                             + (f" (the browser said: {said})" if said else "")) from exc
    finally:
        if saved is None:
            os.environ.pop("BROWSER_PATH", None)
        else:
            os.environ["BROWSER_PATH"] = saved
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise WorkbenchError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path
