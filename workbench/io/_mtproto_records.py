"""One reader of Telethon ``Message``/``MessageService`` records, for every format that holds
them (Telethon dumps, telegram-tracker JSON, 4CAT ndjson, the Pushshift Telegram files).

:class:`RecordReader` reads any shape of record (see :mod:`._mtproto`) into a
:class:`~workbench.io.builder.FileOutput`, one :class:`~workbench.io.records.Rows` part per
channel; :func:`read_lines` feeds it a JSON Lines file line by line (``source`` is
``file#<line>``), :func:`read_document` a parsed document: a list of records, one record, or an
API response whose ``chats`` and ``users`` name channels and senders (``file#<position>``).

Examples
--------
>>> import json, tempfile, workbench as wb
>>> from pathlib import Path
>>> path = Path(tempfile.mkdtemp()) / "dump.json"
>>> _ = path.write_text(json.dumps([{"_": "MessageEmpty", "id": 3}]))
>>> wb.load(path).rejected[["source", "reason"]].to_dict("records")
[{'source': 'dump.json#1', 'reason': 'MessageEmpty: a deleted message, only its id is left'}]
"""

from __future__ import annotations

import orjson

from ..errors import LoadError
from ._mtproto import (ACTIONS, ENTITIES, MEDIA_TYPES, attribute_kind, chat_description,
                       guess_entity, peer_key, snake, utf16_slice)
from .builder import FileOutput, Part
from .entities import add_from_text, dedupe
from .records import (BadRecord, Rows, optional_int, optional_time, reject_json_line,
                      time_reason, to_ns)
from .sources import Source
from .streams import iter_lines

__all__ = ["COLUMNS", "RecordReader", "read_lines", "read_document"]

#: Message columns these readers fill (``channel_id``/``channel``/``source`` come per part).
COLUMNS = ("_index", "author_id", "author", "message_id", "date", "text",
           "fwd_from_channel_id", "fwd_from_name", "fwd_from_message_id", "fwd_from_date",
           "reply_to", "views", "forwards", "edited", "grouped_id", "media_type", "media_name",
           "media_size", "media_duration", "mentions", "links", "hashtags")


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
        self.rows = Rows(out, COLUMNS)
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
            elif peer is None:
                raise BadRecord("no peer_id or to_id, and its _chat does not say which channel "
                                "the record is in")
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
                kind = ENTITIES.get(typ)
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
                kind = guess_entity(piece)
                if kind is None:
                    continue
            if kind == "url":
                links.append(piece)
            elif kind == "mention":
                mentions.append(piece[1:] if piece[:1] == "@" else piece)
                uid = e.get("user_id")
                if uid is not None and piece[:1] != "@":
                    # A mention by display name (MessageEntityMentionName) names a person:
                    # the pseudonymiser replaces it in the text and in mentions.
                    ok = type(uid) is int and 0 < uid < 1 << 63
                    self.out.builder.mention_names[piece] = f"telegram:{uid}" if ok else None
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
                at = attribute_kind(attr, self.tk)
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
        return MEDIA_TYPES.get(typ) or snake(str(typ).removeprefix("MessageMedia")), \
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
        except (ValueError, TypeError, OverflowError) as exc:
            raise BadRecord(time_reason("date", raw_date, exc,
                                        "a date-time or Unix time")) from None
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
        except (ValueError, TypeError, OverflowError) as exc:
            raise BadRecord(time_reason("date", date, exc,
                                        "a date-time or Unix time")) from None
        action = rec.get("action")
        name = action.get(self.tk) if type(action) is dict else None
        if type(name) is str:
            name = ACTIONS.get(name) or snake(name.removeprefix("MessageAction"))
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


def read_document(doc: object, out: FileOutput, *, type_key: str = "_") -> None:
    """Read a parsed JSON document of Telethon objects: a list of messages, one message, or
    an API response (``messages.ChannelMessages``, or any object with a ``messages`` list)
    whose ``chats`` and ``users`` name the channels, forward sources and senders."""
    label = out.source.label
    if type(doc) is list:
        reader = RecordReader(out, type_key=type_key)
        for i, rec in enumerate(doc, 1):
            reader.record(rec, i)
        reader.finish()
        return
    if type(doc) is not dict:
        raise LoadError(f"{label}: the top level is a JSON {type(doc).__name__}, not a list or "
                        "an object of Telethon records")
    if "messages" not in doc:
        if doc.get(type_key) in ("Message", "MessageService", "MessageEmpty"):
            reader = RecordReader(out, type_key=type_key)
            reader.record(doc, 1)
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
    for i, rec in enumerate(messages, 1):
        reader.record(rec, i)  # source: file#<position in messages>
    reader.finish()
