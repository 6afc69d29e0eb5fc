"""Fuzzing the readers with hypothesis: mutated, truncated and type-swapped records never
crash a load with anything but a :class:`~workbench.errors.WorkbenchError` (the file is
refused) or a rejected row, and never lose a record silently: when a file loads at all,
loaded + service + rejected (+ merged, for records that two exports of one channel share)
equals the records in it, counted here independently of the
reader (JSON: the ``messages`` list; HTML: the message elements; JSON Lines: the lines; CSV:
the rows).

Desktop JSON and Desktop HTML have their own mutators; every other registered writer's files
are fuzzed by line (JSON Lines / ndjson) or by row (CSV). Runs under the hypothesis profile of
``tests/conftest.py`` (``ci``: derandomized, no deadline).
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.errors import WorkbenchError
from workbench.io import format_names
from workbench.synth import generate_world
from workbench.synth._formats import WRITERS
from workbench.synth._html import page_html

#: 40 examples per test keeps the suite fast; WORKBENCH_FUZZ_EXAMPLES=2000 fuzzes deeper.
FUZZ = settings(max_examples=int(os.environ.get("WORKBENCH_FUZZ_EXAMPLES", "40")),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                deadline=None)

# --------------------------------------------------------------------------------------------
# Material: a small world's records, and values to swap in
# --------------------------------------------------------------------------------------------
WORLD = generate_world(3, n_channels=15, messages_scale=0.05)


def _export_with_variety() -> dict:
    """The world's export with most kinds of record (forwards, media, service, replies)."""
    def score(export):
        recs = export["messages"]
        return (len({r.get("type") for r in recs}) + any("forwarded_from" in r for r in recs)
                + any("photo" in r for r in recs) + any("file" in r for r in recs)
                + any(isinstance(r.get("text"), list) for r in recs), -len(recs))
    return max(WORLD.exports.values(), key=score)


EXPORT = _export_with_variety()
#: Records a Desktop export may hold beyond what the world writes.
EXTRA_RECORDS = [
    {"id": 900, "type": "message", "date": "2016-10-01T15:00:00", "from": "A", "from_id":
     4294967297, "text": ["x ", {"type": "mention_name", "text": "Bob", "user_id": 5}],
     "reply_to_message_id": 2, "edited": "2016-10-01T15:05:00", "poll": {"question": "?"}},
    {"id": 901, "type": "unsupported", "date_unixtime": "1475323200"},
    {"id": 902, "type": "service", "date_unixtime": "1475323200", "action": "phone_call",
     "text": ""},
    {"id": 903, "type": "message", "date_unixtime": "1475323200", "text": "",
     "file": "(File not included. Change data exporting settings to download.)",
     "media_type": "sticker", "location_information": {"latitude": 1.5}},
]
BASE_RECORDS = EXPORT["messages"][:25] + EXTRA_RECORDS

JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(),
              st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
              st.floats(allow_nan=False, allow_infinity=False),
              st.text(max_size=12)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=6)
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=16)
#: CSV cells: any text but a bare carriage return, which CSV writers always quote (the csv
#: module with lineterminator="\n" would not, leaving an ambiguous file no tool writes)
CELL = TEXT.map(lambda t: t.replace("\r", ""))


@st.composite
def mutated_record(draw, base=BASE_RECORDS):
    """A record with a few keys dropped, set to values of another type, or cut short; or a
    value that is no record at all."""
    if draw(st.integers(0, 19)) == 0:
        return draw(JSON_VALUES)
    record = dict(draw(st.sampled_from(base)))
    for _ in range(draw(st.integers(0, 3))):
        keys = sorted(record) + ["id", "type", "date_unixtime", "text", "forwarded_from"]
        key = draw(st.sampled_from(keys))
        how = draw(st.sampled_from(["drop", "swap", "cut", "entity"]))
        if how == "drop":
            record.pop(key, None)
        elif how == "swap":
            record[key] = draw(JSON_VALUES)
        elif how == "cut" and isinstance(record.get(key), str):
            record[key] = record[key][: draw(st.integers(0, len(record[key])))]
        elif how == "entity" and isinstance(record.get("text"), list) and record["text"]:
            parts = list(record["text"])
            parts[draw(st.integers(0, len(parts) - 1))] = draw(JSON_VALUES)
            record["text"] = parts
    return record


def _load(path: Path, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return wb.load(path, progress=False, **kwargs)


def _check(path: Path, expected: int | None, **kwargs) -> None:
    """Load ``path``: a WorkbenchError is a refusal (allowed); anything else must account for
    ``expected`` records."""
    try:
        corpus = _load(path, **kwargs)
    except WorkbenchError:
        return
    got = _accounted(corpus)
    if expected is not None:
        assert got == expected, (f"{expected} records in the input, but loaded "
                                 f"{len(corpus.messages)} + service {len(corpus.service)} + "
                                 f"rejected {len(corpus.rejected)} + merged "
                                 f"{int(corpus.files['merged'].sum())}")


def _accounted(corpus) -> int:
    """loaded + service + rejected + merged (a record of two exports of one channel is kept
    once, the other counted in ``files.merged``), checked against ``files.records``."""
    got = len(corpus.messages) + len(corpus.service) + len(corpus.rejected) + int(
        corpus.files["merged"].sum())
    assert int(corpus.files["records"].sum()) == got
    return got


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


# --------------------------------------------------------------------------------------------
# Telegram Desktop JSON
# --------------------------------------------------------------------------------------------
@FUZZ
@given(records=st.lists(mutated_record(), max_size=10), chat=st.dictionaries(
    st.sampled_from(["id", "name", "type"]), JSON_VALUES, max_size=2),
    pretty=st.booleans(), cut=st.one_of(st.none(), st.floats(0, 1)),
    container=st.integers(0, 24))
def test_fuzz_desktop_json(scratch, records, chat, pretty, cut, container):
    doc = {"name": EXPORT["name"], "type": EXPORT["type"], "id": EXPORT["id"]}
    doc.update(chat)
    messages: object = records
    if container == 0:  # the messages list itself swapped for another type
        messages = {"0": records} if records else "x"
    doc["messages"] = messages
    text = json.dumps(doc, ensure_ascii=False, indent=1 if pretty else None)
    text = text.replace("\\u0007", "\\x07")  # Desktop's invalid escape, as real exports
    data = text.encode("utf-8")
    expected = len(records) if isinstance(messages, list) else 1
    path = scratch / "result.json"
    if cut is not None and int(len(data) * cut) < len(data):
        # no strict prefix of a JSON document is one: a cut file must be refused
        path.write_bytes(data[: int(len(data) * cut)])
        with pytest.raises(WorkbenchError):
            _load(path, format="telegram-desktop")
        return
    path.write_bytes(data)
    _check(path, expected, format="telegram-desktop")


# --------------------------------------------------------------------------------------------
# Telegram Desktop HTML
# --------------------------------------------------------------------------------------------
HTML_PAGE = page_html(EXPORT, page_size=10_000)[0]
QUIRK_BLOCKS = (
    '<div class="message default clearfix joined" id="message99001">\n<div class="body">\n'
    '<div class="pull_right date details" title="02.10.2016 15:00:00">\n15:00\n</div>\n'
    '<div class="forwarded body">\n<div class="from_name">\nOld Header <span class="details">'
    ' 01.10.2016 10:00:00</span>\n</div>\n<div class="reply_to details">\nIn reply to <a '
    'href="#go_to_message3" onclick="return GoToMessage(3)">this message</a>\n</div>\n'
    '<div class="media_wrap clearfix">\n<div class="media clearfix pull_left media_file">\n'
    '<div class="body">\n<div class="title bold">\nf.pdf\n</div>\n</div>\n</div>\n</div>\n'
    '<div class="text">\nx&#x07;<a href="" onclick="return ShowHashtag(&quot;t&quot;)">#t</a>'
    '\n</div>\n</div>\n</div>\n</div>\n'
    '<div class="message service" id="message99002">\n<div class="body details">\nThis message '
    'is not supported by this version of Telegram Desktop.\n</div>\n</div>\n')
HTML_PAGE = HTML_PAGE.replace('<div class="message ', QUIRK_BLOCKS + '<div class="message ', 1)

_START_TAG = re.compile(r"<([a-zA-Z][\w-]*)([^<>]*)>")
_ATTR = re.compile(r'([\w-]+)="([^"]*)"')
_DIV = re.compile(r"<div\b([^<>]*)>")


def html_records(page: str) -> int:
    """Message elements in a page: ``<div>`` start tags whose class has the token
    ``message`` (a plain scan, not the reader's parser)."""
    count = 0
    for match in _DIV.finditer(page):
        classes = ""
        for name, value in _ATTR.findall(match.group(1)):
            if name.lower() == "class":
                classes = html.unescape(value)
        count += "message" in classes.split()
    return count


@st.composite
def mutated_page(draw, page=HTML_PAGE):
    for _ in range(draw(st.integers(0, 6))):
        how = draw(st.sampled_from(["drop_attr", "set_attr", "set_text", "drop_end",
                                    "copy_block", "swap_id"]))
        if how in ("drop_attr", "set_attr"):
            tags = [m for m in _START_TAG.finditer(page) if _ATTR.search(m.group(2))]
            tag = draw(st.sampled_from(tags))
            attrs = list(_ATTR.finditer(page, tag.start(2), tag.end(2)))
            attr = draw(st.sampled_from(attrs))
            if how == "drop_attr":
                page = page[:attr.start()] + page[attr.end():]
            else:
                value = html.escape(draw(TEXT), quote=True)
                page = page[:attr.start(2)] + value + page[attr.end(2):]
        elif how == "set_text":
            gaps = [m for m in re.finditer(r">([^<>]+)<", page)]
            gap = draw(st.sampled_from(gaps))
            page = page[:gap.start(1)] + html.escape(draw(TEXT)) + page[gap.end(1):]
        elif how == "drop_end":
            ends = [m.start() for m in re.finditer("</div>", page)]
            at = draw(st.sampled_from(ends))
            page = page[:at] + page[at + len("</div>"):]
        elif how == "copy_block":
            starts = [m.start() for m in re.finditer('<div class="message ', page)]
            if len(starts) > 1:
                i = draw(st.integers(0, len(starts) - 2))
                block = page[starts[i]:starts[i + 1]]
                at = draw(st.sampled_from(starts))
                page = page[:at] + block + page[at:]
        else:  # ids that are no numbers, or another message's
            ids = list(re.finditer(r'id="message(-?\d+)"', page))
            target = draw(st.sampled_from(ids))
            new = draw(st.one_of(st.integers(-5, 10 ** 20).map(str), TEXT.map(html.escape)))
            page = page[:target.start(1)] + new + page[target.end(1):]
    if draw(st.booleans()):
        page = page[: draw(st.integers(0, len(page)))]
    return page


@FUZZ
@given(page=mutated_page(), with_id=st.booleans(), tz=st.sampled_from(["UTC", "+05:30"]))
def test_fuzz_desktop_html(scratch, page, with_id, tz):
    path = scratch / "messages.html"
    path.write_bytes(page.encode("utf-8"))
    kwargs = {"channel_id": "telegram:77"} if with_id else {}
    _check(path, html_records(page), format="telegram-desktop-html", tz=tz, **kwargs)


TWO_PAGES = page_html(EXPORT, page_size=max(len(EXPORT["messages"]) // 2, 1))[:2]


@FUZZ
@given(first=mutated_page(TWO_PAGES[0]), second=mutated_page(TWO_PAGES[1]),
       link=st.one_of(st.none(), st.sampled_from(["messages.html", "../x/messages2.html",
                                                  "messages2.html.gz", "/etc/passwd"]), TEXT))
def test_fuzz_desktop_html_pages_of_one_export(tmp_path_factory, first, second, link):
    """Two linked pages in a folder, both mutated, the link too: the chain is followed or
    not, but every page's records are accounted for once (a page that cannot be read at all
    is one rejected row)."""
    folder = tmp_path_factory.mktemp("pages") / "export"
    folder.mkdir()
    if link is not None:
        first = first.replace('href="messages2.html"', f'href="{html.escape(link)}"')
    pages = {"messages.html": first, "messages2.html": second}
    for name, page in pages.items():
        (folder / name).write_bytes(page.encode("utf-8"))
    try:
        corpus = _load(folder, format="telegram-desktop-html")
    except WorkbenchError:
        return
    refused = set(corpus.rejected.loc[corpus.rejected["raw"].isna(), "source"])
    expected = sum(1 if f"export/{name}" in refused else html_records(page)
                   for name, page in pages.items())
    assert _accounted(corpus) == expected


def test_html_record_count_is_independent():
    """The count the HTML fuzzer trusts, on a page whose count is known by hand."""
    assert html_records('<div class="message service" id="m"><div class="messages">'
                        '<div class="x message" id="a"></div><div class=" message ">') == 3
    assert html_records(HTML_PAGE) == len(EXPORT["messages"]) + 2 + HTML_PAGE.count(
        '<div class="message service" id="message-')


# --------------------------------------------------------------------------------------------
# Every other registered format: by line or by row
# --------------------------------------------------------------------------------------------
def _reader_of(fmt: str) -> str:
    names = [n for n in format_names() if fmt == n or fmt.startswith(n + "-")]
    assert names, f"no registered reader for writer {fmt!r}"
    return max(names, key=len)


OTHERS = sorted(f for f in WRITERS if f not in ("telegram-desktop", "telegram-desktop-html"))


@pytest.fixture(scope="module")
def other_files(tmp_path_factory):
    """The first file each other writer writes for the world, cut to its first records."""
    root = tmp_path_factory.mktemp("fuzz_others")
    files = {}
    for fmt in OTHERS:
        written = WRITERS[fmt](WORLD, root / fmt)
        path = Path(written[0])
        text = path.read_text(encoding="utf-8")
        if path.suffix in (".jsonl", ".ndjson"):
            lines = [line for line in text.split("\n") if line.strip(_ASCII_SPACE)][:15]
            files[fmt] = (path.suffix, lines)
        elif path.suffix == ".csv":
            rows = list(csv.reader(io.StringIO(text)))[:16]
            files[fmt] = (path.suffix, rows)
        else:
            files[fmt] = (path.suffix, None)
    return files


_ASCII_SPACE = " \t\r\x0b\x0c"


def _count_lines(text: str) -> int:
    # Records end at "\n" only; a line of ASCII whitespace (form feeds too) holds none, while
    # a line of other Unicode spaces (U+0085, U+2028) is a record that is not JSON, to be
    # rejected (str's own splitlines/strip would count both differently)
    return sum(1 for line in text.split("\n") if line.strip(_ASCII_SPACE))


def _count_rows(text: str) -> int:
    rows = list(csv.reader(io.StringIO(text)))
    return max(len([r for r in rows if r]) - 1, 0)


@st.composite
def mutated_line(draw, line: str) -> str:
    try:
        record = json.loads(line)
    except ValueError:
        return line
    how = draw(st.sampled_from(["keep", "drop", "swap", "deep", "garbage", "cut"]))
    if how == "garbage":
        return draw(TEXT).replace("\n", " ").replace("\r", " ") or "{"
    if how == "cut":
        return line[: draw(st.integers(1, max(len(line) - 1, 1)))]
    if isinstance(record, dict) and record and how != "keep":
        key = draw(st.sampled_from(sorted(record)))
        target = record
        if how == "deep" and isinstance(record[key], dict) and record[key]:
            target = record[key]
            key = draw(st.sampled_from(sorted(target)))
        if how == "drop":
            target.pop(key)
        else:
            target[key] = draw(JSON_VALUES)
    return json.dumps(record, ensure_ascii=False)


@pytest.mark.parametrize("fmt", OTHERS)
def test_fuzz_other_formats(fmt, other_files, scratch):
    suffix, records = other_files[fmt]
    if records is None:
        pytest.skip(f"{fmt}: its first file is {suffix}, for which there is no generic "
                    "fuzzer here (JSON Lines and CSV only)")
    reader = _reader_of(fmt)
    path = scratch / f"{fmt}{suffix}"

    @FUZZ
    @given(data=st.data(), cut=st.one_of(st.none(), st.floats(0, 1)))
    def run(data, cut):
        if suffix == ".csv":
            header, rows = records[0], records[1:]
            out = []
            for row in data.draw(st.lists(st.sampled_from(rows), max_size=8)):
                row = list(row)
                how = data.draw(st.sampled_from(["keep", "cell", "short", "long"]))
                if how == "cell" and row:
                    row[data.draw(st.integers(0, len(row) - 1))] = data.draw(
                        st.one_of(CELL, st.integers().map(str)))
                elif how == "short":  # (an empty row would be a blank line: no record)
                    row = row[: data.draw(st.integers(1, max(len(row), 1)))]
                elif how == "long":
                    row = row + [data.draw(CELL)]
                out.append(row)
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerows([header] + out)
            text = buf.getvalue()
        else:
            lines = data.draw(st.lists(st.sampled_from(records), max_size=8))
            text = "".join(data.draw(mutated_line(line)) + "\n" for line in lines)
        if cut is not None:
            text = text[: int(len(text) * cut)]
        path.write_bytes(text.encode("utf-8"))
        expected = _count_rows(text) if suffix == ".csv" else _count_lines(text)
        _check(path, expected, format=reader)

    run()
