"""TGDataset (La Morgia, Mei, Mongardini 2023; github.com/SystemsLab-Sapienza/TGDataset): one
JSON object per file mapping channel ids to channels.

Each channel is ``{creation_date, username, title, description, scam, verified,
n_subscribers, text_messages: {id: {message, date, author, is_forwarded, forwarded_from_id,
forwarded_message_date}}, generic_media: {id: {title, media_id, date, author, extension,
is_forwarded, forwarded_from_id, forwarded_message_date}}}``, times as Unix floats, nulls where
unknown. How it loads:

* text messages and media items become messages; a message id in **both** maps is one
  message (a media item with a caption): its text from ``text_messages``, its media from
  ``generic_media``, its ``source`` naming both (``file#<channel>/text_messages/<id>+media``);
* ``media_id`` (Telegram's file id) is the media fingerprint: it goes to ``media_name``, the
  column cross-posting compares (:func:`workbench.crosspost.media_fingerprint`), so the same
  file posted in several channels joins one cluster; ``extension`` gives ``media_type``;
* ``is_forwarded`` with a ``forwarded_from_id`` is a forward from ``telegram:<id>``; with a
  null ``forwarded_from_id`` it is still a forward, from an unknown source: no source id or
  name, ``fwd_from_date`` kept (a warning counts them);
* channel metadata fills ``channels``: ``name`` (title), ``handle`` (username), and the extra
  columns ``subscribers``, ``scam``, ``verified``, ``created`` (with ``wb.load``;
  ``Store.ingest`` keeps the name and handle);
* every record is loaded or rejected with a reason and its locator
  ``file#<channel id>/<map>/<message id>``.

Files are multi-GB single JSON objects, so they are **streamed**: a small scanner walks the
structure a few MB at a time and hands runs of message records to orjson, keeping at most
one channel's ``text_messages`` (the first map of a channel, until the second is read) and a
few MB of input in memory. Its ``labeled_data/`` tables (channel to language, channel to
topic) load as analyst labels: :func:`read_tgdataset_labels`.

Examples
--------
>>> import json, tempfile, workbench as wb
>>> from pathlib import Path
>>> path = Path(tempfile.mkdtemp()) / "TGDataset_1.json"
>>> _ = path.write_text(json.dumps({"1006503122": {
...     "username": "example", "creation_date": 1450995556.0, "title": "Example",
...     "description": "", "scam": False, "verified": False, "n_subscribers": 120,
...     "text_messages": {
...         "7": {"message": "hello", "date": 1475323200.0, "author": None,
...               "is_forwarded": True, "forwarded_from_id": 1292077344,
...               "forwarded_message_date": 1475320000.0},
...         "8": {"message": "a caption", "date": 1475323260.0, "author": None,
...               "is_forwarded": False, "forwarded_from_id": None,
...               "forwarded_message_date": None}},
...     "generic_media": {
...         "8": {"title": None, "media_id": "AgADBAAD", "date": 1475323260.0,
...               "author": None, "extension": ".jpg", "is_forwarded": False,
...               "forwarded_from_id": None, "forwarded_message_date": None}}}}))
>>> corpus = wb.load(path)
>>> corpus.messages[["message_id", "text", "fwd_from_channel_id", "media_type",
...                  "media_name"]].to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
[{'message_id': 7, 'text': 'hello', 'fwd_from_channel_id': 'telegram:1292077344',
  'media_type': nan, 'media_name': None},
 {'message_id': 8, 'text': 'a caption', 'fwd_from_channel_id': None, 'media_type': 'photo',
  'media_name': 'AgADBAAD'}]
>>> corpus.channels.loc[corpus.channels["channel_id"] == "telegram:1006503122",
...                     ["handle", "subscribers"]].to_dict("records")
[{'handle': 'example', 'subscribers': 120}]
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import orjson
import pandas as pd

from ..errors import LoadError, ParameterError
from . import entities
from .builder import FileOutput, raw_excerpt
from .records import BadRecord, check_ns, time_reason
from .sources import Source
from .streams import BLOCK_BYTES, blocks, json_head

__all__ = ["NAME", "SUFFIXES", "sniff", "read", "read_tgdataset_labels", "MEDIA_TYPES",
           "CHANNEL_COLUMNS"]

NAME = "tgdataset"
SUFFIXES = (".json",)

#: ``extension`` of a media item -> ``media_type`` (anything else: ``document``).
MEDIA_TYPES = {
    ".jpg": "photo", ".jpe": "photo", ".jpeg": "photo", ".png": "photo",
    ".webp": "sticker", ".tgs": "sticker", ".gif": "animation",
    ".mp4": "video_file", ".mov": "video_file", ".mkv": "video_file", ".avi": "video_file",
    ".webm": "video_file", ".mp3": "audio_file", ".m4a": "audio_file", ".flac": "audio_file",
    ".wav": "audio_file", ".ogg": "voice_message", ".oga": "voice_message",
}
#: Channel metadata columns this format adds to ``corpus.channels``, with their dtypes.
CHANNEL_COLUMNS = {"subscribers": pd.Int64Dtype(), "scam": pd.BooleanDtype(),
                   "verified": pd.BooleanDtype(),
                   "created": pd.DatetimeTZDtype("ns", "UTC")}

_CHANNEL_KEYS = (rb"username|creation_date|title|description|scam|verified|n_subscribers|"
                 rb"text_messages|generic_media")
_SNIFF = re.compile(rb'^\{\s*"\d+"\s*:\s*\{\s*"(?:' + _CHANNEL_KEYS + rb')"\s*:')
_MAPS = ("text_messages", "generic_media")
_WS = re.compile(rb"[ \t\r\n]*")
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.S)
_STRUCT = re.compile(rb'[{}\[\]"]')
_SCALAR = re.compile(rb'-?[0-9][0-9.eE+\-]*|true|false|null')
#: One entry of a message map whose value is a flat object (no nested object or array), the
#: separator after it included: the fast path, handed to orjson in runs.
_ENTRY = re.compile(rb'[ \t\r\n]*"(-?[0-9]{1,19})"[ \t\r\n]*:[ \t\r\n]*'
                    rb'(\{(?:[^{}\[\]"\\]++|"(?:[^"\\]++|\\.)*+")*+\})[ \t\r\n]*([,}])', re.S)
#: The end of a message map: the last entry's ``}``, the map's ``}``, then the channel's next
#: key or the channel's end (a quote after a comma or white space is never inside a string).
_NEXT_KEY = rb'[ \t\r\n]*,[ \t\r\n]*"(?:' + _CHANNEL_KEYS + rb')"[ \t\r\n]*:'
_MAP_END = re.compile(rb'\}[ \t\r\n]*\}(?=' + _NEXT_KEY + rb'|[ \t\r\n]*\}' + _NEXT_KEY + rb')')
#: The same in the last block of the file, where the map may end the last channel.
_MAP_END_LAST = re.compile(rb'\}[ \t\r\n]*\}(?=' + _NEXT_KEY + rb'|[ \t\r\n]*\}(?:'
                           + _NEXT_KEY + rb'|[ \t\r\n]*\}[ \t\r\n]*\Z))')
#: Between two entries of a message map (or two channels): ``}, "123": {``.
_CUT = re.compile(rb'\}[ \t\r\n]*,[ \t\r\n]*(?="-?[0-9]+"[ \t\r\n]*:[ \t\r\n]*\{)')
#: An entry's key and the start of its object (counted to find repeated ids).
_KEY_OBJECT = re.compile(rb'"-?[0-9]+"[ \t\r\n]*:[ \t\r\n]*\{')
#: Bytes kept ahead of the scan position before matching an entry: an entry longer than this
#: takes the slow path (still read correctly).
_AHEAD = 4 * BLOCK_BYTES
#: Entries handed to orjson at once.
_RUN = 4096
_COLUMNS = ("channel_id", "message_id", "date", "text", "author_id", "author",
            "fwd_from_channel_id", "fwd_from_date", "media_type", "media_name", "mentions",
            "links", "hashtags", "source")


def sniff(head: bytes, path: Path | None = None) -> str | None:
    """None when ``head`` starts a TGDataset file, else why not.

    Examples
    --------
    >>> sniff(b'{"1008738564": {"username": "x", "creation_date": 1450995556.0', None)
    >>> sniff(b'{"name": "x"}', None)
    'not TGDataset (an object of channel ids mapping to channel objects)'
    """
    if _SNIFF.match(json_head(head)):
        return None
    return "not TGDataset (an object of channel ids mapping to channel objects)"


class _Scanner:
    """The decompressed bytes of a file, scanned from ``pos`` with more read on demand;
    ``mark`` is the first byte still needed (everything before it may be dropped)."""

    def __init__(self, source: Source, out: FileOutput):
        self.label = source.label
        self._blocks = blocks(source, out)
        self.buf = b""
        self.pos = 0
        self.base = 0  # bytes of the file before buf[0]
        self.eof = False
        first = True
        while first and not self.eof:
            self.more()
            if self.buf:
                first = False
                if self.buf.startswith(b"\xef\xbb\xbf"):
                    self.pos = 3

    def more(self, mark: int | None = None) -> bool:
        """Read one more block (keeping bytes from ``mark``, default ``pos``); False at EOF."""
        if self.eof:
            return False
        block = next(self._blocks, b"")
        keep = self.pos if mark is None else mark
        if not block:
            self.eof = True
            return False
        self.buf = self.buf[keep:] + block
        self.base += keep
        self.pos -= keep
        return True

    def ahead(self, n: int) -> None:
        while len(self.buf) - self.pos < n and self.more():
            pass

    def where(self, pos: int | None = None) -> str:
        return f"byte {self.base + (self.pos if pos is None else pos):,}"

    def fail(self, what: str, pos: int | None = None):
        if self.eof and (self.pos if pos is None else pos) >= len(self.buf):
            return LoadError(f"{self.label}: the JSON ends unexpectedly at {self.where(pos)}: "
                             "the file looks truncated")
        return LoadError(f"{self.label}: invalid JSON at {self.where(pos)}: expected {what}")

    def skip_ws(self) -> None:
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()
            if self.pos < len(self.buf) or not self.more():
                return

    def peek(self) -> bytes:
        self.skip_ws()
        return self.buf[self.pos:self.pos + 1]

    def expect(self, chars: bytes) -> bytes:
        c = self.peek()
        if not c or c not in chars:
            raise self.fail(" or ".join(repr(chr(x)) for x in chars))
        self.pos += 1
        return c

    def string(self) -> str:
        if self.peek() != b'"':
            raise self.fail("a string")
        while True:
            m = _STRING.match(self.buf, self.pos)
            if m is not None:
                self.pos = m.end()
                try:
                    return orjson.loads(m.group())
                except orjson.JSONDecodeError:
                    raise self.fail("a valid string", m.start()) from None
            if not self.more():
                raise self.fail("the end of a string")

    def value(self) -> tuple[bytes, int]:
        """The raw bytes of the JSON value at ``pos`` and its offset in the file."""
        self.skip_ws()
        start = self.pos
        c = self.buf[start:start + 1]
        if c not in (b"{", b"[", b'"'):
            while True:
                m = _SCALAR.match(self.buf, start)
                if m is not None and (m.end() < len(self.buf) or self.eof):
                    self.pos = m.end()
                    return m.group(), self.base + start
                if m is None and len(self.buf) > start:
                    raise self.fail("a JSON value")
                if not self.more(start):
                    raise self.fail("a JSON value")
                start = self.pos
        depth = 0
        i = start
        while True:
            m = _STRUCT.search(self.buf, i)
            if m is None:
                i = len(self.buf) - start
                if not self.more(start):
                    raise self.fail("the end of a value", len(self.buf))
                start = self.pos
                i += start
                continue
            c = m.group()
            if c == b'"':
                s = _STRING.match(self.buf, m.start())
                if s is None:
                    i = m.start() - start
                    if not self.more(start):
                        raise self.fail("the end of a string", len(self.buf))
                    start = self.pos
                    i += start
                    continue
                i = s.end()
                if depth == 0:
                    break
                continue
            i = m.end()
            if c in b"{[":
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    break
        self.pos = i
        return self.buf[start:i], self.base + start


def read(source: Source, out: FileOutput) -> None:
    """Read one TGDataset file into ``out``, streamed.

    Raises
    ------
    LoadError
        If the file is not one JSON object of channels, or its JSON is invalid or cut short
        (naming the byte position).
    """
    scan = _Scanner(source, out)
    if scan.peek() != b"{":
        raise LoadError(f"{source.label}: not a TGDataset file (a JSON object of channels)")
    scan.pos += 1
    reader = _Reader(out, source.label)
    if scan.peek() == b"}":
        scan.pos += 1
    else:
        while True:
            key = scan.string()
            scan.expect(b":")
            reader.channel(scan, key)
            if scan.expect(b",}") == b"}":
                break
    scan.skip_ws()
    if scan.pos < len(scan.buf):
        raise LoadError(f"{source.label}: unexpected data after the JSON object at "
                        f"{scan.where()}")
    reader.finish()


def _time(value: object, field: str) -> int | None:
    if type(value) is float and -8.5e9 < value < 8.5e9:  # the common case, in range
        return round(value * 1_000_000) * 1000
    if value is None:
        return None
    if type(value) not in (int, float) or value != value or value in (math.inf, -math.inf):
        raise BadRecord(f"{field} {value!r:.80} is not a Unix time")
    try:
        return check_ns(round(value * 1_000_000) * 1000, value)
    except (ValueError, OverflowError) as exc:
        raise BadRecord(time_reason(field, value, exc)) from None


class _Reader:
    """Turns channel objects into parts and message rows."""

    def __init__(self, out: FileOutput, label: str):
        self.out = out
        self.label = label
        self.cols = out.columns(_COLUMNS)
        self.lists = [self.cols[c] for c in _COLUMNS]
        self.sourceless = 0

    def channel(self, scan: _Scanner, key: str) -> None:
        out = self.out
        try:
            if not key.isdigit():
                raise ValueError
            cid = f"telegram:{int(key)}"
        except ValueError:
            raw, _ = scan.value()
            out.rejected.append((f"{self.label}#{key[:60]}", f"channel key {key[:60]!r} is "
                                 "not a numeric channel id", raw_excerpt(raw)))
            return
        if scan.peek() != b"{":
            raw, _ = scan.value()
            out.rejected.append((f"{self.label}#{key}", "the channel is not an object",
                                 raw_excerpt(raw)))
            return
        scan.pos += 1
        part = out.part(cid, kind="channel", locator=f"{key}/")
        prefix = part.source_prefix
        meta: dict = {}
        pending: dict | None = None  # the first map's rows, until the second is read
        seen_maps = []
        if scan.peek() == b"}":
            scan.pos += 1
        else:
            while True:
                field = scan.string()
                scan.expect(b":")
                if field in _MAPS and scan.peek() == b"{":
                    scan.pos += 1
                    rows = self._map(scan, field, cid, prefix)
                    if field in seen_maps:  # the same map twice: its ids repeat the first's
                        for mid in rows:
                            self.out.reject(f"{field}/{mid}", f"{field} appears twice in "
                                            f"channel {cid}: the first is kept")
                        rows = {}
                    seen_maps.append(field)
                    if pending is None:
                        pending = rows
                    else:
                        self._emit(self._merge(pending, rows, seen_maps), part)
                        pending = {}
                else:
                    raw, _ = scan.value()
                    try:
                        meta[field] = orjson.loads(raw)
                    except orjson.JSONDecodeError:
                        raise LoadError(f"{self.label}: invalid JSON in channel {key}, field "
                                        f"{field!r}") from None
                    if field in _MAPS and meta[field]:  # a list or a string: nothing to read
                        self.out.reject(field, f"{field} is not an object of message id to "
                                        "record: none of it is read", raw)
                if scan.expect(b",}") == b"}":
                    break
        if pending:
            self._emit(pending, part)
        self._describe(part, meta, key)

    def _describe(self, part, meta: dict, key: str) -> None:
        title, handle = meta.get("title"), meta.get("username")
        part.name = title if type(title) is str and title else part.name
        part.handle = handle if type(handle) is str and handle else part.handle
        extra = {}
        subs = meta.get("n_subscribers")
        if type(subs) is int:
            extra["subscribers"] = subs
        for flag in ("scam", "verified"):
            if type(meta.get(flag)) is bool:
                extra[flag] = meta[flag]
        try:
            created = _time(meta.get("creation_date"), "creation_date")
        except BadRecord as exc:
            self.out.warn(f"{self.label}: channel {key}: {exc}: left out")
            created = None
        if created is not None:
            extra["created"] = pd.Timestamp(created, tz="UTC")
        part.extra = extra

    def _map(self, scan: _Scanner, field: str, cid: str, prefix: str) -> dict:
        """Rows of one message map: message id -> (row values, is a media item)."""
        rows: dict = {}
        media = field == "generic_media"
        if scan.peek() == b"}":
            scan.pos += 1
            return rows
        done = False
        slow_until = -1  # file offset up to which entries go one by one (a region failed)
        while not done:
            scan.ahead(_AHEAD)
            if scan.base + scan.pos >= slow_until:
                bulk = self._bulk(scan, field, media, cid, prefix, rows)
                if bulk is not None:
                    done, slow_until = bulk
                    if slow_until < 0:
                        continue
            run, ids = [], []
            pos, buf = scan.pos, scan.buf
            limit = len(buf) if scan.eof else len(buf) - _AHEAD // 2
            while len(ids) < _RUN and pos < limit:
                m = _ENTRY.match(buf, pos)
                if m is None:
                    break
                ids.append(int(m.group(1)))
                run.append(m.span(2))
                pos = m.end()
                if m.group(3) == b"}":
                    done = True
                    break
            if ids:
                records = self._parse_run(buf, run, ids, field, prefix)
                scan.pos = pos
                for mid, rec in zip(ids, records):
                    self._record(rows, mid, rec, field, media, cid, prefix)
                continue
            # the slow path: an entry the fast pattern does not take (long, nested, odd key)
            key = scan.string()
            scan.expect(b":")
            raw, _ = scan.value()
            try:
                rec = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise LoadError(f"{self.label}: invalid JSON in {prefix.split('#', 1)[1]}"
                                f"{field}/{key[:40]}: {exc.msg}") from None
            try:
                mid = int(key)
                if not -(1 << 63) <= mid < (1 << 63) or not key.lstrip("-").isdigit():
                    raise ValueError
            except ValueError:
                self.out.reject(f"{field}/{key[:40]}", f"message id {key[:40]!r} is not an "
                                "integer", rec)
            else:
                self._record(rows, mid, rec, field, media, cid, prefix)
            done = scan.expect(b",}") == b"}"
        return rows

    def _bulk(self, scan: _Scanner, field: str, media: bool, cid: str, prefix: str,
              rows: dict):
        """Read the entries of the map from ``scan.pos`` to its end or to the last entry
        boundary in the buffer with one orjson call: ``(map done, -1)``; ``(False, offset)``
        when that region must go entry by entry (invalid, duplicate ids, odd keys) up to file
        ``offset``; None when no region can be cut."""
        buf, start = scan.buf, scan.pos
        end = (_MAP_END_LAST if scan.eof else _MAP_END).search(buf, start)
        if end is not None:
            stop, resume, done = end.start() + 1, end.end(), True
        else:
            cut = None
            for cut in _CUT.finditer(buf, max(start, len(buf) - BLOCK_BYTES)):
                pass
            if cut is None:
                return None
            stop, resume, done = cut.start() + 1, cut.end(), False
        region = buf[start:stop]
        try:
            records = orjson.loads(b"{" + region + b"}")
        except orjson.JSONDecodeError:
            return False, scan.base + resume
        if len(_KEY_OBJECT.findall(region)) != len(records):
            return False, scan.base + resume  # a repeated id: reject it one by one
        record = self._record
        try:
            keyed = [(int(k), v) for k, v in records.items()]
        except ValueError:
            return False, scan.base + resume
        for mid, rec in keyed:
            record(rows, mid, rec, field, media, cid, prefix)
        scan.pos = resume
        return done, -1

    def _parse_run(self, buf: bytes, spans: list, ids: list, field: str, prefix: str):
        try:
            return orjson.loads(b"[" + b",".join(buf[a:b] for a, b in spans) + b"]")
        except orjson.JSONDecodeError:
            pass
        records = []
        for (a, b), mid in zip(spans, ids):
            try:
                records.append(orjson.loads(buf[a:b]))
            except orjson.JSONDecodeError as exc:
                raise LoadError(f"{self.label}: invalid JSON in {prefix.split('#', 1)[1]}"
                                f"{field}/{mid}: {exc.msg}") from None
        return records

    def _record(self, rows: dict, mid: int, rec: object, field: str, media: bool, cid: str,
                prefix: str) -> None:
        where = f"{field}/{mid}"
        if mid in rows:
            self.out.reject(where, f"duplicate message id {mid} in {field} of {cid} (the "
                                   "first is kept)", rec)
            return
        try:
            rows[mid] = self._row(mid, rec, media, cid, prefix + where)
        except BadRecord as exc:
            self.out.reject(where, str(exc), rec)

    def _row(self, mid: int, rec: object, media: bool, cid: str, source: str) -> tuple:
        if type(rec) is not dict:
            raise BadRecord(f"a message is an object, not {type(rec).__name__}")
        date = _time(rec.get("date"), "date")
        if date is None:
            raise BadRecord("no date")
        author = rec.get("author")
        author_id = author_name = None
        if type(author) is int and not isinstance(author, bool):
            author_id = f"telegram:{author}"
            self.out.builder.persons.add(author_id)  # a sender is a person: pseudonymised
        elif type(author) is str and author:
            author_name = author
        elif author is not None:
            raise BadRecord(f"author {author!r:.80} is neither an id nor a name")
        fwd = rec.get("is_forwarded")
        fwd_id = fwd_date = None
        if fwd:
            src = rec.get("forwarded_from_id")
            if type(src) is int and not isinstance(src, bool):
                fwd_id = f"telegram:{abs(src)}"
                self.out.note_forward_id(fwd_id, None)
            elif src is not None:
                raise BadRecord(f"forwarded_from_id {src!r:.80} is not an id")
            fwd_date = _time(rec.get("forwarded_message_date"), "forwarded_message_date")
        if media:
            ext = rec.get("extension")
            mtype = (MEDIA_TYPES.get(ext.lower(), "document") if type(ext) is str and ext
                     else "document")
            media_id = rec.get("media_id")
            if media_id is not None and type(media_id) is not str:
                raise BadRecord(f"media_id {media_id!r:.80} is not a string")
            text = None
            name = media_id or None
        else:
            text = rec.get("message")
            if text is not None and type(text) is not str:
                raise BadRecord(f"message {text!r:.80} is not a string")
            mtype = name = None
        return (cid, mid, date, text or None, author_id, author_name, fwd_id, fwd_date,
                mtype, name, source, bool(fwd) and fwd_id is None)

    def _merge(self, first: dict, second: dict, maps: list) -> dict:
        """A text message and a media item with the same id: one message."""
        text, media = (first, second) if maps[0] == "text_messages" else (second, first)
        merged = dict(media)
        for mid, row in text.items():
            m = media.get(mid)
            if m is None:
                merged[mid] = row
                continue
            # the text record's date, text, author and forward; the media item's file
            merged[mid] = row[:8] + m[8:10] + (row[10] + "+media", row[11])
        return merged

    def _emit(self, rows: dict, part) -> None:
        """Hand one channel's rows over, column by column, in message id order."""
        out = self.out
        from_text = entities.from_text
        ordered = sorted(rows)
        step = 1 << 15  # bounded runs: the builder converts rows to compact chunks between
        for i in range(0, len(ordered), step):
            out.resume(part)
            chunk = [rows[mid] for mid in ordered[i:i + step]]
            columns = list(zip(*chunk))
            self.sourceless += sum(columns[11])
            found = [from_text(t) if t else ([], [], []) for t in columns[3]]
            columns[10:] = [[f[0] for f in found], [f[1] for f in found],
                            [f[2] for f in found], columns[10]]
            for values, column in zip(self.lists, columns):
                values.extend(column)
            out.maybe_flush()

    def finish(self) -> None:
        if self.sourceless:
            self.out.warn(f"{self.label}: {self.sourceless:,} forwarded message(s) have no "
                          "forwarded_from_id: loaded as forwards of an unknown source "
                          "(fwd_from_date kept)")


def read_tgdataset_labels(*paths: str | os.PathLike) -> pd.DataFrame:
    """TGDataset's label tables (``channel_to_language_mapping.csv``, tab-separated
    ``ch_id, language``; ``labeled_data/ch_to_topic_mapping.csv``, ``ch_ID, topic``; any
    table keyed by ``ch_id`` in either spelling) as one analyst-labels table for
    ``wb.load(channels=...)``: ``channel_id`` plus ``lang`` (from ``language``), ``topic``
    and any other column, so ``message_volume(messages, by="lang")`` works.

    Raises
    ------
    LoadError
        A file that cannot be read or has no ``ch_id`` column (naming it).
    ParameterError
        No path given.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "lang.csv").write_text("ch_id\\tlanguage\\n1001\\tfa\\n1002\\ten\\n")
    >>> _ = (folder / "topic.csv").write_text("ch_ID,topic\\n1001,Politics\\n")
    >>> read_tgdataset_labels(folder / "lang.csv", folder / "topic.csv")
          channel_id lang     topic
    0  telegram:1001   fa  Politics
    1  telegram:1002   en      <NA>
    """
    if not paths:
        raise ParameterError("read_tgdataset_labels needs at least one table")
    merged = None
    for path in paths:
        path = Path(path)
        try:
            with open(path, encoding="utf-8-sig") as fh:
                header = fh.readline()
            sep = "\t" if "\t" in header else ","
            frame = pd.read_csv(path, sep=sep, dtype=str, encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError) as exc:
            raise LoadError(f"{path.name}: cannot read TGDataset labels: {exc}") from exc
        key = next((c for c in frame.columns if c.strip().lower() in ("ch_id", "chid")), None)
        if key is None:
            raise LoadError(f"{path.name}: TGDataset labels need a ch_id column; got "
                            f"{list(frame.columns)}")
        frame = frame.rename(columns={key: "channel_id", "language": "lang"})
        ids = frame["channel_id"].str.strip()
        bad = ~ids.fillna("").str.fullmatch(r"\d+")
        if bad.any():
            raise LoadError(f"{path.name}: row {int(bad.to_numpy().argmax()) + 2}: channel id "
                            f"{ids[bad].iloc[0]!r} is not numeric")
        frame["channel_id"] = "telegram:" + ids.str.lstrip("0").replace("", "0")
        frame = frame.drop_duplicates("channel_id", keep="first")
        merged = frame if merged is None else merged.merge(frame, on="channel_id",
                                                           how="outer", sort=False)
    return merged.astype({c: "string" for c in merged.columns}).reset_index(drop=True)
