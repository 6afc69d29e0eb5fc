"""How channels, accounts and groups are named and ordered for a reader: one home for the
briefing, the plots, the explorers and the notebooks' summaries.

Display only: nothing here changes the data. A channel is shown by its name, with its handle
where the two differ, else by its handle, else by its id; letters spaced out by their author
("N i d a l") are joined for display. Lists of labels sort naturally ("community 2" before
"community 10").

Examples
--------
>>> natural_sorted(["community 10", "community 2", "Community 1"])
['Community 1', 'community 2', 'community 10']
>>> display_name("Rami", "RamiAlLolah")
'Rami (@RamiAlLolah)'
>>> display_name("N i d a l", None)
'Nidal'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import pandas as pd

__all__ = ["natural_key", "natural_sorted", "clean_display_name", "display_name",
           "display_names", "plural"]

_DIGITS = re.compile(r"(\d+)")
# Three or more single letters each followed by one space: a name written spaced out.
_SPACED = re.compile(r"(?<!\S)(?:\w ){2,}\w(?!\S)")


def natural_key(value) -> tuple:
    """Sort key that orders embedded numbers by value and ignores case.

    Missing values sort last.

    Examples
    --------
    >>> sorted(["a10", "a2", None, "A1"], key=natural_key)
    ['A1', 'a2', 'a10', None]
    >>> sorted(["news 10", "news 5²"], key=natural_key)  # "²" is no number to sort by
    ['news 5²', 'news 10']
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return (1, ())
    parts = _DIGITS.split(str(value).casefold())
    # isdecimal, not isdigit: "²" is a digit that int() refuses
    return (0, tuple((0, int(p), "") if p.isdecimal() else (1, 0, p) for p in parts if p))


def natural_sorted(values: Iterable) -> list:
    """``values`` in natural order (see :func:`natural_key`).

    Examples
    --------
    >>> natural_sorted(["other groups (3)", "community 10", "community 9"])
    ['community 9', 'community 10', 'other groups (3)']
    """
    return sorted(values, key=natural_key)


def clean_display_name(name) -> str:
    """A name as a reader should see it: spaced-out letters joined, whitespace collapsed,
    control characters (not format characters such as ZWNJ) turned into spaces. Returns "" for a missing name.

    Examples
    --------
    >>> clean_display_name("  N i d a l  ")
    'Nidal'
    >>> clean_display_name("Abu Bakr al Iraqi")
    'Abu Bakr al Iraqi'
    >>> clean_display_name("I S I S news")
    'ISIS news'
    """
    if name is None or (not isinstance(name, str) and pd.isna(name)):
        return ""
    # Only control characters go: format characters (ZWNJ in Persian names, emoji joiners,
    # bidi controls, which the escaping helpers isolate) are part of how a name is written.
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in str(name))
    text = " ".join(text.split())
    return _SPACED.sub(lambda m: m.group(0).replace(" ", ""), text)


def display_name(name, handle=None, channel_id=None) -> str:
    """The one way a channel or account is shown: its name, with ``(@handle)`` where the
    handle is not just the name again; else ``@handle``; else the id; else "(unnamed)".

    Examples
    --------
    >>> display_name("Rami", "RamiAlLolah"), display_name("ramialloLAH", "RamiAlLolah")
    ('Rami (@RamiAlLolah)', 'ramialloLAH')
    >>> display_name(None, "amaq_news"), display_name("", None, "telegram:1234")
    ('@amaq_news', 'telegram:1234')
    """
    shown = clean_display_name(name)
    tag = clean_display_name(handle).lstrip("@").replace(" ", "")
    if shown and tag:
        same = re.sub(r"\W", "", shown).casefold() == re.sub(r"\W", "", tag).casefold()
        return shown if same else f"{shown} (@{tag})"
    if shown:
        return shown
    if tag:
        return f"@{tag}"
    ident = clean_display_name(channel_id)
    return ident or "(unnamed)"


def display_names(channels: pd.DataFrame) -> dict:
    """``channel_id`` -> display name for every row of a channels table (columns
    ``channel_id`` and optionally ``name``, ``handle``).

    Examples
    --------
    >>> t = pd.DataFrame({"channel_id": ["telegram:1", "telegram:2"],
    ...                   "name": ["Amaq", None], "handle": ["amaq", "news2"]})
    >>> display_names(t)
    {'telegram:1': 'Amaq', 'telegram:2': '@news2'}
    """
    ids = channels["channel_id"].tolist()
    names = channels["name"].tolist() if "name" in channels else [None] * len(ids)
    handles = channels["handle"].tolist() if "handle" in channels else [None] * len(ids)
    return {c: display_name(n, h, c) for c, n, h in zip(ids, names, handles)}


def plural(count, word: str, words: str | None = None) -> str:
    """``count`` with ``word`` in singular or plural, thousands separated.

    Examples
    --------
    >>> plural(1, "channel"), plural(1200, "channel"), plural(2, "family", "families")
    ('1 channel', '1,200 channels', '2 families')
    """
    count = int(count)
    return f"{count:,} {word if count == 1 else (words or word + 's')}"
