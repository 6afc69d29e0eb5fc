"""Normalising what cross-posting compares: message texts, links and media fingerprints.

Copies of one statement differ in ways that carry no meaning: Unicode presentation forms,
case, diacritics and Arabic letter variants, an added emoji, hashtag, @mention or link,
punctuation and spacing. :func:`normalise_text` removes those differences (the shingles level
of :func:`workbench.text.normalise_text`); links are compared on their own
(:func:`normalise_url`, :func:`link_kind`, from :mod:`workbench.links`) and so is media
(:func:`media_fingerprint`).

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

import re
import unicodedata

import pandas as pd

from .. import text as _text
from ..links import extract_urls, link_kind, normalise_url
from ..text import normalise_texts

__all__ = [
    "normalise_text",
    "normalise_texts",
    "normalise_url",
    "link_kind",
    "extract_urls",
    "media_fingerprint",
]


def normalise_text(text: object) -> str:
    """Normalise one message text for comparison: :func:`workbench.text.normalise_text` at
    the shingles level (see :func:`normalise_texts` for the steps).

    Examples
    --------
    >>> normalise_text("Ａｍａｑ:  the STATE’s   statement 🔥🔥 #IS")
    'amaq the state s statement'
    >>> normalise_text("Café ﻻ")          # diacritics stripped; the lam-alef ligature unfolded
    'cafe لا'
    >>> normalise_text(None)
    ''
    """
    return _text.normalise_text(text, level="shingles")


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
