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

import argparse
import csv
import gzip
import heapq
import io
import itertools
import json
import math
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..errors import ParameterError
from ..ids import name_key, normalise_name
from ..io._gc import no_gc

__all__ = [
    "World",
    "generate_world",
    "write_fixtures",
    "write_desktop_export",
    "main",
    "GROUPS",
    "AFFILIATED_GROUPS",
    "DENYLIST",
    "FIXTURES_DIR",
]

# --------------------------------------------------------------------------------------------
# Constants of the world
# --------------------------------------------------------------------------------------------

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

#: Used when ``workbench.events`` is unavailable, and for keys it does not know.
FALLBACK_EVENTS = {
    "paris-2015": "2015-11-13T20:20:00Z",
    "brussels-2016": "2016-03-22T07:58:00Z",
    "nice-2016": "2016-07-14T20:33:00Z",
    "berlin-2016": "2016-12-19T19:02:00Z",
    "istanbul-2017": "2016-12-31T22:15:00Z",
    "manchester-2017": "2017-05-22T21:31:00Z",
}

#: Real organisations, outlets and persons that must never appear in fixture texts or names.
#: Pseudo-words containing any of these are rejected while the vocabulary is built.
DENYLIST = (
    "isis", "isil", "daesh", "amaq", "nasher", "nashir", "baghdadi", "dabiq", "rumiyah",
    "qaeda", "awlaki", "zarqawi", "khilafah",
    "داعش", "اعماق", "أعماق", "ناشر", "البغدادي", "دابق", "القاعدة",
    "игил", "даиш",
)

TWITTER_START_TS = int(datetime(2015, 1, 1, tzinfo=timezone.utc).timestamp())
TWITTER_END_TS = int(datetime(2017, 1, 1, tzinfo=timezone.utc).timestamp())
TWITTER_SUSPENSIONS = ("2016-02-05", "2016-08-18")
TWITTER_COLUMNS = ("name", "username", "description", "location", "followers",
                   "numberstatuses", "time", "tweets")

FIXTURES_DIR = Path(__file__).resolve().parents[2] / "data" / "fixtures"
TWITTER_FILE = "kaggle_how_isis_uses_twitter.csv"
NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"

SCRIPT_OF = {"ar": "arabic", "en": "latin", "fr": "latin", "de": "latin", "tr": "latin",
             "ru": "cyrillic"}
EDITION_LANGS = ("ar", "en", "fr", "de", "ru", "tr")
EDITION_SUFFIX = {"ar": "", "en": " English", "fr": " Français", "de": " Deutsch",
                  "ru": " Русский", "tr": " Türkçe"}

# Planted control characters, written as Desktop writes them: ``\xHH`` (invalid JSON).
PLANTED_CONTROLS = ("\x07", "\x0b", "\x1f")

# --------------------------------------------------------------------------------------------
# Group profiles: the knobs that make the groups look different
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Profile:
    """How channels of one group behave (rates are messages per day before scaling)."""

    share: int                    # weight when splitting the non-news channels into groups
    hubs: int
    rate: float
    hub_rate: float
    forward_share: float          # share of scheduled messages that are forwards
    hub_forward_share: float
    popularity: float             # weight as a forward or mention source
    langs: tuple[tuple[str, float], ...]
    footer_channels: float        # share of channels that sign posts with a footer
    mention_prob: float
    copy_prob: float              # chance that an original post is copied elsewhere
    weekday: tuple[float, ...]    # Monday..Sunday
    hours: tuple[int, ...]        # relative activity per UTC hour
    templates: tuple[tuple[str, str], ...]  # (name, handle) patterns


_AFFILIATED_WEEK = (1.0, 1.0, 1.05, 1.1, 1.3, 0.85, 0.7)  # Friday peak, quiet Sunday
_CONTROL_WEEK = (1.15, 1.1, 1.1, 1.05, 1.0, 0.65, 0.7)    # office week, quiet weekend
_AFFILIATED_HOURS = (2, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 6, 7, 7, 7, 8, 9, 10, 11, 11, 10, 8, 5, 3)
_CONTROL_HOURS = (1, 1, 1, 2, 4, 6, 8, 9, 9, 8, 8, 8, 8, 8, 8, 8, 8, 8, 7, 6, 5, 4, 3, 2)

PROFILES = {
    "official": _Profile(
        8, 2, 2.2, 7.0, 0.15, 0.05, 1.0, (("ar", 0.6), ("en", 0.2), ("fr", 0.1), ("ru", 0.1)),
        0.8, 0.06, 0.04, _AFFILIATED_WEEK, _AFFILIATED_HOURS,
        (("{W} Media Office", "{w}_media"), ("{W} Foundation", "{w}_foundation"),
         ("{W} Herald", "{w}herald"), ("{W} Bulletin", "{w}_bulletin"),
         ("Voice of {W}", "voiceof{w}"), ("{W} Dispatch", "{w}_dispatch"),
         ("{W} Publications", "{w}_pubs"), ("{W} Studio", "{w}studio"))),
    "news_network": _Profile(
        0, 2, 2.5, 5.5, 0.08, 0.04, 1.2, (), 0.9, 0.04, 0.02, _AFFILIATED_WEEK,
        _AFFILIATED_HOURS, ()),
    "aqap": _Profile(
        7, 2, 1.6, 4.5, 0.2, 0.1, 1.0, (("ar", 0.7), ("en", 0.3)),
        0.7, 0.06, 0.04, _AFFILIATED_WEEK, _AFFILIATED_HOURS,
        (("{W} Echo", "{w}_echo"), ("{W} Radio", "{w}radio"),
         ("{W} Frontline Report", "{w}_report"), ("{W} Messenger", "{w}_messenger"),
         ("{W} Review", "{w}review"), ("{W} Channel", "{w}_channel"))),
    "supporters": _Profile(
        19, 3, 2.3, 6.0, 0.7, 0.4, 0.4,
        (("ar", 0.4), ("en", 0.2), ("ru", 0.1), ("fr", 0.1), ("de", 0.1), ("tr", 0.1)),
        0.6, 0.08, 0.03, _AFFILIATED_WEEK, _AFFILIATED_HOURS,
        (("{W} Relay", "{w}_relay"), ("{W} Mirror", "{w}mirror"),
         ("Friends of {W}", "friendsof{w}"), ("{W} Archive", "{w}_archive"),
         ("{W} Circle", "{w}circle"), ("{W} Supporters Hub", "{w}_hub"),
         ("{W} Collective", "{w}_collective"), ("{W} Lantern", "{w}lantern"))),
    "control": _Profile(
        10, 2, 3.0, 6.0, 0.05, 0.05, 1.0,
        (("en", 0.3), ("ru", 0.2), ("fr", 0.15), ("de", 0.15), ("ar", 0.1), ("tr", 0.1)),
        0.3, 0.02, 0.01, _CONTROL_WEEK, _CONTROL_HOURS,
        (("{W} Daily", "{w}daily"), ("{W} Morning Post", "{w}_morning"),
         ("{W} Tribune", "{w}tribune"), ("{W} City News", "{w}_citynews"),
         ("{W} Weather & Traffic", "{w}_weather"), ("{W} Sports Wire", "{w}_sports"),
         ("{W} Evening Digest", "{w}_evening"), ("{W} Business Brief", "{w}_business"))),
}

#: Relative weight of each other group as a forward source when a forward leaves its group.
_CROSS_GROUP = {
    "official": {"news_network": 3, "aqap": 1, "supporters": 1, "control": 0.1},
    "news_network": {"official": 3, "aqap": 0.5, "supporters": 0.5, "control": 0.1},
    "aqap": {"official": 1, "news_network": 1, "supporters": 1, "control": 0.1},
    "supporters": {"official": 3, "news_network": 3, "aqap": 1.5, "control": 0.1},
    "control": {"news_network": 1, "official": 0.1, "aqap": 0.1, "supporters": 0.05},
}

# Arabic-script name patterns: generic words ("foundation of", "voice of", "news").
_ARABIC_TEMPLATES = (("مؤسسة {A}", "{w}_mu"), ("صوت {A}", "sawt_{w}"),
                     ("{A} الإخبارية", "{w}_akhbar"))
_UNRESOLVED_TEMPLATES = (("{W} Reserve", "{w}_reserve"), ("{W} Backup Channel", "{w}_backup"),
                         ("{W} Old Archive", "{w}_old"), ("{W} Wire Agency", "{w}_wire"))
_EMOJI_PREFIXES = ("🔴 ", "⚡️ ", "📢 ", "‼️ ", "🚨 ", "✅ ")
_BREAKING = {
    "latin": ("BREAKING: ", "URGENT | ", "Breaking news: "),
    "arabic": ("عاجل: ", "عاجل | "),
    "cyrillic": ("СРОЧНО: ", "Молния | "),
}
_LINK_FORMS = ("https://t.me/{h}", "t.me/{h}", "t.me/s/{h}", "telegram.me/{h}",
               "https://telegram.me/{h}")

# --------------------------------------------------------------------------------------------
# Pseudo-words
# --------------------------------------------------------------------------------------------

_LATIN = (("b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
           "br", "dr", "kl", "st", "tr", "sh", ""),
          ("a", "e", "i", "o", "u", "a", "e", "o"),
          ("", "", "", "n", "r", "s", "l", "m", "t", "k"))
_CYRILLIC = (("б", "в", "г", "д", "з", "к", "л", "м", "н", "п", "р", "с", "т", "ф", "х", "ч",
              "ш", "ст", "пр", ""),
             ("а", "е", "и", "о", "у", "ы", "я"),
             ("", "", "", "н", "р", "с", "л", "й", "т", "к"))
_ARABIC_CONSONANTS = "بتثجحخدذرزسشصطعغفقكلمنهوي"
_ARABIC_VOWELS = ("ا", "و", "ي", "", "", "")


# Pseudo-words can land on real words; these fragments (slurs, obscenities, loaded words in the
# fixture languages) are avoided too, so names and texts stay neutral.
_AVOID = ("memek", "kont", "puta", "fick", "shit", "fuk", "fuck", "cum", "anal", "sex", "nazi",
          "kill", "bomb", "jihad", "kafir", "kufr", "hure", "merd", "cul", "pizd", "hui", "bljad",
          "blyat", "sik", "amk", "orospu", "nig", "fag", "porn", "rape", "dick", "cock")


def _denied(word: str) -> bool:
    folded = word.casefold()
    return any(bad in folded for bad in DENYLIST) or any(bad in folded for bad in _AVOID)


def _pseudo_word(rng: random.Random, script: str, syllables: int) -> str:
    """One pronounceable invented word in ``script``."""
    if script == "arabic":
        word = "".join(rng.choice(_ARABIC_CONSONANTS) + rng.choice(_ARABIC_VOWELS)
                       for _ in range(syllables + 1))
        return "ال" + word if rng.random() < 0.15 else word
    onsets, vowels, codas = _CYRILLIC if script == "cyrillic" else _LATIN
    return "".join(rng.choice(onsets) + rng.choice(vowels)
                   for _ in range(syllables)) + rng.choice(codas)


class _Vocabulary:
    """Pseudo-words of one script with Zipfian frequencies (frequent words are short)."""

    def __init__(self, script: str, rng: random.Random, size: int = 2000) -> None:
        self.script = script
        words: list[str] = []
        seen: set[str] = set()
        while len(words) < size:
            rank = len(words)
            syllables = rng.choice((1, 1, 2) if rank < 40 else
                                   (1, 2, 2, 3) if rank < 400 else (2, 2, 3, 3, 4))
            word = _pseudo_word(rng, script, syllables)
            if len(word) < 2 or word in seen or _denied(word):
                continue
            seen.add(word)
            words.append(word)
        self.words = words
        self.known = seen
        self.cum = list(itertools.accumulate(1.0 / (r + 2) ** 1.05 for r in range(size)))

    def sample(self, rng: random.Random, n: int) -> list[str]:
        """``n`` words drawn with Zipfian weights."""
        return rng.choices(self.words, cum_weights=self.cum, k=n)

    def sentence(self, rng: random.Random, n: int) -> str:
        """A sentence of ``n`` words with the script's capitals and punctuation."""
        words = self.sample(rng, n)
        arabic = self.script == "arabic"
        if not arabic:
            words[0] = words[0].capitalize()
        comma = "،" if arabic else ","
        for i in range(len(words) - 1):
            if rng.random() < 0.07:
                words[i] += comma
        end = rng.choice((".", ".", "!", "؟") if arabic else (".", ".", ".", "!", "?"))
        return " ".join(words) + end

    def text(self, rng: random.Random, n_words: int) -> str:
        """Sentences totalling about ``n_words`` words, sometimes in paragraphs."""
        parts = []
        left = n_words
        while left > 0:
            n = min(left, rng.randint(5, 16))
            if left - n < 3:
                n = left
            parts.append(self.sentence(rng, n))
            left -= n
            if left > 0:
                parts.append("\n\n" if rng.random() < 0.15 else " ")
        return "".join(parts)


def _name_word(rng: random.Random, taken: set[str]) -> str:
    """A capitalised Latin pseudo-word for a name, unused so far and not denied."""
    while True:
        word = _pseudo_word(rng, "latin", rng.choice((2, 2, 3))).capitalize()
        if len(word) >= 4 and word.casefold() not in taken and not _denied(word):
            taken.add(word.casefold())
            return word


# --------------------------------------------------------------------------------------------
# Small helpers: time, Poisson, weighted choice
# --------------------------------------------------------------------------------------------


def _poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw from stdlib randomness (Knuth for small means, normal otherwise)."""
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _day(ts: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ts))


def _local(ts: int) -> str:
    """Desktop's ``date``: the exporting machine's wall clock, without an offset."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts + EXPORT_OFFSET))


def _file_stamp(ts: int) -> str:
    return time.strftime("%d-%m-%Y_%H-%M-%S", time.gmtime(ts + EXPORT_OFFSET))


def _weekday(ts: int) -> int:
    return (ts // DAY + 3) % 7  # 1 Jan 1970 was a Thursday


def _parse_utc(text: str) -> int:
    stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return int(stamp.timestamp())


def _weighted(rng: random.Random, items: list, weights: list[float]):
    return rng.choices(items, weights=weights, k=1)[0]


def _rng(seed: int, topic: str) -> random.Random:
    """An independent stream per concern, so adding draws to one does not reshuffle others."""
    return random.Random(f"{seed}:{topic}")


# --------------------------------------------------------------------------------------------
# Channels
# --------------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Channel:
    """A channel of the world; ``exported`` is False for forward sources without an export."""

    index: int
    id: int
    name: str
    handle: str
    group: str
    lang: str
    hub: bool
    exported: bool = True
    rate: float = 0.0
    forward_share: float = 0.0
    popularity: float = 1.0
    footer_prob: float = 0.0
    start: int = START_TS            # first instant it may post
    created: bool = False            # created inside the world: has a create_channel record
    old_name: str | None = None      # title before an edit_group_title record
    silenced: int | None = None      # midnight UTC from which it posts nothing
    media_included: bool = True      # False: exported without media files
    posts: list = field(default_factory=list)     # forwardable messages, in time order
    messages: list = field(default_factory=list)  # everything it exported

    @property
    def script(self) -> str:
        return SCRIPT_OF[self.lang]

    @property
    def key(self) -> str:
        return f"telegram:{self.id}" if self.exported else name_key(self.name)

    def active(self, ts: int) -> bool:
        """May post at ``ts`` (a minute after creation, so create_channel comes first)."""
        return self.start + 60 <= ts < min(self.silenced or END_TS, END_TS)


def _group_sizes(n_channels: int) -> dict[str, int]:
    """Split ``n_channels`` over the groups: six news editions, the rest by profile share."""
    news = len(EDITION_LANGS) if n_channels >= 30 else max(3, n_channels // 5)
    rest = n_channels - news
    others = [g for g in GROUPS if g != "news_network"]
    total = sum(PROFILES[g].share for g in others)
    exact = {g: rest * PROFILES[g].share / total for g in others}
    sizes = {g: int(exact[g]) for g in others}
    by_remainder = sorted(others, key=lambda g: exact[g] - sizes[g], reverse=True)
    for g in by_remainder[: rest - sum(sizes.values())]:  # largest remainders round up
        sizes[g] += 1
    for g in others:  # every group needs a hub and a non-hub
        while sizes[g] < 2:
            donor = max(others, key=lambda d: sizes[d])
            sizes[donor] -= 1
            sizes[g] += 1
    sizes["news_network"] = news
    return {g: sizes[g] for g in GROUPS}


def _allowed_days(surge_ts: int | None, first: int, last: int) -> list[int]:
    """Midnights in ``[first, last]`` outside the keyword and surge windows, where channels may
    appear or fall silent without blurring the planted surge."""
    days = list(range(first, last + 1, DAY))
    if surge_ts is None:
        return days
    lo = surge_ts // DAY * DAY - KEYWORD_DAYS * DAY
    hi = surge_ts // DAY * DAY + (SURGE_DAYS + 1) * DAY
    return [d for d in days if not lo <= d < hi]


class _ChannelPlanner:
    """Invents the channels: names, handles, ids, languages, hubs, lifetimes."""

    def __init__(self, seed: int, n_channels: int, surge_ts: int | None,
                 arabic: _Vocabulary) -> None:
        self.rng = _rng(seed, "channels")
        self.n_channels = n_channels
        self.surge_ts = surge_ts
        self.arabic = arabic
        self.taken_words: set[str] = set()
        self.names: set[str] = set()
        self.handles: set[str] = set()

    def _unique(self, name: str, handle: str) -> bool:
        handle = "".join(c for c in handle.lower() if c.isascii() and (c.isalnum() or c == "_"))
        if (normalise_name(name) in self.names or handle in self.handles or len(handle) < 5
                or _denied(name) or _denied(handle)):
            return False
        self.names.add(normalise_name(name))
        self.handles.add(handle)
        self._last = (name, handle)
        return True

    def _named(self, templates, arabic: bool = False) -> tuple[str, str]:
        while True:
            word = _name_word(self.rng, self.taken_words)
            if arabic:
                a_name, a_handle = self.rng.choice(_ARABIC_TEMPLATES)
                a_word = self.rng.choice(self.arabic.words[200:1200])
                name, handle = a_name.format(A=a_word), a_handle.format(w=word.lower())
            else:
                pattern, h_pattern = self.rng.choice(templates)
                name, handle = pattern.format(W=word), h_pattern.format(w=word.lower())
            if self._unique(name, handle):
                return self._last

    def plan(self) -> list[_Channel]:
        rng = self.rng
        sizes = _group_sizes(self.n_channels)
        channels: list[_Channel] = []
        brand = _name_word(rng, self.taken_words)
        for group in GROUPS:
            prof = PROFILES[group]
            for i in range(sizes[group]):
                hub = i < min(prof.hubs, sizes[group] - 1)
                if group == "news_network":
                    lang = EDITION_LANGS[i]
                    name = f"{brand} News{EDITION_SUFFIX[lang]}"
                    handle = f"{brand.lower()}news" + ("" if lang == "ar" else f"_{lang}")
                    self._unique(name, handle)
                else:
                    lang = "ar" if hub and group in ("official", "aqap") else _weighted(
                        rng, [lang for lang, _ in prof.langs], [w for _, w in prof.langs])
                    arabic = (lang == "ar" and not hub and group in ("official", "aqap")
                              and rng.random() < 0.4)
                    name, handle = self._named(prof.templates, arabic)
                    if group == "supporters" and not hub and rng.random() < 0.12:
                        name = rng.choice(_EMOJI_PREFIXES) + name
                channels.append(self._configure(_Channel(
                    len(channels), 0, name, handle, group, lang, hub), prof))
        self._lifetimes(channels)
        self._assign_ids(channels)
        return channels

    def _configure(self, ch: _Channel, prof: _Profile) -> _Channel:
        rng = self.rng
        jitter = rng.lognormvariate(0, 0.25)
        ch.rate = (prof.hub_rate if ch.hub else prof.rate) * jitter
        ch.forward_share = prof.hub_forward_share if ch.hub else prof.forward_share
        ch.popularity = (8.0 if ch.hub else 1.0) * prof.popularity * rng.uniform(0.7, 1.3)
        signs = ch.hub or rng.random() < prof.footer_channels
        ch.footer_prob = rng.uniform(0.5, 0.9) if signs else 0.0
        if ch.group == "news_network":  # editions differ by a constant, the ar edition leads
            ch.rate = (prof.hub_rate if ch.lang == "ar" else
                       prof.hub_rate * 0.8 if ch.hub else prof.rate) * jitter
        return ch

    def _lifetimes(self, channels: list[_Channel]) -> None:
        """Some channels appear during the period; some go silent (takedown-like)."""
        rng = self.rng
        late = _allowed_days(self.surge_ts, START_TS + 9 * DAY, END_TS - 12 * DAY)
        quiet = _allowed_days(self.surge_ts, START_TS + 45 * DAY, END_TS - 6 * DAY)
        for ch in channels:
            if ch.hub or ch.group == "news_network":
                continue
            if rng.random() < (0.25 if ch.group in AFFILIATED_GROUPS else 0.1):
                ch.created = True
                ch.start = rng.choice(late) + rng.randint(6 * 3600, 20 * 3600)
                if rng.random() < 0.3:
                    ch.old_name = f"{ch.name} (test)"
        candidates = [c for c in channels if not c.hub and c.group in AFFILIATED_GROUPS]
        n_silent = max(1, round(0.1 * len(candidates)))
        for ch in rng.sample(candidates, n_silent):
            days = [d for d in quiet if d >= ch.start + 20 * DAY]
            if days:
                ch.silenced = rng.choice(days)
        # A few supporter channels were exported without media files, as analysts often do.
        plain = [c for c in channels if c.group == "supporters" and not c.hub]
        for ch in rng.sample(plain, min(2, len(plain))):
            ch.media_included = False

    def _assign_ids(self, channels: list[_Channel]) -> None:
        """Ten-digit ids; channels created inside the period get later (larger) ids."""
        rng = self.rng
        old = [c for c in channels if not c.created]
        new = sorted((c for c in channels if c.created), key=lambda c: c.start)
        for ch, cid in zip(old, rng.sample(range(1_000_100_000, 1_079_999_999), len(old))):
            ch.id = cid
        for ch, cid in zip(new, sorted(rng.sample(range(1_080_000_000, 1_099_999_999), len(new)))):
            ch.id = cid

    def unresolved(self, start_index: int) -> list[_Channel]:
        """Forward sources that are not in the export: known only by their display name."""
        per_group = {"official": 2, "aqap": 1, "supporters": 2, "control": 1}
        scale = max(0.5, self.n_channels / 50)
        out = []
        for group, n in per_group.items():
            for _ in range(max(1, round(n * scale))):
                name, handle = self._named(_UNRESOLVED_TEMPLATES)
                prof = PROFILES[group]
                lang = _weighted(self.rng, [lang for lang, _ in prof.langs],
                                 [w for _, w in prof.langs])
                out.append(_Channel(start_index + len(out), 0, name, handle, group, lang, False,
                                    exported=False, popularity=1.5 * prof.popularity,
                                    footer_prob=0.5))
        return out


# --------------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------------
#
# A message body is a list of segments, rendered to Desktop's ``text`` / ``text_entities`` only
# once ids are known (post links and pins refer to ids):
#   ("plain", str)  ("bold", str)  ("hashtag", "#tag")  ("url", url)
#   ("mention", target)            -> "@handle" mention entity
#   ("link", form, target)         -> link entity, form like "t.me/s/{h}"
#   ("text_link", text, href, target)  (target None: href used as is)
#   ("postlink", message)          -> link entity "https://t.me/<handle>/<id>"
# where target is a channel index (exported or not).


class _Msg:
    """One record of a channel (or a post of a channel without export)."""

    __slots__ = ("channel", "time", "seq", "kind", "body", "footer", "media", "source", "root",
                 "via", "edited", "reply_to", "action", "extra", "id", "flags", "members")

    def __init__(self, channel: int, ts: int, seq: int, kind: str, body=None, footer=None,
                 media=None) -> None:
        self.channel = channel
        self.time = ts
        self.seq = seq
        self.kind = kind          # post | forward | copy | service
        self.body = body or []
        self.footer = footer      # index of the channel whose footer closes the text
        self.media = media
        self.source = None        # forwards: index of the channel forwarded from
        self.root = self          # the content item this message carries
        self.via = None           # roots: how copies relate (text, link, media)
        self.edited = None
        self.reply_to = None
        self.action = None
        self.extra = None
        self.id = 0
        self.flags: set[str] = set()
        self.members: list[_Msg] = []  # roots: every message carrying the item


class _Builder:
    """Runs the world: schedules, simulates in time order, renders, and keeps the truth."""

    def __init__(self, seed: int, n_channels: int, in_group_share: float, edit_strength: float,
                 surge_event: str | None, messages_scale: float) -> None:
        self.seed = seed
        self.in_group_share = in_group_share
        self.edit_strength = edit_strength
        self.scale = messages_scale
        self.surge_event = surge_event
        self.surge_ts = None if surge_event is None else _event_time(surge_event)
        self.rng = _rng(seed, "messages")
        self.vocab = {s: _Vocabulary(s, _rng(seed, f"vocab:{s}"))
                      for s in ("arabic", "latin", "cyrillic")}
        self.keyword = self._keyword()
        planner = _ChannelPlanner(seed, n_channels, self.surge_ts, self.vocab["arabic"])
        self.channels = planner.plan()
        self.n_exported = len(self.channels)
        self.channels += planner.unresolved(len(self.channels))
        self.brand = next(c.name for c in self.channels if c.group == "news_network").split()[0]
        self.heap: list = []
        self.seq = itertools.count()
        first_article = _rng(seed, "urls").randint(1000, 9000)
        self.article = itertools.count(first_article)  # article numbers: unique per link
        self.media_serial = itertools.count(first_article % 97 + 1)
        self.forwards: Counter = Counter()
        self.hard_negatives: list[tuple[_Msg, _Msg]] = []
        self.hostile: list[tuple[_Msg, str, str]] = []
        self.controls: list[_Msg] = []

    # -- set-up -------------------------------------------------------------------------------

    def _keyword(self) -> str:
        """The planted holiday-call keyword: a Latin pseudo-word used nowhere else."""
        rng = _rng(self.seed, "keyword")
        latin = self.vocab["latin"].known
        while True:
            word = _pseudo_word(rng, "latin", 3)
            # Not a word, nor inside one: a substring search for it must find only the plant.
            if len(word) >= 7 and not _denied(word) and not any(word in w for w in latin):
                return word

    def exported(self) -> list[_Channel]:
        return self.channels[: self.n_exported]

    def push(self, ts: int, kind: str, channel: int, payload=None) -> None:
        heapq.heappush(self.heap, (ts, next(self.seq), kind, channel, payload))

    # -- volume -------------------------------------------------------------------------------

    def surge_window(self) -> tuple[int, int] | None:
        if self.surge_ts is None:
            return None
        first = self.surge_ts // DAY * DAY
        return first, first + SURGE_DAYS * DAY

    def schedule(self) -> None:
        """Poisson counts per channel and day: weekly rhythm, diurnal hours, planted surge."""
        rng = _rng(self.seed, "schedule")
        window = self.surge_window()
        for ch in self.exported():
            prof = PROFILES[ch.group]
            hours = list(range(24))
            for day in range(START_TS, END_TS, DAY):
                if day + DAY <= ch.start or (ch.silenced is not None and day >= ch.silenced):
                    continue
                lam = ch.rate * self.scale * prof.weekday[_weekday(day)]
                times = [day + 3600 * h + rng.randrange(3600)
                         for h in rng.choices(hours, weights=prof.hours, k=_poisson(rng, lam))]
                if window and ch.group in AFFILIATED_GROUPS and window[0] <= day < window[1]:
                    extra = _poisson(rng, lam * (SURGE_FACTOR - 1))
                    if day == window[0]:  # on the event day the extra volume follows the event
                        times += [rng.randrange(self.surge_ts, day + DAY) for _ in range(extra)]
                    else:
                        times += [day + 3600 * h + rng.randrange(3600)
                                  for h in rng.choices(hours, weights=prof.hours, k=extra)]
                for ts in sorted(times):
                    if ch.active(ts):
                        kind = "forward" if rng.random() < ch.forward_share else "post"
                        self.push(ts, kind, ch.index)

    def keyword_share(self, ts: int) -> float:
        """Share of affiliated original posts carrying the keyword at ``ts``."""
        if self.surge_ts is None:
            return 0.0
        rise = self.surge_ts // DAY * DAY - KEYWORD_DAYS * DAY
        if ts < rise:
            return 0.0
        if ts < self.surge_ts:
            return 0.02 + 0.38 * (ts - rise) / (self.surge_ts - rise)
        if ts < self.surge_ts + 3 * DAY:
            return 0.25
        if ts < self.surge_ts + SURGE_DAYS * DAY:
            return 0.06
        return 0.0

    # -- content ------------------------------------------------------------------------------

    def words(self, ch: _Channel, lo: int = 4, hi: int = 100, median: float = 15.0) -> str:
        n = min(hi, max(lo, int(self.rng.lognormvariate(math.log(median), 0.6))))
        return self.vocab[ch.script].text(self.rng, n)

    def mention_target(self, ch: _Channel) -> int:
        """Mostly a channel of the same group (hubs more often), sometimes one outside it."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.05:
            pool = [c for c in self.channels[self.n_exported:] if c.group == ch.group]
        elif roll < 0.85:
            pool = [c for c in self.exported() if c.group == ch.group and c is not ch]
        else:
            pool = [c for c in self.exported() if c.group != ch.group
                    and (c.group in AFFILIATED_GROUPS) == (ch.group in AFFILIATED_GROUPS)]
        pool = pool or [c for c in self.exported() if c is not ch]
        return _weighted(rng, pool, [c.popularity for c in pool]).index

    def mention_segments(self, ch: _Channel) -> list:
        rng = self.rng
        target = self.mention_target(ch)
        lead = self.vocab[ch.script].sentence(rng, rng.randint(2, 6))
        roll = rng.random()
        if roll < 0.5:
            seg = ("mention", target)
        elif roll < 0.9:
            seg = ("link", rng.choice(_LINK_FORMS), target)
        else:
            seg = ("text_link", " ".join(self.vocab[ch.script].sample(rng, 2)),
                   "https://t.me/{h}", target)
        return [("plain", ("\n" if rng.random() < 0.5 else " ") + lead + " "), seg]

    def media(self, ch: _Channel, named: str | None = None) -> dict:
        rng = self.rng
        kind = "video" if named else _weighted(rng, ["photo", "video", "audio", "voice"],
                                               [0.6, 0.28, 0.06, 0.06])
        if kind == "photo":
            w, h = rng.choice(((1280, 720), (800, 600), (1280, 853), (960, 960), (720, 1280)))
            return {"kind": "photo", "width": w, "height": h}
        if kind == "video":
            w, h = rng.choice(((1280, 720), (854, 480), (640, 360)))
            return {"kind": "video", "file": named, "duration": rng.randint(12, 600),
                    "width": w, "height": h}
        if kind == "audio":
            title = "_".join(self.vocab["latin"].sample(rng, 2))
            return {"kind": "audio", "file": f"files/{title}.mp3",
                    "duration": rng.randint(60, 1800)}
        return {"kind": "voice", "duration": rng.randint(3, 120)}

    def compose(self, ch: _Channel, ts: int) -> tuple[list, int | None, dict | None]:
        """An original post: optional bold headline, body, keyword, mention, link, hashtags,
        footer and media."""
        rng = self.rng
        vocab = self.vocab[ch.script]
        body: list = []
        media = self.media(ch) if rng.random() < 0.25 else None
        if media and rng.random() < 0.2:  # media without caption
            return body, (ch.index if rng.random() < ch.footer_prob else None), media
        if rng.random() < 0.15:
            body += [("bold", vocab.sentence(rng, rng.randint(3, 7))), ("plain", "\n")]
        text = self.words(ch)
        hashtag_kw = False
        if ch.group in AFFILIATED_GROUPS and rng.random() < self.keyword_share(ts):
            if rng.random() < 0.6:
                hashtag_kw = True
            else:
                words = text.split(" ")
                words.insert(rng.randrange(len(words) + 1), self.keyword)
                text = " ".join(words)
        body.append(("plain", text))
        if rng.random() < PROFILES[ch.group].mention_prob:
            body += self.mention_segments(ch)
        if ch.group == "news_network" and rng.random() < 0.3:
            url = f"https://example-news.invalid/article/{next(self.article)}"
            body += [("plain", "\n"), ("url", url)]
        tags = []
        if rng.random() < 0.2:
            tags = [f"#{w}" for w in vocab.sample(rng, rng.choice((1, 1, 2)))]
        if hashtag_kw:
            tags.append(f"#{self.keyword}")
        if tags:
            body.append(("plain", "\n"))
            for i, tag in enumerate(tags):
                body += ([("plain", " ")] if i else []) + [("hashtag", tag)]
        footer = ch.index if rng.random() < ch.footer_prob else None
        return body, footer, media

    def add(self, ch: _Channel, msg: _Msg, forwardable: bool = True) -> _Msg:
        ch.messages.append(msg)
        msg.root.members.append(msg)
        if forwardable and msg.kind != "forward":
            ch.posts.append(msg)
        return msg

    def new_post(self, ch: _Channel, ts: int, body, footer, media, *,
                 copy_prob: float | None = None, forwardable: bool = True) -> _Msg:
        """Record an original post; sometimes an edit time, a reply, and copies elsewhere."""
        msg = _Msg(ch.index, ts, next(self.seq), "post", body, footer, media)
        rng = self.rng
        if rng.random() < 0.05:
            msg.edited = ts + rng.randint(60, 7200)
        if ch.group in ("official", "news_network", "aqap") and ch.posts and rng.random() < 0.02:
            msg.reply_to = rng.choice(ch.posts[-20:])
        self.add(ch, msg, forwardable)
        if copy_prob is None:
            copy_prob = PROFILES[ch.group].copy_prob * (3 if ch.hub else 1)
        if body and rng.random() < copy_prob:
            self.spawn_copies(ch, msg)
        return msg

    # -- cross-posting ------------------------------------------------------------------------

    def lag(self, lo: int = 120, hi: int = 4 * DAY, median: float = 3600.0) -> int:
        return int(min(hi, max(lo, self.rng.lognormvariate(math.log(median), 1.6))))

    def copy_targets(self, ch: _Channel, k: int, same_script: float = 0.9) -> list[_Channel]:
        rng = self.rng
        affiliated = ch.group in AFFILIATED_GROUPS
        pool = [c for c in self.exported() if c is not ch
                and (c.group in AFFILIATED_GROUPS) == affiliated]
        weights = []
        for c in pool:
            w = c.popularity * (4.0 if c.group == ch.group else 1.0)
            w *= same_script if c.script == ch.script else 1 - same_script
            weights.append(w + 1e-9)
        chosen: list[_Channel] = []
        while pool and len(chosen) < k:
            c = _weighted(rng, pool, weights)
            i = pool.index(c)
            pool.pop(i)
            weights.pop(i)
            chosen.append(c)
        return chosen

    def spawn_copies(self, ch: _Channel, origin: _Msg) -> None:
        """Copies (not forwards) of ``origin`` in other channels, minutes to days later."""
        origin.via = "text"
        k = min(5, 1 + int(self.rng.expovariate(1.2)))
        for target in self.copy_targets(ch, k):
            self.push(origin.time + self.lag(), "copy", target.index, (origin, "text", None))

    def edit(self, body: list, script: str) -> list:
        """Light edits of a copied body; more and stronger with ``edit_strength``."""
        rng = self.rng
        s = self.edit_strength
        body = list(body)
        n_words = sum(len(seg[1].split()) for seg in body if seg[0] in ("plain", "bold"))
        ops = ["emoji", "breaking", "hashtag", "punctuation"]
        if n_words > 12:
            ops.append("truncate")
        n_ops = 1 + (rng.random() < s) + (rng.random() < s * s)
        for op in rng.sample(ops, min(n_ops, len(ops))):
            body = getattr(self, f"_edit_{op}")(body, script)
        if s > 0.6 and rng.random() < s - 0.3:
            body = self._edit_swap(body, script)
        return body

    def _edit_emoji(self, body, script):
        return [("plain", self.rng.choice(_EMOJI_PREFIXES))] + body

    def _edit_breaking(self, body, script):
        rng = self.rng
        prefix = rng.choice(_BREAKING[script]) if rng.random() < 0.7 else "BREAKING: "
        return [("plain", prefix)] + body

    def _edit_hashtag(self, body, script):
        tag = "#" + self.vocab[script].sample(self.rng, 1)[0]
        return body + [("plain", self.rng.choice((" ", "\n"))), ("hashtag", tag)]

    def _edit_punctuation(self, body, script):
        rng = self.rng
        style = rng.randrange(3)
        out = []
        for seg in body:
            if seg[0] == "plain":
                text = seg[1]
                if style == 0:
                    text = text.replace(". ", "! ", 1)
                elif style == 1:
                    text = text.replace(",", "").replace("،", "")
                else:
                    text = text.replace(".", " ...", 1)
                seg = ("plain", text)
            out.append(seg)
        if style == 2 and out and out[-1][0] == "plain":
            out[-1] = ("plain", out[-1][1].rstrip() + "!!")
        return out

    def _edit_truncate(self, body, script):
        """Cut after a share of the words; entities after the cut are dropped."""
        total = sum(len(seg[1].split()) for seg in body if seg[0] in ("plain", "bold"))
        keep = max(6, int(total * (1 - self.rng.uniform(0.15, 0.25 + 0.35 * self.edit_strength))))
        out, seen = [], 0
        for seg in body:
            if seg[0] not in ("plain", "bold"):
                out.append(seg)
                continue
            words = seg[1].split(" ")
            n = len(seg[1].split())
            if seen + n >= keep:
                cut, count = [], 0
                for w in words:
                    cut.append(w)
                    count += bool(w.strip())
                    if seen + count >= keep:
                        break
                out.append((seg[0], " ".join(cut).rstrip() + "…"))
                return out
            seen += n
            out.append(seg)
        return out

    def _edit_swap(self, body, script):
        rng = self.rng
        vocab = self.vocab[script]
        out = []
        for seg in body:
            if seg[0] == "plain":
                words = seg[1].split(" ")
                for i, w in enumerate(words):
                    if w and w[-1:].isalpha() and rng.random() < 0.1 * self.edit_strength:
                        words[i] = vocab.sample(rng, 1)[0]
                seg = ("plain", " ".join(words))
            out.append(seg)
        return out

    def make_copy(self, ch: _Channel, ts: int, payload) -> None:
        origin, via, make = payload
        if not ch.active(ts):
            return
        if make is None:  # a text copy: the origin's body, lightly edited, with own footer
            body = self.edit(origin.body, self.channels[origin.channel].script)
            footer = ch.index if self.rng.random() < ch.footer_prob else None
            media = dict(origin.media) if origin.media else None
            if media and media["kind"] == "video" and not media.get("file"):
                media = None  # re-uploading would rename the file: keep copies text-only
        else:
            body, footer, media = make(ch)
        msg = _Msg(ch.index, ts, next(self.seq), "copy", body, footer, media)
        msg.root = origin.root
        msg.flags |= origin.flags & {"short"}
        origin.root.via = via
        self.add(ch, msg)

    # -- forwards -----------------------------------------------------------------------------

    def forward_source(self, ch: _Channel, ts: int) -> _Channel | None:
        """In-group with probability ``in_group_share``, else by cross-group weights; hubs and
        popular channels are picked most."""
        rng = self.rng
        if rng.random() < self.in_group_share:
            group = ch.group
        else:
            other = _CROSS_GROUP[ch.group]
            group = _weighted(rng, list(other), list(other.values()))
        for pool_group in (group, None):
            pool = [c for c in self.channels if c is not ch
                    and (pool_group is None or c.group == pool_group)
                    and (not c.exported or (c.posts and c.posts[0].time <= ts - 30))]
            if pool:
                return _weighted(rng, pool, [c.popularity for c in pool])
        return None

    def pick_post(self, src: _Channel, ts: int) -> _Msg:
        """A recent post of ``src`` (older ones sometimes); external sources get new posts."""
        rng = self.rng
        if not src.exported and (not src.posts or rng.random() < 0.5):
            when = ts - rng.randint(60, 6 * 3600)
            body, footer, media = self.compose(src, when)
            post = _Msg(src.index, when, next(self.seq), "post", body, footer, media)
            src.posts.append(post)
            return post
        posts = src.posts
        hi = len(posts)
        while hi and posts[hi - 1].time > ts - 30:
            hi -= 1
        if rng.random() < 0.85:
            return posts[max(0, hi - 1 - int(rng.expovariate(0.5)))]
        return posts[rng.randrange(hi)]

    def make_forward(self, ch: _Channel, ts: int) -> None:
        src = self.forward_source(ch, ts)
        if src is None:  # nothing to forward yet: post instead
            self.new_post(ch, ts, *self.compose(ch, ts))
            return
        post = self.pick_post(src, ts)
        msg = _Msg(ch.index, ts, next(self.seq), "forward", post.body, post.footer,
                   dict(post.media) if post.media else None)
        msg.source = src.index
        msg.root = post.root
        self.forwards[(src.key, ch.key)] += 1
        self.add(ch, msg)

    # -- the run ------------------------------------------------------------------------------

    def run(self) -> None:
        self.schedule()
        _Specials(self).plant()
        while self.heap:
            ts, _, kind, index, payload = heapq.heappop(self.heap)
            ch = self.channels[index]
            if kind == "post":
                self.new_post(ch, ts, *self.compose(ch, ts))
            elif kind == "forward":
                self.make_forward(ch, ts)
            elif kind == "copy":
                self.make_copy(ch, ts, payload)
            else:  # "special": payload plants itself
                payload(ts)
        self.plant_controls()
        self.service_records()
        self.assign_ids()

    def plant_controls(self) -> None:
        """A few ``\\xHH`` control characters in posts that nothing else copied."""
        rng = _rng(self.seed, "controls")
        candidates = [m for ch in self.exported() for m in ch.messages
                      if m.kind == "post" and len(m.root.members) == 1 and not m.flags
                      and m.body and m.body[0][0] == "plain" and " " in m.body[0][1]]
        for i, msg in enumerate(rng.sample(candidates, min(6, len(candidates)))):
            text = msg.body[0][1]
            cut = text.index(" ")
            char = PLANTED_CONTROLS[i % len(PLANTED_CONTROLS)]
            msg.body = [("plain", text[:cut] + char + text[cut:])] + msg.body[1:]
            msg.flags.add("control")
            self.controls.append(msg)

    def service_records(self) -> None:
        """create_channel, edit_group_title, edit_group_photo and pin_message records."""
        rng = _rng(self.seed, "service")
        for ch in self.exported():
            end = min(ch.silenced or END_TS, END_TS)
            if ch.created:
                self.service(ch, ch.start, "create_channel", {"title": ch.old_name or ch.name})
                if ch.old_name:
                    self.service(ch, ch.start + rng.randint(120, 3000), "edit_group_title",
                                 {"title": ch.name})
            if rng.random() < 0.2:
                self.service(ch, rng.randint(ch.start + 3600, end - 3600), "edit_group_photo",
                             {"photo": None, "width": 640, "height": 640})
            posts = [m for m in ch.messages if m.kind == "post" and m.time + 3600 < end]
            for post in rng.sample(posts, min(len(posts), rng.choice((0, 0, 1, 2)))):
                self.service(ch, post.time + rng.randint(30, 3000), "pin_message",
                             {"message": post})

    def service(self, ch: _Channel, ts: int, action: str, extra: dict) -> None:
        msg = _Msg(ch.index, ts, next(self.seq), "service")
        msg.action, msg.extra = action, extra
        ch.messages.append(msg)

    def assign_ids(self) -> None:
        """Ids increase with time; exports filtered to the period start high; deletions leave
        gaps."""
        rng = _rng(self.seed, "ids")
        for ch in self.exported():
            ch.messages.sort(key=lambda m: (m.time, m.seq))
            next_id = 1 if ch.created else rng.randint(200, 9000)
            for msg in ch.messages:
                msg.id = next_id
                next_id += 1 + (rng.randint(1, 5) if rng.random() < 0.02 else 0)


class _Specials:
    """Planted structures that the Poisson schedule would not produce on its own."""

    def __init__(self, builder: _Builder) -> None:
        self.b = builder
        self.rng = _rng(builder.seed, "specials")

    def plant(self) -> None:
        self.editions()
        self.short_statements()
        self.bulletins()
        self.hostile()

    def _active_time(self, ch: _Channel) -> int | None:
        """A random instant when ``ch`` is active, away from the period's edges."""
        lo, hi = START_TS + DAY, END_TS - 2 * DAY
        lo = max(lo, ch.start + 3600)
        hi = min(hi, (ch.silenced or END_TS) - 2 * DAY)
        return self.rng.randrange(lo, hi) if lo < hi else None

    def _at(self, ts: int, fn) -> None:
        self.b.push(ts, "special", 0, fn)

    # Cross-edition items: editions share a link or a media file, not text.
    def editions(self) -> None:
        b, rng = self.b, self.rng
        editions = [c for c in b.exported() if c.group == "news_network"]
        scale = max(0.3, min(1.0, b.scale))
        for i in range(round(45 * scale)):
            origin_ch = editions[0] if rng.random() < 0.6 else editions[1]
            ts = self._active_time(origin_ch)
            via = "link" if i % 9 < 5 else "media"
            others = [c for c in editions if c is not origin_ch]
            targets = rng.sample(others, rng.randint(min(2, len(others)), min(5, len(others))))
            self._at(ts, lambda t, o=origin_ch, v=via, to=targets, k=i:
                     self._edition(o, t, v, to, k))

    def _edition(self, origin_ch: _Channel, ts: int, via: str, targets: list, k: int) -> None:
        b, rng = self.b, self.rng
        body = [("plain", b.words(origin_ch, 8, 60))]
        media = None
        postlink = via == "link" and k % 3 == 2  # members link to the origin post itself
        if via == "link" and not postlink:
            url = f"https://example-news.invalid/article/{next(b.article)}"
            body += [("plain", "\n"), ("url", url)]
        if via == "media":
            name = f"video_files/{b.brand.lower()}_release_{next(b.media_serial)}.mp4"
            media = b.media(origin_ch, named=name)
        origin = b.new_post(origin_ch, ts, body, origin_ch.index, media, copy_prob=0.0)

        def make(ch: _Channel) -> tuple:
            text = [("plain", b.words(ch, 8, 60))] if via == "link" or rng.random() < 0.7 else []
            if via == "link":
                text += [("plain", "\n"), ("postlink", origin) if postlink else body[-1]]
            return text, ch.index, dict(media) if media else None

        for target in targets:
            b.push(ts + b.lag(180, 8 * 3600, 1800), "copy", target.index, (origin, via, make))

    # The short-text case: a ten-word statement copied with a prefix.
    def short_statements(self) -> None:
        b, rng = self.b, self.rng
        hubs = [c for c in b.exported() if c.hub and c.group in AFFILIATED_GROUPS]
        for _ in range(4):
            ch = rng.choice(hubs)
            ts = self._active_time(ch)
            if ts is not None:
                self._at(ts, lambda t, c=ch: self._statement(c, t))

    def _statement(self, ch: _Channel, ts: int) -> None:
        b, rng = self.b, self.rng
        origin = b.new_post(ch, ts, [("plain", b.vocab[ch.script].sentence(rng, 10))], None, None,
                            copy_prob=0.0)
        origin.flags.add("short")

        def make(target: _Channel) -> tuple:
            prefix = rng.choice(_BREAKING[ch.script] + _EMOJI_PREFIXES)
            return [("plain", prefix)] + origin.body, None, None

        for target in b.copy_targets(ch, rng.randint(2, 4), same_script=0.99):
            b.push(ts + b.lag(120, 2 * 3600, 900), "copy", target.index, (origin, "text", make))

    # Hard negatives: bulletins that share a boilerplate header but differ in body.
    def bulletins(self) -> None:
        b, rng = self.b, self.rng
        official = [c for c in b.exported() if c.group == "official"]
        a = official[0]
        partners = [c for c in b.exported() if c is not a and c.script == a.script
                    and c.group in AFFILIATED_GROUPS and not c.created and c.silenced is None]
        # Prefer an official channel: a shared house style is most plausible there.
        partner = min(partners, key=lambda c: (c.group != "official", c.index), default=None)
        header = b.vocab[a.script].sentence(rng, 12)
        series: list[dict] = [{} for _ in range(11)]
        for k, slot in enumerate(series):
            ts = START_TS + 6 * DAY + k * 13 * DAY + rng.randrange(DAY)
            self._at(ts, lambda t, s=slot: s.update(a=self._bulletin(a, t, header)))
            lag = ts + rng.randint(3600, 8 * 3600)
            if partner is not None and partner.active(lag):
                self._at(lag, lambda t, s=slot: s.update(b=self._bulletin(partner, t, header)))
        self._at(END_TS - 1, lambda t: self._pairs(series))

    def _bulletin(self, ch: _Channel, ts: int, header: str) -> _Msg:
        b = self.b
        body = [("bold", header), ("plain", "\n" + b.words(ch, 25, 45, 32))]
        msg = b.new_post(ch, ts, body, ch.index if ch.footer_prob else None, None, copy_prob=0.0)
        msg.flags.add("bulletin")
        return msg

    def _pairs(self, series: list[dict]) -> None:
        """Same-day pairs across the two channels, and consecutive bulletins of one channel."""
        for slot, nxt in zip(series, series[1:] + [{}]):
            if "b" in slot:
                self.b.hard_negatives.append((slot["a"], slot["b"]))
            if "a" in nxt:
                self.b.hard_negatives.append((slot["a"], nxt["a"]))

    # Hostile payloads: views must escape every text.
    def hostile(self) -> None:
        b, rng = self.b, self.rng
        payloads = [
            ("text", "<script>document.title='pwned'</script>"),
            ("bold", "<img src=x onerror=alert(1)>"),
            ("href", "javascript:alert(1)"),
            ("text", '"><svg onload=alert(document.domain)>'),
            ("text", '<a href="javascript:alert(1)">open</a>'),
        ]
        pool = [c for c in b.exported() if not c.hub and c.group != "news_network"
                and c.silenced is None]
        for where, payload in payloads:
            ch = rng.choice(pool)
            ts = self._active_time(ch)
            if ts is not None:
                self._at(ts, lambda t, c=ch, w=where, p=payload: self._hostile(c, t, w, p))

    def _hostile(self, ch: _Channel, ts: int, where: str, payload: str) -> None:
        b, rng = self.b, self.rng
        before = b.vocab[ch.script].sentence(rng, rng.randint(4, 9)) + " "
        after = " " + b.vocab[ch.script].sentence(rng, rng.randint(4, 9))
        if where == "text":
            body = [("plain", before + payload + after)]
        elif where == "bold":
            body = [("plain", before), ("bold", payload), ("plain", after)]
        else:
            body = [("plain", before), ("text_link", "read more", payload, None), ("plain", after)]
        msg = b.new_post(ch, ts, body, None, None, copy_prob=0.0, forwardable=False)
        msg.edited = None
        msg.flags.add("hostile")
        b.hostile.append((msg, payload, "links" if where == "href" else "text"))


# --------------------------------------------------------------------------------------------
# Rendering to Telegram Desktop JSON
# --------------------------------------------------------------------------------------------


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


def _mentioned(msg: _Msg, n_exported: int) -> tuple[set[int], set[int]]:
    """Channel indexes that a message mentions or links to: (exported, not exported)."""
    targets = []
    for seg in msg.body:
        if seg[0] == "mention":
            targets.append(seg[1])
        elif seg[0] == "link":
            targets.append(seg[2])
        elif seg[0] == "text_link" and seg[3] is not None:
            targets.append(seg[3])
        elif seg[0] == "postlink":
            targets.append(seg[1].channel)
    if msg.footer is not None:
        targets.append(msg.footer)
    inside = {t for t in targets if t < n_exported and t != msg.channel}
    outside = {t for t in targets if t >= n_exported}
    return inside, outside


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


_encode_str = json.encoder.encode_basestring  # the C escaper json.dumps(ensure_ascii=False) uses
_DESKTOP_ESCAPES = {f"\\u{ord(c):04x}": f"\\x{ord(c):02X}" for c in PLANTED_CONTROLS}


def _encode(obj, level: int, out: list) -> None:
    """Append ``obj`` as ``json.dumps(obj, ensure_ascii=False, indent=1)`` would write it."""
    if isinstance(obj, str):
        out.append(_encode_str(obj))
    elif obj is None or isinstance(obj, bool):
        out.append("null" if obj is None else "true" if obj else "false")
    elif isinstance(obj, int):
        out.append(str(obj))
    elif isinstance(obj, dict):
        if not obj:
            out.append("{}")
            return
        pad = "\n" + " " * (level + 1)
        first = True
        for key, value in obj.items():
            out.append(("{" if first else ",") + pad + _encode_str(key) + ": ")
            first = False
            _encode(value, level + 1, out)
        out.append("\n" + " " * level + "}")
    elif isinstance(obj, list):
        if not obj:
            out.append("[]")
            return
        pad = "\n" + " " * (level + 1)
        for i, value in enumerate(obj):
            out.append(("[" if i == 0 else ",") + pad)
            _encode(value, level + 1, out)
        out.append("\n" + " " * level + "]")
    else:
        raise TypeError(f"cannot serialise {type(obj).__name__}")


def _desktop_json(obj, level: int = 0) -> str:
    """Desktop's JSON: one-space indent, UTF-8 text, and control characters written as
    ``\\xHH`` (which strict JSON parsers reject, as with genuine exports).

    Examples
    --------
    >>> _desktop_json({"a": [1, {"b": "x\\x07"}], "c": []})
    '{\\n "a": [\\n  1,\\n  {\\n   "b": "x\\\\x07"\\n  }\\n ],\\n "c": []\\n}'
    """
    out: list[str] = []
    _encode(obj, level, out)
    text = "".join(out)
    if "\\u00" in text:
        for escaped, desktop in _DESKTOP_ESCAPES.items():
            text = text.replace(escaped, desktop)
    return text


def _gzip(data: bytes, level: int = 6) -> bytes:
    """Gzip with no timestamp and no file name in the header, so output is reproducible."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=level) as gz:
        gz.write(data)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# Twitter: a Kaggle-format CSV whose volume falls with the 2016 suspension waves
# --------------------------------------------------------------------------------------------


class _Twitter:
    """Invented accounts tweeting Jan 2015 to Dec 2016; waves of suspensions in Feb and Aug 2016
    thin them out, while later accounts point to Telegram channels."""

    def __init__(self, seed: int, vocab: dict, channels: list[_Channel], scale: float) -> None:
        self.rng = _rng(seed, "twitter")
        self.vocab = vocab
        self.handles = [c.handle for c in channels if c.exported and c.group in AFFILIATED_GROUPS]
        self.scale = scale
        self.taken: set[str] = set()
        self.waves = [_parse_utc(d + "T12:00:00Z") for d in TWITTER_SUSPENSIONS]

    def account(self, born: int) -> dict:
        rng = self.rng
        while True:
            first = _name_word(rng, self.taken)
            last = _name_word(rng, self.taken)
            glue = rng.choice(("", "_", ""))
            username = f"{first.lower()}{glue}{last.lower()[:4]}{rng.randint(0, 99)}"
            if username not in self.taken and not _denied(username):
                self.taken.add(username)
                break
        desc = self.vocab["latin"].sentence(rng, rng.randint(4, 12))
        if born > self.waves[0] and rng.random() < 0.5:
            desc += " t.me/" + rng.choice(self.handles)
        location = "" if rng.random() < 0.5 else _name_word(rng, self.taken)
        return {"name": f"{first} {last}" if rng.random() < 0.7 else first, "username": username,
                "description": desc, "location": location, "born": born,
                "followers": int(rng.lognormvariate(6.0, 1.0)), "growth": rng.uniform(0.5, 8.0),
                "statuses": int(rng.lognormvariate(5.0, 1.2)),
                "rate": rng.lognormvariate(math.log(0.15), 0.3) * self.scale, "end": None,
                "tweets": []}

    def run(self) -> tuple[list[dict], dict]:
        rng = self.rng
        accounts = [self.account(TWITTER_START_TS) for _ in range(18)]
        recent: list[tuple[str, str]] = []
        for day in range(TWITTER_START_TS, TWITTER_END_TS, DAY):
            arrivals = 0.1 if day < self.waves[0] else 0.035 if day < self.waves[1] else 0.015
            accounts += [self.account(day) for _ in range(_poisson(rng, arrivals))]
            for wave, share in zip(self.waves, (0.75, 0.8)):
                if day == wave // DAY * DAY:  # a suspension wave over the next three weeks
                    for acc in accounts:
                        if acc["end"] is None and rng.random() < share:
                            acc["end"] = day + rng.randint(0, 20) * DAY
            for acc in accounts:
                if acc["end"] is None and rng.random() < 1 / 500:
                    acc["end"] = day
                if acc["end"] is not None and day >= acc["end"]:
                    continue
                for _ in range(_poisson(rng, acc["rate"])):
                    ts = day + rng.randrange(DAY)
                    text = self.tweet(acc, day, recent)
                    acc["tweets"].append((ts, text))
                    recent.append((acc["username"], text))
            del recent[:-200]
        return self.rows(accounts)

    def tweet(self, acc: dict, day: int, recent: list) -> str:
        rng = self.rng
        if recent and rng.random() < 0.2:
            user, text = rng.choice(recent[-50:])
            if user != acc["username"] and not text.startswith("RT @"):
                return f"RT @{user}: {text}"[:140]
        script = "arabic" if rng.random() < 0.25 else "latin"
        text = self.vocab[script].sentence(rng, rng.randint(5, 16))
        if recent and rng.random() < 0.1:
            text = f"@{rng.choice(recent)[0]} " + text
        if rng.random() < 0.2:
            text += " #" + self.vocab["latin"].sample(rng, 1)[0]
        telegram = 0.04 if day < self.waves[0] else 0.15 if day < self.waves[1] else 0.3
        roll = rng.random()
        if roll < telegram:
            text += " https://t.me/" + rng.choice(self.handles)
        elif roll < telegram + 0.12:
            code = "".join(rng.choice("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
                           for _ in range(8))
            text += f" https://example-short.invalid/{code}"
        return text[:140]

    def rows(self, accounts: list[dict]) -> tuple[list[dict], dict]:
        rows, monthly = [], Counter()
        retweets = 0
        for acc in accounts:
            if not acc["tweets"]:
                continue
            for i, (ts, text) in enumerate(sorted(acc["tweets"])):
                t = time.gmtime(ts)
                age = (ts - acc["born"]) / DAY
                rows.append({"name": acc["name"], "username": acc["username"],
                             "description": acc["description"], "location": acc["location"],
                             "followers": acc["followers"] + int(age * acc["growth"]),
                             "numberstatuses": acc["statuses"] + i + 1,
                             "time": (f"{t.tm_mon}/{t.tm_mday}/{t.tm_year} "
                                      f"{t.tm_hour}:{t.tm_min:02d}"),
                             "tweets": text, "_ts": ts})
                monthly[time.strftime("%Y-%m", t)] += 1
                retweets += text.startswith("RT @")
        summary = {
            "accounts": len({r["username"] for r in rows}), "tweets": len(rows),
            "start": _day(min(r["_ts"] for r in rows)), "end": _day(max(r["_ts"] for r in rows)),
            "suspensions": list(TWITTER_SUSPENSIONS), "retweets": retweets,
            "monthly": dict(sorted(monthly.items())),
        }
        for r in rows:
            del r["_ts"]
        return rows, summary


# --------------------------------------------------------------------------------------------
# The world, its truth, and writing it
# --------------------------------------------------------------------------------------------


@dataclass
class World:
    """A generated world: Desktop exports per channel handle, labels, tweets and the truth.

    Attributes
    ----------
    seed : int
    params : dict
        The difficulty settings it was generated with.
    exports : dict
        ``handle -> {"name", "type", "id", "messages"}``, exactly what is written as
        ``telegram/<handle>/result.json.gz`` (planted control characters are real characters
        here; the file spells them ``\\xHH``).
    channels : list of dict
        Rows of ``channels.csv``: ``channel_id, handle, name, group, lang``.
    tweets : list of dict
        Rows of the Kaggle-format Twitter CSV.
    truth : dict
        What ``truth.json`` holds; its ``notes`` say how each count is defined.
    """

    seed: int
    params: dict
    exports: dict
    channels: list
    tweets: list
    truth: dict

    @property
    def n_messages(self) -> int:
        """Records in all exports (messages and service records)."""
        return sum(len(e["messages"]) for e in self.exports.values())


def _event_time(event: str) -> int:
    """UTC epoch of a catalogue key (``workbench.events`` first, then the built-in table), or
    of an ISO timestamp."""
    key = str(event).strip().lower()
    try:
        from ..events import load_events
    except ImportError:  # synth also works without the catalogue module
        load_events = None
    if load_events is not None:
        events = load_events()
        hit = events[events["key"] == key]
        if len(hit) == 1:
            return int(hit["date"].iloc[0].timestamp())
    if key in FALLBACK_EVENTS:
        return _parse_utc(FALLBACK_EVENTS[key])
    try:
        return _parse_utc(str(event))
    except ValueError:
        raise ParameterError(
            f"surge_event={event!r}: not a catalogue key ({', '.join(FALLBACK_EVENTS)}, ...) "
            "nor an ISO timestamp") from None


def _check_params(n_channels, in_group_share, edit_strength, surge_event, messages_scale) -> None:
    if not isinstance(n_channels, int) or not 15 <= n_channels <= 400:
        raise ParameterError(f"n_channels={n_channels!r}: expected an integer from 15 to 400")
    for name, value in (("in_group_share", in_group_share), ("edit_strength", edit_strength)):
        if not 0.0 <= float(value) <= 1.0:
            raise ParameterError(f"{name}={value!r}: expected a number from 0 to 1")
    if not 0.0 < float(messages_scale) <= 20.0:
        raise ParameterError(f"messages_scale={messages_scale!r}: expected a number in (0, 20]")
    if surge_event is not None:
        ts = _event_time(surge_event)
        lo, hi = START_TS + (KEYWORD_DAYS + 7) * DAY, END_TS - (SURGE_DAYS + 1) * DAY
        if not lo <= ts < hi:
            raise ParameterError(
                f"surge_event={surge_event!r} ({_day(ts)}): the world runs {_day(START_TS)} to "
                f"{_day(END_TS - DAY)}; the event must fall between {_day(lo)} and {_day(hi)} so "
                "the keyword rise before it and the surge after it fit")


def generate_world(seed: int = 2016, *, n_channels: int = 50, in_group_share: float = 0.85,
                   edit_strength: float = 0.5, surge_event: str | None = "berlin-2016",
                   messages_scale: float = 1.0) -> World:
    """Generate the synthetic world: exports, labels, tweets and the planted truth.

    Parameters
    ----------
    seed : int
        Seeds every random draw; the same arguments give the same world, byte for byte.
    n_channels : int
        Exported channels, 15 to 400, split over the five groups (six news editions).
    in_group_share : float
        Probability that a forward's source is in the forwarder's own group (the planted
        communities get harder to find as this falls).
    edit_strength : float
        0 to 1: how many and how strong the edits of copied posts are.
    surge_event : str or None
        Catalogue key (or ISO timestamp) of the event after which the affiliated groups surge
        and before which the keyword rises; None plants neither.
    messages_scale : float
        Multiplies every channel's posting rate.

    Returns
    -------
    World

    Raises
    ------
    ParameterError
        For settings outside the ranges above or an event outside the world's period.

    Examples
    --------
    >>> w = generate_world(3, n_channels=20, in_group_share=0.6, messages_scale=0.05)
    >>> len(w.exports), w.truth["params"]["in_group_share"]
    (20, 0.6)
    """
    _check_params(n_channels, in_group_share, edit_strength, surge_event, messages_scale)
    with no_gc():  # generation builds many small containers and no cycles
        builder = _Builder(seed, n_channels, float(in_group_share), float(edit_strength),
                           surge_event, float(messages_scale))
        builder.run()
        renderer = _Renderer(builder.channels)
        exports = {ch.handle: renderer.export(ch) for ch in builder.exported()}
        tweets, twitter = _Twitter(seed, builder.vocab, builder.channels,
                                   float(messages_scale)).run()
        labels = [{"channel_id": ch.key, "handle": ch.handle, "name": ch.name,
                   "group": ch.group, "lang": ch.lang} for ch in builder.exported()]
        params = {"n_channels": n_channels, "in_group_share": float(in_group_share),
                  "edit_strength": float(edit_strength), "surge_event": surge_event,
                  "messages_scale": float(messages_scale)}
        truth = _truth(builder, params, twitter)
    return World(seed, params, exports, labels, tweets, truth)


def _truth(b: _Builder, params: dict, twitter: dict) -> dict:
    """Everything planted, in the shape the contract gives ``truth.json``."""
    chans = b.exported()
    key = {ch.index: ch.key for ch in b.channels}

    def ref(msg: _Msg) -> list:
        return [key[msg.channel], msg.id]

    channels = []
    for ch in chans:
        first = min(m.time for m in ch.messages) if ch.messages else ch.start
        channels.append({
            "channel_id": ch.key, "id": ch.id, "name": ch.name, "handle": ch.handle,
            "group": ch.group, "lang": ch.lang, "hub": ch.hub, "first_date": _day(first),
            "silenced": _day(ch.silenced) if ch.silenced is not None else None,
            "messages": sum(m.kind != "service" for m in ch.messages),
            "service": sum(m.kind == "service" for m in ch.messages),
        })
    unresolved = Counter()
    for (src, _), n in b.forwards.items():
        if src.startswith("telegram:name:"):
            unresolved[src] += n
    mentions, external = Counter(), Counter()
    for ch in chans:
        for msg in ch.messages:
            inside, outside = _mentioned(msg, b.n_exported)
            for t in sorted(inside):
                mentions[(ch.key, key[t])] += 1
            for t in sorted(outside):
                external[(ch.key, b.channels[t].handle)] += 1
    clusters = _clusters(b, ref)
    short = [c["cluster"] for c in clusters if c.pop("_short")]
    window = b.surge_window()
    rise = None if b.surge_ts is None else b.surge_ts // DAY * DAY - KEYWORD_DAYS * DAY
    by_group = Counter()
    for ch in chans:
        by_group[ch.group] += sum(m.kind != "service" for m in ch.messages)
    return {
        "seed": b.seed,
        "params": params,
        "start": _day(START_TS),
        "end": _day(END_TS - DAY),
        "export_utc_offset": EXPORT_UTC_OFFSET,
        "channels": channels,
        "groups": list(GROUPS),
        "hubs": {g: [c.key for c in chans if c.group == g and c.hub] for g in GROUPS},
        "unresolved_sources": [
            {"name": c.name, "channel_id": c.key, "group": c.group, "forwards": unresolved[c.key]}
            for c in b.channels[b.n_exported:] if unresolved[c.key]],
        "forward_counts": [{"source": s, "target": t, "weight": n}
                           for (s, t), n in sorted(b.forwards.items())],
        "mention_counts": [{"source": s, "target": t, "weight": n}
                           for (s, t), n in sorted(mentions.items())],
        "external_mentions": [{"source": s, "handle": h, "weight": n}
                              for (s, h), n in sorted(external.items())],
        "crosspost_clusters": clusters,
        "short_text_clusters": short,
        "hard_negatives": [[ref(a), ref(c)] for a, c in b.hard_negatives],
        "keyword": b.keyword,
        "keyword_rise": None if rise is None else {"start": _day(rise), "end": _day(b.surge_ts)},
        "surge": {
            "event": b.surge_event, "date": _day(b.surge_ts) if b.surge_ts else None,
            "time": (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(b.surge_ts))
                     if b.surge_ts else None),
            "groups": list(AFFILIATED_GROUPS) if window else [],
            "factor": SURGE_FACTOR if window else 1.0, "days": SURGE_DAYS if window else 0,
        },
        "silences": [{"channel_id": c.key, "date": _day(c.silenced)}
                     for c in chans if c.silenced is not None],
        "hostile": [ref(m) for m, _, _ in b.hostile],
        "hostile_payloads": [{"channel_id": key[m.channel], "message_id": m.id,
                              "payload": p, "where": w} for m, p, w in b.hostile],
        "control_chars": [ref(m) for m in b.controls],
        "totals": {"messages": sum(by_group.values()),
                   "service": sum(c["service"] for c in channels),
                   "forwards": sum(b.forwards.values()), "by_group": dict(by_group)},
        "twitter": twitter,
        "notes": _NOTES,
    }


def _clusters(b: _Builder, ref) -> list[dict]:
    """Every content item carried by two or more exported messages."""
    roots = {}
    for ch in b.exported():
        for msg in ch.messages:
            if msg.kind != "service":
                roots.setdefault(id(msg.root), msg.root)
    key = {ch.index: ch.key for ch in b.channels}
    found = []
    for root in roots.values():
        members = sorted((m for m in root.members if m.id),
                         key=lambda m: (m.time, key[m.channel], m.id))
        if len(members) < 2:
            continue
        found.append((members[0].time, key[members[0].channel], members[0].id, root, members))
    found.sort(key=lambda f: f[:3])
    return [{"cluster": i, "via": root.via or "forward", "origin": ref(members[0]),
             "members": [ref(m) for m in members], "_short": "short" in root.flags}
            for i, (_, _, _, root, members) in enumerate(found)]


_NOTES = [
    "Channel ids are 'telegram:<id>' for exported channels and 'telegram:name:<normalised name>' "
    "for forward sources without an export (ids.name_key).",
    "forward_counts: one per exported message with forwarded_from; source = the channel "
    "forwarded from (resolved by its display name among the exported channels), target = the "
    "channel whose export holds the forward.",
    "mention_counts: weight = number of messages of source whose text or entities refer to "
    "target at least once, by @handle, t.me/<handle>, t.me/s/<handle>, telegram.me/<handle>, "
    "t.me/<handle>/<post id> or a text_link href to those (handles from channels.csv); "
    "forwarded texts count for the forwarding channel; self-references (the 'Join: "
    "https://t.me/<own handle>' footers) are excluded; references to handles without an "
    "export are listed in external_mentions instead.",
    "crosspost_clusters: every content item carried by two or more exported messages. via = "
    "'text' (copies with light edits), 'link' (language editions sharing an article URL or "
    "linking to the origin post as t.me/<handle>/<id>), 'media' (editions sharing a video file "
    "name and duration), or 'forward' (only forwards). Forwards of a member belong to its "
    "cluster. origin = earliest member by (date, channel_id, message_id); members sorted so.",
    "hard_negatives: pairs that share a boilerplate bold header but differ in body; never in "
    "one cluster.",
    "short_text_clusters: clusters of a ten-word statement copied with a prefix.",
    "surge: from the event instant to event day + days, the affiliated groups post 'factor' "
    "times their usual rate; channels neither appear nor fall silent from keyword_rise.start "
    "to the end of the surge.",
    "keyword: share of affiliated original posts carrying it rises from 2% to 40% over "
    "keyword_rise, then falls to 25% for three days and 6% until the surge ends, then 0.",
    "Exports are written as on a machine at UTC+03:00: 'date' is local time, 'date_unixtime' "
    "UTC. control_chars lists messages whose text holds a control character written as \\xHH. "
    "Two supporter channels were exported without media files (file names read '(File not "
    "included...)').",
    "hostile: messages with HTML/JavaScript payloads; hostile_payloads says whether the payload "
    "is in the flattened text or only in a text_link href (links).",
]


def _dump_truth(truth: dict) -> str:
    """Readable and compact: one line per list entry, nested values inline."""
    lines = ["{"]
    items = list(truth.items())
    for i, (k, v) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        if isinstance(v, list) and v:
            lines.append(f" {json.dumps(k)}: [")
            lines += [f"  {json.dumps(item, ensure_ascii=False, separators=(',', ':'))}"
                      + ("," if j < len(v) - 1 else "")
                      for j, item in enumerate(v)]
            lines.append(f" ]{comma}")
        else:
            lines.append(f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}{comma}")
    return "\n".join(lines + ["}"]) + "\n"


def _csv(rows: list[dict], columns) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def write_fixtures(world: World, out_dir: str | Path = FIXTURES_DIR) -> Path:
    """Write ``world`` to ``out_dir``: ``telegram/<handle>/result.json.gz``, ``twitter/``,
    ``channels.csv`` and ``truth.json``.

    Exports of channels that are not in ``world`` (left by an earlier run) are removed, so the
    directory always holds exactly one world.

    Returns
    -------
    Path
        ``out_dir``.

    Examples
    --------
    >>> import tempfile
    >>> out = write_fixtures(generate_world(1, n_channels=15, messages_scale=0.05),
    ...                      tempfile.mkdtemp())
    >>> sorted(p.name for p in out.iterdir())
    ['channels.csv', 'telegram', 'truth.json', 'twitter']
    """
    out = Path(out_dir)
    telegram = out / "telegram"
    telegram.mkdir(parents=True, exist_ok=True)
    for stale in sorted(telegram.glob("*/result.json.gz")):
        if stale.parent.name not in world.exports:
            stale.unlink()
            if not any(stale.parent.iterdir()):
                stale.parent.rmdir()
    for handle, export in world.exports.items():
        (telegram / handle).mkdir(exist_ok=True)
        data = _desktop_json(export).encode("utf-8")
        (telegram / handle / "result.json.gz").write_bytes(_gzip(data))
    (out / "twitter").mkdir(exist_ok=True)
    (out / "twitter" / TWITTER_FILE).write_bytes(_csv(world.tweets, TWITTER_COLUMNS))
    (out / "channels.csv").write_bytes(
        _csv(world.channels, ("channel_id", "handle", "name", "group", "lang")))
    (out / "truth.json").write_text(_dump_truth(world.truth), encoding="utf-8")
    return out


# --------------------------------------------------------------------------------------------
# Large exports for benchmarks
# --------------------------------------------------------------------------------------------


def _record_tail(record: dict, level: int) -> tuple[bool, str, str]:
    """Pre-render a template record without its id, type, dates, sender and references.

    Returns ``(is_service, was_edited, rest)``: ``rest`` is the remaining keys rendered as the
    inside of a message object whose braces sit at indentation ``level``.
    """
    service = record["type"] == "service"
    skip = {"id", "type", "date", "date_unixtime", "edited", "edited_unixtime",
            "from", "from_id", "actor", "actor_id", "reply_to_message_id", "message_id"}
    rest = {k: v for k, v in record.items() if k not in skip}
    if service and record.get("action") == "pin_message":
        rest = {"action": "edit_group_title", "title": "archive", **{k: v for k, v in rest.items()
                                                                       if k != "action"}}
    body = _desktop_json(rest, level)
    inner = body[body.index("\n") + 1: body.rindex("\n")]  # drop the braces, keep indentation
    return service, "edited" in record, inner


def write_desktop_export(path: str | Path, n_messages: int, *, seed: int = 0,
                         n_channels: int = 1) -> Path:
    """Write one large Telegram Desktop export of ``n_messages`` records, fast.

    Records are drawn from a generated world (text, entities, media, forwards, service records
    and planted ``\\xHH`` escapes, as in the fixtures) and given new ids and dates spread over
    the world's period. One channel gives a single-chat export; several give a full-account
    export (``chats.list``). A path ending in ``.gz`` is gzipped (level 1, no timestamp).
    Written in a stream: memory stays small whatever ``n_messages`` is.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> p = write_desktop_export(pathlib.Path(tempfile.mkdtemp()) / "result.json", 500)
    >>> text = p.read_text(encoding="utf-8").replace("\\\\x", "\\\\u00")
    >>> len(json.loads(text)["messages"])
    500
    """
    if n_messages < 1 or n_channels < 1:
        raise ParameterError(f"{path}: n_messages and n_channels must be at least 1")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    world = generate_world(2016 + seed, n_channels=15, messages_scale=0.35)
    full = n_channels > 1
    level = 5 if full else 2  # indentation of a message's braces
    tails = [_record_tail(r, level) for e in world.exports.values() for r in e["messages"]]
    ids = sorted(rng.sample(range(1_100_000_000, 1_199_999_999), n_channels))
    counts = [n_messages // n_channels + (k < n_messages % n_channels) for k in range(n_channels)]
    raw = open(path, "wb")
    out = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=1) \
        if path.suffix == ".gz" else raw
    try:
        if full:
            out.write(('{\n "about": "Here is the data you requested.",\n "chats": {\n'
                       '  "about": "This page lists all chats from this export.",\n'
                       '  "list": [').encode())
        for k, count in enumerate(counts):
            _write_channel(out, rng, tails, f"Benchmark Channel {k + 1}", ids[k], count, level,
                           prefix=("," if k else "") + "\n   " if full else "")
        if full:
            out.write(b"\n  ]\n }\n}")
    finally:
        if out is not raw:
            out.close()
        raw.close()
    return path


def _write_channel(out, rng: random.Random, tails: list, name: str, cid: int, count: int,
                   level: int, prefix: str) -> None:
    """Stream one channel's export: head, ``count`` records from ``tails``, closing brackets."""
    key_pad, pad = " " * (level - 1), " " * (level + 1)
    out.write((f'{prefix}{{\n{key_pad}"name": {_encode_str(name)},\n{key_pad}"type": '
               f'"public_channel",\n{key_pad}"id": {cid},\n{key_pad}"messages": [').encode())
    sender = {False: f'{pad}"from": {_encode_str(name)},\n{pad}"from_id": "channel{cid}",\n',
              True: f'{pad}"actor": {_encode_str(name)},\n{pad}"actor_id": "channel{cid}",\n'}
    open_brace, close_brace = f'\n{" " * level}{{\n', f'\n{" " * level}}}'
    step = (END_TS - START_TS) / max(count, 1)
    msg_id = rng.randint(1, 5000)
    batch: list[str] = []
    for i in range(count):
        service, edited, inner = tails[rng.randrange(len(tails))]
        ts = START_TS + int(i * step) + rng.randrange(max(1, int(step)))
        msg_id += 1 + (rng.random() < 0.02)  # deleted messages leave gaps
        edit = (f'{pad}"edited": "{_local(ts + 600)}",\n{pad}"edited_unixtime": "{ts + 600}",\n'
                if edited else "")
        batch.append(f'{"," if i else ""}{open_brace}{pad}"id": {msg_id},\n{pad}"type": '
                     f'"{"service" if service else "message"}",\n{pad}"date": "{_local(ts)}",\n'
                     f'{pad}"date_unixtime": "{ts}",\n{edit}{sender[service]}{inner}{close_brace}')
        if len(batch) == 20_000:
            out.write("".join(batch).encode("utf-8"))
            batch.clear()
    out.write("".join(batch).encode("utf-8"))
    out.write(f'\n{" " * (level - 1)}]\n{" " * (level - 2)}}}'.encode())


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """``python -m workbench.synth``: regenerate the fixtures (or a large benchmark export).

    Examples
    --------
    >>> import tempfile
    >>> main(["--seed", "5", "--n-channels", "15", "--messages-scale", "0.05",
    ...       "--out", tempfile.mkdtemp(), "--quiet"])
    0
    """
    parser = argparse.ArgumentParser(prog="python -m workbench.synth",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--out", type=Path, default=FIXTURES_DIR,
                        help="output directory (default: the project's data/fixtures)")
    parser.add_argument("--n-channels", type=int, default=50)
    parser.add_argument("--in-group-share", type=float, default=0.85)
    parser.add_argument("--edit-strength", type=float, default=0.5)
    parser.add_argument("--surge-event", default="berlin-2016")
    parser.add_argument("--messages-scale", type=float, default=1.0)
    parser.add_argument("--desktop-export", type=Path, metavar="FILE",
                        help="instead, write one large Desktop export of --messages records")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.desktop_export:
        write_desktop_export(args.desktop_export, args.messages, seed=args.seed)
        summary = f"wrote {args.messages:,} records to {args.desktop_export}"
    else:
        surge = None if args.surge_event.lower() == "none" else args.surge_event
        world = generate_world(args.seed, n_channels=args.n_channels,
                               in_group_share=args.in_group_share,
                               edit_strength=args.edit_strength, surge_event=surge,
                               messages_scale=args.messages_scale)
        out = write_fixtures(world, args.out)
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        summary = (f"wrote {world.n_messages:,} records in {len(world.exports)} channels and "
                   f"{len(world.tweets):,} tweets to {out} ({size / 1e6:.2f} MB)")
    if not args.quiet:
        print(f"{summary} in {time.perf_counter() - started:.1f} s")
    return 0

