"""The workbench's own folders on disk, and how to tell one: saved corpora
(:meth:`Corpus.to_parquet`) and corpus stores (:func:`workbench.open_store`).

Each is a folder holding a JSON manifest that names its format. This module is the one answer
to "is this folder a saved corpus / a store?": :mod:`workbench.io` asks it to read a saved
corpus back and to leave both out of a folder walk (their files are no exports),
:mod:`workbench.store` asks it before ingesting, and both write the names declared here. It
imports nothing from the package, so anything may import it.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> folder = Path(tempfile.mkdtemp())
>>> kind_of(folder) is None
True
>>> _ = (folder / STORE_MANIFEST).write_text('{"format": "workbench-store"}')
>>> kind_of(folder), is_store(folder), is_saved_corpus(folder)
('store', True, False)
"""

from __future__ import annotations

from pathlib import Path

import orjson

__all__ = ["CORPUS_FORMAT", "CORPUS_MANIFEST", "STORE_FORMAT", "STORE_MANIFEST", "MANIFESTS",
           "saved_corpus_problem", "is_saved_corpus", "is_store", "kind_of"]

#: ``format`` in the manifest of a saved corpus, and the name ``wb.load(format=...)`` takes.
CORPUS_FORMAT = "workbench-corpus"
#: The manifest of a saved corpus, written last (a half-written folder is no corpus).
CORPUS_MANIFEST = "corpus.json"
#: ``format`` in a store's manifest.
STORE_FORMAT = "workbench-store"
#: A store's manifest.
STORE_MANIFEST = "store.json"
#: Manifest file name -> (what the folder is, the format its manifest must name).
MANIFESTS = {CORPUS_MANIFEST: ("corpus", CORPUS_FORMAT), STORE_MANIFEST: ("store", STORE_FORMAT)}


def _format_in(manifest: Path) -> tuple[str | None, str | None]:
    """(the manifest's ``format``, or None; why not, or None)."""
    try:
        if not manifest.is_file():  # missing, or a FIFO or device that read_bytes would block on
            return None, f"no {manifest.name} (as a regular file) in the folder"
        meta = orjson.loads(manifest.read_bytes())
    except FileNotFoundError:
        return None, f"no {manifest.name} in the folder"
    except (OSError, orjson.JSONDecodeError):
        return None, f"{manifest.name} is not JSON"
    return (meta.get("format") if isinstance(meta, dict) else None), None


def saved_corpus_problem(path: str | Path | None) -> str | None:
    """None when ``path`` is a saved-corpus folder (or its ``corpus.json``), else why not.

    Examples
    --------
    >>> saved_corpus_problem("/nonexistent")
    'not a folder with corpus.json'
    """
    if path is None:
        return "not a folder"
    path = Path(path)
    if path.name == CORPUS_MANIFEST and path.is_file():
        path = path.parent
    if not path.is_dir():
        return "not a folder with corpus.json"
    found, problem = _format_in(path / CORPUS_MANIFEST)
    if problem is not None:
        return problem
    if found != CORPUS_FORMAT:
        return f"corpus.json does not say format {CORPUS_FORMAT!r}"
    return None


def is_saved_corpus(path: str | Path) -> bool:
    """Whether ``path`` is a folder written by :meth:`Corpus.to_parquet`."""
    return saved_corpus_problem(path) is None


def is_store(path: str | Path) -> bool:
    """Whether ``path`` is a corpus store's folder: its ``store.json`` names the store format
    (of any schema version; :func:`workbench.open_store` checks the version)."""
    path = Path(path)
    return path.is_dir() and _format_in(path / STORE_MANIFEST)[0] == STORE_FORMAT


def kind_of(path: str | Path) -> str | None:
    """``"corpus"`` for a saved corpus, ``"store"`` for a corpus store, else None."""
    if is_saved_corpus(path):
        return "corpus"
    if is_store(path):
        return "store"
    return None
