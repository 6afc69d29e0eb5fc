"""wb.load on Telethon ``Message.to_dict()`` dumps: hand-written files with one quirk per
record (tests/data/telethon, quirks listed in its README) checked field by field, streaming in
bounded memory, detection, and the round trip against the Desktop export of the same world."""

from __future__ import annotations

import gzip
import json
import warnings
from functools import partial
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from tests._loading import (CHANNEL, GROUP, SOURCE, accounted, assert_columns_agree,
                            assert_rows, expected, load_quietly, load_world, plain, records_read)
from workbench.errors import FormatError, LoadError, WorkbenchWarning
from workbench.io import _mtproto, records, streams
from workbench.io import telethon
from workbench.synth import generate_world
from workbench.synth._telethon import telethon_records, write_telethon

DATA = Path(__file__).parent / "data" / "telethon"


# --------------------------------------------------------------------------------------
# current.jsonl: every field of every record (the quirks are listed in the README)
# --------------------------------------------------------------------------------------
F = "current.jsonl#"
CURRENT = {
    F + "1": expected(F + "1", 101, "2021-03-01T10:00:00+00:00", text="Plain post", views=1500,
                      forwards=12, edited="2021-03-01T10:05:30+00:00"),
    F + "2": expected(F + "2", 102, "2021-03-01T11:00:00.250000+00:00",
                      text="😀😀 read @news_agency now", mentions=["news_agency"]),
    F + "3": expected(F + "3", 103, "2021-03-01T12:00:00+00:00",
                      text="👍🏽 see example.org/a and this",
                      links=["example.org/a", "https://t.me/quirk_source/7"]),
    F + "4": expected(F + "4", 104, "2021-03-01T13:00:00+00:00", text="🔥 thanks Abu Example",
                      mentions=["Abu Example"]),
    F + "5": expected(F + "5", 105, "2021-03-01T14:00:00+00:00", text="Forwarded post",
                      fwd_from_channel_id=SOURCE, fwd_from_message_id=77,
                      fwd_from_date="2021-02-28T09:00:00+00:00"),
    F + "6": expected(F + "6", 106, "2021-03-01T15:00:00+00:00", text="From someone hidden",
                      fwd_from_name="Hidden Person", fwd_from_date="2021-02-27T07:30:00+00:00"),
    F + "7": expected(F + "7", 107, "2021-03-01T16:00:00+00:00", text="A reply", reply_to=101),
    F + "8": expected(F + "8", 108, "2021-03-01T17:00:00+00:00", text="Read the report",
                      links=["https://example.org/report"]),
    F + "9": expected(F + "9", 109, "2021-03-01T18:00:00+00:00", text="Video",
                      media_type="video_file", media_name="clip.mp4", media_size=1234567,
                      media_duration=13),
    F + "10": expected(F + "10", 110, "2021-03-01T19:00:00+00:00", media_type="voice_message",
                       media_size=2048, media_duration=5),
    F + "11": expected(F + "11", 111, "2021-03-01T20:00:00+00:00", text="Photo",
                       media_type="photo", media_size=30000),
    F + "12": expected(F + "12", 112, "2021-03-01T21:00:00+00:00", text="Album part one",
                       author="Editor A", grouped_id=13000000000000001, media_type="photo",
                       media_size=4000),
    F + "13": expected(F + "13", 113, "2021-03-01T21:00:01+00:00", grouped_id=13000000000000001,
                       media_type="document", media_name="doc.pdf", media_size=99999),
    F + "18": expected(F + "18", 1, "2021-03-02T01:00:00+00:00", channel_id=GROUP,
                       text="hello group", author_id="telegram:555000111"),
    F + "19": expected(F + "19", 119, "2021-03-02T08:00:00+00:00", text="Later post"),
    F + "21": expected(F + "21", 121, "2021-03-02T09:00:00+00:00",
                       text="#breaking t.me/quirk_source", links=["t.me/quirk_source"],
                       hashtags=["breaking"]),
    F + "24": expected(F + "24", 124, "2021-03-02T10:00:00+00:00", media_type="photo",
                       media_size=777),
}
CURRENT_REJECTED = {
    F + "15": "MessageEmpty: a deleted message, only its id is left",
    F + "16": "invalid JSON on this line: unexpected end of data",
    F + "20": f"duplicate message id 101 within one export of {CHANNEL} (the first is kept)",
    F + "22": "no date",
    F + "23": "date 'yesterday' is not a date-time or Unix time",
    F + "26": "record type 'UpdateShortMessage' is not a message",
}


@pytest.fixture(scope="module")
def current():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        corpus = wb.load(DATA / "current.jsonl")
    return corpus, [str(w.message) for w in caught]


def test_current_every_field_of_every_message(current):
    corpus, _ = current
    assert_rows(corpus, CURRENT)


def test_current_service_rejected_and_accounting(current):
    corpus, _ = current
    svc = corpus.service.drop(columns="platform").to_dict("records")
    assert [{k: plain(v) for k, v in r.items()} for r in svc] == [
        {"channel_id": CHANNEL, "message_id": 114, "date": "2021-03-01T22:00:00+00:00",
         "action": "pin_message", "actor_id": CHANNEL, "actor": None, "text": None,
         "source": F + "14"},
        {"channel_id": GROUP, "message_id": 2, "date": "2021-03-02T11:00:00+00:00",
         "action": "invite_members", "actor_id": "telegram:555000111", "actor": None,
         "text": None, "source": F + "25"},
    ]
    assert dict(zip(corpus.rejected["source"], corpus.rejected["reason"])) == CURRENT_REJECTED
    assert corpus.rejected["raw"].notna().all()
    accounted(corpus)
    assert corpus.files[["format", "records", "loaded", "service", "rejected"]].iloc[0].tolist() \
        == ["telethon", 25, 17, 2, 6]  # 26 lines, one blank


def test_current_channels_and_warnings(current):
    corpus, caught = current
    ch = corpus.channels.set_index("channel_id")
    assert ch.loc[CHANNEL, "kind"] == "channel"        # "post": true
    assert ch.loc[GROUP, "kind"] == "supergroup"       # a channel peer with user senders
    assert ch.loc[SOURCE, "resolved"]                  # a forward source known by id
    assert not ch.loc["telegram:name:hidden person", "resolved"]
    assert ch.loc["telegram:name:hidden person", "name"] == "Hidden Person"
    assert any("1 message entities ignored" in w for w in caught)


def test_utf16_offsets_slice_astral_characters():
    text = "😀😀 read @news_agency now"
    assert text[10:22] != "@news_agency"  # Python indices would cut the wrong span
    assert _mtproto.utf16_slice(text, 10, 12) == "@news_agency"
    assert _mtproto.utf16_slice("👍🏽 see example.org/a", 9, 13) == "example.org/a"
    with pytest.raises(ValueError):
        _mtproto.utf16_slice("😀", 1, 1)  # half a surrogate pair
    with pytest.raises(ValueError):
        _mtproto.utf16_slice("abc", 2, 5)


# --------------------------------------------------------------------------------------
# legacy.json (a pretty-printed array in the pre-2020 layer)
# --------------------------------------------------------------------------------------
L = "legacy.json#"  # positions in the array, from 1
LEGACY = {
    L + "1": expected(L + "1", 1001, "2019-05-01T12:00:00+00:00", channel_id=SOURCE,
                      text="Legacy post", views=300),
    L + "2": expected(L + "2", 1002, "2019-05-01T13:00:00+00:00", channel_id=SOURCE,
                      text="Forwarded (legacy)", views=310, fwd_from_channel_id=CHANNEL,
                      fwd_from_message_id=101, fwd_from_date="2019-04-30T08:00:00+00:00"),
    L + "3": expected(L + "3", 1003, "2019-05-01T14:00:00+00:00", channel_id=SOURCE,
                      text="Forwarded from a user", fwd_from_channel_id="telegram:777888999",
                      fwd_from_date="2019-04-29T08:00:00+00:00"),
    L + "4": expected(L + "4", 1004, "2019-05-01T15:00:00+00:00", channel_id=SOURCE,
                      text="Legacy reply", reply_to=1001),
    L + "6": expected(L + "6", 7, "2019-05-02T09:00:00+00:00", channel_id="telegram:300400500",
                      text="group chatter", author_id="telegram:555000111"),
    L + "7": expected(L + "7", 1005, "2019-05-02T12:00:00+00:00", channel_id=SOURCE,
                      text="Epoch dated"),
    L + "8": expected(L + "8", 1006, "2019-05-02T12:00:00+00:00", channel_id=SOURCE,
                      media_type="location"),
    L + "9": expected(L + "9", 1007, "2019-05-02T13:00:00+00:00", channel_id=SOURCE,
                      media_type="sticker", media_size=23456),
    L + "11": expected(L + "11", 1008, "2019-05-02T14:00:00+00:00", channel_id=SOURCE,
                       media_type="contact"),
}


def test_legacy_every_field_of_every_record():
    corpus = load_quietly(DATA / "legacy.json")
    assert_rows(corpus, LEGACY)
    svc = corpus.service.iloc[0]
    assert (svc["channel_id"], svc["message_id"], svc["action"], svc["actor_id"], svc["text"],
            svc["source"]) == (SOURCE, 1, "create_channel", SOURCE, "Source Channel", L + "5")
    assert svc["date"] == pd.Timestamp("2019-01-01", tz="UTC")
    assert corpus.rejected[["source", "reason"]].values.tolist() == [
        [L + "10", "a JSON str, not a record object"]]
    kinds = corpus.channels.set_index("channel_id")["kind"]
    assert kinds[SOURCE] == "channel" and kinds["telegram:300400500"] == "group"
    accounted(corpus)


# --------------------------------------------------------------------------------------
# reading: compression, streaming, JSON arrays, detection, errors
# --------------------------------------------------------------------------------------
def _without_source(corpus):
    return corpus.messages.drop(columns="source")


def test_gzip_and_multiframe_zstd_read_the_same(tmp_path):
    import zstandard

    raw = (DATA / "current.jsonl").read_bytes()
    (tmp_path / "dump.jsonl.gz").write_bytes(gzip.compress(raw))
    half = raw.index(b"\n", len(raw) // 2) + 1
    cctx = zstandard.ZstdCompressor()
    (tmp_path / "dump.jsonl.zst").write_bytes(cctx.compress(raw[:half]) + cctx.compress(raw[half:]))
    plain_load = load_quietly(DATA / "current.jsonl")
    for name in ("dump.jsonl.gz", "dump.jsonl.zst"):
        packed = load_quietly(tmp_path / name)
        pd.testing.assert_frame_equal(_without_source(packed), _without_source(plain_load))
        assert packed.rejected["source"].str.replace(name, "current.jsonl").tolist() == \
            plain_load.rejected["source"].tolist()
        assert packed.files["size"].iloc[0] == (tmp_path / name).stat().st_size


def test_tiny_blocks_and_batches_give_the_same_rows(monkeypatch, tmp_path):
    """Lines and array records cut across read blocks and parse batches."""
    records = [json.loads(line) for line in
               (DATA / "current.jsonl").read_text(encoding="utf-8").splitlines()
               if line.startswith("{") and line.endswith("}")]
    (tmp_path / "dump.json").write_text(json.dumps(records, indent=2, ensure_ascii=False),
                                        encoding="utf-8")
    compact = tmp_path / "compact.json"
    compact.write_text(json.dumps(records), encoding="utf-8")
    normal = [load_quietly(DATA / "current.jsonl"), load_quietly(tmp_path / "dump.json"),
              load_quietly(compact)]
    monkeypatch.setattr(streams, "BLOCK_BYTES", 97)
    monkeypatch.setattr(streams, "_BATCH_BYTES", 500)
    parsed = []

    def loads(data):
        parsed.append(len(data))
        return real_loads(data)

    real_loads = streams.orjson.loads
    monkeypatch.setattr(streams, "orjson", SimpleNamespace(
        loads=loads, JSONDecodeError=streams.orjson.JSONDecodeError))
    tiny = [load_quietly(DATA / "current.jsonl"), load_quietly(tmp_path / "dump.json"),
            load_quietly(compact)]
    # arrays were cut between records (entities' "MessageEntity..." objects are no cut
    # points), never parsed whole: each parse is a few records
    assert parsed and max(parsed) < 4000 < (tmp_path / "dump.json").stat().st_size
    for a, b in zip(normal, tiny):
        pd.testing.assert_frame_equal(a.messages, b.messages)
        pd.testing.assert_frame_equal(a.rejected, b.rejected)
    # the array gives the same messages as the lines (sources aside)
    pd.testing.assert_frame_equal(_without_source(normal[0]), _without_source(normal[1]))


def test_format_forced_and_detected_by_content(tmp_path):
    odd = tmp_path / "scrape.txt"
    odd.write_bytes((DATA / "current.jsonl").read_bytes())
    assert load_quietly(odd).files["format"].tolist() == ["telethon"]
    assert len(load_quietly(odd, format="telethon").messages) == 17
    with pytest.raises(FormatError) as err:
        wb.load(DATA / "README.md")
    message = str(err.value)
    for name in ("telethon", "telegram-tracker", "4cat", "pushshift", "telegram-desktop"):
        assert name + ":" in message


def test_sniff_reasons():
    assert telethon.sniff(b'[\n {\n  "_": "Message",\n  "id": 1') is None
    assert telethon.sniff(b'\xef\xbb\xbf{"_": "MessageService", "id": 1}') is None
    assert "not JSON" in telethon.sniff(b"id,text\n")
    assert "no Telethon record" in telethon.sniff(b'{"name": "x", "messages": []}')
    assert "no Telethon record" in telethon.sniff(
        b'{"id": 1, "peer_id": {"channel_id": 1, "_type": "PeerChannel"}}')


def test_truncated_array_and_damaged_zstd_are_load_errors(tmp_path):
    data = (DATA / "legacy.json").read_bytes()
    cut = tmp_path / "cut.json"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(LoadError, match=r"cut\.json: the JSON array ends unexpectedly"):
        wb.load(cut)
    import zstandard

    packed = zstandard.ZstdCompressor().compress((DATA / "current.jsonl").read_bytes())
    bad = tmp_path / "bad.jsonl.zst"
    bad.write_bytes(packed[: len(packed) // 2])
    # (detection cannot read the first KB of this one: the format is given)
    with pytest.raises(LoadError, match=r"bad\.jsonl\.zst: damaged or truncated"):
        wb.load(bad, format="telethon")
    # in a folder, an unreadable file is one rejected row and a warning; the rest loads
    (tmp_path / "good.jsonl").write_bytes((DATA / "current.jsonl").read_bytes())
    with pytest.warns(WorkbenchWarning, match="could not be read"):
        corpus = wb.load(tmp_path)
    assert len(corpus.messages) == 17
    assert {"cut.json", "bad.jsonl.zst"} <= {s.split("/")[-1] for s in corpus.rejected["source"]}


def test_to_ns_forms():
    ns = 1_614_592_800 * 10**9
    for value in ("2021-03-01T10:00:00+00:00", "2021-03-01 10:00:00+00:00",
                  "2021-03-01T10:00:00Z", "2021-03-01 12:00:00+02:00", "2021-03-01 10:00:00",
                  1_614_592_800, 1_614_592_800.0, "1614592800"):
        assert records.to_ns(value) == ns, value
    for bad in ("yesterday", None, True, float("nan"), 10**20, [1]):
        with pytest.raises((ValueError, TypeError)):
            records.to_ns(bad)


# --------------------------------------------------------------------------------------
# bounded memory
# --------------------------------------------------------------------------------------
def _padded_dump(path: Path, n: int, pad: int) -> Path:
    """``n`` messages whose web page descriptions (not kept) make the file big."""
    filler = "x" * pad
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({
                "_": "Message", "id": i + 1, "peer_id": {"_": "PeerChannel", "channel_id": 5},
                "date": 1_600_000_000 + i, "message": f"post {i}", "post": True,
                "media": {"_": "MessageMediaWebPage", "webpage": {
                    "_": "WebPage", "url": None, "description": filler}}}) + "\n")
    return path


def _peak_load(path: str) -> int:
    return len(wb.load(path, progress=False).messages)


def test_json_lines_stream_in_memory_independent_of_file_size(tmp_path):
    from bench._measure import measure

    small = _padded_dump(tmp_path / "small.jsonl", 20_000, 500)
    big = _padded_dump(tmp_path / "big.jsonl", 20_000, 6_000)
    _, peak_small, n_small = measure(_peak_load, str(small))
    _, peak_big, n_big = measure(_peak_load, str(big))
    assert n_small == n_big == 20_000
    big_size = big.stat().st_size  # about 120 MB, the small one 14 MB
    assert peak_big < peak_small + 24 * 2**20, (peak_small, peak_big)
    assert peak_big < big_size / 2, (peak_big, big_size)


# --------------------------------------------------------------------------------------
# fuzzing: damaged records are rejected or loaded, never lost, never a crash
# --------------------------------------------------------------------------------------
_LINES = [line for line in (DATA / "current.jsonl").read_text(encoding="utf-8").splitlines()
          if line.startswith("{") and line.endswith("}")]
_JUNK = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(),
                  st.text(max_size=8), st.lists(st.integers(), max_size=2),
                  st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@st.composite
def _mutated(draw):
    records = []
    for _ in range(draw(st.integers(1, 4))):
        rec = json.loads(draw(st.sampled_from(_LINES)))
        path = rec
        for _ in range(draw(st.integers(0, 2))):
            keys = [k for k, v in path.items() if isinstance(v, dict)] if isinstance(path, dict) \
                else []
            if not keys:
                break
            path = path[draw(st.sampled_from(keys))]
        if isinstance(path, dict) and path:
            key = draw(st.sampled_from(sorted(path)))
            if draw(st.booleans()):
                path[key] = draw(_JUNK)
            else:
                del path[key]
        line = json.dumps(rec, ensure_ascii=False)
        if draw(st.integers(0, 5)) == 0:
            line = line[: draw(st.integers(0, len(line)))]
        records.append(line)
    return records


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
          max_examples=60, deadline=None)
@given(lines=_mutated())
def test_fuzzed_records_are_loaded_or_rejected(tmp_path, lines):
    path = tmp_path / "fuzz.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    nonblank = sum(1 for line in lines if line.strip())
    assert records_read(path) in (None, nonblank)


# --------------------------------------------------------------------------------------
# round trip: the same world as Telethon dumps and as Desktop exports
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module", params=[(2016, 0.08), (7, 0.05)], ids=["seed2016", "seed7"])
def world_loads(request, tmp_path_factory):
    seed, scale = request.param
    return load_world(tmp_path_factory, "world", seed, scale,
                      {"current": write_telethon,
                       "legacy": partial(write_telethon, shape="legacy")})


@pytest.mark.parametrize("shape", ["current", "legacy"])
def test_roundtrip_agrees_with_desktop(world_loads, shape):
    world, _, loads = world_loads
    desk, dump = loads["telegram"], loads[shape]
    key = ["channel_id", "message_id"]
    a = desk.messages.sort_values(key, ignore_index=True)
    b = dump.messages.sort_values(key, ignore_index=True)
    assert len(dump.rejected) == 0 and len(a) == len(b) > 200
    assert_columns_agree(a, b, ("channel_id", "message_id", "date", "text", "fwd_from_channel_id",
                                "reply_to", "edited", "media_type", "media_duration", "author_id",
                                "author"), ("mentions", "links", "hashtags"))
    # forward sources: by id where the world knows the channel, by name where it does not
    unresolved = a["fwd_from_channel_id"].isna() & a["fwd_from_name"].notna()
    assert unresolved.any()
    assert b.loc[unresolved, "fwd_from_name"].tolist() == a.loc[unresolved, "fwd_from_name"].tolist()
    # media names where Desktop has them: documents (Desktop alone names photos)
    named = a["media_name"].notna() & (a["media_type"].astype(str) != "photo")
    assert named.any()
    assert b.loc[named, "media_name"].tolist() == a.loc[named, "media_name"].tolist()
    # service records: same ids, dates and actions
    svc = ["channel_id", "message_id", "date", "action", "actor_id"]
    pd.testing.assert_frame_equal(desk.service[svc].sort_values(svc[:2], ignore_index=True),
                                  dump.service[svc].sort_values(svc[:2], ignore_index=True))
    # the original message ids the dumps give are the world's forward origins
    origins = {(m[0], m[1]): tuple(c["origin"]) for c in world.truth["crosspost_clusters"]
               if c["via"] == "forward" for m in c["members"] if m != c["origin"]}
    with_id = b[b["fwd_from_message_id"].notna()]
    assert len(with_id) > 10
    for cid, mid, src, post in zip(with_id["channel_id"], with_id["message_id"],
                                   with_id["fwd_from_channel_id"], with_id["fwd_from_message_id"]):
        assert origins[(cid, mid)] == (src, post)


def test_dump_and_desktop_in_one_load_merge_into_one_corpus(world_loads):
    import shutil

    _, root, loads = world_loads
    mix = root / "mix"
    if not mix.exists():
        for name in ("telegram", "current", "legacy"):
            shutil.copytree(root / name, mix / name)
    both = load_quietly(mix)
    desk = loads["telegram"]
    n = len(desk.messages)
    # each message three times (Desktop, current, legacy): two of every three merged
    assert len(both.messages) == n
    assert both.files["merged"].sum() == 2 * n + 2 * len(desk.service)
    assert both.messages["channel"].notna().all()  # names from the Desktop exports
    assert set(both.channels["channel_id"]) == set(desk.channels["channel_id"])


def test_writer_is_deterministic_and_emits_str_datetime(tmp_path):
    world = generate_world(3, n_channels=15, messages_scale=0.03)
    first = [p.read_bytes() for p in write_telethon(world, tmp_path / "a")]
    second = [p.read_bytes() for p in write_telethon(world, tmp_path / "b")]
    assert first == second
    record = json.loads(first[0].splitlines()[0])
    assert record["_"] in ("Message", "MessageService")
    assert " " in record["date"] and record["date"].endswith("+00:00")
    handle, export, records = next(telethon_records(world))
    assert len(records) == len(export["messages"])


def test_documents_one_record_and_wrappers(tmp_path):
    """One pretty-printed record; an object with a ``messages`` list (and ``chats``), pretty or
    on one line: read as documents, not as JSON Lines."""
    record = json.loads((DATA / "current.jsonl").read_text(encoding="utf-8").split("\n")[4])
    one = tmp_path / "one.json"
    one.write_text(json.dumps(record, indent=2), encoding="utf-8")
    assert load_quietly(one).messages["message_id"].tolist() == [105]
    chats = [{"_": "Channel", "id": 1292077344, "title": "Quirk Channel", "username": "qc",
              "broadcast": True}]
    wrapper = {"channel": "qc", "messages": [record], "chats": chats}
    for name, text in (("pretty.json", json.dumps(wrapper, indent=1)),
                       ("flat.json", json.dumps(wrapper))):
        (tmp_path / name).write_text(text, encoding="utf-8")
        corpus = load_quietly(tmp_path / name)
        assert corpus.files["format"].tolist() == ["telethon"]
        m = corpus.messages.iloc[0]
        assert (m["channel_id"], m["channel"], m["message_id"], m["source"]) == (
            CHANNEL, "Quirk Channel", 105, f"{name}#1")  # the first of the messages
