"""The corpus store: ingest (idempotent, atomic, locked), reads, and the analyses over it.

The reference everywhere is the in-memory path: ``wb.load`` of the same files and the pandas
analyses, which tests of their own check against planted truth. A store must give exactly
the same tables (``pandas.testing.assert_frame_equal``).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import workbench as wb
from workbench import synth
from workbench.crosspost import find_crossposts
from workbench.errors import LoadError, WorkbenchWarning
from workbench.network import forward_edges, mention_edges
from workbench.store import SCHEMA_VERSION, StoreError, StoreLockedError, is_store, open_store
from workbench.timeline import keyword_trend, message_volume

pytest.importorskip("duckdb")
TABLES = ("messages", "channels", "service", "rejected")
ROOT = Path(__file__).resolve().parents[1]


def assert_same_corpus(got, want, tables=TABLES):
    for name in tables:
        pd.testing.assert_frame_equal(getattr(got, name), getattr(want, name), obj=name)


@pytest.fixture(scope="session")
def fixture_store(tmp_path_factory, fixtures_dir):
    """The bundled fixtures, ingested one file per batch (forwards must resolve across
    batches), with the analyst labels."""
    store = open_store(tmp_path_factory.mktemp("fixture-store") / "store")
    report = store.ingest(fixtures_dir / "telegram", channels=fixtures_dir / "channels.csv",
                          progress=False, batch_bytes=1_000_000)
    assert (report["status"] == "ingested").all()
    return store


@pytest.fixture(scope="session")
def worlds(tmp_path_factory):
    """Two more synthetic worlds (other seeds and difficulty): (store, reference corpus)."""
    out = []
    for seed, options in ((31, {"in_group_share": 0.6, "edit_strength": 0.9}),
                          (47, {"in_group_share": 0.95, "edit_strength": 0.2,
                                "surge_event": None})):
        folder = tmp_path_factory.mktemp(f"world-{seed}")
        world = synth.generate_world(seed, n_channels=20, messages_scale=0.25, **options)
        synth.write_fixtures(world, folder)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", WorkbenchWarning)
            reference = wb.load(folder / "telegram", channels=folder / "channels.csv")
        store = open_store(folder / "store")
        store.ingest(folder / "telegram", channels=folder / "channels.csv", progress=False,
                     batch_bytes=200_000)
        out.append((store, reference))
    return out


def _export(path: Path, messages: list[dict], *, name="Alpha News", cid=7001) -> Path:
    """A hand-written Telegram Desktop single-chat export."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"name": name, "type": "public_channel", "id": cid,
                                "messages": messages}, indent=1, ensure_ascii=False))
    return path


def _some(fixtures_dir: Path, k: int, start: int = 0) -> list[Path]:
    """``k`` of the fixture channels' exports."""
    return [p / "result.json.gz" for p in sorted((fixtures_dir / "telegram").iterdir())
            [start:start + k]]


def _msg(i: int, text: str, day: int = 1, **extra) -> dict:
    ts = 1475280000 + day * 86400 + i * 60  # October 2016
    return {"id": i, "type": "message", "date": "2016-10-01T00:00:00", "date_unixtime": str(ts),
            "from": "Alpha News", "from_id": "channel7001", "text": text, **extra}


# ---------------------------------------------------------------------------------------------
# Ingest and reads
# ---------------------------------------------------------------------------------------------
def test_fixture_store_is_the_loaded_corpus(fixture_store, corpus):
    got = fixture_store.corpus()
    assert_same_corpus(got, corpus)
    assert is_store(fixture_store) and not is_store(corpus.messages)
    assert repr(fixture_store).startswith(f"Store({len(corpus.messages):,} messages in 50 ")


def test_other_worlds_are_their_loaded_corpora(worlds):
    for store, reference in worlds:
        assert_same_corpus(store.corpus(), reference)


def test_every_format_round_trips_through_the_store(tmp_path):
    """Each loader format's output, ingested file by file, is what wb.load makes of it."""
    from workbench.synth._formats import WRITERS

    world = synth.generate_world(5, n_channels=15, messages_scale=0.05)
    # Desktop JSON is the fixtures'; HTML keys chats by name, Telethon gives ids and the
    # original posts' dates: the two other ways a batch can differ from a whole load.
    for name in ("telegram-desktop-html", "telethon-jsonl"):
        write = WRITERS[name]
        folder = tmp_path / name
        write(world, folder)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", WorkbenchWarning)
            reference = wb.load(folder)
            store = open_store(tmp_path / f"store-{name}")
            store.ingest(folder, progress=False, batch_bytes=100_000)
            got = store.corpus()
        assert_same_corpus(got, reference)


def test_pseudonymised_ingest_stores_no_authors(tmp_path, worlds):
    store, _ = worlds[1]
    folder = store.path.parent / "telegram"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)
        want = wb.load(folder, pseudonymise="s3cret")
    other = open_store(tmp_path / "store")
    other.ingest(folder, pseudonymise="s3cret", progress=False, batch_bytes=300_000)
    assert_same_corpus(other.corpus(), want)
    assert want.service["actor"].dropna().str.startswith("anon:").all()
    stored = other.messages_query("SELECT count(*) AS n FROM messages WHERE author IS NOT NULL "
                                  "AND NOT starts_with(author, 'anon:')")
    assert stored["n"][0] == 0


def test_sources_is_the_ingest_log(fixture_store, corpus, fixtures_dir):
    log = fixture_store.sources()
    assert list(log.columns[:3]) == ["ingest", "ingested_at", "path"]
    assert log["ingest"].nunique() == 1
    files = corpus.files.set_index("path")
    assert sorted(log["path"]) == sorted(files.index)
    for row in log.itertuples():
        on_disk = fixtures_dir / row.path
        assert row.sha256 == hashlib.sha256(on_disk.read_bytes()).hexdigest()
        assert row.size == on_disk.stat().st_size
        for col in ("records", "loaded", "service", "rejected"):
            assert getattr(row, col) == files.loc[row.path, col], (row.path, col)
        assert row.added == row.loaded and row.updated == row.unchanged == row.older == 0
    assert (pd.Timestamp.now(tz="UTC") - log["ingested_at"].max()) < pd.Timedelta("1h")


def test_corpus_slices(fixture_store, corpus):
    m = corpus.messages
    some = sorted(m["channel_id"].unique())[:3]
    got = fixture_store.corpus(channels=some, start="2016-10-01", end="2016-11-01 00:00")
    want = m[m["channel_id"].isin(some) & (m["date"] >= pd.Timestamp("2016-10-01", tz="UTC"))
             & (m["date"] < pd.Timestamp("2016-11-01", tz="UTC"))].reset_index(drop=True)
    pd.testing.assert_frame_equal(got.messages, want)
    assert set(got.channels["channel_id"]) >= set(some)
    assert set(got.service["channel_id"]) <= set(some)
    assert len(fixture_store.corpus(platforms="twitter").messages) == 0
    one = fixture_store.corpus(channels=some[0])
    assert set(one.messages["channel_id"]) == {some[0]}


def test_messages_query(fixture_store, corpus):
    got = fixture_store.messages_query(
        'SELECT "group", count(*) AS n FROM messages GROUP BY 1 ORDER BY 1')
    want = corpus.messages.groupby("group").size()
    assert dict(zip(got["group"], got["n"])) == want.to_dict()
    n = fixture_store.messages_query("SELECT count(*) AS n FROM channels WHERE NOT resolved")
    assert n["n"][0] == int((~corpus.channels["resolved"]).sum())


def test_same_export_twice_adds_nothing(tmp_path, fixtures_dir):
    store = open_store(tmp_path / "store")
    store.ingest(fixtures_dir / "telegram", progress=False)
    before = (tmp_path / "store" / "store.json").read_bytes()
    again = store.ingest(fixtures_dir / "telegram", progress=False)
    assert (again["status"] == "skipped: already in the store").all()
    assert (tmp_path / "store" / "store.json").read_bytes() == before
    # The same bytes under another name are recognised too, and nothing is added.
    copy = tmp_path / "copy" / "result.json.gz"
    copy.parent.mkdir()
    copy.write_bytes((fixtures_dir / "telegram" / "benos_evening" / "result.json.gz").read_bytes())
    assert store.ingest(copy, progress=False)["status"].tolist() == [
        "skipped: already in the store"]


def test_reexport_adds_only_new_and_edited_messages(tmp_path):
    first = _export(tmp_path / "exports" / "week1" / "result.json",
                    [_msg(i, f"post number {i}") for i in range(1, 6)])
    second = _export(tmp_path / "exports" / "week2" / "result.json",
                     [_msg(3, "post number 3, corrected", edited="2016-10-02T00:10:00",
                           edited_unixtime="1475367000")]
                     + [_msg(i, f"post number {i}") for i in (1, 2, 4, 5)]
                     + [_msg(i, f"post number {i}", day=3) for i in (6, 7)])
    store = open_store(tmp_path / "store")
    r1 = store.ingest(first, progress=False)
    assert r1[["loaded", "added"]].values.tolist() == [[5, 5]]
    r2 = store.ingest(second, progress=False)
    assert r2[["loaded", "added", "updated", "unchanged", "older"]].values.tolist() == [
        [7, 2, 1, 4, 0]]
    got = store.corpus().messages
    with pytest.warns(WorkbenchWarning, match="merged 5 duplicate"):
        want = wb.load(tmp_path / "exports", progress=False).messages  # newest version wins
    assert len(got) == 7
    pd.testing.assert_frame_equal(got.drop(columns="source"), want.drop(columns="source"))
    assert got.loc[got["message_id"] == 3, "text"].item() == "post number 3, corrected"
    # Unchanged rows keep the provenance of the export that first brought them.
    # (each is the first record of its export: records count from 1)
    assert got.loc[got["message_id"] == 1, "source"].item() == "result.json#1"  # week 1's
    assert got.loc[got["message_id"] == 3, "source"].item() == "result.json#1"  # week 2's
    # An older export with another version of message 3 changes nothing.
    older = _export(tmp_path / "exports" / "week0" / "result.json",
                    [_msg(3, "post number 3, first draft", day=0)])
    r0 = store.ingest(older, progress=False)
    assert r0[["loaded", "added", "updated", "older"]].values.tolist() == [[1, 0, 0, 1]]
    pd.testing.assert_frame_equal(store.corpus().messages, got)
    log = store.sources()
    assert log[["added", "updated", "unchanged", "older"]].sum().tolist() == [7, 1, 4, 1]
    # The folder holding the exports and the store: the store is not an input.
    again = store.ingest(tmp_path, progress=False)
    assert (again["status"] == "skipped: already in the store").all() and len(again) == 3


def test_reexport_within_one_ingest_across_batches(tmp_path):
    _export(tmp_path / "in" / "a" / "result.json", [_msg(i, f"text {i}") for i in (1, 2)])
    _export(tmp_path / "in" / "b" / "result.json",
            [_msg(1, "text 1"), _msg(2, "text 2, edited"), _msg(3, "text 3", day=2)])
    store = open_store(tmp_path / "store")
    report = store.ingest(tmp_path / "in", progress=False, batch_bytes=1)
    assert report[["added", "updated", "unchanged"]].values.tolist() == [[2, 0, 0], [1, 1, 1]]
    with pytest.warns(WorkbenchWarning, match="merged 2 duplicate"):
        want = wb.load(tmp_path / "in", progress=False).messages
    pd.testing.assert_frame_equal(store.corpus().messages.drop(columns="source"),
                                  want.drop(columns="source"))
    # The file holding the replaced row was rewritten: every key is stored once.
    keys = store.messages_query("SELECT channel_id, message_id, count(*) AS n FROM messages "
                                "GROUP BY ALL HAVING n > 1")
    assert keys.empty


def test_labels_apply_to_channels_ingested_later(tmp_path, fixtures_dir):
    store = open_store(tmp_path / "store")
    store.set_labels(fixtures_dir / "channels.csv")
    store.ingest(_some(fixtures_dir, 4), progress=False)
    store.ingest(_some(fixtures_dir, 4, 4), progress=False)
    with pytest.warns(WorkbenchWarning, match="label row.*matched no channel"):
        store.channels()
    some = tmp_path / "some"
    for p in _some(fixtures_dir, 8):
        (some / p.parent.name).mkdir(parents=True)
        (some / p.parent.name / p.name).write_bytes(p.read_bytes())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)  # labels of channels not loaded
        want = wb.load(some, channels=fixtures_dir / "channels.csv")
    got = store.corpus()
    assert got.channels["group"].notna().sum() >= 8
    pd.testing.assert_frame_equal(got.messages.drop(columns="source"),
                                  want.messages.drop(columns="source"))
    pd.testing.assert_frame_equal(got.channels, want.channels)


def test_parallel_workers_give_the_same_store(tmp_path, worlds):
    store, reference = worlds[0]
    folder = store.path.parent
    other = open_store(tmp_path / "store")
    other.ingest(folder / "telegram", channels=folder / "channels.csv", progress=False,
                 batch_bytes=100_000, workers=2)
    assert_same_corpus(other.corpus(), reference)


def test_progress_bar(tmp_path, fixtures_dir, capsys, monkeypatch):
    monkeypatch.delenv("WORKBENCH_PROGRESS", raising=False)
    store = open_store(tmp_path / "store")
    store.ingest(_some(fixtures_dir, 2), progress=True)
    assert "ingesting" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# Atomicity and locking
# ---------------------------------------------------------------------------------------------
def _snapshot(store):
    c = store.corpus()
    return (store.path / "store.json").read_bytes(), c, store.sources()


def _assert_unchanged(store, snapshot):
    manifest, corpus_, log = snapshot
    assert (store.path / "store.json").read_bytes() == manifest
    reopened = open_store(store.path)
    assert_same_corpus(reopened.corpus(), corpus_)
    pd.testing.assert_frame_equal(reopened.sources(), log)


class Interrupted(Exception):
    pass


@pytest.mark.parametrize("stage,after", [("batch", 2), ("commit", 3)])
def test_interrupted_ingest_leaves_the_store_as_it_was(tmp_path, fixtures_dir, stage, after):
    store = open_store(tmp_path / "store")
    store.ingest(_some(fixtures_dir, 3), progress=False)
    snapshot = _snapshot(store)

    def hook(where, n):
        if where == stage and n == after:
            raise Interrupted

    with pytest.raises(Interrupted):
        store.ingest(_some(fixtures_dir, 6, 2), progress=False, batch_bytes=1, _on_batch=hook)
    _assert_unchanged(store, snapshot)
    assert not (store.path / "staging").exists()
    # The next ingest works and leaves no file of the interrupted one behind.
    store.ingest(_some(fixtures_dir, 6, 2), progress=False)
    listed = {e["path"] for t in store._meta["tables"].values() for e in t}
    on_disk = {p.relative_to(store.path).as_posix()
                for p in store.path.rglob("*.parquet")}
    assert on_disk == listed


_CRASH = textwrap.dedent("""
    import os, sys
    import workbench as wb
    store = wb.open_store(sys.argv[1])
    stage, after = sys.argv[3], int(sys.argv[4])
    def hook(where, n):
        if where == stage and n == after:
            os._exit(17)  # a crash: no cleanup, no exception handlers
    store.ingest(sys.argv[5:], progress=False, batch_bytes=1, _on_batch=hook)
""")


@pytest.mark.parametrize("stage,after", [("commit", 2)])
def test_killed_ingest_leaves_the_store_as_it_was(tmp_path, fixtures_dir, stage, after):
    store = open_store(tmp_path / "store")
    store.ingest(_some(fixtures_dir, 1), progress=False)
    snapshot = _snapshot(store)
    inputs = [str(p) for p in _some(fixtures_dir, 5)]
    done = subprocess.run([sys.executable, "-c", _CRASH, str(store.path), "", stage,
                           str(after), *inputs],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 17, done.stderr
    assert (store.path / "staging").exists()  # the crash left its files behind
    _assert_unchanged(store, snapshot)
    # The lock died with the process; the next ingest cleans up and completes.
    store.ingest(inputs, progress=False)
    assert not (store.path / "staging").exists()
    want = wb.load(fixtures_dir / "telegram" / "benos_evening").messages
    assert len(store.corpus().messages) == sum(
        len(wb.load(p).messages) for p in inputs) > len(want)


_HOLD = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    import workbench as wb
    store = wb.open_store(sys.argv[1])
    ready, go = Path(sys.argv[3]), Path(sys.argv[4])
    parent = os.getppid()
    def hook(where, n):
        if where == "batch" and n == 1:
            ready.touch()
            # Hold the lock until the test says go, however slow the machine (no clock);
            # a test process that died cannot say it, so stop waiting then.
            while not go.exists() and os.getppid() == parent:
                time.sleep(0.05)
    store.ingest(sys.argv[5:], progress=False, batch_bytes=1, _on_batch=hook)
""")


def test_two_ingests_at_once_are_refused(tmp_path, fixtures_dir):
    store = open_store(tmp_path / "store")
    ready, go = tmp_path / "ready", tmp_path / "go"
    inputs = [str(p) for p in _some(fixtures_dir, 2)]
    proc = subprocess.Popen([sys.executable, "-c", _HOLD, str(store.path), "", str(ready),
                             str(go), *inputs], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 900  # only against a hang: a busy machine is slow
        while not ready.exists():
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the holding ingest never reached its batch"
            time.sleep(0.05)
        with pytest.raises(StoreLockedError, match=r"another process is ingesting.*pid "
                                                   rf"{proc.pid}"):
            store.ingest(_some(fixtures_dir, 1, 5), progress=False)
        # Readers are not blocked, and see the last committed state (empty).
        assert len(store.corpus().messages) == 0
    finally:
        go.touch()
        _, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err
    assert len(store.corpus().messages) == sum(len(wb.load(p).messages) for p in inputs)


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def small_store(tmp_path, fixtures_dir):
    store = open_store(tmp_path / "store")
    store.ingest([fixtures_dir / "telegram" / d for d in ("benos_evening", "bofas_sports")],
                 progress=False)
    return store


def test_damaged_store_file_is_named(small_store):
    victim = small_store.files("messages")[0]
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2])
    rel = victim.relative_to(small_store.path).as_posix()
    with pytest.raises(StoreError, match=rf"{rel} is damaged or was replaced"):
        open_store(small_store.path)
    victim.unlink()
    with pytest.raises(StoreError, match=rf"{rel} is missing"):
        open_store(small_store.path)


def test_same_size_corruption_is_found_by_verify(small_store):
    assert set(small_store.verify()["table"]) >= {"messages", "parts", "log", "index"}
    victim = small_store.files("messages")[0]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2: len(data) // 2 + 64] = b"\0" * 64  # inside the column data
    data[-8:-4] = b"\xff\xff\xff\x7f"  # and a footer length that cannot be
    victim.write_bytes(bytes(data))
    with pytest.raises(StoreError, match=victim.name):
        open_store(small_store.path).verify()


def test_foreign_parquet_is_ignored_with_a_warning(small_store, corpus):
    folder = small_store.files("messages")[0].parent
    pq.write_table(pa.table({"x": [1, 2]}), folder / "notes.parquet")
    with pytest.warns(WorkbenchWarning, match="notes.parquet"):
        reopened = open_store(small_store.path)
    assert len(reopened.corpus().messages) == len(small_store.corpus().messages)


def test_foreign_parquet_in_place_of_a_store_file(small_store):
    victim = small_store.files("messages")[0]
    pq.write_table(pa.table({"x": list(range(10))}), victim)
    with pytest.raises(StoreError, match=victim.name):
        open_store(small_store.path)


def test_newer_schema_version_is_refused_with_both_versions(small_store):
    manifest = small_store.path / "store.json"
    meta = json.loads(manifest.read_text())
    meta["schema_version"] = SCHEMA_VERSION + 1
    manifest.write_text(json.dumps(meta))
    with pytest.raises(StoreError, match=rf"store schema version {SCHEMA_VERSION + 1}, this "
                                         rf"workbench reads version {SCHEMA_VERSION}; .*newer"):
        open_store(small_store.path)


def test_not_a_store(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(StoreError, match="not empty and not a corpus store"):
        open_store(tmp_path)
    with pytest.raises(StoreError, match="no corpus store here"):
        open_store(tmp_path / "missing", create=False)
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "store.json").write_text("{not json")
    with pytest.raises(StoreError, match="store.json: damaged"):
        open_store(tmp_path / "s")


def test_unreadable_inputs(tmp_path, fixtures_dir):
    store = open_store(tmp_path / "store")
    with pytest.raises(LoadError, match="no such file"):
        store.ingest(tmp_path / "nothing", progress=False)
    bad = tmp_path / "bad" / "result.json"
    bad.parent.mkdir()
    bad.write_text('{"name": "x", "type": "public_channel", "id": 1, "messages": [')
    with pytest.raises(LoadError, match="result.json"):
        store.ingest(bad, progress=False)  # a single file that fails: nothing committed
    assert store.sources().empty
    # In a folder, a bad file is logged as rejected and the rest is ingested.
    good = fixtures_dir / "telegram" / "benos_evening" / "result.json.gz"
    (tmp_path / "bad" / "good.json.gz").write_bytes(good.read_bytes())
    with pytest.warns(WorkbenchWarning):
        report = store.ingest(tmp_path / "bad", progress=False)
    assert dict(zip(report["path"], report["status"])) == {
        "bad/good.json.gz": "ingested", "bad/result.json": "unreadable"}
    assert len(store.corpus().rejected) == 1


# ---------------------------------------------------------------------------------------------
# The analyses over a store
# ---------------------------------------------------------------------------------------------
def _both(fixture_store, corpus, worlds):
    yield fixture_store, corpus
    yield from worlds


def test_forward_and_mention_edges_are_identical(fixture_store, corpus, worlds):
    for store, ref in _both(fixture_store, corpus, worlds):
        pd.testing.assert_frame_equal(forward_edges(store), forward_edges(ref.messages))
        pd.testing.assert_frame_equal(forward_edges(store, min_weight=3),
                                      forward_edges(ref.messages, min_weight=3))
        pd.testing.assert_frame_equal(mention_edges(store), mention_edges(ref.messages))
        pd.testing.assert_frame_equal(
            mention_edges(store, channels=ref.channels, self_mentions=True),
            mention_edges(ref.messages, channels=ref.channels, self_mentions=True))


def test_forward_edges_with_forward_dates_are_identical(tmp_path):
    """Formats with the original post's date give a median delay: computed as pandas does
    (in float, truncated), including the even counts."""
    from workbench.synth._formats import WRITERS

    world = synth.generate_world(3, n_channels=15, messages_scale=0.2)
    WRITERS["telethon-jsonl"](world, tmp_path / "in")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)
        ref = wb.load(tmp_path / "in")
        store = open_store(tmp_path / "store")
        store.ingest(tmp_path / "in", progress=False)
    want = forward_edges(ref.messages)
    assert want["median_delay"].notna().any()
    pd.testing.assert_frame_equal(forward_edges(store), want)


VOLUME_OPTIONS = [{}, {"by": "channel_id"}, {"by": "group", "tz": "Europe/Berlin"},
                  {"freq": "h", "by": "platform", "tz": "Asia/Kolkata"},
                  {"freq": "W", "by": "lang"}, {"freq": "M", "weight": "views"},
                  {"freq": "2D", "by": "media_type", "start": "2016-08-01"},
                  {"freq": "15min", "tz": "America/New_York", "end": "2017-03-01"}]


def test_message_volume_is_identical(fixture_store, corpus, worlds):
    for options in VOLUME_OPTIONS:
        pd.testing.assert_frame_equal(message_volume(fixture_store, **options),
                                      message_volume(corpus.messages, **options))
    for store, ref in worlds:
        for options in VOLUME_OPTIONS[1:3]:
            pd.testing.assert_frame_equal(message_volume(store, **options),
                                          message_volume(ref.messages, **options))


def test_keyword_trend_is_identical(fixture_store, corpus, truth, worlds):
    terms = [truth["keyword"], "the", "عيد"]
    options = {"freq": "W", "tz": "Europe/Berlin", "by": "group"}
    pd.testing.assert_frame_equal(keyword_trend(fixture_store, terms, **options),
                                  keyword_trend(corpus.messages, terms, **options))
    store, ref = worlds[0]
    pd.testing.assert_frame_equal(keyword_trend(store, "the", by="group"),
                                  keyword_trend(ref.messages, "the", by="group"))


def test_find_crossposts_is_identical(fixture_store, corpus, worlds):
    for store, ref in ((fixture_store, corpus), worlds[0]):
        want = find_crossposts(ref)
        assert len(want) > 100
        pd.testing.assert_frame_equal(find_crossposts(store), want)
    store, ref = worlds[1]
    pd.testing.assert_frame_equal(
        find_crossposts(store, threshold=0.6, window="2D", random_state=3),
        find_crossposts(ref, threshold=0.6, window="2D", random_state=3))


def test_analyses_of_an_empty_store(tmp_path):
    store = open_store(tmp_path / "store")
    empty = wb.Corpus.empty()
    pd.testing.assert_frame_equal(forward_edges(store), forward_edges(empty.messages))
    pd.testing.assert_frame_equal(mention_edges(store), mention_edges(empty.messages))
    pd.testing.assert_frame_equal(message_volume(store), message_volume(empty.messages))
    assert find_crossposts(store).empty
    assert_same_corpus(store.corpus(), empty)


def test_unknown_columns_are_named(fixture_store):
    with pytest.raises(wb.errors.ParameterError, match="by='nope' is not a column"):
        message_volume(fixture_store, by="nope")


def test_ingest_stores_arrow_lists_as_given(tmp_path, corpus):
    """List columns reach the store straight from Arrow (here a slice of the loaded corpus,
    whose list offsets do not start at 0, with planted lists): what the store gives back and
    the content hashes are those of the same lists as Python lists."""
    from workbench import schema
    from workbench.store import _tables as T
    from workbench.store._batch import _content_hash

    messages = corpus.messages.copy()
    planted = {0: ["Ωmega", "дом", "x y"], 9: [], 10: ["@a", "@a"], 11: ["#ünï"]}
    links = messages["links"].tolist()
    for i, value in planted.items():
        links[i] = value
    messages["links"] = schema.list_array(links)
    start = 7
    sliced = messages.iloc[start:].reset_index(drop=True)
    assert sliced["links"].array._pa_array.chunk(0).offset == start  # a real slice
    given = wb.Corpus(sliced, corpus.channels)
    store = open_store(tmp_path / "store")
    store.ingest(given, progress=False)

    key = ["channel_id", "message_id"]
    back = store.corpus().messages.set_index(key)
    want = sliced.set_index(key)
    for col in schema.LIST_COLUMNS:
        assert back[col].reindex(want.index).tolist() == want[col].tolist()
    for i, value in planted.items():
        row = messages.iloc[i]
        if i >= start:
            assert back.loc[(row["channel_id"], row["message_id"]), "links"] == value
    stored = pa.concat_tables(pq.read_table(p, columns=[*key, "_hash"]) for p in
                              sorted((tmp_path / "store" / "messages").rglob("*.parquet")))
    stored = stored.to_pandas().set_index(key)["_hash"]
    frame = sliced[list(schema.MESSAGES)]
    python_lists = {c: T.list_array(frame[c].tolist()) for c in schema.LIST_COLUMNS}
    hashes = pd.Series(_content_hash(frame, python_lists),
                       index=pd.MultiIndex.from_frame(sliced[key]))
    assert stored.reindex(hashes.index).tolist() == hashes.tolist()
