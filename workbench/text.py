"""Message text: normalised for matching, and made safe to show.

Normalisation
    :func:`normalise_text` (one text) and :func:`normalise_texts` (many, vectorised) are the
    one normaliser of the workbench. Two levels share one code-point table
    (:data:`ARABIC_VARIANTS` and the rules below), so both fold a letter the same way:

    ============  ==============================================================================
    level         what it is for, and what it does beyond the shared folds
    ============  ==============================================================================
    keywords      keyword matching (:func:`workbench.timeline.keyword_trend`,
                  :func:`~workbench.timeline.rising_terms`): full Unicode case folding;
                  punctuation, spacing, URLs and hashtags kept, so terms and regular
                  expressions see the words where they were.
    shingles      near-duplicate comparison (:func:`workbench.crosspost.find_crossposts`):
                  URLs, ``#hashtags`` and ``@mentions`` removed; punctuation, symbols, emoji
                  and controls made spaces; runs of spaces collapsed, ends trimmed; lower-
                  casing (vectorised) plus the folds that matter beyond it (``ß``, final
                  sigma, long s) instead of full case folding.
    ============  ==============================================================================

    Shared folds, in both levels: Unicode compatibility forms unified (NFKD: ligatures,
    presentation forms, full-width letters); combining and enclosing marks removed (Latin
    diacritics, Arabic harakat, the hamza carried by alef, waw and yeh, keycap frames);
    invisible format characters removed (zero-width joiners, direction marks, soft hyphens,
    often used to dodge filters); the Arabic tatweel removed; the Arabic-script letter
    variants of :data:`ARABIC_VARIANTS` unified; decimal digits of any script made ASCII;
    case folded (``ß`` matches ``ss``, final sigma matches sigma).

    Arabic, Persian and Urdu write some letters with different code points, and a reader
    treats them as one letter; keyboards decide which one a text gets. So the Persian and
    Urdu forms of yeh (``ی``, and Urdu's final ``ے``), of heh (Urdu's ``ہ`` and ``ھ``, the
    Persian ezafe ``ۀ``, the ``ە`` it decomposes to) and of kaf (``ک``), and teh marbuta
    (``ة``, Urdu ``ۃ``) all fold to the Arabic yeh ``ي``, heh ``ه`` and kaf ``ك``; alef
    maksura ``ى`` to yeh, and alef forms to bare alef ``ا``. Urdu distinguishes some of
    these (``ے`` from ``ی``, ``ھ`` from ``ہ``; Kurdish ``ە`` from ``ھ``), but a text typed on
    an Arabic or Persian keyboard cannot, and terms fold the same way as texts, so folding
    them costs little precision and lets one term match the same word however it was typed.
    Letters that are distinct in every script (``پ چ ژ گ``, Urdu ``ٹ ڈ ڑ ں``) are kept.
    (The two normalisers this one replaces disagreed here: keyword trends left ``ے ہ ھ ە ۀ ۃ``
    unfolded, cross-posting left ``ھ ۃ``.)

Display
    Message texts, channel names and links come from adversaries. Every view (figure hover,
    widget, table, briefing) passes them through :func:`escape`, and links through
    :func:`~workbench.links.defang`, so nothing in them is ever interpreted as markup or
    followed by a click. :func:`shorten` cuts long texts for labels.

Examples
--------
>>> normalise_text("Café  ÉTÉ!")
'cafe  ete!'
>>> normalise_text("Café  ÉTÉ!", level="shingles")
'cafe ete'
>>> normalise_text("کتاب\\u200cهای") == normalise_text("كتابهاي")
True
>>> escape('<img src=x onerror=alert(1)>')
'&lt;img src=x onerror=alert(1)&gt;'
"""

from __future__ import annotations

import functools
import html
import sys
import unicodedata
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import ParameterError
from .links import URL_PATTERN, defang

__all__ = [
    "ARABIC_VARIANTS",
    "NORMALISATION_LEVELS",
    "normalise_text",
    "normalise_texts",
    "escape",
    "shorten",
    "defang",
]

#: The levels of :func:`normalise_text` (see the module notes).
NORMALISATION_LEVELS = ("keywords", "shingles")

#: Letters of the Arabic script written interchangeably (Arabic, Persian and Urdu forms),
#: and what each becomes. Hamza and madda on alef, waw and yeh (``أ إ آ ؤ ئ ۓ ۂ``) are
#: combining marks once decomposed and go with the other marks; the composed forms are
#: listed too, so the table holds on text that was not decomposed.
ARABIC_VARIANTS = {
    "\u0622": "\u0627",  # alef with madda -> alef
    "\u0623": "\u0627",  # alef with hamza above -> alef
    "\u0625": "\u0627",  # alef with hamza below -> alef
    "\u0671": "\u0627",  # alef wasla -> alef
    "\u0649": "\u064a",  # alef maksura -> yeh
    "\u06cc": "\u064a",  # Farsi yeh (Persian, Urdu choti yeh) -> yeh
    "\u06d2": "\u064a",  # yeh barree (Urdu final yeh) -> yeh
    "\u06d3": "\u064a",  # yeh barree with hamza -> yeh
    "\u0629": "\u0647",  # teh marbuta -> heh
    "\u06c3": "\u0647",  # teh marbuta goal (Urdu) -> heh
    "\u06c0": "\u0647",  # heh with yeh above (Persian ezafe) -> heh
    "\u06c1": "\u0647",  # heh goal (Urdu heh) -> heh
    "\u06c2": "\u0647",  # heh goal with hamza -> heh
    "\u06be": "\u0647",  # heh doachashmee (Urdu aspiration) -> heh
    "\u06d5": "\u0647",  # ae -> heh
    "\u06a9": "\u0643",  # keheh (Persian, Urdu kaf) -> kaf
}
_DELETE = 0
_SPACE = 32


@functools.cache
def _codepoint_table() -> np.ndarray:
    """The one code-point table: every code point mapped to itself, another character, a
    space or 0 (delete); built once, on first use.

    Shared folds: combining and enclosing marks, format characters and the tatweel deleted,
    :data:`ARABIC_VARIANTS` unified, decimal digits of any script made ASCII, final sigma
    and long s folded (what case folding does beyond lower-casing, for single characters).
    Shingles only: punctuation, symbols (emoji), separators and controls become spaces.
    """
    table = np.arange(sys.maxunicode + 1, dtype=np.uint32)
    category = unicodedata.category
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        cat = category(ch)
        first = cat[0]
        if cat in ("Mn", "Me", "Cf"):
            table[cp] = _DELETE
        elif first in "PSZ" or cat in ("Cc", "Co", "Cs", "Cn"):
            table[cp] = _SPACE
        elif cat == "Nd" and cp > 127:
            table[cp] = ord(str(unicodedata.decimal(ch)))
    table[0x03C2] = 0x03C3  # final sigma
    table[0x017F] = ord("s")  # long s
    table[0x0640] = _DELETE  # tatweel (kashida): a stretched letter, not a letter
    for src, dst in ARABIC_VARIANTS.items():
        table[ord(src)] = ord(dst)
    return table


@functools.cache
def _keyword_table() -> dict[int, str | None]:
    """The code-point table as a ``str.translate`` table for the keywords level: the shared
    folds only (punctuation, symbols and spacing are left as they are)."""
    table = _codepoint_table()
    changed = np.flatnonzero(table != np.arange(len(table), dtype=np.uint32))
    return {int(cp): None if table[cp] == _DELETE else chr(table[cp])
            for cp in changed if table[cp] != _SPACE}


def normalise_text(text: object, *, level: str = "keywords") -> str:
    """The normalised form of one text, at ``level`` (see the module notes).

    Parameters
    ----------
    text : str
        Any text; null (None, NA, NaN) gives ``""``. At the keywords level other values are
        turned into text, at the shingles level they give ``""``.
    level : {"keywords", "shingles"}, default "keywords"
        ``"keywords"`` for matching words and phrases, ``"shingles"`` for comparing texts
        (:func:`normalise_texts` does it for many texts at once).

    Examples
    --------
    >>> normalise_text("Café ÉTÉ")
    'cafe ete'
    >>> normalise_text("أَعْيَادُ") == normalise_text("اعياد")
    True
    >>> normalise_text("مدرسة") == "مدرسه", normalise_text("على") == "علي"
    (True, True)
    >>> normalise_text("🔴 BREAKING: Amaq — «Statement» #news @amaq_agency https://t.me/amaq/12",
    ...                level="shingles")
    'breaking amaq statement'
    """
    if level == "keywords":
        if text is None or text is pd.NA or (isinstance(text, float) and text != text):
            return ""
        return unicodedata.normalize("NFKD", str(text)).translate(_keyword_table()).casefold()
    if level == "shingles":
        codes, _ = normalise_texts([text])
        return codes.tobytes().decode("utf-32-le")
    raise ParameterError(f"level={level!r}; expected one of {NORMALISATION_LEVELS}")


# Removed from the compared text and handled as features of their own. Hashtags may be written
# in any script; Telegram usernames are ASCII. (RE2 syntax: pyarrow runs it on whole columns.)
_STRIP_RE2 = "(?i)" + URL_PATTERN + r"|[#＃][\p{L}\p{N}\p{M}_]+|@[a-z0-9_]{3,}"


def _prepare(texts: Sequence[object] | pa.Array | pa.ChunkedArray) -> list[str]:
    """NFKC, URLs/hashtags/mentions out, lower-cased (with casefold's ß -> ss), NFD."""
    if isinstance(texts, (pa.Array, pa.ChunkedArray)):
        arr = texts.cast(pa.large_string())
    else:
        arr = pa.array([t if isinstance(t, str) else None for t in texts], type=pa.large_string())
    arr = pc.utf8_normalize(arr, "NFKC")
    arr = pc.replace_substring_regex(arr, _STRIP_RE2, " ")
    arr = pc.replace_substring(pc.utf8_lower(arr), "ß", "ss")
    arr = pc.utf8_normalize(arr, "NFD")
    return [t or "" for t in arr.to_pylist()]


def normalise_texts(texts: Sequence[object] | pa.Array | pa.ChunkedArray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Normalise many texts at once, at the shingles level, into a flat array of code points.

    Steps, in order: Unicode NFKC; URLs, ``#hashtags`` and ``@mentions`` removed; case folded;
    NFD, then the code-point table: combining marks removed (diacritics, Arabic harakat and
    hamza), format characters and tatweel removed, Arabic-script letter variants unified,
    digits of any script made ASCII, punctuation, symbols and emoji made spaces; runs of
    whitespace collapsed and the ends trimmed. Null or non-text values become empty texts.
    ``texts`` may be a pyarrow string array (no Python strings are made for it then).

    Returns
    -------
    codes : ndarray of uint32
        The normalised texts' code points, one after the other.
    offsets : ndarray of int64
        ``len(texts) + 1`` offsets: text ``i`` is ``codes[offsets[i]:offsets[i + 1]]``.

    Examples
    --------
    >>> codes, offsets = normalise_texts(["Ab, C!", None])
    >>> codes.tobytes().decode("utf-32-le"), offsets.tolist()
    ('ab c', [0, 4, 4])
    """
    prepared = _prepare(texts)
    lengths = np.fromiter((len(t) for t in prepared), dtype=np.int64, count=len(prepared))
    offsets = np.zeros(len(prepared) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    codes = _codepoint_table()[np.frombuffer("".join(prepared).encode("utf-32-le"),
                                             dtype=np.uint32)]
    # Deleted characters out.
    keep = codes != _DELETE
    codes, offsets = codes[keep], _new_offsets(keep, offsets)
    # Keep the first space of each run, none at the start of a text...
    is_space = codes == _SPACE
    drop = is_space.copy()
    drop[1:] &= is_space[:-1]
    starts = offsets[:-1][offsets[:-1] < offsets[1:]]
    drop[starts] = is_space[starts]
    codes, offsets = codes[~drop], _new_offsets(~drop, offsets)
    # ... and none at its end.
    ends = offsets[1:][offsets[1:] > offsets[:-1]] - 1
    drop = np.zeros(len(codes), dtype=bool)
    drop[ends] = codes[ends] == _SPACE
    codes, offsets = codes[~drop], _new_offsets(~drop, offsets)
    return np.ascontiguousarray(codes), offsets


def _new_offsets(keep: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Offsets of the segments after dropping the positions where ``keep`` is False."""
    kept = np.zeros(len(keep) + 1, dtype=np.int64)
    np.cumsum(keep, out=kept[1:])
    return kept[offsets]


# --- display -------------------------------------------------------------------------------

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
