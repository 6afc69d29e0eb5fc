"""Desktop's HTML building blocks, as ``export_output_html.cpp`` writes them.

Escaping, tags indented by depth, date titles in the exporting machine's time, file sizes,
durations, sender colours, and text whose entities become links and inline tags.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

NOT_INCLUDED_PREFIX = "(File "
_COLOR_MAP = (0, 7, 4, 1, 6, 3, 5)
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def _serialize(value: str) -> str:
    """Desktop's ``SerializeString``: HTML escapes, ``<br>`` for line breaks, ``&#xHH;`` for
    other control characters."""
    out = []
    for ch in value:
        if ch == "\n" or ch in "\u2028\u2029":
            out.append("<br>")
        elif ch == '"':
            out.append("&quot;")
        elif ch == "&":
            out.append("&amp;")
        elif ch == "'":
            out.append("&apos;")
        elif ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;")
        elif ord(ch) < 32:
            out.append(f"&#x{ord(ch):02X};")
        else:
            out.append(ch)
    return "".join(out)


class _Context:
    """Desktop's ``HtmlContext``: block tags on their own lines, indented by depth."""

    def __init__(self) -> None:
        self.tags: list[tuple[str, bool]] = []

    def indent(self) -> str:
        return " " * len(self.tags)

    def push(self, tag: str, attrs: dict | None = None, *, inline: bool = False,
             empty: bool = False) -> str:
        inner = "".join(f' {k}="{_serialize(v)}"' for k, v in sorted((attrs or {}).items()))
        block = not inline
        text = ("\n" + self.indent() if block else "") + f"<{tag}{inner}{'/' if empty else ''}>" \
            + ("\n" if block else "")
        if not empty:
            self.tags.append((tag, block))
        return text

    def pop(self) -> str:
        tag, block = self.tags.pop()
        return ("\n" + self.indent() if block else "") + f"</{tag}>" + ("\n" if block else "")

    def div(self, cls: str, style: str | None = None) -> str:
        attrs = {"class": cls}
        if style:
            attrs["style"] = style
        return self.push("div", attrs)


def _offset(text: str) -> timezone:
    sign = -1 if text.startswith("-") else 1
    hours, _, minutes = text.lstrip("+-").partition(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes or 0)))


class _Clock:
    def __init__(self, utc_offset: str, with_offset: bool) -> None:
        self.tz = _offset(utc_offset)
        self.with_offset = with_offset
        self.label = "UTC" + (utc_offset if utc_offset[0] in "+-" else "+" + utc_offset)

    def local(self, ts: int) -> datetime:
        return datetime.fromtimestamp(ts, self.tz)

    def full(self, ts: int, *, offset: bool) -> str:
        text = self.local(ts).strftime("%d.%m.%Y %H:%M:%S")
        return f"{text} {self.label}" if offset else text

    def title(self, ts: int) -> str:
        return self.full(ts, offset=self.with_offset)

    def day(self, ts: int) -> str:
        d = self.local(ts)
        return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def _file_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    for unit, scale in (("KB", 1024), ("MB", 1024 ** 2), ("GB", 1024 ** 3)):
        if size < scale * 1024 or unit == "GB":
            return f"{size / scale:.1f} {unit}"
    raise AssertionError("unreachable")


def _duration(seconds: int) -> str:
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return (f"{hours}:" if hours else "") + f"{minutes:02d}:{secs:02d}"


def _included(value) -> bool:
    return isinstance(value, str) and bool(value) and not value.startswith(NOT_INCLUDED_PREFIX)


def _color(number: int) -> int:
    return _COLOR_MAP[abs(int(number)) % 7]


def _bare(from_id) -> int:
    text = str(from_id or "0")
    digits = "".join(ch for ch in text if ch.isdigit())
    return int(digits or 0)


def _flat_text(raw) -> str:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, list):
        return "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in raw)
    return ""


def _format_text(raw, domain: str = "https://t.me/") -> str:
    """Desktop's ``FormatText``: entities as links and inline tags."""
    if isinstance(raw, str):
        return _serialize(raw)
    parts = []
    for part in raw or []:
        if isinstance(part, str):
            parts.append(_serialize(part))
            continue
        kind, text = part.get("type"), _serialize(str(part.get("text", "")))
        if kind == "mention":
            parts.append(f'<a href="{domain}{text[1:]}">{text}</a>')
        elif kind in ("hashtag", "bot_command", "cashtag"):
            fn = {"hashtag": "ShowHashtag", "bot_command": "ShowBotCommand",
                  "cashtag": "ShowCashtag"}[kind]
            # Desktop serialises the already serialised text once more inside the attribute
            arg = _serialize('"' + text[1:] + '"')
            parts.append(f'<a href="" onclick="return {fn}({arg})">{text}</a>')
        elif kind == "link":
            parts.append(f'<a href="{text}">{text}</a>')
        elif kind == "email":
            parts.append(f'<a href="mailto:{text}">{text}</a>')
        elif kind == "phone":
            parts.append(f'<a href="tel:{text}">{text}</a>')
        elif kind == "text_link":
            parts.append(f'<a href="{_serialize(str(part.get("href", "")))}">{text}</a>')
        elif kind == "mention_name":
            parts.append(f'<a href="" onclick="return ShowMentionName()">{text}</a>')
        elif kind in ("bold", "italic", "code", "pre", "underline", "strikethrough",
                      "blockquote"):
            tag = {"bold": "strong", "italic": "em", "code": "code", "pre": "pre",
                   "underline": "u", "strikethrough": "s", "blockquote": "blockquote"}[kind]
            parts.append(f"<{tag}>{text}</{tag}>")
        elif kind == "spoiler":
            parts.append('<span class="spoiler hidden" onclick="ShowSpoiler(this)">'
                         f'<span aria-hidden="true">{text}</span></span>')
        else:
            parts.append(text)
    return "".join(parts)


def _thumb_style(width, height, limit: int = 520) -> str:
    w, h = int(width or 0), int(height or 0)
    if w <= 0 or h <= 0:
        w = h = 260
    if w > limit or h > limit:
        scale = min(limit / w, limit / h)
        w, h = int(w * scale), int(h * scale)
    return f"width: {(w & ~1) // 2}px; height: {(h & ~1) // 2}px"
