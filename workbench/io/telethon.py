"""Telethon ``Message.to_dict()`` dumps: a JSON array or JSON Lines, as scrapers write them.

What such dumps hold (see :mod:`._mtproto` for the shapes):

* one ``Message`` / ``MessageService`` (``MessageEmpty`` for deleted ones) per record, type
  key ``"_"`` first; the channel as ``peer_id`` (current) or ``to_id`` (legacy, before 2020);
* times as ISO strings (``to_json()``) or ``str(datetime)`` with a space (``json.dumps(...,
  default=str)``), bytes as repr strings (``"b'\\x01...'"``, ignored);
* entity offsets in UTF-16 code units (an emoji is two), read as Telegram counts them;
* no channel names: a forward source is an id (``fwd_from.from_id.channel_id``, legacy
  ``fwd_from.channel_id``) with ``channel_post`` and the original ``date``; a name only for
  hidden senders (``from_name``). Names come from other files of the same load, if any.

JSON Lines (and ``.gz``/``.zst``) are read line by line: memory holds one block of the file,
whatever its size; a line that is not JSON is rejected with its line number
(``source`` = ``file#<line>``). A JSON array is parsed a few MB at a time (``file#<position>``,
from 1).

Examples
--------
>>> import json, tempfile, workbench as wb
>>> from pathlib import Path
>>> path = Path(tempfile.mkdtemp()) / "dump.jsonl"
>>> _ = path.write_text(json.dumps({"_": "Message", "id": 7, "peer_id": {"_": "PeerChannel",
...     "channel_id": 42}, "date": "2016-10-01 12:00:00+00:00", "message": "😀 via @other_ch",
...     "post": True, "entities": [{"_": "MessageEntityMention", "offset": 7, "length": 9}],
...     "views": 120, "fwd_from": {"_": "MessageFwdHeader", "date": "2016-09-30 08:00:00+00:00",
...     "from_id": {"_": "PeerChannel", "channel_id": 99}, "channel_post": 3}}) + "\\n")
>>> m = wb.load(path).messages
>>> m[["channel_id", "message_id", "mentions", "views", "fwd_from_channel_id",
...    "fwd_from_message_id", "source"]].to_dict("records")[0]
... # doctest: +NORMALIZE_WHITESPACE
{'channel_id': 'telegram:42', 'message_id': 7, 'mentions': ['other_ch'], 'views': 120,
 'fwd_from_channel_id': 'telegram:99', 'fwd_from_message_id': 3, 'source': 'dump.jsonl#1'}
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import LoadError
from ._mtproto import TELETHON_TYPE
from ._mtproto_records import RecordReader, read_document, read_lines
from .streams import first_byte, first_line, iter_array, json_head, parse_document
from .builder import FileOutput
from .sources import Source

__all__ = ["NAME", "SUFFIXES", "sniff", "read"]

NAME = "telethon"
SUFFIXES = (".json", ".jsonl", ".ndjson")


def sniff(head: bytes, path: Path | None = None) -> str | None:
    """None when ``head`` (the first KB) starts a Telethon dump, else why not.

    Examples
    --------
    >>> sniff(b'[{"_": "Message", "id": 1, "peer_id": {"_": "PeerChannel"')
    >>> sniff(b'{"id": 1, "peer_id": {"channel_id": 1, "_type": "PeerChannel"}}')
    'no Telethon record ("_": "Message") near the start'
    """
    text = json_head(head)
    if text[:1] not in (b"[", b"{"):
        return f"not JSON (starts with {bytes(text[:12])!r})" if text else "empty"
    if not TELETHON_TYPE.search(text):
        return 'no Telethon record ("_": "Message") near the start'
    return None


_RECORD_START = re.compile(rb'^\{\s*"_"\s*:\s*"Message(?:Service|Empty)?"')


def _is_json_lines(head: bytes) -> bool:
    """A JSON Lines dump starts with a whole record on its first line (a first line longer
    than the head counts); a document (one pretty-printed record, or an object holding a
    ``messages`` list, even on one line) does not."""
    text = json_head(head)
    if not _RECORD_START.match(text):
        return False
    return b"\n" not in text or first_line(head).endswith(b"}")


def read(source: Source, out: FileOutput) -> None:
    """Read one Telethon dump into ``out``.

    Raises
    ------
    LoadError
        For a file that is neither JSON Lines nor one JSON document (a JSON array that is
        invalid or truncated names the byte position).
    """
    head = source.head()
    kind = first_byte(head)
    if kind == b"[":
        reader = RecordReader(out)
        for i, rec in iter_array(source, out):
            reader.record(rec, i)
        reader.finish()
    elif (kind == b"{" and _is_json_lines(head)) or kind == b"":
        # (no head: a compressed stream damaged early; reading says where)
        reader = RecordReader(out)
        read_lines(source, reader)
        reader.finish()
    elif kind == b"{":
        read_document(parse_document(source, out), out)
    else:
        raise LoadError(f"{source.label}: not JSON: neither a JSON array nor JSON Lines")
