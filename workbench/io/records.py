"""The reader kit: what every format reader builds on to turn records into rows.

A reader (see :mod:`workbench.io.detect` for the format protocol) reads one input file into a
:class:`~workbench.io.builder.FileOutput` and accounts for **every record** of the file: each
becomes a loaded message, a service record, or a rejected record with its reason.

* :class:`BadRecord` is raised, with the reason as message, for a record that cannot be a
  message; the reader rejects the record with that reason (``out.reject``).
* :class:`Rows` holds message rows per channel and hands them over in runs, so a file that
  interleaves channels still makes one export unit per channel.
* :func:`optional_int`, :func:`optional_time` and :func:`to_ns` read the fields most formats
  share, raising :class:`BadRecord` (or ValueError) with a reason that names the field.
* :func:`reject_json_line` rejects a line of a JSON Lines file that does not parse.
* Streaming input (lines, JSON arrays, CSV records, in bounded memory): :mod:`.streams`.

Locators
--------
Every row of ``messages``, ``service`` and ``rejected`` says where its record is in its input:
``source`` is ``<file>#<locator>``, ``<file>`` the path relative to the loaded folder's parent
(``files.path``). **Record and line numbers count from 1**, as editors show lines:

* files read line by line (JSON Lines, ndjson, CSV, HTML pages): the number of the line the
  record starts on (CSV: the header is line 1, so the first row is usually ``#2``);
* JSON documents: the record's position in its array (``#1`` is the first message);
* a record inside a container adds the path to it, each position counted from 1:
  ``#chats/2/15`` (the 15th message of the 2nd chat of a full Telegram Desktop export),
  ``#3/data/1`` (the first tweet of the API response page on line 3), ``#1/statuses/4``.

A file that cannot be read at all is one rejected row whose ``source`` is the file alone.

Examples
--------
>>> optional_int(7, "views"), optional_time("2016-10-01T12:00:00Z", "edit_date")
(7, 1475323200000000000)
>>> optional_int("7", "views")
Traceback (most recent call last):
...
workbench.io.records.BadRecord: views '7' is not an integer
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

from .builder import FileOutput, Part

__all__ = ["BadRecord", "OutOfRange", "Rows", "optional_int", "optional_time", "to_ns",
           "check_ns", "time_reason", "reject_json_line"]

#: Rows held per channel before they are handed to the FileOutput.
_RUN_ROWS = 8192
_UTC = timezone.utc
_MAX_NS = (1 << 33) * 1_000_000_000  # about the year 2242: beyond is garbage, not a date
_MIN_NS = -_MAX_NS


class BadRecord(Exception):
    """A record that cannot be a message (the reason is the message)."""


class OutOfRange(ValueError):
    """A time that reads as one but lies outside the years a message can have (about
    1700-2242: beyond is garbage, and pandas cannot hold most of it)."""


#: The years :func:`check_ns` accepts, as reasons word them.
YEARS = "1700-2242"


def check_ns(ns: int, value: object = None) -> int:
    """``ns`` (nanoseconds since the epoch) when it lies in years 1700-2242.

    Raises
    ------
    OutOfRange
        Otherwise (``value``: what the input wrote, for the reason).

    Examples
    --------
    >>> check_ns(0)
    0
    >>> check_ns(10**30, "9999-01-01")
    Traceback (most recent call last):
    ...
    workbench.io.records.OutOfRange: 9999-01-01
    """
    if type(ns) is not int or not _MIN_NS < ns < _MAX_NS:
        raise OutOfRange(value if value is not None else ns)
    return ns


def time_reason(field: str, value: object, exc: BaseException | None = None,
                expected: str = "a date-time") -> str:
    """The reason a record is rejected for its time ``value`` in ``field``: out of range
    (``exc`` an :class:`OutOfRange`, or an OverflowError) or not ``expected``.

    Examples
    --------
    >>> time_reason("date", "9999-12-01T10:00:00", OutOfRange())
    "date '9999-12-01T10:00:00' is out of range (years 1700-2242)"
    >>> time_reason("date", "soon")
    "date 'soon' is not a date-time"
    """
    shown = _shown(value)
    if isinstance(exc, (OutOfRange, OverflowError)):
        return f"{field} {shown} is out of range (years {YEARS})"
    return f"{field} {shown} is not {expected}"


def _shown(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def optional_int(value: object, field: str) -> int | None:
    """``value`` when it is None or an int.

    Raises
    ------
    BadRecord
        ``"<field> <value> is not an integer"`` for anything else.

    Examples
    --------
    >>> optional_int(7, "views"), optional_int(None, "views")
    (7, None)
    """
    if value is None or type(value) is int:
        return value
    raise BadRecord(f"{field} {value!r} is not an integer")


def optional_time(value: object, field: str) -> int | None:
    """:func:`to_ns` of ``value``; None for None.

    Raises
    ------
    BadRecord
        ``"<field> <value> is not a date-time"`` when :func:`to_ns` cannot read it.

    Examples
    --------
    >>> optional_time(1.5, "edit_date"), optional_time(None, "edit_date")
    (1500000000, None)
    """
    if value is None:
        return None
    try:
        return to_ns(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise BadRecord(time_reason(field, value, exc)) from None


def to_ns(value: object) -> int:
    """Nanoseconds since the epoch (UTC) of a time as Telethon dumps (and the CSV tools built
    on Telethon) write it.

    ISO strings with ``T`` or a space (``str(datetime)``), with or without an offset (none
    means UTC: Telethon's times are UTC), ``Z`` allowed; Unix seconds as int, float or a
    string of digits.

    Raises
    ------
    ValueError
        For anything else; :class:`OutOfRange` for a time outside years 1700-2242.

    Examples
    --------
    >>> to_ns("1970-01-01 00:00:01.5+00:00"), to_ns(1.5), to_ns("2")
    (1500000000, 1500000000, 2000000000)
    """
    kind = type(value)
    if kind is str:
        if value.isdigit():
            ns = int(value) * 1_000_000_000
        else:
            dt = datetime.fromisoformat(value)
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=_UTC)
            try:
                ns = math.floor(dt.timestamp()) * 1_000_000_000 + dt.microsecond * 1000
            except (OverflowError, ValueError):  # year 1 or 9999 with an offset
                raise OutOfRange(value) from None
    elif kind is int:
        ns = value * 1_000_000_000
    elif kind is float:
        if value != value or value in (math.inf, -math.inf):
            raise ValueError(value)
        ns = round(value * 1_000_000) * 1000
    else:
        raise ValueError(value)
    return check_ns(ns, value)


class Rows:
    """Message rows of one file, held per channel and handed to the FileOutput in runs, so
    each channel is one export unit (one :class:`~workbench.io.builder.Part`) even when the
    file interleaves channels.

    Parameters
    ----------
    out : FileOutput
    columns : sequence of str
        The message columns of a row, in order (:data:`~workbench.io.builder.FIELDS`, and
        ``"_index"``: the record number that :attr:`Part.source_prefix` turns into
        ``source``; or ``"source"`` itself).
    """

    def __init__(self, out: FileOutput, columns):
        self.out = out
        cols = out.columns(columns)
        self._lists = [cols[c] for c in columns]
        self.parts: dict[str, Part] = {}
        self._rows: dict[str, list] = {}
        self._pending = 0

    def part(self, channel_id: str, *, name: str | None = None, handle: str | None = None,
             kind: str = "unknown", resolved: bool = True, platform: str = "telegram") -> Part:
        """The part of ``channel_id`` in this file, opened on first use; later descriptions
        fill gaps in its name and handle and set its kind (when they know it)."""
        part = self.parts.get(channel_id)
        if part is None:
            part = self.out.part(channel_id, name=name, handle=handle, kind=kind,
                                 platform=platform, resolved=resolved)
            self.parts[channel_id] = part
            self._rows[channel_id] = []
            return part
        if name and not part.name:
            part.name = name
        if handle and not part.handle:
            part.handle = handle
        if kind != "unknown":
            part.kind = kind
        return part

    def add(self, channel_id: str, row: tuple) -> None:
        """One message of ``channel_id`` (whose part is open), its values in column order."""
        self._rows[channel_id].append(row)
        self._pending += 1
        if self._pending >= _RUN_ROWS:
            self.emit()

    def emit(self) -> None:
        """Hand every held row to the FileOutput, one run per channel."""
        if not self._pending:
            return
        out = self.out
        for channel_id, rows in self._rows.items():
            if not rows:
                continue
            out.resume(self.parts[channel_id])
            for values, column in zip(self._lists, zip(*rows)):
                values.extend(column)
            rows.clear()
        self._pending = 0
        out.maybe_flush()

    def close(self) -> None:
        """Hand over the last rows and drop the per-channel id sets (only needed while the
        file is read: duplicates across files are the builder's to merge)."""
        self.emit()
        for part in self.parts.values():
            part.seen = set()

    def describe(self, descriptions: dict) -> None:
        """Channels this file describes without messages (forward sources, the chats of an
        API response): a part without rows each, so the channels table knows them."""
        self.emit()
        for channel_id, (name, handle, kind) in sorted(descriptions.items()):
            self.part(channel_id, name=name, handle=handle, kind=kind)


def reject_json_line(out: FileOutput, lineno: int, line: bytes, exc: Exception) -> None:
    """Reject line ``lineno`` of a JSON Lines file, which does not parse, saying why."""
    msg = getattr(exc, "msg", str(exc))
    out.reject(lineno, f"invalid JSON on this line: {msg}", line)
