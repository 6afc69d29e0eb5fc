"""Normalising what cross-posting compares: message texts, links and media fingerprints.

Copies of one statement differ in ways that carry no meaning: Unicode presentation forms,
case, diacritics and Arabic letter variants, an added emoji, hashtag, @mention or link,
punctuation and spacing. :func:`normalise_text` removes those differences; links and media are
compared on their own (:func:`normalise_url`, :func:`link_kind`, from :mod:`workbench.links`;
:func:`media_fingerprint`).

Examples
--------
>>> normalise_text("🔴 BREAKING: Amaq — «Statement» #news @amaq_agency https://t.me/amaq/12")
'breaking amaq statement'
>>> normalise_text("إعلان  الدولة")  == normalise_text("اعلان الدوله")
True
>>> normalise_url("HTTPS://www.Example.com/a/b/?utm_source=tg#top")
'example.com/a/b'
>>> link_kind("t.me/amaq_agency"), link_kind("t.me/amaq_agency/1234")
('channel', 'content')
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..links import URL_PATTERN, extract_urls, link_kind, normalise_url

__all__ = [
    "normalise_text",
    "normalise_texts",
    "normalise_url",
    "link_kind",
    "extract_urls",
    "media_fingerprint",
]

# Removed from the compared text and handled as features of their own. Hashtags may be written
# in any script; Telegram usernames are ASCII. (RE2 syntax: pyarrow runs it on whole columns.)
_STRIP_RE2 = "(?i)" + URL_PATTERN + r"|[#＃][\p{L}\p{N}\p{M}_]+|@[a-z0-9_]{3,}"

#: Arabic (and Persian/Urdu) letters written interchangeably; hamza carriers on alef, waw and
#: yeh decompose under NFD and lose their hamza with the other combining marks.
ARABIC_VARIANTS = {
    "\u0671": "\u0627",  # alef wasla -> alef
    "\u0649": "\u064a",  # alef maksura -> yeh
    "\u06cc": "\u064a",  # Farsi yeh -> yeh
    "\u06d2": "\u064a",  # yeh barree -> yeh
    "\u0629": "\u0647",  # teh marbuta -> heh
    "\u06c0": "\u0647",  # heh with yeh above -> heh
    "\u06c1": "\u0647",  # heh goal -> heh
    "\u06d5": "\u0647",  # ae -> heh
    "\u06a9": "\u0643",  # keheh -> kaf
}
_DELETE = 0
_SPACE = 32


@functools.cache
def _codepoint_table() -> np.ndarray:
    """Map every code point to its replacement: itself, another letter, a space or 0 (delete).

    Combining marks (diacritics, harakat, the hamza left by NFD), format characters (zero-width
    joiners, direction marks, tags) and the Arabic tatweel are deleted; punctuation, symbols
    (emoji), separators and controls become spaces; decimal digits of any script become ASCII.
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
    # What casefold does beyond lower-casing, for single characters.
    table[0x03C2] = 0x03C3  # final sigma
    table[0x017F] = ord("s")  # long s
    table[0x0640] = _DELETE  # tatweel (kashida): a stretched letter, not a letter
    for src, dst in ARABIC_VARIANTS.items():
        table[ord(src)] = ord(dst)
    return table


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
    """Normalise many texts at once into a flat array of code points.

    Steps, in order: Unicode NFKC; URLs, ``#hashtags`` and ``@mentions`` removed; case folded;
    NFD and combining marks removed (diacritics, Arabic harakat and hamza), format characters
    and tatweel removed; Arabic letter variants unified; digits of any script made ASCII;
    punctuation, symbols and emoji made spaces; runs of whitespace collapsed and the ends
    trimmed. Null or non-text values become empty texts. ``texts`` may be a pyarrow string
    array (no Python strings are made for it then).

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
    drop[offsets[:-1][offsets[:-1] < offsets[1:]]] = is_space[offsets[:-1][offsets[:-1] < offsets[1:]]]
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


def normalise_text(text: object) -> str:
    """Normalise one message text for comparison (see :func:`normalise_texts` for the steps).

    Examples
    --------
    >>> normalise_text("Ａｍａｑ:  the STATE’s   statement 🔥🔥 #IS")
    'amaq the state s statement'
    >>> normalise_text("Café ﻻ")          # diacritics stripped; the lam-alef ligature unfolded
    'cafe لا'
    >>> normalise_text(None)
    ''
    """
    codes, _ = normalise_texts([text])
    return codes.tobytes().decode("utf-32-le")


# --- media -------------------------------------------------------------------------------

# Telegram Desktop names undownloaded files with this placeholder and downloaded photos by
# their export date: neither says anything about the content.
_PLACEHOLDER = re.compile(r"^\(file|not included|exceeds maximum size", re.IGNORECASE)
_EXPORT_NAME = re.compile(r"^(?:photo|video|file|sticker|voice|audio|round_video|animation|"
                          r"video_message|gif)_\d+@\d{2}-\d{2}-\d{4}_\d{2}-\d{2}-\d{2}",
                          re.IGNORECASE)


def media_fingerprint(name: object, size: object = None, duration: object = None
                      ) -> str | None:
    """A key for "the same file": base name (case-folded) + size + duration, as available.

    ``None`` when there is no usable name: missing, Telegram Desktop's "(File not included
    ...)" placeholder, or an export-generated name such as ``photo_3@19-12-2016_21-02-11.jpg``.

    Examples
    --------
    >>> media_fingerprint("video_files/Amaq_Report.MP4", None, 95)
    'amaq_report.mp4|-|95'
    >>> media_fingerprint("(File not included. Change data exporting settings to download.)")
    """
    if not isinstance(name, str) or not name.strip():
        return None
    base = unicodedata.normalize("NFKC", name).strip().replace("\\", "/").rsplit("/", 1)[-1]
    if _PLACEHOLDER.search(base) or _EXPORT_NAME.match(base) or not base:
        return None

    def part(value: object) -> str:
        return "-" if value is None or value is pd.NA or pd.isna(value) else str(int(value))

    return f"{base.casefold()}|{part(size)}|{part(duration)}"
