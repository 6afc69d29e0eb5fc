"""Telethon (MTProto) objects as dumps write them: the vocabulary the Telethon-family readers
share.

Telethon dumps, telegram-tracker JSON, 4CAT ndjson and the Pushshift Telegram files all hold
Telethon objects, differently dressed:

* the type key is ``"_"`` (``to_dict()``) or ``"_type"`` (4CAT's serialiser);
* times are ISO strings (``to_json()``), ``str(datetime)`` with a space (``json.dumps(...,
  default=str)``), or float / int Unix times (4CAT, Pushshift): read by
  :func:`~workbench.io.records.to_ns`;
* the record is in the current shape (layer 119+, 2020 on: ``peer_id``, ``from_id`` a peer,
  ``reply_to.reply_to_msg_id``, ``fwd_from.from_id``) or the legacy shape (``to_id``, integer
  ``from_id``, top-level ``reply_to_msg_id``, ``fwd_from.channel_id``).

This module maps their parts (peers, chats and users, actions, media, entities) onto the
canonical tables' terms; :mod:`._mtproto_records` reads whole records with them.

Examples
--------
>>> utf16_slice("😀 @abc_def", 3, 8)   # the emoji is two UTF-16 units
'@abc_def'
>>> ACTIONS["MessageActionChannelCreate"], snake("ChatEditTitle")
('create_channel', 'chat_edit_title')
"""

from __future__ import annotations

import re

from ..ids import bare_telegram_id

__all__ = ["TELETHON_TYPE", "ACTIONS", "MEDIA_TYPES", "ENTITIES", "peer_key",
           "chat_description", "utf16_slice", "guess_entity", "attribute_kind", "snake"]

#: ``"_": "Message"`` (or MessageService / MessageEmpty) near the start of a record.
TELETHON_TYPE = re.compile(rb'"_"\s*:\s*"Message(?:Service|Empty)?"')

#: Telethon ``MessageAction*`` -> the action name Telegram Desktop exports write.
ACTIONS = {
    "MessageActionChatCreate": "create_group",
    "MessageActionChatEditTitle": "edit_group_title",
    "MessageActionChatEditPhoto": "edit_group_photo",
    "MessageActionChatDeletePhoto": "delete_group_photo",
    "MessageActionChatAddUser": "invite_members",
    "MessageActionChatDeleteUser": "remove_members",
    "MessageActionChatJoinedByLink": "join_group_by_link",
    "MessageActionChatJoinedByRequest": "join_group_by_request",
    "MessageActionChannelCreate": "create_channel",
    "MessageActionChatMigrateTo": "migrate_to_supergroup",
    "MessageActionChannelMigrateFrom": "migrate_from_group",
    "MessageActionPinMessage": "pin_message",
    "MessageActionHistoryClear": "clear_history",
    "MessageActionGameScore": "score_in_game",
    "MessageActionPaymentSent": "send_payment",
    "MessageActionPhoneCall": "phone_call",
    "MessageActionScreenshotTaken": "take_screenshot",
    "MessageActionCustomAction": "custom_action",
    "MessageActionBotAllowed": "allow_sending_messages",
    "MessageActionContactSignUp": "joined_telegram",
    "MessageActionSetMessagesTTL": "set_messages_ttl",
    "MessageActionGroupCall": "group_call",
    "MessageActionInviteToGroupCall": "invite_to_group_call",
    "MessageActionSetChatTheme": "edit_chat_theme",
    "MessageActionTopicCreate": "topic_created",
    "MessageActionTopicEdit": "topic_edit",
}
#: ``MessageMedia*`` -> media_type (Desktop's names where Desktop has the kind).
MEDIA_TYPES = {
    "MessageMediaPhoto": "photo",
    "MessageMediaPoll": "poll",
    "MessageMediaGeo": "location",
    "MessageMediaGeoLive": "location",
    "MessageMediaVenue": "location",
    "MessageMediaContact": "contact",
    "MessageMediaGame": "game",
    "MessageMediaInvoice": "invoice",
    "MessageMediaDice": "dice",
    "MessageMediaStory": "story",
    "MessageMediaGiveaway": "giveaway",
    "MessageMediaUnsupported": "unsupported",
}
#: ``MessageEntity*`` -> the kind of entity it marks (the rest are formatting).
ENTITIES = {
    "MessageEntityMention": "mention",
    "MessageEntityMentionName": "mention",
    "InputMessageEntityMentionName": "mention",
    "MessageEntityUrl": "url",
    "MessageEntityTextUrl": "text_url",
    "MessageEntityHashtag": "hashtag",
}



def peer_key(peer: object) -> tuple[str, str] | None:
    """``(telegram:<bare id>, peer kind)`` of a Telethon peer: a dict (``PeerChannel``,
    ``PeerChat``, ``PeerUser``; also the ``channel_id`` 4CAT keeps on a resolved peer) or an
    int (a user id in legacy ``from_id``, or a Bot-API id). None for None.

    Raises
    ------
    ValueError
        If ``peer`` names no id.

    Examples
    --------
    >>> peer_key({"_": "PeerChannel", "channel_id": 1292077344})
    ('telegram:1292077344', 'channel')
    >>> peer_key(-1001292077344), peer_key(777)
    (('telegram:1292077344', 'channel'), ('telegram:777', 'user'))
    """
    if peer is None:
        return None
    if type(peer) is dict:
        for field, kind in (("channel_id", "channel"), ("user_id", "user"), ("chat_id", "chat")):
            raw = peer.get(field)
            if raw is not None:
                if type(raw) is not int:
                    raise ValueError(f"{field} {raw!r} is not an integer")
                return f"telegram:{bare_telegram_id(raw)}", kind
        raise ValueError(f"a peer without channel_id, user_id or chat_id: {peer!r}"[:200])
    if type(peer) is int:
        kind = "channel" if peer < 0 and str(peer).startswith("-100") else (
            "chat" if peer < 0 else "user")
        return f"telegram:{bare_telegram_id(peer)}", kind
    raise ValueError(f"{peer!r} is not a peer"[:200])


def chat_description(chat: object, type_key: str = "_") -> tuple[str, str | None, str | None,
                                                                  str] | None:
    """``(channel_id, name, handle, kind)`` of a Telethon ``Channel``/``Chat``/``User`` dict
    (as the ``chats``/``users`` of an API response, 4CAT's ``_chat``, a Pushshift channels
    record), or None if it has no integer ``id``.

    Examples
    --------
    >>> chat_description({"_": "Channel", "id": 5, "title": "Five", "username": "five",
    ...                   "broadcast": True, "megagroup": False})
    ('telegram:5', 'Five', 'five', 'channel')
    """
    if type(chat) is not dict:
        return None
    raw = chat.get("id")
    if type(raw) is not int:
        return None
    typ = chat.get(type_key)
    typ = typ if type(typ) is str else ""  # a damaged type key names no kind
    if typ.startswith("User") or "first_name" in chat:
        first, last = chat.get("first_name"), chat.get("last_name")
        name = " ".join(p for p in (first, last) if type(p) is str and p) or None
        kind = "account"
    else:
        title = chat.get("title")
        name = title if type(title) is str and title else None
        if typ.startswith("Chat"):
            kind = "group"
        elif chat.get("broadcast"):
            kind = "channel"
        elif chat.get("megagroup") or chat.get("gigagroup"):
            kind = "supergroup"
        else:
            kind = "channel" if typ.startswith("Channel") else "unknown"
    handle = chat.get("username")
    if not (type(handle) is str and handle):
        handle = None
        for entry in chat.get("usernames") or ():  # layer 150+: several, one active
            if type(entry) is dict and entry.get("active") and type(entry.get("username")) is str:
                handle = entry["username"]
                break
    return f"telegram:{bare_telegram_id(raw)}", name, handle, kind


def utf16_slice(text: str, offset: int, length: int, units: bytes | None = None) -> str:
    """``text[offset:offset+length]`` counted in UTF-16 code units, as Telegram counts entity
    offsets (an emoji outside the BMP is two units).

    Raises
    ------
    ValueError
        If the span falls outside the text or splits a surrogate pair.

    Examples
    --------
    >>> text = "😀😀 read @news_agency"
    >>> text[10:22], utf16_slice(text, 10, 12)
    ('ews_agency', '@news_agency')
    """
    if offset < 0 or length <= 0:
        raise ValueError("negative offset or empty span")
    if units is None:
        units = text.encode("utf-16-le", "surrogatepass")
    if 2 * (offset + length) > len(units):
        raise ValueError("span beyond the end of the text")
    return units[2 * offset:2 * (offset + length)].decode("utf-16-le")


_URLISH = re.compile(r"^(?:https?://|www\.|(?:t|telegram)\.me/)\S+$|^[\w-]+(?:\.[\w-]+)+/\S*$",
                     re.IGNORECASE)
_HANDLE = re.compile(r"^@[A-Za-z][A-Za-z0-9_]{3,31}$")
_TAG = re.compile(r"^#\w+$")


def guess_entity(piece: str) -> str | None:
    """The kind of an entity whose type was lost, from the text it covers: a URL, an
    @handle or a #hashtag (bold, italic and the rest are left alone)."""
    if _HANDLE.match(piece):
        return "mention"
    if _TAG.match(piece):
        return "hashtag"
    if _URLISH.match(piece):
        return "url"
    return None


def attribute_kind(attr: dict, tk: str) -> str | None:
    """A document attribute's class, from its type or (4CAT) from its fields."""
    typ = attr.get(tk)
    if typ is not None:
        return typ
    if "file_name" in attr:
        return "DocumentAttributeFilename"
    if "voice" in attr or "performer" in attr:
        return "DocumentAttributeAudio"
    if "round_message" in attr or "supports_streaming" in attr or (
            "duration" in attr and "w" in attr):
        return "DocumentAttributeVideo"
    if "stickerset" in attr:
        return "DocumentAttributeSticker"
    return None


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
