"""What the explorers share: checking option changes, the date-range slider, controls wired to
``update`` and kept in step with ``options``, the figure put in an Output, and the "save
figure" row every explorer shows under its controls.

Wiring only: nothing here analyses, plots or renders message texts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ..errors import ParameterError, WorkbenchError
from ..plots import save as save_image
from ..text import escape

ONE_DAY = pd.Timedelta(days=1)
#: The date bounds of an empty corpus.
NO_DATE = pd.Timestamp(0, tz="UTC")


def day_bounds(dates: pd.Series) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first day of ``dates`` and the day after the last (both midnights, UTC)."""
    if not len(dates):
        return NO_DATE, NO_DATE
    return dates.min().floor("D"), dates.max().floor("D") + ONE_DAY


def check_changes(options: Mapping[str, Any], changes: Mapping[str, Any],
                  choices: Mapping[str, tuple] | None = None, names: Iterable[str] = ()
                  ) -> None:
    """Raise :class:`ParameterError` for an option not in ``options``, or for a value of one
    of ``names`` that is not among its ``choices``."""
    unknown = set(changes) - set(options)
    if unknown:
        raise ParameterError(f"unknown option(s) {sorted(unknown)}; options are "
                             f"{sorted(options)}")
    for name in names:
        if name in changes and changes[name] not in choices[name]:
            raise ParameterError(f"{name}={changes[name]!r}; expected one of "
                                 f"{choices[name]}")


def to_utc(value: Any, zone: str = "UTC") -> pd.Timestamp:
    """``value`` as a UTC timestamp; a value without a zone is a time in ``zone``."""
    ts = pd.Timestamp(value)
    return (ts.tz_localize(zone) if ts.tzinfo is None else ts).tz_convert("UTC")


def check_span(options: Mapping[str, Any], changes: Mapping[str, Any]) -> None:
    """Raise :class:`ParameterError` unless ``end`` stays after ``start`` once ``changes``
    apply."""
    merged = {**options, **changes}
    if merged["end"] <= merged["start"]:
        raise ParameterError(f"end {merged['end']} is not after start {merged['start']}")


class Explorer:
    """The wiring of an explorer: ``controls`` (name -> ipywidget) call ``update``, which the
    subclass writes, and are set back from ``options`` without calling it again.

    A subclass sets ``controls``, ``output`` and ``widget``; a ``"dates"`` control is the
    range slider from :meth:`_date_slider`, over days from ``_date_min`` to ``_date_max``.
    """

    _syncing = False
    _widget = None

    @property
    def widget(self):
        """The explorer's box: its controls and figure, then the "save figure" row."""
        return self._widget

    @widget.setter
    def widget(self, box) -> None:
        # Every explorer sets its box once; the save row is added here, so each gets it.
        self.save_controls = {
            "path": widgets.Text(value="figure.png", description="file",
                                 layout=widgets.Layout(width="320px")),
            "button": widgets.Button(description="save figure", icon="download",
                                     tooltip="write the figure shown to this file "
                                             "(.png, .svg or .pdf), beside the notebook"),
            "status": widgets.HTML(),
        }
        self.save_controls["button"].on_click(self._on_save)
        box.children = (*box.children, widgets.HBox(list(self.save_controls.values())))
        self._widget = box

    def save_figure(self, path, *, scale: float = 2):
        """Write the figure shown to ``path`` (PNG, SVG or PDF by its suffix) with
        :func:`workbench.plots.save`; returns the path written."""
        figure = getattr(self, "figure", None)
        if figure is None:
            raise ParameterError("no figure is shown, so there is nothing to save")
        return save_image(figure, path, scale=scale)

    def _on_save(self, _button) -> None:
        status = self.save_controls["status"]
        status.value = "saving…"
        try:
            written = self.save_figure(self.save_controls["path"].value)
        except WorkbenchError as exc:
            status.value = f"<span style='color:#b00'>{escape(str(exc))}</span>"
        else:
            status.value = f"saved {escape(str(written.resolve()))}"

    def _wire(self) -> None:
        """Make every control call ``update`` when its value changes."""
        for name, control in self.controls.items():
            control.observe(self._on_change(name), names="value")

    def _on_change(self, name: str):
        def handler(change) -> None:
            if self._syncing:
                return
            changes = self._control_changes(name, change["new"])
            if changes is not None:
                self.update(**changes)
        return handler

    def _control_changes(self, name: str, value: Any) -> dict | None:
        """The options a control's new value sets (None: nothing to update)."""
        if name == "dates":  # the last day selected is included
            return {"start": value[0], "end": value[1] + ONE_DAY}
        return {name: value}

    @contextmanager
    def _quietly(self) -> Iterator[None]:
        """Set control values without their handlers calling ``update``."""
        self._syncing = True
        try:
            yield
        finally:
            self._syncing = False

    def _date_slider(self) -> widgets.SelectionRangeSlider:
        days = pd.date_range(self._date_min, self._date_max, freq="D")
        self._days = days
        return widgets.SelectionRangeSlider(
            options=[(d.strftime("%Y-%m-%d"), d) for d in days] or [("-", self._date_min)],
            index=(0, max(len(days) - 1, 0)), description="dates",
            layout=widgets.Layout(width="480px"))

    def _sync_dates(self) -> None:
        """Move the date slider to ``options["start"]`` and the day before ``options["end"]``."""
        days, o = self._days, self.options
        if len(days):
            first = int(min(days.searchsorted(o["start"].floor("D")), len(days) - 1))
            last_day = (o["end"] - ONE_DAY).floor("D")
            last = int(min(max(days.searchsorted(last_day), first), len(days) - 1))
            self.controls["dates"].index = (first, last)

    def _show(self, figure, *, json_fallback: bool = True) -> None:
        """Put ``figure`` (or nothing, for None) in ``self.output``.

        The output is set directly rather than display()ed into, so redraws work the same
        from a kernel, a callback or a plain script, and nothing is printed outside a kernel.
        Without a mimetype renderer (plain scripts) the figure's JSON is shown, unless
        ``json_fallback`` is false.
        """
        if figure is None:
            self.output.outputs = ()
            return
        bundle = figure._repr_mimebundle_() or (
            {"application/vnd.plotly.v1+json": json.loads(figure.to_json())}
            if json_fallback else {})
        self.output.outputs = ({"output_type": "display_data", "data": bundle,
                                "metadata": {}},)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
