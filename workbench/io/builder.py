"""The shared record builder: every format reader turns records into rows here, and
:meth:`Builder.build` turns all rows of a load into one validated :class:`~workbench.Corpus`.

A reader works on one :class:`FileOutput` per input file:

* ``part = out.part(channel_id, name=..., kind=...)`` opens an *export unit* (a channel as one
  file shows it); rows added afterwards belong to it. When two units hold the same
  (channel_id, message_id), the newer unit's row wins (newer = later maximum message date, then
  later in file order) and the other is counted as ``merged``.
* ``out.add_message(index, channel_id=..., message_id=..., date=..., ...)`` adds one message
  (dates as int nanoseconds since the epoch, UTC).
* ``out.add_service(...)``, ``out.reject(index, reason, raw)``, ``out.warn(message)``.

``index`` locates the record in its file, which ``source`` records as ``<file>#<index>``: a
record or line number counted from 1, or a path of such numbers (the convention is set out in
:mod:`workbench.io.records`, with the helpers readers share).

Fast readers declare the columns they fill with ``cols = out.columns([...])`` and append
one value per column per message (see :meth:`FileOutput.columns`).

Nothing a reader adds reaches the corpus unless the whole file was read: a file that fails
half-way leaves no rows behind (:meth:`Builder.discard`).

Examples
--------
>>> from workbench.io.builder import Builder
>>> from workbench.io.sources import Source
>>> from pathlib import Path
>>> b = Builder()
>>> out = b.file(Source(Path("x.json"), "x.json"), "example")
>>> part = out.part("telegram:1", name="One", kind="channel")
>>> out.add_message(1, message_id=7, date=1_480_000_000 * 10**9, text="hi @someone")
True
>>> out.add_service(2, message_id=1, date=None, action="create_channel")
>>> b.commit(out)
>>> corpus = b.build()
>>> corpus.messages[["channel_id", "message_id", "text", "source"]].to_dict("records")
[{'channel_id': 'telegram:1', 'message_id': 7, 'text': 'hi @someone', 'source': 'x.json#1'}]
>>> corpus.messages["mentions"][0]
['someone']
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa

from .. import schema
from ..corpus import Corpus
from ..errors import LoadError, ParameterError
from . import entities
from ._chunks import FIELDS, LIST, NAT, STR, TIME
from ._chunks import bad_rows, needs_check, value_problem
from ._chunks import (categorical, columns_to_chunk, may_overlap, newest_part_per_channel,
                      newest_wins, ns_to_utc, ns_to_utc_array, nullable_int, part_max_dates,
                      part_ranks)
from .resolve import (add_forward_sources, add_known_names, channel_key, fill_names,
                      rekey_by_handle,
                      rekey_by_name, rekey_by_telegram_handle, resolve_forwards)
from .sources import Source

__all__ = ["FIELDS", "Builder", "FileOutput", "Part", "Merged", "resolve_tz", "raw_excerpt",
           "ns_to_utc", "RAW_LIMIT"]

_DEFAULTS = {c: ([] if c in LIST else None) for c in FIELDS}
#: Rows are converted to compact Arrow columns in chunks of this many.
CHUNK_ROWS = 1 << 16
#: Longest excerpt of a rejected record kept in ``rejected.raw``.
RAW_LIMIT = 2000
_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def resolve_tz(tz: str | tzinfo | None) -> tzinfo:
    """A tzinfo for ``tz``: an IANA name (``"Europe/Moscow"``), ``"UTC"``, an offset
    (``"+03:00"``, ``"UTC+3"``) or a tzinfo.

    Raises
    ------
    ParameterError
        If ``tz`` is none of those.

    Examples
    --------
    >>> resolve_tz("+03:00")
    datetime.timezone(datetime.timedelta(seconds=10800))
    >>> resolve_tz("Europe/Berlin")
    zoneinfo.ZoneInfo(key='Europe/Berlin')
    """
    if tz is None:
        return timezone.utc
    if isinstance(tz, tzinfo):
        return tz
    if isinstance(tz, str):
        text = tz.strip()
        if text.upper() in ("UTC", "Z", "GMT"):
            return timezone.utc
        match = _OFFSET.match(text)
        if match:
            sign = -1 if match.group(1) == "-" else 1
            delta = timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))
            return timezone(sign * delta)
        try:
            return ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise ParameterError(
        f"tz={tz!r} is not a time zone: use an IANA name such as 'Europe/Moscow', 'UTC', "
        "or an offset such as '+03:00'"
    )


def raw_excerpt(record: object, limit: int = RAW_LIMIT) -> str:
    """A record as compact JSON, cut to ``limit`` characters, for ``rejected.raw``."""
    if isinstance(record, (bytes, bytearray)):
        text = bytes(record[: limit * 4]).decode("utf-8", errors="replace")
    else:
        try:
            text = orjson.dumps(record, option=orjson.OPT_NON_STR_KEYS).decode()
        except (TypeError, orjson.JSONEncodeError):
            text = repr(record)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Part:
    """One export unit: the messages of one channel as one file shows them."""

    index: int
    file: int
    order: int
    platform: str
    channel_id: str
    name: str | None
    kind: str
    handle: str | None
    resolved: bool
    #: ``"<file label>#<locator>"``, to which record numbers are appended in ``source`` (see
    #: the locators of :mod:`workbench.io.records`)
    source_prefix: str = ""
    #: message ids already added for this unit (a repeat within one export is rejected)
    seen: set = field(default_factory=set)
    #: the export gives no id (HTML exports): ``channel_id`` is the name key, and the build
    #: re-keys it with the id another export or the ``channels=`` table gives that name
    keyed_by_name: bool = False
    #: what the export says about the chat: public (True), private (False), unknown (None);
    #: used only when pseudonymising (see :mod:`workbench.privacy`)
    public: bool | None = None
    #: channel metadata the export gives beyond the schema (TGDataset: ``subscribers``,
    #: ``scam``, ...): extra columns of ``channels``
    extra: dict = field(default_factory=dict)


class FileOutput:
    """What one reader adds for one input file; see the module docstring."""

    def __init__(self, builder: "Builder", source: Source, fmt: str, file_index: int):
        self.builder = builder
        self.source = source
        self.format = fmt
        self.file_index = file_index
        self.tz = builder.tz
        #: message columns being filled, one list per declared column (see :meth:`columns`)
        self.cols: dict[str, list] = {}
        self.parts: list[Part] = []
        self.chunks: list[dict] = []
        self.service: list[tuple] = []
        self.rejected: list[tuple] = []
        self.warnings: list[str] = []
        self.forward_ids: dict[str, str | None] = {}
        self._marks: list[tuple[int, int]] = []  # (row offset, position in self.parts)
        self._loaded = 0

    # -- parts -------------------------------------------------------------------------
    def part(self, channel_id: str, *, name: str | None = None, kind: str = "unknown",
             handle: str | None = None, platform: str = "telegram",
             resolved: bool = True, locator: str = "") -> Part:
        """Open an export unit; following rows belong to it. ``locator`` prefixes record
        numbers in ``source`` (``"chats/3/"`` gives ``file#chats/3/12``)."""
        if kind not in schema.KIND_DTYPE.categories:
            kind = "unknown"
        index = self.builder._next_part + len(self.parts)
        part = Part(index=index, file=self.file_index, order=index, platform=platform,
                    channel_id=channel_id, name=name or None, kind=kind,
                    handle=handle or None, resolved=resolved,
                    source_prefix=f"{self.source.label}#{locator}")
        self.parts.append(part)
        self._marks.append((self.nrows, len(self.parts) - 1))
        return part

    def resume(self, part: Part) -> Part:
        """Make ``part``, opened earlier in this file, current again: following rows belong
        to it (for files that interleave channels, such as a JSON Lines dump of several)."""
        pos = part.index - self.builder._next_part
        if not (0 <= pos < len(self.parts) and self.parts[pos] is part):
            raise LoadError(f"{self.source.label}: reader bug: resumed a part of another file")
        if self._marks[-1][1] != pos:
            self._marks.append((self.nrows, pos))
        return part

    @property
    def current(self) -> Part:
        if not self.parts:
            raise LoadError(f"{self.source.label}: a reader added a message before a channel")
        # the part of the latest mark: the last one opened, or the one resumed since
        return self.parts[self._marks[-1][1]]

    # -- records -----------------------------------------------------------------------
    def columns(self, names) -> dict[str, list]:
        """Declare the message columns this file fills, get one list per column.

        A fast reader appends exactly one value to every one of these lists per message
        (nothing for a rejected record). ``channel_id`` and ``channel`` default to the part's,
        ``source`` to the part's locator plus the record number appended to ``"_index"``; undeclared
        columns are null (list columns: empty lists). Dates are int nanoseconds, UTC.
        """
        names = list(names)
        unknown = set(names) - set(FIELDS) - {"_index"}
        if unknown:
            raise TypeError(f"unknown message columns: {sorted(unknown)}")
        if self.cols and set(self.cols) != set(names):
            raise TypeError(f"{self.source.label}: message columns already declared as "
                            f"{sorted(self.cols)}")
        if not self.cols:
            self.cols = {name: [] for name in names}
        return self.cols

    @property
    def nrows(self) -> int:
        """Messages added and not yet flushed."""
        for values in self.cols.values():
            return len(values)
        return 0

    def source_of(self, index: int | str) -> str:
        prefix = self.current.source_prefix if self.parts else f"{self.source.label}#"
        return f"{prefix}{index}"

    def add_message(self, index: int | str, **fields) -> bool:
        """Add one message of the current part (the simple, slower way).

        Fields are :data:`FIELDS`; ``channel_id`` and ``channel`` default to the part's;
        ``mentions``/``links``/``hashtags`` default to what
        :func:`~workbench.io.entities.from_text` finds in ``text``; ``""`` becomes null.
        Returns False (and rejects the record) when its (channel_id, message_id) repeats
        within the export.
        """
        unknown = set(fields) - set(FIELDS)
        if unknown:
            raise TypeError(f"unknown message fields: {sorted(unknown)}")
        cols = self.columns(FIELDS)
        part = self.current
        row = dict(_DEFAULTS)
        row.update(fields)
        row["channel_id"] = row["channel_id"] or part.channel_id
        row["channel"] = row["channel"] or part.name
        row["source"] = row["source"] or self.source_of(index)
        for col in STR:
            if row[col] == "":
                row[col] = None
        if not any(c in fields for c in LIST) and row["text"]:
            row["mentions"], row["links"], row["hashtags"] = entities.from_text(row["text"])
        key = (row["channel_id"], row["message_id"])
        if key in part.seen:
            self.reject(index, f"duplicate message id {row['message_id']} within one export "
                               f"of {row['channel_id']} (the first is kept)", fields)
            return False
        part.seen.add(key)
        for col, values in cols.items():
            values.append(row[col])
        self.maybe_flush()
        return True

    def add_service(self, index: int | str, *, channel_id: str | None = None,
                    message_id: int | None = None, date: int | None = None,
                    action: str | None = None, actor_id: str | None = None,
                    actor: str | None = None, text: str | None = None) -> None:
        """Add one service record (channel created, pinned, member joined, ...); one whose
        id or date cannot be held is rejected, naming the value."""
        part = self.current
        for name, value in (("message_id", message_id), ("date", date)):
            problem = value_problem(name, value)
            if problem is not None:
                self.reject(index, f"service record: {problem}", value)
                return
        for name, value in (("action", action), ("actor_id", actor_id), ("actor", actor),
                            ("text", text)):
            if value is not None and type(value) is not str:
                self.reject(index, f"service record: {name} {value!r:.80} is not a string",
                            value)
                return
        self.service.append((part.platform, channel_id or part.channel_id, message_id, date,
                             action or None, actor_id or None, actor or None, text or None,
                             self.source_of(index), part.index))

    def reject(self, index: int | str, reason: str, raw: object = None) -> None:
        """Reject one record with a reason (and an excerpt of it)."""
        self.rejected.append((self.source_of(index), reason,
                              None if raw is None else raw_excerpt(raw)))

    def warn(self, message: str) -> None:
        """Queue a warning; :func:`workbench.load` emits it once, pointing at the caller."""
        self.warnings.append(message)

    def note_forward_id(self, channel_id: str, name: str | None) -> None:
        """A forward source known by id (not necessarily exported in this load)."""
        if type(channel_id) is not str or not channel_id:
            return
        if name or channel_id not in self.forward_ids:
            self.forward_ids[channel_id] = name

    def advance(self, nbytes: int) -> None:
        """Report progress in bytes of this file's on-disk size."""
        self.builder._advance(nbytes)

    # -- chunking ----------------------------------------------------------------------
    def maybe_flush(self) -> None:
        if self.nrows >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        """Convert pending rows to compact column chunks (the lists are emptied in place)."""
        n = self.nrows
        marks = self._marks
        if n == 0:
            self._marks = marks[-1:]
            if marks:
                self._marks = [(0, marks[-1][1])]
            return
        lengths = {len(v) for v in self.cols.values()}
        if len(lengths) != 1:
            raise LoadError(f"{self.source.label}: reader bug: message columns of different "
                            f"lengths {sorted(lengths)}")
        live = [(start, pos) for start, pos in marks]
        counts = np.diff([m[0] for m in live] + [n])
        parts = [self.parts[pos] for _, pos in live]
        try:
            chunk = columns_to_chunk(self.cols, parts, counts, n, self.source.label)
            suspect = needs_check(self.cols, chunk)
        except LoadError:
            suspect = True
        if suspect:
            # A value no reader validated: reject its row (naming the value), keep the rest.
            self._reject_bad_rows()
            n = self.nrows
            marks = self._marks
            if n == 0:
                self._marks = [(0, marks[-1][1])]
                return
            live = [(start, pos) for start, pos in marks]
            counts = np.diff([m[0] for m in live] + [n])
            parts = [self.parts[pos] for _, pos in live]
            chunk = columns_to_chunk(self.cols, parts, counts, n, self.source.label)
        self.chunks.append(chunk)
        for values in self.cols.values():
            values.clear()
        self._loaded += n
        self._marks = [(0, marks[-1][1])]

    def _reject_bad_rows(self) -> None:
        """Move the pending rows holding a value their column cannot hold to ``rejected``."""
        bad = bad_rows(self.cols)
        if not bad:
            return
        marks = self._marks
        starts = [m[0] for m in marks]
        index = self.cols.get("_index")
        sources = self.cols.get("source")
        for i in sorted(bad):
            reason, value = bad[i]
            part = self.parts[marks[bisect.bisect_right(starts, i) - 1][1]]
            if sources is not None and type(sources[i]) is str:
                where = sources[i]
            else:
                where = part.source_prefix + str(index[i] if index is not None else i + 1)
            self.rejected.append((where, reason, raw_excerpt(value)))
        dropped = sorted(bad)
        for name, values in self.cols.items():
            values[:] = [v for i, v in enumerate(values) if i not in bad]
        new_marks = []
        for start, pos in marks:
            start -= bisect.bisect_left(dropped, start)
            if new_marks and new_marks[-1][0] == start:
                new_marks[-1] = (start, pos)  # a run that lost all its rows
            else:
                new_marks.append((start, pos))
        self._marks = new_marks

    def reset(self) -> None:
        """Forget everything added so far (a reader retrying another way)."""
        self.__init__(self.builder, self.source, self.format, self.file_index)

    @property
    def loaded(self) -> int:
        return self._loaded + self.nrows


class Builder:
    """Collects what the readers of one load add, then builds the corpus.

    Parameters
    ----------
    tz : str or tzinfo, default "UTC"
        Offset assumed for local times that carry none (see :func:`resolve_tz`).
    progress : callable, optional
        Called with a number of bytes as reading advances.
    channel_id : str or int, optional
        ``load(channel_id=...)``: the id of a chat whose export gives none (Telegram Desktop
        HTML exports name their chat only), as ``"telegram:<id>"``, a bare or Bot API id.
    """

    def __init__(self, *, tz: str | tzinfo | None = "UTC", progress=None,
                 channel_id: str | int | None = None):
        self.tz = resolve_tz(tz)
        self.channel_id = channel_key(channel_id)
        self._progress = progress
        self._next_part = 0
        self.parts: list[Part] = []
        self.chunks: list[dict] = []
        self.service: list[tuple] = []
        self.rejected: list[tuple] = []
        self.files: list[dict] = []
        self.warnings: list[str] = []
        self.forward_ids: dict[str, str | None] = {}
        self.bad_files: list[tuple[str, str]] = []
        #: for pseudonymising: keys whose id says user, display names of mentioned users
        self.persons: set[str] = set()
        self.mention_names: dict[str, str | None] = {}
        self._rank: np.ndarray | None = None
        self._part_max: np.ndarray | None = None

    def _advance(self, nbytes: int) -> None:
        if self._progress is not None and nbytes:
            self._progress(nbytes)

    def file(self, source: Source, fmt: str) -> FileOutput:
        """Staging area for one file; :meth:`commit` or :meth:`discard` it."""
        return FileOutput(self, source, fmt, len(self.files))

    def commit(self, out: FileOutput) -> None:
        """Keep everything ``out`` holds."""
        out.flush()
        self.parts.extend(out.parts)
        self._next_part += len(out.parts)
        self.chunks.extend(out.chunks)
        self.service.extend(out.service)
        self.rejected.extend(out.rejected)
        self.warnings.extend(out.warnings)
        for cid, name in out.forward_ids.items():
            if name or cid not in self.forward_ids:
                self.forward_ids[cid] = name
        loaded = out.loaded
        self.files.append({
            "path": out.source.label, "format": out.format, "size": out.source.size,
            "sha256": _digest(out.source),
            "records": loaded + len(out.service) + len(out.rejected),
            "loaded": loaded, "service": len(out.service), "rejected": len(out.rejected),
            "merged": 0,
        })

    def absorb(self, other: "Builder") -> None:
        """Append everything ``other`` read (say, in another process) as if this builder had
        read it, after what it holds: parts and files are renumbered, file order kept."""
        parts, files = self._next_part, len(self.files)
        for part in other.parts:
            part.index += parts
            part.order += parts
            part.file += files
        self.parts.extend(other.parts)
        self._next_part += other._next_part
        for chunk in other.chunks:
            chunk["_part"] = chunk["_part"] + parts
        self.chunks.extend(other.chunks)
        self.service.extend(row[:-1] + (row[-1] + parts,) for row in other.service)
        self.rejected.extend(other.rejected)
        self.files.extend(other.files)
        self.warnings.extend(other.warnings)
        self.bad_files.extend(other.bad_files)
        for cid, name in other.forward_ids.items():
            if name or cid not in self.forward_ids:
                self.forward_ids[cid] = name
        self.persons |= other.persons
        self.mention_names.update(other.mention_names)

    def discard(self, source: Source, fmt: str | None, reason: str, *,
                note: bool = True) -> None:
        """Record a file (or folder) that could not be read at all: one rejected row, one
        files row; ``note=False``: a warning names it already (the folder walk's)."""
        self.rejected.append((source.label, reason, None))
        if note:
            self.bad_files.append((source.label, reason))
        self.files.append({
            "path": source.label, "format": fmt or "unknown", "size": source.size,
            "sha256": _digest(source), "records": 1, "loaded": 0, "service": 0, "rejected": 1,
            "merged": 0,
        })

    # -- building ----------------------------------------------------------------------
    def merge(self, *, labels=None) -> "Merged":
        """The messages and service records of every file read, duplicates across exports
        merged (the newest export's version kept) and chats known by name or username
        re-keyed with the ids the load gives them; forwards not yet resolved by name.

        What :meth:`build` starts from, and what a store writes (it resolves forwards over
        everything it holds when read). Call it once: the rows are handed over.
        """
        rekey_by_name(self, labels)
        rekey_by_telegram_handle(self)
        messages, part_of_row, merged_per_file = self._messages()
        messages["_part"] = part_of_row  # followed through the re-keying's reordering
        messages = rekey_by_handle(self.parts, messages, self.warnings)
        part_of_row = messages.pop("_part").to_numpy(dtype=np.int64)
        service, merged_service = self._service_frame()
        part_max = (self._part_max if self._part_max is not None
                    else np.full(len(self.parts), NAT, dtype=np.int64))
        return Merged(messages, part_of_row, part_max, merged_per_file, service, merged_service)

    def build(self, *, labels=None) -> Corpus:
        """All tables of the load, merged, resolved, labelled and validated."""
        merged = self.merge(labels=labels)
        messages, merged_per_file = merged.messages, merged.merged_per_file
        channels = self._channels()
        names: dict[str, list] = {}  # every title each export gave (renamed between exports)
        for part in self.parts:
            names.setdefault(part.channel_id, []).append(part.name)
        channels = add_known_names(channels, merged.service, names)
        for platform in schema.PLATFORMS:  # a name resolves among its own platform only
            messages = resolve_forwards(messages, channels, self.warnings, platform=platform)
        channels = add_forward_sources(channels, messages, self.forward_ids)
        messages = fill_names(messages, channels)
        files = pd.DataFrame(self.files, columns=list(schema.FILES))
        if len(files):
            files["merged"] = merged_per_file[: len(files)]
            files["loaded"] = files["loaded"] - files["merged"]
        service, merged_service = merged.service, merged.merged_service
        if len(files):
            files["merged"] += merged_service[: len(files)]
            files["service"] -= merged_service[: len(files)]
        n_merged = int(merged_per_file.sum())
        if n_merged or merged_service.any():
            also = (f" and {int(merged_service.sum()):,} service record(s)"
                    if merged_service.any() else "")
            self.warnings.append(
                f"merged {n_merged:,} duplicate message(s){also}: the same (channel_id, "
                "message_id) in more than one export; the newest export's version was kept "
                "(see files.merged)"
            )
        rejected = pd.DataFrame(self.rejected, columns=list(schema.REJECTED))
        channels = schema.conform(channels, "channels")
        if labels is not None:
            from .labels import join_labels

            channels, messages = join_labels(channels, messages, labels, self.warnings)
        return Corpus(
            messages=messages,
            channels=channels,
            rejected=schema.conform(rejected, "rejected"),
            service=schema.conform(service, "service"),
            files=schema.conform(files, "files"),
        )

    def _messages(self) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        """(messages, the part each row came from, merged rows per file)."""
        n_files = len(self.files)
        merged_per_file = np.zeros(n_files, dtype=np.int64)
        chunks = self.chunks
        if not chunks:
            return schema.empty("messages"), np.zeros(0, dtype=np.int64), merged_per_file
        arrow = {
            c: pa.chunked_array([ch[c] for ch in chunks],
                                type=pa.large_string() if c in STR else pa.int64())
            for c in FIELDS if c not in LIST
        }
        lists = {c: pa.chunked_array([ch[c] for ch in chunks], type=schema.LIST_ARROW)
                 for c in LIST}
        part = np.concatenate([ch["_part"] for ch in chunks])
        self.chunks = []
        date = arrow["date"].to_numpy()
        mid = arrow["message_id"].to_numpy()
        cid_codes, _ = pd.factorize(pd.array(arrow["channel_id"], dtype=schema.STRING),
                                    sort=True)

        keep = None
        self._part_max = part_max_dates(len(self.parts), part, date)
        self._rank = part_ranks(self.parts, self._part_max)
        if may_overlap(self.parts):
            keep, dropped_parts = newest_wins(self._rank, part, mid, cid_codes)
            if dropped_parts is not None and len(dropped_parts):
                file_of_part = np.asarray([p.file for p in self.parts], dtype=np.int64)
                merged_per_file += np.bincount(file_of_part[dropped_parts],
                                               minlength=n_files)
        if keep is not None:
            idx = np.flatnonzero(keep)
            date, mid, cid_codes, part = date[idx], mid[idx], cid_codes[idx], part[idx]
        else:
            idx = None
        order = np.lexsort((mid, cid_codes, date))  # stable; date first, then channel, id
        take = order if idx is None else idx[order]
        # One chronological export (the common case) needs no reordering at all.
        identity = (len(take) == len(arrow["date"])
                    and bool((take == np.arange(len(take))).all()))
        take_pa = pa.array(take, type=pa.int64())
        platforms = np.asarray(
            [schema.PLATFORMS.index(p.platform) for p in self.parts], dtype=np.int8)

        data: dict[str, object] = {}
        data["platform"] = pd.Categorical.from_codes(platforms[part[order]],
                                                     dtype=schema.PLATFORM_DTYPE)
        for c in FIELDS:
            if c in LIST:
                data[c] = schema.list_array(lists[c] if identity else lists[c].take(take_pa))
            elif c == "message_id":
                data[c] = mid[order]
            elif c == "date":
                data[c] = ns_to_utc_array(date[order])
            else:
                col = arrow[c] if identity else arrow[c].take(take_pa)
                if c == "media_type":
                    data[c] = categorical(col)
                elif c in STR:
                    data[c] = pd.array(col, dtype=schema.STRING)
                elif c in TIME:
                    data[c] = ns_to_utc(col)
                else:
                    data[c] = nullable_int(col)
        frame = pd.DataFrame(data, columns=list(schema.MESSAGES), copy=False)
        return frame, part[order], merged_per_file

    def _service_frame(self) -> tuple[pd.DataFrame, np.ndarray]:
        """Service records; a record re-exported in a newer export of its channel is kept
        from the newest only (counted as merged)."""
        merged = np.zeros(len(self.files), dtype=np.int64)
        frame = pd.DataFrame(self.service, columns=[*schema.SERVICE, "_part"])
        frame["date"] = ns_to_utc(pd.array(frame["date"].tolist(), dtype="Int64"))
        if len(frame) and may_overlap(self.parts):
            ranks = self._rank if self._rank is not None else np.arange(len(self.parts))
            rank = ranks[frame["_part"].to_numpy(dtype=np.int64)]
            keyed = frame["message_id"].notna().to_numpy()
            best = (pd.Series(rank).groupby([frame["channel_id"], frame["message_id"]],
                                             dropna=False).transform("max").to_numpy())
            drop = keyed & (rank < best)
            if drop.any():
                file_of_part = np.asarray([p.file for p in self.parts], dtype=np.int64)
                dropped = frame.loc[drop, "_part"].to_numpy(dtype=np.int64)
                merged += np.bincount(file_of_part[dropped], minlength=len(self.files))
                frame = frame.loc[~drop]
        return frame.drop(columns="_part").reset_index(drop=True), merged

    def _channels(self) -> pd.DataFrame:
        newest = newest_part_per_channel(self.parts, self._rank)
        rows = []
        extra: dict = {}
        for cid, part in newest.items():
            rows.append({"channel_id": cid, "platform": part.platform, "kind": part.kind,
                         "name": part.name, "handle": part.handle, "resolved": part.resolved,
                         **part.extra})
            extra.update(dict.fromkeys(part.extra))
        frame = pd.DataFrame(rows, columns=[*schema.CHANNELS, *extra])
        for col in extra:  # nullable dtypes (Int64, boolean, UTC times) for metadata columns
            frame[col] = frame[col].convert_dtypes()
        return frame


def _digest(source: Source) -> str | None:
    try:
        return source.hash_file()
    except OSError:  # gone since it was read (or never on disk)
        return None


@dataclass
class Merged:
    """What :meth:`Builder.merge` hands over.

    Attributes
    ----------
    messages : DataFrame
        The canonical messages columns, sorted by (date, channel_id, message_id).
    part_of_row : ndarray
        Per message row, the index of the :class:`Part` (export unit) it came from.
    part_max : ndarray
        Per part, its latest message date (int ns; the int64 minimum when it has none): how
        new the export is.
    merged_per_file, merged_service : ndarray
        Per file, messages and service records dropped for a newer export's version.
    service : DataFrame
        Service records (dates as UTC), duplicates merged.
    """

    messages: pd.DataFrame
    part_of_row: np.ndarray
    part_max: np.ndarray
    merged_per_file: np.ndarray
    service: pd.DataFrame
    merged_service: np.ndarray
