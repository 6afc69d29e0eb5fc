"""Parameter documentation shared by the analyses, written once.

``messages``, ``by`` and ``tz`` mean the same thing in every analysis that takes them; their
text lives here (as plotly express keeps its in ``_doc.py``) and :func:`shared` puts it into a
docstring where a line holds only ``{name}``, indented as that line is. A function that adds
to the shared text writes its own lines right after the placeholder.

Examples
--------
>>> @shared
... def f(messages, *, by=None):
...     '''Count.
...
...     Parameters
...     ----------
...     {messages}
...     {by}
...     '''
>>> print(f.__doc__.splitlines()[4])
    messages : DataFrame or Store
"""

from __future__ import annotations

import re
import textwrap

__all__ = ["PARAMETERS", "shared"]

#: name -> numpydoc entry (first line "name : type", then the description).
PARAMETERS: dict[str, str] = {
    "messages": """
        messages : DataFrame or Store
            Canonical messages (``corpus.messages``), or a corpus store
            (:func:`workbench.open_store`), on which the analysis runs out of core with the
            same result; see :mod:`workbench.backends`.""",
    "messages_frame": """
        messages : DataFrame
            Canonical messages (``corpus.messages``).""",
    "by": """
        by : str, optional
            A column of ``messages`` naming the series: ``channel_id``, ``platform``, or an
            analyst label such as ``group`` or ``lang``. Rows whose ``by`` is null are not
            counted.""",
    "tz": """
        tz : str, default "UTC"
            The analyst's time zone (e.g. ``"Europe/Berlin"``): day and week boundaries are
            midnights there, and times are shown in that zone.""",
    "channels": """
        channels : DataFrame, optional
            Canonical channels (``corpus.channels``) with ``channel_id`` and ``handle``:
            handles known there resolve to channel ids.""",
}

_PLACEHOLDER = re.compile(r"^(?P<indent>[ \t]*)\{(?P<name>\w+)\}[ \t]*$", re.MULTILINE)


def _entry(name: str, indent: str) -> str:
    text = textwrap.dedent(PARAMETERS[name]).strip("\n")
    return textwrap.indent(text, indent)


def shared(func):
    """Fill ``{name}`` placeholder lines in ``func``'s docstring from :data:`PARAMETERS`.

    Unknown names are an error at import time, so a typo cannot ship a docstring with a
    raw placeholder in it.

    Examples
    --------
    >>> @shared
    ... def g(x, *, tz="UTC"):
    ...     '''Parameters
    ...     ----------
    ...     {tz}
    ...     '''
    >>> "midnights there" in g.__doc__
    True
    """
    doc = func.__doc__
    if doc:
        def fill(match: re.Match) -> str:
            name = match.group("name")
            if name not in PARAMETERS:
                raise KeyError(f"{func.__qualname__}: no shared parameter {name!r}")
            return _entry(name, match.group("indent"))

        func.__doc__ = _PLACEHOLDER.sub(fill, doc)
    return func
