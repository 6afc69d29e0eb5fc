"""telegram-tracker output (github.com/estebanpdl/telegram-tracker): ``msgs_dataset.csv``, the
per-channel ``<channel>_messages.json``, and its ``collected_chats.csv`` / ``counter.csv``.

What the tool writes:

* ``<channel>/<channel>_messages.json``: ``ChannelMessages.to_dict()`` (``"_":
  "messages.ChannelMessages"``, ``messages``, ``chats``, ``users``) with times and bytes
  written by ``str()`` (``"2022-02-24 05:00:12+00:00"``, ``"b'...'"``). ``chats`` name the
  channel and the channels it forwards from; ``users`` name group members. Read as one
  document (the tool itself loads it whole); ``source`` is ``file#<position in messages>``.
* ``msgs_dataset.csv``: one row per ``Message`` (service records are not written), 49 columns
  (``signature, channel_id, channel_name, msg_id, message, cleaned_message, date, msg_link,
  msg_from_peer, msg_from_id, views, number_replies, number_forwards, is_forward,
  forward_msg_from_peer_type, forward_msg_from_peer_id, forward_msg_from_peer_name,
  forward_msg_date, forward_msg_date_string, forward_msg_link, is_reply, reply_to_msg_id,
  reply_msg_link, contains_media, media_type, has_url, url, domain, url_title,
  url_description, document_type, document_id, document_video_duration, document_filename,
  poll_*, contact_*, geo_type, lat, lng, venue_*``). ``channel_name`` and
  ``forward_msg_from_peer_name`` are *usernames* (handles), not titles: they go to the
  channels' ``handle``, and ``fwd_from_name`` is the title the load knows (from
  ``collected_chats.csv`` or another export), else null; ``date`` is UTC, as
  ``%Y-%m-%d %H:%M:%S`` (older releases) or ``str(datetime)`` with ``+00:00``; ``views`` and
  ``number_forwards`` are 0 when Telegram gave none; a forward from a hidden sender has
  ``is_forward=1`` and no peer (loaded without a forward source, with a warning).
  ``number_replies`` has no canonical column and is not kept; entities are not in the CSV,
  so mentions, links and hashtags come from the text (and ``url``). Streamed;
  ``source`` is ``file#<line where the row starts>``.
* ``collected_chats.csv`` (``Channel.to_dict()`` rows) and ``counter.csv``: channel ids,
  usernames and titles; they add channels, no messages.

Examples
--------
>>> import tempfile, workbench as wb
>>> from pathlib import Path
>>> path = Path(tempfile.mkdtemp()) / "msgs_dataset.csv"
>>> _ = path.write_text("signature,channel_id,channel_name,msg_id,message,date,msg_link,"
...     "views,number_forwards,is_forward,forward_msg_from_peer_id,forward_msg_from_peer_name,"
...     "forward_msg_link\\n"
...     "x,1292077344,some_channel,12,hello,2016-10-01 12:00:00,https://t.me/some_channel/12,"
...     "40,2,1,1006503122,other_channel,https://t.me/other_channel/77\\n")
>>> c = wb.load(path)
>>> c.messages[["channel_id", "date", "views", "fwd_from_channel_id",
...             "fwd_from_message_id"]].to_dict("records")[0]
... # doctest: +NORMALIZE_WHITESPACE
{'channel_id': 'telegram:1292077344', 'date': Timestamp('2016-10-01 12:00:00+0000', tz='UTC'),
 'views': 40, 'fwd_from_channel_id': 'telegram:1006503122', 'fwd_from_message_id': 77}
>>> c.channels[["channel_id", "handle"]].to_dict("records")
[{'channel_id': 'telegram:1006503122', 'handle': 'other_channel'}, {'channel_id': 'telegram:1292077344', 'handle': 'some_channel'}]
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import LoadError
from ..ids import telegram_key
from ._csvrows import add_csv_rows, csv_entities, csv_header, csv_int
from ._mtproto import MEDIA_TYPES
from ._mtproto_records import COLUMNS, read_document
from .records import BadRecord, Rows, optional_time, time_reason, to_ns
from .streams import first_byte, iter_csv, json_head, parse_document
from .builder import FileOutput
from .sources import Source

__all__ = ["NAME", "SUFFIXES", "sniff", "read", "MESSAGE_COLUMNS"]

NAME = "telegram-tracker"
SUFFIXES = (".csv", ".json")

#: The 49 columns of ``msgs_dataset.csv`` (telegram-tracker 2023-24), in order.
MESSAGE_COLUMNS = (
    "signature", "channel_id", "channel_name", "msg_id", "message", "cleaned_message", "date",
    "msg_link", "msg_from_peer", "msg_from_id", "views", "number_replies", "number_forwards",
    "is_forward", "forward_msg_from_peer_type", "forward_msg_from_peer_id",
    "forward_msg_from_peer_name", "forward_msg_date", "forward_msg_date_string",
    "forward_msg_link", "is_reply", "reply_to_msg_id", "reply_msg_link", "contains_media",
    "media_type", "has_url", "url", "domain", "url_title", "url_description", "document_type",
    "document_id", "document_video_duration", "document_filename", "poll_id", "poll_question",
    "poll_total_voters", "poll_results", "contact_phone_number", "contact_name",
    "contact_userid", "geo_type", "lat", "lng", "venue_id", "venue_type", "venue_title",
    "venue_address", "venue_provider",
)
_REQUIRED = ("channel_id", "msg_id", "date")
_MARKERS = {"signature", "msg_link", "channel_name", "cleaned_message", "is_forward",
            "forward_msg_from_peer_id", "number_forwards"}
_RESPONSE = re.compile(rb'^\{\s*"_"\s*:\s*"messages\.(?:Channel)?Messages(?:Slice)?"')
_POST_LINK = re.compile(r"/(\d+)/?$")


def _kind_of_header(cols: set[str]) -> str | None:
    if set(_REQUIRED) <= cols and cols & _MARKERS:
        return "messages"
    if {"id", "username"} <= cols and ("title" in cols or "counter" in cols):
        return "chats"
    return None


def sniff(head: bytes, path: Path | None = None) -> str | None:
    """None when ``head`` starts a telegram-tracker file, else why not.

    Examples
    --------
    >>> sniff(b"signature,channel_id,channel_name,msg_id,message,date\\n")
    >>> sniff(b'{"_":"messages.ChannelMessages","pts":1,"count":2,"messages":[')
    >>> sniff(b"id,text\\n1,hi")
    'not a telegram-tracker CSV (no channel_id, msg_id and date columns) nor a messages.ChannelMessages JSON'
    """
    text = json_head(head)
    if text[:1] == b"{":
        if _RESPONSE.match(text):
            return None
        return 'a JSON object, not a telegram-tracker "messages.ChannelMessages" response'
    if text[:1] == b"[":
        return "a JSON array, not a telegram-tracker file"
    if _kind_of_header(set(csv_header(head))) is not None:
        return None
    return ("not a telegram-tracker CSV (no channel_id, msg_id and date columns) nor a "
            "messages.ChannelMessages JSON")


def read(source: Source, out: FileOutput) -> None:
    """Read one telegram-tracker file (CSV or JSON) into ``out``.

    Raises
    ------
    LoadError
        A JSON file that is invalid or truncated, a CSV without the columns the tool writes.
    """
    if first_byte(source.head()) == b"{":
        read_document(parse_document(source, out), out)
        return
    rows = iter_csv(source, out)
    try:
        _, header = next(rows)
    except StopIteration:
        raise LoadError(f"{source.label}: empty file: nothing to load") from None
    kind = _kind_of_header(set(header))
    if kind == "messages":
        _read_messages(header, rows, out)
    elif kind == "chats":
        _read_chats(header, rows, out)
    else:
        raise LoadError(f"{source.label}: the header has none of telegram-tracker's columns "
                        f"(channel_id, msg_id, date): {header[:8]}")


def _media(kind: str, mime: str, duration: str, name: str) -> tuple:
    """(media_type, name, duration) from tracker's media columns."""
    if not kind or kind == "MessageMediaEmpty":
        return None, None, None
    if kind == "MessageMediaWebPage":
        return None, None, None
    if kind != "MessageMediaDocument":
        typ = MEDIA_TYPES.get(kind) or kind.removeprefix("MessageMedia").lower() or None
        return typ, None, None
    # The CSV keeps only the MIME type: the kind of document is inferred from it.
    if mime.startswith("video/"):
        typ = "video_file"
    elif mime == "audio/ogg":
        typ = "voice_message"
    elif mime.startswith("audio/"):
        typ = "audio_file"
    elif mime in ("application/x-tgsticker", "image/webp", "video/webm"):
        typ = "sticker"
    else:
        typ = "document"
    seconds = None
    if duration:
        try:
            seconds = round(float(duration))
        except (ValueError, OverflowError):
            raise BadRecord(f"document_video_duration {duration!r} is not a number") from None
    return typ, name or None, seconds


def _read_messages(header: list[str], rows, out: FileOutput) -> None:
    label = out.source.label
    ix = {name: i for i, name in enumerate(header)}
    col = {name: ix.get(name, -1) for name in MESSAGE_COLUMNS + ("username",)}
    if col["channel_name"] < 0:
        col["channel_name"] = col["username"]  # older releases
    store = Rows(out, COLUMNS)
    sourceless = 0

    def message(line: int, row: list[str]) -> tuple:
        nonlocal sourceless

        def get(name: str) -> str:
            i = col[name]
            return row[i] if i >= 0 else ""

        raw_channel = get("channel_id")
        try:
            channel_id = telegram_key(csv_int(raw_channel, "channel_id"))
        except (ValueError, TypeError, BadRecord):
            raise BadRecord(f"channel_id {raw_channel!r} is not a Telegram id") from None
        mid = csv_int(get("msg_id"), "msg_id")
        if mid is None:
            raise BadRecord("no msg_id")
        raw_date = get("date")
        try:
            date = to_ns(raw_date)
        except (ValueError, TypeError, OverflowError) as exc:
            raise BadRecord(time_reason("date", raw_date, exc)) from None
        sender_peer, sender = get("msg_from_peer"), csv_int(get("msg_from_id"), "msg_from_id")
        author_id = None
        if sender is not None:
            author_id = telegram_key(sender)
            if author_id == channel_id:
                author_id = None
        handle = get("channel_name") or None
        part = store.parts.get(channel_id)
        if part is None:
            part = store.part(channel_id, handle=handle,
                              kind="supergroup" if sender_peer == "PeerUser" else "channel")
        if mid in part.seen:
            raise BadRecord(f"duplicate message id {mid} within one export of {channel_id} "
                            "(the first is kept)")
        text = get("message")
        fwd_id = fwd_name = fwd_mid = fwd_date = None
        if get("is_forward") in ("1", "True", "true", "1.0"):
            peer = csv_int(get("forward_msg_from_peer_id"), "forward_msg_from_peer_id")
            # a username, not a display name: it goes on the source's channel row, and
            # fwd_from_name comes from a title the load knows (collected_chats.csv)
            fwd_handle = get("forward_msg_from_peer_name") or None
            if peer is not None:
                fwd_id = telegram_key(peer)
                out.note_forward_id(fwd_id, None)
                if fwd_handle:
                    store.part(fwd_id, handle=fwd_handle)
            elif fwd_handle is not None:
                fwd_name = fwd_handle  # no id: the username is all there is
            else:
                sourceless += 1
            link = _POST_LINK.search(get("forward_msg_link"))
            fwd_mid = int(link.group(1)) if link else None
            fwd_date = optional_time(get("forward_msg_date") or None, "forward_msg_date")
        reply = csv_int(get("reply_to_msg_id"), "reply_to_msg_id")
        views = csv_int(get("views"), "views")
        forwards = csv_int(get("number_forwards"), "number_forwards")
        media_type, media_name, duration = _media(
            get("media_type"), get("document_type"), get("document_video_duration"),
            get("document_filename"))
        mentions, links, hashtags = csv_entities(text, get("url"))
        return part, (
            line, author_id, None, mid, date, text or None, fwd_id, fwd_name, fwd_mid,
            fwd_date, reply, views, forwards, None, None, media_type, media_name, None,
            duration, mentions, links, hashtags)

    add_csv_rows(header, rows, store, message)
    if sourceless:
        out.warn(f"{label}: {sourceless:,} forwarded message(s) have is_forward=1 but no "
                 "source (a hidden sender: telegram-tracker writes no from_name): loaded "
                 "without a forward source")


def _read_chats(header: list[str], rows, out: FileOutput) -> None:
    ix = {name: i for i, name in enumerate(header)}
    descriptions = {}
    for line, row in rows:
        if len(row) != len(header):
            if any(row):
                out.reject(line, f"{len(row)} fields where the header has {len(header)}",
                           ",".join(row))
            continue
        try:
            channel_id = telegram_key(csv_int(row[ix["id"]], "id"))
        except (ValueError, TypeError, BadRecord):
            out.reject(line, f"id {row[ix['id']]!r} is not a Telegram id", ",".join(row))
            continue
        title = row[ix["title"]] if "title" in ix else ""
        kind = "unknown"
        if row[ix["broadcast"]] in ("True", "true", "1") if "broadcast" in ix else False:
            kind = "channel"
        elif row[ix["megagroup"]] in ("True", "true", "1") if "megagroup" in ix else False:
            kind = "supergroup"
        descriptions[channel_id] = (title or None, row[ix["username"]] or None, kind)
    Rows(out, COLUMNS).describe(descriptions)
