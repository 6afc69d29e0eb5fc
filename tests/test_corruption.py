"""Corruption harness: every reader, fed damaged input, fails only the way the rule allows.

The rule (issue 12): bad input gets a clear error that names the file and the record, and
nothing is silently lost. Each genuine sample (``../shared/samples``) and each synthetic format
writer's output (``workbench.synth._formats.WRITERS``, ``tests/data``) is damaged one way at a
time, chosen by hypothesis (derandomized: the same cases every run):

* **one record** of the file: a field deleted, or replaced by a value of another type
  (str, int, list, dict, null, bool, float), a huge value (``10**30``, a megabyte of text),
  NUL and control characters, an invalid date (year 9999, year 0, negative, ``"garbage"``).
  The file must still load, with every record counted: loaded + service + rejected equal the
  records of the undamaged file (the damaged record rejected with a reason, or loaded);
* **the bytes**: cut at any offset, a byte flipped, control bytes inserted; and the file
  compressed (gzip, zstd) then cut or flipped. Either a :class:`WorkbenchError` (naming the
  file) or a load whose bookkeeping balances; a cut compressed stream is never read as if it
  were whole.

Never any other exception (no OverflowError, AttributeError, UnboundLocalError, ...).
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import json
import os
import re
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.errors import FormatError, WorkbenchError, WorkbenchWarning

from tests._loading import accounted
from tests.conftest import SAMPLES

DATA = Path(__file__).parent / "data"
#: Records kept from a long file (the harness needs variety, not volume).
KEEP = 25

#: ``CORRUPTION_SCALE=10 pytest tests/test_corruption.py``: ten times the cases (a deeper run
#: than the minute the suite spends).
SCALE = float(os.environ.get("CORRUPTION_SCALE", "1"))


def examples(n: int) -> int:
    return max(1, round(n * SCALE))


SETTINGS = dict(derandomize=True, deadline=None, database=None, print_blob=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@dataclass(frozen=True)
class Subject:
    """One input file to damage: its name on disk, its bytes (uncompressed), and how its
    records are laid out: ``"json"`` (one document, records in the list at ``path``),
    ``"lines"`` (one JSON value per line, records in the list at ``path`` of each, or the
    line itself when ``path`` is None), ``"csv"`` (a header, then one record per row) or
    ``"bytes"`` (no record structure the harness edits: HTML)."""

    key: str
    name: str
    data: bytes
    layout: str
    path: tuple | None = None


def _first_lines(data: bytes, n: int = KEEP) -> bytes:
    lines = [line for line in data.splitlines() if line.strip()]
    return b"\n".join(lines[:n]) + b"\n"


def _first_rows(data: bytes, n: int = KEEP) -> bytes:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))[: n + 1]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def _unpacked(path: Path) -> bytes:
    raw = path.read_bytes()
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw


def _normalised(subject: Subject) -> Subject:
    """``subject`` written as the harness writes its damaged copies (json.dumps, the csv
    module), so the undamaged count compares with theirs; lines that are not JSON (the quirk
    files hold some on purpose) are kept as they are and never damaged."""
    from dataclasses import replace

    if subject.layout == "json":
        # Desktop writes control characters as \xHH, which strict JSON refuses; read them as
        # the \u00HH they stand for (the reader accepts both).
        data = re.sub(rb"(?<!\\)((?:\\\\)*)\\x([0-9A-Fa-f]{2})", rb"\1\\u00\2", subject.data)
        return replace(subject, data=json.dumps(json.loads(data)).encode("utf-8"))
    if subject.layout == "csv":
        return replace(subject, data=_first_rows(subject.data, 10**9))
    if subject.layout == "lines":
        out = []
        for line in subject.data.splitlines():
            if not line.strip():
                continue
            try:
                out.append(json.dumps(json.loads(line)).encode("utf-8"))
            except ValueError:
                out.append(line)
        return replace(subject, data=b"\n".join(out) + b"\n")
    return subject


@functools.lru_cache(maxsize=1)
def subjects() -> dict[str, Subject]:
    found: list[Subject] = []
    if SAMPLES.is_dir():
        desk = SAMPLES / "telegram-desktop"
        for name in ("tg2md_2020-11_legacy_numeric_ids.json", "tg2md_2021-07_string_ids.json",
                     "tele_dashboard_2022_faked_values.json"):
            found.append(Subject(f"sample-desktop-{name[:10]}", "result.json",
                                 (desk / name).read_bytes(), "json", ("messages",)))
        html = SAMPLES / "telegram-desktop-html" / "androidsecurity-channel-2022" / "messages2.html"
        found.append(Subject("sample-html", "messages.html", html.read_bytes()[:60_000], "bytes"))
        telethon = sorted((SAMPLES / "telethon-real").glob("*.jsonl.gz"),
                          key=lambda p: p.stat().st_size)[0]
        found.append(Subject("sample-telethon", "channel.jsonl",
                             _first_lines(_unpacked(telethon)), "lines"))
        found.append(Subject("sample-twitter-v1", "search.json",
                             (SAMPLES / "twitter-v1" / "search_results_2019.json").read_bytes(),
                             "json", ()))
        v2 = sorted((SAMPLES / "twitter-v2").glob("*.jsonl"), key=lambda p: p.stat().st_size)[0]
        found.append(Subject("sample-twitter-v2", "tweets.jsonl", _first_lines(v2.read_bytes(), 3),
                             "lines", ("data",)))
    found += [
        Subject("data-fourcat-ndjson", "dataset.ndjson",
                (DATA / "fourcat" / "dataset.ndjson").read_bytes(), "lines"),
        Subject("data-fourcat-csv", "dataset.csv",
                (DATA / "fourcat" / "dataset.csv").read_bytes(), "csv"),
        Subject("data-pushshift", "messages.ndjson",
                (DATA / "pushshift" / "messages.ndjson").read_bytes(), "lines"),
        Subject("data-tracker-csv", "msgs_dataset.csv",
                (DATA / "tracker" / "msgs_dataset.csv").read_bytes(), "csv"),
        Subject("data-telethon-legacy", "legacy.json",
                (DATA / "telethon" / "legacy.json").read_bytes(), "json", ()),
        Subject("data-twitter-kaggle", "tweets.csv",
                (DATA / "twitter" / "kaggle_quirks.csv").read_bytes(), "csv"),
        Subject("data-twitter-v1", "tweets.jsonl",
                (DATA / "twitter" / "v1_quirks.jsonl").read_bytes(), "lines"),
        Subject("data-twitter-v2", "pages.jsonl",
                (DATA / "twitter" / "v2_quirks.jsonl").read_bytes(), "lines", ("data",)),
    ]
    found += _synthetic()
    return {s.key: _normalised(s) for s in found}


def _synthetic() -> list[Subject]:
    from workbench.synth import generate_world
    from workbench.synth._formats import WRITERS

    world = generate_world(7, n_channels=15, messages_scale=0.05)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for fmt, write in WRITERS.items():
            paths = [p for p in write(world, Path(tmp) / fmt) if "collected_chats" not in p.name]
            path = sorted(paths, key=lambda p: (p.stat().st_size, p.name))[len(paths) // 2]
            data = _unpacked(path)
            name = path.name.removesuffix(".gz")
            if fmt == "telegram-desktop":
                out.append(Subject(f"synth-{fmt}", name, data, "json", ("messages",)))
            elif fmt == "telegram-desktop-html":
                out.append(Subject(f"synth-{fmt}", name, data, "bytes"))
            elif name.endswith(".csv"):
                out.append(Subject(f"synth-{fmt}", name, _first_rows(data), "csv"))
            else:
                out.append(Subject(f"synth-{fmt}", name, _first_lines(data), "lines"))
    return out


SUBJECTS = [
    "sample-desktop-tg2md_2020", "sample-desktop-tg2md_2021", "sample-desktop-tele_dashb",
    "sample-html", "sample-telethon", "sample-twitter-v1", "sample-twitter-v2",
    "data-fourcat-ndjson", "data-fourcat-csv", "data-pushshift", "data-tracker-csv",
    "data-telethon-legacy", "data-twitter-kaggle", "data-twitter-v1", "data-twitter-v2",
    "synth-telegram-desktop", "synth-telegram-desktop-html", "synth-telethon-jsonl",
    "synth-telegram-tracker-csv", "synth-4cat-ndjson",
]
RECORD_SUBJECTS = [k for k in SUBJECTS if not k.endswith("html")]


def _subject(key: str) -> Subject:
    found = subjects()
    if key not in found:
        pytest.skip(f"genuine samples not found at {SAMPLES}")
    return found[key]


# ---------------------------------------------------------------------------------------------
# Loading a damaged file
# ---------------------------------------------------------------------------------------------
class Damaged(bytes):
    """Damaged file content whose repr says what was done (not the megabytes)."""

    what: str = ""

    def __repr__(self) -> str:
        return f"<{len(self):,} bytes: {self.what}>"


def damaged(data: bytes, what: str) -> Damaged:
    out = Damaged(data)
    out.what = what
    return out


def _load(name: str, data: bytes, *, allow=WorkbenchError):
    """The corpus of ``data`` written as ``name`` (None when wb.load refuses it with an
    ``allow`` error, which must name the file); any other exception propagates."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", WorkbenchWarning)
                corpus = wb.load(path, progress=False)
        except allow as exc:
            assert name in str(exc), exc
            return None
    accounted(corpus)
    return corpus


@functools.lru_cache(maxsize=None)
def _baseline(key: str) -> int:
    subject = _subject(key)
    corpus = _load(subject.name, subject.data)
    assert corpus is not None, key
    records = int(corpus.files["records"].sum())
    assert records > 0
    return records


# ---------------------------------------------------------------------------------------------
# Record-level damage
# ---------------------------------------------------------------------------------------------
HUGE_TEXT = "x" * 10**6
VALUES = [
    None, True, False, 0, -1, 3.5, 10**30, -(10**30), 2**63, "", "garbage", HUGE_TEXT,
    "\x00", "a\x00b", "\x07\x1b[31m\x7f", "\ud7ff\u202e", [], [1, "a", None], {}, {"a": 1},
    "9999-12-31T23:59:59", "0000-01-01T00:00:00", "0001-01-01T00:00:00+05:00",
    "1500-01-01 00:00:00", "-1", "99999999999999999999", 253402300800, -62135596800,
    "2016-13-45T99:99:99",
]
CSV_VALUES = ["", "garbage", "x" * 200_000, "10" + "0" * 30, "-1", "3.5", "\x00", "a\x00b",
              "\x07\x1b[31m", "9999-12-31 23:59:59", "0000-01-01", "1500-01-01 00:00:00",
              "99999999999999999999", "253402300800", "-62135596800", "[1, 2]", "{}",
              "None", "nan", "True"]


CONTAINERS = {"statuses", "data"}


class Raw(bytes):
    """A line of a JSON Lines file that is no JSON (left as it is)."""


def _paths(node, prefix=()):
    """Every path to a value inside ``node`` (dict keys and list positions)."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield prefix + (k,)
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node[:8]):
            yield prefix + (i,)
            yield from _paths(v, prefix + (i,))


def _mutate(record, path, action, value):
    """``record`` with the value at ``path`` deleted (``action == "delete"``) or replaced."""
    parent = record
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if action == "delete":
        del parent[last]
    else:
        parent[last] = value
    return record


def _records(doc, path):
    node = doc
    for step in path or ():
        node = node[step]
    return node


@st.composite
def damaged_records(draw, key: str) -> bytes:
    subject = _subject(key)
    if subject.layout == "csv":
        rows = list(csv.reader(io.StringIO(subject.data.decode("utf-8"))))
        row = draw(st.sampled_from([k for k in range(1, len(rows)) if rows[k]]))
        action = draw(st.sampled_from(["set", "set", "set", "drop", "extra"]))
        col = draw(st.integers(0, max(len(rows[row]) - 1, 0)))
        value = draw(st.sampled_from(CSV_VALUES))
        if action == "set" and rows[row]:
            rows[row][col] = value
        elif action == "drop" and rows[row]:
            del rows[row][col]
        else:
            rows[row].append(value)
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        return damaged(buf.getvalue().encode("utf-8"),
                       f"row {row} column {col}: {action} {value[:40]!r}"), row == 1
    line = 0
    if subject.layout == "json":
        doc = json.loads(subject.data)
        records = _records(doc, subject.path)
    else:
        lines = []
        for raw in subject.data.splitlines():
            try:
                lines.append(json.loads(raw))
            except ValueError:
                lines.append(Raw(raw))  # kept as it is
        if subject.path:
            line = draw(st.sampled_from([k for k, v in enumerate(lines) if isinstance(v, dict)
                                         and isinstance(v.get(subject.path[0]), list)]))
            records = _records(lines[line], subject.path)
        else:
            records = lines
    candidates = [i for i, r in enumerate(records) if isinstance(r, dict)]
    i = draw(st.sampled_from(candidates))
    first = subject.layout == "lines" and line == 0 and i == min(candidates)
    # A page's list of records (a v1 search page's ``statuses`` in a JSON Lines file) is no
    # field of one record: removing it, or one of its items, removes records.
    paths = [p for p in _paths(records[i]) if not (len(p) <= 2 and p[0] in CONTAINERS)]
    path, action, value = (), "set", draw(st.sampled_from(VALUES))
    if paths:
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["delete", "set", "set", "set"]))
        _mutate(records[i], path, action, value)
    else:
        records[i] = value
    what = f"record {i}{' of line ' + str(line) if subject.layout == 'lines' else ''}: " \
           f"{action} {'/'.join(map(str, path))}" + (f" = {value!r:.40}" if action == "set" else "")
    if subject.layout == "json":
        return damaged(json.dumps(doc).encode("utf-8"), what), False
    return damaged(b"\n".join(v if isinstance(v, Raw) else json.dumps(v).encode("utf-8")
                             for v in lines) + b"\n", what), first


@pytest.mark.parametrize("key", RECORD_SUBJECTS)
def test_one_damaged_record_costs_that_record_only(key):
    records = _baseline(key)
    subject = _subject(key)

    @settings(max_examples=examples(40), **SETTINGS)
    @given(damaged_records(key))
    def check(case):
        data, first = case
        # The first record is what detection reads: damaged, it may make the file match no
        # format (a FormatError naming the file); any other record costs itself only.
        corpus = _load(subject.name, data, allow=FormatError if first else ())
        if corpus is not None:
            assert int(corpus.files["records"].sum()) == records

    check()


# ---------------------------------------------------------------------------------------------
# Byte-level damage and compression
# ---------------------------------------------------------------------------------------------
@st.composite
def damaged_bytes(draw, key: str) -> bytes:
    data = _subject(key).data
    action = draw(st.sampled_from(["cut", "flip", "insert"]))
    at = draw(st.integers(0, len(data) - 1))
    if action == "cut":
        return damaged(data[:at], f"cut at byte {at}")
    if action == "flip":
        bit = draw(st.sampled_from([0x01, 0x20, 0x80, 0xFF]))
        return damaged(data[:at] + bytes([data[at] ^ bit]) + data[at + 1:],
                       f"byte {at} xor {bit:#x}")
    junk = draw(st.sampled_from([b"\x00", b"\x00\x00\x00", b"\x07\x1b", b"\xff\xfe", b"\r",
                                 b'"', b"{", b"]", b"\n"]))
    return damaged(data[:at] + junk + data[at:], f"{junk!r} inserted at byte {at}")


@pytest.mark.parametrize("key", SUBJECTS)
def test_damaged_bytes_are_refused_or_accounted(key):
    subject = _subject(key)

    @settings(max_examples=examples(15), **SETTINGS)
    @given(damaged_bytes(key))
    def check(data):
        _load(subject.name, data)

    check()


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def _zstd(data: bytes) -> bytes:
    return zstandard.ZstdCompressor().compress(data)


@pytest.mark.parametrize("key", SUBJECTS)
@pytest.mark.parametrize("suffix, pack", [(".gz", _gzip), (".zst", _zstd)])
def test_damaged_compression_is_never_read_as_whole(key, suffix, pack):
    subject = _subject(key)
    packed = pack(subject.data)

    @settings(max_examples=examples(6), **SETTINGS)
    @given(st.sampled_from(["cut", "flip"]), st.integers(0, len(packed) - 1))
    def check(action, at):
        if action == "cut":
            data = packed[:at]
        else:
            data = packed[:at] + bytes([packed[at] ^ 0x55]) + packed[at + 1:]
        corpus = _load(subject.name + suffix, data)
        if corpus is not None and action == "cut":
            reasons = " ".join(corpus.rejected["reason"]).lower()
            assert "truncated" in reasons, "a cut compressed file loaded without a word"

    check()
