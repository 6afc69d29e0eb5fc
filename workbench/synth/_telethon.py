"""The synthetic world as Telethon ``Message.to_dict()`` dumps: one JSON Lines file per channel.

The world is rendered as Telegram Desktop exports (:attr:`World.exports`); this module turns
each Desktop record back into the Telethon object Telegram's API would have given for it, with
what Desktop does not show filled in deterministically (views, forward counts, file sizes,
access hashes). What the formats share is taken from the Desktop record:

* text and entities: Desktop's text parts become ``message`` plus ``MessageEntity*`` objects
  with offsets in UTF-16 code units (an emoji before an entity shifts it by two);
* a forward from a channel of the world gets ``fwd_from.from_id`` (its id), ``channel_post``
  and the original ``date`` when the world knows the forwarded post (its crosspost truth),
  else its own date; a forward from a channel outside the export gets only ``from_name``, as
  a hidden sender would (the Desktop load cannot resolve it either);
* media: photos, documents with ``DocumentAttributeVideo``/``Audio`` (duration) and a file name
  where Desktop shows one; a ``MessageMediaWebPage`` for the first link of some posts;
* service records: ``MessageService`` with the ``MessageAction*`` of Desktop's action.

``shape="legacy"`` writes the pre-2020 layer (``to_id``, top-level ``reply_to_msg_id``,
``fwd_from.channel_id``, no ``forwards``/``replies``). :func:`telethon_records` is shared by the
telegram-tracker and 4CAT writers.

Examples
--------
>>> import tempfile
>>> from workbench.synth import generate_world
>>> paths = write_telethon(generate_world(1, n_channels=15, messages_scale=0.05),
...                        tempfile.mkdtemp())
>>> len(paths), paths[0].suffix
(15, '.jsonl')
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timezone
from pathlib import Path

__all__ = ["write_telethon", "telethon_records", "WorldIndex"]

_ENTITY = {
    "mention": "MessageEntityMention", "link": "MessageEntityUrl",
    "text_link": "MessageEntityTextUrl", "hashtag": "MessageEntityHashtag",
    "bold": "MessageEntityBold", "italic": "MessageEntityItalic",
    "code": "MessageEntityCode", "pre": "MessageEntityPre", "email": "MessageEntityEmail",
    "phone": "MessageEntityPhone", "bot_command": "MessageEntityBotCommand",
    "cashtag": "MessageEntityCashtag", "underline": "MessageEntityUnderline",
    "strikethrough": "MessageEntityStrike", "spoiler": "MessageEntitySpoiler",
    "mention_name": "MessageEntityMentionName", "blockquote": "MessageEntityBlockquote",
}
_ACTION = {
    "create_channel": "MessageActionChannelCreate",
    "edit_group_title": "MessageActionChatEditTitle",
    "edit_group_photo": "MessageActionChatEditPhoto",
    "delete_group_photo": "MessageActionChatDeletePhoto",
    "pin_message": "MessageActionPinMessage",
}
_NOT_INCLUDED = "(File "


def _utc(ts: int | str) -> datetime:
    return datetime.fromtimestamp(int(ts), timezone.utc)


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class WorldIndex:
    """Lookups across a world's Desktop exports: channel ids by name, handles by id, dates
    and forward origins by (channel id, message id)."""

    def __init__(self, world):
        self.world = world
        self.id_by_name = {e["name"]: e["id"] for e in world.exports.values()}
        self.handle_by_id = {e["id"]: h for h, e in world.exports.items()}
        self.export_by_id = {e["id"]: e for e in world.exports.values()}
        self.date = {}
        for e in world.exports.values():
            for m in e["messages"]:
                self.date[(e["id"], m["id"])] = int(m["date_unixtime"])
        self.origin = {}
        for cluster in world.truth.get("crosspost_clusters", ()):
            if cluster.get("via") != "forward":
                continue
            src = tuple(cluster["origin"])
            for member in cluster["members"]:
                if tuple(member) != src:
                    self.origin[(member[0], member[1])] = src

    def forward(self, cid: int, mid: int, name: str, own_ts: int):
        """(source id or None, channel_post or None, original unix time)."""
        source = self.id_by_name.get(name)
        if source is None:
            return None, None, own_ts
        origin = self.origin.get((f"telegram:{cid}", mid))
        if origin is not None and origin[0] == f"telegram:{source}":
            post = origin[1]
            return source, post, self.date.get((source, post), own_ts)
        return source, None, own_ts


def _text_and_entities(record: dict) -> tuple[str, list]:
    raw = record.get("text", "")
    if isinstance(raw, str):
        return raw, []
    parts, entities, at = [], [], 0
    for piece in raw:
        if isinstance(piece, str):
            parts.append(piece)
            at += _units(piece)
            continue
        text = piece.get("text", "")
        kind = _ENTITY.get(piece.get("type"), "MessageEntityUnknown")
        entity = {"_": kind, "offset": at, "length": _units(text)}
        if kind == "MessageEntityTextUrl":
            entity["url"] = piece.get("href", "")
        elif kind == "MessageEntityPre":
            entity["language"] = ""
        elif kind == "MessageEntityMentionName":
            entity["user_id"] = piece.get("user_id", 0)
        parts.append(text)
        at += _units(text)
        if entity["length"]:
            entities.append(entity)
    return "".join(parts), entities


def _file_reference(rng: random.Random) -> bytes:
    return bytes(rng.randrange(256) for _ in range(8))


def _media(record: dict, rng: random.Random, ts: int) -> dict | None:
    if "photo" in record:
        side = record.get("width", 1280)
        return {"_": "MessageMediaPhoto", "spoiler": False, "photo": {
            "_": "Photo", "id": rng.randrange(1 << 62), "access_hash": rng.randrange(1 << 62),
            "file_reference": _file_reference(rng), "date": _utc(ts),
            "sizes": [{"_": "PhotoStrippedSize", "type": "i", "bytes": _file_reference(rng)},
                      {"_": "PhotoSize", "type": "m", "w": 320, "h": 320,
                       "size": rng.randrange(8_000, 30_000)},
                      {"_": "PhotoSizeProgressive", "type": "y", "w": side, "h": side,
                       "sizes": sorted(rng.randrange(10_000, 300_000) for _ in range(4))}],
            "dc_id": 4, "has_stickers": False, "video_sizes": []}, "ttl_seconds": None}
    if "file" not in record:
        return None
    kind = record.get("media_type")
    name = record["file"]
    name = None if name.startswith(_NOT_INCLUDED) else name.rsplit("/", 1)[-1]
    duration = record.get("duration_seconds")
    if kind == "video_file":
        attrs = [{"_": "DocumentAttributeVideo", "duration": duration,
                  "w": record.get("width", 640), "h": record.get("height", 360),
                  "round_message": False, "supports_streaming": True, "nosound": False,
                  "preload_prefix_size": None}]
    elif kind in ("audio_file", "voice_message"):
        voice = kind == "voice_message"
        attrs = [{"_": "DocumentAttributeAudio", "duration": duration, "voice": voice,
                  "title": None, "performer": None,
                  "waveform": _file_reference(rng) if voice else None}]
    else:
        attrs = []
    if name is not None:
        attrs.append({"_": "DocumentAttributeFilename", "file_name": name})
    return {"_": "MessageMediaDocument", "nopremium": False, "spoiler": False, "document": {
        "_": "Document", "id": rng.randrange(1 << 62), "access_hash": rng.randrange(1 << 62),
        "file_reference": _file_reference(rng), "date": _utc(ts),
        "mime_type": record.get("mime_type", "application/octet-stream"),
        "size": rng.randrange(50_000, 50_000_000), "dc_id": 4, "attributes": attrs,
        "thumbs": [], "video_thumbs": []}, "ttl_seconds": None}


def _service(export: dict, record: dict, shape: str) -> dict:
    cid, ts = export["id"], int(record["date_unixtime"])
    action_name = record.get("action")
    kind = _ACTION.get(action_name, "MessageActionCustomAction")
    action: dict = {"_": kind}
    if kind in ("MessageActionChannelCreate", "MessageActionChatEditTitle"):
        action["title"] = record.get("title", export["name"])
    elif kind == "MessageActionChatEditPhoto":
        action["photo"] = {"_": "Photo", "id": 1, "access_hash": 1, "file_reference": b"",
                           "date": _utc(ts), "sizes": [], "dc_id": 4, "has_stickers": False,
                           "video_sizes": []}
    elif kind == "MessageActionCustomAction":
        action["message"] = action_name or ""
    peer = {"_": "PeerChannel", "channel_id": cid}
    out = {"_": "MessageService", "id": record["id"]}
    out["peer_id" if shape == "current" else "to_id"] = peer
    out.update({"date": _utc(ts), "action": action, "out": False, "mentioned": False,
                "media_unread": False, "silent": False, "post": True, "legacy": False,
                "from_id": None})
    target = record.get("message_id")
    if shape == "current":
        out["reply_to"] = ({"_": "MessageReplyHeader", "reply_to_msg_id": target,
                            "reply_to_scheduled": False, "forum_topic": False,
                            "reply_to_peer_id": None, "reply_to_top_id": None}
                           if target is not None else None)
        out["ttl_period"] = None
    else:
        out["reply_to_msg_id"] = target
    return out


def _message(index: WorldIndex, export: dict, record: dict, shape: str,
             rng: random.Random) -> dict:
    cid, mid, ts = export["id"], record["id"], int(record["date_unixtime"])
    text, entities = _text_and_entities(record)
    media = _media(record, rng, ts)
    if media is None and entities and rng.random() < 0.5:
        first = next((e for e in entities if e["_"] == "MessageEntityUrl"), None)
        if first is not None:
            url = text.encode("utf-16-le")[2 * first["offset"]:
                                           2 * (first["offset"] + first["length"])]
            url = url.decode("utf-16-le")
            media = {"_": "MessageMediaWebPage", "webpage": {
                "_": "WebPage", "id": rng.randrange(1 << 62), "url": url, "display_url":
                url.split("://", 1)[-1], "hash": 0, "type": "article", "site_name": "Telegram",
                "title": None, "description": None, "photo": None}}
    fwd = None
    if "forwarded_from" in record:
        source, post, fwd_ts = index.forward(cid, mid, record["forwarded_from"], ts)
        if shape == "current":
            fwd = {"_": "MessageFwdHeader", "date": _utc(fwd_ts), "imported": False,
                   "from_id": ({"_": "PeerChannel", "channel_id": source}
                               if source is not None else None),
                   "from_name": None if source is not None else record["forwarded_from"],
                   "channel_post": post, "post_author": None, "saved_from_peer": None,
                   "saved_from_msg_id": None, "psa_type": None}
        else:
            fwd = {"_": "MessageFwdHeader", "date": _utc(fwd_ts), "from_id": None,
                   "from_name": None if source is not None else record["forwarded_from"],
                   "channel_id": source, "channel_post": post, "post_author": None,
                   "saved_from_peer": None, "saved_from_msg_id": None}
    reply = record.get("reply_to_message_id")
    edited = _utc(record["edited_unixtime"]) if "edited_unixtime" in record else None
    views = rng.randrange(200, 20_000)
    peer = {"_": "PeerChannel", "channel_id": cid}
    if shape == "current":
        return {
            "_": "Message", "id": mid, "peer_id": peer, "date": _utc(ts), "message": text,
            "out": False, "mentioned": False, "media_unread": False, "silent": False,
            "post": True, "from_scheduled": False, "legacy": False, "edit_hide": False,
            "pinned": False, "noforwards": False, "from_id": None, "fwd_from": fwd,
            "via_bot_id": None,
            "reply_to": ({"_": "MessageReplyHeader", "reply_to_msg_id": reply,
                          "reply_to_scheduled": False, "forum_topic": False,
                          "reply_to_peer_id": None, "reply_to_top_id": None}
                         if reply is not None else None),
            "media": media, "reply_markup": None, "entities": entities, "views": views,
            "forwards": rng.randrange(0, views // 20 + 1),
            "replies": None, "edit_date": edited, "post_author": None, "grouped_id": None,
            "restriction_reason": [], "ttl_period": None}
    return {
        "_": "Message", "id": mid, "to_id": peer, "date": _utc(ts), "message": text,
        "out": False, "mentioned": False, "media_unread": False, "silent": False,
        "post": True, "legacy": False, "edit_hide": False, "from_id": None, "fwd_from": fwd,
        "via_bot_id": None, "reply_to_msg_id": reply, "media": media, "reply_markup": None,
        "entities": entities, "views": views, "edit_date": edited, "post_author": None,
        "grouped_id": None, "restriction_reason": []}


def telethon_records(world, *, shape: str = "current"):
    """``(handle, export, records)`` per channel: the Telethon ``to_dict()`` of every record
    of the channel's Desktop export, in export order, with datetimes and bytes as Python
    objects (each writer serialises them its way)."""
    if shape not in ("current", "legacy"):
        raise ValueError(f"shape must be 'current' or 'legacy', not {shape!r}")
    index = WorldIndex(world)
    for handle, export in world.exports.items():
        rng = random.Random(f"telethon:{world.seed}:{export['id']}")
        records = [_service(export, r, shape) if r["type"] == "service"
                   else _message(index, export, r, shape, rng)
                   for r in export["messages"]]
        yield handle, export, records


def write_telethon(world, out_dir: str | Path, *, shape: str = "current") -> list[Path]:
    """Write every channel of ``world`` as ``<handle>.jsonl``: Telethon ``to_dict()``
    records as scrapers dump them (``json.dumps(..., default=str, ensure_ascii=False)``, one
    per line, oldest first); returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for handle, _export, records in telethon_records(world, shape=shape):
        path = out / f"{handle}.jsonl"
        lines = [json.dumps(r, default=str, ensure_ascii=False) for r in records]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
