"""Making untrusted text safe to show: escaping and defanging.

Message texts, channel names and links come from adversaries. Every view (figure hover,
widget, table, briefing) passes them through :func:`escape`, and links through
:func:`~workbench.links.defang` (re-exported here), so nothing in them is ever interpreted as
markup or followed by a click.

Examples
--------
>>> escape('<img src=x onerror=alert(1)>')
'&lt;img src=x onerror=alert(1)&gt;'
>>> defang("https://t.me/example/12")
'hxxps://t[.]me/example/12'
"""

from __future__ import annotations

import html

import pandas as pd

from .links import defang

__all__ = ["escape", "defang", "shorten"]


def escape(value: object) -> str:
    """HTML-escape any value for display; null becomes an empty string.

    Examples
    --------
    >>> escape(None), escape('a & "b"')
    ('', 'a &amp; &quot;b&quot;')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return html.escape(str(value), quote=True)


def shorten(text: object, width: int = 80) -> str:
    """Collapse whitespace and cut to ``width`` characters with an ellipsis (not escaped).

    Examples
    --------
    >>> shorten("a  b\\nc", 4)
    'a b…'
    """
    if text is None or text is pd.NA:
        return ""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"
