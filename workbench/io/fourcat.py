"""4CAT Telegram datasets (github.com/digitalmethodsinitiative/4cat, ``datasources/telegram``):
the ``.ndjson`` items and the CSV export.

* ``.ndjson``: one Telethon ``Message`` per line as 4CAT's ``serialize_obj`` writes it: the
  object's attributes with ``"_type"`` (not ``"_"``) on nested objects and none on the
  message itself, times as float Unix times, bytes as hex, plus ``_chat`` (the channel:
  ``id``, ``title``, ``username``, ``broadcast``), ``_sender`` (a ``User``, or the channel for
  its posts), ``_forward`` (its ``_chat`` names a forward source), ``4CAT_metadata``. With
  "resolve entities" on, ``fwd_from.from_id`` is the full channel (with ``channel_id`` and
  ``chats``). 4CAT skips service messages. Streamed; ``source`` is ``file#<line>``.
* CSV: ``map_item`` rows: ``id`` (``"<chat>-<message id>"``), ``thread_id``, ``chat`` (the
  channel's username, else its numeric id), ``author``/``author_username``/``author_name``
  (the sender; for a channel post, the channel itself), ``body``, ``reply_to``, ``views``
  (empty for 0), ``timestamp`` (the 4CAT server's *local* time: not used), ``unix_timestamp``
  (used), ``unix_timestamp_edited``, ``author_forwarded_from_name`` / ``_username`` / ``_id``,
  ``unix_timestamp_forwarded_from``, ``entities_mentioned``, ``entities_linked``,
  ``link_attached``, ``attachment_type``... The channel is known by its username: its id is
  taken from the same file where it shows (a channel post's ``author``, or a forward from it),
  else it is keyed ``telegram:name:<username>``, unresolved. Mentions, links and hashtags are
  found in ``body`` as for every other format (``entities_*`` are 4CAT's own looser reading of
  the same text); ``link_attached`` is added to links. Streamed (read twice: once for the
  username -> id map); ``source`` is ``file#<line where the row starts>``.

Examples
--------
>>> import json, tempfile, workbench as wb
>>> from pathlib import Path
>>> path = Path(tempfile.mkdtemp()) / "telegram-search.ndjson"
>>> item = {"id": 5, "peer_id": {"channel_id": 42, "_type": "PeerChannel"},
...         "date": 1475323200.0, "message": "hello", "post": True, "views": 9,
...         "_chat": {"id": 42, "title": "Forty Two", "username": "fortytwo",
...                   "broadcast": True, "_type": "Channel"}}
>>> _ = path.write_text(json.dumps(item) + "\\n")
>>> c = wb.load(path)
>>> c.messages[["channel_id", "channel", "message_id", "views"]].to_dict("records")
[{'channel_id': 'telegram:42', 'channel': 'Forty Two', 'message_id': 5, 'views': 9}]
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import LoadError
from ..ids import name_key, telegram_key
from ._csvrows import add_csv_rows, csv_entities, csv_header, csv_int
from ._mtproto import chat_description
from ._mtproto_records import COLUMNS, RecordReader, read_lines
from .records import BadRecord, Rows, time_reason, to_ns
from .streams import iter_csv, json_head
from .builder import FileOutput
from .sources import Source

__all__ = ["NAME", "SUFFIXES", "sniff", "read", "ATTACHMENT_TYPES"]

NAME = "4cat"
SUFFIXES = (".ndjson", ".jsonl", ".json", ".csv")

_TYPE_KEY = re.compile(rb'"_type"\s*:\s*"')
_TELETHON_KEY = re.compile(rb'"_"\s*:')
_CSV_REQUIRED = {"id", "body", "unix_timestamp"}
_CSV_MARKERS = {"chat", "author_forwarded_from_name", "author_forwarded_from_username"}
#: 4CAT ``attachment_type`` -> media_type (documents are named by their MIME major type).
ATTACHMENT_TYPES = {
    "photo": "photo", "video": "video_file", "audio": "audio_file",
    "application": "document", "image": "document", "text": "document", "poll": "poll",
    "geo": "location", "geo_live": "location", "venue": "location", "contact": "contact",
    "game": "game", "invoice": "invoice", "unsupported": "unsupported", "url": None,
}


def sniff(head: bytes, path: Path | None = None) -> str | None:
    """None when ``head`` starts a 4CAT Telegram dataset (ndjson or CSV), else why not.

    Examples
    --------
    >>> sniff(b'{"id": 5, "peer_id": {"channel_id": 42, "_type": "PeerChannel"}, "date": 1.0')
    >>> sniff(b"id,thread_id,chat,author,body,unix_timestamp\\n")
    >>> sniff(b'{"_": "Message", "id": 1}')
    'Telethon "_" keys, not 4CAT\\'s "_type"'
    """
    text = json_head(head)
    if text[:1] == b"{":
        if _TELETHON_KEY.search(text):
            return "Telethon \"_\" keys, not 4CAT's \"_type\""
        if _TYPE_KEY.search(text) or b'"4CAT_metadata"' in text:
            return None
        return 'a JSON object without 4CAT\'s "_type" keys'
    if text[:1] == b"[":
        return "a JSON array: 4CAT writes ndjson, one item per line"
    cols = set(csv_header(head))
    if _CSV_REQUIRED <= cols and cols & _CSV_MARKERS:
        return None
    return "not a 4CAT Telegram CSV (no id, chat, body and unix_timestamp columns) nor ndjson"


def read(source: Source, out: FileOutput) -> None:
    """Read one 4CAT Telegram dataset file into ``out``.

    Raises
    ------
    LoadError
        A CSV without 4CAT's columns, an unreadable file.
    """
    if json_head(source.head())[:1] == b"{":
        _read_ndjson(source, out)
    else:
        _read_csv(source, out)


# --------------------------------------------------------------------------------------
# ndjson
# --------------------------------------------------------------------------------------
def _read_ndjson(source: Source, out: FileOutput) -> None:
    reader = RecordReader(out, type_key="_type")
    users, sources = reader.users, reader.sources

    def each(rec: object) -> dict | None:
        if type(rec) is not dict:
            return None
        sender = rec.get("_sender")
        if type(sender) is dict and sender.get("_type") == "User":
            desc = chat_description(sender, "_type")
            if desc is not None and desc[1]:
                users[desc[0]] = desc[1]
        forward = rec.get("_forward")
        if type(forward) is dict:
            desc = chat_description(forward.get("_chat"), "_type")
            if desc is not None and desc[3] != "account":
                sources[desc[0]] = desc[1:]
        chat = rec.get("_chat")
        return chat if type(chat) is dict else None

    read_lines(source, reader, each)
    reader.finish()


# --------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------
def _time(value: str, field: str) -> int | None:
    if not value:
        return None
    try:
        return to_ns(float(value))
    except (ValueError, OverflowError) as exc:
        raise BadRecord(time_reason(field, value, exc, "a Unix time")) from None


def _handle_ids(source: Source, out: FileOutput) -> dict[str, int]:
    """Username (case-folded) -> id, from what the file itself says: a channel post's sender
    is the channel (``author`` = its id, ``author_username`` = its username), and a forward
    names its source's id and username."""
    ids: dict[str, int] = {}
    rows = iter_csv(source, _Quiet(out))
    _, header = next(rows, (0, []))
    ix = {name: i for i, name in enumerate(header)}
    pairs = [("author_username", "author"),
             ("author_forwarded_from_username", "author_forwarded_from_id")]
    pairs = [(ix[a], ix[b]) for a, b in pairs if a in ix and b in ix]
    width = len(header)
    for _, row in rows:
        if len(row) != width:
            continue
        for hi, ii in pairs:
            handle, raw = row[hi], row[ii]
            if handle and raw.isdigit():
                ids.setdefault(handle.casefold(), int(raw))
    return ids


class _Quiet:
    """A FileOutput stand-in for the first pass: no progress, nothing else."""

    def __init__(self, out: FileOutput):
        self.source = out.source

    def advance(self, nbytes: int) -> None:
        pass


def _read_csv(source: Source, out: FileOutput) -> None:
    label = source.label
    ids = _handle_ids(source, out)
    rows = iter_csv(source, out)
    try:
        _, header = next(rows)
    except StopIteration:
        raise LoadError(f"{label}: empty file: nothing to load") from None
    cols = set(header)
    if not (_CSV_REQUIRED <= cols and cols & _CSV_MARKERS):
        raise LoadError(f"{label}: not a 4CAT Telegram CSV: the header lacks id, chat, body "
                        f"or unix_timestamp: {header[:8]}")
    ix = {name: i for i, name in enumerate(header)}
    store = Rows(out, COLUMNS)
    keys: dict[str, tuple] = {}
    unresolved: set[str] = set()
    sourceless = 0

    def message(line: int, row: list[str]) -> tuple:
        nonlocal sourceless

        def get(name: str) -> str:
            i = ix.get(name)
            return row[i] if i is not None else ""

        chat = get("chat") or get("thread_id")
        raw_id = get("id")
        head, sep, tail = raw_id.rpartition("-")
        if not chat:
            chat = head
        if not chat:
            raise BadRecord(f"no chat: id {raw_id!r} does not say which channel it is in")
        mid = csv_int(tail if sep else raw_id, "message id (after the last '-' of id)")
        if mid is None:
            raise BadRecord("no message id")
        date = _time(get("unix_timestamp"), "unix_timestamp")
        if date is None:
            raise BadRecord("no unix_timestamp")
        key = keys.get(chat)
        if key is None:
            key = _channel_key(chat, ids)
            keys[chat] = key
            if not key[1]:
                unresolved.add(chat)
        channel_id, resolved, handle = key
        part = store.parts.get(channel_id)
        if part is None:
            part = store.part(channel_id, handle=handle, resolved=resolved)
        if mid in part.seen:
            raise BadRecord(f"duplicate message id {mid} within one export of {channel_id} "
                            "(the first is kept)")
        text = get("body")
        author_id = author = None
        sender, sender_handle = get("author"), get("author_username")
        channel_post = (sender_handle and handle and sender_handle.casefold() ==
                        handle.casefold()) or (
            sender.isdigit() and channel_id == telegram_key(int(sender)))
        if channel_post:
            if part.kind == "unknown":
                part.kind = "channel"
        elif sender:
            author_id = telegram_key(int(sender)) if sender.isdigit() else f"telegram:{sender}"
            author = get("author_name") or sender_handle or None
            if part.kind in ("unknown", "channel"):
                part.kind = "supergroup"
        fwd_id = fwd_name = fwd_date = None
        f_name, f_handle = get("author_forwarded_from_name"), \
            get("author_forwarded_from_username")
        f_raw, f_time = get("author_forwarded_from_id"), get("unix_timestamp_forwarded_from")
        if f_name or f_handle or f_raw or f_time:
            fwd_date = _time(f_time, "unix_timestamp_forwarded_from")
            fwd_name = f_name or None  # a title; the username goes on the channel row
            if f_raw:
                fwd_id = telegram_key(csv_int(f_raw, "author_forwarded_from_id"))
            elif f_handle and f_handle.casefold() in ids:
                fwd_id = telegram_key(ids[f_handle.casefold()])
            elif f_handle and fwd_name is None:
                fwd_name = f_handle  # no id and no title: the username is all there is
            if fwd_id is not None:
                out.note_forward_id(fwd_id, fwd_name)
                if f_handle or f_name:
                    store.part(fwd_id, name=f_name or None, handle=f_handle or None)
            if fwd_id is None and fwd_name is None:
                sourceless += 1
        reply = csv_int(get("reply_to"), "reply_to")
        views = csv_int(get("views"), "views")
        edited = _time(get("unix_timestamp_edited"), "unix_timestamp_edited")
        attachment = get("attachment_type")
        if attachment in ATTACHMENT_TYPES:
            media_type = ATTACHMENT_TYPES[attachment]
        else:
            media_type = attachment or None
        mentions, links, hashtags = csv_entities(text, get("link_attached"))
        return part, (
            line, author_id, author, mid, date, text or None, fwd_id, fwd_name, None,
            fwd_date, reply, views, None, edited, None, media_type, None, None, None,
            mentions, links, hashtags)

    add_csv_rows(header, rows, store, message)
    if unresolved:
        out.warn(f"{label}: {len(unresolved)} chat(s) known only by username, with no id in "
                 f"this file, keyed telegram:name:<username>: {sorted(unresolved)[:5]}")
    if sourceless:
        out.warn(f"{label}: {sourceless:,} forwarded message(s) name no source: loaded "
                 "without a forward source")


def _channel_key(chat: str, ids: dict[str, int]) -> tuple[str, bool, str | None]:
    """(channel_id, resolved, handle) of a 4CAT ``chat`` value."""
    if chat.lstrip("-").isdigit():
        return telegram_key(int(chat)), True, None
    known = ids.get(chat.casefold())
    if known is not None:
        return telegram_key(known), True, chat
    return name_key(chat), False, chat
