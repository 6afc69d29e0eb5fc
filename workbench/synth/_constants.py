"""Fixed settings of the world: its period, clock, groups, surge and scripts."""

from __future__ import annotations

from datetime import datetime, timezone

DAY = 86_400
START_TS = int(datetime(2016, 9, 1, tzinfo=timezone.utc).timestamp())
END_TS = int(datetime(2017, 2, 1, tzinfo=timezone.utc).timestamp())  # exclusive
#: The exporting machine's clock: Desktop writes ``date`` in local time without an offset.
EXPORT_OFFSET = 3 * 3600
EXPORT_UTC_OFFSET = "+03:00"

GROUPS = ("official", "news_network", "aqap", "supporters", "control")
AFFILIATED_GROUPS = GROUPS[:4]
SURGE_FACTOR = 2.5
SURGE_DAYS = 14
KEYWORD_DAYS = 21

SCRIPT_OF = {"ar": "arabic", "en": "latin", "fr": "latin", "de": "latin", "tr": "latin",
             "ru": "cyrillic"}
EDITION_LANGS = ("ar", "en", "fr", "de", "ru", "tr")
EDITION_SUFFIX = {"ar": "", "en": " English", "fr": " Français", "de": " Deutsch",
                  "ru": " Русский", "tr": " Türkçe"}

# Planted control characters, written as Desktop writes them: ``\xHH`` (invalid JSON).
PLANTED_CONTROLS = ("\x07", "\x0b", "\x1f")
