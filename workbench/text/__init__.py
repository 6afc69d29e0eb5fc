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
    diacritics, Arabic harakat, the hamza carried by alef, waw and yeh, keycap frames, and
    every other character with a combining class, such as the spacing viramas of some
    Indic scripts);
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

    Bidirectional controls (the embeddings and overrides U+202A-U+202E, the isolates
    U+2066-U+2069, the marks U+200E, U+200F and U+061C) in a value can flip the text
    *around* it: a name ``abc<U+202E>gnp.exe`` shows as ``abcexe.png``, and an override left
    open reorders the rest of a table row or hover label. :func:`escape` therefore passes
    every value that holds one through :func:`isolate_bidi`: unmatched closers are dropped,
    open embeddings and isolates are closed, and the whole value is wrapped in an isolate
    (FSI ... PDI), so whatever it does stays inside it. Values without such characters are
    returned as before (byte for byte).

Files handed to other programs
    A graph or table written for Gephi or a spreadsheet carries the same hostile names.
    :func:`xml_safe` replaces the characters XML 1.0 forbids (C0 controls other than tab,
    newline and carriage return, lone surrogates, U+FFFE, U+FFFF) with a visible ``\\xHH``
    / ``\\uHHHH`` escape, so a GEXF or GraphML file reads back. :func:`neutralise_formula`
    (one cell) and :func:`neutralise_formulas` (a whole table, headers included) apply the
    OWASP rule against CSV injection: a text cell starting with ``=``, ``+``, ``-``, ``@``,
    tab or carriage return gets a leading single quote ``'``, so a spreadsheet shows it as
    text instead of running it as a formula; numbers are left as they are. Every CSV the
    workbench writes goes through :func:`neutralise_formulas`.

Languages, topics and frames
    :func:`languages` (each message's language, ISO 639-1, with py3langid's shipped model) and
    :func:`channel_languages` live in ``_languages``; :func:`topics` and :func:`topic_trend`
    (TF-IDF and NMF on texts normalised at the shingles level) in ``_topics``;
    :func:`train_frames` (the analyst's own frames, logistic regression) in ``_frames``.
    scikit-learn and the language model load on first use only.

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
import re
import sys
import unicodedata
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ParameterError
from ..links import URL_PATTERN, defang
from ._languages import (channel_languages, clean_for_language, language_counts,
                         language_table, languages)
from . import _fold
from ._fold import nfkc
from ._frames import FRAME_LABEL_COLUMNS, Frames, train_frames
from ._topics import TopicModel, Topics, topic_trend, topics

__all__ = [
    "ARABIC_VARIANTS",
    "NORMALISATION_LEVELS",
    "normalise_text",
    "normalise_texts",
    "nfkc",
    "escape",
    "isolate_bidi",
    "shorten",
    "defang",
    "FORMULA_PREFIXES",
    "neutralise_formula",
    "neutralise_formulas",
    "xml_safe",
    "languages",
    "channel_languages",
    "clean_for_language",
    "language_counts",
    "language_table",
    "topics",
    "topic_trend",
    "Topics",
    "TopicModel",
    "train_frames",
    "Frames",
    "FRAME_LABEL_COLUMNS",
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

    Shared folds: combining and enclosing marks (and every other character with a combining
    class: canonical ordering moves only those, so with them deleted a text folds one
    character at a time), format characters and the tatweel deleted,
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
        if cat in ("Mn", "Me", "Cf") or unicodedata.combining(ch):
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


def normalise_texts(texts: Sequence[object] | pa.Array | pa.ChunkedArray, *, nfkc: bool = True
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Normalise many texts at once, at the shingles level, into a flat array of code points.

    Steps, in order: Unicode NFKC; URLs, ``#hashtags`` and ``@mentions`` removed; case folded;
    NFD, then the code-point table: combining marks removed (diacritics, Arabic harakat and
    hamza), format characters and tatweel removed, Arabic-script letter variants unified,
    digits of any script made ASCII, punctuation, symbols and emoji made spaces; runs of
    whitespace collapsed and the ends trimmed. Null or non-text values become empty texts.
    ``texts`` may be a pyarrow string array (no Python strings are made for it then);
    ``nfkc=False`` says they are in NFKC already (:func:`nfkc`, skipped). NFKC and the steps
    after the links are compiled loops over the texts' UTF-8, one character at a time
    (:mod:`workbench.text._fold`), exactly equal to the steps on whole texts.

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
    if isinstance(texts, (pa.Array, pa.ChunkedArray)):
        arr = texts
    else:
        arr = pa.array([t if isinstance(t, str) else None for t in texts], type=pa.large_string())
    if nfkc:
        arr = _fold.nfkc(arr)
    return _fold.fold(pc.replace_substring_regex(arr, _STRIP_RE2, " "))


# --- display -------------------------------------------------------------------------------

#: Bidirectional formatting characters: embeddings and overrides (LRE, RLE, PDF, LRO, RLO),
#: isolates (LRI, RLI, FSI, PDI) and marks (LRM, RLM, ALM).
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_EMBED_OPEN = frozenset("\u202a\u202b\u202d\u202e")
_ISOLATE_OPEN = frozenset("\u2066\u2067\u2068")
_PDF, _FSI, _PDI = "\u202c", "\u2068", "\u2069"


def isolate_bidi(text: str) -> str:
    """``text`` with its bidirectional controls unable to reach the text around it.

    A text without bidirectional controls is returned unchanged. Otherwise closers without
    an opener (PDF, PDI) are dropped, embeddings, overrides and isolates left open are
    closed at the end, and the result is wrapped in a first-strong isolate (FSI ... PDI),
    following the matching rules of the Unicode bidirectional algorithm (UAX #9, X6a: a PDI
    closes the embeddings opened after its isolate).

    Examples
    --------
    >>> isolate_bidi("plain")
    'plain'
    >>> isolate_bidi("abc\\u202egnp.exe") == "\\u2068abc\\u202egnp.exe\\u202c\\u2069"
    True
    >>> isolate_bidi("x\\u2069\\u202ey") == "\\u2068x\\u202ey\\u202c\\u2069"
    True
    """
    if not _BIDI.search(text):
        return text
    out: list[str] = []
    stack: list[str] = []  # open embeddings ("E") and isolates ("I"), innermost last
    for ch in text:
        if ch in _EMBED_OPEN:
            stack.append("E")
        elif ch in _ISOLATE_OPEN:
            stack.append("I")
        elif ch == _PDF:
            if not stack or stack[-1] != "E":
                continue  # no embedding open inside the innermost isolate: inert, dropped
            stack.pop()
        elif ch == _PDI:
            if "I" not in stack:
                continue  # would close the wrapping isolate: dropped
            while stack.pop() != "I":  # closes the embeddings opened inside it too
                pass
        out.append(ch)
    closers = "".join(_PDF if kind == "E" else _PDI for kind in reversed(stack))
    return _FSI + "".join(out) + closers + _PDI


def escape(value: object) -> str:
    """HTML-escape any value for display; null becomes an empty string.

    A value holding bidirectional controls (``U+202E`` RIGHT-TO-LEFT OVERRIDE and the like)
    is balanced and wrapped in an isolate (:func:`isolate_bidi`), so it cannot reorder the
    text around it in a table, label or hover text.

    Examples
    --------
    >>> escape(None), escape('a & "b"')
    ('', 'a &amp; &quot;b&quot;')
    >>> escape("<b>\\u202eevil") == "\\u2068&lt;b&gt;\\u202eevil\\u202c\\u2069"
    True
    """
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return isolate_bidi(html.escape(str(value), quote=True))


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


# --- files handed to other programs --------------------------------------------------------

#: What makes a spreadsheet read a CSV cell as a formula (OWASP, "CSV Injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: object) -> object:
    """A CSV cell that no spreadsheet runs as a formula (OWASP's rule against CSV injection).

    A text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading
    single quote ``'`` (shown as text by Excel, LibreOffice and Google Sheets); any other
    value, numbers included (a negative weight is a number, not a formula), is returned as
    it is.

    Examples
    --------
    >>> neutralise_formula("=cmd|' /C calc'!A0"), neutralise_formula("-2+3")
    ("'=cmd|' /C calc'!A0", "'-2+3")
    >>> neutralise_formula(-2.5), neutralise_formula("Amaq")
    (-2.5, 'Amaq')
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` ready for ``to_csv``: :func:`neutralise_formula` applied to every
    text cell and column name; numeric, boolean and datetime columns are left as they are.

    Examples
    --------
    >>> df = pd.DataFrame({"name": ["@SUM(A1)", "ok"], "weight": [-1, 2]})
    >>> neutralise_formulas(df).to_dict("list")
    {'name': ["'@SUM(A1)", 'ok'], 'weight': [-1, 2]}
    """
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(neutralise_formula)
        elif isinstance(out[col].dtype, pd.CategoricalDtype):
            cats = [neutralise_formula(c) for c in out[col].cat.categories]
            if len(set(cats)) == len(cats):
                out[col] = out[col].cat.rename_categories(cats)
            else:  # "=x" and "'=x" would become one category: write plain values instead
                out[col] = out[col].astype(object).map(neutralise_formula)
    out.columns = [neutralise_formula(c) for c in out.columns]
    return out


# Characters XML 1.0 forbids (its Char production): C0 controls but tab, newline and carriage
# return; lone surrogates; U+FFFE and U+FFFF.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_escape(match: re.Match) -> str:
    cp = ord(match.group(0))
    return f"\\x{cp:02x}" if cp < 0x100 else f"\\u{cp:04x}"


def xml_safe(value: object) -> object:
    """``value`` with the characters XML 1.0 forbids written as a visible ``\\xHH`` (or
    ``\\uHHHH``) escape, as Telegram Desktop does in its exports; values other than text
    are returned as they are.

    Examples
    --------
    >>> print(xml_safe("bell\\x07name"))
    bell\\x07name
    >>> xml_safe("tab\\tok") == "tab\\tok", xml_safe(3)
    (True, 3)
    """
    if isinstance(value, str) and _XML_FORBIDDEN.search(value):
        return _XML_FORBIDDEN.sub(_xml_escape, value)
    return value
