"""wb.load on bad input: errors that name the file and the position, one bad file in a folder
not stopping the others, and every record accounted for."""

from __future__ import annotations

import gzip
import json
import re
import warnings

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import workbench as wb
from workbench.errors import FormatError, LoadError, ParameterError, WorkbenchWarning


def export_text(messages, *, indent=1) -> str:
    return json.dumps({"name": "Bad Inputs", "type": "public_channel", "id": 31337,
                       "messages": messages}, indent=indent)


def good(i: int) -> dict:
    return {"id": i, "type": "message", "date": "2016-10-01T12:00:00",
            "date_unixtime": str(1475323200 + i), "text": f"message {i}"}


def test_missing_path():
    with pytest.raises(LoadError, match="no_such_export.json: no such file"):
        wb.load("no_such_export.json")


def test_empty_file(tmp_path):
    path = tmp_path / "result.json"
    path.write_bytes(b"")
    with pytest.raises(FormatError, match=r"result\.json: empty file"):
        wb.load(path)


def test_whitespace_only_file_forced_format(tmp_path):
    path = tmp_path / "result.json"
    path.write_bytes(b"  \n ")
    with pytest.raises(LoadError, match=r"result\.json: empty file"):
        wb.load(path, format="telegram-desktop")


def test_truncated_file_names_the_byte_and_record(tmp_path):
    text = export_text([good(i) for i in range(1, 50)])
    cut = len(text) // 2
    path = tmp_path / "result.json"
    path.write_text(text[:cut], encoding="utf-8")
    with pytest.raises(LoadError) as info:
        wb.load(path)
    message = str(info.value)
    assert message.startswith("result.json: ")
    assert "truncated" in message
    assert f"at byte {cut:,}" in message
    # the record being read where the file ends (records count from 1)
    records_before = text[:cut].count("\n  {")
    assert f"record #{records_before}" in message


def test_truncated_gzip(tmp_path):
    data = gzip.compress(export_text([good(i) for i in range(1, 200)]).encode(), mtime=0)
    path = tmp_path / "result.json.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(LoadError, match=r"result\.json\.gz: truncated gzip stream"):
        wb.load(path)


def test_json_that_is_not_an_export_lists_formats_tried(tmp_path):
    path = tmp_path / "package.json"
    path.write_text(json.dumps({"name": "left-pad", "version": "1.0.0"}), encoding="utf-8")
    with pytest.raises(FormatError) as info:
        wb.load(path)
    message = str(info.value)
    assert message.startswith("package.json: no known format matched; tried ")
    for name in wb.io.format_names():
        assert f"{name}: " in message


def test_csv_is_not_an_export(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"telegram-desktop: not JSON"):
        wb.load(path)


def test_forced_format_on_wrong_json(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps([1, 2, 3]), encoding="utf-8")
    with pytest.raises(FormatError, match=r"x\.json: the top level is a JSON list"):
        wb.load(path, format="telegram-desktop")


def test_unknown_format_name():
    with pytest.raises(ParameterError, match="known formats"):
        wb.load(".", format="myspace")


def test_bad_tz(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(export_text([good(1)]), encoding="utf-8")
    with pytest.raises(ParameterError, match="tz='Mars/Olympus'"):
        wb.load(path, tz="Mars/Olympus")


def test_non_utf8_bytes_name_the_byte(tmp_path):
    text = export_text([good(1), good(2), {**good(3), "text": "PLACEHOLDER"}])
    raw = text.encode("utf-8").replace(b"PLACEHOLDER", b"caf\xe9")  # Latin-1 e-acute
    position = raw.index(b"\xe9")
    path = tmp_path / "result.json"
    path.write_bytes(raw)
    with pytest.raises(LoadError) as info:
        wb.load(path)
    message = str(info.value)
    assert message.startswith("result.json: not UTF-8")
    assert f"0xe9 at byte {position:,}" in message


def test_non_utf8_in_the_head(tmp_path):
    path = tmp_path / "result.json"
    path.write_bytes('{"name": "Caf\xe9", "messages": []}'.encode("latin-1"))
    with pytest.raises(FormatError, match=r"result\.json: not UTF-8 text: byte 0xe9 at byte 13"):
        wb.load(path)


def test_utf16_file(tmp_path):
    path = tmp_path / "result.json"
    path.write_bytes(export_text([good(1)]).encode("utf-16"))
    with pytest.raises(FormatError, match="UTF-16"):
        wb.load(path)


def test_invalid_json_in_the_middle(tmp_path):
    text = export_text([good(1), good(2), good(3)]).replace('"message 2"', '"message 2" oops')
    path = tmp_path / "result.json"
    path.write_text(text, encoding="utf-8")
    position = text.index(" oops") + 1
    with pytest.raises(LoadError, match=rf"result\.json: invalid JSON at byte {position:,} "
                                        r"\(line \d+, in or after message record #2\)"):
        wb.load(path)


def test_folder_without_exports(tmp_path):
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(LoadError, match=rf"{tmp_path.name}: no exports found"):
        wb.load(tmp_path)


def test_empty_folder(tmp_path):
    with pytest.raises(LoadError, match="no exports found"):
        wb.load(tmp_path)


def test_folder_where_every_file_is_bad(tmp_path):
    (tmp_path / "a.json").write_text("", encoding="utf-8")
    (tmp_path / "b.json").write_text("{", encoding="utf-8")
    with pytest.raises(LoadError, match="no file could be read"):
        wb.load(tmp_path)


def test_one_bad_file_does_not_stop_the_others(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "a_good.json").write_text(export_text([good(1), good(2)]), encoding="utf-8")
    (folder / "b_empty.json").write_bytes(b"")
    (folder / "c_truncated.json").write_text(export_text([good(3)])[:110], encoding="utf-8")
    (folder / "d_other.json").write_text('{"version": 2}', encoding="utf-8")
    with pytest.warns(WorkbenchWarning) as record:
        corpus = wb.load(folder)
    summaries = [str(w.message) for w in record if "could not be read" in str(w.message)]
    assert len(summaries) == 1
    assert summaries[0].startswith("3 of 4 file(s) could not be read")
    assert len(corpus.messages) == 2
    rejected = corpus.rejected.set_index("source")["reason"]
    assert set(rejected.index) == {"exports/b_empty.json", "exports/c_truncated.json",
                                   "exports/d_other.json"}
    assert "empty file" in rejected["exports/b_empty.json"]
    assert "truncated" in rejected["exports/c_truncated.json"]
    assert "no known format matched" in rejected["exports/d_other.json"]
    files = corpus.files.set_index("path")
    assert files.loc["exports/b_empty.json", "format"] == "unknown"
    assert files.loc["exports/c_truncated.json", "format"] == "telegram-desktop"
    assert files.loc["exports/c_truncated.json", "rejected"] == 1
    assert (files["records"] == files["loaded"] + files["service"] + files["rejected"]
            + files["merged"]).all()


def test_unreadable_records_are_rejected_with_reasons(tmp_path):
    records = [
        good(1),
        {"id": "two", "type": "message", "date_unixtime": "1475323200"},  # id not an int
        {"id": 3, "type": "message", "date_unixtime": "soon"},  # unixtime not a number
        {"id": 4, "type": "message", "date": "yesterday"},  # unparseable local date
        {"id": 5, "type": "message", "date_unixtime": "1475323200", "reply_to_message_id": "x"},
        {"id": 6, "type": "message", "date_unixtime": "1475323200",
         "text": ["ok", {"type": "bold"}]},  # entity without text: flattened as ""
        {"id": 7, "type": "message", "date_unixtime": "1475323200", "text": ["ok", 5]},
        "not an object",
        {"id": 9, "date_unixtime": "1475323200"},  # no type
        {"id": 10, "type": "sticker_pack", "date_unixtime": "1475323200"},
        {"id": 11, "type": "message", "date_unixtime": "99999999999999"},  # far future
        good(1),  # the same id again within one export
    ]
    path = tmp_path / "result.json"
    path.write_text(export_text(records), encoding="utf-8")
    corpus = wb.load(path)
    assert sorted(corpus.messages["message_id"]) == [1, 6]
    assert corpus.messages.set_index("message_id").loc[6, "text"] == "ok"
    reasons = dict(zip(corpus.rejected["source"].str.replace("result.json#", ""),
                       corpus.rejected["reason"]))
    assert reasons == {  # positions in the list, counted from 1
        "2": "message id 'two' is not an integer",
        "3": "date_unixtime 'soon' is not a Unix time",
        "4": "date 'yesterday' is not an ISO date-time",
        "5": "reply_to_message_id 'x' is not an integer",
        "7": reasons["7"],
        "8": "a str, not a record object",
        "9": "record without a 'type'",
        "10": "unknown record type 'sticker_pack'",
        "11": "date_unixtime '99999999999999' is out of range (years 1700-2242)",
        "12": "duplicate message id 1 within one export of telegram:31337 (the first is kept)",
    }
    assert reasons["7"].startswith("unreadable record")
    raw = corpus.rejected.set_index("source").loc["result.json#2", "raw"]
    assert json.loads(raw) == records[1]
    assert len(corpus.messages) + len(corpus.rejected) + len(corpus.service) == len(records)


def test_raw_excerpt_is_truncated(tmp_path):
    huge = {"id": 1, "type": "unsupported", "text": "x" * 10_000}
    path = tmp_path / "result.json"
    path.write_text(export_text([huge]), encoding="utf-8")
    raw = wb.load(path).rejected.loc[0, "raw"]
    assert len(raw) == 2000 and raw.endswith("…")


# -- the accounting property ------------------------------------------------------------
record_kinds = st.sampled_from(["good", "service", "unsupported", "no_id", "no_date",
                                "bad_text", "not_object", "dup", "hex"])


@given(kinds=st.lists(record_kinds, min_size=0, max_size=25),
       split=st.integers(min_value=0, max_value=25), indent=st.sampled_from([1, None]))
def test_every_record_is_loaded_serviced_rejected_or_merged(tmp_path_factory, kinds, split,
                                                            indent):
    records = []
    for i, kind in enumerate(kinds, start=1):
        if kind == "good":
            records.append(good(i))
        elif kind == "service":
            records.append({"id": i, "type": "service", "date_unixtime": "1475323200",
                            "action": "pin_message"})
        elif kind == "unsupported":
            records.append({"id": i, "type": "unsupported"})
        elif kind == "no_id":
            records.append({"type": "message", "date_unixtime": "1475323200"})
        elif kind == "no_date":
            records.append({"id": i, "type": "message"})
        elif kind == "bad_text":
            records.append({**good(i), "text": {"not": "text"}})
        elif kind == "not_object":
            records.append([i])
        elif kind == "dup":
            records.append(good(1))
        else:
            records.append({**good(i), "text": "HEX"})
    folder = tmp_path_factory.mktemp("prop")
    # two overlapping exports of the same channel: records[:split] and records[split // 2:]
    first, second = records[:split], records[split // 2:]
    for name, part in (("a.json", first), ("b.json", second)):
        text = export_text(part, indent=indent).replace('"HEX"', '"ctl\\x01"')
        (folder / name).write_text(text, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)
        corpus = wb.load(folder)
    files = corpus.files
    assert files["records"].tolist() == [len(first), len(second)]
    assert (files["records"] == files["loaded"] + files["service"] + files["rejected"]
            + files["merged"]).all()
    assert len(corpus.messages) == files["loaded"].sum()
    assert len(corpus.service) == files["service"].sum()
    assert len(corpus.rejected) == files["rejected"].sum()
    # and the messages are exactly the distinct good ids
    expected = {r["id"] for r in first + second
                if isinstance(r, dict) and r.get("type") == "message" and "id" in r
                and "date_unixtime" in r and isinstance(r.get("text"), str)}
    assert set(corpus.messages["message_id"]) == expected
    assert not corpus.messages["text"].isin(["HEX"]).any()
    hexed = corpus.messages.loc[corpus.messages["text"].str.startswith("ctl", na=False), "text"]
    assert (hexed == "ctl\x01").all()


def test_error_messages_carry_no_absolute_paths(tmp_path):
    path = tmp_path / "deep" / "result.json"
    path.parent.mkdir()
    path.write_text("{", encoding="utf-8")
    with pytest.raises(LoadError) as info:
        wb.load(path)
    assert str(tmp_path) not in str(info.value)
    assert re.match(r"result\.json: ", str(info.value))


def test_load_fixtures_without_fixtures(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_FIXTURES", str(tmp_path / "nowhere"))
    with pytest.raises(wb.WorkbenchError, match="fixtures not found"):
        wb.load_fixtures()


def test_saved_corpus_inside_a_walk_is_skipped_with_a_warning(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "a.json").write_text(export_text([good(1)]), encoding="utf-8")
    wb.Corpus.empty().to_parquet(folder / "saved")
    with pytest.warns(WorkbenchWarning, match="saved corpus folder"):
        corpus = wb.load(folder)
    assert corpus.files["path"].tolist() == ["exports/a.json"]
    assert isinstance(corpus.messages, pd.DataFrame)


def test_corpus_store_inside_a_walk_is_skipped_with_a_warning(tmp_path):
    folder = tmp_path / "folder"
    (folder / "export").mkdir(parents=True)
    (folder / "export" / "result.json").write_text(export_text([good(1), good(2)]),
                                                   encoding="utf-8")
    store = wb.open_store(folder / "store")
    store.ingest(folder / "export")  # the store now holds parquet files as well as store.json
    assert (folder / "store" / "store.json").is_file()
    assert any((folder / "store").rglob("*.parquet"))
    with pytest.warns(WorkbenchWarning, match=r"1 corpus store folder\(s\) inside folder were "
                      r"not read; open each with wb\.open_store"):
        corpus = wb.load(folder)
    assert corpus.files["path"].tolist() == ["folder/export/result.json"]
    assert corpus.messages["message_id"].tolist() == [1, 2]
    assert len(corpus.rejected) == 0


def test_stores_and_saved_corpora_in_hidden_folders_pass_without_a_warning(tmp_path):
    # Hidden entries are never read, so there is nothing to warn about.
    folder = tmp_path / "folder"
    (folder / "export").mkdir(parents=True)
    (folder / "export" / "result.json").write_text(export_text([good(1)]), encoding="utf-8")
    wb.open_store(folder / ".cache" / "store")
    wb.load(folder / "export").to_parquet(folder / ".cache" / "saved")
    with warnings.catch_warnings():
        warnings.simplefilter("error", WorkbenchWarning)
        corpus = wb.load(folder)
    assert corpus.files["path"].tolist() == ["folder/export/result.json"]


def test_a_corpus_store_itself_is_refused_with_a_pointer_to_open_store(tmp_path):
    wb.open_store(tmp_path / "store")
    with pytest.raises(LoadError, match=r"^store: a corpus store; open it with wb\.open_store"):
        wb.load(tmp_path / "store")
