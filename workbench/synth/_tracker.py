"""The synthetic world as telegram-tracker writes it: ``msgs_dataset.csv`` (with
``collected_chats.csv``), or the per-channel ``<handle>/<handle>_messages.json``.

The JSON is ``ChannelMessages.to_dict()`` (newest message first, as the API pages them) with
``chats`` (the channel and the channels of the world it forwards from) and times and bytes
written by ``str()``, as the tool's ``JSONEncoder`` does. The CSV is what its
``build-datasets`` derives from that JSON: one row per ``Message`` (service records are not
written), ``channel_name`` and ``forward_msg_from_peer_name`` as usernames, dates as
``%Y-%m-%d %H:%M:%S`` (UTC), ``views``/``number_forwards`` 0 when Telegram gave none, media
reduced to a class name, a MIME type, a video duration and a file name.

Examples
--------
>>> import tempfile
>>> from workbench.synth import generate_world
>>> world = generate_world(1, n_channels=15, messages_scale=0.05)
>>> [p.name for p in write_tracker(world, tempfile.mkdtemp())]
['msgs_dataset.csv', 'collected_chats.csv']
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlparse

from ._telethon import telethon_records

__all__ = ["write_tracker", "write_tracker_json", "CHAT_COLUMNS"]

#: Columns of ``collected_chats.csv`` (``Channel.to_dict()`` keys the tool keeps).
CHAT_COLUMNS = ("_", "id", "title", "date", "left", "broadcast", "verified", "megagroup",
                "restricted", "signatures", "min", "scam", "has_link", "has_geo",
                "slowmode_enabled", "call_active", "call_not_empty", "fake", "gigagroup",
                "access_hash", "username", "restriction_reason", "admin_rights",
                "banned_rights", "default_banned_rights", "participants_count")


def _channel(export: dict, handle: str, created: datetime) -> dict:
    return {"_": "Channel", "id": export["id"], "title": export["name"],
            "photo": {"_": "ChatPhotoEmpty"}, "date": created, "creator": False,
            "left": False, "broadcast": True, "verified": False, "megagroup": False,
            "restricted": False, "signatures": False, "min": False, "scam": False,
            "has_link": False, "has_geo": False, "slowmode_enabled": False,
            "call_active": False, "call_not_empty": False, "fake": False, "gigagroup": False,
            "noforwards": False, "access_hash": export["id"] * 7919 % (1 << 62),
            "username": handle, "restriction_reason": [], "admin_rights": None,
            "banned_rights": None, "default_banned_rights": None,
            "participants_count": None, "usernames": []}


def _encode(obj):
    """What telegram-tracker's ``JSONEncoder`` does: ``str()`` of datetimes and bytes."""
    if isinstance(obj, (datetime, bytes)):
        return str(obj)
    raise TypeError(type(obj).__name__)


def _chats(world):
    """(handle -> Channel dict, id -> handle) of every exported channel."""
    chats, handles = {}, {}
    for handle, export in world.exports.items():
        first = min((int(m["date_unixtime"]) for m in export["messages"]), default=0)
        chats[handle] = _channel(export, handle, datetime.fromtimestamp(first, timezone.utc))
        handles[export["id"]] = handle
    return chats, handles


def write_tracker_json(world, out_dir: str | Path) -> list[Path]:
    """Write ``<handle>/<handle>_messages.json`` per channel; returns the paths."""
    out = Path(out_dir)
    chats, _ = _chats(world)
    by_id = {c["id"]: c for c in chats.values()}
    paths = []
    for handle, export, records in telethon_records(world):
        messages = sorted(records, key=lambda r: r["id"], reverse=True)
        referenced = {export["id"]}
        for r in messages:
            peer = (r.get("fwd_from") or {}).get("from_id")
            if peer:
                referenced.add(peer["channel_id"])
        doc = {"_": "messages.ChannelMessages", "pts": len(messages) + 1,
               "count": len(messages), "messages": messages, "topics": [],
               "chats": [by_id[i] for i in sorted(referenced) if i in by_id], "users": [],
               "inexact": False, "offset_id_offset": None}
        folder = out / handle
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{handle}_messages.json"
        path.write_text(json.dumps(doc, default=_encode, ensure_ascii=False,
                                   separators=(",", ":")), encoding="utf-8")
        paths.append(path)
    return paths


def _ymd_hms(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else None


def _row(handle: str, idx: int, r: dict, handles: dict) -> dict:
    mid = r["id"]
    row = {"signature": f"msg_iteration.{idx}.user.{handle}.post.{mid}",
           "channel_id": r["peer_id"]["channel_id"], "channel_name": handle, "msg_id": mid,
           "message": r["message"], "cleaned_message": " ".join(r["message"].split()).strip(),
           "date": _ymd_hms(r["date"]), "msg_link": f"https://t.me/{handle}/{mid}",
           "msg_from_peer": None, "msg_from_id": None,
           "views": r["views"] or 0,
           "number_replies": (r["replies"] or {}).get("replies", 0) or 0,
           "number_forwards": r["forwards"] or 0}
    fwd = r["fwd_from"]
    row["is_forward"] = 1 if fwd else 0
    if fwd:
        peer = fwd["from_id"]
        name = handles.get(peer["channel_id"]) if peer else None
        row.update({
            "forward_msg_from_peer_type": "PeerChannel" if peer else None,
            "forward_msg_from_peer_id": peer["channel_id"] if peer else None,
            "forward_msg_from_peer_name": name,
            "forward_msg_date": _ymd_hms(fwd["date"]),
            "forward_msg_date_string": fwd["date"].strftime("%Y-%m-%d"),
            "forward_msg_link": (f"https://t.me/{name}/{fwd['channel_post']}"
                                 if name and fwd["channel_post"] is not None else None)})
    reply = (r["reply_to"] or {}).get("reply_to_msg_id")
    row.update({"is_reply": 1 if reply is not None else 0, "reply_to_msg_id": reply,
                "reply_msg_link": f"https://t.me/{handle}/{reply}" if reply is not None
                else None})
    media = r["media"]
    row["contains_media"] = 1 if media else 0
    row["media_type"] = media["_"] if media else None
    row["has_url"] = 0
    if media and media["_"] == "MessageMediaWebPage":
        url = media["webpage"]["url"]
        row.update({"has_url": 1, "url": url,
                    "domain": urlparse(url).netloc.replace("www.", ""),
                    "url_title": media["webpage"]["title"],
                    "url_description": media["webpage"]["description"]})
    if media and media["_"] == "MessageMediaDocument":
        doc = media["document"]
        row.update({"document_type": doc["mime_type"], "document_id": doc["id"]})
        for attr in doc["attributes"]:
            if attr["_"] == "DocumentAttributeVideo":
                row["document_video_duration"] = attr["duration"]
            if attr["_"] == "DocumentAttributeFilename":
                row["document_filename"] = attr["file_name"]
    return row


def write_tracker(world, out_dir: str | Path) -> list[Path]:
    """Write ``msgs_dataset.csv`` and ``collected_chats.csv`` as telegram-tracker's
    ``build-datasets`` leaves them; returns the paths."""
    from ..io.tracker import MESSAGE_COLUMNS

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    chats, handles = _chats(world)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=MESSAGE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for handle, _export, records in telethon_records(world):
        messages = sorted(records, key=lambda r: r["id"], reverse=True)
        for idx, r in enumerate(messages):
            if r["_"] == "Message":
                writer.writerow(_row(handle, idx, r, handles))
    msgs = out / "msgs_dataset.csv"
    msgs.write_text(buf.getvalue(), encoding="utf-8")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CHAT_COLUMNS, lineterminator="\n",
                            extrasaction="ignore")
    writer.writeheader()
    for chat in chats.values():
        writer.writerow({**chat, "date": str(chat["date"])})
    collected = out / "collected_chats.csv"
    collected.write_text(buf.getvalue(), encoding="utf-8")
    return [msgs, collected]
