"""Corpus.to_parquet and wb.load(folder): an exact round trip of every table."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench import schema
from workbench.errors import FormatError, LoadError, WorkbenchWarning
from workbench.io import parquet

TABLES = ("messages", "channels", "rejected", "service", "files")


def assert_corpus_equal(a: wb.Corpus, b: wb.Corpus) -> None:
    for table in TABLES:
        left, right = getattr(a, table), getattr(b, table)
        pd.testing.assert_frame_equal(left, right, check_exact=True, check_categorical=True)
        assert list(left.dtypes) == list(right.dtypes), table


def labelled_corpus(tmp_path) -> wb.Corpus:
    folder = tmp_path / "exports"
    folder.mkdir()
    messages = [
        {"id": 1, "type": "message", "date_unixtime": "1475323200",
         "text": ["hi ", {"type": "mention", "text": "@someone_else"}, " ",
                  {"type": "link", "text": "https://t.me/x_chan/5"}]},
        {"id": 2, "type": "message", "date_unixtime": "1475323260", "text": "",
         "forwarded_from": "Nowhere", "photo": "photos/p.jpg"},
        {"id": 3, "type": "message", "date_unixtime": "1475323320", "text": "#tag",
         "edited_unixtime": "1475323400", "reply_to_message_id": 1,
         "file": "video_files/v.mp4", "media_type": "video_file", "duration_seconds": 4},
        {"id": 4, "type": "service", "date_unixtime": "1475323400", "action": "pin_message",
         "actor": "Chan", "actor_id": "channel5"},
        {"id": 5, "type": "unsupported"},
    ]
    (folder / "result.json").write_text(json.dumps(
        {"name": "Chan", "type": "public_channel", "id": 5, "messages": messages}, indent=1),
        encoding="utf-8")
    labels = pd.DataFrame({"channel_id": ["telegram:5"], "group": ["official"],
                           "lang": ["en"], "weight": [3]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)
        return wb.load(folder, channels=labels)


def test_round_trip_labelled_corpus_exactly(tmp_path):
    corpus = labelled_corpus(tmp_path)
    # analyst columns of several kinds added after loading
    m = corpus.messages.copy()
    m["topic_list"] = [["a", "b"], [], None]
    m["score"] = pd.array([0.5, None, 2.0], dtype="Float64")
    m["flag"] = np.array([True, False, True])
    m["note"] = pd.array(["x", None, "z"], dtype=schema.STRING)
    m["level"] = pd.Categorical(["low", "high", "low"], categories=["low", "high"],
                                ordered=True)
    corpus = wb.Corpus(m, corpus.channels, corpus.rejected, corpus.service, corpus.files)

    folder = corpus.to_parquet(tmp_path / "saved")
    assert sorted(p.name for p in folder.iterdir()) == [
        "channels.parquet", "corpus.json", "files.parquet", "messages.parquet",
        "rejected.parquet", "service.parquet"]
    meta = json.loads((folder / "corpus.json").read_text())
    assert meta["format"] == "workbench-corpus"
    assert meta["schema_version"] == parquet.SCHEMA_VERSION

    again = wb.load(folder)
    assert_corpus_equal(corpus, again)
    # list columns come back as Python lists, nulls as NA
    assert type(again.messages.loc[0, "mentions"]) is list
    assert again.messages.loc[0, "mentions"] == ["someone_else"]
    assert again.messages.loc[0, "links"] == ["https://t.me/x_chan/5"]
    assert type(again.messages.loc[0, "topic_list"]) is list
    assert again.messages.loc[1, "text"] is pd.NA
    assert again.messages.loc[1, "score"] is pd.NA
    assert again.channels.set_index("channel_id").loc["telegram:5", "weight"] == 3
    # the saved corpus cites its own sources unchanged
    assert again.rejected.loc[0, "source"] == "exports/result.json#5"


def test_round_trip_genuine_samples(samples, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)
        corpus = wb.load(samples / "telegram-desktop")
    again = wb.load(corpus.to_parquet(tmp_path / "s"))
    assert_corpus_equal(corpus, again)
    assert len(again.rejected) == 249 and len(again.service) == 7


def test_round_trip_fixtures(corpus, tmp_path):
    again = wb.load(corpus.to_parquet(tmp_path / "f"))
    assert_corpus_equal(corpus, again)


def test_round_trip_empty_corpus(tmp_path):
    empty = wb.Corpus.empty()
    assert_corpus_equal(empty, wb.load(empty.to_parquet(tmp_path / "e")))


def test_forced_format_and_manifest_path(tmp_path):
    folder = labelled_corpus(tmp_path).to_parquet(tmp_path / "saved")
    a = wb.load(folder, format="workbench-corpus")
    b = wb.load(folder / "corpus.json")
    assert_corpus_equal(a, b)


def test_labels_applied_to_a_saved_corpus(tmp_path):
    folder = labelled_corpus(tmp_path).to_parquet(tmp_path / "saved")
    relabelled = wb.load(folder, channels=pd.DataFrame({"channel_id": ["telegram:5"],
                                                        "group": ["control"]}))
    ch = relabelled.channels.set_index("channel_id")
    assert ch.loc["telegram:5", "group"] == "control"
    assert (relabelled.messages["group"] == "control").all()


def test_other_schema_version_is_refused(tmp_path):
    folder = labelled_corpus(tmp_path).to_parquet(tmp_path / "saved")
    meta = json.loads((folder / "corpus.json").read_text())
    meta["schema_version"] = parquet.SCHEMA_VERSION + 1
    (folder / "corpus.json").write_text(json.dumps(meta))
    with pytest.raises(FormatError, match="schema version 2"):
        wb.load(folder)


def test_missing_table_is_named(tmp_path):
    folder = labelled_corpus(tmp_path).to_parquet(tmp_path / "saved")
    (folder / "service.parquet").unlink()
    with pytest.raises(LoadError, match="saved: saved corpus lacks service.parquet"):
        wb.load(folder)


def test_folder_without_manifest_is_not_a_corpus(tmp_path):
    folder = labelled_corpus(tmp_path).to_parquet(tmp_path / "saved")
    (folder / "corpus.json").unlink()
    with pytest.raises(LoadError, match="no exports found"):
        wb.load(folder)  # only .parquet files: not exports
    with pytest.raises(FormatError, match="no corpus.json"):
        wb.load(folder, format="workbench-corpus")


def test_writing_does_not_mutate(tmp_path):
    corpus = labelled_corpus(tmp_path)
    before = {t: getattr(corpus, t).copy(deep=True) for t in TABLES}
    corpus.to_parquet(tmp_path / "saved")
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(corpus, table), before[table])


def _corpus_with_attrs(corpus: wb.Corpus) -> wb.Corpus:
    tables = {t: getattr(corpus, t).copy(deep=False) for t in TABLES}
    for table, frame in tables.items():
        frame.attrs = {"note": f"kept with {table}", "n": 3}
    return wb.Corpus(**tables)


@pytest.fixture(scope="module")
def real_length_corpus(samples, tmp_path_factory):
    """A small corpus of two export batches whose texts have the genuine sample's lengths
    (as ``python -m bench load`` builds its real-length rows), loaded as an analyst would."""
    from workbench.synth import write_desktop_export

    real = wb.load(samples / "telethon-real", progress=False).messages["text"]
    lengths = [len(t.encode("utf-8")) if isinstance(t, str) else 0
               for t in real.astype(object).where(real.notna(), None)]
    folder = tmp_path_factory.mktemp("real-length")
    for batch in range(2):
        write_desktop_export(folder / f"batch{batch}" / "result.json", 1_500, seed=batch,
                             n_channels=7, text_lengths=lengths)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)
        return wb.load(folder, progress=False)


def test_round_trip_real_length_corpus(real_length_corpus, tmp_path):
    corpus = real_length_corpus
    assert corpus.messages["text"].str.len().max() > 1_000  # long texts, as in real exports
    again = wb.load(corpus.to_parquet(tmp_path / "r"))
    assert_corpus_equal(corpus, again)
    assert again.messages["links"].dtype == schema.LIST_DTYPE
    assert list(again.messages.columns) == list(corpus.messages.columns)


def test_round_trip_keeps_attrs_and_index(corpus, tmp_path):
    with_attrs = _corpus_with_attrs(corpus)
    again = wb.load(with_attrs.to_parquet(tmp_path / "a"))
    for table in TABLES:
        frame = getattr(again, table)
        assert frame.attrs == getattr(with_attrs, table).attrs, table
        assert isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0, table
    assert_corpus_equal(with_attrs, again)


def _rewrite(path, table_fn) -> None:
    """Edit a saved table by hand, as an analyst with pyarrow would (same schema metadata)."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    pq.write_table(table_fn(table), path, compression="lz4")


def _edited_at(table, column: str, row: int, value):
    import pyarrow as pa

    values = table.column(column).to_pylist()
    values[row] = value
    i = table.schema.get_field_index(column)
    return table.set_column(i, table.schema.field(i),
                            pa.array(values, type=table.schema.field(i).type))


@pytest.mark.parametrize("column, value, why", [
    ("channel_id", None, "null value"),
    ("text", "", "empty strings"),
    ("message_id", "copy", "duplicate key"),
])
def test_hand_edited_saved_table_is_validated_naming_file_and_record(corpus, tmp_path, column,
                                                                     value, why):
    folder = corpus.to_parquet(tmp_path / "saved")
    path = folder / "messages.parquet"
    stat = path.stat()
    row = 17
    m = corpus.messages
    if value == "copy":  # the next message of the same channel takes this one's id
        same = m.index[(m["channel_id"] == m.loc[row, "channel_id"]) & (m.index > row)][0]
        value = int(m.loc[row, "message_id"])
        row = int(same)
    _rewrite(path, lambda t: _edited_at(t, column, row, value))
    # even with the file's times put back as they were when saved
    import os

    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    with pytest.raises(LoadError, match=why) as err:
        wb.load(folder)
    message = str(err.value)
    assert "saved/messages.parquet" in message
    assert f"row {row}" in message
    assert m.loc[row, "source"] in message  # where the record came from before it was saved


def test_hand_edited_saved_table_with_another_dtype_is_refused(corpus, tmp_path):
    import pyarrow as pa

    folder = corpus.to_parquet(tmp_path / "saved")
    path = folder / "channels.parquet"
    _rewrite(path, lambda t: t.set_column(
        t.schema.get_field_index("resolved"), "resolved",
        pa.array(["yes"] * len(t), type=pa.string())))
    with pytest.raises(LoadError, match=r"saved/channels.parquet.*channels.resolved: dtype"):
        wb.load(folder)


def test_saving_over_the_folder_a_corpus_was_reopened_from(corpus, tmp_path):
    """Reopen, change, save over the same folder: the reopened corpus keeps its own data
    (nothing it holds points into the files being overwritten)."""
    folder = corpus.to_parquet(tmp_path / "s")
    again = wb.load(folder)
    smaller = wb.Corpus(again.messages.iloc[:10].reset_index(drop=True), again.channels,
                        again.rejected, again.service, again.files)
    smaller.to_parquet(folder)
    assert_corpus_equal(corpus, again)
    assert len(wb.load(folder).messages) == 10


@pytest.mark.parametrize("ids", [
    [5, 6, 5],  # packed into one key
    [5, 2**62, 5],  # too far apart to pack: the two-column check finds it
])
def test_duplicate_message_keys_found_whatever_the_id_span(ids):
    m = schema.empty("messages")
    n = len(ids)
    m = schema.conform(pd.DataFrame({
        "platform": ["telegram"] * n, "channel_id": ["telegram:1", "telegram:2", "telegram:1"],
        "message_id": ids, "date": pd.to_datetime(["2017-01-01"] * n, utc=True)}), "messages")
    with pytest.raises(schema.SchemaError, match="duplicate key") as err:
        schema.validate(m, "messages")
    assert err.value.rows == [0, 2] and err.value.table == "messages"
    other = m.assign(channel_id=pd.array(["telegram:1", "telegram:2", "telegram:3"],
                                         dtype=schema.STRING))
    assert schema.validate(other, "messages") is other  # the same ids in other channels


@pytest.mark.parametrize("rows", [1, 1_000])
def test_round_trip_read_in_many_batches(corpus, tmp_path, monkeypatch, rows):
    """A reopen decodes a table a batch of rows at a time; whatever the batch, the tables
    are the saved ones (categories, lists and analyst columns across batch boundaries)."""
    import workbench.corpus

    if rows == 1:  # every row a batch: the labelled corpus with analyst columns
        base = labelled_corpus(tmp_path)
        m = base.messages.assign(
            topic_list=pd.Series([["a"], [], None], dtype=object),
            level=pd.Categorical(["high", "low", "high"], categories=["low", "high"],
                                 ordered=True))
        corpus = wb.Corpus(m, base.channels, base.rejected, base.service, base.files)
    monkeypatch.setattr(workbench.corpus, "_BATCH_ROWS", rows)
    again = wb.load(corpus.to_parquet(tmp_path / "b"))
    assert again.messages["text"].array._pa_array.num_chunks > 1  # read in batches indeed
    assert_corpus_equal(corpus, again)


@pytest.mark.parametrize("column", ["views", "links"])  # a plain column and a list column
def test_hand_edited_saved_table_without_a_column_is_named(corpus, tmp_path, column):
    folder = corpus.to_parquet(tmp_path / "saved")
    _rewrite(folder / "messages.parquet", lambda t: t.drop_columns([column]))
    with pytest.raises(LoadError,
                       match=rf"saved/messages.parquet: lacks column\(s\) \['{column}'\]"):
        wb.load(folder)


def test_hand_edited_list_column_that_holds_no_lists_is_named(corpus, tmp_path):
    import pyarrow as pa

    folder = corpus.to_parquet(tmp_path / "saved")
    _rewrite(folder / "messages.parquet", lambda t: t.set_column(
        t.schema.get_field_index("links"), "links", pa.array(range(len(t)), type=pa.int64())))
    with pytest.raises(LoadError, match=r"saved/messages.parquet: list column 'links'"):
        wb.load(folder)
