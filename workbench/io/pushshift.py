"""The Pushshift Telegram dataset (Baumgartner et al., ICWSM 2020; zenodo.org/record/3607497):
``messages.ndjson.zst``, ``channels.ndjson.zst`` and ``accounts.ndjson.zst``.

Each file is newline-delimited JSON compressed with zstandard (a long window: up to 2 GB), read
line by line in bounded memory:

* ``messages``: Telethon ``Message``/``MessageService`` objects of 2019, mostly in the legacy
  shape (``to_id``, integer ``from_id``, top-level ``reply_to_msg_id``,
  ``fwd_from.channel_id``), ids as plain integers, times as ISO strings or Unix times; read
  as a Telethon dump (``source`` = ``file#<line>``). Recognised by its name
  (``messages*.ndjson``) together with Telethon content; any other name loads as ``telethon``
  with the same result.
* ``channels``: one ``ChatFull`` (``full_chat`` plus the ``chats`` it references) or
  ``Channel`` per line: names and usernames of the channels, no messages.
* ``accounts``: one ``User`` per line. Not loaded: the corpus has no table of people (and
  ``author`` holds no names from it); a warning says how many were skipped.

Examples
--------
>>> sniff(b'{"_": "ChatFull", "full_chat": {"_": "ChannelFull", "id": 1}', None)
>>> sniff(b'{"_": "Message", "id": 4, "to_id": {"_": "PeerChannel", "channel_id": 1}}', None)
'Telethon messages, but not in a file named messages*.ndjson (load it as telethon)'
"""

from __future__ import annotations

import re
from pathlib import Path

import orjson

from ..errors import LoadError
from ._mtproto import TELETHON_TYPE, chat_description
from ._mtproto_records import COLUMNS, RecordReader, read_lines
from .records import Rows, reject_json_line
from .streams import iter_lines, json_head
from .builder import FileOutput
from .sources import Source

__all__ = ["NAME", "SUFFIXES", "sniff", "read"]

NAME = "pushshift"
SUFFIXES = (".ndjson", ".jsonl")

_CHANNELS = re.compile(rb'^\{\s*"_"\s*:\s*"(?:messages\.)?(?:ChatFull|Channel|ChannelForbidden)"'
                       rb'|"full_chat"\s*:')
_ACCOUNTS = re.compile(rb'^\{\s*"_"\s*:\s*"User(?:Empty)?"')
_MESSAGES_NAME = re.compile(r"^messages[^/]*\.(?:nd)?jsonl?(?:\.(?:zst|zstd|gz))?$",
                            re.IGNORECASE)


def _kind(head: bytes, path: Path | None) -> str | None:
    text = json_head(head)
    if text[:1] != b"{":
        return None
    if _CHANNELS.search(text):
        return "channels"
    if _ACCOUNTS.match(text):
        return "accounts"
    if TELETHON_TYPE.search(text) or (b'"to_id"' in text and b'"message"' in text):
        if path is not None and _MESSAGES_NAME.match(Path(path).name):
            return "messages"
        return "elsewhere"
    return None


def sniff(head: bytes, path: Path | None = None) -> str | None:
    """None when ``head`` starts a file of the Pushshift Telegram dataset, else why not."""
    kind = _kind(head, path)
    if kind in ("channels", "accounts", "messages"):
        return None
    if kind == "elsewhere":
        return "Telethon messages, but not in a file named messages*.ndjson (load it as telethon)"
    return 'not Pushshift Telegram ndjson (no "ChatFull", "User" or Telethon message record)'


def read(source: Source, out: FileOutput) -> None:
    """Read one file of the Pushshift Telegram dataset into ``out``.

    Raises
    ------
    LoadError
        A damaged compressed stream (naming how far it got), a file of another kind.
    """
    kind = _kind(source.head(), source.path)
    if kind in ("messages", "elsewhere"):
        reader = RecordReader(out)
        read_lines(source, reader)
        reader.finish()
    elif kind == "channels":
        _read_channels(source, out)
    elif kind == "accounts":
        skipped = sum(1 for _ in iter_lines(source, out))
        out.warn(f"{source.label}: {skipped:,} user account record(s) not loaded: the corpus "
                 "keeps no table of people")
    else:
        raise LoadError(f"{source.label}: not a file of the Pushshift Telegram dataset")


def _read_channels(source: Source, out: FileOutput) -> None:
    descriptions: dict[str, tuple] = {}
    for lineno, line in iter_lines(source, out):
        try:
            rec = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            reject_json_line(out, lineno, line, exc)
            continue
        chats = rec.get("chats") if type(rec) is dict else None
        if type(chats) is not list:
            chats = [rec]
        found = False
        for chat in chats:
            desc = chat_description(chat)
            if desc is not None and desc[3] != "account":
                descriptions[desc[0]] = desc[1:]
                found = True
        if not found:
            out.reject(lineno, "no channel (an object with an integer id) in this record", rec)
    Rows(out, COLUMNS).describe(descriptions)
