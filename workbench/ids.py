"""Channel keys: one spelling of every channel, whatever the input format called it.

Examples
--------
>>> telegram_key(9882011936)          # 2^33 + id, as old Desktop exports write channels
'telegram:1292077344'
>>> telegram_key("channel1292077344")
'telegram:1292077344'
>>> telegram_key(-1001292077344)      # Bot API form
'telegram:1292077344'
>>> name_key("  Amaq   NEWS ")
'telegram:name:amaq news'
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["bare_telegram_id", "telegram_key", "name_key", "normalise_name"]

_USER_OFFSET = 1 << 32
_CHANNEL_OFFSET = 1 << 33
_PREFIXED = re.compile(r"^(?:channel|chat|user|peer)?(-?[0-9]+)$")
_LIMIT = 1 << 63


def _shown(raw: object, limit: int = 60) -> str:
    text = repr(raw)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bare_telegram_id(raw: int | str) -> int:
    """The bare numeric id of a Telegram user, chat or channel.

    Accepts exporter ids with type offsets (2^32 + user id, 2^33 + chat/channel id), prefixed
    strings (``"channel123"``, ``"user123"``), Bot API ids (``-100123``, ``-123``) and plain ids.

    Raises
    ------
    ValueError
        If ``raw`` is not one of those forms (only an int or a str can be: a float, bool,
        list or dict never is), or its value does not fit 64 bits.

    Examples
    --------
    >>> bare_telegram_id("user4294967297"), bare_telegram_id(4294967297)
    (4294967297, 1)
    """
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        raise ValueError(f"not a Telegram id: {_shown(raw)}")
    if isinstance(raw, int):
        value = raw
    else:
        text = raw.strip()
        match = _PREFIXED.match(text) if len(text) <= 40 else None
        if not match:
            raise ValueError(f"not a Telegram id: {_shown(raw)}")
        value = int(match.group(1))
        if not text[0].isdigit() and not text.startswith("-"):
            value = abs(value)  # "channel123": already bare
            if value >= _LIMIT:
                raise ValueError(f"not a Telegram id: {_shown(raw)} is too large")
            return value
    if not -_LIMIT < value < _LIMIT:
        raise ValueError(f"not a Telegram id: {_shown(raw)} is too large")
    if value < 0:
        text = str(-value)
        # Bot API: -100<channel id> for channels and supergroups, -<id> for basic groups.
        return int(text[3:]) if text.startswith("100") and len(text) > 12 else -value
    if value >= _CHANNEL_OFFSET:
        return value - _CHANNEL_OFFSET
    if value >= _USER_OFFSET:
        return value - _USER_OFFSET
    return value


def telegram_key(raw: int | str) -> str:
    """``telegram:<bare id>`` for any form :func:`bare_telegram_id` accepts."""
    return f"telegram:{bare_telegram_id(raw)}"


def normalise_name(name: str) -> str:
    """NFKC, case-folded, whitespace-collapsed form of a display name.

    Examples
    --------
    >>> normalise_name("ＡＢＣ  News")
    'abc news'
    """
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def name_key(name: str, platform: str = "telegram") -> str:
    """Key of a channel known only by its display name: ``<platform>:name:<normalised>``."""
    return f"{platform}:name:{normalise_name(name)}"


#: Telegram service actions whose record carries the chat's title from then on (Desktop's
#: ``title`` field; the Desktop reader keeps it as the record's ``text``).
TITLE_ACTIONS = ("create_channel", "create_group", "edit_channel_title", "edit_group_title",
                 "migrate_from_group")
