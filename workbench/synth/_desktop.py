"""The synthetic world as Telegram Desktop JSON exports: the Telegram part of
:func:`workbench.synth.write_fixtures` on its own (``<out_dir>/<handle>/result.json.gz``, gzip
without timestamp, control characters written as ``\\xHH`` as Desktop writes them).

Also Desktop's JSON serialiser that every Desktop file of the package goes through, and
:func:`write_desktop_export`, one large export streamed from a world's records for benchmarks.

Examples
--------
>>> import tempfile
>>> from workbench.synth import generate_world
>>> world = generate_world(1, n_channels=15, messages_scale=0.05)
>>> paths = write_desktop_json(world, tempfile.mkdtemp())
>>> len(paths) == len(world.exports), paths[0].name
(True, 'result.json.gz')
"""

from __future__ import annotations

import gzip
import io
import json
import random
from collections.abc import Sequence
from pathlib import Path

from ..errors import ParameterError
from ._clock import _local
from ._constants import END_TS, PLANTED_CONTROLS, START_TS
from ._world import generate_world

__all__ = ["write_desktop_json", "write_desktop_export"]


_encode_str = json.encoder.encode_basestring  # the C escaper json.dumps(ensure_ascii=False) uses
_DESKTOP_ESCAPES = {f"\\u{ord(c):04x}": f"\\x{ord(c):02X}" for c in PLANTED_CONTROLS}


def _encode(obj, level: int, out: list) -> None:
    """Append ``obj`` as ``json.dumps(obj, ensure_ascii=False, indent=1)`` would write it."""
    if isinstance(obj, str):
        out.append(_encode_str(obj))
    elif obj is None or isinstance(obj, bool):
        out.append("null" if obj is None else "true" if obj else "false")
    elif isinstance(obj, int):
        out.append(str(obj))
    elif isinstance(obj, dict):
        if not obj:
            out.append("{}")
            return
        pad = "\n" + " " * (level + 1)
        first = True
        for key, value in obj.items():
            out.append(("{" if first else ",") + pad + _encode_str(key) + ": ")
            first = False
            _encode(value, level + 1, out)
        out.append("\n" + " " * level + "}")
    elif isinstance(obj, list):
        if not obj:
            out.append("[]")
            return
        pad = "\n" + " " * (level + 1)
        for i, value in enumerate(obj):
            out.append(("[" if i == 0 else ",") + pad)
            _encode(value, level + 1, out)
        out.append("\n" + " " * level + "]")
    else:
        raise TypeError(f"cannot serialise {type(obj).__name__}")


def _desktop_json(obj, level: int = 0) -> str:
    """Desktop's JSON: one-space indent, UTF-8 text, and control characters written as
    ``\\xHH`` (which strict JSON parsers reject, as with genuine exports).

    Examples
    --------
    >>> _desktop_json({"a": [1, {"b": "x\\x07"}], "c": []})
    '{\\n "a": [\\n  1,\\n  {\\n   "b": "x\\\\x07"\\n  }\\n ],\\n "c": []\\n}'
    """
    out: list[str] = []
    _encode(obj, level, out)
    text = "".join(out)
    if "\\u00" in text:
        for escaped, desktop in _DESKTOP_ESCAPES.items():
            text = text.replace(escaped, desktop)
    return text


def _gzip(data: bytes, level: int = 6) -> bytes:
    """Gzip with no timestamp and no file name in the header, so output is reproducible."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=level) as gz:
        gz.write(data)
    return buf.getvalue()


def write_desktop_json(world, out_dir: str | Path) -> list[Path]:
    """Write every channel of ``world`` as ``<out_dir>/<handle>/result.json.gz``, byte for byte
    what :func:`workbench.synth.write_fixtures` writes under ``telegram/``.

    Returns
    -------
    list of Path
        The files written, one per channel.

    Examples
    --------
    >>> import tempfile, workbench as wb
    >>> from workbench.synth import generate_world
    >>> world = generate_world(1, n_channels=15, messages_scale=0.05)
    >>> out = tempfile.mkdtemp()
    >>> _ = write_desktop_json(world, out)
    >>> wb.load(out).channels["resolved"].sum() >= len(world.exports)
    np.True_
    """
    out = Path(out_dir)
    written = []
    for handle, export in world.exports.items():
        folder = out / handle
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "result.json.gz"
        path.write_bytes(_gzip(_desktop_json(export).encode("utf-8")))
        written.append(path)
    return written


def _record_tail(record: dict, level: int, *, split_text: bool = False
                 ) -> tuple[bool, str, str] | tuple[bool, str, str, list]:
    """Pre-render a template record without its id, type, dates, sender and references.

    Returns ``(is_service, was_edited, rest)``: ``rest`` is the remaining keys rendered as the
    inside of a message object whose braces sit at indentation ``level``. ``split_text``: a
    message's ``text`` and ``text_entities`` (its last keys) are left out of ``rest``, and its
    non-plain entities (links, hashtags, ...) come fourth, for :class:`_Texts`.
    """
    service = record["type"] == "service"
    skip = {"id", "type", "date", "date_unixtime", "edited", "edited_unixtime",
            "from", "from_id", "actor", "actor_id", "reply_to_message_id", "message_id"}
    entities = None
    if split_text and not service:
        skip |= {"text", "text_entities"}
        entities = [e for e in record["text_entities"] if e["type"] != "plain"]
    rest = {k: v for k, v in record.items() if k not in skip}
    if service and record.get("action") == "pin_message":
        rest = {"action": "edit_group_title", "title": "archive", **{k: v for k, v in rest.items()
                                                                       if k != "action"}}
    inner = _inner(rest, level)
    if not split_text:
        return service, "edited" in record, inner
    return service, "edited" in record, inner, entities


def _inner(obj: dict, level: int) -> str:
    """``obj`` rendered as the inside of an object whose braces sit at ``level`` ("" if empty)."""
    if not obj:
        return ""
    body = _desktop_json(obj, level)
    return body[body.index("\n") + 1: body.rindex("\n")]  # drop the braces, keep indentation


def _flat(text) -> str:
    """A Desktop ``text`` (a string or a list of strings and entity objects) as plain text."""
    if isinstance(text, str):
        return text
    return "".join(t if isinstance(t, str) else t["text"] for t in text)


class _Texts:
    """Texts of drawn lengths for :func:`write_desktop_export` (``text_lengths``).

    Words come from the world's own generated texts, joined into one long stream once; a
    text of ``L`` bytes is a slice of the stream starting at a word, cut to ``L`` bytes (less
    a partial character), then the template's entities when they fit in ``L``. Draws come
    from a random stream of their own, so the records around the texts are the default's.
    """

    def __init__(self, records: list[dict], lengths: Sequence[int], seed: int, level: int):
        self.lengths = [int(v) for v in lengths]
        if not self.lengths or min(self.lengths) < 0:
            raise ParameterError("text_lengths must hold at least one length, none negative")
        self.rng = random.Random(f"desktop-text-lengths/{seed}")
        words = [w for r in records if r["type"] == "message"
                 for part in ([r["text"]] if isinstance(r["text"], str) else r["text"])
                 if isinstance(part, str) for w in part.split()]
        words = words or ["text"]
        need = 2 * max(self.lengths) + (1 << 20)
        chunks, size = [], 0
        while size < need:
            chunk = " ".join(self.rng.choices(words, k=20_000)) + " "
            chunks.append(chunk)
            size += len(chunk.encode("utf-8"))
        self.stream = "".join(chunks).encode("utf-8")
        self.level = level

    def render(self, entities: list[dict]) -> str:
        """The ``text`` and ``text_entities`` keys of one message, rendered."""
        n = self.lengths[self.rng.randrange(len(self.lengths))]
        if n == 0:
            return _inner({"text": "", "text_entities": []}, self.level)
        extra = sum(len(e["text"].encode("utf-8")) for e in entities) + 1  # + a line break
        if extra > n:
            entities = []
        fill = n - extra if entities else n
        start = self.rng.randrange(len(self.stream) - fill - 64)
        start = self.stream.index(b" ", start) + 1  # a whole word first
        plain = self.stream[start:start + fill].decode("utf-8", "ignore").rstrip()
        if not entities:
            return _inner({"text": plain, "text_entities": [{"type": "plain", "text": plain}]},
                          self.level)
        plain += "\n"
        return _inner({"text": [plain, *entities],
                       "text_entities": [{"type": "plain", "text": plain}, *entities]},
                      self.level)


def write_desktop_export(path: str | Path, n_messages: int, *, seed: int = 0,
                         n_channels: int = 1, text_lengths: Sequence[int] | None = None
                         ) -> Path:
    """Write one large Telegram Desktop export of ``n_messages`` records, fast.

    Records are drawn from a generated world (text, entities, media, forwards, service records
    and planted ``\\xHH`` escapes, as in the fixtures) and given new ids and dates spread over
    the world's period. One channel gives a single-chat export; several give a full-account
    export (``chats.list``). A path ending in ``.gz`` is gzipped (level 1, no timestamp).
    Written in a stream: memory stays small whatever ``n_messages`` is.

    ``text_lengths`` (UTF-8 bytes, say the lengths of a real corpus's texts) gives messages
    texts of real lengths: each message draws a length from it (with replacement) and its
    text becomes generated words of the world (no real text) up to that many bytes, followed
    by the template's links, hashtags, mentions and bold parts when they fit (0: no text).
    Everything else is what the default export holds, record for record: the lengths and
    words are drawn from a random stream of their own. ``None`` (the default) keeps the
    world's texts, and the output byte for byte.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> p = write_desktop_export(pathlib.Path(tempfile.mkdtemp()) / "result.json", 500)
    >>> text = p.read_text(encoding="utf-8").replace("\\\\x", "\\\\u00")
    >>> len(json.loads(text)["messages"])
    500
    >>> p = write_desktop_export(p, 200, text_lengths=[1000])
    >>> texts = [m["text"] for m in json.loads(p.read_text(encoding="utf-8").replace(
    ...     "\\\\x", "\\\\u00"))["messages"] if m["type"] == "message"]
    >>> min(len(_flat(t).encode()) for t in texts) > 990
    True
    """
    if n_messages < 1 or n_channels < 1:
        raise ParameterError(f"{path}: n_messages and n_channels must be at least 1")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    world = generate_world(2016 + seed, n_channels=15, messages_scale=0.35)
    full = n_channels > 1
    level = 5 if full else 2  # indentation of a message's braces
    records = [r for e in world.exports.values() for r in e["messages"]]
    texts = None
    if text_lengths is not None:
        texts = _Texts(records, text_lengths, seed, level)
    tails = [_record_tail(r, level, split_text=texts is not None) for r in records]
    ids = sorted(rng.sample(range(1_100_000_000, 1_199_999_999), n_channels))
    counts = [n_messages // n_channels + (k < n_messages % n_channels) for k in range(n_channels)]
    raw = open(path, "wb")
    out = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=1) \
        if path.suffix == ".gz" else raw
    try:
        if full:
            out.write(('{\n "about": "Here is the data you requested.",\n "chats": {\n'
                       '  "about": "This page lists all chats from this export.",\n'
                       '  "list": [').encode())
        for k, count in enumerate(counts):
            _write_channel(out, rng, tails, f"Benchmark Channel {k + 1}", ids[k], count, level,
                           prefix=("," if k else "") + "\n   " if full else "", texts=texts)
        if full:
            out.write(b"\n  ]\n }\n}")
    finally:
        if out is not raw:
            out.close()
        raw.close()
    return path


def _write_channel(out, rng: random.Random, tails: list, name: str, cid: int, count: int,
                   level: int, prefix: str, texts: _Texts | None = None) -> None:
    """Stream one channel's export: head, ``count`` records from ``tails``, closing brackets."""
    key_pad, pad = " " * (level - 1), " " * (level + 1)
    out.write((f'{prefix}{{\n{key_pad}"name": {_encode_str(name)},\n{key_pad}"type": '
               f'"public_channel",\n{key_pad}"id": {cid},\n{key_pad}"messages": [').encode())
    sender = {False: f'{pad}"from": {_encode_str(name)},\n{pad}"from_id": "channel{cid}",\n',
              True: f'{pad}"actor": {_encode_str(name)},\n{pad}"actor_id": "channel{cid}",\n'}
    open_brace, close_brace = f'\n{" " * level}{{\n', f'\n{" " * level}}}'
    step = (END_TS - START_TS) / max(count, 1)
    msg_id = rng.randint(1, 5000)
    batch: list[str] = []
    for i in range(count):
        service, edited, inner, *entities = tails[rng.randrange(len(tails))]
        if texts is not None and not service:
            inner = ",\n".join(filter(None, (inner, texts.render(entities[0]))))
        ts = START_TS + int(i * step) + rng.randrange(max(1, int(step)))
        msg_id += 1 + (rng.random() < 0.02)  # deleted messages leave gaps
        edit = (f'{pad}"edited": "{_local(ts + 600)}",\n{pad}"edited_unixtime": "{ts + 600}",\n'
                if edited else "")
        batch.append(f'{"," if i else ""}{open_brace}{pad}"id": {msg_id},\n{pad}"type": '
                     f'"{"service" if service else "message"}",\n{pad}"date": "{_local(ts)}",\n'
                     f'{pad}"date_unixtime": "{ts}",\n{edit}{sender[service]}{inner}{close_brace}')
        if len(batch) == 20_000:
            out.write("".join(batch).encode("utf-8"))
            batch.clear()
    out.write("".join(batch).encode("utf-8"))
    out.write(f'\n{" " * (level - 1)}]\n{" " * (level - 2)}}}'.encode())
