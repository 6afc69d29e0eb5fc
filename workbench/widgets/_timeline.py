"""An explorer for message volume: grouping, frequency, dates, time zone, event, change points
and bursts."""

from __future__ import annotations

import json
from typing import Any

import ipywidgets as widgets
import pandas as pd

from .. import timeline
from ..errors import ParameterError
from ..events import load_events
from ..plots import plot_volume
from ..text import escape

__all__ = ["VolumeExplorer", "volume_explorer"]

GROUPINGS = ("group", "lang", "platform", "channel")
FREQS = {"hour": "h", "day": "D", "week": "W", "month": "M"}
ZONES = ("UTC", "Europe/Berlin", "Europe/Paris", "Europe/London", "Europe/Brussels",
         "Europe/Istanbul", "Asia/Baghdad", "Asia/Riyadh", "Asia/Aden", "America/New_York")


class VolumeExplorer:
    """Controls wired to :func:`workbench.timeline.message_volume`, ``change_points``,
    ``bursts`` and :func:`workbench.plots.plot_volume`.

    Use :func:`volume_explorer` to make one. ``options`` is plain data; :meth:`update` changes
    it and returns the redrawn figure, so everything can be driven from code and tests.

    Attributes
    ----------
    options : dict
        ``by`` (None or one of ``choices["by"]``), ``freq`` ("h", "D", "W", "M"), ``start``
        and ``end`` (instants bounding the messages counted, stored in UTC; a date given
        without a zone is a midnight in ``tz``), ``tz`` (any zone name),
        ``event`` (a catalogue key or None), ``change_points``, ``bursts`` and ``stacked``
        (booleans).
    choices : dict
        The values each control offers (plain data).
    volume : DataFrame
        The volume table behind the last figure.
    found : dict
        ``change_points`` (column -> index labels) and ``bursts`` (tidy table) when shown.
    figure : plotly Figure
        The last figure drawn.
    widget : ipywidgets.VBox
        The controls and the figure, for display in Jupyter.
    """

    def __init__(self, corpus, **options: Any):
        self.corpus = corpus
        messages = corpus.messages
        dates = messages["date"]
        self._date_min = dates.min().floor("D") if len(dates) else pd.Timestamp(0, tz="UTC")
        self._date_max = (dates.max().floor("D") + pd.Timedelta(days=1)) if len(dates) \
            else pd.Timestamp(0, tz="UTC")
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
            "change_points": False, "bursts": False, "stacked": False,
        }
        self._cache: dict[tuple, pd.DataFrame] = {}
        self._syncing = False
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
        label = {v: k for k, v in FREQS.items()}.get(o["freq"], o["freq"])
        self.figure = plot_volume(
            self.volume, events=o["event"], change_points=self.found.get("change_points"),
            bursts=self.found.get("bursts"), stacked=o["stacked"],
            yaxis_title=f"messages per {label}")
        self._render()
        return self.figure

    def update(self, **changes: Any):
        """Change options and redraw; returns the new figure.

        Raises
        ------
        ParameterError
            For an unknown option or a value outside its choices.
        """
        unknown = set(changes) - set(self.options)
        if unknown:
            raise ParameterError(f"unknown option(s) {sorted(unknown)}; options are "
                                 f"{sorted(self.options)}")
        for name in ("by", "freq", "event"):
            if name in changes and changes[name] not in self.choices[name]:
                raise ParameterError(f"{name}={changes[name]!r}; expected one of "
                                     f"{self.choices[name]}")
        if "tz" in changes:
            try:
                pd.Timestamp("2016-01-01", tz=changes["tz"])
            except (ValueError, TypeError, KeyError) as exc:
                raise ParameterError(f"tz={changes['tz']!r} is not a time zone: {exc}") from exc
        zone = changes.get("tz", self.options["tz"])
        for name in ("start", "end"):
            if name in changes:
                # A date without a zone is a midnight in the explorer's time zone.
                ts = pd.Timestamp(changes[name])
                changes[name] = (ts.tz_localize(zone) if ts.tzinfo is None else ts
                                 ).tz_convert("UTC")
        for name in ("change_points", "bursts", "stacked"):
            if name in changes:
                changes[name] = bool(changes[name])
        merged = {**self.options, **changes}
        if merged["end"] <= merged["start"]:
            raise ParameterError(f"end {merged['end']} is not after start {merged['start']}")
        self.options.update(changes)
        self._sync_controls()
        return self.draw()

    # -- widgets --------------------------------------------------------------------------
    def _build_controls(self) -> None:
        days = pd.date_range(self._date_min, self._date_max, freq="D")
        self._days = days
        names = {None: "(none)", **{k: escape(self._event_names.get(k, k))
                                    for k in self.choices["event"] if k}}
        self.controls = {
            "by": widgets.Dropdown(options=[("(all messages)" if b is None else b, b)
                                            for b in self.choices["by"]], description="by"),
            "freq": widgets.Dropdown(options=list(FREQS.items()), description="per"),
            "dates": widgets.SelectionRangeSlider(
                options=[(d.strftime("%Y-%m-%d"), d) for d in days] or [("-", self._date_min)],
                index=(0, max(len(days) - 1, 0)), description="dates",
                layout=widgets.Layout(width="480px")),
            "tz": widgets.Dropdown(options=list(self.choices["tz"]), description="time zone"),
            "event": widgets.Dropdown(options=[(names[k], k) for k in self.choices["event"]],
                                      description="event"),
            "change_points": widgets.Checkbox(description="change points", indent=False),
            "bursts": widgets.Checkbox(description="bursts", indent=False),
            "stacked": widgets.Checkbox(description="stacked", indent=False),
        }
        for name, control in self.controls.items():
            control.observe(self._on_change(name), names="value")
        self.output = widgets.Output()
        c = self.controls
        self.widget = widgets.VBox([
            widgets.HBox([c["by"], c["freq"], c["tz"]]),
            widgets.HBox([c["dates"], c["event"]]),
            widgets.HBox([c["change_points"], c["bursts"], c["stacked"]]),
            self.output,
        ])

    def _on_change(self, name: str):
        def handler(change) -> None:
            if self._syncing:
                return
            value = change["new"]
            if name == "dates":
                self.update(start=value[0], end=value[1] + pd.Timedelta(days=1))
            else:
                self.update(**{name: value})
        return handler

    def _sync_controls(self) -> None:
        o = self.options
        self._syncing = True
        try:
            c = self.controls
            for name in ("by", "freq", "event", "change_points", "bursts", "stacked"):
                c[name].value = o[name]
            if o["tz"] not in c["tz"].options:
                c["tz"].options = [*c["tz"].options, o["tz"]]
            c["tz"].value = o["tz"]
            if len(self._days):
                first = int(min(self._days.searchsorted(o["start"].floor("D")),
                                len(self._days) - 1))
                last_day = (o["end"] - pd.Timedelta(days=1)).floor("D")
                last = int(min(max(self._days.searchsorted(last_day), first),
                               len(self._days) - 1))
                c["dates"].index = (first, last)
        finally:
            self._syncing = False

    def _render(self) -> None:
        # Set the output directly rather than display() into it: nothing is printed when the
        # explorer runs outside a kernel (tests, doctests).
        bundle = self.figure._repr_mimebundle_() or {
            "application/vnd.plotly.v1+json": json.loads(self.figure.to_json())}
        self.output.outputs = ({"output_type": "display_data", "data": bundle,
                                "metadata": {}},)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def volume_explorer(corpus, **options: Any) -> VolumeExplorer:
    """An interactive view of message volume over time.

    Parameters
    ----------
    corpus : Corpus
        A loaded corpus (``wb.load_fixtures()``).
    **options
        Initial options (see :class:`VolumeExplorer`): ``by``, ``freq``, ``start``, ``end``,
        ``tz``, ``event``, ``change_points``, ``bursts``, ``stacked``.

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
