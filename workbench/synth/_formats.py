"""Writers of the synthetic world in every Telegram format the loaders read.

``WRITERS`` maps a format name to ``write(world, out_dir) -> list[Path]``; the round-trip
test loads each one and compares it with the Desktop JSON export of the same world.
"""

from __future__ import annotations

from . import _desktop, _fourcat, _html, _telethon, _tgdataset, _tracker

WRITERS: dict = {
    "telegram-desktop": _desktop.write_desktop_json,
    "telegram-desktop-html": _html.write_desktop_html,
    "telethon-jsonl": _telethon.write_telethon,
    "telegram-tracker-csv": _tracker.write_tracker,
    "4cat-ndjson": _fourcat.write_fourcat,
    "tgdataset": _tgdataset.write_tgdataset,
}
