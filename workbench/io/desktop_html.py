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
dependency), in :mod:`._html_page`. A page that ends early (no ``</html>``) loads with a
warning; the message cut off at its end is rejected.

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
import re
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..errors import LoadError
from ..ids import name_key, normalise_name
from ._html_page import (DAY, MONTHS, NS, SERVICE_ACTIONS, UNSUPPORTED, Page, Record,
                         chat_kind, clean_name, clean_text, excerpt, int_id, media_fields,
                         message_entities, offset_of, parse_date, parse_page, reply_id, sender_name,
                         service_action)
from .builder import FileOutput
from .records import BadRecord, time_reason
from .sources import Source

__all__ = ["NAME", "SUFFIXES", "sniff", "read", "DAY_SEPARATOR", "SERVICE_ACTIONS"]

NAME = "telegram-desktop-html"
SUFFIXES = (".html", ".htm")
#: ``service.action`` of the day separators Desktop inserts (negative ids, no record of their own
#: in a JSON export).
DAY_SEPARATOR = "day_separator"

_BOM = b"\xef\xbb\xbf"
_PAGE_FILE = re.compile(r"^messages(\d*)\.html?$", re.IGNORECASE)

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
    def _key(self, page: Page, label: str) -> None:
        self.name = page.name
        self.kind = chat_kind(page)
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
        page = parse_page(data, label)
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
                page = parse_page(following.read_bytes(), label)
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

    def _next(self, page: Page, path: Path, label: str) -> tuple[Path, str] | None:
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
    def _emit(self, page: Page, label: str) -> None:
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
            off = offset_of(records[i].date)
            if off is not None:
                upcoming = off
        assumed = False
        for i, rec in enumerate(records):
            where = str(rec.start[0])  # the line its element starts on
            if rec.cut:
                out.reject(where, "cut off: the page ends inside this record",
                           excerpt(page, rec))
                continue
            if "service" in rec.classes:
                assumed |= self._service(rec, where, next_offset[i], page)
                continue
            try:
                assumed |= self._message(rec, where)
            except BadRecord as exc:
                out.reject(where, str(exc), excerpt(page, rec))
        if assumed:
            self.assumed.append(label)

    def _service(self, rec: Record, where: str, offset: int | None, page: Page) -> bool:
        out = self.out
        # Desktop composes names as "first last", leaving a space when there is no last name
        text = clean_name(rec.service)
        mid = int_id(rec.id)
        if text and text.startswith(UNSUPPORTED):
            out.reject(where, "unsupported record: Telegram Desktop could not export this "
                              "message", excerpt(page, rec))
            return False
        date = None
        assumed = False
        day = DAY.match(text or "") if mid is not None and mid < 0 else None
        if day is not None:
            action, actor = DAY_SEPARATOR, None
            try:
                midnight = datetime(int(day.group(3)), MONTHS[day.group(2)],
                                    int(day.group(1)))
                if offset is not None:
                    date = (calendar.timegm(midnight.timetuple()) - offset) * NS
                else:
                    date = int(midnight.replace(tzinfo=self.tz).timestamp()) * NS
                    assumed = True
            except (ValueError, OverflowError):
                date = None
        else:
            action, actor = service_action(text, self.name)
        out.add_service(where, message_id=mid, date=date, action=action, actor=actor,
                        text=text)
        return assumed

    def _message(self, rec: Record, where: str) -> bool:
        mid = int_id(rec.id)
        if mid is None:
            raise BadRecord("no message id" if not rec.id else
                       f"element id {rec.id!r} is not 'message<number>'")
        if rec.date is None or rec.date == "":
            raise BadRecord("no date (the message has no date element with a title)")
        try:
            date, assumed = parse_date(rec.date, self.tz)
        except (ValueError, OverflowError) as exc:
            raise BadRecord(time_reason("date title", rec.date, exc,
                                        "'dd.mm.yyyy hh:mm:ss [UTC+hh:mm]'")) from None
        if mid in self.seen:
            raise BadRecord(f"duplicate message id {mid} within one export of {self.channel_id} "
                       "(the first is kept)")
        joined = "joined" in rec.classes
        sender = sender_name(rec.sender)
        if sender is None and joined:
            sender = self.last_sender
        fwd_name = fwd_date = None
        if rec.fwd:
            fwd_name = sender_name(rec.fwd_name)
            if rec.fwd_name is None:
                fwd_name = self.last_fwd  # a joined forward repeats the previous source
            when = rec.fwd_title if rec.fwd_title else clean_name(rec.fwd_text)
            if when:
                try:
                    fwd_date, was_assumed = parse_date(when, self.tz)
                    assumed |= was_assumed
                except (ValueError, OverflowError):
                    fwd_date = None
        media = rec.media
        if media is not None and media["kind"] == "media_call":
            self.out.add_service(where, message_id=mid, date=date, action="phone_call",
                                 actor=sender, text=clean_name(media.get("status")))
            self.seen.add(mid)
            return assumed
        media_type, media_name, duration = media_fields(media)
        text = clean_text(rec.text)
        mentions, links, hashtags = message_entities(
            rec, text, self.out.builder.mention_names)
        reply = reply_id(rec) if rec.reply is not None else None
        if self.kind == "channel":
            author = clean_name(rec.signature)
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
