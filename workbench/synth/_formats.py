"""Writers of the synthetic world in every Telegram format the loaders read.

``WRITERS`` maps a format name to ``write(world, out_dir) -> list[Path]``; the round-trip
test loads each one and compares it with the Desktop JSON export of the same world.
"""

from __future__ import annotations

WRITERS: dict = {}
