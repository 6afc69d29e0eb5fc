"""Saved corpora as a load format: :func:`workbench.load` reads a folder written by
:meth:`Corpus.to_parquet` back exactly.

The format itself (layout, writing, reading) lives with :class:`~workbench.Corpus` in
:mod:`workbench.corpus`, and "is this folder a saved corpus?" is answered by
:mod:`workbench.folders`; this module gives them the shape of a format (``NAME``, ``sniff``)
and keeps their former names importable from here.

Examples
--------
>>> import tempfile, workbench as wb
>>> corpus = wb.Corpus.empty()
>>> folder = write_corpus(corpus, tempfile.mkdtemp())
>>> sorted(p.name for p in folder.iterdir())[:3]
['channels.parquet', 'corpus.json', 'files.parquet']
>>> sniff(b"", folder) is None
True
"""

from __future__ import annotations

from pathlib import Path

from ..corpus import SCHEMA_VERSION, read_corpus, write_corpus
from ..folders import CORPUS_FORMAT, CORPUS_MANIFEST, is_saved_corpus, saved_corpus_problem

__all__ = ["NAME", "SCHEMA_VERSION", "MANIFEST", "sniff", "write_corpus", "read_corpus",
           "is_saved_corpus"]

NAME = CORPUS_FORMAT
SUFFIXES = ()
MANIFEST = CORPUS_MANIFEST


def sniff(head: bytes, path: Path | None) -> str | None:
    """None when ``path`` is a saved-corpus folder (or its ``corpus.json``), else why not."""
    return saved_corpus_problem(path)
