"""The synthetic world as Telegram Desktop HTML exports.

One folder per channel (``<handle>/messages.html``, ``messages2.html``, ...) laid out as
Desktop's HTML writer (``export_output_html.cpp``) lays out a single-chat export: 1000 records
per page linked by "Previous messages" / "Next messages", a day separator (negative id) before
the first message of each day and of each page, ``joined`` messages without a sender block
when the same sender posts again within 15 minutes, date titles in the exporting machine's
local time (``UTC+03:00`` in the world), forwards with the source's name and original date,
replies linking ``#go_to_message<id>``, media blocks, and service sentences.

What the world does not record is not invented: a forward's original date is the source
post's date when the source channel is exported (found by its text), else the forward's own;
file sizes are written only where the Desktop JSON record has one.

Examples
--------
>>> import tempfile
>>> from workbench.synth import generate_world
>>> world = generate_world(1, n_channels=15, messages_scale=0.05)
>>> paths = write_desktop_html(world, tempfile.mkdtemp(), page_size=30)
>>> sorted({p.name for p in paths})[:3]
['messages.html', 'messages2.html', 'messages3.html']
"""

from __future__ import annotations

import bisect
from pathlib import Path

from ..errors import ParameterError
from ._html_markup import (_bare, _Clock, _color, _Context, _duration, _file_size, _flat_text,
                           _format_text, _included, _serialize, _thumb_style)

__all__ = ["write_desktop_html", "page_html"]

_NO_FILE = "Not included, change data exporting settings to download."
_JOIN_WITHIN = 900


class _Page:
    """One ``messagesN.html`` being written."""

    def __init__(self, name: str, index: int) -> None:
        self.ctx = _Context()
        self.index = index
        self.parts: list[str] = []
        ctx = self.ctx
        head = "<!DOCTYPE html>" + ctx.push("html") + ctx.push("head")
        head += ctx.push("meta", {"charset": "utf-8"}, empty=True)
        head += ctx.push("title", inline=True) + "Exported Data" + ctx.pop()
        head += ctx.push("meta", {"name": "viewport",
                                  "content": "width=device-width, initial-scale=1.0"},
                         empty=True)
        head += ctx.push("link", {"href": "css/style.css", "rel": "stylesheet"}, empty=True)
        head += ctx.push("script", {"src": "js/script.js", "type": "text/javascript"})
        head += ctx.pop() + ctx.pop()
        head += ctx.push("body", {"onload": "CheckLocation();"}) + ctx.div("page_wrap")
        head += ctx.div("page_header") + ctx.div("content") + ctx.div("text bold")
        head += _serialize(name + " ") + ctx.pop() + ctx.pop() + ctx.pop()
        head += ctx.div("page_body chat_page") + ctx.div("history")
        if index > 0:
            head += ctx.push("a", {"class": "pagination block_link",
                                   "href": _page_name(index - 1)})
            head += "Previous messages" + ctx.pop()
        self.parts.append(head)

    def close(self, next_index: int | None) -> str:
        ctx = self.ctx
        if next_index is not None:
            self.parts.append(ctx.push("a", {"class": "pagination block_link",
                                             "href": _page_name(next_index)})
                              + "Next messages" + ctx.pop())
        while ctx.tags:
            self.parts.append(ctx.pop())
        return "".join(self.parts)


def _page_name(index: int) -> str:
    return "messages" + (str(index + 1) if index > 0 else "") + ".html"


class _ExportWriter:
    """Writes one channel's export (a Desktop JSON export dict) as HTML pages."""

    def __init__(self, export: dict, clock: _Clock, originals: dict, page_size: int) -> None:
        self.export = export
        self.clock = clock
        self.originals = originals
        self.page_size = page_size
        self.is_channel = export.get("type") in ("public_channel", "private_channel")
        self.name = str(export.get("name") or "Deleted Account")
        self.pages: list[str] = []
        self.last_ids: list[int] = []  # the last record id of each finished page

    def render(self) -> list[str]:
        page = _Page(self.name, 0)
        count = 0
        previous = None
        date_id = 0
        last_id = None
        for rec in self.export.get("messages", []):
            index = count // self.page_size
            if index != page.index:
                self.pages.append(page.close(index))
                self.last_ids.append(last_id)
                page = _Page(self.name, index)
                previous = None
            ts = int(rec["date_unixtime"])
            if previous is None or self.clock.local(previous["ts"]).date() != \
                    self.clock.local(ts).date():
                date_id -= 1
                page.parts.append(self._service(page.ctx, date_id, _serialize(
                    self.clock.day(ts))))
            if rec.get("type") == "service":
                page.parts.append(self._service(page.ctx, rec["id"], self._service_text(rec),
                                                photo=rec.get("photo")))
                info = {"ts": ts, "default": False}
            else:
                block, info = self._message(page.ctx, rec, previous, ts)
                page.parts.append(block)
            previous = info
            last_id = rec["id"]
            count += 1
        self.pages.append(page.close(None))
        return self.pages

    # -- records ------------------------------------------------------------------------------
    def _link(self, message_id: int, text: str) -> str:
        for index, last in enumerate(self.last_ids):
            if last is not None and message_id <= last:
                return (f'<a href="{_page_name(index)}#go_to_message{message_id}">'
                        f"{text}</a>")
        return (f'<a href="#go_to_message{message_id}" onclick="return GoToMessage('
                f'{message_id})">{text}</a>')

    def _service(self, ctx: _Context, message_id: int, text: str, photo=None) -> str:
        out = ctx.push("div", {"class": "message service", "id": f"message{message_id}"})
        out += ctx.div("body details") + text + ctx.pop()
        if photo is not None:
            out += ctx.div("userpic_wrap")
            if _included(photo):
                out += ctx.push("a", {"class": "userpic_link", "href": photo})
                out += ctx.push("img", {"class": "userpic", "src": photo + "_thumb.jpg",
                                        "style": "width: 60px; height: 60px"}, empty=True)
                out += ctx.pop()
            else:
                out += ctx.div(f"userpic userpic{_color(self.export.get('id', 0)) + 1}",
                               "width: 60px; height: 60px")
                out += ctx.div("initials", "line-height: 60px") + _serialize(self.name[:1])
                out += ctx.pop() + ctx.pop()
            out += ctx.pop()
        return out + ctx.pop()

    def _service_text(self, rec: dict) -> str:
        action = rec.get("action")
        actor = _serialize(str(rec.get("actor") or "Deleted"))
        title = _serialize(str(rec.get("title") or ""))
        channel = self.is_channel
        if action == "create_channel":
            return f"Channel &laquo;{title}&raquo; created"
        if action == "create_group":
            return f"{actor} created group &laquo;{title}&raquo;"
        if action == "edit_group_title":
            return (f"Channel title changed to &laquo;{title}&raquo;" if channel
                    else f"{actor} changed group title to &laquo;{title}&raquo;")
        if action == "edit_group_photo":
            return "Channel photo changed" if channel else f"{actor} changed group photo"
        if action == "delete_group_photo":
            return "Channel photo removed" if channel else f"{actor} removed group photo"
        if action == "pin_message":
            return f"{actor} pinned " + self._link(int(rec.get("message_id", 0)),
                                                   "this message")
        if action == "clear_history":
            return "History cleared"
        text = _flat_text(rec.get("text"))
        return _serialize(text) if text else f"{actor} {_serialize(str(action))}"

    def _needs_wrap(self, info: dict, previous: dict | None) -> bool:
        if previous is None or not previous["default"]:
            return True
        if not info["from"] or info["from"] != previous["from"]:
            return True
        if info["via"] != previous["via"]:
            return True
        if self.clock.local(info["ts"]).date() != self.clock.local(previous["ts"]).date():
            return True
        if info["fwd"] != previous["fwd"]:
            return True
        within = 1 if info["fwd"] is not None else _JOIN_WITHIN
        return abs(info["ts"] - previous["ts"]) > within

    def _message(self, ctx: _Context, rec: dict, previous: dict | None, ts: int):
        clock = self.clock
        fwd = rec.get("forwarded_from")
        via = rec.get("via_bot")
        via = str(via).lstrip("@") if via else None
        info = {"ts": ts, "default": True, "from": rec.get("from_id"), "via": via,
                "fwd": fwd if "forwarded_from" in rec else None}
        wrap = self._needs_wrap(info, previous)
        sender = str(rec.get("from") or "Deleted Account")
        out = ctx.push("div", {"class": "message default clearfix" + ("" if wrap else " joined"),
                               "id": f"message{rec['id']}"})
        if wrap:
            out += ctx.div("pull_left userpic_wrap") + self._userpic(ctx, sender,
                                                                    rec.get("from_id"))
            out += ctx.pop()
        out += ctx.div("body")
        out += ctx.push("div", {"class": "pull_right date details", "title": clock.title(ts)})
        out += clock.local(ts).strftime("%H:%M") + ctx.pop()
        if wrap:
            out += ctx.div("from_name") + _serialize(sender + " ")
            if via and not info["fwd"]:
                out += " via @" + _serialize(via)
            out += ctx.pop()
        if info["fwd"] is not None:
            source = str(fwd or "Deleted Account")
            out += ctx.div("pull_left forwarded userpic_wrap")
            out += self._userpic(ctx, source, rec["id"]) + ctx.pop()
            out += ctx.div("forwarded body") + ctx.div("from_name") + _serialize(source + " ")
            if via:
                out += " via @" + _serialize(via)
            original = self.originals.get((self.export.get("id"), rec["id"]), ts)
            if clock.with_offset:
                out += ctx.push("span", {"class": "date details",
                                         "title": clock.full(original, offset=True)},
                                inline=True)
            else:
                out += ctx.push("span", {"class": "details"}, inline=True)
            out += " " + clock.full(original, offset=False) + ctx.pop() + ctx.pop()
        reply = rec.get("reply_to_message_id")
        if reply is not None:
            out += ctx.div("reply_to details")
            if rec.get("reply_to_peer_id") is not None:
                out += "In reply to a message in another chat"
            else:
                out += "In reply to " + self._link(int(reply), "this message")
            out += ctx.pop()
        out += self._media(ctx, rec)
        text = _format_text(rec.get("text", ""))
        if text:
            out += ctx.div("text") + text + ctx.pop()
        if rec.get("author"):
            out += ctx.div("signature details") + _serialize(str(rec["author"])) + ctx.pop()
        if info["fwd"] is not None:
            out += ctx.pop()
        out += ctx.pop() + ctx.pop()
        return out, info

    def _userpic(self, ctx: _Context, name: str, number) -> str:
        color = _color(_bare(number)) + 1
        out = ctx.div(f"userpic userpic{color}", "width: 42px; height: 42px")
        words = [w for w in name.split(" ") if w]
        initials = (words[0][:1] if words else "") + (words[1][:1] if len(words) > 1 else "")
        out += ctx.div("initials", "line-height: 42px") + _serialize(initials)
        return out + ctx.pop() + ctx.pop()

    def _generic(self, ctx: _Context, classes: str, title: str, status: str,
                 link: str | None, description: str = "") -> str:
        out = ctx.div("media_wrap clearfix")
        if link:
            out += ctx.push("a", {"class": f"media clearfix pull_left block_link {classes}",
                                  "href": link})
        else:
            out += ctx.div(f"media clearfix pull_left {classes}")
        out += ctx.div("fill pull_left") + ctx.pop()
        out += ctx.div("body")
        if title:
            out += ctx.div("title bold") + _serialize(title) + ctx.pop()
        if description:
            out += ctx.div("description") + _serialize(description) + ctx.pop()
        if status:
            out += ctx.div("status details") + _serialize(status) + ctx.pop()
        return out + ctx.pop() + ctx.pop() + ctx.pop()

    def _media(self, ctx: _Context, rec: dict) -> str:
        if "photo" in rec:
            photo = rec["photo"]
            if _included(photo):
                out = ctx.div("media_wrap clearfix")
                out += ctx.push("a", {"class": "photo_wrap clearfix pull_left", "href": photo})
                out += ctx.push("img", {"class": "photo", "src": photo + "_thumb.jpg",
                                        "style": _thumb_style(rec.get("width"),
                                                              rec.get("height"))},
                                empty=True)
                return out + ctx.pop() + ctx.pop()
            status = f"{rec.get('width', 0)}×{rec.get('height', 0)}"
            if isinstance(rec.get("photo_file_size"), int):
                status += ", " + _file_size(rec["photo_file_size"])
            return self._generic(ctx, "media_photo", "Photo", status, None, _NO_FILE)
        if "file" in rec:
            return self._document(ctx, rec)
        if "poll" in rec and isinstance(rec["poll"], dict):
            poll = rec["poll"]
            out = ctx.div("media_wrap clearfix") + ctx.div("media_poll")
            out += ctx.div("question bold") + _serialize(str(poll.get("question", "")))
            out += ctx.pop() + ctx.div("details")
            out += ("Final results" if poll.get("closed") else "Anonymous poll") + ctx.pop()
            for answer in poll.get("answers", []):
                out += ctx.div("answer") + "- " + _serialize(str(answer.get("text", "")))
                out += ctx.pop()
            out += ctx.div("total details\t") + "No votes" + ctx.pop()
            return out + ctx.pop() + ctx.pop()
        return ""

    def _document(self, ctx: _Context, rec: dict) -> str:
        path = rec.get("file")
        included = _included(path)
        kind = rec.get("media_type")
        size = rec.get("file_size") if isinstance(rec.get("file_size"), int) else None
        link = path if included else None
        description = "" if included else _NO_FILE
        duration = _duration(rec.get("duration_seconds") or 0)

        def with_size(status: str) -> str:
            if included or size is None:
                return status
            return f"{status}, {_file_size(size)}" if status else _file_size(size)

        if kind == "video_file" and included and _included(rec.get("thumbnail")):
            out = ctx.div("media_wrap clearfix")
            out += ctx.push("a", {"class": "video_file_wrap clearfix pull_left", "href": path})
            out += ctx.div("video_play_bg") + ctx.div("video_play") + ctx.pop() + ctx.pop()
            out += ctx.div("video_duration") + duration + ctx.pop()
            out += ctx.push("img", {"class": "video_file", "src": rec["thumbnail"],
                                    "style": _thumb_style(rec.get("width"), rec.get("height"))},
                            empty=True)
            return out + ctx.pop() + ctx.pop()
        if kind == "video_file":
            return self._generic(ctx, "media_video", "Video file", with_size(duration), link,
                                 description)
        if kind == "video_message":
            return self._generic(ctx, "media_video", "Video message", with_size(duration),
                                 link, description)
        if kind == "voice_message":
            return self._generic(ctx, "media_voice_message", "Voice message",
                                 with_size(duration), link, description)
        if kind == "audio_file":
            performer, title = rec.get("performer"), rec.get("title")
            name = f"{performer} \u2013 {title}" if performer and title else "Audio file"
            return self._generic(ctx, "media_audio_file", name, with_size(duration), link,
                                 description)
        if kind == "animation":
            return self._generic(ctx, "media_video", "Animation", with_size(""), link,
                                 description)
        if kind == "sticker":
            status = str(rec.get("sticker_emoji") or "")
            return self._generic(ctx, "media_photo", "Sticker", with_size(status), link,
                                 description)
        name = rec.get("file_name") or (path.rsplit("/", 1)[-1] if included else "File")
        return self._generic(ctx, "media_file", str(name), with_size(""), link, description)


def _originals(exports: dict) -> dict:
    """(channel id, forward id) -> the date of the post it forwards, where the source channel
    is exported: its latest message with the same text at or before the forward."""
    by_name: dict[str, dict[str, list[int]]] = {}
    for export in exports.values():
        texts: dict[str, list[int]] = {}
        for rec in export.get("messages", []):
            if rec.get("type") == "message" and "forwarded_from" not in rec:
                texts.setdefault(_flat_text(rec.get("text")), []).append(
                    int(rec["date_unixtime"]))
        for dates in texts.values():
            dates.sort()
        by_name[str(export.get("name"))] = texts
    found = {}
    for export in exports.values():
        for rec in export.get("messages", []):
            if "forwarded_from" not in rec:
                continue
            dates = by_name.get(str(rec.get("forwarded_from")), {}).get(
                _flat_text(rec.get("text")))
            if not dates:
                continue
            ts = int(rec["date_unixtime"])
            i = bisect.bisect_right(dates, ts)
            if i:
                found[(export.get("id"), rec["id"])] = dates[i - 1]
    return found


def page_html(export: dict, *, page_size: int = 1000, utc_offset: str = "+03:00",
              with_offset: bool = True) -> list[str]:
    """The HTML pages of one Desktop JSON export dict (``{"name", "type", "id",
    "messages"}``), in order.

    Examples
    --------
    >>> pages = page_html({"name": "Demo", "type": "public_channel", "id": 5, "messages": [
    ...     {"id": 1, "type": "message", "date_unixtime": "1475323200", "from": "Demo",
    ...      "from_id": "channel5", "text": "hello"}]})
    >>> 'title="01.10.2016 15:00:00 UTC+03:00"' in pages[0], "hello" in pages[0]
    (True, True)
    """
    if page_size < 1:
        raise ParameterError(f"page_size={page_size!r}: expected a positive number of records")
    clock = _Clock(utc_offset, with_offset)
    return _ExportWriter(export, clock, _originals({0: export}), page_size).render()


def write_desktop_html(world, out_dir: str | Path, *, page_size: int = 1000,
                       utc_offset: str | None = None, with_offset: bool = True) -> list[Path]:
    """Write every channel of ``world`` as a Telegram Desktop HTML export:
    ``<out_dir>/<handle>/messages.html``, ``messages2.html``, ...

    Parameters
    ----------
    world : World
        From :func:`workbench.synth.generate_world`.
    out_dir : str or Path
    page_size : int, default 1000
        Records per page (Desktop writes 1000).
    utc_offset : str, optional
        The exporting machine's offset; the world's (``"+03:00"``) by default.
    with_offset : bool, default True
        Date titles with ``UTC+hh:mm`` as newer Desktop versions write them; False writes
        them without, as older versions did (a load must then be told ``tz=``).

    Returns
    -------
    list of Path
        The pages written, channel by channel, in page order.

    Examples
    --------
    >>> import tempfile, warnings, workbench as wb
    >>> from workbench.synth import generate_world
    >>> world = generate_world(2, n_channels=15, messages_scale=0.05)
    >>> out = tempfile.mkdtemp()
    >>> pages = write_desktop_html(world, out, page_size=20)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # chats known by name only: said in a warning
    ...     corpus = wb.load(out)
    >>> len(corpus.messages) == sum(
    ...     r["type"] == "message" for e in world.exports.values() for r in e["messages"])
    True
    """
    if page_size < 1:
        raise ParameterError(f"page_size={page_size!r}: expected a positive number of records")
    offset = utc_offset or world.truth.get("export_utc_offset", "+00:00")
    clock = _Clock(offset, with_offset)
    originals = _originals(world.exports)
    out = Path(out_dir)
    written = []
    for handle, export in world.exports.items():
        folder = out / handle
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("messages*.html"):
            stale.unlink()
        pages = _ExportWriter(export, clock, originals, page_size).render()
        for index, html in enumerate(pages):
            path = folder / _page_name(index)
            path.write_bytes(html.encode("utf-8"))
            written.append(path)
    return written
