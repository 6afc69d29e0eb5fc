"""The briefing's words for the surge after the event, hour by hour.

The before/after test compares daily means over weeks; a surge of a day and a half that a
reader can see in the chart barely moves a fortnight's mean. The event window also finds the
surge that follows the event in hourly bins against each group's usual level for that hour
and weekday (:func:`workbench.timeline.surges`, the ``surge_*`` columns of
:func:`workbench.timeline.event_window`); this module says it in words, and keeps the
briefing from calling a fortnight with a visible surge "no significant change".

Examples
--------
>>> import pandas as pd
>>> at = pd.Timestamp("2016-12-19 19:32", tz="UTC")
>>> row = pd.Series({"group": "official", "surge_start": pd.Timestamp("2016-12-19 20:00",
...                  tz="UTC"), "surge_delay": pd.Timedelta("28min"), "surge_hours": 36.0,
...                  "surge_ratio": 3.42, "surge_excess": 310.0})
>>> print(surge_clause(row, "group", at))
volume in <b>official</b> rose 3.4 times over its usual level for that hour from 20:00 UTC, 28 min after the event, for about 36 hours (310 messages more than usual)
"""

from __future__ import annotations

import pandas as pd

from ._prose import bold, join_list, lag, n, ratio

__all__ = ["has_surge", "surge_clause", "surge_sentences", "surge_verdict"]


def has_surge(window, summary: pd.DataFrame) -> pd.Series:
    """Which rows of (a part of) an event window's summary have a surge after the event."""
    label = window.series_col
    surged = set() if window.surges is None else set(window.surges[label])
    return summary[label].isin(surged)


def _when(start: pd.Timestamp, at: pd.Timestamp) -> str:
    zone = start.tzname() or "UTC"
    same_day = start.tz_convert(at.tz).date() == at.date() if at.tz else True
    clock = f"{start:%H:%M} {zone}" if same_day else f"{start:%H:%M} {zone} on " \
        + f"{start:%d %b}".lstrip("0")
    return clock


def _keep(measure: str, value: str) -> str:
    return value


def surge_clause(row: pd.Series, label: str, at: pd.Timestamp, fact=_keep) -> str:
    """One surge in words: who, how much, from when, how long after the event, for how long
    (safe HTML). ``fact(measure, value)`` records each number stated (the briefing's
    :class:`~workbench.briefing._prose.Facts`) and returns the value."""
    start, delay = pd.Timestamp(row["surge_start"]), pd.Timedelta(row["surge_delay"])
    hours = float(row["surge_hours"])
    who = str(row[label])
    length = (f"about {fact(f'{who}: surge hours', f'{hours:.0f}')} hours" if hours < 48
              else f"about {fact(f'{who}: surge days', f'{hours / 24:.0f}')} days")
    if delay >= pd.Timedelta(0):
        after = f"{fact(f'{who}: surge delay', lag(delay))} after the event"
    elif -delay < pd.Timedelta("1h"):
        after = "in the hour of the event"
    else:  # the bin before the event's, or a surge already under way
        after = f"{fact(f'{who}: surge lead', lag(-delay))} before the event"
    return (f"volume in {bold(row[label])} rose "
            f"{fact(f'{who}: surge ratio', ratio(row['surge_ratio']))} times over its "
            f"usual level for that hour from {fact(f'{who}: surge start', _when(start, at))}, "
            f"{after}, for {length} "
            f"({fact(f'{who}: messages above usual', n(round(row['surge_excess'])))} messages "
            "more than usual)")


def surge_sentences(window, event_phrase: str, fact=_keep) -> list[str]:
    """Sentences naming the surges after the event in each series of an event window (empty
    when there is none); ``fact`` as in :func:`surge_clause`."""
    hits = window.surges
    if hits is None or not len(hits):
        return []
    label = window.series_col
    at = pd.Timestamp(window.event["date"])
    clauses = [surge_clause(r, label, at, fact) for _, r in
               hits.sort_values("surge_start", kind="stable").iterrows()]
    text = join_list(clauses)
    return [f"Hour by hour, against each group's usual volume for that hour and weekday, "
            f"{text[0].lower() + text[1:]}."
            if len(window.summary) > 1 else f"Hour by hour after {event_phrase}, {text}."]


def surge_verdict(verdict: str, window) -> str:
    """The before/after verdict, qualified when the means did not change but a surge did."""
    if verdict.startswith("no significant") and window.surges is not None \
            and len(window.surges):
        return ("no significant change in the daily mean over the whole window, though "
                "volume surged for a shorter time (below)")
    return verdict
