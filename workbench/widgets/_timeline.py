"""An explorer for message volume: grouping, frequency, dates, time zone, event, change points,
bursts and surges."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import pandas as pd

from .. import timeline
from ..errors import ParameterError
from ..events import load_events
from ..plots import plot_volume
from ..text import escape
from ._common import Explorer, check_changes, check_span, day_bounds, to_utc

__all__ = ["VolumeExplorer", "volume_explorer"]

GROUPINGS = ("group", "lang", "platform", "channel")
FREQS = {"hour": "h", "day": "D", "week": "W", "month": "M"}
ZONES = ("UTC", "Europe/Berlin", "Europe/Paris", "Europe/London", "Europe/Brussels",
         "Europe/Istanbul", "Asia/Baghdad", "Asia/Riyadh", "Asia/Aden", "America/New_York")


class VolumeExplorer(Explorer):
    """Controls wired to :func:`workbench.timeline.message_volume`, ``change_points``,
    ``bursts``, ``surges`` and :func:`workbench.plots.plot_volume`.

    Use :func:`volume_explorer` to make one. ``options`` is plain data; :meth:`update` changes
    it and returns the redrawn figure, so everything can be driven from code and tests.

    Attributes
    ----------
    options : dict
        ``by`` (None or one of ``choices["by"]``), ``freq`` ("h", "D", "W", "M"), ``start``
        and ``end`` (instants bounding the messages counted, stored in UTC; a date given
        without a zone is a midnight in ``tz``), ``tz`` (any zone name),
        ``event`` (a catalogue key or None), ``change_points``, ``bursts``, ``surges`` and
        ``stacked`` (booleans).
    choices : dict
        The values each control offers (plain data).
    volume : DataFrame
        The volume table behind the last figure.
    found : dict
        ``change_points`` (column -> index labels), ``bursts`` and ``surges`` (tidy tables)
        when shown.
    figure : plotly Figure
        The last figure drawn.
    widget : ipywidgets.VBox
        The controls and the figure, for display in Jupyter.
    """

    def __init__(self, corpus, **options: Any):
        self.corpus = corpus
        messages = corpus.messages
        self._date_min, self._date_max = day_bounds(messages["date"])
        events = load_events()
        inside = events[(events["date"] >= self._date_min) & (events["date"] < self._date_max)]
        self.choices: dict[str, tuple] = {
            "by": (None, *[g for g in GROUPINGS if g in messages.columns]),
            "freq": tuple(FREQS.values()),
            "tz": ZONES,
            "event": (None, *inside["key"].tolist()),
        }
        self._event_names = dict(zip(events["key"], events["name"]))
        self.options: dict[str, Any] = {
            "by": "group" if "group" in messages.columns else None, "freq": "D",
            "start": self._date_min, "end": self._date_max, "tz": "UTC",
            "event": inside["key"].iloc[0] if len(inside) else None,
            "change_points": False, "bursts": False, "surges": False, "stacked": False,
        }
        self._cache: dict[tuple, pd.DataFrame] = {}
        self.found: dict[str, Any] = {}
        self.figure = None
        self.volume = None
        self._build_controls()
        self.update(**options)

    # -- analysis -------------------------------------------------------------------------
    def compute_volume(self) -> pd.DataFrame:
        """The volume table for the current options (cached per grouping, frequency, dates
        and zone)."""
        o = self.options
        key = (o["by"], o["freq"], o["start"], o["end"], o["tz"])
        if key not in self._cache:
            m = self.corpus.messages
            window = m[(m["date"] >= o["start"]) & (m["date"] < o["end"])]
            self._cache[key] = timeline.message_volume(
                window, freq=o["freq"], by=o["by"], tz=o["tz"], start=o["start"],
                end=o["end"] - pd.Timedelta(microseconds=1))
        return self._cache[key]

    def draw(self):
        """Recompute from ``options``; return the figure."""
        o = self.options
        self.volume = self.compute_volume()
        self.found = {}
        if o["change_points"]:
            self.found["change_points"] = timeline.change_points(self.volume)
        if o["bursts"]:
            self.found["bursts"] = timeline.bursts(self.volume)
        if o["surges"]:
            self.found["surges"] = timeline.surges(self.volume)
        label = {v: k for k, v in FREQS.items()}.get(o["freq"], o["freq"])
        self.figure = plot_volume(
            self.volume, events=o["event"], change_points=self.found.get("change_points"),
            bursts=self.found.get("bursts"), surges=self.found.get("surges"),
            stacked=o["stacked"],
            yaxis_title=f"messages per {label}")
        self._render()
        return self.figure

    def update(self, **changes: Any):
        """Change options and redraw; returns the new figure.

        Raises
        ------
        ParameterError
            For an unknown option, a value outside its choices, a ``tz`` that is not a time
            zone, or an ``end`` not after ``start``.
        """
        check_changes(self.options, changes, self.choices, ("by", "freq", "event"))
        if "tz" in changes:
            try:
                pd.Timestamp("2016-01-01", tz=changes["tz"])
            except (ValueError, TypeError, KeyError) as exc:
                raise ParameterError(f"tz={changes['tz']!r} is not a time zone: {exc}") from exc
        zone = changes.get("tz", self.options["tz"])
        for name in ("start", "end"):
            if name in changes:
                # A date without a zone is a midnight in the explorer's time zone.
                changes[name] = to_utc(changes[name], zone)
        for name in ("change_points", "bursts", "surges", "stacked"):
            if name in changes:
                changes[name] = bool(changes[name])
        check_span(self.options, changes)
        self.options.update(changes)
        self._sync_controls()
        return self.draw()

    # -- widgets --------------------------------------------------------------------------
    def _build_controls(self) -> None:
        names = {None: "(none)", **{k: escape(self._event_names.get(k, k))
                                    for k in self.choices["event"] if k}}
        self.controls = {
            "by": widgets.Dropdown(options=[("(all messages)" if b is None else b, b)
                                            for b in self.choices["by"]], description="by"),
            "freq": widgets.Dropdown(options=list(FREQS.items()), description="per"),
            "dates": self._date_slider(),
            "tz": widgets.Dropdown(options=list(self.choices["tz"]), description="time zone"),
            "event": widgets.Dropdown(options=[(names[k], k) for k in self.choices["event"]],
                                      description="event"),
            "change_points": widgets.Checkbox(description="change points", indent=False),
            "bursts": widgets.Checkbox(description="bursts", indent=False),
            "surges": widgets.Checkbox(description="surges", indent=False),
            "stacked": widgets.Checkbox(description="stacked", indent=False),
        }
        self._wire()
        self.output = widgets.Output()
        c = self.controls
        self.widget = widgets.VBox([
            widgets.HBox([c["by"], c["freq"], c["tz"]]),
            widgets.HBox([c["dates"], c["event"]]),
            widgets.HBox([c["change_points"], c["bursts"], c["surges"], c["stacked"]]),
            self.output,
        ])

    def _sync_controls(self) -> None:
        o = self.options
        with self._quietly():
            c = self.controls
            for name in ("by", "freq", "event", "change_points", "bursts", "surges", "stacked"):
                c[name].value = o[name]
            if o["tz"] not in c["tz"].options:
                c["tz"].options = [*c["tz"].options, o["tz"]]
            c["tz"].value = o["tz"]
            self._sync_dates()

    def _render(self) -> None:
        self._show(self.figure)


def volume_explorer(corpus, **options: Any) -> VolumeExplorer:
    """An interactive view of message volume over time.

    Parameters
    ----------
    corpus : Corpus
        A loaded corpus (``wb.load_fixtures()``).
    **options
        Initial options (see :class:`VolumeExplorer`): ``by``, ``freq``, ``start``, ``end``,
        ``tz``, ``event``, ``change_points``, ``bursts``, ``surges``, ``stacked``.

    Returns
    -------
    VolumeExplorer
        Displays as widgets in Jupyter; ``explorer.update(freq="W")`` redraws from code.

    Examples
    --------
    >>> import workbench as wb
    >>> explorer = wb.widgets.volume_explorer(wb.load_fixtures())
    >>> len(explorer.figure.data[0].x) > len(explorer.update(freq="W").data[0].x)
    True
    """
    return VolumeExplorer(corpus, **options)
