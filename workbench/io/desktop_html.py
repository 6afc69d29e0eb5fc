"""Telegram Desktop HTML exports (``messages.html``, ``messages2.html``, ...).

The default export format of Telegram Desktop. What the pages really hold (see
``../shared/samples/telegram-desktop-html`` and Desktop's ``export_output_html.cpp``):

* one folder per chat with ``messages.html``, ``messages2.html``, ... of 1000 records each,
  linked by "Previous messages" / "Next messages"; the chat's name is the page header. Reading
  a page follows its "Next messages" links, so the pages of one export are read in order as
  one unit: ``files`` counts all their records in the first page's row, each record's
  ``source`` names its own page and the line its element starts on (``messages2.html#57``),
  and a later page met again in a folder walk adds nothing;
* ``<div class="message default clearfix" id="message123">``: a message; with ``joined`` it has
  no sender block and belongs to the previous message's sender (and forward source);
  ``<div class="message service" id="message-5">``: a service record, negative ids being the
  day separators Desktop inserts ("13 May 2017");
* dates only as the ``title`` of the date element, local time of the exporting machine:
  ``"13.05.2017 15:28:10 UTC-08:00"`` in newer exports, without the offset in older ones
  (then the load's ``tz=`` is assumed and a warning says so, once per export);
* forwards: ``forwarded body`` with the source's name and the original date, either
  ``<span class="date details" title="...">`` (newer) or ``<span class="details"> date</span>``
  (older, no offset); a joined forward without a name block repeats the previous source;
* replies: ``reply_to details`` with a link to ``#go_to_message<id>``;
* media blocks (photo, video, voice, audio, file, sticker, animation, poll, ...): the
  ``media_*`` class gives the type, a link the file name (when files were exported), the
  status line the duration ("00:25, 1.0 MB"); sizes are rounded there, so none are kept;
* signatures (``signature details``) are a channel post's author; ``via @bot`` is cut from
  sender names;
* no numeric ids at all: the channel is keyed ``telegram:name:<normalised header name>``
  unless the analyst maps it: ``wb.load(..., channel_id=...)``, a ``channels=`` table with
  ``channel_id`` and ``name``, or a JSON export of the same channel in the same load (then
  the pages' messages take its numeric id and merge with its messages);
* no edits, views, forward counts or service dates; service records carry their rendered
  sentence (``"Channel «X» created"``) as ``text`` and an ``action`` recognised from it.

Pages are parsed with Python's :mod:`html.parser` (a real, tolerant HTML parser; no
dependency). A page that ends early (no ``</html>``) loads with a warning; the message cut off
at its end is rejected.

Examples
--------
>>> import tempfile, workbench as wb
>>> from pathlib import Path
>>> page = '''<!DOCTYPE html><html><head><title>Exported Data</title></head><body>
... <div class="page_wrap"><div class="page_header"><div class="content">
... <div class="text bold">Example Channel </div></div></div>
... <div class="page_body chat_page"><div class="history">
... <div class="message service" id="message-1"><div class="body details">1 October 2016</div></div>
... <div class="message default clearfix" id="message7"><div class="body">
... <div class="pull_right date details" title="01.10.2016 15:00:00 UTC+03:00">15:00</div>
... <div class="from_name">Example Channel </div>
... <div class="text">see <a href="https://t.me/other_channel">@other_channel</a></div>
... </div></div></div></div></div></body></html>'''
>>> path = Path(tempfile.mkdtemp()) / "messages.html"
>>> _ = path.write_text(page, encoding="utf-8")
>>> import warnings
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     corpus = wb.load(path)
>>> print(caught[0].message)  # no id in the page: keyed by its name, and said so
1 chat(s) known only by name (HTML exports give no ids) keyed telegram:name:<name>:
['Example Channel']; map them with channel_id= or a channels= table with channel_id and name
>>> corpus.messages[["channel_id", "message_id", "date", "text", "mentions"]].to_dict("records")
... # doctest: +NORMALIZE_WHITESPACE
[{'channel_id': 'telegram:name:example channel', 'message_id': 7,
  'date': Timestamp('2016-10-01 12:00:00+0000', tz='UTC'), 'text': 'see @other_channel',
  'mentions': ['other_channel']}]
>>> corpus.service[["message_id", "action", "text"]].to_dict("records")
[{'message_id': -1, 'action': 'day_separator', 'text': '1 October 2016'}]
>>> wb.load(path, channel_id="telegram:42").messages["channel_id"].tolist()
['telegram:42']
"""

from __future__ import annotations

import calendar
import html.entities
import re
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

from ..errors import FormatError, LoadError
from ..ids import name_key, normalise_name
from .builder import FileOutput, raw_excerpt
from .entities import add_from_text, dedupe
from .sources import Source

__all__ = ["NAME", "SUFFIXES", "sniff", "read", "DAY_SEPARATOR", "SERVICE_ACTIONS"]

NAME = "telegram-desktop-html"
SUFFIXES = (".html", ".htm")
#: ``service.action`` of the day separators Desktop inserts (negative ids, no record of their own
#: in a JSON export).
DAY_SEPARATOR = "day_separator"

_BOM = b"\xef\xbb\xbf"
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "param", "source", "track", "wbr"})
_BR = object()  # a <br> in captured text: a newline of the message, not layout whitespace
_MESSAGE_ID = re.compile(r"^message(-?\d+)$")
_DATE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4}) (\d{1,2}):(\d{2}):(\d{2})"
                   r"(?:\s*UTC\s*([+-])(\d{1,2}):?(\d{2}))?\s*$")
_DAY = re.compile(r"^\s*(\d{1,2}) (January|February|March|April|May|June|July|August|September|"
                  r"October|November|December) (\d{4})\s*$")
_MONTHS = {m: i for i, m in enumerate(
    ("January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"), start=1)}
_DURATION = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{2})(?!\d)")
_GO_TO = re.compile(r"go_to_message(-?\d+)|GoToMessage\((-?\d+)\)")
_PAGE_FILE = re.compile(r"^messages(\d*)\.html?$", re.IGNORECASE)
_VIA = re.compile(r"\s+via @([A-Za-z][A-Za-z0-9_]{2,31})\s*$")
_LAYOUT_TAIL = re.compile(r"\n[ \t]*$")
_UNSUPPORTED = "This message is not supported by this version of Telegram Desktop"
_NS = 1_000_000_000
_MAX_NS = (1 << 33) * _NS

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


def sniff(head: bytes, path: Path | None = None) -> str | None:
    """None when ``head`` (the first KB) looks like a page of a Telegram Desktop HTML export.

    Examples
    --------
    >>> sniff(b'<!DOCTYPE html>\\n<html>\\n <head>\\n  <meta charset="utf-8"/>\\n'
    ...       b'<title>Exported Data</title>')
    >>> sniff(b'<!DOCTYPE html><html><head><title>My blog</title>')
    'an HTML page, but not titled "Exported Data" as Telegram Desktop\\'s pages are'
    >>> sniff(b'{"messages": []}')
    'not HTML (starts with b\\'{"messages": []}\\')'
    """
    text = head[3:] if head.startswith(_BOM) else head
    low = text.lstrip().lower()
    if not low.startswith((b"<!doctype html", b"<html", b"<head")):
        return f"not HTML (starts with {bytes(text.lstrip()[:16])!r})"
    if b"<title>exported data</title>" not in low:
        return 'an HTML page, but not titled "Exported Data" as Telegram Desktop\'s pages are'
    if b"list_page" in low:
        return ("a Telegram Desktop export's list page (chats, contacts, sessions), not a "
                "chat's messages")
    return None


# --------------------------------------------------------------------------------------------
# Parsing one page
# --------------------------------------------------------------------------------------------
class _Record:
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
class _Page:
    name: str | None          # the chat's name in the page header
    records: list
    links: list               # (href, text) of pagination links
    complete: bool            # </html> was reached
    text: str                 # the decoded page (for excerpts of rejected records)
    line_starts: list | None = None  # offset of each line in ``text``, made when needed


def _join(pieces) -> str:
    return "".join("\n" if p is _BR else p for p in pieces)


def _clean_text(pieces: list | None) -> str | None:
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


def _clean_name(pieces: list | None) -> str | None:
    if not pieces:
        return None
    text = " ".join(_join(pieces).split())
    return text or None


class _PageParser(HTMLParser):
    """Collects the header, the pagination links and one :class:`_Record` per message."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        # open elements: (tag, role, sink before this element); the role of a link inside a
        # text is its entity (a list), completed when the link closes
        self.stack: list[tuple[str, object, list | None]] = []
        self.sink: list | None = None
        self.header = 0
        self.name: list | None = None
        self.links: list = []
        self.records: list[_Record] = []
        self.rec: _Record | None = None
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
            rec = self.rec = _Record(id_, frozenset(tokens), self.getpos())
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

    def _inside_record(self, rec: _Record, tag, tokens, href, title, onclick, prev):
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

    def _open_media(self, rec: _Record, kind: str, href: str | None) -> str:
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

    def _finish(self, rec: _Record | None) -> None:
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


def _parse_page(data: bytes, label: str) -> _Page:
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
    return _Page(name=_clean_name(parser.name),
                 links=[(href, _clean_name(sink) or "") for href, sink in parser.links],
                 records=parser.records, complete=parser.complete and not cut, text=text)


def _excerpt(page: _Page, rec: _Record) -> str:
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
class _Bad(Exception):
    """A record that cannot be a message (the reason is the message)."""


def _parse_date(value: str, tz) -> tuple[int, bool]:
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
    ns = seconds * _NS
    if not -_MAX_NS < ns < _MAX_NS:
        raise ValueError(value)
    return ns, assumed


def _offset_of(value: str | None) -> int | None:
    """The UTC offset (seconds) a date title carries, if any."""
    if not value:
        return None
    match = _DATE.match(value)
    if match is None or match.group(7) is None:
        return None
    return (int(match.group(8)) * 3600 + int(match.group(9)) * 60) * (
        -1 if match.group(7) == "-" else 1)


def _media_fields(media: dict | None) -> tuple[str | None, str | None, int | None]:
    """(media_type, media_name, media_duration) of a media block."""
    if media is None:
        return None, None, None
    kind = _MEDIA_KINDS[media["kind"]]
    title = _clean_name(media.get("title"))
    status = _clean_name(media.get("status")) or ""
    href = media.get("href")
    if media["kind"] in ("media_video", "media_photo") and title in _MEDIA_TITLES:
        kind = _MEDIA_TITLES[title]
    name = None
    if href and not href.startswith(("http://", "https://", "#")):
        name = href.rsplit("/", 1)[-1] or None
    if kind == "document" and title and title != "File":
        name = title  # the original file name, as JSON's file_name
    duration = None
    text = _clean_name(media.get("duration")) or (
        status if kind in ("video_file", "video_message", "voice_message", "audio_file")
        else "")
    match = _DURATION.match(text)
    if match is not None:
        h, m, s = match.groups()
        duration = int(h or 0) * 3600 + int(m) * 60 + int(s)
    return kind, name, duration


def _sender(pieces: list | None) -> str | None:
    name = _clean_name(pieces)
    if name is None:
        return None
    return _VIA.sub("", name) or None


def _entities(rec: _Record, text: str | None) -> tuple[list, list, list]:
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


def _service_action(text: str | None, channel: str | None) -> tuple[str | None, str | None]:
    """(action, actor) of a service sentence."""
    if not text:
        return None, None
    for pattern, action in SERVICE_ACTIONS:
        match = pattern.match(text)
        if match is not None:
            actor = match.groupdict().get("actor")
            return action, actor if actor is not None else channel
    return None, None


def _kind(page: _Page) -> str:
    """channel / supergroup / group / unknown: HTML pages do not say; the service sentences
    and the senders tell."""
    senders = set()
    migrated = False
    for rec in page.records:
        if "service" in rec.classes:
            text = _clean_name(rec.service) or ""
            action, actor = _service_action(text, None)
            if action is not None and text.startswith("Channel ") and actor is None:
                return "channel"
            migrated |= action in ("migrate_from_group", "migrate_to_supergroup")
        elif rec.sender is not None:
            sender = _sender(rec.sender)
            if sender is not None:
                senders.add(normalise_name(sender))
    if migrated:
        return "supergroup"
    if senders and page.name is not None and senders == {normalise_name(page.name)}:
        return "channel"
    return "group" if senders else "unknown"


# --------------------------------------------------------------------------------------------
# One export: its pages in order
# --------------------------------------------------------------------------------------------
@dataclass
class _LoadState:
    """What one load knows across files: pages already read, and which chat ``channel_id=``
    was given to."""

    consumed: set = field(default_factory=set)
    forced: dict = field(default_factory=dict)


_STATES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _load_state(builder) -> _LoadState:
    state = _STATES.get(builder)
    if state is None:
        state = _STATES[builder] = _LoadState()
    return state


def _identity(path: Path) -> str:
    try:
        return str(Path(path).resolve())
    except OSError:
        return str(path)


def _page_number(name: str) -> int | None:
    base = name
    for suffix in (".gz", ".zst", ".zstd"):
        if base.lower().endswith(suffix):
            base = base[: -len(suffix)]
    match = _PAGE_FILE.match(base)
    if match is None:
        return None
    return int(match.group(1) or 1)


def _sibling_label(label: str, name: str) -> str:
    return label.rsplit("/", 1)[0] + "/" + name if "/" in label else name


class _Export:
    """Reads the pages of one export into one :class:`FileOutput`."""

    def __init__(self, out: FileOutput, state: _LoadState) -> None:
        self.out = out
        self.state = state
        self.tz = out.tz
        self.forced = getattr(out.builder, "channel_id", None)
        self.channel_id = None
        self.name = None
        self.kind = "unknown"
        self.resolved = False
        self.seen: set[int] = set()
        self.last_sender: str | None = None
        self.last_fwd: str | None = None
        self.assumed: list[str] = []
        self.pages: list[str] = []

    # -- the channel ------------------------------------------------------------------------
    def _key(self, page: _Page, label: str) -> None:
        self.name = page.name
        self.kind = _kind(page)
        if self.forced is not None:
            key = normalise_name(page.name) if page.name is not None else ""
            other = next((where for k, where in self.state.forced.items() if k != key), None)
            if other is not None:
                raise LoadError(
                    f"{label}: channel_id={self.forced!r} names one channel, but this load "
                    f"also holds an export of another chat ({other}); load them separately, "
                    "or key them with a channels= table (channel_id, name)")
            self.state.forced.setdefault(key, label)
            self.channel_id, self.resolved = self.forced, True
        elif page.name is not None:
            self.channel_id, self.resolved = name_key(page.name), False
        else:
            raise LoadError(f"{label}: the page header names no chat, and no channel_id= was "
                            "given: the messages cannot be keyed")

    # -- pages --------------------------------------------------------------------------------
    def read(self, source: Source) -> None:
        """Read ``source`` and the pages after it."""
        label = source.label
        data = source.read_bytes()
        page = _parse_page(data, label)
        self.out.advance(source.size)
        self._key(page, label)
        self.state.consumed.add(_identity(source.path))
        if any(_is_previous(text) for _, text in page.links):
            self.out.warn(f"{label} is a later page of its export (it links back to an "
                          "earlier page): the earlier pages are not part of this load")
        self._emit(page, label)
        visited = {_identity(source.path)}
        path = source.path
        while True:
            nxt = self._next(page, path, label)
            if nxt is None:
                break
            path, label = nxt
            if _identity(path) in visited or _identity(path) in self.state.consumed:
                break
            visited.add(_identity(path))
            following = Source(path=path, label=label, size=path.stat().st_size)
            try:
                page = _parse_page(following.read_bytes(), label)
            except LoadError as exc:
                self.out.warn(f"{label}: the next page of {self.pages[0]} could not be read "
                              f"({exc}); it is left to be read on its own, and the pages after "
                              "it are not followed")
                break
            if page.name is not None and self.name is not None and \
                    normalise_name(page.name) != normalise_name(self.name):
                self.out.warn(f"{label}: linked as the next page of {self.pages[0]} but names "
                              f"another chat ({page.name!r}); not followed")
                break
            self.state.consumed.add(_identity(path))
            self._emit(page, label)
        self._finish()

    def _next(self, page: _Page, path: Path, label: str) -> tuple[Path, str] | None:
        current = _page_number(path.name) or 1
        target = None
        for href, text in page.links:
            if not href or "/" in href or "\\" in href:
                continue  # only pages beside this one: never follow a path elsewhere
            number = _page_number(href)
            if number is None:
                continue
            if text.lower().startswith("next") or (not _is_previous(text) and number > current):
                target = href
                break
        if target is None:
            return None
        for name in (target, target + ".gz", target + ".zst"):
            candidate = path.parent / name
            if candidate.is_file():
                return candidate, _sibling_label(label, name)
        self.out.warn(f"{label} links to {target} as its next page, which is not there: "
                      f"{len(self.pages)} page(s) of this export were loaded")
        return None

    def _finish(self) -> None:
        first = self.pages[0]
        more = len(self.pages) - 1
        where = first + (f" (and {more} following page{'s' if more > 1 else ''})" if more
                         else "")
        if self.assumed:
            tz = getattr(self.tz, "key", None) or str(self.tz)
            self.out.warn(f"{where}: date titles carry no UTC offset; local times read as {tz} "
                          "(pass tz= the exporting machine's UTC offset if that is wrong)")

    # -- records --------------------------------------------------------------------------------
    def _emit(self, page: _Page, label: str) -> None:
        out = self.out
        self.pages.append(label)
        part = out.part(self.channel_id, name=self.name, kind=self.kind,
                        resolved=self.resolved)
        part.source_prefix = f"{label}#"
        part.keyed_by_name = not self.resolved
        if not page.complete:
            out.warn(f"{label}: the page ends early (no closing </html>): it looks truncated; "
                     "a message cut off at its end is rejected")
        records = page.records
        # day separators take the UTC offset of the next dated message (they have no time)
        next_offset: list[int | None] = [None] * len(records)
        upcoming = None
        for i in range(len(records) - 1, -1, -1):
            next_offset[i] = upcoming
            off = _offset_of(records[i].date)
            if off is not None:
                upcoming = off
        assumed = False
        for i, rec in enumerate(records):
            where = str(rec.start[0])  # the line its element starts on
            if rec.cut:
                out.reject(where, "cut off: the page ends inside this record",
                           _excerpt(page, rec))
                continue
            if "service" in rec.classes:
                assumed |= self._service(rec, where, next_offset[i], page)
                continue
            try:
                assumed |= self._message(rec, where)
            except _Bad as exc:
                out.reject(where, str(exc), _excerpt(page, rec))
        if assumed:
            self.assumed.append(label)

    def _service(self, rec: _Record, where: str, offset: int | None, page: _Page) -> bool:
        out = self.out
        # Desktop composes names as "first last", leaving a space when there is no last name
        text = _clean_name(rec.service)
        mid = _int_id(rec.id)
        if text and text.startswith(_UNSUPPORTED):
            out.reject(where, "unsupported record: Telegram Desktop could not export this "
                              "message", _excerpt(page, rec))
            return False
        date = None
        assumed = False
        day = _DAY.match(text or "") if mid is not None and mid < 0 else None
        if day is not None:
            action, actor = DAY_SEPARATOR, None
            try:
                midnight = datetime(int(day.group(3)), _MONTHS[day.group(2)],
                                    int(day.group(1)))
                if offset is not None:
                    date = (calendar.timegm(midnight.timetuple()) - offset) * _NS
                else:
                    date = int(midnight.replace(tzinfo=self.tz).timestamp()) * _NS
                    assumed = True
            except (ValueError, OverflowError):
                date = None
        else:
            action, actor = _service_action(text, self.name)
        out.add_service(where, message_id=mid, date=date, action=action, actor=actor,
                        text=text)
        return assumed

    def _message(self, rec: _Record, where: str) -> bool:
        mid = _int_id(rec.id)
        if mid is None:
            raise _Bad("no message id" if not rec.id else
                       f"element id {rec.id!r} is not 'message<number>'")
        if rec.date is None or rec.date == "":
            raise _Bad("no date (the message has no date element with a title)")
        try:
            date, assumed = _parse_date(rec.date, self.tz)
        except (ValueError, OverflowError):
            raise _Bad(f"date title {rec.date!r} is not 'dd.mm.yyyy hh:mm:ss [UTC+hh:mm]'") \
                from None
        if mid in self.seen:
            raise _Bad(f"duplicate message id {mid} within one export of {self.channel_id} "
                       "(the first is kept)")
        joined = "joined" in rec.classes
        sender = _sender(rec.sender)
        if sender is None and joined:
            sender = self.last_sender
        fwd_name = fwd_date = None
        if rec.fwd:
            fwd_name = _sender(rec.fwd_name)
            if rec.fwd_name is None:
                fwd_name = self.last_fwd  # a joined forward repeats the previous source
            when = rec.fwd_title if rec.fwd_title else _clean_name(rec.fwd_text)
            if when:
                try:
                    fwd_date, was_assumed = _parse_date(when, self.tz)
                    assumed |= was_assumed
                except (ValueError, OverflowError):
                    fwd_date = None
        media = rec.media
        if media is not None and media["kind"] == "media_call":
            self.out.add_service(where, message_id=mid, date=date, action="phone_call",
                                 actor=sender, text=_clean_name(media.get("status")))
            self.seen.add(mid)
            return assumed
        media_type, media_name, duration = _media_fields(media)
        text = _clean_text(rec.text)
        mentions, links, hashtags = _entities(rec, text)
        reply = _reply_id(rec) if rec.reply is not None else None
        if self.kind == "channel":
            author = _clean_name(rec.signature)
        else:
            author = sender
        self.seen.add(mid)
        self.last_sender = sender
        self.last_fwd = fwd_name if rec.fwd else None
        self.out.add_message(
            where, message_id=mid, date=date, text=text, author=author,
            fwd_from_name=fwd_name, fwd_from_date=fwd_date, reply_to=reply,
            media_type=media_type, media_name=media_name, media_duration=duration,
            mentions=mentions, links=links, hashtags=hashtags)
        return assumed


def _is_previous(text: str) -> bool:
    return text.lower().startswith("previous")


def _int_id(raw: str | None) -> int | None:
    if not raw:
        return None
    match = _MESSAGE_ID.match(raw.strip())
    return int(match.group(1)) if match is not None else None


def _reply_id(rec: _Record) -> int | None:
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


def read(source: Source, out: FileOutput) -> None:
    """Read one page of a Desktop HTML export, and the pages its "Next messages" links lead
    to, into ``out``. A page already read that way in this load adds nothing.

    Raises
    ------
    LoadError
        Empty, non-UTF-8 or unparseable pages (naming the position), a page without a chat
        name when no ``channel_id=`` was given, and :class:`FormatError` for pages of an
        export that hold no chat (the summary, lists of contacts or sessions).
    """
    state = _load_state(out.builder)
    if _identity(source.path) in state.consumed:
        out.advance(source.size)
        return
    _Export(out, state).read(source)
