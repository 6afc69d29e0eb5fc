"""The compact in-memory corpus: list columns held as Arrow lists, files read by several
processes with the same result, no hidden copies. Sizes and speed are measured by
``python -m bench load``, not here."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench import schema
from workbench.errors import SchemaError, WorkbenchWarning
from workbench.io import _pool
from workbench.io.builder import Builder
from workbench.io.sources import Source

TABLES = ("messages", "channels", "rejected", "service", "files")


def _export(name: str, cid: int, messages: list) -> dict:
    return {"name": name, "type": "public_channel", "id": cid, "messages": messages}


def _msg(i: int, text, **extra) -> dict:
    return {"id": i, "type": "message", "date_unixtime": str(1475323200 + 60 * i),
            "text": text, **extra}


def _folder(tmp_path):
    """Two export batches of overlapping channels (the newer batch wins duplicates), with a
    service record, a rejected record, forwards by name and entities: what the reading
    processes must hand back."""
    one = tmp_path / "exports" / "batch1"
    two = tmp_path / "exports" / "batch2"
    one.mkdir(parents=True)
    two.mkdir(parents=True)
    a1 = [_msg(1, ["see ", {"type": "mention", "text": "@beta_news"}, " ",
                   {"type": "link", "text": "https://t.me/beta_news/3"}]),
          _msg(2, "plain", forwarded_from="Beta News"),
          {"id": 3, "type": "service", "date_unixtime": "1475323500",
           "action": "pin_message"},
          _msg(4, ["#tag ", {"type": "hashtag", "text": "#Tag2"}])]
    b1 = [_msg(1, "beta one"), {"id": "x", "type": "message"}]
    a2 = [_msg(4, "edited later"), _msg(5, "new", forwarded_from="Alpha")]
    (one / "result.json").write_text(json.dumps(
        {"chats": {"list": [_export("Alpha", 11, a1), _export("Beta News", 12, b1)]}},
        indent=1))
    (two / "result.json").write_text(json.dumps(_export("Alpha", 11, a2), indent=1))
    return tmp_path / "exports"


def _load(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)
        return wb.load(path, **kw)


def test_list_columns_are_arrow_lists_that_read_as_python_lists(tmp_path):
    m = _load(_folder(tmp_path)).messages
    for col in schema.LIST_COLUMNS:
        assert m[col].dtype == schema.LIST_DTYPE, col
    first = m[(m["channel_id"] == "telegram:11") & (m["message_id"] == 1)].index[0]
    # the entities written in the export above, read back as plain Python lists
    assert m.loc[first, "mentions"] == ["beta_news"]
    assert m.loc[first, "links"] == ["https://t.me/beta_news/3"]
    assert m["hashtags"].tolist()[m.index[m["message_id"] == 4][0]] == []  # newer text wins
    assert all(type(cell) is list for cell in m["links"])
    # the usual pandas moves on a list column still work
    exploded = m["mentions"].explode().dropna()
    assert exploded.tolist() == ["beta_news"]
    assert m["links"].map(len).tolist() == [len(v) for v in m["links"].tolist()]


def test_empty_list_costs_bytes_not_a_python_object():
    n = 10_000
    lists = pd.Series(schema.list_array([[] for _ in range(n)]))
    objects = pd.Series([[] for _ in range(n)], dtype=object)
    # an Arrow offset (4 bytes) against a pointer and a 56-byte list object per cell
    assert lists.memory_usage(deep=True, index=False) <= 5 * n
    assert objects.memory_usage(deep=True, index=False) >= 56 * n


def test_corpus_turns_object_lists_into_arrow_without_touching_the_callers_frame():
    m = schema.empty("messages")
    m = pd.concat([m, pd.DataFrame({
        "platform": ["telegram"], "channel_id": ["telegram:1"], "message_id": [1],
        "date": [pd.Timestamp("2016-10-01", tz="UTC")]})], ignore_index=True)
    m = schema.conform(m, "messages")
    m["mentions"] = pd.Series([["someone"]], dtype=object)
    corpus = wb.Corpus(m, schema.empty("channels"))
    assert m["mentions"].dtype == object  # the caller's frame as it was
    assert corpus.messages["mentions"].dtype == schema.LIST_DTYPE
    assert corpus.messages.loc[0, "mentions"] == ["someone"]
    m["links"] = pd.Series([[1, 2]], dtype=object)
    with pytest.raises(SchemaError, match="messages.links"):
        wb.Corpus(m, schema.empty("channels"))


def test_a_canonical_corpus_is_not_copied(tmp_path):
    corpus = _load(_folder(tmp_path))
    again = wb.Corpus(corpus.messages, corpus.channels, corpus.rejected, corpus.service,
                      corpus.files)
    assert again.messages is corpus.messages
    for col in ("text", "mentions"):
        assert again.messages[col].array._pa_array is corpus.messages[col].array._pa_array


def test_a_string_where_a_list_belongs_costs_its_row_not_split_into_letters():
    b = Builder()
    out = b.file(Source(__import__("pathlib").Path("x.json"), "x.json"), "example")
    out.part("telegram:1", name="One", kind="channel")
    cols = out.columns(["_index", "message_id", "date", "mentions"])
    for i, mentions in enumerate([["ok"], "abc", [3], None], start=1):
        cols["_index"].append(i)
        cols["message_id"].append(i)
        cols["date"].append(1_480_000_000 * 10**9 + i)
        cols["mentions"].append(mentions)
    b.commit(out)
    corpus = b.build()
    assert corpus.messages["message_id"].tolist() == [1, 4]
    assert corpus.messages["mentions"].tolist() == [["ok"], []]
    reasons = dict(zip(corpus.rejected["source"], corpus.rejected["reason"]))
    assert reasons == {"x.json#2": "mentions is a str, not a list",
                       "x.json#3": "mentions holds 3, not a string"}


def test_reading_processes_give_the_same_corpus_as_one(tmp_path, monkeypatch):
    folder = _folder(tmp_path)
    monkeypatch.setenv("WORKBENCH_WORKERS", "1")
    one = _load(folder)
    monkeypatch.setenv("WORKBENCH_WORKERS", "2")  # set: used whatever the size
    monkeypatch.setattr(_pool.sys, "platform", "linux")
    from workbench.io.sources import walk

    assert _pool.workers_for(walk(folder).sources) == 2
    both = _load(folder)
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(one, table), getattr(both, table),
                                      check_exact=True)
    # the newer batch's version of message 4 won in both, counted as merged in batch 1
    assert one.files["merged"].tolist() == [1, 0]
    assert len(one.rejected) == 1 and len(one.service) == 1


def test_html_pages_are_read_in_one_process(samples, monkeypatch):
    monkeypatch.setenv("WORKBENCH_WORKERS", "2")
    from workbench.io.sources import walk

    pages = walk(samples / "telegram-desktop-html" / "tgnize-group-2017").sources
    assert len(pages) == 2 and _pool.workers_for(pages) == 1


def test_saved_corpus_reopens_with_arrow_lists(tmp_path):
    corpus = _load(_folder(tmp_path))
    again = wb.load(corpus.to_parquet(tmp_path / "saved"))
    assert again.messages["links"].dtype == schema.LIST_DTYPE
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(corpus, table), getattr(again, table),
                                      check_exact=True)
    assert np.array_equal(again.messages["message_id"], corpus.messages["message_id"])


def test_saved_corpus_is_plain_parquet_to_other_readers(tmp_path, corpus):
    """Saved tables are compressed for a fast reopen (LZ4); other Parquet readers (DuckDB,
    as analysts use it) still read them: the same texts, lists and times."""
    duckdb = pytest.importorskip("duckdb")
    folder = corpus.to_parquet(tmp_path / "saved")
    path = (folder / "messages.parquet").as_posix()
    got = duckdb.sql(f"SELECT channel_id, message_id, text, links, date "
                     f"FROM '{path}'").df()
    want = corpus.messages
    assert len(got) == len(want)
    assert got["text"].astype(object).where(got["text"].notna(), None).tolist() == \
        want["text"].astype(object).where(want["text"].notna(), None).tolist()
    assert [list(v) for v in got["links"]] == want["links"].tolist()
    assert (pd.to_datetime(got["date"], utc=True).to_numpy() == want["date"].to_numpy()).all()


def test_progress_steps_follow_the_switch(monkeypatch):
    from workbench.io.progress import progress_steps

    steps = range(5)
    monkeypatch.setenv("WORKBENCH_PROGRESS", "0")
    assert progress_steps(steps, desc="x", progress=True) is steps  # CI and notebooks: none
    monkeypatch.setenv("WORKBENCH_PROGRESS", "1")
    assert progress_steps(steps, desc="x", progress=False) is steps
    bar = progress_steps(steps, desc="coordination shuffles", progress=True)
    try:
        assert bar is not steps and list(bar) == [0, 1, 2, 3, 4] and bar.total == 5
    finally:
        bar.close()


def test_topic_fitting_reports_progress(monkeypatch, capsys):
    from workbench import progress
    from workbench.text import _topics

    texts = pd.Series(["rain and snow tonight", "snow and cold rain", "rain, snow, wind",
                       "match goal team", "team won the match", "goal for the team"])
    seen = []

    def spy(steps, *, desc, **kw):
        for step in steps:  # the stages, as topics() reaches them
            seen.append((desc, step))
            yield step

    monkeypatch.setattr(_topics, "progress_steps", spy)
    fitted = wb.text.topics(texts, k=2, min_df=1, max_df=1.0)
    assert [desc for desc, _ in seen] == ["topic model"] * 4
    assert [step for _, step in seen] == list(_topics.STAGES)
    # A real bar, when bars are on: it counts the stages on stderr; none with the switch off.
    monkeypatch.undo()
    monkeypatch.setattr(progress, "PROGRESS_DELAY", 0)
    monkeypatch.setenv("WORKBENCH_PROGRESS", "1")
    again = wb.text.topics(texts, k=2, min_df=1, max_df=1.0)
    assert "topic model" in capsys.readouterr().err
    pd.testing.assert_frame_equal(again.assignments, fitted.assignments)
    monkeypatch.setenv("WORKBENCH_PROGRESS", "0")
    wb.text.topics(texts, k=2, min_df=1, max_df=1.0)
    assert capsys.readouterr().err == ""


def test_coordination_shuffles_report_progress(monkeypatch):
    from workbench.crosspost import _coordination

    seen = []

    def spy(steps, *, desc, **kw):
        seen.append((desc, len(steps)))
        return steps

    monkeypatch.setattr(_coordination, "progress_steps", spy)
    clusters = pd.DataFrame({"cluster_id": [0, 0, 1, 1], "channel_id": ["a", "b", "a", "b"],
                             "date": pd.to_datetime(["2016-01-01 10:00", "2016-01-01 10:05",
                                                     "2016-01-02 10:00", "2016-01-02 10:10"],
                                                    utc=True),
                             "message_id": [1, 2, 3, 4], "is_origin": [True, False, True, False],
                             "lag": pd.to_timedelta(["0min", "5min", "0min", "10min"])})
    _coordination.coordination_edges(clusters, n_shuffles=7)
    assert seen == [("coordination shuffles", 7)]


def _buffers(arr) -> list:
    import pyarrow as pa

    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    return [(b.address, b.size) if b is not None else None for c in chunks for b in c.buffers()]


@pytest.mark.parametrize("kind", ["string[pyarrow]", "str", "list", "list chunked", "slice"])
def test_arrow_data_shares_the_columns_buffers(kind):
    import pyarrow as pa

    if kind in ("string[pyarrow]", "str"):
        # The Arrow array made first, the column wrapped around it: what it holds is known.
        arr = pa.chunked_array([pa.array(["a", None, "ccc"], type=pa.large_string())])
        series = pd.Series(pd.arrays.ArrowStringArray(arr) if kind == "string[pyarrow]"
                           else pd.array(arr.to_pylist(), dtype="str"))
        if kind == "str":
            arr = pa.chunked_array([series.array._pa_array.chunk(0)])  # private: what pandas made
    else:
        chunks = [pa.array([["a"], ["b", "c"]], type=schema.LIST_ARROW),
                  pa.array([[], ["d"]], type=schema.LIST_ARROW)]
        arr = pa.chunked_array(chunks if kind != "list" else chunks[:1])
        series = pd.Series(pd.arrays.ArrowExtensionArray(arr))
        if kind == "slice":
            series, arr = series.iloc[1:3], arr.slice(1, 2)
    got = schema.arrow_data(series)
    assert isinstance(got, pa.ChunkedArray)
    assert got.equals(arr)
    assert _buffers(got) == _buffers(arr)  # the same memory, not a copy
    assert _buffers(schema.arrow_data(series.array)) == _buffers(arr)


def test_arrow_data_refuses_a_column_that_is_not_arrow():
    with pytest.raises(TypeError, match="not Arrow-backed"):
        schema.arrow_data(pd.Series([["a"], ["b"]], dtype=object))
