"""The synthetic world as a 4CAT Telegram dataset: the ``.ndjson`` items (and the CSV export).

An item is a Telethon ``Message`` as 4CAT's ``serialize_obj`` writes it: the object's
attributes, ``"_type"`` (the class name) appended to each nested Telethon object but not to
the message itself nor to objects inside lists (entities, document attributes and photo sizes
lose their type), datetimes as float Unix times, bytes as hex; plus ``_chat`` and ``_sender``
(the channel), ``_forward`` (with the source channel as ``_chat`` when it is one of the world's)
and ``4CAT_metadata``. 4CAT skips service messages; channels are collected one after the other,
newest message first, into one dataset file. The CSV follows 4CAT's ``map_item``.

Examples
--------
>>> import tempfile
>>> from workbench.synth import generate_world
>>> [p.name for p in write_fourcat(generate_world(1, n_channels=15, messages_scale=0.05),
...                                tempfile.mkdtemp())]
['4cat-telegram.ndjson']
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ._telethon import telethon_records

__all__ = ["write_fourcat", "write_fourcat_csv", "fourcat_items", "CSV_COLUMNS"]

#: Columns of 4CAT's Telegram CSV export (``map_item``), in order.
CSV_COLUMNS = ("id", "thread_id", "chat", "author", "author_username", "author_name",
               "author_is_bot", "body", "body_markdown", "is_reply", "reply_to", "views",
               "reactions", "timestamp", "unix_timestamp", "timestamp_edited",
               "unix_timestamp_edited", "author_forwarded_from_name",
               "author_forwarded_from_username", "author_forwarded_from_id",
               "entities_linked", "entities_mentioned", "all_connections",
               "timestamp_forwarded_from", "unix_timestamp_forwarded_from", "link_title",
               "link_description", "link_attached", "attachment_type", "attachment_data",
               "attachment_filename")


def _serialise(value, *, in_list: bool = False):
    """4CAT's ``serialize_obj``: ``_type`` last on nested objects, none inside lists."""
    if isinstance(value, dict):
        out = {k: _serialise(v) for k, v in value.items() if k != "_"}
        if "_" in value and not in_list:
            out["_type"] = value["_"]
        return out
    if isinstance(value, list):
        return [_serialise(v, in_list=True) for v in value]
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, bytes):
        return value.hex()
    return value


def _chat(export: dict, handle: str) -> dict:
    return {"id": export["id"], "title": export["name"], "photo": {"_": "ChatPhotoEmpty"},
            "date": None, "creator": False, "left": False, "broadcast": True,
            "verified": False, "megagroup": False, "restricted": False, "signatures": False,
            "min": False, "scam": False, "has_link": False, "has_geo": False,
            "slowmode_enabled": False, "fake": False, "gigagroup": False,
            "access_hash": export["id"] * 7919 % (1 << 62), "username": handle,
            "restriction_reason": [], "participants_count": None, "_": "Channel"}


def fourcat_items(world):
    """Every 4CAT item of the world's channels, as dicts, in dataset order."""
    exports = {e["id"]: (h, e) for h, e in world.exports.items()}
    for handle, export, records in telethon_records(world):
        chat = _chat(export, handle)
        for r in sorted(records, key=lambda r: r["id"], reverse=True):
            if r["_"] != "Message":
                continue  # "e.g. someone joins the channel - not an actual message"
            item = _serialise(r)
            item.pop("_type", None)
            item["_chat_peer"] = {"channel_id": export["id"], "_type": "PeerChannel"}
            item["_chat"] = _serialise(chat)
            item["_broadcast"] = True
            item["_sender_id"] = int(f"-100{export['id']}")
            item["_sender"] = _serialise(chat)
            fwd = r["fwd_from"]
            if fwd:
                forward = _serialise(fwd)
                forward.pop("_type", None)
                peer = fwd["from_id"]
                source = exports.get(peer["channel_id"]) if peer else None
                forward["_chat"] = _serialise(_chat(source[1], source[0])) if source else None
                forward["_sender"] = forward["_chat"]
                forward["_type"] = "Forward"
                item["_forward"] = forward
            item["4CAT_metadata"] = {"collected_at": "2017-02-01T00:00:00", "query": handle,
                                     "query_depth": 0}
            yield item


def write_fourcat(world, out_dir: str | Path) -> list[Path]:
    """Write the world as one 4CAT ndjson dataset file; returns its path in a list."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "4cat-telegram.ndjson"
    with open(path, "w", encoding="utf-8") as fh:
        for item in fourcat_items(world):
            fh.write(json.dumps(item) + "\n")  # 4CAT: json.dumps, ASCII escapes
    return [path]


def _local(ts: float | None) -> str:
    # 4CAT writes datetime.fromtimestamp(): the server's local time. Ours runs at UTC+02:00.
    if ts is None:
        return ""
    return (datetime.fromtimestamp(ts, timezone.utc) + timedelta(hours=2)).strftime(
        "%Y-%m-%d %H:%M:%S")


def _row(item: dict) -> dict:
    thread = item["_chat"]["username"]
    fwd = item.get("fwd_from")
    f_name = f_user = f_id = ""
    f_ts = ""
    if fwd and "from_id" in fwd and not isinstance(fwd["from_id"], int):
        f_ts = int(fwd["date"])
        if fwd["from_id"]:
            f_id = fwd["from_id"].get("channel_id", "")
        if fwd.get("from_name"):
            f_name = fwd["from_name"]
        forward = item.get("_forward") or {}
        if forward.get("_chat"):
            f_user = forward["_chat"].get("username") or ""
            f_name = forward["_chat"].get("title") or f_name
    media = item.get("media") or {}
    kind = {"MessageMediaPhoto": "photo", "MessageMediaDocument": "document",
            "MessageMediaWebPage": "url"}.get(media.get("_type"), "")
    if kind == "document":
        kind = media["document"]["mime_type"].split("/")[0]
    page = media.get("webpage") or {}
    reply = item.get("reply_to") or {}
    return {
        "id": f"{thread}-{item['id']}", "thread_id": thread, "chat": thread,
        "author": item["_sender"]["id"], "author_username": item["_sender"]["username"],
        "author_name": "", "author_is_bot": "no", "body": item["message"], "body_markdown": "",
        "is_reply": bool(reply), "reply_to": reply.get("reply_to_msg_id", ""),
        "views": item["views"] or "", "reactions": "",
        "timestamp": _local(item["date"]), "unix_timestamp": int(item["date"]),
        "timestamp_edited": _local(item["edit_date"]),
        "unix_timestamp_edited": int(item["edit_date"]) if item["edit_date"] else "",
        "author_forwarded_from_name": f_name, "author_forwarded_from_username": f_user,
        "author_forwarded_from_id": f_id, "entities_linked": "", "entities_mentioned": "",
        "all_connections": "", "timestamp_forwarded_from": _local(f_ts or None),
        "unix_timestamp_forwarded_from": f_ts, "link_title": page.get("title") or "",
        "link_description": page.get("description") or "",
        "link_attached": page.get("url") or "", "attachment_type": kind,
        "attachment_data": "", "attachment_filename": ""}


def write_fourcat_csv(world, out_dir: str | Path) -> list[Path]:
    """Write the world as 4CAT's CSV export of the same dataset; returns its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for item in fourcat_items(world):
        writer.writerow(_row(item))
    path = out / "4cat-telegram.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    return [path]
