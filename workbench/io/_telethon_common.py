"""What the Telethon-derived formats share: streaming input, times, and one reader of
Telethon ``Message``/``MessageService`` records.

Telethon dumps, telegram-tracker JSON, 4CAT ndjson and the Pushshift Telegram files all hold
Telethon objects, differently dressed:

* the type key is ``"_"`` (``to_dict()``) or ``"_type"`` (4CAT's serialiser);
* times are ISO strings (``to_json()``), ``str(datetime)`` with a space (``json.dumps(...,
  default=str)``), or float / int Unix times (4CAT, Pushshift);
* the record is in the current shape (layer 119+, 2020 on: ``peer_id``, ``from_id`` a peer,
  ``reply_to.reply_to_msg_id``, ``fwd_from.from_id``) or the legacy shape (``to_id``, integer
  ``from_id``, top-level ``reply_to_msg_id``, ``fwd_from.channel_id``).

:class:`RecordReader` reads any of them into a :class:`~workbench.io.builder.FileOutput`;
:class:`Rows` hands rows over per channel, so a file that interleaves channels still makes one
export unit per channel. :func:`iter_lines` and :func:`iter_array` stream a file in bounded
memory (a block of a few MB at a time), reporting progress in bytes on disk. The CSV tables of
4CAT and telegram-tracker, one message per row, are read by :func:`add_csv_rows`.

Examples
--------
>>> to_ns("2016-10-01 12:00:00+00:00") == to_ns(1475323200) == to_ns("2016-10-01T12:00:00Z")
True
>>> utf16_slice("😀 @abc_def", 3, 8)   # the emoji is two UTF-16 units
'@abc_def'
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
import zlib
from datetime import datetime, timezone

import orjson

from ..errors import LoadError
from ..ids import bare_telegram_id
from .builder import FileOutput, Part
from .entities import add_from_text, dedupe
from .sources import Source

__all__ = ["COLUMNS", "Rows", "RecordReader", "iter_lines", "iter_array", "iter_csv",
           "read_lines", "read_document", "parse_document", "to_ns", "utf16_slice",
           "chat_description", "peer_key", "first_byte", "json_head", "first_line",
           "reject_json_line", "TELETHON_TYPE", "BLOCK_BYTES", "ACTIONS", "MEDIA_TYPES",
           "BadRecord", "optional_int", "optional_time", "csv_header", "csv_int",
           "csv_entities", "add_csv_rows"]

#: Message columns these readers fill (``channel_id``/``channel``/``source`` come per part).
COLUMNS = ("_index", "author_id", "author", "message_id", "date", "text",
           "fwd_from_channel_id", "fwd_from_name", "fwd_from_message_id", "fwd_from_date",
           "reply_to", "views", "forwards", "edited", "grouped_id", "media_type", "media_name",
           "media_size", "media_duration", "mentions", "links", "hashtags")
#: Bytes read from disk per step when streaming.
BLOCK_BYTES = 1 << 20
#: Rows held per channel before they are handed to the FileOutput.
_RUN_ROWS = 8192
_BOM = b"\xef\xbb\xbf"
_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
#: ``"_": "Message"`` (or MessageService / MessageEmpty) near the start of a record.
TELETHON_TYPE = re.compile(rb'"_"\s*:\s*"Message(?:Service|Empty)?"')
_UTC = timezone.utc
_MAX_NS = (1 << 33) * 1_000_000_000  # about the year 2242: beyond is garbage, not a date
_MIN_NS = -_MAX_NS

#: Telethon ``MessageAction*`` -> the action name Telegram Desktop exports write.
ACTIONS = {
    "MessageActionChatCreate": "create_group",
    "MessageActionChatEditTitle": "edit_group_title",
    "MessageActionChatEditPhoto": "edit_group_photo",
    "MessageActionChatDeletePhoto": "delete_group_photo",
    "MessageActionChatAddUser": "invite_members",
    "MessageActionChatDeleteUser": "remove_members",
    "MessageActionChatJoinedByLink": "join_group_by_link",
    "MessageActionChatJoinedByRequest": "join_group_by_request",
    "MessageActionChannelCreate": "create_channel",
    "MessageActionChatMigrateTo": "migrate_to_supergroup",
    "MessageActionChannelMigrateFrom": "migrate_from_group",
    "MessageActionPinMessage": "pin_message",
    "MessageActionHistoryClear": "clear_history",
    "MessageActionGameScore": "score_in_game",
    "MessageActionPaymentSent": "send_payment",
    "MessageActionPhoneCall": "phone_call",
    "MessageActionScreenshotTaken": "take_screenshot",
    "MessageActionCustomAction": "custom_action",
    "MessageActionBotAllowed": "allow_sending_messages",
    "MessageActionContactSignUp": "joined_telegram",
    "MessageActionSetMessagesTTL": "set_messages_ttl",
    "MessageActionGroupCall": "group_call",
    "MessageActionInviteToGroupCall": "invite_to_group_call",
    "MessageActionSetChatTheme": "edit_chat_theme",
    "MessageActionTopicCreate": "topic_created",
    "MessageActionTopicEdit": "topic_edit",
}
#: ``MessageMedia*`` -> media_type (Desktop's names where Desktop has the kind).
MEDIA_TYPES = {
    "MessageMediaPhoto": "photo",
    "MessageMediaPoll": "poll",
    "MessageMediaGeo": "location",
    "MessageMediaGeoLive": "location",
    "MessageMediaVenue": "location",
    "MessageMediaContact": "contact",
    "MessageMediaGame": "game",
    "MessageMediaInvoice": "invoice",
    "MessageMediaDice": "dice",
    "MessageMediaStory": "story",
    "MessageMediaGiveaway": "giveaway",
    "MessageMediaUnsupported": "unsupported",
}
_ENTITIES = {
    "MessageEntityMention": "mention",
    "MessageEntityMentionName": "mention",
    "InputMessageEntityMentionName": "mention",
    "MessageEntityUrl": "url",
    "MessageEntityTextUrl": "text_url",
    "MessageEntityHashtag": "hashtag",
}


# --------------------------------------------------------------------------------------
# times and ids
# --------------------------------------------------------------------------------------
def to_ns(value: object) -> int:
    """Nanoseconds since the epoch (UTC) of a Telethon time as a dump writes it.

    ISO strings with ``T`` or a space (``str(datetime)``), with or without an offset (none
    means UTC: Telethon's times are UTC), ``Z`` allowed; Unix seconds as int, float or a
    string of digits.

    Raises
    ------
    ValueError
        For anything else, or a time outside years 1700-2242.

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
            ns = math.floor(dt.timestamp()) * 1_000_000_000 + dt.microsecond * 1000
    elif kind is int:
        ns = value * 1_000_000_000
    elif kind is float:
        if value != value:
            raise ValueError(value)
        ns = round(value * 1_000_000) * 1000
    else:
        raise ValueError(value)
    if not _MIN_NS < ns < _MAX_NS:
        raise ValueError(value)
    return ns


def peer_key(peer: object) -> tuple[str, str] | None:
    """``(telegram:<bare id>, peer kind)`` of a Telethon peer: a dict (``PeerChannel``,
    ``PeerChat``, ``PeerUser``; also the ``channel_id`` 4CAT keeps on a resolved peer) or an
    int (a user id in legacy ``from_id``, or a Bot-API id). None for None.

    Raises
    ------
    ValueError
        If ``peer`` names no id.

    Examples
    --------
    >>> peer_key({"_": "PeerChannel", "channel_id": 1292077344})
    ('telegram:1292077344', 'channel')
    >>> peer_key(-1001292077344), peer_key(777)
    (('telegram:1292077344', 'channel'), ('telegram:777', 'user'))
    """
    if peer is None:
        return None
    if type(peer) is dict:
        for field, kind in (("channel_id", "channel"), ("user_id", "user"), ("chat_id", "chat")):
            raw = peer.get(field)
            if raw is not None:
                if type(raw) is not int:
                    raise ValueError(f"{field} {raw!r} is not an integer")
                return f"telegram:{bare_telegram_id(raw)}", kind
        raise ValueError(f"a peer without channel_id, user_id or chat_id: {peer!r}"[:200])
    if type(peer) is int:
        kind = "channel" if peer < 0 and str(peer).startswith("-100") else (
            "chat" if peer < 0 else "user")
        return f"telegram:{bare_telegram_id(peer)}", kind
    raise ValueError(f"{peer!r} is not a peer"[:200])


def chat_description(chat: object, type_key: str = "_") -> tuple[str, str | None, str | None,
                                                                  str] | None:
    """``(channel_id, name, handle, kind)`` of a Telethon ``Channel``/``Chat``/``User`` dict
    (as the ``chats``/``users`` of an API response, 4CAT's ``_chat``, a Pushshift channels
    record), or None if it has no integer ``id``.

    Examples
    --------
    >>> chat_description({"_": "Channel", "id": 5, "title": "Five", "username": "five",
    ...                   "broadcast": True, "megagroup": False})
    ('telegram:5', 'Five', 'five', 'channel')
    """
    if type(chat) is not dict:
        return None
    raw = chat.get("id")
    if type(raw) is not int:
        return None
    typ = chat.get(type_key) or ""
    if typ.startswith("User") or "first_name" in chat:
        first, last = chat.get("first_name"), chat.get("last_name")
        name = " ".join(p for p in (first, last) if type(p) is str and p) or None
        kind = "account"
    else:
        title = chat.get("title")
        name = title if type(title) is str and title else None
        if typ.startswith("Chat"):
            kind = "group"
        elif chat.get("broadcast"):
            kind = "channel"
        elif chat.get("megagroup") or chat.get("gigagroup"):
            kind = "supergroup"
        else:
            kind = "channel" if typ.startswith("Channel") else "unknown"
    handle = chat.get("username")
    if not (type(handle) is str and handle):
        handle = None
        for entry in chat.get("usernames") or ():  # layer 150+: several, one active
            if type(entry) is dict and entry.get("active") and type(entry.get("username")) is str:
                handle = entry["username"]
                break
    return f"telegram:{bare_telegram_id(raw)}", name, handle, kind


def utf16_slice(text: str, offset: int, length: int, units: bytes | None = None) -> str:
    """``text[offset:offset+length]`` counted in UTF-16 code units, as Telegram counts entity
    offsets (an emoji outside the BMP is two units).

    Raises
    ------
    ValueError
        If the span falls outside the text or splits a surrogate pair.

    Examples
    --------
    >>> text = "😀😀 read @news_agency"
    >>> text[10:22], utf16_slice(text, 10, 12)
    ('ews_agency', '@news_agency')
    """
    if offset < 0 or length <= 0:
        raise ValueError("negative offset or empty span")
    if units is None:
        units = text.encode("utf-16-le", "surrogatepass")
    if 2 * (offset + length) > len(units):
        raise ValueError("span beyond the end of the text")
    return units[2 * offset:2 * (offset + length)].decode("utf-16-le")


# --------------------------------------------------------------------------------------
# streaming input
# --------------------------------------------------------------------------------------
class _Counted:
    """A binary file that hashes what is read and reports how much was."""

    def __init__(self, raw):
        self.raw = raw
        self.digest = hashlib.sha256()
        self.count = 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.digest.update(data)
        self.count += len(data)
        return data

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer)
        if n:
            self.digest.update(memoryview(buffer)[:n])
            self.count += n
        return n

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.raw.close()


def _zstd_blocks(counted: "_Counted", label: str):
    """Decompressed blocks of a zstandard stream of one or more frames; a frame cut short is
    an error (the library's stream reader would end quietly)."""
    import zstandard

    # Pushshift's files need a long window (up to 2 GB).
    dctx = zstandard.ZstdDecompressor(max_window_size=1 << 31)
    dobj = dctx.decompressobj()
    fed = False  # the current frame has had input
    produced = 0
    while True:
        data = counted.read(BLOCK_BYTES // 4)
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
    if fed and not dobj.eof:
        raise LoadError(f"{label}: damaged or truncated zstandard stream: it ends inside a frame "
                        f"after {produced:,} decompressed bytes")


def _blocks(source: Source, out: FileOutput):
    """Decompressed blocks of ``source``; progress in bytes on disk; sets its sha256/size."""
    label = source.label
    try:
        raw = open(source.path, "rb")
    except OSError as exc:
        raise LoadError(f"{label}: cannot read: {exc}") from exc
    counted = _Counted(raw)
    done = 0
    produced = 0
    try:
        magic = raw.read(4)
        raw.seek(0)
        if magic[:2] == _GZIP_MAGIC:
            import gzip

            stream = gzip.GzipFile(fileobj=counted, mode="rb")
            blocks = iter(lambda: stream.read(BLOCK_BYTES), b"")
        elif magic == _ZSTD_MAGIC:
            blocks = _zstd_blocks(counted, label)
        else:
            blocks = iter(lambda: counted.read(BLOCK_BYTES), b"")
        while True:
            try:
                block = next(blocks, b"")
            except (EOFError, OSError, zlib.error) as exc:
                raise LoadError(f"{label}: damaged or truncated compressed stream after "
                                f"{produced:,} decompressed bytes: {exc}") from exc
            if counted.count > done:
                out.advance(counted.count - done)
                done = counted.count
            if not block:
                break
            produced += len(block)
            yield block
    finally:
        raw.close()
    source.size = counted.count
    source.sha256 = counted.digest.hexdigest()


def iter_lines(source: Source, out: FileOutput):
    """``(line number, line)`` of every non-blank line (1-based numbers, as editors show
    them), streamed: memory holds one block and the longest line."""
    lineno = 0
    tail = b""
    first = True
    for block in _blocks(source, out):
        if first:
            first = False
            if block.startswith(_BOM):
                block = block[3:]
        if tail:
            block = tail + block
        lines = block.split(b"\n")
        tail = lines.pop()
        for line in lines:
            lineno += 1
            if line and not line.isspace():
                yield lineno, line
    if tail and not tail.isspace():
        yield lineno + 1, tail


#: Where one top-level Telethon record ends and the next begins inside a JSON array: the
#: next record starts with ``{"_": "Message"`` (or MessageService / MessageEmpty), closing
#: quote included, since nested lists hold ``"MessageEntity..."`` objects. Such a key cannot
#: occur inside a string (its quotes would be escaped) and no nested object is a Message.
_ARRAY_CUT = re.compile(rb'\}\s*,\s*(?=\{\s*"_"\s*:\s*"Message(?:Service|Empty)?")')
#: Parsed batch size when cutting a JSON array.
_BATCH_BYTES = 4 * BLOCK_BYTES


def iter_array(source: Source, out: FileOutput):
    """``(index, record)`` of a top-level JSON array of Telethon records (0-based), parsed
    a few MB at a time with orjson (cut between records, see ``_ARRAY_CUT``); a layout that
    cannot be cut there is parsed whole.

    Raises
    ------
    LoadError
        If the file is not one valid JSON array (naming the byte position).
    """
    label = source.label
    blocks = _blocks(source, out)
    buf = b""
    consumed = 0  # bytes of the decompressed file before ``buf``
    opened = False
    index = 0
    for block in blocks:
        buf += block
        if not opened:
            stripped = buf.lstrip(b" \t\r\n")
            if stripped.startswith(_BOM):
                stripped = stripped[3:].lstrip(b" \t\r\n")
            if not stripped:
                continue
            if stripped[:1] != b"[":
                raise LoadError(f"{label}: not a JSON array")
            consumed += len(buf) - len(stripped) + 1
            buf = stripped[1:]
            opened = True
        if len(buf) < _BATCH_BYTES:
            continue
        cut = None
        for cut in _ARRAY_CUT.finditer(buf, max(len(buf) - 2 * BLOCK_BYTES, 0)):
            pass
        if cut is None:
            continue
        try:
            records = orjson.loads(b"[" + buf[:cut.start() + 1] + b"]")
        except orjson.JSONDecodeError:
            break  # not where we thought: parse the rest as one document
        for record in records:
            yield index, record
            index += 1
        consumed += cut.end()
        buf = buf[cut.end():]
    buf += b"".join(blocks)  # what is left if the loop stopped early (else nothing)
    if not opened:
        raise LoadError(f"{label}: empty file: nothing to load")
    tail = buf.rstrip(b" \t\r\n")
    if not tail.endswith(b"]"):
        raise LoadError(f"{label}: the JSON array ends unexpectedly after byte "
                        f"{consumed + len(buf):,}: the file looks truncated")
    try:
        records = orjson.loads(b"[" + tail)
    except orjson.JSONDecodeError as exc:
        pos = max(getattr(exc, "pos", 1) - 1, 0)
        raise LoadError(f"{label}: invalid JSON at byte {consumed + pos:,} (in or after "
                        f"record #{index}): {exc.msg}") from None
    for record in records:
        yield index, record
        index += 1


def iter_csv(source: Source, out: FileOutput):
    """``(first line number, fields)`` of every CSV record, header included (line 1),
    streamed; quoted fields may hold newlines.

    Raises
    ------
    LoadError
        If the file is not UTF-8 text (naming the byte) or not CSV.
    """
    import codecs

    label = source.label
    decoder = codecs.getincrementaldecoder("utf-8")()
    state = {"bytes": 0}

    def lines():
        tail = ""
        first = True
        for block in _blocks(source, out):
            try:
                text = decoder.decode(block)
            except UnicodeDecodeError as exc:
                raise LoadError(f"{label}: not UTF-8 text: byte 0x{block[exc.start]:02x} at "
                                f"byte {state['bytes'] + exc.start:,} cannot be decoded") from None
            state["bytes"] += len(block)
            if first:
                first = False
                text = text.removeprefix("\ufeff")
            parts = (tail + text).split("\n")
            tail = parts.pop()
            for line in parts:
                yield line + "\n"
        if tail:
            yield tail

    reader = csv.reader(lines())
    start = 1
    try:
        for fields in reader:
            yield start, fields
            start = reader.line_num + 1
    except csv.Error as exc:
        raise LoadError(f"{label}: not readable as CSV at line {reader.line_num:,}: {exc}") from None


def first_line(head: bytes) -> bytes:
    """The first line of ``head`` (without BOM, leading white space and line end)."""
    return json_head(head).split(b"\n", 1)[0].rstrip()


def first_byte(head: bytes) -> bytes:
    """The first byte of ``head`` after a BOM and white space (``b""`` if none)."""
    return json_head(head)[:1]


def json_head(head: bytes) -> bytes:
    """``head`` without a BOM and leading white space."""
    text = head[3:] if head.startswith(_BOM) else head
    return text.lstrip()


# --------------------------------------------------------------------------------------
# rows per channel
# --------------------------------------------------------------------------------------
class Rows:
    """Message rows of one file, held per channel and handed to the FileOutput in runs, so
    each channel is one export unit even when the file interleaves channels."""

    def __init__(self, out: FileOutput, columns=COLUMNS):
        self.out = out
        cols = out.columns(columns)
        self._lists = [cols[c] for c in columns]
        self.parts: dict[str, Part] = {}
        self._rows: dict[str, list] = {}
        self._pending = 0

    def part(self, channel_id: str, *, name: str | None = None, handle: str | None = None,
             kind: str = "unknown", resolved: bool = True) -> Part:
        """The part of ``channel_id`` in this file, opened on first use; later descriptions
        fill gaps in its name and handle and set its kind (when they know it)."""
        part = self.parts.get(channel_id)
        if part is None:
            part = self.out.part(channel_id, name=name, handle=handle, kind=kind,
                                 resolved=resolved)
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


# --------------------------------------------------------------------------------------
# records
# --------------------------------------------------------------------------------------
class BadRecord(Exception):
    """A record that cannot be a message (the reason is the message)."""


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
    except (ValueError, TypeError, OverflowError):
        raise BadRecord(f"{field} {value!r} is not a date-time") from None


_URLISH = re.compile(r"^(?:https?://|www\.|(?:t|telegram)\.me/)\S+$|^[\w-]+(?:\.[\w-]+)+/\S*$",
                     re.IGNORECASE)
_HANDLE = re.compile(r"^@[A-Za-z][A-Za-z0-9_]{3,31}$")
_TAG = re.compile(r"^#\w+$")


def _guess_entity(piece: str) -> str | None:
    """The kind of an entity whose type was lost, from the text it covers: a URL, an
    @handle or a #hashtag (bold, italic and the rest are left alone)."""
    if _HANDLE.match(piece):
        return "mention"
    if _TAG.match(piece):
        return "hashtag"
    if _URLISH.match(piece):
        return "url"
    return None


def _attribute_kind(attr: dict, tk: str) -> str | None:
    """A document attribute's class, from its type or (4CAT) from its fields."""
    typ = attr.get(tk)
    if typ is not None:
        return typ
    if "file_name" in attr:
        return "DocumentAttributeFilename"
    if "voice" in attr or "performer" in attr:
        return "DocumentAttributeAudio"
    if "round_message" in attr or "supports_streaming" in attr or (
            "duration" in attr and "w" in attr):
        return "DocumentAttributeVideo"
    if "stickerset" in attr:
        return "DocumentAttributeSticker"
    return None


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class RecordReader:
    """Reads Telethon ``Message``/``MessageService`` dicts into one file's output.

    Parameters
    ----------
    out : FileOutput
    type_key : str
        ``"_"`` (Telethon ``to_dict``) or ``"_type"`` (4CAT).
    chats : dict, optional
        ``channel_id -> (name, handle, kind)`` the file describes (an API response's
        ``chats``): names the channels and the forward sources.
    users : dict, optional
        ``telegram:<user id> -> display name`` (an API response's ``users``): names senders.
    """

    def __init__(self, out: FileOutput, *, type_key: str = "_", chats: dict | None = None,
                 users: dict | None = None):
        self.out = out
        self.rows = Rows(out)
        self.tk = type_key
        self.chats = chats if chats is not None else {}
        self.users = users if users is not None else {}
        #: forward sources described by the file (4CAT ``_forward._chat``)
        self.sources: dict[str, tuple] = {}
        self.bad_entities = 0
        self.sourceless = 0
        self._by_channel: dict[int, Part] = {}

    # -- helpers -----------------------------------------------------------------------
    def channel_part(self, rec: dict, chat: dict | None = None) -> Part:
        peer = rec.get("peer_id")
        if peer is None:
            peer = rec.get("to_id")
        if type(peer) is dict:  # the common case: a channel met before
            part = self._by_channel.get(peer.get("channel_id"))
            if part is not None:
                if rec.get("post") is True and part.kind != "channel":
                    part.kind = "channel"
                return part
        if peer is None and chat is None:
            raise BadRecord("no peer_id or to_id: the record does not say which channel it is in")
        if peer is not None:
            try:
                key, peer_kind = peer_key(peer)
            except (ValueError, TypeError) as exc:
                raise BadRecord(f"peer_id: {exc}") from None
            desc = self.chats.get(key)
        else:
            peer_kind = "channel"
            desc = None
        if chat is not None:
            described = chat_description(chat, self.tk)
            if described is not None and (peer is None or described[0] == key):
                key = described[0]
                desc = described[1:]
        part = self.rows.parts.get(key)
        if part is None:
            if desc is not None:
                name, handle, kind = desc
            else:
                name = handle = None
                kind = {"channel": "supergroup", "chat": "group", "user": "account"}[peer_kind]
            if peer_kind == "channel" and rec.get("post") is True:
                kind = "channel"
            part = self.rows.part(key, name=name, handle=handle, kind=kind)
        elif rec.get("post") is True and part.kind != "channel":
            part.kind = "channel"
        if type(peer) is dict and type(peer.get("channel_id")) is int:
            self._by_channel[peer["channel_id"]] = part
        return part

    def _sender(self, rec: dict, part: Part) -> tuple[str | None, str | None]:
        """(author_id, author): a post's signature, or a group member."""
        author = rec.get("post_author")
        if author is not None and type(author) is not str:
            raise BadRecord(f"post_author {author!r} is not a string")
        author_id = None
        fid = rec.get("from_id")
        if fid is not None:
            try:
                key, _ = peer_key(fid)
            except (ValueError, TypeError) as exc:
                raise BadRecord(f"from_id: {exc}") from None
            if key != part.channel_id:
                author_id = key
                if author is None:
                    author = self.users.get(key)
        return author_id, author or None

    def _forward(self, fwd: object) -> tuple:
        """(source id, source name, original message id, original date ns) of ``fwd_from``."""
        if type(fwd) is not dict:
            raise BadRecord(f"fwd_from {fwd!r} is not an object"[:200])
        key = None
        fid = fwd.get("from_id")
        try:
            if fwd.get("channel_id") is not None:  # legacy layer (from_id is then the signer)
                key, _ = peer_key({"channel_id": fwd["channel_id"]})
            elif fid is not None:
                key, _ = peer_key(fid)
        except (ValueError, TypeError) as exc:
            raise BadRecord(f"fwd_from: {exc}") from None
        name = fwd.get("from_name")
        if name is not None and type(name) is not str:
            raise BadRecord(f"fwd_from.from_name {name!r} is not a string")
        if type(fid) is dict and fid.get("chats"):
            # 4CAT with "resolve entities": the peer replaced by the full channel
            for chat in fid["chats"]:
                desc = chat_description(chat, self.tk)
                if desc is not None and desc[0] == key:
                    self.sources[key] = desc[1:]
        if key is not None and not name:
            desc = self.chats.get(key) or self.sources.get(key)
            name = desc[0] if desc else self.users.get(key)
        post = optional_int(fwd.get("channel_post"), "fwd_from.channel_post")
        date = optional_time(fwd.get("date"), "fwd_from.date")
        if key is None and not name:
            self.sourceless += 1
        elif key is not None:
            self.out.note_forward_id(key, name or None)
        return key, name or None, post, date

    def _entities(self, text: str, ents: list, mentions: list, links: list,
                  hashtags: list) -> None:
        tk = self.tk
        units = None
        simple = None
        for e in ents:
            if type(e) is not dict:
                self.bad_entities += 1
                continue
            typ = e.get(tk)
            if typ is None:
                # 4CAT drops the type of objects inside lists: tell them by their fields
                kind = "text_url" if "url" in e else "mention" if "user_id" in e else "guess"
            else:
                kind = _ENTITIES.get(typ)
                if kind is None:
                    continue
            if kind == "text_url":
                url = e.get("url")
                if type(url) is str and url:
                    links.append(url)
                else:
                    self.bad_entities += 1
                continue
            off, length = e.get("offset"), e.get("length")
            if type(off) is not int or type(length) is not int:
                self.bad_entities += 1
                continue
            if simple is None:
                simple = text.isascii()
                if not simple:
                    units = text.encode("utf-16-le", "surrogatepass")
                    simple = len(units) == 2 * len(text)  # no astral characters
            try:
                if simple:
                    if off < 0 or length <= 0 or off + length > len(text):
                        raise ValueError("span outside the text")
                    piece = text[off:off + length]
                else:
                    piece = utf16_slice(text, off, length, units)
            except (ValueError, UnicodeDecodeError):
                self.bad_entities += 1
                continue
            if kind == "guess":
                kind = _guess_entity(piece)
                if kind is None:
                    continue
            if kind == "url":
                links.append(piece)
            elif kind == "mention":
                mentions.append(piece[1:] if piece[:1] == "@" else piece)
            else:
                hashtags.append(piece[1:] if piece[:1] == "#" else piece)

    def _media(self, media: object) -> tuple:
        """(media_type, name, size, duration, web page url)."""
        if type(media) is not dict:
            raise BadRecord(f"media {media!r} is not an object"[:200])
        typ = media.get(self.tk)
        if typ == "MessageMediaDocument":
            doc = media.get("document")
            if type(doc) is not dict:
                return "document", None, None, None, None
            media_type = "document"
            name = duration = None
            for attr in doc.get("attributes") or ():
                if type(attr) is not dict:
                    continue
                at = _attribute_kind(attr, self.tk)
                if at == "DocumentAttributeFilename":
                    name = attr.get("file_name")
                elif at == "DocumentAttributeVideo":
                    duration = attr.get("duration")
                    if media_type == "document":
                        media_type = "video_message" if attr.get("round_message") else "video_file"
                elif at == "DocumentAttributeAudio":
                    duration = attr.get("duration")
                    media_type = "voice_message" if attr.get("voice") else "audio_file"
                elif at == "DocumentAttributeAnimated":
                    media_type = "animation"
                elif at in ("DocumentAttributeSticker", "DocumentAttributeCustomEmoji"):
                    media_type = "sticker"
            if duration is not None:
                if type(duration) is float:
                    duration = round(duration)
                elif type(duration) is not int:
                    raise BadRecord(f"document duration {duration!r} is not a number")
            if name is not None and (type(name) is not str or not name):
                name = None
            return media_type, name, optional_int(doc.get("size"), "document size"), \
                duration, None
        if typ == "MessageMediaPhoto":
            photo = media.get("photo")
            size = None
            if type(photo) is dict:
                for ps in photo.get("sizes") or ():
                    if type(ps) is not dict:
                        continue
                    for s in (ps.get("size"), *(ps.get("sizes") or ())):
                        if type(s) is int and (size is None or s > size):
                            size = s
            return "photo", None, size, None, None
        if typ == "MessageMediaWebPage":
            page = media.get("webpage")
            url = page.get("url") if type(page) is dict else None
            return None, None, None, None, url if type(url) is str and url else None
        if typ == "MessageMediaEmpty" or typ is None:
            return None, None, None, None, None
        return MEDIA_TYPES.get(typ) or _snake(str(typ).removeprefix("MessageMedia")), \
            None, None, None, None

    # -- records -----------------------------------------------------------------------
    def record(self, rec: object, index: int, *, chat: dict | None = None) -> None:
        """Read one record: a message, a service record, or a rejection with a reason."""
        out = self.out
        if type(rec) is not dict:
            out.reject(index, f"a JSON {type(rec).__name__}, not a record object", rec)
            return
        typ = rec.get(self.tk)
        try:
            if typ == "Message" or (typ is None and "message" in rec
                                    and rec.get("action") is None):
                self.message(rec, index, chat)
            elif typ == "MessageService" or (typ is None and rec.get("action") is not None):
                self.service(rec, index, chat)
            elif typ == "MessageEmpty":
                raise BadRecord("MessageEmpty: a deleted message, only its id is left")
            elif typ is None:
                raise BadRecord(f"no {self.tk!r} type and no 'message': not a Telethon message")
            else:
                raise BadRecord(f"record type {typ!r} is not a message")
        except BadRecord as exc:
            out.reject(index, str(exc), rec)
        except (AttributeError, KeyError, TypeError, IndexError, ValueError,
                OverflowError) as exc:
            out.reject(index, f"unreadable record ({type(exc).__name__}: {exc})"[:300], rec)

    def message(self, rec: dict, index: int, chat: dict | None = None) -> None:
        mid = rec.get("id")
        if type(mid) is not int:
            raise BadRecord("no message id" if mid is None else
                            f"message id {mid!r} is not an integer")
        raw_date = rec.get("date")
        if raw_date is None:
            raise BadRecord("no date")
        try:
            date = to_ns(raw_date)
        except (ValueError, TypeError, OverflowError):
            raise BadRecord(f"date {raw_date!r} is not a date-time or Unix time") from None
        part = self.channel_part(rec, chat)
        if mid in part.seen:
            raise BadRecord(f"duplicate message id {mid} within one export of {part.channel_id} "
                            "(the first is kept)")
        text = rec.get("message")
        if text is None:
            text = ""
        elif type(text) is not str:
            raise BadRecord(f"message text is of type {type(text).__name__}, not a string")

        mentions: list = []
        links: list = []
        hashtags: list = []
        ents = rec.get("entities")
        if ents:
            if type(ents) is not list:
                raise BadRecord("entities is not a list")
            self._entities(text, ents, mentions, links, hashtags)
        add_from_text(text, mentions, links, hashtags)

        media_type = media_name = media_size = duration = None
        media = rec.get("media")
        if media is not None:
            media_type, media_name, media_size, duration, url = self._media(media)
            if url is not None:
                links.append(url)
        mentions, links, hashtags = dedupe(mentions), dedupe(links), dedupe(hashtags)

        if rec.get("from_id") is None and rec.get("post_author") is None:
            author_id = author = None
        else:
            author_id, author = self._sender(rec, part)

        fwd_id = fwd_name = fwd_mid = fwd_date = None
        fwd = rec.get("fwd_from")
        if fwd is not None:
            fwd_id, fwd_name, fwd_mid, fwd_date = self._forward(fwd)

        reply = rec.get("reply_to")
        if reply is not None:
            if type(reply) is not dict:
                raise BadRecord(f"reply_to {reply!r} is not an object"[:200])
            reply = reply.get("reply_to_msg_id")
        else:
            reply = rec.get("reply_to_msg_id")  # legacy layer
        reply = optional_int(reply, "reply_to_msg_id")
        views = optional_int(rec.get("views"), "views")
        forwards = optional_int(rec.get("forwards"), "forwards")
        grouped = optional_int(rec.get("grouped_id"), "grouped_id")
        edited = optional_time(rec.get("edit_date"), "edit_date")

        part.seen.add(mid)
        self.rows.add(part.channel_id, (
            index, author_id, author, mid, date, text or None, fwd_id, fwd_name, fwd_mid,
            fwd_date, reply, views, forwards, edited, grouped, media_type, media_name,
            media_size, duration, mentions, links, hashtags))

    def service(self, rec: dict, index: int, chat: dict | None = None) -> None:
        mid = rec.get("id")
        part = self.channel_part(rec, chat)
        date = rec.get("date")
        try:
            date = to_ns(date) if date is not None else None
        except (ValueError, TypeError, OverflowError):
            date = None
        action = rec.get("action")
        name = action.get(self.tk) if type(action) is dict else None
        if type(name) is str:
            name = ACTIONS.get(name) or _snake(name.removeprefix("MessageAction"))
        else:
            name = None
        actor_id = actor = None
        fid = rec.get("from_id")
        try:
            actor_id = peer_key(fid)[0] if fid is not None else None
        except (ValueError, TypeError):
            actor_id = None
        if actor_id is None and (rec.get("post") or part.kind == "channel"):
            actor_id, actor = part.channel_id, part.name  # a channel acts as itself
        elif actor_id is not None:
            actor = self.users.get(actor_id) or (self.chats.get(actor_id) or (None,))[0]
        text = action.get("title") if type(action) is dict else None
        self.out.resume(part)  # add_service files the record under the current part
        self.out.add_service(index, message_id=mid if type(mid) is int else None, date=date,
                             action=name, actor_id=actor_id, actor=actor,
                             text=text if type(text) is str else None)

    def finish(self) -> None:
        """Hand over the last rows, describe the channels seen without messages, warn."""
        self.rows.emit()
        described = {k: v for k, v in {**self.sources, **self.chats}.items()
                     if v[2] != "account"}
        if described:
            self.rows.describe(described)
        self.rows.close()
        label = self.out.source.label
        if self.bad_entities:
            self.out.warn(f"{label}: {self.bad_entities:,} message entities ignored (offset or "
                          "length outside the text, or not an entity object)")
        if self.sourceless:
            self.out.warn(f"{label}: {self.sourceless:,} forwarded message(s) name no source "
                          "(neither an id nor a name): loaded without a forward source")


def read_lines(source: Source, reader: "RecordReader", each=None) -> None:
    """Read a JSON Lines file record by record into ``reader`` (``each(record)`` first, if
    given, returns the ``chat`` to pass); a line that does not parse is rejected."""
    out = reader.out
    loads = orjson.loads
    record = reader.record
    for lineno, line in iter_lines(source, out):
        try:
            rec = loads(line)
        except orjson.JSONDecodeError as exc:
            reject_json_line(out, lineno, line, exc)
            continue
        if each is None:
            record(rec, lineno)
        else:
            record(rec, lineno, chat=each(rec))


def parse_document(source: Source, out: FileOutput) -> object:
    """The whole file parsed as one JSON document (for files that are not line-oriented).

    Raises
    ------
    LoadError
        Naming the byte position where the JSON stops being valid.
    """
    data = source.read_bytes()
    out.advance(source.size)
    if data.startswith(_BOM):
        data = data[3:]
    if not data.strip():
        raise LoadError(f"{source.label}: empty file: nothing to load")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        pos = getattr(exc, "pos", None)
        where = ""
        if pos is not None:
            line = data.count(b"\n", 0, pos) + 1
            where = f" at byte {pos:,} (line {line})"
        if "end of data" in exc.msg or (pos is not None and pos >= len(data.rstrip())):
            raise LoadError(f"{source.label}: the JSON ends unexpectedly{where}: the file looks "
                            "truncated") from None
        raise LoadError(f"{source.label}: invalid JSON{where}: {exc.msg}") from None


def read_document(doc: object, out: FileOutput, *, type_key: str = "_") -> None:
    """Read a parsed JSON document of Telethon objects: a list of messages, one message, or
    an API response (``messages.ChannelMessages``, or any object with a ``messages`` list)
    whose ``chats`` and ``users`` name the channels, forward sources and senders."""
    label = out.source.label
    if type(doc) is list:
        reader = RecordReader(out, type_key=type_key)
        for i, rec in enumerate(doc):
            reader.record(rec, i)
        reader.finish()
        return
    if type(doc) is not dict:
        raise LoadError(f"{label}: the top level is a JSON {type(doc).__name__}, not a list or "
                        "an object of Telethon records")
    if "messages" not in doc:
        if doc.get(type_key) in ("Message", "MessageService", "MessageEmpty"):
            reader = RecordReader(out, type_key=type_key)
            reader.record(doc, 0)
            reader.finish()
            return
        raise LoadError(f"{label}: a JSON object without a 'messages' list: not a Telethon "
                        "dump or API response")
    messages = doc["messages"]
    if type(messages) is not list:
        raise LoadError(f"{label}: 'messages' is a {type(messages).__name__}, not a list")
    chats = {}
    for chat in doc.get("chats") or ():
        desc = chat_description(chat, type_key)
        if desc is not None:
            chats[desc[0]] = desc[1:]
    users = {}
    for user in doc.get("users") or ():
        desc = chat_description(user, type_key)
        if desc is not None and desc[1]:
            users[desc[0]] = desc[1]
    reader = RecordReader(out, type_key=type_key, chats=chats, users=users)
    for i, rec in enumerate(messages):
        reader.record(rec, i)  # source: file#<index in messages>
    reader.finish()


def reject_json_line(out: FileOutput, lineno: int, line: bytes, exc: Exception) -> None:
    """Reject a JSON Lines line that does not parse, saying why."""
    msg = getattr(exc, "msg", str(exc))
    out.reject(lineno, f"invalid JSON on this line: {msg}", line)


# --------------------------------------------------------------------------------------
# CSV tables (4CAT, telegram-tracker): one message per row
# --------------------------------------------------------------------------------------
def csv_header(head: bytes) -> list[str]:
    """The column names on the first line of ``head`` (``[]`` if it is not a CSV line).

    Examples
    --------
    >>> csv_header(b'id,"body",chat\\n1,hi,x')
    ['id', 'body', 'chat']
    """
    line = first_line(head).decode("utf-8", errors="replace")
    try:
        return next(csv.reader(io.StringIO(line)))
    except (csv.Error, StopIteration):
        return []


def csv_int(value: str, field: str) -> int | None:
    """An integer cell: ``""`` is null, and pandas may have written ``12`` as ``12.0``.

    Raises
    ------
    BadRecord
        Naming ``field``, when the cell is not an integer.

    Examples
    --------
    >>> csv_int("12.0", "views"), csv_int("", "views")
    (12, None)
    """
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        try:
            number = float(value)
        except ValueError:
            raise BadRecord(f"{field} {value!r} is not a number") from None
        if number != number or number in (float("inf"), float("-inf")) or \
                number != int(number):
            raise BadRecord(f"{field} {value!r} is not an integer")
        return int(number)


def csv_entities(text: str, link: str) -> tuple[list[str], list[str], list[str]]:
    """Mentions, links and hashtags of a row: found in its ``text``, plus ``link`` (the row's
    URL column) when not empty; each list without repeats.

    Examples
    --------
    >>> csv_entities("@some_handle: t.me/x/1 #news", "https://example.org")
    (['some_handle'], ['t.me/x/1', 'https://example.org'], ['news'])
    """
    mentions: list = []
    links: list = []
    hashtags: list = []
    add_from_text(text, mentions, links, hashtags)
    if link:
        links.append(link)
    return dedupe(mentions), dedupe(links), dedupe(hashtags)


def add_csv_rows(header: list[str], rows, store: Rows, message) -> None:
    """Read the rows after ``header`` into ``store``, one message each, and close it.

    Parameters
    ----------
    header : list of str
    rows : iterator
        ``(line, fields)`` of the records after the header (:func:`iter_csv`).
    store : Rows
    message : callable
        ``message(line, fields)`` returns ``(part, values)``: the part the row belongs to and
        its values in :data:`COLUMNS` order; it raises :class:`BadRecord` (the reason), or
        ValueError, TypeError or OverflowError, for a row that cannot be a message.

    Blank lines are skipped; a row with more or fewer fields than the header, or that
    ``message`` cannot read, is rejected with the reason.
    """
    out = store.out
    width = len(header)
    for line, row in rows:
        if not row or (len(row) == 1 and not row[0]):
            continue
        if len(row) != width:
            out.reject(line, f"{len(row)} fields where the header has {width}", ",".join(row))
            continue
        try:
            part, values = message(line, row)
        except BadRecord as exc:
            out.reject(line, str(exc), dict(zip(header, row)))
            continue
        except (ValueError, TypeError, OverflowError) as exc:
            out.reject(line, f"unreadable row ({type(exc).__name__}: {exc})",
                       dict(zip(header, row)))
            continue
        part.seen.add(values[3])  # the message id
        store.add(part.channel_id, values)
    store.close()
