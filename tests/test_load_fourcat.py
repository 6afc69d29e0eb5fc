"""wb.load on 4CAT Telegram datasets: the hand-written dataset.ndjson and dataset.csv of
tests/data/fourcat (quirks listed in its README) checked field by field, usernames mapped to ids
within a load, and the round trip against the Desktop export of the same world."""

from __future__ import annotations

import shutil
from functools import partial
from pathlib import Path

import pytest

import workbench as wb
from tests._loading import (CHANNEL, GROUP, SOURCE, accounted, assert_columns_agree,
                            assert_rows, load_quietly, load_world, records_read,
                            sorted_messages)
from tests._loading import expected as expected_row
from workbench.errors import LoadError, WorkbenchWarning
from workbench.io import fourcat
from workbench.synth._fourcat import write_fourcat, write_fourcat_csv

DATA = Path(__file__).parent / "data" / "fourcat"
# 4CAT names the channel in every item (its _chat), unlike the Telethon dumps
expected = partial(expected_row, channel="Quirk Channel")


N = "dataset.ndjson#"
NDJSON = {
    N + "1": expected(N + "1", 401, "2022-02-24T05:00:12+00:00", text="Hello world", views=120,
                      forwards=4),
    N + "2": expected(N + "2", 402, "2022-02-24T05:03:20.500000+00:00",
                      text="😀 https://example.org/x and here",
                      links=["https://example.org/x", "https://t.me/quirk_source/5"]),
    N + "3": expected(N + "3", 403, "2022-02-24T05:20:00+00:00",
                      text="🔥 @some_handle thanks Abu Example",
                      mentions=["some_handle", "Abu Example"]),
    N + "4": expected(N + "4", 404, "2022-02-24T05:36:40+00:00", text="forwarded",
                      fwd_from_channel_id=SOURCE, fwd_from_name="Source Channel",
                      fwd_from_message_id=88, fwd_from_date="2022-02-23T07:06:40+00:00"),
    N + "5": expected(N + "5", 405, "2022-02-24T05:53:20+00:00", text="resolved forward",
                      fwd_from_channel_id="telegram:1006503999",
                      fwd_from_name="Resolved Source", fwd_from_message_id=12,
                      fwd_from_date="2022-02-22T03:20:00+00:00"),
    N + "6": expected(N + "6", 7, "2022-02-24T06:10:00+00:00", channel_id=GROUP,
                      channel="Quirk Group", text="group says hi",
                      author_id="telegram:555000111", author="Abu Example"),
    N + "7": expected(N + "7", 407, "2022-02-24T06:26:40+00:00", text="talk",
                      media_type="video_file", media_name="talk.mp4", media_size=3456789,
                      media_duration=30),
    N + "8": expected(N + "8", 408, "2022-02-24T06:43:20+00:00", text="pic",
                      media_type="photo", media_size=8000),
    N + "9": expected(N + "9", 409, "2022-02-24T07:00:00+00:00", text="article",
                      links=["https://example.org/story"]),
    N + "10": expected(N + "10", 410, "2022-02-24T07:16:40+00:00", text="edited reply",
                       reply_to=401, edited="2022-02-24T07:26:40+00:00"),
    N + "13": expected(N + "13", 413, "2022-02-24T07:50:00+00:00", text="no peer"),
}


def test_ndjson_every_field_of_every_item():
    corpus = load_quietly(DATA / "dataset.ndjson")
    assert_rows(corpus, NDJSON)
    svc = corpus.service.iloc[0]
    assert (svc["channel_id"], svc["message_id"], svc["action"], svc["actor_id"], svc["text"],
            svc["source"]) == (CHANNEL, 411, "edit_group_title", CHANNEL, "Quirk Channel",
                               N + "11")
    assert corpus.rejected[["source", "reason"]].values.tolist() == [
        [N + "12", "invalid JSON on this line: unexpected end of data"], [N + "14", "no date"]]
    ch = corpus.channels.set_index("channel_id")
    assert ch.loc[[CHANNEL, GROUP, SOURCE, "telegram:1006503999"], "handle"].tolist() == [
        "quirk_channel", "quirk_group", "source_channel", "resolved_src"]
    assert ch.loc[[CHANNEL, GROUP], "kind"].tolist() == ["channel", "supergroup"]
    assert corpus.files[["format", "records", "loaded", "service", "rejected"]].iloc[0].tolist() \
        == ["4cat", 14, 11, 1, 2]
    accounted(corpus)


C = "dataset.csv#"
NAME_GROUP = "telegram:name:quirk_group"
CSV = {
    C + "2": expected(C + "2", 501, "2022-02-24T05:00:12+00:00", channel=None, text="CSV post",
                      views=120),
    C + "3": expected(C + "3", 502, "2022-02-24T05:20:00+00:00", channel=None, text="fwd",
                      fwd_from_channel_id=SOURCE, fwd_from_name="Source Channel",
                      fwd_from_date="2022-02-23T07:06:40+00:00"),
    C + "4": expected(C + "4", 8, "2022-02-24T06:10:00+00:00", channel_id=NAME_GROUP,
                      channel=None, text="group says hi", author_id="telegram:555000111",
                      author="Abu Example"),
    C + "5": expected(C + "5", 9, "2022-02-24T06:26:40+00:00",
                      channel_id="telegram:1400000002", channel=None, text="numeric chat"),
    C + "6": expected(C + "6", 503, "2022-02-24T06:43:20+00:00", channel=None,
                      text="hidden fwd", fwd_from_name="Hidden Person",
                      fwd_from_date="2022-02-22T03:20:00+00:00"),
    C + "7": expected(C + "7", 504, "2022-02-24T07:00:00+00:00", channel=None, text="edited",
                      edited="2022-02-24T07:10:00+00:00", reply_to=501, media_type="video_file",
                      links=["https://example.org/story"]),
    C + "8": expected(C + "8", 505, "2022-02-24T07:16:40+00:00", channel=None,
                      text="Join @other_chan\n#tag\nhttps://t.me/other_chan/4",
                      mentions=["other_chan"], links=["https://t.me/other_chan/4"],
                      hashtags=["tag"]),
    C + "13": expected(C + "13", 508, "2022-02-24T07:50:00+00:00", channel=None,
                       media_type="photo", fwd_from_name="quirk_group",
                       fwd_from_date="2022-02-20T23:33:20+00:00"),
}


def test_csv_every_field_of_every_row():
    with pytest.warns(WorkbenchWarning, match=r"1 chat\(s\) known only by username.*quirk_group"):
        corpus = wb.load(DATA / "dataset.csv")
    assert_rows(corpus, CSV)
    assert corpus.rejected[["source", "reason"]].values.tolist() == [
        [C + "11", "message id (after the last '-' of id) 'abc' is not a number"],
        [C + "12", "no unix_timestamp"]]
    ch = corpus.channels.set_index("channel_id")
    # the channel's id comes from its own posts (author = the channel)
    assert ch.loc[CHANNEL, ["handle", "kind", "resolved"]].tolist() == [
        "quirk_channel", "channel", True]
    assert ch.loc[NAME_GROUP, ["handle", "kind", "resolved"]].tolist() == [
        "quirk_group", "supergroup", False]
    assert ch.loc[SOURCE, ["name", "handle"]].tolist() == ["Source Channel", "source_channel"]
    accounted(corpus)


def test_csv_usernames_take_the_ids_another_file_gives(tmp_path):
    """The ndjson of the same dataset knows quirk_group's id: one channel, not two."""
    for name in ("dataset.csv", "dataset.ndjson"):
        shutil.copy(DATA / name, tmp_path / name)
    corpus = load_quietly(tmp_path)
    assert NAME_GROUP not in set(corpus.messages["channel_id"])
    group = corpus.messages[corpus.messages["channel_id"] == GROUP]
    assert sorted(group["message_id"]) == [7, 8]
    assert group["channel"].tolist() == ["Quirk Group", "Quirk Group"]
    assert NAME_GROUP not in set(corpus.channels["channel_id"]) or \
        corpus.channels.set_index("channel_id").loc[NAME_GROUP, "resolved"] == False  # noqa: E712


def test_sniff_and_errors(tmp_path):
    assert fourcat.sniff(b'{"id": 1, "date": 1.0, "peer_id": {"channel_id": 2, '
                         b'"_type": "PeerChannel"}}') is None
    assert fourcat.sniff(b'{"id": 1, "4CAT_metadata": {}}') is None
    assert "Telethon" in fourcat.sniff(b'{"_": "Message", "id": 1, "_type": "x"}')
    assert fourcat.sniff(b"id,thread_id,chat,author,body,unix_timestamp,"
                         b"author_forwarded_from_name\n") is None
    assert "not a 4CAT" in fourcat.sniff(b"id,thread_id,body,timestamp\n")  # 4chan-like CSV
    odd = tmp_path / "x.csv"
    odd.write_text("id,body\n1,hi\n")
    with pytest.raises(LoadError, match="not a 4CAT Telegram CSV"):
        wb.load(odd, format="4cat")


@pytest.fixture(scope="module", params=[(2016, 0.08), (5, 0.05)], ids=["seed2016", "seed5"])
def world_loads(request, tmp_path_factory):
    seed, scale = request.param
    return load_world(tmp_path_factory, "fourcat", seed, scale,
                      {"ndjson": write_fourcat, "csv": write_fourcat_csv})[2]


def test_roundtrip_ndjson_agrees_with_desktop(world_loads):
    a, b = sorted_messages(world_loads["telegram"]), sorted_messages(world_loads["ndjson"])
    assert len(a) == len(b) > 200 and len(world_loads["ndjson"].rejected) == 0
    # entity types are lost in 4CAT's lists: links, mentions, hashtags told by their text
    assert_columns_agree(a, b, ("channel_id", "channel", "message_id", "date", "text",
                                "fwd_from_channel_id", "fwd_from_name", "reply_to", "edited",
                                "media_type", "media_duration"), ("mentions", "links", "hashtags"))
    assert len(world_loads["ndjson"].service) == 0  # 4CAT skips service messages


def test_roundtrip_csv_agrees_with_desktop_where_the_csv_has_the_field(world_loads):
    a, b = sorted_messages(world_loads["telegram"]), sorted_messages(world_loads["csv"])
    assert len(a) == len(b) > 200 and len(world_loads["csv"].rejected) == 0
    assert_columns_agree(a, b, ("channel_id", "message_id", "date", "text", "fwd_from_channel_id",
                                "fwd_from_name", "reply_to", "edited"), ("mentions", "hashtags"),
                         check_categorical=True)
    photo = a["media_type"].astype(str) == "photo"
    assert (b.loc[photo, "media_type"].astype(str) == "photo").all()


# --------------------------------------------------------------------------------------
# fuzzing: damaged rows and items are rejected or loaded, never lost, never a crash
# --------------------------------------------------------------------------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_JUNK = st.one_of(st.text(max_size=12), st.sampled_from(["", "nan", "-", "1e400", "-1",
                                                         "1.5", "quirk_channel-"]))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
          max_examples=40, deadline=None)
@given(data=st.data())
def test_fuzzed_csv_rows_are_loaded_or_rejected(tmp_path, data):
    import csv
    import io

    rows = list(csv.reader(io.StringIO((DATA / "dataset.csv").read_text(encoding="utf-8"))))
    header, body = rows[0], rows[1:]
    picked = [list(r) for r in data.draw(st.lists(st.sampled_from(body), min_size=1,
                                                  max_size=4))]
    for row in picked:
        for _ in range(data.draw(st.integers(1, 3))):
            row[data.draw(st.integers(0, len(row) - 1))] = data.draw(_JUNK)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *picked])
    path = tmp_path / "dataset.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    assert records_read(path, format="4cat") in (None, len(picked))


_ITEMS = (DATA / "dataset.ndjson").read_text(encoding="utf-8").splitlines()[:11]
_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(),
                    st.text(max_size=6), st.lists(st.integers(), max_size=2),
                    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
          max_examples=40, deadline=None)
@given(data=st.data())
def test_fuzzed_items_are_loaded_or_rejected(tmp_path, data):
    import json

    lines = []
    for line in data.draw(st.lists(st.sampled_from(_ITEMS), min_size=1, max_size=3)):
        item = json.loads(line)
        target = item
        for _ in range(data.draw(st.integers(0, 2))):
            nested = [k for k, v in target.items() if isinstance(v, dict)]
            if not nested:
                break
            target = target[data.draw(st.sampled_from(sorted(nested)))]
        if target:
            key = data.draw(st.sampled_from(sorted(target)))
            if data.draw(st.booleans()):
                target[key] = data.draw(_VALUES)
            else:
                del target[key]
        lines.append(json.dumps(item))
    path = tmp_path / "dataset.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert records_read(path, format="4cat") in (None, len(lines))
