"""The synthetic world in TGDataset's layout (github.com/SystemsLab-Sapienza/TGDataset): one
JSON object mapping channel ids to ``{creation_date, username, title, description, scam,
verified, n_subscribers, text_messages, generic_media}``.

From each Desktop record: a text message goes to ``text_messages``; a photo or file to
``generic_media`` (its Desktop file name as ``media_id``, its suffix as ``extension``), and
when it also has text, to ``text_messages`` under the same id (a captioned media item); a
forward from a channel of the world gets ``forwarded_from_id``, one from outside the world a
null one (TGDataset's unknown source); ``forwarded_message_date`` is the forward's own date
(Desktop shows no original date). Service records, replies, edits and entities are not in
TGDataset and are not written. :func:`tgdataset_channel` builds one channel object from plain
rows (for tests and benchmarks that need large files).

Examples
--------
>>> import tempfile
>>> from workbench.synth import generate_world
>>> paths = write_tgdataset(generate_world(1, n_channels=15, messages_scale=0.05),
...                         tempfile.mkdtemp())
>>> [p.name for p in paths]
['TGDataset_1.json']
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["write_tgdataset", "tgdataset_channel"]

#: The extension TGDataset records for a Desktop media type whose file was not exported.
_EXTENSION = {"video_file": ".mp4", "voice_message": ".ogg", "audio_file": ".mp3",
              "animation": ".gif", "sticker": ".webp"}


def _text(value) -> str:
    if isinstance(value, str):
        return value
    return "".join(p if isinstance(p, str) else p.get("text", "") for p in value or [])


def tgdataset_channel(*, title: str | None, username: str | None, created: float | None,
                      subscribers: int | None = None, text_messages: dict | None = None,
                      generic_media: dict | None = None, scam: bool = False,
                      verified: bool = False, description: str = "") -> dict:
    """One channel object in TGDataset's layout (keys in the dataset's order)."""
    return {"username": username, "creation_date": created, "title": title,
            "description": description, "scam": scam, "verified": verified,
            "n_subscribers": subscribers, "text_messages": text_messages or {},
            "generic_media": generic_media or {}}


def write_tgdataset(world, out_dir: str | Path) -> list[Path]:
    """Write the world's channels as one TGDataset file ``TGDataset_1.json``."""
    ids = {e["name"]: e["id"] for e in world.exports.values()}
    doc = {}
    for handle, export in world.exports.items():
        texts, media = {}, {}
        dates = []
        for m in export["messages"]:
            if m.get("type") != "message":
                continue
            date = float(int(m["date_unixtime"]))
            dates.append(date)
            fwd = "forwarded_from" in m
            common = {"date": date, "author": None, "is_forwarded": fwd,
                      "forwarded_from_id": ids.get(m.get("forwarded_from")) if fwd else None,
                      "forwarded_message_date": date if fwd else None}
            text = _text(m.get("text"))
            name = m.get("photo") or m.get("file")
            if name is not None:
                base = name.rsplit("/", 1)[-1]
                if base.startswith("(File"):
                    base = None
                ext = ("." + base.rsplit(".", 1)[-1].lower() if base and "." in base
                       else ".jpg" if "photo" in m else _EXTENSION.get(m.get("media_type")))
                media[str(m["id"])] = {"title": m.get("file_name"), "media_id": base,
                                       "extension": ext, **common}
            if text or name is None:
                texts[str(m["id"])] = {"message": text, **common}
        doc[str(export["id"])] = tgdataset_channel(
            title=export["name"], username=handle, created=min(dates, default=None),
            subscribers=1000 + export["id"] % 5000, text_messages=texts, generic_media=media)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "TGDataset_1.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return [path]
