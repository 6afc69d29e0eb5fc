"""Rendering the simulation's records as Telegram Desktop JSON records (``World.exports``)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from ._clock import _file_stamp, _local

if TYPE_CHECKING:
    from ._channels import _Channel
    from ._messages import _Msg

NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"


def _segments_to_text(body: list, footer: int | None, channels: list[_Channel]):
    """Desktop's ``text`` (string, or list of strings and entities) and ``text_entities``."""
    parts: list = []

    def plain(s: str) -> None:
        if parts and isinstance(parts[-1], str):
            parts[-1] += s
        elif s:
            parts.append(s)

    segments = list(body)
    if footer is not None:
        segments += [("plain", "\n\nJoin: " if segments else "Join: "),
                     ("link", "https://t.me/{h}", footer)]
    for seg in segments:
        kind = seg[0]
        if kind == "plain":
            plain(seg[1])
        elif kind in ("bold", "hashtag"):
            parts.append({"type": kind, "text": seg[1]})
        elif kind == "url":
            parts.append({"type": "link", "text": seg[1]})
        elif kind == "mention":
            parts.append({"type": "mention", "text": "@" + channels[seg[1]].handle})
        elif kind == "link":
            parts.append({"type": "link", "text": seg[1].format(h=channels[seg[2]].handle)})
        elif kind == "text_link":
            href = seg[2] if seg[3] is None else seg[2].format(h=channels[seg[3]].handle)
            parts.append({"type": "text_link", "text": seg[1], "href": href})
        elif kind == "postlink":
            target = seg[1]
            parts.append({"type": "link",
                          "text": f"https://t.me/{channels[target.channel].handle}/{target.id}"})
    if all(isinstance(p, str) for p in parts):
        text = "".join(parts)
        return text, ([{"type": "plain", "text": text}] if text else [])
    return parts, [{"type": "plain", "text": p} if isinstance(p, str) else dict(p) for p in parts]


class _Renderer:
    """Turns a channel's records into Desktop message dicts (keys in Desktop's order)."""

    def __init__(self, channels: list[_Channel]) -> None:
        self.channels = channels

    def export(self, ch: _Channel) -> dict:
        self.counters = Counter()
        return {"name": ch.name, "type": "public_channel", "id": ch.id,
                "messages": [self.record(ch, m) for m in ch.messages]}

    def record(self, ch: _Channel, msg: _Msg) -> dict:
        out = {"id": msg.id, "type": "service" if msg.kind == "service" else "message",
               "date": _local(msg.time), "date_unixtime": str(msg.time)}
        if msg.kind == "service":
            out.update({"actor": ch.name, "actor_id": f"channel{ch.id}", "action": msg.action})
            extra = msg.extra
            if "title" in extra:
                out["title"] = extra["title"]
            if "message" in extra:
                out["message_id"] = extra["message"].id
            if "photo" in extra:
                self.counters["photo"] += 1
                out["photo"] = (f"photos/photo_{self.counters['photo']}@{_file_stamp(msg.time)}.jpg"
                                if ch.media_included else NOT_INCLUDED)
                out["width"], out["height"] = extra["width"], extra["height"]
            out["text"], out["text_entities"] = "", []
            return out
        if msg.edited is not None:
            out["edited"], out["edited_unixtime"] = _local(msg.edited), str(msg.edited)
        out["from"], out["from_id"] = ch.name, f"channel{ch.id}"
        if msg.kind == "forward":
            out["forwarded_from"] = self.channels[msg.source].name
        if msg.reply_to is not None:
            out["reply_to_message_id"] = msg.reply_to.id
        if msg.media:
            out.update(self.media(ch, msg))
        out["text"], out["text_entities"] = _segments_to_text(msg.body, msg.footer, self.channels)
        return out

    def media(self, ch: _Channel, msg: _Msg) -> dict:
        m = msg.media
        kind = m["kind"]
        self.counters[kind] += 1
        n, stamp = self.counters[kind], _file_stamp(msg.time)
        if kind == "photo":
            return {"photo": f"photos/photo_{n}@{stamp}.jpg" if ch.media_included else NOT_INCLUDED,
                    "width": m["width"], "height": m["height"]}
        if kind == "video":
            name = m.get("file") or f"video_files/video_{n}@{stamp}.mp4"
            return {"file": name if ch.media_included else NOT_INCLUDED,
                    "thumbnail": f"{name}_thumb.jpg" if ch.media_included else NOT_INCLUDED,
                    "media_type": "video_file", "mime_type": "video/mp4",
                    "duration_seconds": m["duration"], "width": m["width"], "height": m["height"]}
        if kind == "audio":
            return {"file": m["file"] if ch.media_included else NOT_INCLUDED,
                    "media_type": "audio_file", "mime_type": "audio/mpeg",
                    "duration_seconds": m["duration"]}
        return {"file": (f"voice_messages/audio_{n}@{stamp}.ogg" if ch.media_included
                         else NOT_INCLUDED),
                "media_type": "voice_message", "mime_type": "audio/ogg",
                "duration_seconds": m["duration"]}
