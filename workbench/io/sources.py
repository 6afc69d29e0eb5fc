"""Input files: finding them under a directory, naming them without local paths, reading them
(plain, gzip or zstandard) while hashing what is on disk.

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

import gzip
import hashlib
import io
import threading
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import LoadError

__all__ = ["Source", "find_sources", "source_for", "DATA_SUFFIXES", "HEAD_BYTES"]

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
            magic = fh.read(4)
        if magic[:2] == _GZIP_MAGIC:
            return "gzip"
        if magic == _ZSTD_MAGIC:
            return "zstd"
        return None

    def head(self, n: int = HEAD_BYTES) -> bytes:
        """The first ``n`` decompressed bytes (fewer if the file is shorter)."""
        if self.path.is_dir():
            return b""
        try:
            with self.open() as fh:
                return fh.read(n)
        except (OSError, EOFError, zlib.error) as exc:
            if self.compression is None:
                raise LoadError(f"{self.label}: cannot read: {exc}") from exc
            return b""  # a damaged compressed stream: reading it will say where

    def open(self):
        """A binary stream of the decompressed content (the caller closes it)."""
        kind = self.compression
        if kind == "gzip":
            return gzip.open(self.path, "rb")
        if kind == "zstd":
            import zstandard

            return zstandard.ZstdDecompressor().stream_reader(open(self.path, "rb"),
                                                              closefd=True)
        return open(self.path, "rb")

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
            raise LoadError(f"{self.label}: cannot read: {exc}") from exc
        self.size = len(raw)
        self._hash_in_background(raw)
        if raw[:2] == _GZIP_MAGIC:
            return _gunzip(raw, self.label)
        if raw[:4] == _ZSTD_MAGIC:
            return _unzstd(raw, self.label)
        return raw

    def _hash_in_background(self, raw: bytes) -> None:
        # hashlib releases the GIL on large buffers: hashing beside the parse is free time.
        if len(raw) < (1 << 22):
            self.sha256 = hashlib.sha256(raw).hexdigest()
            return
        digest = hashlib.sha256()
        thread = threading.Thread(target=digest.update, args=(raw,), daemon=True)
        thread.start()
        self._pending = (thread, digest)

    def hash_file(self) -> str:
        """Compute (streaming) and return :attr:`sha256` if a reader did not set it."""
        pending = self.__dict__.pop("_pending", None)
        if pending is not None:
            thread, digest = pending
            thread.join()
            self.sha256 = digest.hexdigest()
        if self.sha256 is None:
            digest = hashlib.sha256()
            with open(self.path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
            self.sha256 = digest.hexdigest()
        return self.sha256


def _gunzip(raw: bytes, label: str) -> bytes:
    out = io.BytesIO()
    decoder = zlib.decompressobj(wbits=31)
    data = raw
    try:
        # Concatenated gzip members are legal; decode each in turn.
        while data:
            out.write(decoder.decompress(data))
            if not decoder.eof:
                raise LoadError(
                    f"{label}: truncated gzip stream: it ends at byte {len(raw):,} (compressed) "
                    f"after {out.tell():,} decompressed bytes, before the end-of-stream marker"
                )
            data = decoder.unused_data.lstrip(b"\x00")
            decoder = zlib.decompressobj(wbits=31)
    except zlib.error as exc:
        raise LoadError(
            f"{label}: damaged gzip stream after {out.tell():,} decompressed bytes: {exc}"
        ) from exc
    return out.getvalue()


def _unzstd(raw: bytes, label: str) -> bytes:
    import zstandard

    out = io.BytesIO()
    try:
        with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(raw)) as reader:
            for block in iter(lambda: reader.read(1 << 20), b""):
                out.write(block)
    except zstandard.ZstdError as exc:
        raise LoadError(
            f"{label}: damaged zstandard stream after {out.tell():,} decompressed bytes: {exc}"
        ) from exc
    return out.getvalue()


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
    size = path.stat().st_size if path.is_file() else 0
    return Source(path=path, label=label, size=size)


def find_sources(root: Path, *, skip_dirs: set[Path] | frozenset = frozenset()) -> list[Source]:
    """Candidate data files under ``root`` (recursively, sorted, hidden entries skipped).

    ``root`` itself when it is a file. ``skip_dirs`` are directories left out with their
    content (saved corpora met inside a walk).
    """
    root = Path(root)
    if root.is_file():
        return [source_for(root, root)]
    found = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if any(d == path or d in path.parents for d in skip_dirs):
            continue
        if path.is_file() and _is_candidate(path):
            found.append(source_for(path, root))
    return found
