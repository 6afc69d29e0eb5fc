"""wb.load on telegram-tracker output: the hand-written msgs_dataset.csv, collected_chats.csv
and <channel>_messages.json of tests/data/tracker (quirks listed in its README) checked field
by field, and the round trip against the Desktop export of the same world."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import workbench as wb
from tests._loading import (CHANNEL, GROUP, SOURCE, accounted, assert_columns_agree,
                            assert_rows, expected, load_quietly, load_world, records_read,
                            rows_by_source, sorted_messages)
from workbench.errors import LoadError, WorkbenchWarning
from workbench.io import tracker
from workbench.synth._tracker import write_tracker, write_tracker_json

DATA = Path(__file__).parent / "data" / "tracker"


# The CSV read alone: no titles known, so channel and fwd_from_name stay null; views and
# number_forwards are 0 where the tool wrote 0 for "none".
C = "msgs_dataset.csv#"
CSV = {
    C + "2": expected(C + "2", 201, "2022-02-24T05:00:12+00:00", text="Plain tracker post",
                      views=4100, forwards=33),
    C + "3": expected(C + "3", 202, "2022-02-24T06:00:00+00:00", text="Forwarded", views=0,
                      forwards=0, fwd_from_channel_id=SOURCE, fwd_from_message_id=88,
                      fwd_from_date="2022-02-23T20:15:00+00:00"),
    C + "4": expected(C + "4", 203, "2022-02-24T07:00:00+00:00", text="Hidden forward",
                      views=0, forwards=0, fwd_from_date="2022-02-22T10:00:00+00:00"),
    C + "5": expected(C + "5", 204, "2022-02-24T08:00:00+00:00", text="Reply", views=0,
                      forwards=0, reply_to=201),
    C + "6": expected(C + "6", 205, "2022-02-24T09:00:00+00:00",
                      text='Line one, "quoted"\nline two @mentioned_ch\n#tagged', views=0,
                      forwards=0, mentions=["mentioned_ch"], hashtags=["tagged"]),
    C + "9": expected(C + "9", 206, "2022-02-24T10:00:00+00:00", text="See the article",
                      views=0, forwards=0, links=["https://www.example.org/article"]),
    C + "10": expected(C + "10", 207, "2022-02-24T11:00:00+00:00", text="Video", views=0,
                       forwards=0, media_type="video_file", media_name="clip.mp4",
                       media_duration=12),
    C + "11": expected(C + "11", 208, "2022-02-24T12:00:00+00:00", views=0, forwards=0,
                       media_type="voice_message"),
    C + "12": expected(C + "12", 209, "2022-02-24T13:00:00+00:00", text="Newer date format",
                       views=0, forwards=0),
    C + "13": expected(C + "13", 210, "2022-02-24T14:00:00+00:00", text="Photo", views=0,
                       forwards=0, media_type="photo"),
    C + "14": expected(C + "14", 3, "2022-02-24T15:00:00+00:00", channel_id=GROUP,
                       text="group says hi", views=0, forwards=0,
                       author_id="telegram:555000111"),
    C + "17": expected(C + "17", 213, "2022-02-24T16:00:00+00:00", views=0, forwards=0,
                       media_type="poll"),
}
CSV_REJECTED = [
    [C + "15", f"duplicate message id 201 within one export of {CHANNEL} (the first is kept)"],
    [C + "16", "date 'not a date' is not a date-time"],
    [C + "18", "4 fields where the header has 49"],
]


def test_msgs_dataset_every_field_of_every_row():
    with pytest.warns(WorkbenchWarning, match="1 forwarded message.*is_forward=1 but no source"):
        corpus = wb.load(DATA / "msgs_dataset.csv")
    assert_rows(corpus, CSV)
    assert corpus.rejected[["source", "reason"]].values.tolist() == CSV_REJECTED
    assert len(corpus.service) == 0  # the tool writes no service records to the CSV
    channels = corpus.channels.set_index("channel_id")
    assert channels.loc[CHANNEL, "handle"] == "quirk_channel"    # channel_name is a username
    assert channels.loc[SOURCE, "handle"] == "source_channel"    # forward_msg_from_peer_name
    assert channels.loc[GROUP, "kind"] == "supergroup"
    assert channels["name"].isna().all()                         # no titles in the CSV
    accounted(corpus)
    assert corpus.files[["records", "loaded", "rejected"]].iloc[0].tolist() == [15, 12, 3]


def test_the_whole_output_folder_names_channels_and_sources():
    """collected_chats.csv gives titles: they name the channels and the forward source."""
    corpus = load_quietly(DATA)
    m = corpus.messages.set_index("source")
    assert m.loc["tracker/" + C + "3", "fwd_from_name"] == "Source Channel"
    assert m.loc["tracker/" + C + "2", "channel"] == "Quirk Channel"
    assert m.loc["tracker/" + C + "14", "channel"] == "Quirk Group"
    assert corpus.files.set_index("path").loc["tracker/collected_chats.csv", "records"] == 0
    ch = corpus.channels.set_index("channel_id")
    assert ch.loc[[CHANNEL, SOURCE, GROUP], "name"].tolist() == [
        "Quirk Channel", "Source Channel", "Quirk Group"]
    assert ch.loc[[CHANNEL, SOURCE, GROUP], "kind"].tolist() == ["channel", "channel",
                                                                 "supergroup"]
    accounted(corpus)


J = "quirk_channel_messages.json#"  # positions in the messages list, from 1
JSON = {
    J + "1": expected(J + "1", 303, "2022-02-25T10:00:00+00:00", channel="Quirk Channel",
                      text="fwd", views=10, forwards=1, fwd_from_channel_id=SOURCE,
                      fwd_from_name="Source Channel", fwd_from_message_id=90,
                      fwd_from_date="2022-02-25T09:00:00+00:00"),
    J + "2": expected(J + "2", 302, "2022-02-25T09:30:00+00:00", channel="Quirk Channel",
                      text="signed", views=10, forwards=1, author_id="telegram:555000111",
                      author="Abu Example"),
    J + "4": expected(J + "4", 300, "2022-02-25T08:00:00+00:00", channel="Quirk Channel",
                      text="photo", views=10, forwards=1, media_type="photo", media_size=5000),
}


def test_channel_messages_json_every_field():
    corpus = load_quietly(DATA / "quirk_channel_messages.json")
    got = rows_by_source(corpus.messages)
    assert got == JSON
    svc = corpus.service.iloc[0]
    assert (svc["message_id"], svc["action"], svc["actor_id"], svc["actor"], svc["text"],
            svc["source"]) == (301, "edit_group_title", CHANNEL, "Quirk Channel",
                               "Quirk Channel", J + "3")
    ch = corpus.channels.set_index("channel_id")
    # the source's chat has username null and its handle in the newer "usernames" list
    assert ch.loc[SOURCE, ["name", "handle", "kind"]].tolist() == [
        "Source Channel", "source_channel", "channel"]
    assert corpus.files["format"].tolist() == ["telegram-tracker"]
    accounted(corpus)


def test_sniff_and_header_checks(tmp_path):
    header = ",".join(tracker.MESSAGE_COLUMNS).encode()
    assert len(tracker.MESSAGE_COLUMNS) == 49
    assert tracker.sniff(header + b"\n") is None
    assert tracker.sniff(b"_,id,title,date,username\n") is None           # collected_chats
    assert tracker.sniff(b'{"_":"messages.ChannelMessages","pts":1') is None
    assert "not a telegram-tracker" in tracker.sniff(b'{"_": "Message", "id": 1}')
    assert "not a telegram-tracker CSV" in tracker.sniff(b"name,username,tweets\n")
    odd = tmp_path / "other.csv"
    odd.write_text("id,text\n1,hi\n")
    with pytest.raises(LoadError, match="none of telegram-tracker's columns"):
        wb.load(odd, format="telegram-tracker")


# --------------------------------------------------------------------------------------
# round trip
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module", params=[(2016, 0.08), (11, 0.05)], ids=["seed2016", "seed11"])
def world_loads(request, tmp_path_factory):
    seed, scale = request.param
    return load_world(tmp_path_factory, "tracker", seed, scale,
                      {"csv": write_tracker, "json": write_tracker_json})[2]


def test_roundtrip_json_agrees_with_desktop(world_loads):
    a, b = sorted_messages(world_loads["telegram"]), sorted_messages(world_loads["json"])
    assert len(a) == len(b) > 200 and len(world_loads["json"].rejected) == 0
    assert_columns_agree(a, b, ("channel_id", "channel", "message_id", "date", "text",
                                "fwd_from_channel_id", "fwd_from_name", "reply_to", "edited",
                                "media_type", "media_duration"), ("mentions", "links", "hashtags"))
    svc = ["channel_id", "message_id", "date", "action"]
    pd.testing.assert_frame_equal(
        world_loads["telegram"].service[svc].sort_values(svc[:2], ignore_index=True),
        world_loads["json"].service[svc].sort_values(svc[:2], ignore_index=True))


def test_roundtrip_csv_agrees_with_desktop_where_the_csv_has_the_field(world_loads):
    a, b = sorted_messages(world_loads["telegram"]), sorted_messages(world_loads["csv"])
    assert len(a) == len(b) > 200 and len(world_loads["csv"].rejected) == 0
    assert_columns_agree(a, b, ("channel_id", "channel", "message_id", "date", "text",
                                "fwd_from_channel_id", "reply_to", "media_type"),
                         ("mentions", "hashtags"))
    # forward names: titles from collected_chats.csv; a source the tool cannot name is lost
    named = b["fwd_from_name"].notna()
    assert (a.loc[named, "fwd_from_name"] == b.loc[named, "fwd_from_name"]).all()
    lost = a["fwd_from_name"].notna() & b["fwd_from_name"].isna()
    assert (a.loc[lost, "fwd_from_channel_id"].isna()).all()  # only unresolved sources
    # video durations survive (document_video_duration); links: t.me ones and previews
    video = a["media_type"].astype(str) == "video_file"
    assert video.any()
    assert (a.loc[video, "media_duration"] == b.loc[video, "media_duration"]).all()
    for x, y, text in zip(a["links"], b["links"], a["text"].fillna("")):
        assert set(y) <= set(x)
        # t.me links written in the text (a text link's target is not in the CSV)
        assert [v for v in x if ".me/" in v and v in text] == [v for v in y if ".me/" in v]


# --------------------------------------------------------------------------------------
# fuzzing: damaged rows are rejected or loaded, never lost, never a crash
# --------------------------------------------------------------------------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_CSV_LINES = (DATA / "msgs_dataset.csv").read_text(encoding="utf-8").split("\n")


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
          max_examples=40, deadline=None)
@given(data=st.data())
def test_fuzzed_csv_rows_are_loaded_or_rejected(tmp_path, data):
    import csv
    import io

    rows = list(csv.reader(io.StringIO("\n".join(_CSV_LINES))))
    header, body = rows[0], [r for r in rows[1:] if len(r) == len(rows[0])]
    picked = data.draw(st.lists(st.sampled_from(body), min_size=1, max_size=4))
    junk = st.one_of(st.text(max_size=12), st.sampled_from(["", "nan", "1e400", "-1", "1.5",
                                                            "2022-13-45 99:99:99", "True"]))
    mutated = []
    for row in picked:
        row = list(row)
        for _ in range(data.draw(st.integers(1, 3))):
            row[data.draw(st.integers(0, len(row) - 1))] = data.draw(junk)
        mutated.append(row)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *mutated])
    text = buf.getvalue()
    if data.draw(st.booleans()):
        text = text[: data.draw(st.integers(len(text) // 2, len(text)))]
    path = tmp_path / "msgs_dataset.csv"
    path.write_text(text, encoding="utf-8")
    read = records_read(path, format="telegram-tracker")
    if read is not None:
        # A blank row is no record: an empty line (a lone "\r" cell that truncation leaves
        # on its own line reads as one) or a single empty field; the loader skips both.
        assert read == sum(1 for r in csv.reader(io.StringIO(text)) if r and r != [""]) - 1
