"""The records the simulation keeps, before they are rendered to an export format.

A message body is a list of segments, rendered to Desktop's ``text`` / ``text_entities`` only
once ids are known (post links and pins refer to ids)::

    ("plain", str)  ("bold", str)  ("hashtag", "#tag")  ("url", url)
    ("mention", target)                -> "@handle" mention entity
    ("link", form, target)             -> link entity, form like "t.me/s/{h}"
    ("text_link", text, href, target)  (target None: href used as is)
    ("postlink", message)              -> link entity "https://t.me/<handle>/<id>"

where target is a channel index (exported or not).
"""

from __future__ import annotations


class _Msg:
    """One record of a channel (or a post of a channel without export)."""

    __slots__ = ("channel", "time", "seq", "kind", "body", "footer", "media", "source", "root",
                 "via", "edited", "reply_to", "action", "extra", "id", "flags", "members")

    def __init__(self, channel: int, ts: int, seq: int, kind: str, body=None, footer=None,
                 media=None) -> None:
        self.channel = channel
        self.time = ts
        self.seq = seq
        self.kind = kind          # post | forward | copy | service
        self.body = body or []
        self.footer = footer      # index of the channel whose footer closes the text
        self.media = media
        self.source = None        # forwards: index of the channel forwarded from
        self.root = self          # the content item this message carries
        self.via = None           # roots: how copies relate (text, link, media)
        self.edited = None
        self.reply_to = None
        self.action = None
        self.extra = None
        self.id = 0
        self.flags: set[str] = set()
        self.members: list[_Msg] = []  # roots: every message carrying the item
