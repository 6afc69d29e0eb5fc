"""Format registry and detection by content.

A format is a module (or any object) with

* ``NAME``: a short unique name (``"telegram-desktop"``), what ``load(format=...)`` takes
  and what ``files.format`` records;
* ``SUFFIXES``: file suffixes it reads (before ``.gz``/``.zst``), used only to pick candidate
  files in a directory walk; detection itself looks at content;
* ``sniff(head: bytes, path) -> str | None``: None if the first KB of (decompressed) content
  matches, else a short reason why not;
* ``read(source, out)``: reads a :class:`~workbench.io.sources.Source` into a
  :class:`~workbench.io.builder.FileOutput`, raising :class:`~workbench.errors.LoadError`
  for a file it cannot read.

Adding a format is one module plus one line in :data:`FORMATS` (or :func:`register`). Sniffers
run in registry order; the first to match wins, so put stricter formats first. A reader builds
on the kit in :mod:`.records` (``BadRecord``, ``Rows``, and the convention for the ``source``
locators it passes: records and lines counted from 1) and :mod:`.streams` (lines, JSON arrays,
CSV records, documents), and is called through :func:`workbench.io.files.read_file`, by
``wb.load`` and ``Store.ingest`` alike.

Examples
--------
>>> from workbench.io.detect import detect, format_names
>>> format_names()
['telegram-desktop', 'telegram-desktop-html', 'pushshift', '4cat', 'telegram-tracker',
 'telethon', 'twitter-v2', 'twitter-v1', 'twitter-kaggle', 'tgdataset']
>>> detect(b'{"name": "x", "type": "public_channel", "id": 1, "messages": []}').NAME
'telegram-desktop'
>>> detect(b'id,text\\n1,hello', label="notes.csv")
Traceback (most recent call last):
...
workbench.errors.FormatError: notes.csv: no known format matched; tried telegram-desktop: ...
"""

from __future__ import annotations

import codecs
from pathlib import Path

from ..errors import FormatError, ParameterError
from . import desktop, desktop_html, twitter_kaggle, twitter_v1, twitter_v2
from . import fourcat, pushshift, telethon, tgdataset, tracker

__all__ = ["FORMATS", "register", "detect", "get_format", "format_names"]

#: File formats, in sniffing order. (Saved corpora are folders: see :mod:`.parquet`.)
FORMATS: list = [desktop, desktop_html, pushshift, fourcat, tracker, telethon,
                 twitter_v2, twitter_v1, twitter_kaggle, tgdataset]


def register(fmt, *, first: bool = False) -> None:
    """Add a format module (replacing one of the same ``NAME``)."""
    for attr in ("NAME", "sniff", "read"):
        if not hasattr(fmt, attr):
            raise ParameterError(f"a format needs {attr!r}; {fmt!r} has none")
    FORMATS[:] = [f for f in FORMATS if f.NAME != fmt.NAME]
    FORMATS.insert(0, fmt) if first else FORMATS.append(fmt)


def format_names() -> list[str]:
    """Names of the registered file formats, in sniffing order."""
    return [f.NAME for f in FORMATS]


def get_format(name: str):
    """The format registered as ``name``.

    Raises
    ------
    ParameterError
        Naming the known formats.
    """
    for fmt in FORMATS:
        if fmt.NAME == name:
            return fmt
    from . import parquet

    if name == parquet.NAME:
        return parquet
    raise ParameterError(f"format={name!r} is not known; known formats: "
                         f"{format_names() + [parquet.NAME]}")


def _utf8_problem(head: bytes) -> str | None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 text (byte order mark at byte 0); Telegram exports are UTF-8"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        return (f"not UTF-8 text: byte 0x{head[exc.start]:02x} at byte {exc.start} cannot be "
                "decoded")
    return None


def detect(head: bytes, path: Path | None = None, *, label: str | None = None):
    """The format whose sniffer accepts ``head`` (the first KB of a file).

    Raises
    ------
    FormatError
        Listing every format tried and why it did not match.
    """
    name = label or (Path(path).name if path is not None else "input")
    if not head.strip():
        raise FormatError(f"{name}: empty file: nothing to load")
    problem = _utf8_problem(head)
    if problem:
        raise FormatError(f"{name}: {problem}")
    reasons = []
    for fmt in FORMATS:
        reason = fmt.sniff(head, path)
        if reason is None:
            return fmt
        reasons.append(f"{fmt.NAME}: {reason}")
    raise FormatError(f"{name}: no known format matched; tried " + "; ".join(reasons))
