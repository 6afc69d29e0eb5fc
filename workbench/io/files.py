"""Reading one input file: the one read path of :func:`workbench.load` and ``Store.ingest``.

:func:`read_file` detects a file's format (unless one is forced), reads it into a
:class:`~workbench.io.builder.Builder` through that format's reader, and accounts for every
record: each is a loaded message, a service record or a rejected record with its reason, and
the file gets its row of the ``files`` table. A file that cannot be read at all (empty,
truncated, not UTF-8, no format matches) leaves nothing half-read behind: it becomes one
rejected row and a ``files`` row saying so, or, with ``strict=True``, the error.

``wb.load`` calls it for each file a folder walk (:func:`~workbench.io.sources.walk`) finds,
in one process; ``Store.ingest`` for each file of a batch, in worker processes, with a
Builder that keeps what a store needs. Both then build from the same rows.

Examples
--------
>>> import json, tempfile
>>> from pathlib import Path
>>> from workbench.io.builder import Builder
>>> path = Path(tempfile.mkdtemp()) / "result.json"
>>> _ = path.write_text(json.dumps({"name": "Example", "type": "public_channel", "id": 42,
...     "messages": [{"id": 1, "type": "message", "date_unixtime": "1475323200", "text": "hi"},
...                  {"id": 2, "type": "service", "date_unixtime": "1475323260"},
...                  {"id": 3, "type": "unsupported"}]}))
>>> builder = Builder()
>>> got = read_file(path, builder)
>>> got.format, got.records, got.loaded, got.service, got.rejected, got.error
('telegram-desktop', 3, 1, 1, 1, None)
>>> _ = path.with_name("notes.txt.json").write_text("id,text")
>>> read_file(path.with_name("notes.txt.json"), builder).error.split(";")[0]
'notes.txt.json: no known format matched'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import WorkbenchError
from ._gc import no_gc
from .builder import Builder
from .media import fingerprint_photos
from .sources import Source, source_for

__all__ = ["read_file", "FileRead"]


@dataclass(frozen=True)
class FileRead:
    """What reading one file gave: its row of the ``files`` table, and why it could not be
    read at all (``error``, None when it could).

    ``records`` = ``loaded`` + ``service`` + ``rejected``: every record of the file is in
    exactly one of those (a file that could not be read is one rejected record). Merging
    duplicates across files happens later, when the builder builds.
    """

    path: str
    format: str
    size: int
    sha256: str | None
    records: int
    loaded: int
    service: int
    rejected: int
    error: str | None = None


def read_file(source: Source | str | os.PathLike, into: Builder, *, format=None,
              strict: bool = False) -> FileRead:
    """Read one file into ``into``; return its ``files`` row.

    Parameters
    ----------
    source : Source or path
        A path is labelled by its own name (``source`` and ``files.path`` carry labels, never
        local paths).
    into : Builder
        Collects the rows; its :meth:`~workbench.io.builder.Builder.build` makes the corpus.
    format : str or format module, optional
        Read as this format (one of :func:`~workbench.io.detect.format_names`) instead of
        detecting it from the file's first KB.
    strict : bool, default False
        Raise instead of recording a file that cannot be read (a single file given by path).

    Raises
    ------
    WorkbenchError
        With ``strict=True``: :class:`~workbench.errors.FormatError` when no format matches,
        :class:`~workbench.errors.LoadError` when the file cannot be read (naming the file and
        the position); always: a ``format`` that is not known.
    """
    from . import detect  # the registry imports every format module

    if not isinstance(source, Source):
        source = source_for(Path(source), Path(source))
    fmt = detect.get_format(format) if isinstance(format, str) else format
    try:
        if fmt is None:
            fmt = detect.detect(source.head(), source.path, label=source.label)
        out = into.file(source, fmt.NAME)
        with no_gc():  # parsed records form no cycles: the collector would only rescan them
            fmt.read(source, out)
        if fmt.NAME == "telegram-desktop":  # exported pictures: perceptual fingerprints
            fingerprint_photos(source, out)
    except WorkbenchError as exc:
        if strict:
            raise
        into.discard(source, fmt.NAME if fmt is not None else None, str(exc))
        return _row(into, error=str(exc))
    into.commit(out)
    return _row(into)


def _row(builder: Builder, error: str | None = None) -> FileRead:
    row = builder.files[-1]
    return FileRead(**{k: row[k] for k in FileRead.__dataclass_fields__ if k != "error"},
                    error=error)
