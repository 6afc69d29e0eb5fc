"""Streaming input for the readers: a file's decompressed bytes in blocks, its lines, the records
of a top-level JSON array, its CSV records, or the whole file as one JSON document.

Plain, gzip (concatenated members too) and zstandard files (Pushshift's long window) are read
in bounded memory, a block of a few MB at a time; a compressed stream that is damaged or cut
short is an error naming how far it got. Progress is reported in bytes on disk, and the file's
SHA-256 is computed from what was read. Record and line numbers count from 1 (see the
locators of :mod:`.records`).

Examples
--------
>>> first_line(b"\\xef\\xbb\\xbf  id,text\\r\\n1,hi")
b'id,text'
>>> json_head(b'\\n  [{"_": "Message"}]')[:1]
b'['
"""

from __future__ import annotations

import csv
import hashlib
import re
import zlib

import orjson

from ..errors import LoadError
from .builder import FileOutput
from .sources import Source, _decoder

__all__ = ["BLOCK_BYTES", "blocks", "iter_lines", "iter_array", "iter_csv", "parse_document",
           "json_head", "first_line", "first_byte"]

#: The longest CSV field read (the csv module's default is 128 KB).
_CSV_FIELD_LIMIT = (1 << 31) - 1
#: Bytes read from disk per step when streaming.
BLOCK_BYTES = 1 << 20
_BOM = b"\xef\xbb\xbf"


class _Counted:
    """A binary file that hashes what is read and reports how much was."""

    def __init__(self, raw):
        self.raw = raw
        self.digest = hashlib.sha256()
        self.count = 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.digest.update(data)
        self.count += len(data)
        return data

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer)
        if n:
            self.digest.update(memoryview(buffer)[:n])
            self.count += n
        return n

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.raw.close()


def blocks(source: Source, out: FileOutput):
    """Decompressed blocks of ``source``; progress in bytes on disk; sets its sha256/size."""
    label = source.label
    try:
        raw = open(source.path, "rb")
        magic = raw.read(4)
        raw.seek(0)
    except OSError as exc:
        raise LoadError(f"{label}: cannot read: {exc.strerror or exc}") from None
    counted = _Counted(raw)
    done = 0
    produced = 0
    try:
        decoder = _decoder(magic)
        if decoder is None:
            pieces = iter(lambda: counted.read(BLOCK_BYTES), b"")
        else:
            pieces = decoder(lambda: counted.read(BLOCK_BYTES // 4), label)
        while True:
            try:
                block = next(pieces, b"")
            except (EOFError, OSError, zlib.error) as exc:
                raise LoadError(f"{label}: damaged or truncated compressed stream after "
                                f"{produced:,} decompressed bytes: {exc}") from exc
            if counted.count > done:
                out.advance(counted.count - done)
                done = counted.count
            if not block:
                break
            produced += len(block)
            yield block
    finally:
        raw.close()
    source.size = counted.count
    source.sha256 = counted.digest.hexdigest()


def iter_lines(source: Source, out: FileOutput):
    """``(line number, line)`` of every non-blank line (1-based numbers, as editors show
    them), streamed: memory holds one block and the longest line."""
    lineno = 0
    tail = b""
    first = True
    for block in blocks(source, out):
        if first:
            first = False
            if block.startswith(_BOM):
                block = block[3:]
        if tail:
            block = tail + block
        lines = block.split(b"\n")
        tail = lines.pop()
        for line in lines:
            lineno += 1
            if line and not line.isspace():
                yield lineno, line
    if tail and not tail.isspace():
        yield lineno + 1, tail


#: Where one top-level Telethon record ends and the next begins inside a JSON array: the
#: next record starts with ``{"_": "Message"`` (or MessageService / MessageEmpty), closing
#: quote included, since nested lists hold ``"MessageEntity..."`` objects. Such a key cannot
#: occur inside a string (its quotes would be escaped) and no nested object is a Message.
_ARRAY_CUT = re.compile(rb'\}\s*,\s*(?=\{\s*"_"\s*:\s*"Message(?:Service|Empty)?")')
#: Parsed batch size when cutting a JSON array.
_BATCH_BYTES = 4 * BLOCK_BYTES


def iter_array(source: Source, out: FileOutput):
    """``(position, record)`` of a top-level JSON array of Telethon records (from 1), parsed
    a few MB at a time with orjson (cut between records, see ``_ARRAY_CUT``); a layout that
    cannot be cut there is parsed whole.

    Raises
    ------
    LoadError
        If the file is not one valid JSON array (naming the byte position).
    """
    label = source.label
    stream = blocks(source, out)
    buf = b""
    consumed = 0  # bytes of the decompressed file before ``buf``
    opened = False
    index = 0  # records yielded so far
    for block in stream:
        buf += block
        if not opened:
            stripped = buf.lstrip(b" \t\r\n")
            if stripped.startswith(_BOM):
                stripped = stripped[3:].lstrip(b" \t\r\n")
            if not stripped:
                continue
            if stripped[:1] != b"[":
                raise LoadError(f"{label}: not a JSON array")
            consumed += len(buf) - len(stripped) + 1
            buf = stripped[1:]
            opened = True
        if len(buf) < _BATCH_BYTES:
            continue
        cut = None
        for cut in _ARRAY_CUT.finditer(buf, max(len(buf) - 2 * BLOCK_BYTES, 0)):
            pass
        if cut is None:
            continue
        try:
            records = orjson.loads(b"[" + buf[:cut.start() + 1] + b"]")
        except orjson.JSONDecodeError:
            break  # not where we thought: parse the rest as one document
        for record in records:
            index += 1
            yield index, record
        consumed += cut.end()
        buf = buf[cut.end():]
    buf += b"".join(stream)  # what is left if the loop stopped early (else nothing)
    if not opened:
        raise LoadError(f"{label}: empty file: nothing to load")
    tail = buf.rstrip(b" \t\r\n")
    if not tail.endswith(b"]"):
        raise LoadError(f"{label}: the JSON array ends unexpectedly after byte "
                        f"{consumed + len(buf):,}: the file looks truncated")
    try:
        records = orjson.loads(b"[" + tail)
    except orjson.JSONDecodeError as exc:
        pos = max(getattr(exc, "pos", 1) - 1, 0)
        raise LoadError(f"{label}: invalid JSON at byte {consumed + pos:,} (in or after "
                        f"record #{index + 1}): {exc.msg}") from None
    for record in records:
        index += 1
        yield index, record


def iter_csv(source: Source, out: FileOutput):
    """``(first line number, fields)`` of every CSV record, header included (line 1),
    streamed; quoted fields may hold newlines.

    Raises
    ------
    LoadError
        If the file is not UTF-8 text (naming the byte) or not CSV.
    """
    import codecs

    label = source.label
    decoder = codecs.getincrementaldecoder("utf-8")()
    state = {"bytes": 0}

    def lines():
        tail = ""
        first = True
        for block in blocks(source, out):
            try:
                text = decoder.decode(block)
            except UnicodeDecodeError as exc:
                raise LoadError(f"{label}: not UTF-8 text: byte 0x{block[exc.start]:02x} at "
                                f"byte {state['bytes'] + exc.start:,} cannot be decoded") from None
            state["bytes"] += len(block)
            if first:
                first = False
                text = text.removeprefix("\ufeff")
            parts = (tail + text).split("\n")
            tail = parts.pop()
            for line in parts:
                yield line + "\n"
        try:
            tail += decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise LoadError(f"{label}: not UTF-8 text: the file ends inside a multi-byte "
                            f"character after {state['bytes']:,} bytes") from None
        if tail:
            yield tail

    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        # The module's default (128 KB) would refuse the whole file for one long field; a
        # field is at most as large as the file, which is read anyway.
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    reader = csv.reader(lines())
    start = 1
    try:
        for fields in reader:
            yield start, fields
            start = reader.line_num + 1
    except csv.Error as exc:
        raise LoadError(f"{label}: not readable as CSV at line {reader.line_num:,}: {exc}") from None


def first_line(head: bytes) -> bytes:
    """The first line of ``head`` (without BOM, leading white space and line end)."""
    return json_head(head).split(b"\n", 1)[0].rstrip()


def first_byte(head: bytes) -> bytes:
    """The first byte of ``head`` after a BOM and white space (``b""`` if none)."""
    return json_head(head)[:1]


def json_head(head: bytes) -> bytes:
    """``head`` without a BOM and leading white space."""
    text = head[3:] if head.startswith(_BOM) else head
    return text.lstrip()


def parse_document(source: Source, out: FileOutput) -> object:
    """The whole file parsed as one JSON document (for files that are not line-oriented).

    Raises
    ------
    LoadError
        For an empty file, text that is not UTF-8 (naming the byte), or JSON that is invalid
        or cut short (naming the byte position and line).
    """
    data = source.read_bytes()
    out.advance(source.size)
    if data.startswith(_BOM):
        data = data[3:]
    if not data.strip():
        raise LoadError(f"{source.label}: empty file: nothing to load")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            raise LoadError(f"{source.label}: not UTF-8 text: byte 0x{data[bad.start]:02x} at "
                            f"byte {bad.start:,} cannot be decoded") from None
        pos = getattr(exc, "pos", None)
        where = ""
        if pos is not None:
            line = data.count(b"\n", 0, pos) + 1
            where = f" at byte {pos:,} (line {line})"
        if "end of data" in exc.msg or (pos is not None and pos >= len(data.rstrip())):
            raise LoadError(f"{source.label}: the JSON ends unexpectedly{where}: the file looks "
                            f"truncated ({len(data):,} bytes)") from None
        raise LoadError(f"{source.label}: invalid JSON{where}: {exc.msg}") from None
