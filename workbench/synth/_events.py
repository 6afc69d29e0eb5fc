"""Event effects: when the planted event happened, and the posting schedule around it.

The schedule gives every exported channel Poisson counts per day with a weekly rhythm and
diurnal hours; after the event the affiliated groups post :data:`SURGE_FACTOR` times their
usual rate for :data:`SURGE_DAYS` days, and the planted keyword rises for
:data:`KEYWORD_DAYS` days before it.
"""

from __future__ import annotations

from ..errors import ParameterError
from ._clock import _parse_utc, _weekday
from ._constants import (AFFILIATED_GROUPS, DAY, END_TS, KEYWORD_DAYS, START_TS, SURGE_DAYS,
                         SURGE_FACTOR)
from ._draws import _poisson, _rng
from ._profiles import PROFILES

#: Used when ``workbench.events`` is unavailable, and for keys it does not know.
FALLBACK_EVENTS = {
    "paris-2015": "2015-11-13T20:20:00Z",
    "brussels-2016": "2016-03-22T07:58:00Z",
    "nice-2016": "2016-07-14T20:33:00Z",
    "berlin-2016": "2016-12-19T19:02:00Z",
    "istanbul-2017": "2016-12-31T22:15:00Z",
    "manchester-2017": "2017-05-22T21:31:00Z",
}


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


def _allowed_days(surge_ts: int | None, first: int, last: int) -> list[int]:
    """Midnights in ``[first, last]`` outside the keyword and surge windows, where channels may
    appear or fall silent without blurring the planted surge."""
    days = list(range(first, last + 1, DAY))
    if surge_ts is None:
        return days
    lo = surge_ts // DAY * DAY - KEYWORD_DAYS * DAY
    hi = surge_ts // DAY * DAY + (SURGE_DAYS + 1) * DAY
    return [d for d in days if not lo <= d < hi]


class _PostingSchedule:
    """The schedule side of :class:`~workbench.synth._world._WorldBuilder`: when each exported
    channel posts, and how the planted event shapes that.

    A mixin: the schedule draws from its own ``schedule`` stream and calls the builder's
    ``exported`` and ``push``; :meth:`keyword_share` tells the composer how often to
    plant the keyword.
    """

    seed: int
    scale: float
    surge_ts: int | None

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
