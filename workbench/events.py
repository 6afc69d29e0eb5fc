"""The event catalogue: attacks and platform actions that analysts align volume against.

Dates are UTC instants. Attack times are the first reported time of the attack converted from
local time; platform announcements without a published hour are set to 12:00 UTC.

Examples
--------
>>> from workbench.events import load_events, resolve_event
>>> events = load_events()
>>> resolve_event("Berlin")["key"]
'berlin-2016'
>>> str(resolve_event("berlin-2016")["date"])
'2016-12-19 19:02:00+00:00'
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from .errors import EventError
from .schema import STRING, UTC_TIME

__all__ = ["load_events", "resolve_event", "event_time"]

COLUMNS = ["key", "name", "date", "kind", "place", "source"]


def load_events(path: str | Path | None = None) -> pd.DataFrame:
    """The bundled event catalogue, or an analyst's own CSV with the same columns.

    Parameters
    ----------
    path : str or Path, optional
        A CSV with columns ``key, name, date`` (and optionally ``kind, place, source``);
        dates without an offset are read as UTC.

    Returns
    -------
    DataFrame
        Columns ``key, name, date, kind, place, source``; ``date`` is a UTC instant.

    Examples
    --------
    >>> events = load_events()
    >>> events.loc[events["key"] == "nice-2016", "place"].item()
    'Nice, France'
    """
    if path is None:
        with resources.files("workbench").joinpath("data/events.csv").open("rb") as fh:
            frame = pd.read_csv(fh, dtype=str, keep_default_na=False)
        origin = "the bundled catalogue"
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        origin = str(path)
    missing = {"key", "name", "date"} - set(frame.columns)
    if missing:
        raise EventError(f"{origin}: missing column(s) {sorted(missing)}; expected {COLUMNS}")
    for col in COLUMNS:
        if col not in frame.columns:
            frame[col] = ""
    frame = frame[COLUMNS].replace("", None)
    try:
        dates = pd.to_datetime(frame["date"], utc=True, format="ISO8601")
    except (ValueError, TypeError) as exc:
        raise EventError(f"{origin}: unreadable date: {exc}") from exc
    frame = frame.astype(STRING).assign(date=dates.astype(UTC_TIME))
    frame["key"] = frame["key"].str.lower()
    if frame["key"].duplicated().any():
        dup = frame.loc[frame["key"].duplicated(), "key"].tolist()
        raise EventError(f"{origin}: duplicate event keys {dup}")
    return frame.sort_values("date", ignore_index=True)


def resolve_event(event, events: pd.DataFrame | None = None) -> pd.Series:
    """Find one event: a catalogue row, a key, or a case-insensitive word or prefix of a name.

    A timestamp (or a string that parses as a date) becomes an ad-hoc event named after it.

    Raises
    ------
    EventError
        When nothing matches, or several events match; the message lists the candidates.

    Examples
    --------
    >>> resolve_event("manchester")["key"]
    'manchester-2017'
    >>> resolve_event("2016-12-19")["name"]
    '2016-12-19 00:00 UTC'
    """
    if isinstance(event, pd.Series):
        return event
    if isinstance(event, pd.Timestamp) or hasattr(event, "year"):
        stamp = pd.Timestamp(event)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        return pd.Series({"key": f"{stamp:%Y-%m-%d}", "name": f"{stamp:%Y-%m-%d %H:%M} UTC",
                          "date": stamp, "kind": pd.NA, "place": pd.NA, "source": pd.NA})
    events = load_events() if events is None else events
    text = str(event).strip().lower()
    exact = events[events["key"] == text]
    if len(exact) == 1:
        return exact.iloc[0]
    words = events["name"].str.lower().str.findall(r"[\w']+")
    hits = events[[
        any(w.startswith(text) for w in ws) or name.startswith(text) or key.startswith(text)
        for ws, name, key in zip(words, events["name"].str.lower(), events["key"])
    ]]
    if len(hits) == 1:
        return hits.iloc[0]
    if len(hits) > 1:
        listed = ", ".join(f"{k} ({n})" for k, n in zip(hits["key"], hits["name"]))
        raise EventError(f"event {event!r} is ambiguous: it matches {listed}")
    try:
        return resolve_event(pd.Timestamp(text), events)
    except ValueError:
        pass
    listed = ", ".join(events["key"])
    raise EventError(f"unknown event {event!r}; known keys: {listed}")


def event_time(event, events: pd.DataFrame | None = None) -> pd.Timestamp:
    """The UTC instant of ``event`` (anything :func:`resolve_event` accepts)."""
    return pd.Timestamp(resolve_event(event, events)["date"])
