"""wb.load on the Pushshift Telegram dataset files: hand-written messages/channels/accounts
(tests/data/pushshift, quirks listed in its README) compressed to multi-frame .ndjson.zst and
checked field by field."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest
import zstandard

import workbench as wb
from workbench.errors import WorkbenchWarning
from workbench.io import pushshift

DATA = Path(__file__).parent / "data" / "pushshift"
CHANNEL, GROUP = "telegram:1034483417", "telegram:1150000000"


def _zst(src: Path, dst: Path) -> Path:
    """Compress ``src`` as two zstandard frames, as large dumps are written."""
    raw = src.read_bytes()
    cut = raw.index(b"\n") + 1
    cctx = zstandard.ZstdCompressor(level=10)
    dst.write_bytes(cctx.compress(raw[:cut]) + cctx.compress(raw[cut:]))
    return dst


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pushshift")
    for name in ("messages", "channels", "accounts"):
        _zst(DATA / f"{name}.ndjson", folder / f"{name}.ndjson.zst")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        corpus = wb.load(folder)
    return corpus, [str(w.message) for w in caught], folder.name


def test_messages_every_field(loaded):
    corpus, _, root = loaded
    m = corpus.messages
    src = f"{root}/messages.ndjson.zst#"
    got = {r["source"]: r for r in m.to_dict("records")}
    assert set(got) == {src + "1", src + "2", src + "3", src + "5"}
    t = pd.Timestamp
    want = {
        src + "1": dict(channel_id=CHANNEL, channel="Pushshift Channel", message_id=4,
                        date=t("2017-08-28 13:05:53", tz="UTC"), text="first post", views=1034),
        src + "2": dict(channel_id=GROUP, channel="Pushshift Group", message_id=10,
                        date=t("2017-08-28 13:13:20", tz="UTC"), text="group reply",
                        author_id="telegram:555000111", reply_to=9),
        src + "3": dict(channel_id=GROUP, channel="Pushshift Group", message_id=11,
                        date=t("2017-08-28 13:30:00", tz="UTC"), text="first post",
                        author_id="telegram:555000222", fwd_from_channel_id=CHANNEL,
                        fwd_from_name="Pushshift Channel", fwd_from_message_id=4,
                        fwd_from_date=t("2017-08-28 13:05:53", tz="UTC")),
        src + "5": dict(channel_id=CHANNEL, channel="Pushshift Channel", message_id=5,
                        date=t("2017-08-28 13:10:00", tz="UTC"), text="second post", views=900),
    }
    nullable = ("author_id", "author", "fwd_from_channel_id", "fwd_from_name",
                "fwd_from_message_id", "fwd_from_date", "reply_to", "views", "forwards",
                "edited", "grouped_id", "media_type", "media_name", "media_size",
                "media_duration")
    for source, fields in want.items():
        row = got[source]
        for col, value in fields.items():
            assert row[col] == value, (source, col)
        for col in nullable:
            if col not in fields:
                assert pd.isna(row[col]), (source, col)
        assert row["mentions"] == row["links"] == row["hashtags"] == []


def test_service_rejected_channels_and_warnings(loaded):
    corpus, caught, root = loaded
    svc = corpus.service.iloc[0]
    assert (svc["channel_id"], svc["message_id"], svc["action"], svc["actor_id"]) == (
        GROUP, 12, "join_group_by_link", "telegram:555000333")
    assert corpus.rejected[["source", "reason"]].values.tolist() == [
        [f"{root}/channels.ndjson.zst#3", "no channel (an object with an integer id) in this "
                                          "record"],
        [f"{root}/messages.ndjson.zst#6", "invalid JSON on this line: unexpected end of data"]]
    ch = corpus.channels.set_index("channel_id")
    assert ch.loc[[CHANNEL, GROUP, "telegram:1200000000"], ["name", "handle", "kind"]
                  ].values.tolist() == [["Pushshift Channel", "ps_channel", "channel"],
                                        ["Pushshift Group", pd.NA, "supergroup"],
                                        ["Lone Channel", "lone_ch", "channel"]]
    assert any("2 user account record(s) not loaded" in w for w in caught)
    files = corpus.files.set_index("path")
    assert set(files["format"]) == {"pushshift"}
    assert files.loc[f"{root}/messages.ndjson.zst", ["records", "loaded", "service",
                                                      "rejected"]].tolist() == [6, 4, 1, 1]
    assert (files["records"] == files["loaded"] + files["service"] + files["rejected"]
            + files["merged"]).all()


def test_a_messages_file_under_another_name_loads_as_telethon(tmp_path):
    shutil.copy(DATA / "messages.ndjson", tmp_path / "dump.jsonl")
    assert "load it as telethon" in pushshift.sniff((DATA / "messages.ndjson").read_bytes()[:1024],
                                                    tmp_path / "dump.jsonl")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)
        renamed = wb.load(tmp_path / "dump.jsonl")
        original = wb.load(DATA / "messages.ndjson")
    assert renamed.files["format"].tolist() == ["telethon"]
    assert original.files["format"].tolist() == ["pushshift"]
    pd.testing.assert_frame_equal(renamed.messages.drop(columns="source"),
                                  original.messages.drop(columns="source"))


def test_sniff():
    assert pushshift.sniff(b'{"_": "ChatFull", "full_chat": {}}') is None
    assert pushshift.sniff(b'{"_": "User", "id": 1}') is None
    assert pushshift.sniff(b'{"_": "Message", "id": 1, "to_id": {}}',
                           Path("messages.ndjson.zst")) is None
    assert "not Pushshift" in pushshift.sniff(b'{"name": "x"}')
