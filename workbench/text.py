"""Making untrusted text safe to show: escaping and defanging.

Message texts, channel names and links come from adversaries. Every view (figure hover,
widget, table, briefing) passes them through :func:`escape`, and links through
:func:`defang`, so nothing in them is ever interpreted as markup or followed by a click.

Examples
--------
>>> escape('<img src=x onerror=alert(1)>')
'&lt;img src=x onerror=alert(1)&gt;'
>>> defang("https://t.me/example/12")
'hxxps://t[.]me/example/12'
"""

from __future__ import annotations

import html
import re

import pandas as pd

__all__ = ["escape", "defang", "shorten"]

_SCHEME = re.compile(r"\b(h)tt(ps?)(?=:)", re.IGNORECASE)


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


def defang(url: object) -> str:
    """Rewrite a URL so it is neither clickable nor auto-linked: ``http`` becomes ``hxxp``
    and dots in the host become ``[.]``. Other schemes (``javascript:``) get ``[:]``.

    Examples
    --------
    >>> defang("javascript:alert(1)")
    'javascript[:]alert(1)'
    >>> defang("t.me/s/handle")
    't[.]me/s/handle'
    >>> defang(defang("https://t.me/x")) == defang("https://t.me/x")
    True
    """
    if url is None or url is pd.NA:
        return ""
    text = str(url).strip()
    text = _SCHEME.sub(lambda m: f"{m.group(1)}xx{m.group(2)}", text)
    match = re.match(r"^([a-z][a-z0-9+.-]*)(:)(?!//)", text, re.IGNORECASE)
    if match and not match.group(1).lower().startswith("hxxp"):
        return text[: match.end(1)] + "[:]" + text[match.end():]
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "", text
    host, slash, path = rest.partition("/")
    host = re.sub(r"(?<!\[)\.(?!\])", "[.]", host)  # idempotent: leaves "[.]" alone
    return (f"{scheme}://" if sep else "") + host + slash + path


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
