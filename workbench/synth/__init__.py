"""The synthetic fixture world: invented channels, generated text, planted answers.

A seeded generator that writes Telegram Desktop exports (one per channel), a Twitter CSV in
the Kaggle "How ISIS Uses Twitter" schema, analyst labels and ``truth.json``, the answers that
every analysis is tested against. Nothing in it is real except the event dates: channel names
are invented and text is made of pseudo-words (Arabic, Latin and Cyrillic script) drawn from a
Zipfian vocabulary per script, so unrelated posts share common words as real text does.

The world runs from 1 Sep 2016 to 31 Jan 2017: about 50 channels in five groups (``official``,
``news_network``, ``aqap``, ``supporters``, ``control``) with a few hubs each, forwards mostly
inside a group, mentions and ``t.me`` links, forward sources outside the export, copies of
posts with light edits (cross-posting), hard negatives, a weekly rhythm, a surge in the
affiliated groups after a catalogue event, a keyword that rises before it, channels that
appear and channels that go silent, and a handful of hostile messages (HTML/JavaScript).

Randomness comes only from :class:`random.Random` seeded per concern, and everything is
written with deterministic serialisers, so ``python -m workbench.synth`` rewrites
``data/fixtures/`` byte for byte.

The modules, by concern: ``_constants`` (period, groups, surge), ``_profiles`` (how each group
behaves), ``_texts`` (pseudo-words, vocabularies, composed posts), ``_channels`` (names,
handles, ids, lifetimes), ``_events`` (the planted event and the posting schedule),
``_copies`` and ``_forwards`` (how content spreads), ``_specials`` (planted structures),
``_world`` (the builder and :func:`generate_world`), ``_render`` and ``_truth`` (what the world
is written as), ``_twitter``, ``_fixtures`` and ``_cli``; the per-format writers
(``_desktop``, ``_html``, ``_telethon``, ``_tracker``, ``_fourcat``) are listed in
``_formats.WRITERS``.

Examples
--------
>>> world = generate_world(2016, n_channels=15, messages_scale=0.05)
>>> world.truth["groups"]
['official', 'news_network', 'aqap', 'supporters', 'control']
>>> world.truth["surge"]["date"], world.truth["export_utc_offset"]
('2016-12-19', '+03:00')
>>> first = next(iter(world.exports.values()))
>>> first["type"], isinstance(first["id"], int)
('public_channel', True)
"""

from __future__ import annotations

from ._cli import main
from ._constants import AFFILIATED_GROUPS, GROUPS
from ._desktop import write_desktop_export
from ._fixtures import FIXTURES_DIR, write_fixtures
from ._languages import Editions, language_editions
from ._hourly import hourly_volume
from ._texts import DENYLIST
from ._world import World, generate_world

# Not in ``__all__``, but read as ``synth.<NAME>`` (the tests read FALLBACK_EVENTS and
# TWITTER_FILE): the world's settings stay where they were before the package was split.
from ._constants import (DAY, EDITION_LANGS, EDITION_SUFFIX, END_TS, EXPORT_OFFSET,
                         EXPORT_UTC_OFFSET, KEYWORD_DAYS, PLANTED_CONTROLS, SCRIPT_OF, START_TS,
                         SURGE_DAYS, SURGE_FACTOR)
from ._events import FALLBACK_EVENTS
from ._sentences import SCRIPT as LANGUAGE_SCRIPT, SENTENCES
from ._profiles import PROFILES
from ._render import NOT_INCLUDED
from ._twitter import (TWITTER_COLUMNS, TWITTER_END_TS, TWITTER_FILE, TWITTER_START_TS,
                       TWITTER_SUSPENSIONS)

__all__ = [
    "World",
    "generate_world",
    "language_editions",
    "Editions",
    "write_fixtures",
    "write_desktop_export",
    "hourly_volume",
    "main",
    "GROUPS",
    "AFFILIATED_GROUPS",
    "DENYLIST",
    "FIXTURES_DIR",
]
