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
>>> out.add_message(0, message_id=7, date=1_480_000_000 * 10**9, text="hi @someone")
True
>>> out.add_service(1, message_id=1, date=None, action="create_channel")
>>> b.commit(out)
>>> corpus = b.build()
>>> corpus.messages[["channel_id", "message_id", "text", "source"]].to_dict("records")
[{'channel_id': 'telegram:1', 'message_id': 7, 'text': 'hi @someone', 'source': 'x.json#0'}]
>>> corpus.messages["mentions"][0]
['someone']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema
from ..corpus import Corpus
from ..errors import LoadError, ParameterError
from ..ids import name_key, normalise_name, telegram_key
from . import entities
from .sources import Source

__all__ = ["FIELDS", "Builder", "FileOutput", "Part", "resolve_tz", "raw_excerpt", "RAW_LIMIT"]

#: Message columns a reader can fill: all of messages except ``platform`` (set per part).
FIELDS = (
    "channel_id", "channel", "author_id", "author", "message_id", "date", "text",
    "fwd_from_channel_id", "fwd_from_name", "fwd_from_message_id", "fwd_from_date",
    "reply_to", "views", "forwards", "edited", "grouped_id", "media_type", "media_name",
    "media_size", "media_duration", "mentions", "links", "hashtags", "source",
)
assert set(FIELDS) | {"platform"} == set(schema.MESSAGES)
_STR = {c for c in FIELDS if schema.MESSAGES[c] == schema.STRING} | {"media_type"}
_TIME = {c for c in FIELDS if schema.MESSAGES[c] == schema.UTC_TIME}
_NULLABLE_INT = {c for c in FIELDS if schema.MESSAGES[c] == pd.Int64Dtype()}
_LIST = set(schema.LIST_COLUMNS)
_DEFAULTS = {c: ([] if c in _LIST else None) for c in FIELDS}
#: Rows are converted to compact Arrow columns in chunks of this many.
CHUNK_ROWS = 1 << 16
#: Longest excerpt of a rejected record kept in ``rejected.raw``.
RAW_LIMIT = 2000
_NAT = np.iinfo(np.int64).min
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
    #: ``"<file label>#<locator>"``, to which record indexes are appended in ``source``
    source_prefix: str = ""
    #: message ids already added for this unit (a repeat within one export is rejected)
    seen: set = field(default_factory=set)
    #: the export gives no id (HTML exports): ``channel_id`` is the name key, and the build
    #: re-keys it with the id another export or the ``channels=`` table gives that name
    keyed_by_name: bool = False


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
        indexes in ``source`` (``"chats/3/"`` gives ``file#chats/3/12``)."""
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
        ``source`` to the part's locator plus the int appended to ``"_index"``; undeclared
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
        for col in _STR:
            if row[col] == "":
                row[col] = None
        if not any(c in fields for c in _LIST) and row["text"]:
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
        """Add one service record (channel created, pinned, member joined, ...)."""
        part = self.current
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
        self.chunks.append(_columns_to_chunk(self.cols, parts, counts, n, self.source.label))
        for values in self.cols.values():
            values.clear()
        self._loaded += n
        self._marks = [(0, marks[-1][1])]

    def reset(self) -> None:
        """Forget everything added so far (a reader retrying another way)."""
        self.__init__(self.builder, self.source, self.format, self.file_index)

    @property
    def loaded(self) -> int:
        return self._loaded + self.nrows


def _segments(values: list, counts: np.ndarray, typ: pa.DataType) -> pa.Array:
    """One value per part, repeated over the part's rows."""
    arrays = [pa.repeat(pa.scalar(v, typ), int(c)) if v is not None else pa.nulls(int(c), typ)
              for v, c in zip(values, counts) if c]
    return pa.concat_arrays(arrays) if len(arrays) != 1 else arrays[0]


def _columns_to_chunk(cols: dict[str, list], parts: list[Part], counts: np.ndarray, n: int,
                      label: str) -> dict:
    chunk: dict[str, object] = {
        "_part": np.repeat(np.asarray([p.index for p in parts], dtype=np.int64), counts)}
    for name in FIELDS:
        typ = pa.large_string() if name in _STR else pa.int64()  # ints and ns times
        values = cols.get(name)
        try:
            if values is None:
                if name in _LIST:
                    chunk[name] = np.fromiter(([] for _ in range(n)), dtype=object, count=n)
                elif name == "channel_id":
                    chunk[name] = _segments([p.channel_id for p in parts], counts, typ)
                elif name == "channel":
                    chunk[name] = _segments([p.name for p in parts], counts, typ)
                elif name == "source" and "_index" in cols:
                    prefix = _segments([p.source_prefix for p in parts], counts, typ)
                    index = pa.array(cols["_index"], type=pa.int64()).cast(typ)
                    chunk[name] = pc.binary_join_element_wise(prefix, index,
                                                              pa.scalar("", typ))
                else:
                    chunk[name] = pa.nulls(n, typ)
            elif name in _LIST:
                chunk[name] = np.fromiter(values, dtype=object, count=n)
            else:
                chunk[name] = pa.array(values, type=typ)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError) as exc:
            raise LoadError(f"{label}: messages column {name!r} got a value of the wrong "
                            f"type: {exc}") from exc
    return chunk


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
        self.channel_id = _channel_key(channel_id)
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
        self._rank: np.ndarray | None = None

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

    def discard(self, source: Source, fmt: str | None, reason: str) -> None:
        """Record a file that could not be read at all: one rejected row, one files row."""
        self.rejected.append((source.label, reason, None))
        self.bad_files.append((source.label, reason))
        self.files.append({
            "path": source.label, "format": fmt or "unknown", "size": source.size,
            "sha256": _digest(source), "records": 1, "loaded": 0, "service": 0, "rejected": 1,
            "merged": 0,
        })

    # -- building ----------------------------------------------------------------------
    def build(self, *, labels=None) -> Corpus:
        """All tables of the load, merged, resolved, labelled and validated."""
        _rekey_by_name(self, labels)
        _rekey_by_telegram_handle(self)
        messages, merged_per_file = self._messages()
        messages = _rekey_by_handle(self.parts, messages, self.warnings)
        channels = self._channels()
        for platform in schema.PLATFORMS:  # a name resolves among its own platform only
            messages = _resolve_forwards(messages, channels, self.warnings, platform=platform)
        channels = _add_forward_sources(channels, messages, self.forward_ids)
        messages = _fill_names(messages, channels)
        files = pd.DataFrame(self.files, columns=list(schema.FILES))
        if len(files):
            files["merged"] = merged_per_file[: len(files)]
            files["loaded"] = files["loaded"] - files["merged"]
        service, merged_service = self._service_frame()
        if len(files):
            files["merged"] += merged_service[: len(files)]
            files["service"] -= merged_service[: len(files)]
        merged = int(merged_per_file.sum())
        if merged or merged_service.any():
            also = (f" and {int(merged_service.sum()):,} service record(s)"
                    if merged_service.any() else "")
            self.warnings.append(
                f"merged {merged:,} duplicate message(s){also}: the same (channel_id, "
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

    def _messages(self) -> tuple[pd.DataFrame, np.ndarray]:
        n_files = len(self.files)
        merged_per_file = np.zeros(n_files, dtype=np.int64)
        chunks = self.chunks
        if not chunks:
            return schema.empty("messages"), merged_per_file
        arrow = {
            c: pa.chunked_array([ch[c] for ch in chunks],
                                type=pa.large_string() if c in _STR else pa.int64())
            for c in FIELDS if c not in _LIST
        }
        lists = {c: np.concatenate([ch[c] for ch in chunks]) for c in _LIST}
        part = np.concatenate([ch["_part"] for ch in chunks])
        self.chunks = []
        date = arrow["date"].to_numpy()
        mid = arrow["message_id"].to_numpy()
        cid_codes, _ = pd.factorize(pd.array(arrow["channel_id"], dtype=schema.STRING),
                                    sort=True)

        keep = None
        self._rank = _part_ranks(self.parts, part, date)
        if _may_overlap(self.parts):
            keep, dropped_parts = _newest_wins(self._rank, part, mid, cid_codes)
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
            if c in _LIST:
                data[c] = lists[c][take]
            elif c == "message_id":
                data[c] = mid[order]
            elif c == "date":
                data[c] = _ns_to_utc_array(date[order])
            else:
                col = arrow[c] if identity else arrow[c].take(take_pa)
                if c == "media_type":
                    data[c] = _categorical(col)
                elif c in _STR:
                    data[c] = pd.array(col, dtype=schema.STRING)
                elif c in _TIME:
                    data[c] = _ns_to_utc(col)
                else:
                    data[c] = _nullable_int(col)
        frame = pd.DataFrame(data, columns=list(schema.MESSAGES), copy=False)
        return frame, merged_per_file

    def _service_frame(self) -> tuple[pd.DataFrame, np.ndarray]:
        """Service records; a record re-exported in a newer export of its channel is kept
        from the newest only (counted as merged)."""
        merged = np.zeros(len(self.files), dtype=np.int64)
        frame = pd.DataFrame(self.service, columns=[*schema.SERVICE, "_part"])
        frame["date"] = _ns_to_utc(pd.array(frame["date"].tolist(), dtype="Int64"))
        if len(frame) and _may_overlap(self.parts):
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
        newest = _newest_part_per_channel(self.parts, self._rank)
        rows = []
        for cid, part in newest.items():
            rows.append({"channel_id": cid, "platform": part.platform, "kind": part.kind,
                         "name": part.name, "handle": part.handle, "resolved": part.resolved})
        return pd.DataFrame(rows, columns=list(schema.CHANNELS))


def _digest(source: Source) -> str | None:
    try:
        return source.hash_file()
    except OSError:  # gone since it was read (or never on disk)
        return None


def _may_overlap(parts: list[Part]) -> bool:
    seen = set()
    for p in parts:
        if p.channel_id in seen:
            return True
        seen.add(p.channel_id)
    return False


def _part_max_dates(n_parts: int, part: np.ndarray, date: np.ndarray) -> np.ndarray:
    best = np.full(n_parts, _NAT, dtype=np.int64)
    np.maximum.at(best, part, date)
    return best


def _part_ranks(parts: list[Part], part: np.ndarray, date: np.ndarray) -> np.ndarray:
    """Rank of each part from oldest to newest export (max message date, then file order)."""
    best = _part_max_dates(len(parts), part, date)
    order = np.lexsort((np.asarray([p.order for p in parts]), best))
    rank = np.empty(len(parts), dtype=np.int64)
    rank[order] = np.arange(len(parts))
    return rank


def _newest_wins(rank, part, mid, cid_codes):
    row_rank = rank[part]
    order = np.lexsort((row_rank, mid, cid_codes))
    same_next = (cid_codes[order][1:] == cid_codes[order][:-1]) & (
        mid[order][1:] == mid[order][:-1])
    if not same_next.any():
        return None, None
    drop = order[:-1][same_next]  # every row followed by a newer version of itself
    keep = np.ones(len(part), dtype=bool)
    keep[drop] = False
    return keep, part[drop]


def _newest_part_per_channel(parts: list[Part], rank: np.ndarray | None) -> dict[str, Part]:
    """Per channel, the description from its newest export, gaps filled from older ones."""
    if rank is None:
        rank = np.arange(len(parts))
    newest: dict[str, Part] = {}
    for i in np.argsort(rank, kind="stable"):  # oldest first, so newer ones overwrite
        p = parts[i]
        prev = newest.get(p.channel_id)
        newest[p.channel_id] = p if prev is None else _merge_part(prev, p)
    return dict(sorted(newest.items()))


def _merge_part(older: Part, newer: Part) -> Part:
    """The newer part's description, with gaps filled from the older."""
    return Part(index=newer.index, file=newer.file, order=newer.order, platform=newer.platform,
                channel_id=newer.channel_id, name=newer.name or older.name,
                kind=newer.kind if newer.kind != "unknown" else older.kind,
                handle=newer.handle or older.handle, resolved=newer.resolved or older.resolved)


def _categorical(col: pa.ChunkedArray) -> pd.Categorical:
    """Categorical with sorted plain-string categories (as schema.conform makes them)."""
    encoded = pc.dictionary_encode(col.combine_chunks())
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    categories = encoded.dictionary.to_pylist()
    cat = pd.Categorical.from_codes(codes.astype(np.int64),
                                    categories=pd.Index(categories, dtype="str"))
    return cat.set_categories(sorted(categories))


def _ns_to_utc_array(ns: np.ndarray) -> pd.arrays.DatetimeArray:
    return pd.array(ns.view("M8[ns]")).tz_localize("UTC")


def _ns_to_utc(values) -> pd.arrays.DatetimeArray:
    if isinstance(values, (pa.ChunkedArray, pa.Array)):
        ns = values.fill_null(_NAT).to_numpy()
    else:
        ns = np.asarray(pd.array(values, dtype="Int64").to_numpy(dtype=np.int64,
                                                                 na_value=_NAT))
    return _ns_to_utc_array(np.asarray(ns, dtype=np.int64))


def _nullable_int(col: pa.ChunkedArray) -> pd.arrays.IntegerArray:
    values = col.fill_null(0).to_numpy()
    mask = col.is_null().to_numpy(zero_copy_only=False)
    return pd.arrays.IntegerArray(np.asarray(values, dtype=np.int64), np.asarray(mask))


def _name_index(channels: pd.DataFrame, by: str = "name"
                ) -> tuple[dict[str, str], set[str]]:
    """Normalised name (or handle, ``by="handle"``) -> channel id for channels known by id;
    names shared by several ids."""
    index: dict[str, str] = {}
    ambiguous: set[str] = set()
    for cid, name, resolved in zip(channels["channel_id"], channels[by],
                                   channels["resolved"]):
        if not resolved or not isinstance(name, str):  # None, NA, or NaN (pandas 3 str)
            continue
        key = normalise_name(name)
        if key in index and index[key] != cid:
            ambiguous.add(key)
        index.setdefault(key, cid)
    for key in ambiguous:
        index.pop(key, None)
    return index, ambiguous


def _resolve_forwards(messages: pd.DataFrame, channels: pd.DataFrame,
                      warnings: list[str], *, platform: str | None = None) -> pd.DataFrame:
    """Fill ``fwd_from_channel_id`` from ``fwd_from_name`` through channel names in the load.

    With ``platform``, only that platform's forwards, among that platform's channels; Twitter
    names forward sources by screen name, so its channels are matched by ``handle``."""
    if not len(messages):
        return messages
    names = messages["fwd_from_name"]
    todo = names.notna() & messages["fwd_from_channel_id"].isna()
    by = "name"
    if platform is not None:
        todo &= (messages["platform"] == platform).to_numpy()
        channels = channels[(channels["platform"] == platform).to_numpy()]
        by = "handle" if platform == "twitter" else "name"
    if not todo.any():
        return messages
    index, ambiguous = _name_index(channels, by)
    codes, uniques = pd.factorize(names.where(todo))
    resolved = []
    hit_ambiguous = []
    for name in uniques:
        key = normalise_name(name)
        resolved.append(index.get(key))
        if key in ambiguous:
            hit_ambiguous.append(name)
    resolved_arr = np.asarray(resolved + [None], dtype=object)
    found = pd.array(resolved_arr[codes], dtype=schema.STRING)  # code -1 -> None
    fwd = messages["fwd_from_channel_id"].array
    filled = pd.array(np.where(todo.to_numpy(), found, fwd), dtype=schema.STRING)
    if hit_ambiguous:
        warnings.append(
            "forward source name(s) shared by more than one channel in this load, left "
            f"unresolved: {sorted(hit_ambiguous)[:10]}"
        )
    out = messages.copy(deep=False)
    out["fwd_from_channel_id"] = filled
    return out


def _rekey_by_handle(parts: list[Part], messages: pd.DataFrame,
                     warnings: list[str]) -> pd.DataFrame:
    """Twitter accounts keyed by screen name (``twitter:name:<name>``, e.g. from the Kaggle
    CSV) re-keyed ``twitter:<id>`` when another file of the load gives that screen name's id."""
    ids: dict[str, str] = {}
    ambiguous: set[str] = set()
    for p in parts:
        if p.platform == "twitter" and p.resolved and p.handle:
            key = name_key(p.handle, "twitter")
            if ids.setdefault(key, p.channel_id) != p.channel_id:
                ambiguous.add(key)
    for key in ambiguous:
        ids.pop(key, None)
    renamed = {p.channel_id: ids[p.channel_id] for p in parts
               if p.platform == "twitter" and not p.resolved and p.channel_id in ids}
    if not renamed:
        return messages
    for p in parts:
        if p.channel_id in renamed:
            p.channel_id, p.resolved = renamed[p.channel_id], True
    warnings.append(f"{len(renamed)} Twitter account(s) known by screen name only keyed by the "
                    "id another file of this load gives them: "
                    + ", ".join(f"{a} -> {b}" for a, b in sorted(renamed.items())[:5])
                    + (" ..." if len(renamed) > 5 else ""))
    if not len(messages):
        return messages
    out = messages.copy(deep=False)
    out["channel_id"] = messages["channel_id"].replace(renamed).astype(schema.STRING)
    return out.sort_values(["date", "channel_id", "message_id"], kind="stable",
                           ignore_index=True)


def _channel_key(value: str | int | None) -> str | None:
    """``telegram:<bare id>`` for ``load(channel_id=...)`` (a key with a platform is kept)."""
    if value is None:
        return None
    text = str(value).strip()
    if ":" in text and not isinstance(value, int):
        if text.split(":", 1)[0] in schema.PLATFORMS and text.split(":", 1)[1]:
            return text
    else:
        try:
            return telegram_key(value if isinstance(value, int) else text)
        except (ValueError, TypeError):
            pass
    raise ParameterError(f"channel_id={value!r} is not a channel id: use 'telegram:<id>', a "
                         "bare id (123) or a Bot API id (-100123)")


_WHENCE = {"export": "an export with ids", "channels=": "the channels= table"}


def _rekey_by_name(builder: "Builder", labels) -> None:
    """Telegram chats keyed by display name for want of an id (``telegram:name:<name>``: HTML
    exports) take the id that another export of the load (a JSON export of the same chat) or
    the ``channels=`` table (a row with ``channel_id`` and ``name``) gives that name. Done
    before duplicates are merged, so both exports' messages merge on (channel_id,
    message_id). A name given two ids is left alone, with a warning."""
    named = [p for p in builder.parts if p.platform == "telegram" and not p.resolved
             and p.name and p.channel_id == name_key(p.name)]
    if not named:
        return
    ids: dict[str, dict[str, str]] = {}  # normalised name -> id -> where it came from
    for p in builder.parts:
        if p.platform == "telegram" and p.resolved and p.name:
            ids.setdefault(normalise_name(p.name), {}).setdefault(p.channel_id, "export")
    if labels is not None:
        from .labels import read_labels

        frame = read_labels(labels)
        if "channel_id" in frame.columns and "name" in frame.columns:
            for cid, name in zip(frame["channel_id"], frame["name"]):
                if cid is pd.NA or name is pd.NA or cid is None or name is None:
                    continue
                try:
                    key = _channel_key(str(cid))
                except ParameterError:
                    continue
                if key.startswith("telegram:") and not key.startswith("telegram:name:"):
                    ids.setdefault(normalise_name(str(name)), {}).setdefault(key, "channels=")
    renamed: dict[str, tuple[str, str]] = {}
    ambiguous: list[str] = []
    for p in named:
        found = ids.get(normalise_name(p.name), {})
        if len(found) == 1:
            renamed[p.channel_id] = next(iter(found.items()))
        elif len(found) > 1:
            ambiguous.append(f"{p.name!r} ({', '.join(sorted(found))})")
    unmapped = sorted({p.name for p in named if p.keyed_by_name
                       and p.channel_id not in renamed})
    if ambiguous:
        builder.warnings.append("chat name(s) given more than one id in this load, left keyed "
                                f"by name: {sorted(set(ambiguous))[:5]}")
    if unmapped:
        builder.warnings.append(
            f"{len(unmapped)} chat(s) known only by name (HTML exports give no ids) keyed "
            f"telegram:name:<name>: {unmapped[:5]}; map them with channel_id= or a channels= "
            "table with channel_id and name")
    if not renamed:
        return
    _rekey(builder, {old: new for old, (new, _) in renamed.items()})
    builder.warnings.append(
        f"{len(renamed)} chat(s) known only by name keyed by the id given to the same name "
        "elsewhere in this load: " + ", ".join(
            f"{old} -> {new} (from {_WHENCE[whence]})"
            for old, (new, whence) in sorted(renamed.items())[:5])
        + (" ..." if len(renamed) > 5 else ""))


def _rekey_by_telegram_handle(builder: "Builder") -> None:
    """Telegram chats keyed by username for want of an id (``telegram:name:<username>``: a
    4CAT CSV names its chats so) take the id another file of the load gives that username.
    Done before duplicates are merged; a username given two ids is left alone."""
    named = [p for p in builder.parts if p.platform == "telegram" and not p.resolved
             and p.handle and p.channel_id == name_key(p.handle)]
    if not named:
        return
    ids: dict[str, set[str]] = {}
    for p in builder.parts:
        if p.platform == "telegram" and p.resolved and p.handle:
            ids.setdefault(normalise_name(p.handle), set()).add(p.channel_id)
    mapping = {}
    for p in named:
        found = ids.get(normalise_name(p.handle), set())
        if len(found) == 1:
            mapping[p.channel_id] = next(iter(found))
    if not mapping:
        return
    _rekey(builder, mapping)
    builder.warnings.append(
        f"{len(mapping)} chat(s) known only by username keyed by the id another file of this "
        "load gives that username: " + ", ".join(
            f"{old} -> {new}" for old, new in sorted(mapping.items())[:5])
        + (" ..." if len(mapping) > 5 else ""))


def _rekey(builder: "Builder", mapping: dict[str, str]) -> None:
    """Re-key chats known by name or username with the ids ``mapping`` gives them (old key ->
    id): in the parts, in the message rows already built and in the service records."""
    for p in builder.parts:
        if p.channel_id in mapping:
            p.channel_id, p.resolved = mapping[p.channel_id], True
    old_ids = pa.array(sorted(mapping), type=pa.large_string())
    for chunk in builder.chunks:
        col = chunk["channel_id"]
        if pc.any(pc.is_in(col, value_set=old_ids)).as_py():
            chunk["channel_id"] = pa.array([mapping.get(v, v) for v in col.to_pylist()],
                                           type=pa.large_string())
    builder.service = [(r[0], mapping.get(r[1], r[1]), *r[2:]) for r in builder.service]


def _fill_names(messages: pd.DataFrame, channels: pd.DataFrame) -> pd.DataFrame:
    """Null ``channel`` and ``fwd_from_name`` (of forwards whose source is known by id) filled
    with the channel's name as the load knows it: formats such as Telethon dumps name neither
    the channel nor a forward source, a channels file or another export in the same load may."""
    if not len(messages) or not len(channels):
        return messages
    named = channels["name"].notna()
    if not named.any():
        return messages
    names = pd.Series(channels.loc[named, "name"].to_numpy(),
                      index=channels.loc[named, "channel_id"].to_numpy())
    out = None
    for col, key in (("channel", "channel_id"), ("fwd_from_name", "fwd_from_channel_id")):
        todo = messages[col].isna() & messages[key].notna()
        if not todo.any():
            continue
        found = messages.loc[todo, key].map(names)
        if not found.notna().any():
            continue
        out = messages.copy(deep=False) if out is None else out
        filled = messages[col].copy()
        filled.loc[todo] = found.astype(schema.STRING)
        out[col] = filled.astype(schema.STRING)
    return messages if out is None else out


def _add_forward_sources(channels: pd.DataFrame, messages: pd.DataFrame,
                         forward_ids: dict[str, str | None]) -> pd.DataFrame:
    """Channels only seen as forward sources: by id (resolved) or by name (unresolved)."""
    known = set(channels["channel_id"])
    rows = []
    for cid, name in sorted(forward_ids.items()):
        if cid not in known:
            known.add(cid)
            rows.append({"channel_id": cid, "platform": cid.split(":", 1)[0], "kind": "unknown",
                         "name": name, "handle": None, "resolved": True})
    if len(messages):
        unresolved = messages["fwd_from_channel_id"].isna() & messages["fwd_from_name"].notna()
        pairs = messages.loc[unresolved, ["platform", "fwd_from_name"]].drop_duplicates()
        first_names: dict[str, tuple[str, str]] = {}
        for platform, name in zip(pairs["platform"], pairs["fwd_from_name"]):
            key = name_key(name, platform)
            if key not in first_names and normalise_name(name):
                first_names[key] = (platform, name)
        for key in sorted(first_names):
            if key not in known:
                known.add(key)
                platform, name = first_names[key]
                rows.append({"channel_id": key, "platform": platform, "kind": "unknown",
                             "name": name, "handle": None, "resolved": False})
    if not rows:
        return channels
    extra = pd.DataFrame(rows, columns=list(schema.CHANNELS))
    both = pd.concat([schema.conform(channels, "channels"), schema.conform(extra, "channels")],
                     ignore_index=True)
    return both.sort_values("channel_id", kind="stable", ignore_index=True)


