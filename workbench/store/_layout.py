"""On-disk layout of a store: the manifest (``store.json``), the lock, file naming.

A store is a folder::

    store.json                                  the manifest: what is committed
    .lock                                       held (flock) while an ingest writes
    messages/platform=<p>/month=<YYYY-MM>/<ingest>-b<n>-<k>.parquet
    parts/<ingest>.parquet                      channel descriptions per export
    service/<ingest>.parquet   rejected/<ingest>.parquet   log/<ingest>.parquet
    index/<ingest>.parquet                      which channels each messages file holds
    labels/<ingest>.parquet                     analyst labels (the newest applies)
    staging/<ingest>/...                        an ingest in progress (same layout)

Only files listed in ``store.json`` are part of the store. An ingest writes everything under
``staging/``, moves the files into place and then replaces ``store.json`` (write, fsync,
rename): a crash before that rename leaves the previous manifest, so the store is as it was;
the files the crashed ingest left are removed by the next one.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import socket
from contextlib import contextmanager
from pathlib import Path

import orjson

from ..errors import WorkbenchError
from ..folders import STORE_FORMAT, STORE_MANIFEST

__all__ = ["FORMAT", "SCHEMA_VERSION", "MANIFEST", "TABLES", "StoreError", "StoreLockedError",
           "new_manifest", "read_manifest", "write_manifest", "write_lock", "STORE_FILE"]

FORMAT = STORE_FORMAT  # declared with the other folders the workbench writes
#: Bumped whenever the stored tables change; other versions are refused with both numbers.
SCHEMA_VERSION = 1
MANIFEST = STORE_MANIFEST
LOCK = ".lock"
STAGING = "staging"
TABLES = ("messages", "parts", "service", "rejected", "log", "index", "labels")
#: Names of files the store writes: ``<6-digit ingest>-<8 hex>`` then anything.
STORE_FILE = re.compile(r"^\d{6}-[0-9a-f]{8}(?:-[a-z0-9-]+)?\.parquet$")


class StoreError(WorkbenchError):
    """A store cannot be opened, read or written (names the store and the file)."""


class StoreLockedError(StoreError):
    """Another process is writing to the store."""


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def new_manifest() -> dict:
    return {"format": FORMAT, "schema_version": SCHEMA_VERSION, "generation": 0,
            "next_ingest": 1, "created": now_iso(), "updated": now_iso(),
            "tables": {t: [] for t in TABLES}, "ingests": []}


def read_manifest(root: Path) -> dict:
    """The committed manifest of the store at ``root``.

    Raises
    ------
    StoreError
        If ``store.json`` is missing, not JSON, not a store's, or of another schema version.
    """
    path = root / MANIFEST
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise StoreError(f"{root}: not a corpus store (no {MANIFEST})") from None
    except OSError as exc:
        raise StoreError(f"{root}/{MANIFEST}: cannot read: {exc}") from exc
    try:
        meta = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise StoreError(f"{root}/{MANIFEST}: damaged (not JSON: {exc}); the store cannot be "
                         "read") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise StoreError(f"{root}/{MANIFEST}: not a workbench corpus store "
                         f"(format {meta.get('format') if isinstance(meta, dict) else None!r})")
    version = meta.get("schema_version")
    if version != SCHEMA_VERSION:
        newer = isinstance(version, int) and version > SCHEMA_VERSION
        hint = ("it was written by a newer Channel Workbench: upgrade channel-workbench to "
                "read it" if newer else "re-ingest the original exports into a new store")
        raise StoreError(f"{root}: store schema version {version}, this workbench reads "
                         f"version {SCHEMA_VERSION}; {hint}")
    tables = meta.get("tables")
    if not isinstance(tables, dict) or any(not isinstance(tables.get(t, []), list)
                                           for t in TABLES):
        raise StoreError(f"{root}/{MANIFEST}: damaged (no table list)")
    for t in TABLES:
        tables.setdefault(t, [])
    return meta


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_manifest(root: Path, meta: dict) -> None:
    """Replace ``store.json`` atomically (temporary file, fsync, rename, fsync the folder)."""
    meta = dict(meta, updated=now_iso())
    tmp = root / f".{MANIFEST}.tmp-{os.getpid()}"
    with open(tmp, "wb") as fh:
        fh.write(orjson.dumps(meta, option=orjson.OPT_INDENT_2))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / MANIFEST)
    _fsync_dir(root)


@contextmanager
def write_lock(root: Path):
    """Hold the store's write lock (``flock`` on ``.lock``: released by the kernel when the
    process ends, so a crashed ingest never leaves a stale lock).

    Raises
    ------
    StoreLockedError
        If another process holds it (naming that process).
    """
    import fcntl  # POSIX; imported here so that `import workbench` works everywhere

    path = root / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                holder = os.pread(fd, 500, 0).decode("utf-8", "replace").strip()
            except OSError:
                holder = ""
            raise StoreLockedError(
                f"{root}: another process is ingesting into this store ({holder or 'unknown'}); "
                "wait for it to finish, then ingest again (two ingests at once would corrupt it)"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()} since {now_iso()}".encode(),
                  0)
        try:
            yield
        finally:
            try:
                os.ftruncate(fd, 0)
            except OSError:
                pass
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
