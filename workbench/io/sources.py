"""Input files: finding them under a folder, naming them without local paths, reading them
(plain, gzip or zstandard) while hashing what is on disk.

:func:`walk` is the one folder walk of :func:`workbench.load` and ``Store.ingest``: which files
to read (data suffixes only, hidden entries never), and which of the workbench's own folders
inside to leave out, with the same warning for both: saved corpora and corpus stores (their
files are no exports; see :mod:`workbench.folders`).

Examples
--------
>>> import gzip, tempfile
>>> from pathlib import Path
>>> root = Path(tempfile.mkdtemp()) / "exports"
>>> (root / "ChatExport_1").mkdir(parents=True)
>>> _ = (root / "ChatExport_1" / "result.json.gz").write_bytes(gzip.compress(b'{"messages": []}'))
>>> _ = (root / "ChatExport_1" / "photo.jpg").write_bytes(b"\\xff\\xd8")
>>> [s.label for s in find_sources(root)]
['exports/ChatExport_1/result.json.gz']
>>> find_sources(root)[0].read_bytes()
b'{"messages": []}'
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import threading
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import LoadError
from ..folders import MANIFESTS, is_store, kind_of

__all__ = ["Source", "find_sources", "source_for", "walk", "Walk", "DATA_SUFFIXES",
           "HEAD_BYTES"]

#: How much of a file detection looks at.
HEAD_BYTES = 1024
#: In a directory walk, only files with these suffixes (before .gz/.zst) are candidates; the
#: rest of an export folder (photos, videos, css) is not data. A single file given by path is
#: always sniffed, whatever its name.
DATA_SUFFIXES = frozenset({".json", ".jsonl", ".ndjson", ".csv", ".tsv", ".html", ".htm"})
_COMPRESSED = (".gz", ".zst", ".zstd")
_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


@dataclass
class Source:
    """One input file.

    Attributes
    ----------
    path : Path
        Where it is on disk (never written into tables).
    label : str
        Its name relative to the parent of the path given to ``load``; this is what the
        ``source`` and ``files.path`` columns carry, so outputs hold no local paths.
    size : int
        Bytes on disk.
    sha256 : str or None
        Hex digest of the bytes on disk, set once the file has been read.
    """

    path: Path
    label: str
    size: int = 0
    sha256: str | None = field(default=None)

    @property
    def compression(self) -> str | None:
        """``"gzip"``, ``"zstd"`` or None, from the file's magic bytes (not its name)."""
        with open(self.path, "rb") as fh:
            pieces = _decoder(fh.read(4))
        return {gzip_pieces: "gzip", zstd_pieces: "zstd"}.get(pieces)

    def head(self, n: int = HEAD_BYTES) -> bytes:
        """The first ``n`` decompressed bytes (fewer if the file is shorter).

        Raises
        ------
        LoadError
            If the file cannot be read, or its compressed stream is damaged or cut short
            before giving a byte (saying which: a stream damaged later is reported by the
            read, naming how far it got).
        """
        if self.path.is_dir():
            return b""
        try:
            with open(self.path, "rb") as fh:
                pieces = _decoder(fh.read(4))
                fh.seek(0)
                return fh.read(n) if pieces is None else _head(fh, n, pieces, self.label)
        except OSError as exc:
            raise LoadError(f"{self.label}: cannot read: {_why(exc)}") from None

    def open(self):
        """A binary stream of the decompressed content (the caller closes it).

        A damaged or cut compressed stream raises :class:`LoadError` from ``read``, as
        :meth:`read_bytes` does, instead of ending early.
        """
        fh = open(self.path, "rb")
        try:
            pieces = _decoder(fh.read(4))
            fh.seek(0)
        except OSError:
            fh.close()
            raise
        if pieces is None:
            return fh
        return io.BufferedReader(_Decoded(fh, pieces, self.label))

    def read_bytes(self) -> bytes:
        """All decompressed bytes; sets :attr:`sha256` from the bytes on disk.

        Raises
        ------
        LoadError
            If the file cannot be read or its compressed stream is damaged or truncated.
        """
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise LoadError(f"{self.label}: cannot read: {_why(exc)}") from None
        self.size = len(raw)
        self._hash_in_background(raw)
        pieces = _decoder(raw[:4])
        return raw if pieces is None else _decompress(raw, pieces, self.label)

    def _hash_in_background(self, raw: bytes) -> None:
        # hashlib releases the GIL on large buffers: hashing beside the parse is free time.
        if len(raw) < (1 << 22):
            self.sha256 = hashlib.sha256(raw).hexdigest()
            return
        digest = hashlib.sha256()
        thread = threading.Thread(target=digest.update, args=(raw,), daemon=True)
        thread.start()
        self._pending = (thread, digest)

    def hash_file(self) -> str | None:
        """Compute (streaming) and return :attr:`sha256` if a reader did not set it (None
        when the file cannot be read)."""
        pending = self.__dict__.pop("_pending", None)
        if pending is not None:
            thread, digest = pending
            thread.join()
            self.sha256 = digest.hexdigest()
        if self.sha256 is None:
            digest = hashlib.sha256()
            try:
                if not stat.S_ISREG(os.stat(self.path).st_mode):
                    return None  # a FIFO or device: opening it could block for ever
                with open(self.path, "rb") as fh:
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        digest.update(block)
            except OSError:  # unreadable or gone: reading it says so, naming the file
                return None
            self.sha256 = digest.hexdigest()
        return self.sha256


def _why(exc: OSError) -> str:
    """An OSError in words, without the local path it names."""
    return exc.strerror or type(exc).__name__


def _head(fh, n: int, pieces, label: str) -> bytes:
    """Up to ``n`` decompressed bytes of ``fh`` through the decoder ``pieces``."""
    got = bytearray()
    for block in pieces(lambda: fh.read(1 << 16), label):
        got += block
        if len(got) >= n:
            break
    return bytes(got[:n])


def gzip_pieces(read, label: str):
    """Decompressed pieces of a gzip stream of one or more members, read with ``read()``.

    Raises
    ------
    LoadError
        If a header or the deflate data is damaged, or the stream ends inside a member
        (naming the compressed byte it ends at and how many decompressed bytes came before).
    """
    decoder = zlib.decompressobj(wbits=31)
    produced = taken = 0
    fed = False  # the current member has had input
    pending = b""
    while True:
        if pending:
            data, pending = pending, b""
        else:
            data = read()
            taken += len(data)
        if not data:
            break
        if not fed:
            data = data.lstrip(b"\x00")  # padding between members
            if not data:
                continue
        try:
            piece = decoder.decompress(data)
        except zlib.error as exc:
            what = "header" if not fed and produced == 0 else "stream"
            raise LoadError(f"{label}: damaged gzip {what} after {produced:,} decompressed "
                            f"bytes: {exc}") from None
        fed = True
        if piece:
            produced += len(piece)
            yield piece
        if decoder.eof:
            pending = decoder.unused_data
            decoder, fed = zlib.decompressobj(wbits=31), False
    if fed:
        raise LoadError(f"{label}: truncated gzip stream: it ends at byte {taken:,} (compressed) "
                        f"inside a member, after {produced:,} decompressed bytes")


def zstd_pieces(read, label: str):
    """Decompressed pieces of a zstandard stream of one or more frames, read with ``read()``
    (Pushshift's long window allowed); a frame cut short is an error (the library's stream
    reader would end quietly).

    Raises
    ------
    LoadError
        If the stream is damaged or ends inside a frame (naming how many decompressed bytes
        came before).
    """
    import zstandard

    dctx = zstandard.ZstdDecompressor(max_window_size=1 << 31)
    dobj = dctx.decompressobj()
    fed = False  # the current frame has had input
    produced = 0
    while True:
        data = read()
        if not data:
            break
        while data:
            try:
                block = dobj.decompress(data)
            except zstandard.ZstdError as exc:
                raise LoadError(f"{label}: damaged zstandard stream after {produced:,} "
                                f"decompressed bytes: {exc}") from None
            fed = True
            if block:
                produced += len(block)
                yield block
            if dobj.eof:
                data = dobj.unused_data
                dobj, fed = dctx.decompressobj(), False
            else:
                data = b""
    if fed:
        raise LoadError(f"{label}: damaged or truncated zstandard stream: it ends inside a frame after "
                        f"{produced:,} decompressed bytes")


def _decoder(magic: bytes):
    """The streaming decoder (:func:`gzip_pieces` or :func:`zstd_pieces`) for content that
    starts with ``magic``, or None when it is not compressed."""
    if magic[:2] == _GZIP_MAGIC:
        return gzip_pieces
    if magic[:4] == _ZSTD_MAGIC:
        return zstd_pieces
    return None


def _decompress(raw: bytes, pieces, label: str) -> bytes:
    """All of ``raw`` through the streaming decoder ``pieces``, fed in one go: each gzip
    member or zstandard frame comes out whole, and a lone one is returned without the copy
    a join would make."""
    feed = [raw]
    out = list(pieces(lambda: feed.pop() if feed else b"", label))
    return out[0] if len(out) == 1 else b"".join(out)


class _Decoded(io.RawIOBase):
    """A read-only stream over what the decoder ``pieces`` makes of the open file ``fh``
    (closed with it)."""

    def __init__(self, fh, pieces, label: str):
        self._fh = fh
        self._pieces = pieces(lambda: fh.read(1 << 16), label)
        self._left = memoryview(b"")
        self._error: LoadError | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._error is not None:  # a damaged stream stays damaged: never a quiet end
            raise self._error
        while not self._left:
            try:
                piece = next(self._pieces, None)
            except LoadError as exc:
                self._error = exc
                raise
            if piece is None:
                return 0
            self._left = memoryview(piece)
        n = min(len(buffer), len(self._left))
        buffer[:n] = self._left[:n]
        self._left = self._left[n:]
        return n

    def close(self) -> None:
        if not self.closed:
            self._pieces.close()
            self._fh.close()
        super().close()


def _strip_compression(name: str) -> str:
    lower = name.lower()
    for suffix in _COMPRESSED:
        if lower.endswith(suffix):
            return lower[: -len(suffix)]
    return lower


def _is_candidate(path: Path) -> bool:
    return Path(_strip_compression(path.name)).suffix in DATA_SUFFIXES


def source_for(path: Path, root: Path) -> Source:
    """A :class:`Source` for ``path`` labelled relative to ``root``'s parent."""
    base = root.parent
    try:
        label = path.relative_to(base).as_posix()
    except ValueError:
        label = path.name
    if label in ("", "."):
        label = path.name
    try:
        size = path.stat().st_size if path.is_file() else 0
    except OSError:
        size = 0  # reading it will say why
    return Source(path=path, label=label, size=size)


def find_sources(root: Path, *, skip_dirs: set[Path] | frozenset = frozenset(),
                 unreadable: list | None = None,
                 left_out: dict[str, list[Path]] | None = None) -> list[Source]:
    """Candidate data files under ``root`` (recursively, sorted, hidden entries skipped).

    ``root`` itself when it is a file. ``skip_dirs`` are directories left out with their
    content (saved corpora met inside a walk). Symbolic links to folders are followed, each
    real folder once (a link back up the tree is not a loop). ``unreadable`` collects
    ``(Source, reason)`` for every folder that cannot be listed and every data file that is
    no regular file (a FIFO is never opened: it would block). With ``left_out`` (a dict),
    saved corpora and corpus stores below ``root`` are not read but listed there by kind
    (``"corpus"``, ``"store"``).
    """
    root = Path(root)
    if root.is_file():
        return [source_for(root, root)]
    found: list[Source] = []
    lost = unreadable if unreadable is not None else []
    skip = {os.path.realpath(d) for d in skip_dirs}
    seen: set[str] = set()

    def visit(folder: Path) -> None:
        real = os.path.realpath(folder)
        if real in seen or real in skip:
            return
        seen.add(real)
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            lost.append((source_for(folder, root), f"cannot read the folder: {_why(exc)}"))
            return
        if left_out is not None and folder != root and any(e.name in MANIFESTS
                                                            for e in entries):
            kind = kind_of(folder)
            if kind is not None:  # else its corpus.json / store.json is read as an input
                left_out.setdefault(kind, []).append(folder)
                return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = folder / entry.name
            try:
                is_dir = entry.is_dir()  # follows symbolic links
                kind = os.stat(path).st_mode if not is_dir else None
            except OSError as exc:
                if _is_candidate(path):  # a dangling link or a file that vanished
                    lost.append((source_for(path, root), f"cannot read: {_why(exc)}"))
                continue
            if is_dir:
                visit(path)
            elif _is_candidate(path):
                if stat.S_ISREG(kind):
                    found.append(source_for(path, root))
                else:
                    lost.append((source_for(path, root),
                                 f"not a regular file ({_special(kind)}): not read"))

    visit(root)
    return found


def _special(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


@dataclass
class Walk:
    """What :func:`walk` found under a path.

    Attributes
    ----------
    root : Path
    sources : list of Source
        The files to read, in load order.
    corpora, stores : list of Path
        Saved corpora and corpus stores met inside the folder, left out (not hidden ones:
        nothing under a hidden entry is looked at).
    unreadable : list of (Source, str)
        Folders that could not be listed and data files that are no regular files, with
        the reason: a load lists each in ``files`` and ``rejected`` and warns.
    """

    root: Path
    sources: list[Source]
    corpora: list[Path] = field(default_factory=list)
    stores: list[Path] = field(default_factory=list)
    unreadable: list = field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        """The warnings a load or an ingest gives about the folders left out."""
        notes = []
        if self.corpora:
            notes.append(f"{len(self.corpora)} saved corpus folder(s) inside {self.root.name} "
                         "were not read; load each with wb.load(folder)")
        if self.stores:
            # its store.json is JSON but no export: read as one, it would only be rejected
            notes.append(f"{len(self.stores)} corpus store folder(s) inside {self.root.name} "
                         "were not read; open each with wb.open_store(folder)")
        if self.unreadable:
            notes.append(f"{len(self.unreadable)} file(s) or folder(s) inside {self.root.name} "
                         "could not be read: "
                         + "; ".join(f"{s.label}: {why}" for s, why in self.unreadable[:5])
                         + (" ..." if len(self.unreadable) > 5 else ""))
        return notes


def walk(path: str | Path) -> Walk:
    """The files to read under ``path`` (a file: itself), and the saved corpora and stores
    inside it that are left out (:attr:`Walk.notes` words the warning).

    A saved corpus given as ``path`` itself is not walked: read it with
    :func:`workbench.corpus.read_corpus` (test with :func:`workbench.folders.is_saved_corpus`).

    Raises
    ------
    LoadError
        If ``path`` does not exist, is a corpus store, or is a folder without exports.

    Examples
    --------
    >>> import tempfile, workbench as wb
    >>> from pathlib import Path
    >>> root = Path(tempfile.mkdtemp()) / "exports"
    >>> root.mkdir()
    >>> _ = (root / "result.json").write_text('{"messages": []}')
    >>> _ = wb.Corpus.empty().to_parquet(root / "saved")
    >>> found = walk(root)
    >>> [s.label for s in found.sources], [p.name for p in found.corpora]
    (['exports/result.json'], ['saved'])
    >>> found.notes
    ['1 saved corpus folder(s) inside exports were not read; load each with wb.load(folder)']
    """
    root = Path(path)
    try:
        mode = os.stat(root).st_mode
    except FileNotFoundError:
        raise LoadError(f"{root.name or path}: no such file or folder") from None
    except OSError as exc:
        raise LoadError(f"{root.name or path}: cannot read: {_why(exc)}") from None
    if stat.S_ISREG(mode):
        return Walk(root, [source_for(root, root)])
    if not stat.S_ISDIR(mode):
        raise LoadError(f"{root.name or path}: not a regular file or folder "
                        f"({_special(mode)}): nothing to load")
    if is_store(root):
        raise LoadError(f"{root.name}: a corpus store; open it with wb.open_store")
    found: dict[str, list[Path]] = {"corpus": [], "store": []}
    unreadable: list = []
    sources = find_sources(root, unreadable=unreadable, left_out=found)
    corpora, stores = sorted(found["corpus"]), sorted(found["store"])
    if not sources:
        lost = "".join(f"; {s.label}: {why}" for s, why in unreadable[:5])
        raise LoadError(
            f"{root.name}: no exports found in this folder (looked for "
            f"{', '.join(sorted(DATA_SUFFIXES))}, also .gz/.zst){lost}")
    return Walk(root, sources, corpora, stores, unreadable)
