"""Mentions, links and hashtags: from a format's entity objects and from the plain text.

Shared by every loader, so ``@handle`` means the same thing whatever the input. Handles are kept
as written without the ``@``; links as written; hashtags without the ``#``. Each list holds a
value once, in order of first appearance.

Examples
--------
>>> from_text("Join @news_agency: https://t.me/news_agency #Breaking, mail me@example.com")
(['news_agency'], ['https://t.me/news_agency'], ['Breaking'])
>>> from_text("nothing to see")
([], [], [])
"""

from __future__ import annotations

import re

__all__ = ["from_text", "add_from_text", "needs_scan", "mentions_in", "links_in",
           "hashtags_in", "dedupe", "MENTION_RE", "HASHTAG_RE"]

# Each pattern starts with its literal ('@', '#', '.me/') and checks what precedes it with a
# fixed-width lookbehind or a short look back, so the regex engine can jump between
# candidates instead of trying every position (about ten times faster on message text).

#: ``@handle``: Telegram usernames are 4-32 letters, digits and underscores, starting with a
#: letter; not when glued to a word, a dot or a slash before it (e-mail addresses, URLs).
MENTION_RE = re.compile(r"@(?<![\w.@/]@)([A-Za-z][A-Za-z0-9_]{3,31})(?![A-Za-z0-9_])")
#: ``#tag``: word characters with at least one letter (``#1`` is not a hashtag).
HASHTAG_RE = re.compile(r"#(?<![\w#&]#)(\w*[^\W\d_]\w*)")
_TME_TAIL = re.compile(r"\.me/[^\s<>\"'()\[\]{}]+", re.IGNORECASE)
_BOUNDARY = re.compile(r"[\w.]")
_TRAILING = ".,;:!?…»\"'"


def needs_scan(text: str) -> bool:
    """Whether ``text`` could hold a mention, a t.me link or a hashtag (cheap pre-check)."""
    return "@" in text or "#" in text or ".me/" in text or ".ME/" in text or ".Me/" in text


def mentions_in(text: str) -> list[str]:
    """``@handles`` in ``text``, without the ``@``, as written."""
    return MENTION_RE.findall(text) if "@" in text else []


def hashtags_in(text: str) -> list[str]:
    """``#hashtags`` in ``text``, without the ``#``."""
    return HASHTAG_RE.findall(text) if "#" in text else []


def links_in(text: str) -> list[str]:
    """``t.me/...`` and ``telegram.me/...`` links in ``text`` as written (scheme included when
    written), trailing punctuation dropped."""
    links = []
    for tail in _TME_TAIL.finditer(text):
        start = tail.start()
        # what precedes ".me/": "t" or "telegram", then optionally "www.", "http(s)://"
        if text[max(start - 8, 0):start].lower() == "telegram":
            begin = start - 8
        elif start and text[start - 1] in "tT":
            begin = start - 1
        else:
            continue
        if text[max(begin - 4, 0):begin].lower() == "www.":
            begin -= 4
        if text[max(begin - 8, 0):begin].lower() == "https://":
            begin -= 8
        elif text[max(begin - 7, 0):begin].lower() == "http://":
            begin -= 7
        if begin > 0 and _BOUNDARY.match(text[begin - 1]):
            continue  # "somet.me/..." or "x.t.me": another domain
        links.append(text[begin:tail.end()].rstrip(_TRAILING))
    return links


def dedupe(values: list[str]) -> list[str]:
    """``values`` without repeats, first appearance kept."""
    return list(dict.fromkeys(values)) if len(values) > 1 else values


def add_from_text(text: str, mentions: list, links: list, hashtags: list) -> None:
    """Extend the three lists (a format's own entities, often none) with the mentions, t.me
    links and hashtags found in plain ``text``; repeats are left for :func:`dedupe`.

    Examples
    --------
    >>> mentions, links, hashtags = ["a_b_c_d"], [], []
    >>> add_from_text("@news_agency #Breaking", mentions, links, hashtags)
    >>> mentions, links, hashtags
    (['a_b_c_d', 'news_agency'], [], ['Breaking'])
    """
    if "@" in text:
        mentions.extend(MENTION_RE.findall(text))
    if "#" in text:
        hashtags.extend(HASHTAG_RE.findall(text))
    if ".me/" in text or ".ME/" in text or ".Me/" in text:
        links.extend(links_in(text))


def from_text(text: str) -> tuple[list[str], list[str], list[str]]:
    """Mentions, t.me links and hashtags found in plain ``text``.

    Examples
    --------
    >>> from_text("telegram.me/joinchat/AbC. and @a_b_c_d_e")
    (['a_b_c_d_e'], ['telegram.me/joinchat/AbC'], [])
    """
    if not text or not needs_scan(text):
        return [], [], []
    return dedupe(mentions_in(text)), dedupe(links_in(text)), dedupe(hashtags_in(text))
