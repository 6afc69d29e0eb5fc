"""One read path: ``wb.load`` and ``Store.ingest`` read every file through
``workbench.io.files.read_file``, walk folders with ``workbench.io.sources.walk`` (leaving out
saved corpora and stores inside, with the same warnings), and every record of a file is
accounted for, in every format of the genuine samples."""

from __future__ import annotations

import gzip
import json
import re
import warnings

import pytest

import workbench as wb
from workbench.errors import WorkbenchWarning
from workbench.io import files as io_files
from workbench.io.builder import Builder


def _export(channel_id: int, ids) -> str:
    return json.dumps({"name": f"Channel {channel_id}", "type": "public_channel",
                       "id": channel_id, "messages": [
                           {"id": i, "type": "message", "date_unixtime": str(1475323200 + i),
                            "text": f"message {i}"} for i in ids]}, indent=1)


@pytest.fixture
def folder(tmp_path):
    """Two exports, a saved corpus and a store inside one folder."""
    root = tmp_path / "inputs"
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    (root / "a" / "result.json").write_text(_export(1, [1, 2]), encoding="utf-8")
    (root / "b" / "result.json").write_text(_export(2, [3]), encoding="utf-8")
    wb.load(root / "a").to_parquet(root / "saved")
    wb.open_store(root / "kept").ingest(root / "b", progress=False)
    return root


def _spy(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = io_files.read_file

    def spy(source, into, **kwargs):
        calls.append(source.label)
        return real(source, into, **kwargs)

    monkeypatch.setattr(io_files, "read_file", spy)
    return calls


def _not_read(caught) -> list[str]:
    return sorted(str(w.message) for w in caught if "were not read" in str(w.message))


def test_load_and_ingest_read_each_file_through_read_file(folder, tmp_path, monkeypatch):
    calls = _spy(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)
        corpus = wb.load(folder)
    loaded = list(calls)
    assert loaded == ["inputs/a/result.json", "inputs/b/result.json"]
    calls.clear()
    store = wb.open_store(tmp_path / "store")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)
        report = store.ingest(folder, progress=False, workers=1)
    assert calls == loaded
    assert report["path"].tolist() == loaded
    assert sorted(store.corpus().messages["message_id"]) == sorted(corpus.messages["message_id"])


def test_load_and_ingest_leave_out_saved_corpora_and_stores_with_the_same_warning(folder,
                                                                                  tmp_path):
    with warnings.catch_warnings(record=True) as by_load:
        warnings.simplefilter("always")
        corpus = wb.load(folder)
    store = wb.open_store(tmp_path / "store")
    with warnings.catch_warnings(record=True) as by_ingest:
        warnings.simplefilter("always")
        report = store.ingest(folder, progress=False)
    expected = ["1 corpus store folder(s) inside inputs were not read; open each with "
                "wb.open_store(folder)",
                "1 saved corpus folder(s) inside inputs were not read; load each with "
                "wb.load(folder)"]
    assert _not_read(by_load) == _not_read(by_ingest) == expected
    assert corpus.files["path"].tolist() == report["path"].tolist() == [
        "inputs/a/result.json", "inputs/b/result.json"]


def test_the_store_ingested_into_is_left_out_without_a_warning(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "result.json").write_text(_export(1, [1]), encoding="utf-8")
    store = wb.open_store(tmp_path / "store")
    store.ingest(tmp_path / "a", progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", WorkbenchWarning)
        report = store.ingest(tmp_path, progress=False)
    assert report["path"].tolist() == [f"{tmp_path.name}/a/result.json"]


def test_a_folder_walk_never_reads_a_store_or_saved_corpus(folder):
    walked = wb.io.walk(folder)
    assert [p.name for p in walked.corpora] == ["saved"]
    assert [p.name for p in walked.stores] == ["kept"]
    assert [s.label for s in walked.sources] == ["inputs/a/result.json", "inputs/b/result.json"]
    with pytest.raises(wb.errors.LoadError, match=r"^kept: a corpus store; open it with "):
        wb.io.walk(folder / "kept")


# ---------------------------------------------------------------------------------------------
# Every record accounted for, one genuine sample per format
# ---------------------------------------------------------------------------------------------
def _json_records(path) -> int:
    doc = json.loads(path.read_text(encoding="utf-8"))
    return len(doc["messages"] if isinstance(doc, dict) else doc)


def _html_records(path) -> int:
    """Every message and service element of the page (pages it links to are not there)."""
    return len(re.findall(r'<div class="message (?:default|service)', path.read_text("utf-8")))


def _v2_records(path) -> int:
    """Tweets in the ``data`` of each page; ``includes`` describe them and are no records."""
    return sum(len(json.loads(line).get("data", [])) for line in path.read_text("utf-8")
               .splitlines() if line.strip())


def _lines(path) -> int:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return sum(1 for line in fh if line.strip())


SAMPLES = [  # format, sample, independent count of its records
    ("telegram-desktop", "telegram-desktop/tg2md_2020-11_legacy_numeric_ids.json", _json_records),
    ("telegram-desktop", "telegram-desktop/tele_dashboard_2022_faked_values.json", _json_records),
    ("telegram-desktop-html", "telegram-desktop-html/golden-borodutch-channel-2017/messages.html",
     _html_records),
    ("twitter-v2", "twitter-v2/two_tweets.jsonl", _v2_records),
    ("twitter-v2", "twitter-v2/edited.jsonl", _v2_records),
    ("twitter-v1", "twitter-v1/search_results_2019.json", _json_records),
    ("telethon", "telethon-real/bookshub25_1451760157.jsonl.gz", _lines),
]


@pytest.mark.parametrize("fmt, name, count", SAMPLES, ids=[s[1] for s in SAMPLES])
def test_every_record_of_a_sample_is_loaded_service_or_rejected(samples, fmt, name, count):
    path = samples / name
    builder = Builder()
    got = io_files.read_file(path, builder)
    assert got.error is None
    assert got.format == fmt
    assert got.records == count(path) > 0
    assert got.loaded + got.service + got.rejected == got.records
    corpus = builder.build()
    assert (len(corpus.messages) + len(corpus.service) + len(corpus.rejected)
            + int(corpus.files["merged"].sum())) == got.records


def _packed(kind: str, body: bytes) -> bytes:
    """``body`` as two gzip members (zero padding between, as some tools write) or two
    zstandard frames (as large dumps are written)."""
    cut = len(body) // 3
    if kind == "gzip":
        return gzip.compress(body[:cut], mtime=0) + b"\x00" * 4 + gzip.compress(body[cut:], mtime=0)
    import zstandard

    cctx = zstandard.ZstdCompressor()
    return cctx.compress(body[:cut]) + cctx.compress(body[cut:])


@pytest.mark.parametrize("kind", ["gzip", "zstd"])
def test_every_reader_of_a_source_gives_the_same_bytes(tmp_path, kind):
    from workbench.io.sources import Source

    body = b"".join(b'{"id": %d, "text": "message %d"}\n' % (i, i) for i in range(5000))
    path = tmp_path / "dataset.ndjson.bin"
    path.write_bytes(_packed(kind, body))
    source = Source(path, path.name)
    assert source.compression == kind
    assert source.read_bytes() == body
    assert source.head(100) == body[:100]
    assert source.head(len(body) + 10) == body
    with source.open() as fh:
        assert fh.read(7) == body[:7]
        assert fh.read() == body[7:]


@pytest.mark.parametrize("kind", ["gzip", "zstd"])
def test_every_reader_of_a_cut_source_says_truncated(tmp_path, kind):
    from workbench.errors import LoadError
    from workbench.io.sources import Source

    body = b"".join(b'{"id": %d}\n' % i for i in range(20000))
    data = _packed(kind, body)
    path = tmp_path / "dataset.ndjson.bin"
    path.write_bytes(data[: len(data) * 5 // 6])  # inside the second member/frame
    source = Source(path, path.name)
    with pytest.raises(LoadError, match=r"^dataset\.ndjson\.bin: .*truncated"):
        source.read_bytes()
    # A stream reader must not end quietly either (zstandard's own reader would), nor when
    # the caller catches the error and reads on.
    with source.open() as fh:
        with pytest.raises(LoadError, match=r"^dataset\.ndjson\.bin: .*truncated"):
            fh.read()
        with pytest.raises(LoadError, match=r"^dataset\.ndjson\.bin: .*truncated"):
            fh.read()
