"""Keyword trends: how many messages per period use a term, and what share of all messages.

Texts and terms go through the same normalisation before matching, the keywords level of
:func:`workbench.text.normalise_text` (re-exported here as :func:`normalise_text`), so
spelling variants that readers treat as one word match as one word: compatibility forms
unified, combining marks (diacritics, harakat, hamza) and invisible format characters
dropped, Arabic, Persian and Urdu letter variants unified (alef forms, ``ى ی ے`` as ``ي``,
``ة ہ ھ ۀ`` as ``ه``, ``ک`` as ``ك``), tatweel removed, digits of any script made ASCII,
everything case-folded (``ß`` matches ``ss``). The notes of :mod:`workbench.text` give the
whole table and why.

A plain term matches whole words (Unicode word boundaries, any script); in Arabic script it
may also carry the attached proclitics و ف ب ك ل ال (and their combinations, e.g. ``وبال``,
``لل``), which are written as part of the word. Several words in a term match across any run
of spaces. A compiled regular expression is applied as it is, case-insensitively, to the
normalised text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..backends import dispatchable
from ..text import normalise_text  # its default level, "keywords", is the one used here
from ..docstrings import shared
from ..errors import ParameterError
from ..schema import DATE, TEXT
from ._volume import message_volume

__all__ = ["keyword_trend", "normalise_text", "term_pattern", "term_list", "term_matches",
           "trend_table"]

_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")
# Attached proclitics: conjunction (wa, fa), preposition (bi, ka, li), article (al),
# and li + al written "lil".
_PROCLITICS = "(?:[\u0648\u0641]?(?:[\u0628\u0643\u0644]|\u0644\u0644)?(?:\u0627\u0644)?)"


def term_pattern(term) -> re.Pattern:
    """The compiled pattern :func:`keyword_trend` uses for ``term`` (on normalised text).

    Examples
    --------
    >>> bool(term_pattern("عيد").search(normalise_text("وبالعيد")))
    True
    >>> bool(term_pattern("eid").search(normalise_text("Eid Mubarak"))), \\
    ...     bool(term_pattern("eid").search("reid"))
    (True, False)
    """
    if isinstance(term, re.Pattern):
        return re.compile(term.pattern, term.flags | re.IGNORECASE)
    if not isinstance(term, str) or not normalise_text(term).strip():
        raise ParameterError(f"term {term!r} is empty or not a string / compiled regex")
    words = normalise_text(term).split()
    body = r"\s+".join(re.escape(w) for w in words)
    prefix = _PROCLITICS if _ARABIC.match(words[0]) else ""
    head = r"(?<!\w)" if re.match(r"\w", words[0]) or prefix else ""
    tail = r"(?!\w)" if re.search(r"\w$", words[-1]) else ""
    return re.compile(head + prefix + body + tail)


def _label(term) -> str:
    return term.pattern if isinstance(term, re.Pattern) else str(term)


@dispatchable("timeline.keyword_trend")
@shared
def keyword_trend(messages: pd.DataFrame, terms, *, freq: str = "D", by: str | None = None,
                  tz: str = "UTC", text_col: str = TEXT, date_col: str = DATE) -> pd.DataFrame:
    """Messages per period that use each term, and their share of all messages.

    Parameters
    ----------
    {messages}
        It needs ``date`` and ``text`` (and the ``by`` column).
    terms : str, compiled regex, or a list of them
        Words or phrases (matched as whole words after normalisation, see the module notes)
        or ``re.compile(...)`` patterns applied to the normalised text.
    freq, by, tz
        As in :func:`message_volume`.

    Returns
    -------
    DataFrame
        Long and tidy, one row per period (and ``by`` value) and term: ``date``, the ``by``
        column, ``term`` (as given), ``matches`` (messages using it), ``messages`` (all
        messages) and ``share`` (``matches / messages``; NaN when there are no messages).
        Periods are zero-filled over the whole range of ``messages``.

    Examples
    --------
    >>> import pandas as pd
    >>> msgs = pd.DataFrame({
    ...     "date": pd.to_datetime(["2016-12-01 10:00", "2016-12-01 11:00", "2016-12-02 09:00"],
    ...                           utc=True),
    ...     "text": ["عيد سعيد", "news", "Happy EID!"]})
    >>> keyword_trend(msgs, ["eid", "عيد"])
                           date term  matches  messages  share
    0 2016-12-01 00:00:00+00:00  eid        0         2    0.0
    1 2016-12-02 00:00:00+00:00  eid        1         1    1.0
    2 2016-12-01 00:00:00+00:00  عيد        1         2    0.5
    3 2016-12-02 00:00:00+00:00  عيد        0         1    0.0
    """
    terms = term_list(terms)
    if text_col not in messages.columns:
        raise ParameterError(f"messages has no {text_col!r} column")
    patterns = [term_pattern(t) for t in terms]
    frame = pd.DataFrame({date_col: messages[date_col].to_numpy()})
    if by is not None:
        if by not in messages.columns:
            raise ParameterError(f"by={by!r} is not a column of messages; columns are "
                                 f"{list(messages.columns)}")
        frame[by] = messages[by].to_numpy()
    totals = message_volume(frame, freq=freq, by=by, tz=tz, date_col=date_col)

    def hits(matched):
        frame["_hit"] = matched
        return message_volume(frame, freq=freq, by=by, tz=tz, weight="_hit", date_col=date_col)

    matches = term_matches(messages[text_col].tolist(), patterns)
    return trend_table(terms, totals, map(hits, matches), by)


def term_matches(texts, patterns):
    """Which texts each pattern matches, on their normalised form (:func:`normalise_text`,
    computed once for all patterns).

    Parameters
    ----------
    texts : sequence of str or None
    patterns : sequence of compiled patterns (:func:`term_pattern`)

    Yields
    ------
    ndarray of int64
        Per pattern, 1 where it matches a text, else 0.

    Examples
    --------
    >>> [m.tolist() for m in term_matches(["Happy EID!", None], [term_pattern("eid")])]
    [[1, 0]]
    """
    normalised = [normalise_text(t) for t in texts]
    for pattern in patterns:
        yield np.fromiter((pattern.search(t) is not None for t in normalised), dtype=bool,
                          count=len(normalised)).astype("int64")


def term_list(terms) -> list:
    """``terms`` as a non-empty list (one term or pattern, or an iterable of them).

    Examples
    --------
    >>> term_list("eid"), term_list(("eid", "عيد"))
    (['eid'], ['eid', 'عيد'])
    """
    if isinstance(terms, (str, re.Pattern)):
        terms = [terms]
    terms = list(terms) if isinstance(terms, Iterable) else [terms]
    if not terms:
        raise ParameterError("terms is empty; give at least one word or pattern")
    return terms


def trend_table(terms: list, totals: pd.DataFrame, hits, by: str | None) -> pd.DataFrame:
    """The table :func:`keyword_trend` returns; every backend finishes its trend here.

    Parameters
    ----------
    terms : list
        The terms as given (:func:`term_list`).
    totals : DataFrame
        All messages per period (and ``by`` value), as :func:`message_volume` gives them.
    hits : iterable of DataFrame
        Per term, the messages using it, in the same shape (missing periods or series are
        zero).
    by : str or None
        The series column, as in :func:`message_volume`.

    Returns
    -------
    DataFrame
        ``date``, the ``by`` column, ``term``, ``matches``, ``messages``, ``share``.
    """
    parts = []
    for term, matched in zip(terms, hits):
        matched = matched.reindex(index=totals.index, columns=totals.columns, fill_value=0)
        parts.append(pd.DataFrame({
            "date": np.repeat(totals.index, totals.shape[1]),
            "_series": np.tile(np.asarray(totals.columns, dtype=object), len(totals)),
            "term": _label(term),
            "matches": matched.to_numpy().ravel().astype("int64"),
            "messages": totals.to_numpy().ravel().astype("int64"),
        }))
    out = pd.concat(parts, ignore_index=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share"] = np.where(out["messages"] > 0, out["matches"] / out["messages"], np.nan)
    if by is None:
        return out.drop(columns="_series")
    out = out.rename(columns={"_series": by})
    return out.sort_values(["term", by, "date"], kind="stable", ignore_index=True)[
        ["date", by, "term", "matches", "messages", "share"]]
