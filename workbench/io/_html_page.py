"""One page of a Telegram Desktop HTML export, parsed into raw records and read field by field.

:func:`parse_page` runs Python's :mod:`html.parser` (a real, tolerant HTML parser) over a page
and returns its header name, pagination links and one :class:`Record` per
``<div class="message ...">`` (with the line it starts on, and whether the page ended inside
it); the functions after it turn a record's raw strings into the canonical fields (dates with
or without a UTC offset, media, entities, senders, service actions). How records become
messages, and how pages are followed, is :mod:`.desktop_html`'s.

Examples
--------
>>> page = parse_page(b'<html><head><title>Exported Data</title></head><body>'
...     b'<div class="page_header"><div class="content"><div class="text bold">Chat</div>'
...     b'</div></div><div class="message default clearfix" id="message7"><div class="body">'
...     b'<div class="pull_right date details" title="01.10.2016 15:00:00 UTC+03:00">15:00'
...     b'</div><div class="text">hi</div></div></div></body></html>', "messages.html")
>>> page.name, [(r.id, r.start[0], parse_date(r.date, None)) for r in page.records]
('Chat', [('message7', 1, (1475323200000000000, False))])
"""

from __future__ import annotations

import calendar
import html.entities
import re
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser

from ..errors import FormatError, LoadError
from ..ids import normalise_name
from .builder import raw_excerpt
from .entities import add_from_text, dedupe
from .records import check_ns

__all__ = ["Record", "Page", "parse_page", "excerpt", "clean_text", "clean_name", "parse_date",
           "offset_of", "media_fields", "sender_name", "message_entities", "service_action",
           "chat_kind", "int_id", "reply_id", "SERVICE_ACTIONS", "DAY", "MONTHS", "NS",
           "UNSUPPORTED"]

_BOM = b"\xef\xbb\xbf"
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "param", "source", "track", "wbr"})
_BR = object()  # a <br> in captured text: a newline of the message, not layout whitespace
_MESSAGE_ID = re.compile(r"^message(-?\d+)$")
_DATE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4}) (\d{1,2}):(\d{2}):(\d{2})"
                   r"(?:\s*UTC\s*([+-])(\d{1,2}):?(\d{2}))?\s*$")
DAY = re.compile(r"^\s*(\d{1,2}) (January|February|March|April|May|June|July|August|September|"
                  r"October|November|December) (\d{4})\s*$")
MONTHS = {m: i for i, m in enumerate(
    ("January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"), start=1)}
_DURATION = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{2})(?!\d)")
_GO_TO = re.compile(r"go_to_message(-?\d+)|GoToMessage\((-?\d+)\)")
_VIA = re.compile(r"\s+via @([A-Za-z][A-Za-z0-9_]{2,31})\s*$")
_LAYOUT_TAIL = re.compile(r"\n[ \t]*$")
UNSUPPORTED = "This message is not supported by this version of Telegram Desktop"
NS = 1_000_000_000

#: Media element classes -> ``media_type`` (the vocabulary of Desktop JSON's ``media_type``).
_MEDIA_KINDS = {
    "media_photo": "photo", "photo_wrap": "photo", "media_video": "video_file",
    "video_file_wrap": "video_file", "animated_wrap": "animation", "sticker_wrap": "sticker",
    "media_voice_message": "voice_message", "media_audio_file": "audio_file",
    "media_file": "document", "media_poll": "poll", "media_contact": "contact",
    "media_location": "location", "media_live_location": "location", "media_venue": "location",
    "media_game": "game", "media_invoice": "invoice", "media_call": "phone_call",
}
#: Titles of Desktop's generic media blocks that name a more specific type.
_MEDIA_TITLES = {"Video message": "video_message", "Animation": "animation",
                 "Sticker": "sticker", "Video file": "video_file"}
_MEDIA_PARTS = {"title": "title", "description": "description", "status": "status",
                "video_duration": "duration", "question": "title"}

#: Service sentences Desktop writes -> the ``action`` a JSON export of the same record has.
#: ``actor`` is the sentence's subject; sentences starting with "Channel" name no actor (the
#: channel itself acts, as JSON exports say).
SERVICE_ACTIONS = tuple((re.compile(p, re.DOTALL), a) for p, a in (
    (r"^Channel «.*» created$", "create_channel"),
    (r"^(?P<actor>.+?) created group «.*»(?: with members .*)?$", "create_group"),
    (r"^Channel title changed to «.*»$", "edit_group_title"),
    (r"^(?P<actor>.+?) changed group title to «.*»$", "edit_group_title"),
    (r"^Channel photo changed$", "edit_group_photo"),
    (r"^(?P<actor>.+?) changed group photo$", "edit_group_photo"),
    (r"^Channel photo removed$", "delete_group_photo"),
    (r"^(?P<actor>.+?) removed group photo$", "delete_group_photo"),
    (r"^(?P<actor>.+?) invited .+ to the voice chat$", "invite_to_group_call"),
    (r"^(?P<actor>.+?) invited .+$", "invite_members"),
    (r"^(?P<actor>.+?) removed .+$", "remove_members"),
    (r"^(?P<actor>.+?) joined group by link from .+$", "join_group_by_link"),
    (r"^(?P<actor>.+?) joined group by request$", "join_group_by_request"),
    (r"^(?P<actor>.+?) converted this group to a supergroup$", "migrate_to_supergroup"),
    (r"^(?P<actor>.+?) converted a basic group to this supergroup «.*»$", "migrate_from_group"),
    (r"^(?P<actor>.+?) pinned .+$", "pin_message"),
    (r"^History cleared$", "clear_history"),
    (r"^(?P<actor>.+?) scored \d+ in .+$", "score_in_game"),
    (r"^(?P<actor>.+?) took a screenshot$", "take_screenshot"),
    (r"^(?P<actor>.+?) joined Telegram$", "joined_telegram"),
    (r"^Voice chat.*$", "group_call"),
    (r"^(?P<actor>.+?) started voice chat.*$", "group_call"),
    (r"^New messages will (?:not )?auto-delete.*$", "set_messages_ttl"),
    (r"^(?P<actor>.+?) has set messages (?:not )?to auto-delete.*$", "set_messages_ttl"),
))


# --------------------------------------------------------------------------------------------
# Parsing one page
# --------------------------------------------------------------------------------------------
class Record:
    """What one ``<div class="message ...">`` holds, as raw strings."""

    __slots__ = ("id", "classes", "start", "end", "date", "sender", "fwd", "fwd_name",
                 "fwd_title", "fwd_text", "reply", "reply_ids", "media", "text", "entities",
                 "signature", "service", "cut")

    def __init__(self, id_: str | None, classes: frozenset, start: tuple[int, int]):
        self.id = id_
        self.classes = classes
        self.start = start
        self.end = None
        self.date = None          # title of the date element
        self.sender = None        # list of text pieces of the sender block
        self.fwd = False
        self.fwd_name = None
        self.fwd_title = None
        self.fwd_text = None
        self.reply = None
        self.reply_ids = []
        self.media = None         # dict: kind, href, title, description, status, duration
        self.text = None
        self.entities = []        # [href, onclick, start piece, text]
        self.signature = None
        self.service = None
        self.cut = False          # the page ended inside this record


@dataclass
class Page:
    name: str | None          # the chat's name in the page header
    records: list
    links: list               # (href, text) of pagination links
    complete: bool            # </html> was reached
    text: str                 # the decoded page (for excerpts of rejected records)
    line_starts: list | None = None  # offset of each line in ``text``, made when needed


def _join(pieces) -> str:
    return "".join("\n" if p is _BR else p for p in pieces)


def clean_text(pieces: list | None) -> str | None:
    """A message's text from the pieces of its block: Desktop writes a newline after the
    opening tag and a newline plus indentation before the closing one; newlines of the text
    itself are ``<br>``, so only those two layout runs are dropped."""
    if not pieces:
        return None
    pieces = list(pieces)
    first, last = pieces[0], pieces[-1]
    if first is not _BR and first.startswith("\n"):
        pieces[0] = first = first[1:]
    if last is not _BR:
        if len(pieces) == 1:
            last = first
        pieces[-1] = _LAYOUT_TAIL.sub("", last)
    text = _join(pieces)
    return text if text.strip() else None


def clean_name(pieces: list | None) -> str | None:
    if not pieces:
        return None
    text = " ".join(_join(pieces).split())
    return text or None


class _PageParser(HTMLParser):
    """Collects the header, the pagination links and one :class:`Record` per message."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        # open elements: (tag, role, sink before this element); the role of a link inside a
        # text is its entity (a list), completed when the link closes
        self.stack: list[tuple[str, object, list | None]] = []
        self.sink: list | None = None
        self.header = 0
        self.name: list | None = None
        self.links: list = []
        self.records: list[Record] = []
        self.rec: Record | None = None
        self.fwd = 0
        self.media = 0
        self.complete = False
        self.chat = False

    # -- character data -----------------------------------------------------------------
    def handle_data(self, data: str) -> None:
        if self.sink is not None:
            self.sink.append(data)

    def handle_charref(self, name: str) -> None:
        # Desktop writes control characters as &#xHH; keep them (html.unescape drops most),
        # so a text reads the same as in a JSON export of the same message.
        try:
            code = int(name[1:], 16) if name[:1] in "xX" else int(name)
            char = chr(code) if 0 < code < 0x110000 and not 0xD800 <= code <= 0xDFFF \
                else "\ufffd"
        except ValueError:
            char = f"&#{name};"
        self.handle_data(char)

    def handle_entityref(self, name: str) -> None:
        self.handle_data(html.entities.html5.get(name + ";", f"&{name}"))

    # -- elements -------------------------------------------------------------------------
    def handle_startendtag(self, tag: str, attrs) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _VOID:
            if tag == "br" and self.sink is not None:
                self.sink.append(_BR)
            return
        cls = href = title = onclick = id_ = None
        for key, value in attrs:
            if key == "class":
                cls = value
            elif key == "href":
                href = value
            elif key == "title":
                title = value
            elif key == "onclick":
                onclick = value
            elif key == "id":
                id_ = value
        tokens = cls.split() if cls else ()
        prev = self.sink
        role = None
        sink = prev
        rec = self.rec
        if tag == "div" and "message" in tokens:
            if rec is not None:
                self._unwind_record()
                prev = sink = self.sink
            rec = self.rec = Record(id_, frozenset(tokens), self.getpos())
            role = "message"
            sink = None
        elif rec is not None:
            role, sink = self._inside_record(rec, tag, tokens, href, title, onclick, prev)
        elif tag == "div" and "page_header" in tokens:
            role = "header"
            self.header += 1
        elif self.header and tag == "div" and "text" in tokens and self.name is None:
            sink = self.name = []
        elif "history" in tokens or "chat_page" in tokens:
            self.chat = True
        elif tag == "a" and "pagination" in tokens:
            sink = []
            self.links.append((href, sink))
        self.stack.append((tag, role, prev))
        self.sink = sink

    def _inside_record(self, rec: Record, tag, tokens, href, title, onclick, prev):
        """(role, sink) of an element inside a message record."""
        if self.media:
            for token in tokens:
                part = _MEDIA_PARTS.get(token)
                if part is not None:
                    piece: list = []
                    rec.media.setdefault(part, piece)
                    return None, piece
            if tag == "a" and rec.media.get("href") is None and href:
                rec.media["href"] = href
            return None, None
        if tag == "a":
            if prev is not None and prev is not rec.sender and prev is not rec.fwd_name:
                entity = [href, onclick, len(prev), None, prev]
                rec.entities.append(entity)
                return entity, prev
            kind = _media_kind(tokens)
            if kind is not None:
                return self._open_media(rec, kind, href), None
            return None, prev
        if tag == "span":
            if self.fwd and prev is rec.fwd_name and prev is not None and "details" in tokens:
                rec.fwd_title = title
                rec.fwd_text = []
                return None, rec.fwd_text
            return None, prev
        if tag != "div":
            return None, prev
        if "date" in tokens and "details" in tokens and not self.fwd:
            if rec.date is None:
                rec.date = title if title is not None else ""
            return None, None
        if "forwarded" in tokens and "body" in tokens:
            rec.fwd = True
            self.fwd += 1
            return "forwarded", None
        if "from_name" in tokens:
            if self.fwd:
                if rec.fwd_name is None:
                    rec.fwd_name = []
                    return None, rec.fwd_name
            elif rec.sender is None:
                rec.sender = []
                return None, rec.sender
            return None, None
        if "reply_to" in tokens:
            rec.reply = []
            return None, rec.reply
        if "signature" in tokens:
            rec.signature = []
            return None, rec.signature
        if "text" in tokens and rec.text is None:
            rec.text = []
            return None, rec.text
        if "body" in tokens and "details" in tokens and "service" in rec.classes:
            rec.service = []
            return None, rec.service
        kind = _media_kind(tokens)
        if kind is not None:
            return self._open_media(rec, kind, href), None
        if "userpic_wrap" in tokens or "userpic" in tokens:
            return None, None
        return None, prev

    def _open_media(self, rec: Record, kind: str, href: str | None) -> str:
        if rec.media is None:
            rec.media = {"kind": kind, "href": href or None}
        self.media += 1
        return "media"

    def handle_endtag(self, tag: str) -> None:
        stack = self.stack
        for i in range(len(stack) - 1, -1, -1):
            if stack[i][0] == tag:
                break
        else:
            if tag == "html":
                self.complete = True
            return  # a stray end tag: ignored, as browsers do
        while len(stack) > i:
            self._pop()
        if tag == "html":
            self.complete = True

    def _pop(self) -> None:
        _tag, role, prev = self.stack.pop()
        self.sink = prev
        if role is None:
            return
        if role == "message":
            self._finish(self.rec)
        elif type(role) is list:  # a link inside a text: its text is what it enclosed
            role[3] = _join(role[4][role[2]:])
        elif role == "forwarded":
            self.fwd = max(self.fwd - 1, 0)
        elif role == "media":
            self.media = max(self.media - 1, 0)
        elif role == "header":
            self.header = max(self.header - 1, 0)

    def _finish(self, rec: Record | None) -> None:
        if rec is not None:
            rec.end = self.getpos()
            self.records.append(rec)
        self.rec = None
        self.fwd = self.media = 0

    def _unwind_record(self) -> None:
        """Close everything up to and including the open record (an unclosed message)."""
        while self.stack and self.rec is not None:
            self._pop()

    def close(self) -> None:
        super().close()
        if self.rec is not None:
            self.rec.cut = True
            self._unwind_record()
            if self.rec is not None:  # the record was not on the stack (cannot happen)
                self._finish(self.rec)


def _media_kind(tokens) -> str | None:
    for token in tokens:
        if token in _MEDIA_KINDS:
            return token
    return None


def _decode(data: bytes, label: str) -> tuple[str, bool]:
    """The page as text and whether its last bytes were a cut multi-byte character."""
    if data.startswith(_BOM):
        data = data[3:]
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
            return data[:exc.start].decode("utf-8"), True
        line = data.count(b"\n", 0, exc.start) + 1
        raise LoadError(f"{label}: not UTF-8 text: byte 0x{data[exc.start]:02x} at byte "
                        f"{exc.start:,} (line {line}) cannot be decoded; Telegram exports are "
                        "UTF-8") from None


def parse_page(data: bytes, label: str) -> Page:
    if not data.strip():
        raise LoadError(f"{label}: empty file: not a Telegram export page")
    text, cut = _decode(data, label)
    parser = _PageParser()
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError) as exc:  # html.parser's few hard failures
        line, col = parser.getpos()
        raise LoadError(f"{label}: cannot parse the HTML at line {line}, column {col}: "
                        f"{exc}") from None
    if not parser.chat and not parser.records:
        raise FormatError(f"{label}: a Telegram Desktop HTML page, but not a chat's messages "
                          "(the export's summary or a list page): nothing to load here")
    return Page(name=clean_name(parser.name),
                 links=[(href, clean_name(sink) or "") for href, sink in parser.links],
                 records=parser.records, complete=parser.complete and not cut, text=text)


def excerpt(page: Page, rec: Record) -> str:
    if page.line_starts is None:
        page.line_starts = [0] + [m.end() for m in re.finditer("\n", page.text)]

    def offset(pos):
        line, col = pos
        return page.line_starts[min(line, len(page.line_starts)) - 1] + col

    start = offset(rec.start)
    end = offset(rec.end) if rec.end is not None else len(page.text)
    return raw_excerpt(page.text[start:max(end, start + 1)].strip() + ("</div>" if not rec.cut
                                                                         else ""))


# --------------------------------------------------------------------------------------------
# From records to rows
# --------------------------------------------------------------------------------------------
def parse_date(value: str, tz) -> tuple[int, bool]:
    """(ns since the epoch, whether the offset was assumed) of a Desktop date title."""
    match = _DATE.match(value)
    if match is None:
        raise ValueError(value)
    d, mo, y, h, mi, s = (int(g) for g in match.groups()[:6])
    local = datetime(y, mo, d, h, mi, s)  # validates the calendar
    if match.group(7) is not None:
        offset = (int(match.group(8)) * 3600 + int(match.group(9)) * 60) * (
            -1 if match.group(7) == "-" else 1)
        seconds = calendar.timegm(local.timetuple()) - offset
        assumed = False
    else:
        seconds = int(local.replace(tzinfo=tz).timestamp())
        assumed = True
    return check_ns(seconds * NS, value), assumed


def offset_of(value: str | None) -> int | None:
    """The UTC offset (seconds) a date title carries, if any."""
    if not value:
        return None
    match = _DATE.match(value)
    if match is None or match.group(7) is None:
        return None
    return (int(match.group(8)) * 3600 + int(match.group(9)) * 60) * (
        -1 if match.group(7) == "-" else 1)


def media_fields(media: dict | None) -> tuple[str | None, str | None, int | None]:
    """(media_type, media_name, media_duration) of a media block."""
    if media is None:
        return None, None, None
    kind = _MEDIA_KINDS[media["kind"]]
    title = clean_name(media.get("title"))
    status = clean_name(media.get("status")) or ""
    href = media.get("href")
    if media["kind"] in ("media_video", "media_photo") and title in _MEDIA_TITLES:
        kind = _MEDIA_TITLES[title]
    name = None
    if href and not href.startswith(("http://", "https://", "#")):
        name = href.rsplit("/", 1)[-1] or None
    if kind == "document" and title and title != "File":
        name = title  # the original file name, as JSON's file_name
    duration = None
    text = clean_name(media.get("duration")) or (
        status if kind in ("video_file", "video_message", "voice_message", "audio_file")
        else "")
    match = _DURATION.match(text)
    if match is not None:
        h, m, s = match.groups()
        duration = int(h or 0) * 3600 + int(m) * 60 + int(s)
    return kind, name, duration


def sender_name(pieces: list | None) -> str | None:
    name = clean_name(pieces)
    if name is None:
        return None
    return _VIA.sub("", name) or None


def message_entities(rec: Record, text: str | None,
                     people: dict | None = None) -> tuple[list, list, list]:
    """Mentions, links and hashtags: from the text's links as Desktop renders entities, then
    from the plain text (always: unlike the JSON reader, which scans the text only when the
    export gives no entities)."""
    mentions, links, hashtags = [], [], []
    for href, onclick, _start, value, sink in rec.entities:
        if sink is not rec.text:
            continue  # links of the reply block or of a service sentence
        value = value or ""
        if onclick:
            if "ShowHashtag" in onclick:
                if value:
                    hashtags.append(value[1:] if value[0] == "#" else value)
            elif "ShowMentionName" in onclick and value:
                mentions.append(value[1:] if value[0] == "@" else value)
                if people is not None and value[0] != "@":
                    people[value] = None  # a person named in the text, pseudonymised by name
            continue  # bot commands, cashtags, custom emoji, spoilers
        if not href:
            continue
        if value.startswith("@") and href.rstrip("/").endswith("/" + value[1:]):
            mentions.append(value[1:])
        elif href == value:
            links.append(value)
        elif href.startswith(("mailto:", "tel:")):
            continue
        elif ":" not in href.split("/", 1)[0]:
            continue  # a relative link: a custom emoji's file, not a link of the text
        else:
            links.append(href)
    if text:
        add_from_text(text, mentions, links, hashtags)
    return dedupe(mentions), dedupe(links), dedupe(hashtags)


def service_action(text: str | None, channel: str | None) -> tuple[str | None, str | None]:
    """(action, actor) of a service sentence."""
    if not text:
        return None, None
    for pattern, action in SERVICE_ACTIONS:
        match = pattern.match(text)
        if match is not None:
            actor = match.groupdict().get("actor")
            return action, actor if actor is not None else channel
    return None, None


def chat_kind(page: Page) -> str:
    """channel / supergroup / group / unknown: HTML pages do not say; the service sentences
    and the senders tell."""
    senders = set()
    migrated = False
    for rec in page.records:
        if "service" in rec.classes:
            text = clean_name(rec.service) or ""
            action, actor = service_action(text, None)
            if action is not None and text.startswith("Channel ") and actor is None:
                return "channel"
            migrated |= action in ("migrate_from_group", "migrate_to_supergroup")
        elif rec.sender is not None:
            sender = sender_name(rec.sender)
            if sender is not None:
                senders.add(normalise_name(sender))
    if migrated:
        return "supergroup"
    if senders and page.name is not None and senders == {normalise_name(page.name)}:
        return "channel"
    return "group" if senders else "unknown"


def int_id(raw: str | None) -> int | None:
    if not raw:
        return None
    match = _MESSAGE_ID.match(raw.strip())
    return int(match.group(1)) if match is not None else None


def reply_id(rec: Record) -> int | None:
    """The replied-to message id from the reply block's link (none for a reply to another
    chat, which Desktop does not link)."""
    for href, onclick, _start, _value, sink in rec.entities:
        if sink is not rec.reply:
            continue
        for value in (href, onclick):
            if value:
                match = _GO_TO.search(value)
                if match is not None:
                    return int(match.group(1) or match.group(2))
    return None
