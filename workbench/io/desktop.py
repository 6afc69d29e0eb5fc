"""Telegram Desktop JSON exports (``result.json``): single-chat and full-account.

What the files really hold (see DESIGN.md and ``../shared/samples/telegram-desktop``):

* single-chat export ``{name, type, id, messages}``; full-account export with
  ``chats.list[...]`` and ``left_chats.list[...]``, each an object like a single-chat export;
* ``text`` a string or a list mixing strings and entity objects (newer exports add
  ``text_entities``); keys are omitted rather than null;
* ``date`` is the exporting machine's local time without an offset; ``date_unixtime`` (a
  string, UTC) exists only in newer exports. Without it the ``tz=`` of the load is assumed and
  a warning says so, once per file (the same for ``edited``/``edited_unixtime``);
* ids: old exports write integers with type offsets (2^32 + user, 2^33 + channel), newer ones
  ``"channel123"``/``"user123"``; all become ``telegram:<bare id>``;
* ``forwarded_from`` is a name only (``forwarded_from_id`` in newer exports);
* control characters are written as ``\\xHH``, which JSON forbids: repaired to ``\\u00HH``;
* no views or forward counts, no file sizes in older exports.

Reading is streamed for the pretty-printed layout Desktop writes (one-space indentation): the
``messages`` arrays are cut out of the bytes and parsed with orjson in batches of a few hundred
KB, so memory stays near the file size; any other layout is parsed whole.

Examples
--------
>>> import json, tempfile, workbench as wb
>>> from pathlib import Path
>>> path = Path(tempfile.mkdtemp()) / "result.json"
>>> _ = path.write_text(json.dumps({"name": "Example", "type": "public_channel", "id": 42,
...     "messages": [{"id": 1, "type": "message", "date": "2016-10-01T15:00:00",
...                   "date_unixtime": "1475323200", "from": "Example", "from_id": "channel42",
...                   "text": ["see ", {"type": "mention", "text": "@other_channel"}]}]},
...     indent=1))
>>> m = wb.load(path).messages
>>> m[["channel_id", "date", "text", "mentions", "source"]].to_dict("records")[0]
... # doctest: +NORMALIZE_WHITESPACE
{'channel_id': 'telegram:42', 'date': Timestamp('2016-10-01 12:00:00+0000', tz='UTC'),
 'text': 'see @other_channel', 'mentions': ['other_channel'], 'source': 'result.json#1'}
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import orjson

from ..errors import FormatError, LoadError
from ..ids import name_key, telegram_key
from .builder import FileOutput
from .entities import add_from_text, dedupe
from .records import BadRecord, OutOfRange, check_ns, time_reason
from .sources import Source

__all__ = ["NAME", "SUFFIXES", "sniff", "read", "repair_hex_escapes", "KINDS"]

NAME = "telegram-desktop"
SUFFIXES = (".json",)

#: Desktop chat ``type`` -> channels ``kind``.
KINDS = {
    "public_channel": "channel", "private_channel": "channel",
    "private_group": "group", "basic_group": "group", "group": "group",
    "public_supergroup": "supergroup", "private_supergroup": "supergroup",
    "supergroup": "supergroup",
    "personal_chat": "account", "bot_chat": "account", "saved_messages": "account",
    "saved": "account", "self": "account",
}
#: Desktop chat ``type`` -> public (kept in clear when pseudonymising) or private.
PUBLIC = {"public_channel": True, "public_supergroup": True,
          **{t: False for t in ("private_channel", "private_group", "private_supergroup",
                                "basic_group", "personal_chat", "bot_chat", "saved_messages",
                                "saved", "self")}}
#: Message columns a Desktop export fills (channel_id, channel and source come per chat).
_COLUMNS = ("_index", "author_id", "author", "message_id", "date", "text",
            "fwd_from_channel_id", "fwd_from_name", "reply_to", "edited", "media_type",
            "media_name", "media_size", "media_duration", "mentions", "links", "hashtags")
#: Bytes per parsed batch in the streamed path: small enough that a batch's parsed objects
#: are still in the CPU cache when its records are read (about 20% faster than 4 MB).
BATCH_BYTES = 256 << 10
_BOM = b"\xef\xbb\xbf"
_KEY = b'"messages": ['
_TELETHON_KEY = re.compile(rb'"_"\s*:')
_NOT_INCLUDED = "(File "  # "(File not included. Change data exporting settings to download.)"


def repair_hex_escapes(data: bytes) -> tuple[bytes, int]:
    r"""Turn Desktop's ``\xHH`` escapes (invalid JSON) into ``\u00HH``; an escaped backslash
    before ``x`` (``\\x41``, a literal backslash and "x41") is left alone.

    Examples
    --------
    >>> repair_hex_escapes(rb'"a\x0bb \\x41"')
    (b'"a\\u000bb \\\\x41"', 1)
    >>> repair_hex_escapes(rb'"\\\x41 \xzz"')
    (b'"\\\\\\u0041 \\xzz"', 1)
    """
    # bytes.find runs at memchr speed and escapes are rare, so hopping from one ``\x`` to the
    # next is about twenty times faster than a regex scan that must try every byte.
    pieces: list[bytes] = []
    count = 0
    done = 0
    at = data.find(b"\\x")
    while at >= 0:
        run = 0
        while at - run - 1 >= 0 and data[at - run - 1] == 0x5C:
            run += 1
        if run % 2 == 0 and _is_hex(data[at + 2:at + 4]):
            pieces.append(data[done:at])
            pieces.append(b"\\u00")
            done = at + 2
            count += 1
        at = data.find(b"\\x", at + 2)
    if not count:
        return data, 0
    pieces.append(data[done:])
    return b"".join(pieces), count


_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")


def _is_hex(pair: bytes) -> bool:
    return len(pair) == 2 and pair[0] in _HEX_DIGITS and pair[1] in _HEX_DIGITS


def sniff(head: bytes, path: Path | None = None) -> str | None:
    """None when ``head`` (the first KB) looks like a Desktop JSON export, else why not.

    Examples
    --------
    >>> sniff(b'{\\n "name": "x",\\n "type": "public_channel",\\n "id": 1,\\n "messages": [')
    >>> sniff(b'[{"_": "Message"}]')
    'a JSON array, not an object'
    """
    text = head[3:] if head.startswith(_BOM) else head
    text = text.lstrip()
    if not text:
        return "empty"
    if text[:1] != b"{":
        if text[:1] == b"[":
            return "a JSON array, not an object"
        if text[:1] == b"<":
            return "markup (HTML/XML), not JSON"
        return f"not JSON (starts with {bytes(text[:12])!r})"
    if _TELETHON_KEY.search(text):
        return 'has "_" type keys (a Telethon/Bot API object, not a Desktop export)'
    if b'"messages"' in text and (b'"type"' in text or b'"name"' in text or b'"id"' in text):
        return None
    if b'"chats"' in text or b'"left_chats"' in text or (
            b'"about"' in text and b'"personal_information"' in text):
        return None
    return 'a JSON object without "messages" or "chats" near its start'


# --------------------------------------------------------------------------------------
# parsing
# --------------------------------------------------------------------------------------
class _Relayout(Exception):
    """The streamed path met something it does not expect: parse the whole file instead."""


def _loads(data: bytes) -> object:
    # Repair before parsing when a batch holds any ``\x``: a parse that is bound to fail
    # would cost as much as the good one.
    if b"\\x" in data:
        data = repair_hex_escapes(data)[0]
    return orjson.loads(data)


def _parse_error(data: bytes, label: str, exc: Exception, *, repaired: bool) -> LoadError:
    """A LoadError naming the byte (and line) where ``data`` stops being valid."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as bad:
        line = data.count(b"\n", 0, bad.start) + 1
        return LoadError(
            f"{label}: not UTF-8 text: byte 0x{data[bad.start]:02x} at byte {bad.start:,} "
            f"(line {line}) cannot be decoded; Telegram exports are UTF-8"
        )
    pos = getattr(exc, "pos", None)
    msg = getattr(exc, "msg", str(exc))
    where = ""
    if pos is not None:
        line = data.count(b"\n", 0, pos) + 1
        where = f" at byte {pos:,} (line {line}"
        top = data.find(b'\n "messages": [', 0, pos)
        if top >= 0:
            records = data.count(b"\n  {", top, pos)
            if records:
                where += f", in or after message record #{records}"
        where += ")"
    if "end of data" in msg:
        return LoadError(f"{label}: the JSON ends unexpectedly{where}: the file looks "
                         f"truncated ({len(data):,} bytes)")
    extra = " after repairing \\xHH escapes" if repaired else ""
    return LoadError(f"{label}: invalid JSON{where}{extra}: {msg}")


def _parse_document(data: bytes, label: str) -> object:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as first:
        repaired, count = repair_hex_escapes(data)
        if not count:
            raise _parse_error(data, label, first, repaired=False) from None
        try:
            return orjson.loads(repaired)
        except orjson.JSONDecodeError as exc:
            raise _parse_error(repaired, label, exc, repaired=True) from None


def _chats(doc: object, label: str) -> list[tuple[str, dict]]:
    """(record prefix, chat object) for every chat with messages, in document order."""
    if not isinstance(doc, dict):
        raise FormatError(f"{label}: the top level is a JSON {type(doc).__name__}, not an "
                          "object: not a Telegram Desktop export")
    if "messages" in doc:
        return [("", doc)]
    found = []
    for key, section in doc.items():
        if key not in ("chats", "left_chats"):
            continue
        chats = section.get("list") if isinstance(section, dict) else None
        if not isinstance(chats, list):
            raise FormatError(f"{label}: {key!r} has no 'list' of chats")
        for i, chat in enumerate(chats, 1):
            if isinstance(chat, dict) and "messages" in chat:
                found.append((f"{key}/{i}/", chat))
    if not found and not any(k in doc for k in ("chats", "left_chats")):
        raise FormatError(f"{label}: a JSON object without a 'messages' list or 'chats': "
                          "not a Telegram Desktop export")
    return found


def _spans(data: bytes) -> list[tuple[int, int, int]] | None:
    """(indent, start, end) of every ``messages`` array body in Desktop's pretty layout, or
    None when the bytes are not in that layout.

    ``"messages": [`` cannot occur inside a JSON string (its quotes would be escaped), so a
    plain byte search finds the keys; a key must start its line. A single-chat export's
    one array (key at indent 1) ends at the file's last ``\n ]``, found from the end.
    """
    spans = []
    pos = 0
    size = len(data)
    while True:
        at = data.find(_KEY, pos)
        if at < 0:
            break
        line = data.rfind(b"\n", 0, at)
        indent = at - line - 1
        if line < 0 or data[line + 1:at] != b" " * indent:
            return None
        start = at + len(_KEY)
        if data[start:start + 1] == b"]":
            end = start
        elif indent == 1 and not spans:
            end = data.rfind(b"\n ]", start)
            if end < 0:
                return None
            spans.append((indent, start, end))
            break
        else:
            end = data.find(b"\n" + b" " * indent + b"]", start)
            if end < 0:
                return None  # truncated, or not the layout we know
        spans.append((indent, start, end))
        pos = min(end + 1, size)
    return spans or None


def _batches(data: bytes, indent: int, start: int, end: int, advance):
    """Parsed lists of records, cut at record ends (``\\n<indent+1>}``), a few hundred KB each."""
    closer = b"\n" + b" " * (indent + 1) + b"}"
    view = memoryview(data)
    pos = start
    while pos < end:
        cut = data.find(closer, min(pos + BATCH_BYTES, end), end)
        cut = end if cut < 0 else cut + len(closer)
        first = pos
        while first < cut and data[first] in b" \t\r\n":
            first += 1
        if data[first:first + 1] == b",":
            first += 1
        buf = bytearray(b"[")
        buf += view[first:cut]
        buf += b"]"
        try:
            records = _loads(buf)
        except orjson.JSONDecodeError:
            raise _Relayout from None
        del buf
        if not isinstance(records, list):
            raise _Relayout
        advance(cut - pos)
        yield records
        pos = cut


def _streamed(data: bytes, label: str, advance) -> list[tuple[str, dict, object]] | None:
    spans = _spans(data)
    if spans is None:
        return None
    pieces, prev = [], 0
    for _indent, start, end in spans:
        pieces.append(data[prev:start])
        prev = end
    pieces.append(data[prev:])
    try:
        skeleton = _loads(b"".join(pieces))
        chats = _chats(skeleton, label)
    except (orjson.JSONDecodeError, FormatError):
        return None
    if len(chats) != len(spans):
        return None
    return [(prefix, chat, _batches(data, *span, advance))
            for (prefix, chat), span in zip(chats, spans)]


def read(source: Source, out: FileOutput) -> None:
    """Read one Desktop JSON export into ``out``.

    Raises
    ------
    LoadError
        Empty, truncated, invalid or non-UTF-8 files (naming the byte position), and files
        that are JSON but not a Desktop export (:class:`FormatError`).
    """
    data = source.read_bytes()
    label = source.label
    if data.startswith(_BOM):
        data = data[3:]
    if not data.strip():
        raise LoadError(f"{label}: empty file ({source.size} bytes): not a Telegram export")
    scale = source.size / max(len(data), 1)
    done = [0]

    def advance(n: int) -> None:
        step = int(n * scale)
        done[0] += step
        out.advance(step)

    try:
        chats = _streamed(data, label, advance)
        if chats is not None:
            _read_chats(chats, out)
            out.advance(max(source.size - done[0], 0))
            return
    except _Relayout:
        out.reset()
    doc = _parse_document(data, label)
    del data
    chats = [(prefix, chat, iter([chat.get("messages")])) for prefix, chat in _chats(doc, label)]
    _read_chats(chats, out)
    out.advance(max(source.size - done[0], 0))


# --------------------------------------------------------------------------------------
# records
# --------------------------------------------------------------------------------------
def _chat_part(chat: dict, prefix: str, out: FileOutput):
    label = out.source.label
    name = chat.get("name")
    name = name if isinstance(name, str) and name else None
    raw_id = chat.get("id")
    kind = KINDS.get(chat.get("type") if isinstance(chat.get("type"), str) else "", "unknown")
    try:
        if raw_id is None:
            raise ValueError("no id")
        channel_id, resolved = telegram_key(raw_id), True
    except (ValueError, TypeError):
        if name is None:
            raise LoadError(f"{label}#{prefix or '/'}: a chat with neither a usable id "
                            f"({raw_id!r}) nor a name") from None
        channel_id, resolved = name_key(name), False
        out.warn(f"{label}: chat {name!r} has no usable id ({raw_id!r}); keyed by its name "
                 f"as {channel_id}")
    part = out.part(channel_id, name=name, kind=kind, resolved=resolved, locator=prefix)
    part.public = PUBLIC.get(chat.get("type")) if isinstance(chat.get("type"), str) else None
    return part


def _read_chats(chats, out: FileOutput) -> None:
    label = out.source.label
    assumed = set()
    for prefix, chat, batches in chats:
        part = _chat_part(chat, prefix, out)
        index = 0
        for records in batches:
            if not isinstance(records, list):
                out.reject(f"{prefix}messages", "'messages' is not a list", records)
                continue
            index = _read_records(records, index, prefix, part, out, assumed)
    if assumed:
        fields = sorted(assumed)
        out.warn(f"{label}: no {'/'.join(f + '_unixtime' for f in fields)}; local "
                 f"{'/'.join(fields)} times read as {_tz_name(out.tz)} (pass tz= the "
                 "exporting machine's UTC offset if that is wrong)")


def _tz_name(tz) -> str:
    return getattr(tz, "key", None) or str(tz)


def _local_ns(value: object, tz) -> int:
    if type(value) is not str:
        raise ValueError(value)
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    try:
        ns = int(dt.timestamp()) * 1_000_000_000 + dt.microsecond * 1000
    except (OverflowError, ValueError):
        raise OutOfRange(value) from None
    return check_ns(ns, value)


def _unix_ns(value: object) -> int:
    if type(value) not in (str, int):  # a string of digits (or an int)
        raise ValueError(value)
    return check_ns(int(value) * 1_000_000_000, value)


def _media_name(value: object) -> str | None:
    if type(value) is not str or not value or value.startswith(_NOT_INCLUDED):
        return None
    return value.rsplit("/", 1)[-1] or None


def _read_records(records: list, index: int, prefix: str, part, out: FileOutput,
                  assumed: set) -> int:
    """Add one batch of records, ``index`` of them read before; return how many are read
    after it. A record's locator is its position in the chat's ``messages``, from 1, after
    ``prefix``: the chat in a full-account export (``"chats/3/"``), empty for a single chat."""
    cols = out.columns(_COLUMNS)
    (a_index, a_author_id, a_author, a_message_id, a_date, a_text, a_fwd_id, a_fwd_name,
     a_reply, a_edited, a_media_type, a_media_name, a_media_size, a_duration, a_mentions,
     a_links, a_hashtags) = [cols[c].append for c in _COLUMNS]
    seen = part.seen
    tz = out.tz
    channel_id = part.channel_id
    is_channel = part.kind == "channel"
    id_cache: dict = {}
    for i, rec in enumerate(records, index + 1):
        if type(rec) is not dict:
            out.reject(prefix + str(i),
                       f"a {type(rec).__name__}, not a record object", rec)
            continue
        kind = rec.get("type")
        if kind != "message":
            _other_record(rec, kind, i, prefix, part, out, assumed)
            continue
        try:
            mid = rec.get("id")
            if type(mid) is not int:
                raise BadRecord("no message id" if mid is None else f"message id {mid!r} is not an "
                           "integer")
            if mid in seen:
                raise BadRecord(f"duplicate message id {mid} within one export of {channel_id} "
                           "(the first is kept)")
            ut = rec.get("date_unixtime")
            if ut is not None:
                try:
                    date = _unix_ns(ut)
                except (ValueError, TypeError) as exc:
                    raise BadRecord(time_reason("date_unixtime", ut, exc, "a Unix time")) from None
            else:
                local = rec.get("date")
                if local is None:
                    raise BadRecord("no date")
                try:
                    date = _local_ns(local, tz)
                except (ValueError, TypeError, OverflowError) as exc:
                    raise BadRecord(time_reason("date", local, exc,
                                                "an ISO date-time")) from None
                assumed.add("date")

            raw = rec.get("text", "")
            mentions, links, hashtags = [], [], []
            if type(raw) is list:
                # Entities come from the objects in the list (``text_entities``, when
                # present, repeats them); one pass flattens and collects.
                pieces = []
                _collect(raw, mentions, links, hashtags, pieces, out.builder.mention_names)
                text = "".join(pieces)
            elif type(raw) is str:
                text = raw
                ents = rec.get("text_entities")
                if ents is None:
                    # No entity information at all (older exports write a plain string when
                    # the text has none): look for them in the text. Where Desktop wrote
                    # entities it marked every mention, link and hashtag.
                    add_from_text(text, mentions, links, hashtags)
                elif len(ents) > 1 or (ents and ents[0].get("type") != "plain"):
                    _collect(ents, mentions, links, hashtags,
                             people=out.builder.mention_names)
            elif raw is None:
                text = ""
            else:
                raise BadRecord(f"text is of type {type(raw).__name__}, expected a string or a "
                           "list")
            mentions, links, hashtags = dedupe(mentions), dedupe(links), dedupe(hashtags)

            if is_channel:
                author_id = None
                author = rec.get("author") or None
            else:
                fid = rec.get("from_id")
                if fid is None:
                    author_id = None
                else:
                    author_id = id_cache.get(fid)
                    if author_id is None:
                        author_id = id_cache[fid] = _user_key(fid, "from_id")
                author = rec.get("from") or None
            if author is not None and type(author) is not str:
                raise BadRecord(f"author {author!r} is not a string")

            fwd_name = fwd_id = None
            if "forwarded_from" in rec or "forwarded_from_id" in rec:
                fwd_name = rec.get("forwarded_from") or None
                if fwd_name is not None and type(fwd_name) is not str:
                    raise BadRecord(f"forwarded_from {fwd_name!r} is not a name")
                fid = rec.get("forwarded_from_id")
                if fid is not None:
                    fwd_id = _user_key(fid, "forwarded_from_id")
                    if fwd_id is not None:
                        out.note_forward_id(fwd_id, fwd_name)
                        if _says_user(fid):
                            out.builder.persons.add(fwd_id)

            reply = rec.get("reply_to_message_id")
            if reply is not None and type(reply) is not int:
                raise BadRecord(f"reply_to_message_id {reply!r} is not an integer")

            ut = rec.get("edited_unixtime")
            if ut is not None:
                try:
                    edited = _unix_ns(ut)
                except (ValueError, TypeError) as exc:
                    raise BadRecord(time_reason("edited_unixtime", ut, exc,
                                                "a Unix time")) from None
            elif "edited" in rec:
                try:
                    edited = _local_ns(rec["edited"], tz)
                except (ValueError, TypeError, OverflowError) as exc:
                    raise BadRecord(time_reason("edited", rec["edited"], exc,
                                                "an ISO date-time")) from None
                assumed.add("edited")
            else:
                edited = None

            media_type = media_name = media_size = None
            if "photo" in rec:
                media_type = "photo"
                media_name = _media_name(rec["photo"])
                media_size = rec.get("photo_file_size")
            elif "file" in rec:
                media_type = rec.get("media_type") or "document"
                media_name = _media_name(rec.get("file_name") or rec["file"])
                media_size = rec.get("file_size")
            elif "media_type" in rec:
                media_type = rec["media_type"]
            elif "poll" in rec:
                media_type = "poll"
            elif "location_information" in rec:
                media_type = "location"
            elif "contact_information" in rec:
                media_type = "contact"
            duration = rec.get("duration_seconds")
            if media_type is not None and type(media_type) is not str:
                raise BadRecord(f"media_type {media_type!r} is not a string")
            if duration is not None and type(duration) is not int:
                raise BadRecord(f"duration_seconds {duration!r} is not an integer")
            if media_size is not None and type(media_size) is not int:
                raise BadRecord(f"file size {media_size!r} is not an integer")
        except BadRecord as exc:
            out.reject(prefix + str(i), str(exc), rec)
            continue
        except (AttributeError, KeyError, TypeError, IndexError) as exc:
            out.reject(prefix + str(i),
                       f"unreadable record ({type(exc).__name__}: {exc})", rec)
            continue
        seen.add(mid)
        a_index(i)
        a_author_id(author_id)
        a_author(author)
        a_message_id(mid)
        a_date(date)
        a_text(text or None)
        a_fwd_id(fwd_id)
        a_fwd_name(fwd_name)
        a_reply(reply)
        a_edited(edited)
        a_media_type(media_type)
        a_media_name(media_name)
        a_media_size(media_size)
        a_duration(duration)
        a_mentions(mentions)
        a_links(links)
        a_hashtags(hashtags)
    out.maybe_flush()
    return index + len(records)


def _collect(items: list, mentions: list, links: list, hashtags: list,
             pieces: list | None = None, people: dict | None = None) -> None:
    """Mentions, links and hashtags from a list of entity objects (``text_entities``); with
    ``pieces``, from a ``text`` list, whose strings and objects' texts go to ``pieces``;
    ``people`` collects the display names of ``mention_name`` entities (name -> user key),
    for pseudonymising."""
    for e in items:
        if pieces is not None and type(e) is str:
            pieces.append(e)
            continue
        v = e.get("text", "")
        if pieces is not None:
            pieces.append(v)
        et = e.get("type")
        if et == "link":
            if v:
                links.append(v)
        elif et == "text_link":
            h = e.get("href")
            if h:
                links.append(h)
        elif et == "mention" or et == "mention_name":
            if v:
                mentions.append(v[1:] if v[0] == "@" else v)
                if et == "mention_name" and people is not None:
                    people[v] = _user_key(e.get("user_id"))
        elif et == "hashtag":
            if v:
                hashtags.append(v[1:] if v[0] == "#" else v)


def _says_user(raw: object) -> bool:
    """Whether a sender or forward source id says it is a user (``user123``, or an old
    integer id with the user offset)."""
    if type(raw) is str:
        return raw.startswith("user")
    return type(raw) is int and (1 << 32) <= raw < (1 << 33)


def _user_key(raw: object, field: str = "id") -> str | None:
    """``telegram:<bare id>`` for a sender or forward source id; a string id in a form we do
    not know is kept as written (prefixed), never invented.

    Raises
    ------
    BadRecord
        For a value that is no id at all (not an int or a string: a float, bool, list or
        dict), or an int that does not fit 64 bits.
    """
    if raw is None or raw == "":
        return None
    try:
        return telegram_key(raw)
    except (ValueError, TypeError):
        if type(raw) is not str or not raw.isprintable() or len(raw) > 64:
            raise BadRecord(f"{field} {raw!r:.80} is not a Telegram id") from None
        return f"telegram:{raw}"


def _other_record(rec: dict, kind: object, i: int, prefix: str, part, out: FileOutput,
                  assumed: set) -> None:
    where = prefix + str(i)
    if kind == "service":
        mid = rec.get("id")
        date = None
        ut = rec.get("date_unixtime")
        field, value = ("date_unixtime", ut) if ut is not None else ("date", rec.get("date"))
        try:
            if ut is not None:
                date = _unix_ns(ut)
            elif value is not None:
                date = _local_ns(value, out.tz)
                assumed.add("date")
        except (ValueError, TypeError, OverflowError) as exc:
            out.reject(where, "service record: " + time_reason(field, value, exc), rec)
            return
        raw = rec.get("text", "")
        if type(raw) is list:
            raw = "".join(p if type(p) is str else str(p.get("text", "")) for p in raw
                          if type(p) in (str, dict))
        action = rec.get("action")
        actor = rec.get("actor")
        try:
            actor_id = _user_key(rec.get("actor_id"), "actor_id")
        except BadRecord as exc:
            out.reject(where, f"service record: {exc}", rec)
            return
        out.add_service(
            where,
            message_id=mid if type(mid) is int else None,
            date=date,
            action=action if type(action) is str else None,
            actor_id=actor_id,
            actor=actor if type(actor) is str else None,
            # a title change or creation carries the chat's title: kept as the record's text
            text=(raw if type(raw) is str and raw else
                  rec["title"] if type(rec.get("title")) is str else
                  raw if type(raw) is str else None),
        )
    elif kind == "unsupported":
        out.reject(where, "unsupported record: Telegram Desktop could not export this message",
                   rec)
    elif kind is None:
        out.reject(where, "record without a 'type'", rec)
    else:
        out.reject(where, f"unknown record type {kind!r}", rec)
