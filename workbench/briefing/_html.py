"""Small HTML pieces of a briefing: blocks that display in Jupyter, and escaped tables."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

import pandas as pd

from ._safe import safe_html

__all__ = ["HTMLBlock", "html_table"]


class HTMLBlock:
    """A piece of finished HTML that Jupyter displays as such (and as plain text elsewhere).

    Only the briefing builds these, from literals and :func:`~._safe.safe_html` values.

    Examples
    --------
    >>> block = HTMLBlock("<p>3 &lt; 4</p>")
    >>> block
    3 < 4
    >>> block._repr_html_()
    '<p>3 &lt; 4</p>'
    """

    def __init__(self, html: str):
        self.html = html

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        text = re.sub(r"<(?:br|/p|/li|/tr|/h\d)>", "\n", self.html)
        text = re.sub(r"<[^>]+>", "", text)
        text = html.unescape(text)
        return "\n".join(line.strip() for line in text.splitlines() if line.strip())

    def __add__(self, other: "HTMLBlock") -> "HTMLBlock":
        return HTMLBlock(self.html + other.html)


def html_table(frame: pd.DataFrame, *, formats: dict[str, Callable] | None = None,
               numeric: Sequence[str] = (), caption: str | None = None,
               css_class: str = "wb-table") -> str:
    """An HTML table of ``frame``: every cell passed through ``formats`` (else ``str``),
    then defanged and escaped; headers escaped; ``numeric`` columns right-aligned.

    Examples
    --------
    >>> html_table(pd.DataFrame({"name": ["<b>x</b>"], "n": [1200]}), numeric=["n"],
    ...            formats={"n": "{:,}".format})
    '<table class="wb-table"><thead><tr><th>name</th><th class="num">n</th></tr></thead><tbody><tr><td>&lt;b&gt;x&lt;/b&gt;</td><td class="num">1,200</td></tr></tbody></table>'
    """
    formats = formats or {}
    numeric = set(numeric)

    def cell(col, value) -> str:
        if value is None or value is pd.NA or (isinstance(value, float) and value != value):
            shown = ""
        else:
            shown = formats.get(col, str)(value)
        attr = ' class="num"' if col in numeric else ""
        return f"<td{attr}>{safe_html(shown)}</td>"

    head = "".join(("<th class=\"num\">" if c in numeric else "<th>") + f"{safe_html(c)}</th>"
                   for c in frame.columns)
    rows = "".join("<tr>" + "".join(cell(c, v) for c, v in zip(frame.columns, row)) + "</tr>"
                   for row in frame.itertuples(index=False))
    cap = f"<caption>{safe_html(caption)}</caption>" if caption else ""
    return (f'<table class="{css_class}">{cap}<thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table>")
