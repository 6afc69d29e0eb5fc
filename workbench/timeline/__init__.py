"""Timelines: message volume, event windows, change points, bursts, keyword trends and the
terms that rose before an event.

Every analysis here starts from canonical messages or from the wide, zero-filled volume table
of :func:`message_volume` (a tz-aware DatetimeIndex of period starts, one column per series).

Examples
--------
>>> import pandas as pd
>>> from workbench.timeline import message_volume
>>> msgs = pd.DataFrame({"date": pd.to_datetime(["2016-12-18 23:30", "2016-12-20 10:00"],
...                                             utc=True)})
>>> message_volume(msgs)["messages"].tolist()
[1, 0, 1]
"""

from ._bursts import bursts
from ._change_points import change_points, regimes
from ._compare import crossover
from ._keywords import keyword_trend, normalise_text, term_pattern
from ._terms import rising_terms
from ._volume import message_volume, platform_share
from ._window import EventWindow, event_window

__all__ = [
    "EventWindow",
    "bursts",
    "change_points",
    "crossover",
    "event_window",
    "keyword_trend",
    "message_volume",
    "normalise_text",
    "platform_share",
    "regimes",
    "rising_terms",
    "term_pattern",
]
