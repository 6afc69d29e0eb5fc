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


def _record_tail(record: dict, level: int) -> tuple[bool, str, str]:
    """Pre-render a template record without its id, type, dates, sender and references.

    Returns ``(is_service, was_edited, rest)``: ``rest`` is the remaining keys rendered as the
    inside of a message object whose braces sit at indentation ``level``.
    """
    service = record["type"] == "service"
    skip = {"id", "type", "date", "date_unixtime", "edited", "edited_unixtime",
            "from", "from_id", "actor", "actor_id", "reply_to_message_id", "message_id"}
    rest = {k: v for k, v in record.items() if k not in skip}
    if service and record.get("action") == "pin_message":
        rest = {"action": "edit_group_title", "title": "archive", **{k: v for k, v in rest.items()
                                                                       if k != "action"}}
    body = _desktop_json(rest, level)
    inner = body[body.index("\n") + 1: body.rindex("\n")]  # drop the braces, keep indentation
    return service, "edited" in record, inner


def write_desktop_export(path: str | Path, n_messages: int, *, seed: int = 0,
                         n_channels: int = 1) -> Path:
    """Write one large Telegram Desktop export of ``n_messages`` records, fast.

    Records are drawn from a generated world (text, entities, media, forwards, service records
    and planted ``\\xHH`` escapes, as in the fixtures) and given new ids and dates spread over
    the world's period. One channel gives a single-chat export; several give a full-account
    export (``chats.list``). A path ending in ``.gz`` is gzipped (level 1, no timestamp).
    Written in a stream: memory stays small whatever ``n_messages`` is.

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
    """
    if n_messages < 1 or n_channels < 1:
        raise ParameterError(f"{path}: n_messages and n_channels must be at least 1")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    world = generate_world(2016 + seed, n_channels=15, messages_scale=0.35)
    full = n_channels > 1
    level = 5 if full else 2  # indentation of a message's braces
    tails = [_record_tail(r, level) for e in world.exports.values() for r in e["messages"]]
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
                           prefix=("," if k else "") + "\n   " if full else "")
        if full:
            out.write(b"\n  ]\n }\n}")
    finally:
        if out is not raw:
            out.close()
        raw.close()
    return path


def _write_channel(out, rng: random.Random, tails: list, name: str, cid: int, count: int,
                   level: int, prefix: str) -> None:
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
        service, edited, inner = tails[rng.randrange(len(tails))]
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
