"""How the briefing writes numbers, shares, p-values, lags, days and names in its prose.

Every helper returns HTML-safe text: numbers are formatted, names escaped.

Examples
--------
>>> pct(0.0412), p_value(0.0004), lag(pd.Timedelta(minutes=150))
('4.1 %', 'p &lt; 0.001', '2.5 h')
"""

from __future__ import annotations

import pandas as pd

from ._safe import safe_html

__all__ = ["n", "pct", "p_value", "ratio", "lag", "day", "join_list", "bold", "per_day",
           "change", "Facts", "TINY_BASELINE"]

#: Below this many messages a day before, a change is stated as counts, not as a ratio.
TINY_BASELINE = 1.0


def n(value) -> str:
    return f"{int(value):,}"


def pct(share: float) -> str:
    if share != share:
        return "n/a"
    pct = 100 * share
    if pct == 0:
        return "0 %"
    return f"{pct:.1f} %" if pct < 10 else f"{pct:.0f} %"


def p_value(p: float) -> str:
    if p != p:
        return "p n/a"
    return "p &lt; 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.1 else f"p = {p:.2f}"


def ratio(x: float) -> str:
    return "n/a" if x != x else f"{x:.1f}"


def per_day(x: float) -> str:
    """A daily rate: whole numbers from 10 on, one decimal below."""
    if x >= 10:
        return f"{x:,.0f}"
    if x == int(x):
        return f"{int(x)}"
    return f"{x:.1f}" if x >= 1 else f"{x:.2f}"


def change(before: float, after: float, times: float) -> str:
    """A change in daily volume: "×2.3", or "from 0 to 12 messages a day" when the level
    before is under :data:`TINY_BASELINE` (a ratio over it would be huge or infinite).

    >>> change(17.0, 44.9, 2.64), change(0.0, 12.0, float("inf"))
    ('×2.6', 'from 0 to 12 messages a day')
    """
    if before < TINY_BASELINE or times != times or times in (float("inf"), 0.0):
        return f"from {per_day(before)} to {per_day(after)} messages a day"
    return f"×{times:.1f}"


class Facts:
    """The numbers a briefing's findings state, recorded as the sentences are written so
    that each can be traced to the table :meth:`table` gives.

    >>> f = Facts()
    >>> f.add("Surge", "messages a day after", "334")
    '334'
    >>> f.table()[["finding", "value"]].values.tolist()
    [['Surge', '334']]
    """

    def __init__(self):
        self.rows: list[tuple[str, str, str]] = []

    def add(self, finding: str, measure: str, value: str) -> str:
        self.rows.append((finding, measure, value))
        return value

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["finding", "measure", "value"])


def lag(delta) -> str:
    if delta is None or delta is pd.NaT or pd.isna(delta):
        return "n/a"
    minutes = abs(pd.Timedelta(delta).total_seconds()) / 60
    sign = "-" if pd.Timedelta(delta) < pd.Timedelta(0) else ""
    if minutes < 90:
        return f"{sign}{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{sign}{minutes / 60:.1f} h"
    return f"{sign}{minutes / 1440:.1f} days"


def day(ts) -> str:
    return f"{pd.Timestamp(ts):%d %b %Y}".lstrip("0")


def join_list(items: list[str]) -> str:
    """Join already-safe HTML fragments as an English list."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def bold(name) -> str:
    return f"<b>{safe_html(name)}</b>"
