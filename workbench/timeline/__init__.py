"""Timelines: message volume, event windows, change points, bursts, surges above the daily
and weekly rhythm, keyword trends and the terms that rose before an event.

Every analysis here starts from canonical messages or from the wide, zero-filled volume table
of :func:`message_volume` (a tz-aware DatetimeIndex of period starts, one column per series).

The kernels every backend of :func:`message_volume` and :func:`keyword_trend` runs
(:class:`PeriodBinner`, :func:`check_period`, :func:`term_list`, :func:`term_matches`,
:func:`trend_table`, see :mod:`workbench.backends`) are importable from here too, outside
``__all__``.

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
from ._gaps import collection_gaps
from ._keywords import keyword_trend, normalise_text, term_pattern
from ._keywords import term_list, term_matches, trend_table  # kernels
from ._surges import expected_counts, surges
from ._terms import rising_terms
from ._volume import message_volume, platform_share
from ._volume import PeriodBinner, check_period  # kernels
from ._window import EventWindow, event_window

__all__ = [
    "EventWindow",
    "bursts",
    "change_points",
    "collection_gaps",
    "crossover",
    "event_window",
    "expected_counts",
    "keyword_trend",
    "message_volume",
    "normalise_text",
    "platform_share",
    "regimes",
    "rising_terms",
    "surges",
    "term_pattern",
]
