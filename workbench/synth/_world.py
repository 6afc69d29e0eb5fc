"""The world's assembly: the builder that runs the simulation, and :func:`generate_world`."""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from dataclasses import dataclass

from ..errors import ParameterError
from ..io import no_gc
from ._channels import _Channel, _ChannelPlanner
from ._clock import _day
from ._constants import DAY, END_TS, KEYWORD_DAYS, PLANTED_CONTROLS, START_TS, SURGE_DAYS
from ._copies import _CrossPosting
from ._draws import _rng
from ._events import _event_time, _PostingSchedule
from ._forwards import _Forwarding
from ._languages import Editions, language_editions
from ._lifecycle import _Lifecycles
from ._messages import _Msg
from ._profiles import PROFILES
from ._render import _Renderer
from ._specials import _Specials
from ._texts import _denied, _PostComposer, _pseudo_word, _Vocabulary
from ._truth import _truth
from ._twitter import _Twitter


class _WorldBuilder(_PostingSchedule, _PostComposer, _CrossPosting, _Forwarding):
    """Runs the world: schedules, simulates in time order, renders, and keeps the truth.

    The state and the event loop live here; scheduling, composing, cross-posting and forwarding
    are mixed in from their own modules and share this state, including one random stream
    (``messages``) whose draws must stay in order for the fixtures to regenerate byte for byte.
    """

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
        self.lifecycle = _Lifecycles(seed, self.surge_ts)
        self.lifecycle.plan(self.channels)
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

    # -- recording ----------------------------------------------------------------------------

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

    # -- the run ------------------------------------------------------------------------------

    def run(self) -> None:
        self.schedule()
        _Specials(self).plant()
        self.lifecycle.plant(self)
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
        self.lifecycle.records(self)
        self.assign_ids()
        self.lifecycle.shift_ids()

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
    editions: Editions | None = None  # the language editions (written to ``editions/``)

    @property
    def n_messages(self) -> int:
        """Records in all exports (messages and service records)."""
        return sum(len(e["messages"]) for e in self.exports.values())


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
        builder = _WorldBuilder(seed, n_channels, float(in_group_share), float(edit_strength),
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
        editions = language_editions(seed)
        truth["languages"] = editions.truth
        truth["lifecycles"] = builder.lifecycle.truth()
    return World(seed, params, exports, labels, tweets, truth, editions)
