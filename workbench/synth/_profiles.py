"""Group profiles: the knobs that make the groups look different."""

from __future__ import annotations

from dataclasses import dataclass


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
