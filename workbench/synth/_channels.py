"""The channels of the world: groups, names and handles, ids, languages, hubs and lifetimes."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..ids import name_key, normalise_name
from ._constants import (AFFILIATED_GROUPS, DAY, EDITION_LANGS, EDITION_SUFFIX, END_TS,
                         GROUPS, SCRIPT_OF, START_TS)
from ._draws import _rng, _weighted
from ._events import _allowed_days
from ._profiles import PROFILES, _Profile
from ._texts import _EMOJI_PREFIXES, _denied, _name_word, _Vocabulary

# Arabic-script name patterns: generic words ("foundation of", "voice of", "news").
_ARABIC_TEMPLATES = (("مؤسسة {A}", "{w}_mu"), ("صوت {A}", "sawt_{w}"),
                     ("{A} الإخبارية", "{w}_akhbar"))
_UNRESOLVED_TEMPLATES = (("{W} Reserve", "{w}_reserve"), ("{W} Backup Channel", "{w}_backup"),
                         ("{W} Old Archive", "{w}_old"), ("{W} Wire Agency", "{w}_wire"))


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
    paused: tuple | None = None      # (start, end): a hole in its export (synth._lifecycle)
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
        if self.paused is not None and self.paused[0] <= ts < self.paused[1]:
            return False
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
