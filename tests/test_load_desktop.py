"""wb.load on Telegram Desktop JSON exports: genuine samples checked field by field against
the raw files, and small hand-written exports with one quirk per record."""

from __future__ import annotations

import gzip
import json
import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import workbench as wb
from tests._loading import accounted, load_quietly
from workbench import schema
from workbench.errors import WorkbenchWarning
from workbench.ids import name_key
from workbench.io import desktop

TG2MD_OLD = "telegram-desktop/tg2md_2020-11_legacy_numeric_ids.json"
TG2MD_NEW = "telegram-desktop/tg2md_2021-07_string_ids.json"
DASHBOARD = "telegram-desktop/tele_dashboard_2022_faked_values.json"


def raw_messages(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["messages"]


def flat(text) -> str:
    """The plain text of a Desktop ``text`` value, written independently of the loader."""
    if isinstance(text, str):
        return text
    return "".join(part if isinstance(part, str) else part["text"] for part in text)


def write_export(path: Path, messages: list, *, name="Quirk Channel", type_="public_channel",
                 id_=777, indent=1, raw: str | None = None) -> Path:
    doc = {"name": name, "type": type_, "id": id_, "messages": messages}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(raw if raw is not None else json.dumps(doc, ensure_ascii=False,
                                                           indent=indent), encoding="utf-8")
    return path


def msg(id_, unix, text="", **extra):
    out = {"id": id_, "type": "message", "date": "2016-10-01T12:00:00",
           "date_unixtime": str(unix), "text": text}
    out.update(extra)
    return out


# --------------------------------------------------------------------------------------
# genuine samples
# --------------------------------------------------------------------------------------
def test_tg2md_legacy_sample_field_by_field(samples):
    path = samples / TG2MD_OLD
    raw = raw_messages(path)
    with pytest.warns(WorkbenchWarning, match=r"no date_unixtime.*read as UTC"):
        corpus = wb.load(path)
    m = corpus.messages
    raw_msgs = [r for r in raw if r["type"] == "message"]
    assert len(m) == len(raw_msgs) == 12
    assert m["message_id"].tolist() == [r["id"] for r in raw_msgs]  # already chronological
    assert set(m["channel_id"]) == {"telegram:1292077344"}  # 9882011936 = 2^33 + 1292077344
    assert set(m["channel"]) == {"test"}
    by_id = m.set_index("message_id")
    for r in raw_msgs:
        row = by_id.loc[r["id"]]
        assert row["date"] == pd.Timestamp(r["date"], tz="UTC")
        expected_text = flat(r["text"]) or None
        assert (row["text"] if row["text"] is not pd.NA else None) == expected_text
        if "edited" in r:
            assert row["edited"] == pd.Timestamp(r["edited"], tz="UTC")
        else:
            assert row["edited"] is pd.NaT
        assert row["author_id"] is pd.NA  # a channel: no signature in these posts
        assert row["fwd_from_name"] is pd.NA and row["fwd_from_channel_id"] is pd.NA
        assert row["views"] is pd.NA and row["forwards"] is pd.NA  # Desktop has none
        assert row["source"] == f"{Path(TG2MD_OLD).name}#{raw.index(r) + 1}"  # from 1
    # media: photo (a generated file name), voice message and audio file with durations
    assert by_id.loc[3, "media_type"] == "photo"
    assert by_id.loc[3, "media_name"] == "photo_1@12-11-2020_12-57-31.jpg"
    assert by_id.loc[7, "media_type"] == "voice_message"
    assert by_id.loc[7, "media_name"] == "audio_1@12-11-2020_13-01-05.ogg"
    assert by_id.loc[7, "media_duration"] == 2
    assert by_id.loc[8, "media_type"] == "audio_file"
    assert by_id.loc[8, "media_name"] == "test-sound.ogg"
    assert by_id.loc[8, "media_duration"] == 1
    assert pd.isna(by_id.loc[2, "media_type"]) and by_id.loc[2, "media_name"] is pd.NA
    # entities: a text_link's href and a plain link; an e-mail is neither
    assert by_id.loc[14, "links"] == ["http://example.com/", "example.com"]
    assert by_id.loc[14, "mentions"] == [] and by_id.loc[14, "hashtags"] == []
    # the one service record
    svc = corpus.service
    assert len(svc) == 1
    assert svc.loc[0, "action"] == "create_channel"
    assert svc.loc[0, "actor_id"] == "telegram:1292077344"
    assert svc.loc[0, "date"] == pd.Timestamp("2020-11-12T12:53:52", tz="UTC")
    ch = corpus.channels
    assert len(ch) == 1 and ch["handle"].isna().all()  # Desktop exports carry no handle
    assert ch.drop(columns="handle").to_dict("records") == [{
        "channel_id": "telegram:1292077344", "platform": "telegram", "kind": "channel",
        "name": "test", "resolved": True, "names": ["test"]}]  # every title known
    accounted(corpus)


def test_tz_shifts_local_dates_and_is_named_in_the_warning(samples):
    path = samples / TG2MD_OLD
    with pytest.warns(WorkbenchWarning, match=r"read as Europe/Moscow"):
        moscow = wb.load(path, tz="Europe/Moscow")  # UTC+3 all year since 2014
    utc = load_quietly(path)
    shift = utc.messages["date"] - moscow.messages["date"]
    assert (shift == pd.Timedelta(hours=3)).all()
    edited = (utc.messages["edited"] - moscow.messages["edited"]).dropna()
    assert len(edited) == sum("edited" in r for r in raw_messages(path))
    assert (edited == pd.Timedelta(hours=3)).all()
    offset = load_quietly(path, tz="+03:00")
    pd.testing.assert_series_equal(offset.messages["date"], moscow.messages["date"])


def test_both_tg2md_exports_merge_into_one_channel_of_18(samples, tmp_path):
    old, new = samples / TG2MD_OLD, samples / TG2MD_NEW
    folder = tmp_path / "tg2md"
    folder.mkdir()
    for path in (old, new):
        (folder / path.name).write_bytes(path.read_bytes())
    with pytest.warns(WorkbenchWarning) as record:
        both = wb.load(folder)
    assert any("merged 12 duplicate message(s) and 1 service record(s)" in str(w.message)
               for w in record)
    m = both.messages
    assert set(m["channel_id"]) == {"telegram:1292077344"}
    assert len(m) == 18
    raw_new = raw_messages(new)
    new_msgs = [r for r in raw_new if r["type"] == "message"]
    assert sorted(m["message_id"]) == sorted(r["id"] for r in new_msgs)
    # the newer export's version of every message wins: its record positions are cited
    by_id = m.set_index("message_id")
    for r in new_msgs:
        row = by_id.loc[r["id"]]
        assert row["source"] == f"tg2md/{new.name}#{raw_new.index(r) + 1}"
        assert (None if row["text"] is pd.NA else row["text"]) == (flat(r["text"]) or None)
        assert row["date"] == pd.Timestamp(r["date"], tz="UTC")
    assert by_id.loc[21, "text"] == "тестирование utf-8."
    assert by_id.loc[22, "media_type"] == "document"  # a file without media_type
    assert by_id.loc[22, "media_name"] == "dice.svg"
    assert by_id.loc[22, "edited"] == pd.Timestamp("2021-07-14T18:40:24", tz="UTC")
    files = both.files.set_index("path")
    assert files.loc[f"tg2md/{old.name}", "merged"] == 13  # 12 messages + 1 service record
    assert files.loc[f"tg2md/{old.name}", "loaded"] == 0
    assert files.loc[f"tg2md/{new.name}", "loaded"] == 18
    assert len(both.service) == 1
    assert both.service.loc[0, "source"] == f"tg2md/{new.name}#1"
    assert both.channels["channel_id"].tolist() == ["telegram:1292077344"]
    accounted(both)


def test_newest_export_wins_whatever_the_file_order(samples, tmp_path):
    # Copy the two genuine files under names that sort the newer one first.
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "1_newer.json").write_bytes((samples / TG2MD_NEW).read_bytes())
    (tmp_path / "a" / "2_older.json").write_bytes((samples / TG2MD_OLD).read_bytes())
    corpus = load_quietly(tmp_path / "a")
    assert len(corpus.messages) == 18
    assert corpus.messages["source"].str.startswith("a/1_newer.json#").all()
    assert corpus.files.set_index("path").loc["a/2_older.json", "merged"] == 13
    accounted(corpus)


def test_tele_dashboard_every_record_accounted_for(samples):
    path = samples / DASHBOARD
    raw = raw_messages(path)
    assert len(raw) == 256
    corpus = load_quietly(path)
    # 250 messages + 6 service records, every value faked: all 250 messages reuse id 69420,
    # so within this one export only the first can be message 69420; the other 249 are
    # rejected as duplicates, with their raw record kept.
    assert len(corpus.messages) == 1
    assert len(corpus.service) == 6
    assert len(corpus.rejected) == 249
    assert len(corpus.messages) + len(corpus.service) + len(corpus.rejected) == 256
    assert corpus.rejected["reason"].str.startswith("duplicate message id 69420").all()
    files = corpus.files.iloc[0]
    assert (files["records"], files["loaded"], files["service"], files["rejected"]) == (
        256, 1, 6, 249)
    first = raw[1]
    row = corpus.messages.iloc[0]
    assert row["channel_id"] == "telegram:69420"
    assert row["text"] == first["text"]
    assert row["author"] == "Joseph Joestar"
    # a sender id in a form Telegram never writes ("user000AX6969") is kept, not invented
    assert row["author_id"] == "telegram:user000AX6969"
    assert row["date"] == pd.Timestamp(0, tz="UTC")  # date_unixtime "0000000000"
    assert row["edited"] == pd.Timestamp(int(first["edited_unixtime"]), unit="s", tz="UTC")
    assert row["source"] == f"{path.name}#2"  # the second record (records count from 1)
    assert corpus.channels.loc[0, "kind"] == "group"  # private_group
    assert corpus.service["action"].tolist() == [r["action"] for r in raw
                                                 if r["type"] == "service"]
    rejected_sources = set(corpus.rejected["source"])
    dup_positions = [i for i, r in enumerate(raw) if r["type"] == "message"][1:]
    assert rejected_sources == {f"{path.name}#{i + 1}" for i in dup_positions}
    # the raw excerpt is the record itself
    assert json.loads(corpus.rejected.loc[0, "raw"]) == raw[dup_positions[0]]


def test_dashboard_mention_entities_and_replies(samples, tmp_path):
    raw = raw_messages(samples / DASHBOARD)
    with_mention = next(r for r in raw if r["type"] == "message" and any(
        e["type"] == "mention" for e in r["text_entities"]))
    handle = next(e["text"] for e in with_mention["text_entities"] if e["type"] == "mention")
    reply = next(r for r in raw if "reply_to_message_id" in r)
    # the file reuses one id for everything: give the two records their own ids
    records = [dict(with_mention, id=1), dict(reply, id=2)]
    corpus = wb.load(write_export(tmp_path / "one.json", records, type_="private_group",
                                  id_=69420))
    m = corpus.messages.set_index("message_id")
    assert m.loc[1, "mentions"] == [handle.lstrip("@")]
    assert m.loc[1, "text"] == flat(with_mention["text"])
    assert m.loc[2, "reply_to"] == reply["reply_to_message_id"]


# --------------------------------------------------------------------------------------
# hand-written exports, one quirk per record
# --------------------------------------------------------------------------------------
QUIRKS = [
    # plain string text with an @mention, a t.me link and a hashtag in the text itself
    msg(1, 1475323200, "Join @alpha_news at https://t.me/alpha_news #Breaking"),
    # list text mixing strings and entity objects (mention, text_link, hashtag, bold)
    msg(2, 1475323260, ["read ", {"type": "bold", "text": "this"}, " from ",
                        {"type": "mention", "text": "@beta_news"}, " ",
                        {"type": "text_link", "text": "here", "href": "https://example.org/a"},
                        " ", {"type": "hashtag", "text": "#tag"}]),
    # forward from a channel exported in the same load (resolved by its name)
    msg(3, 1475323320, "forwarded", forwarded_from="Other  CHANNEL"),
    # forward from a source not in the load (unresolved: name kept, id null)
    msg(4, 1475323380, "forwarded too", forwarded_from="Unseen Source"),
    # service record: pinned message
    {"id": 5, "type": "service", "date": "2016-10-01T12:06:00", "date_unixtime": "1475323560",
     "actor": "Quirk Channel", "actor_id": "channel777", "action": "pin_message",
     "message_id": 2, "text": ""},
    # unsupported record
    {"id": 6, "type": "unsupported", "date": "2016-10-01T12:07:00",
     "date_unixtime": "1475323620"},
    # omitted keys: no text at all, no from
    {"id": 7, "type": "message", "date_unixtime": "1475323680"},
    # reply, edit, signature, video with duration and a file not downloaded
    msg(8, 1475323740, "reply", reply_to_message_id=2, edited_unixtime="1475323800",
        author="Editor Name", file="(File not included. Change data exporting settings to "
        "download.)", media_type="video_file", mime_type="video/mp4", duration_seconds=31),
    # a message without id (unreadable)
    {"type": "message", "date_unixtime": "1475323860", "text": "no id"},
    # a message whose text is a number (wrong type)
    msg(10, 1475323920, 12345),
    # a message without any date
    {"id": 11, "type": "message", "text": "no date"},
    # a newer export's forwarded_from_id
    msg(12, 1475323980, "fwd with id", forwarded_from="Gamma", forwarded_from_id="channel555"),
]


@pytest.fixture
def quirk_folder(tmp_path) -> Path:
    folder = tmp_path / "exports"
    write_export(folder / "ChatExport_1" / "result.json", QUIRKS)
    write_export(folder / "ChatExport_2" / "result.json",
                 [msg(1, 1475300000, "hello from the other channel")],
                 name="Other Channel", id_=888)
    # photos and the like are not data: skipped, never rejected
    (folder / "ChatExport_1" / "photos").mkdir()
    (folder / "ChatExport_1" / "photos" / "photo_1.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    return folder


def test_quirks_one_per_record(quirk_folder):
    corpus = load_quietly(quirk_folder)
    m = corpus.messages[corpus.messages["channel_id"] == "telegram:777"].set_index("message_id")
    assert sorted(m.index) == [1, 2, 3, 4, 7, 8, 12]
    # 1: entities found in plain text
    assert m.loc[1, "mentions"] == ["alpha_news"]
    assert m.loc[1, "links"] == ["https://t.me/alpha_news"]
    assert m.loc[1, "hashtags"] == ["Breaking"]
    # 2: list text flattened, entities taken from the objects
    assert m.loc[2, "text"] == "read this from @beta_news here #tag"
    assert m.loc[2, "mentions"] == ["beta_news"]
    assert m.loc[2, "links"] == ["https://example.org/a"]
    assert m.loc[2, "hashtags"] == ["tag"]
    # 3: resolved forward (names compared normalised)
    assert m.loc[3, "fwd_from_name"] == "Other  CHANNEL"
    assert m.loc[3, "fwd_from_channel_id"] == "telegram:888"
    # 4: unresolved forward
    assert m.loc[4, "fwd_from_name"] == "Unseen Source"
    assert m.loc[4, "fwd_from_channel_id"] is pd.NA
    # 7: omitted keys are nulls
    assert m.loc[7, "text"] is pd.NA and m.loc[7, "author"] is pd.NA
    assert m.loc[7, "mentions"] == [] and m.loc[7, "links"] == []
    # 8: reply, edit, signature, media whose file was not exported
    assert m.loc[8, "reply_to"] == 2
    assert m.loc[8, "edited"] == pd.Timestamp(1475323800, unit="s", tz="UTC")
    assert m.loc[8, "author"] == "Editor Name" and m.loc[8, "author_id"] is pd.NA
    assert m.loc[8, "media_type"] == "video_file"
    assert m.loc[8, "media_name"] is pd.NA
    assert m.loc[8, "media_duration"] == 31
    # 12: forwarded_from_id used directly
    assert m.loc[12, "fwd_from_channel_id"] == "telegram:555"
    assert m.loc[12, "fwd_from_name"] == "Gamma"
    # service and rejected records, with reasons and positions
    assert corpus.service[["message_id", "action", "actor_id"]].to_dict("records") == [
        {"message_id": 5, "action": "pin_message", "actor_id": "telegram:777"}]
    rejected = dict(zip(corpus.rejected["source"], corpus.rejected["reason"]))
    base = "exports/ChatExport_1/result.json#"
    assert set(rejected) == {base + "6", base + "9", base + "10", base + "11"}  # from 1
    assert rejected[base + "6"].startswith("unsupported record")
    assert rejected[base + "9"] == "no message id"
    assert rejected[base + "10"].startswith("text is of type int")
    assert rejected[base + "11"] == "no date"
    # channels: both exports, the unresolved source by name, the id-only source
    ch = corpus.channels.set_index("channel_id")
    assert ch.loc["telegram:name:unseen source", "resolved"] == False  # noqa: E712
    assert ch.loc["telegram:name:unseen source", "name"] == "Unseen Source"
    assert ch.loc["telegram:555", "name"] == "Gamma"
    assert ch.loc["telegram:888", "kind"] == "channel"
    assert "telegram:name:other channel" not in ch.index
    assert len(corpus.files) == 2  # the photo was skipped
    accounted(corpus)


def test_every_forward_keeps_its_name(quirk_folder):
    m = load_quietly(quirk_folder).messages
    forwards = m[m["fwd_from_channel_id"].notna() | m["fwd_from_name"].notna()]
    assert forwards["fwd_from_name"].notna().all()
    assert (m["fwd_from_name"] != "").all() and (m["text"].dropna() != "").all()


def test_hex_escape_repaired_and_message_kept(tmp_path):
    # "\x0b" (a control character as Desktop writes it) is invalid JSON; "\\x41" is a
    # literal backslash followed by "x41" and must stay as it is.
    body = json.dumps({"name": "Hex", "type": "public_channel", "id": 5, "messages": [
        msg(1, 1475323200, "PLACEHOLDER_A"), msg(2, 1475323260, "PLACEHOLDER_B")]}, indent=1)
    body = body.replace("PLACEHOLDER_A", "bell\\x07 and tab\\x0b").replace(
        "PLACEHOLDER_B", "path C:\\\\x41")
    for name, text in (("pretty.json", body), ("minified.json", body.replace("\n", ""))):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(json.JSONDecodeError):
            json.loads(text)
        m = wb.load(path).messages
        assert m["text"].tolist() == ["bell\x07 and tab\x0b", "path C:\\x41"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b"\\", b"x", b"0", b"b", b"F", b"g", b"\"", b"a", b"\xc3\xa9"]),
                max_size=40))
@example([b"\\", b"\\", b"x", b"0", b"b"])      # an escaped backslash, then plain x0b
@example([b"\\", b"\\", b"\\", b"x", b"F", b"F"])  # an escaped backslash, then \xFF
@example([b"\\", b"x", b"0", b"g", b"\\", b"x"])   # not hex; a lone \x at the end
def test_hex_escape_repair_matches_the_regex_definition(parts):
    # The definition: \xHH preceded by an even run of backslashes is an escape. The fast
    # scan must agree with this regex on every byte string.
    import re

    data = b"".join(parts)
    reference = re.compile(rb"(?<!\\)((?:\\\\)*)\\x([0-9A-Fa-f]{2})")
    expected, count = reference.subn(rb"\1\\u00\2", data)
    assert desktop.repair_hex_escapes(data) == (expected, count)
    assert desktop.repair_hex_escapes(bytearray(data)) == (expected, count)


def test_full_account_export_with_chats_and_left_chats(tmp_path):
    doc = {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": 1, "first_name": "A"},
        "contacts": {"about": "...", "list": []},
        "chats": {"about": "...", "list": [
            {"name": "News One", "type": "public_channel", "id": 101,
             "messages": [msg(1, 1475323200, "one"), msg(2, 1475323260, "two")]},
            {"name": "A Friend", "type": "personal_chat", "id": 4242,
             "messages": [msg(9, 1475323300, "hi", **{"from": "A Friend",
                                                      "from_id": "user4242"})]},
            {"name": "Big Group", "type": "private_supergroup", "id": 303,
             "messages": [msg(5, 1475323400, "sup", **{"from": "Bob", "from_id": "user77"}),
                          msg(6, 1475323500, "fwd", forwarded_from="News One")]},
        ]},
        "left_chats": {"about": "...", "list": [
            {"name": "Old Group", "type": "private_group", "id": 404,
             "messages": [msg(3, 1475323600, "bye", **{"from": "Eve", "from_id": 4294967373})]},
        ]},
    }
    for indent in (1, None):
        path = tmp_path / f"result_{indent}.json"
        path.write_text(json.dumps(doc, indent=indent), encoding="utf-8")
        corpus = wb.load(path)
        ch = corpus.channels.set_index("channel_id")
        assert ch.loc[["telegram:101", "telegram:4242", "telegram:303", "telegram:404"],
                      "kind"].tolist() == ["channel", "account", "supergroup", "group"]
        m = corpus.messages.set_index(["channel_id", "message_id"])
        assert m.loc[("telegram:303", 5), "author_id"] == "telegram:77"
        assert m.loc[("telegram:303", 5), "author"] == "Bob"
        assert m.loc[("telegram:404", 3), "author_id"] == "telegram:77"  # 2^32 + 77
        assert m.loc[("telegram:303", 6), "fwd_from_channel_id"] == "telegram:101"
        # the 2nd message of the 1st chat, the 1st message of the 1st left chat
        assert m.loc[("telegram:101", 2), "source"] == f"{path.name}#chats/1/2"
        assert m.loc[("telegram:404", 3), "source"] == f"{path.name}#left_chats/1/1"
        assert len(corpus.messages) == 6
        accounted(corpus)


def test_legacy_integer_ids_and_string_ids_agree(tmp_path):
    legacy = write_export(tmp_path / "old.json", [
        msg(1, 1475323200, "a", **{"from": "X", "from_id": (1 << 33) + 12345})],
        id_=(1 << 33) + 12345, type_="private_supergroup")
    modern = write_export(tmp_path / "new" / "new.json", [
        msg(2, 1475323300, "b", **{"from": "X", "from_id": "channel12345"})],
        id_=12345, type_="private_supergroup")
    a, b = wb.load(legacy).messages, wb.load(modern).messages
    assert a.loc[0, "channel_id"] == b.loc[0, "channel_id"] == "telegram:12345"
    assert a.loc[0, "author_id"] == b.loc[0, "author_id"] == "telegram:12345"


def test_local_date_without_unixtime_warns_once_per_file(tmp_path):
    records = [{"id": i, "type": "message", "date": f"2016-10-01T1{i}:00:00", "text": "x",
                "edited": f"2016-10-01T1{i}:30:00"} for i in range(3)]
    path = write_export(tmp_path / "old.json", records)
    with pytest.warns(WorkbenchWarning) as record:
        corpus = wb.load(path, tz="+03:00")
    assumed = [w for w in record if "read as" in str(w.message)]
    assert len(assumed) == 1
    assert "old.json" in str(assumed[0].message) and "UTC+03:00" in str(assumed[0].message)
    assert corpus.messages["date"].tolist() == [
        pd.Timestamp(f"2016-10-01T1{i}:00:00+03:00") for i in range(3)]
    assert corpus.messages.loc[0, "edited"] == pd.Timestamp("2016-10-01T10:30:00+03:00")


def test_no_warning_when_unixtime_present(tmp_path):
    path = write_export(tmp_path / "x.json", [msg(1, 1475323200, "x")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wb.load(path)


def test_gzip_and_zstd_exports(tmp_path):
    import zstandard

    body = json.dumps({"name": "Z", "type": "public_channel", "id": 9,
                       "messages": [msg(1, 1475323200, "compressed")]}, indent=1).encode()
    (tmp_path / "a.json.gz").write_bytes(gzip.compress(body, mtime=0))
    (tmp_path / "b.json.zst").write_bytes(zstandard.ZstdCompressor().compress(body))
    (tmp_path / "c.data").write_bytes(gzip.compress(body, mtime=0))  # content, not name
    for name in ("a.json.gz", "b.json.zst", "c.data"):
        corpus = wb.load(tmp_path / name)
        assert corpus.messages["text"].tolist() == ["compressed"]
        assert corpus.files.loc[0, "size"] == (tmp_path / name).stat().st_size
        import hashlib

        assert corpus.files.loc[0, "sha256"] == hashlib.sha256(
            (tmp_path / name).read_bytes()).hexdigest()


def test_streamed_and_whole_parse_agree(tmp_path, monkeypatch):
    records = [msg(i, 1475323200 + i * 60, f"text {i} @handle_{i % 7} #t{i % 3}",
                   forwarded_from="Src" if i % 4 == 0 else None) for i in range(1, 2001)]
    for r in records:
        if r["forwarded_from"] is None:
            del r["forwarded_from"]
    pretty = write_export(tmp_path / "p" / "result.json", records, indent=1)
    mini = write_export(tmp_path / "m" / "result.json", records, indent=None)
    monkeypatch.setattr(desktop, "BATCH_BYTES", 4096)  # many batches
    a, b = wb.load(pretty), wb.load(mini)
    pd.testing.assert_frame_equal(a.messages, b.messages)
    assert len(a.messages) == 2000
    assert a.messages["mentions"].iloc[6] == ["handle_0"]


def test_messages_sorted_and_validated(quirk_folder):
    m = load_quietly(quirk_folder).messages
    assert isinstance(m.index, pd.RangeIndex)
    key = list(zip(m["date"], m["channel_id"], m["message_id"]))
    assert key == sorted(key)
    schema.validate(m, "messages")
    for col in schema.LIST_COLUMNS:
        assert all(isinstance(v, list) for v in m[col])


def test_channel_labels_joined_and_unmatched_named(quirk_folder, tmp_path):
    labels = pd.DataFrame({
        "channel_id": ["telegram:777", None, None, "telegram:999"],
        "handle": [None, None, None, None],
        "name": [None, "other channel", "Unseen Source", None],
        "group": ["official", "control", "unknown-source", "nobody"],
        "score": [1, 2, 3, 4],
    })
    with pytest.warns(WorkbenchWarning, match=r"1 channel label row\(s\) matched no channel.*"
                                              r"telegram:999"):
        corpus = wb.load(quirk_folder, channels=labels)
    ch = corpus.channels.set_index("channel_id")
    assert ch.loc["telegram:777", "group"] == "official"
    assert ch.loc["telegram:888", "group"] == "control"
    assert ch.loc["telegram:name:unseen source", "group"] == "unknown-source"
    assert ch.loc["telegram:555", "group"] is pd.NA
    assert ch.loc["telegram:555", "score"] is pd.NA  # NA, never NaN
    assert list(corpus.channels.columns[-2:]) == ["group", "score"]
    m = corpus.messages
    assert (m.loc[m["channel_id"] == "telegram:777", "group"] == "official").all()
    # a CSV path works the same, with a handle filling the channel's missing handle
    csv = tmp_path / "labels.csv"
    csv.write_text("handle,channel_id,group\n@quirky,777,official\n", encoding="utf-8")
    again = load_quietly(quirk_folder, channels=csv)
    row = again.channels.set_index("channel_id").loc["telegram:777"]
    assert row["handle"] == "quirky" and row["group"] == "official"


def test_progress_bar_off_by_env_and_on_when_asked(quirk_folder, monkeypatch, capsys):
    monkeypatch.setenv("WORKBENCH_PROGRESS", "0")
    load_quietly(quirk_folder, progress=True)
    assert "loading" not in capsys.readouterr().err
    monkeypatch.setenv("WORKBENCH_PROGRESS", "1")
    load_quietly(quirk_folder, progress=True)
    assert "loading" in capsys.readouterr().err
    load_quietly(quirk_folder, progress=False)
    assert "loading" not in capsys.readouterr().err
    load_quietly(quirk_folder)  # default: only for loads over a second
    assert "loading" not in capsys.readouterr().err


def test_sources_carry_no_local_paths(quirk_folder):
    corpus = load_quietly(quirk_folder)
    root = str(quirk_folder.parent)
    for table in (corpus.messages, corpus.rejected, corpus.service):
        assert not table["source"].str.contains(root, regex=False).any()
        assert table["source"].str.startswith("exports/").all()
    assert corpus.files["path"].tolist() == ["exports/ChatExport_1/result.json",
                                             "exports/ChatExport_2/result.json"]


def test_sniff_by_content():
    assert desktop.sniff(b'{\n "name": "x",\n "type": "public_channel",\n "id": 1,\n '
                         b'"messages": [', None) is None
    assert desktop.sniff(b'{\n "about": "Here is the data you requested.",\n '
                         b'"personal_information": {', None) is None
    assert desktop.sniff(b'{"_": "messages.ChannelMessages", "messages": []}', None)
    assert desktop.sniff(b"<!DOCTYPE html>", None) == "markup (HTML/XML), not JSON"


def test_load_fixtures_loads_every_channel_with_labels(fixtures_dir, truth):
    if not (fixtures_dir / "telegram").is_dir():
        pytest.skip("fixtures not generated yet (python -m workbench.synth)")
    corpus = wb.load_fixtures()
    assert len(corpus.rejected) == 0
    assert corpus.messages["channel_id"].nunique() == len(truth["channels"])
    ch = corpus.channels.set_index("channel_id")
    for c in truth["channels"]:
        assert ch.loc[c["channel_id"], "group"] == c["group"]
        assert ch.loc[c["channel_id"], "lang"] == c["lang"]
        assert ch.loc[c["channel_id"], "handle"] == c["handle"]
    keys = corpus.messages["fwd_from_name"].dropna().map(name_key)
    unresolved = corpus.messages["fwd_from_channel_id"].isna()
    for src in truth["unresolved_sources"]:
        assert ch.loc[src["channel_id"], "resolved"] == False  # noqa: E712
        assert (keys[unresolved] == src["channel_id"]).sum() == src["forwards"]
    # every forward names its source; resolved ones name a channel of the load
    m = corpus.messages
    fwd = m[m["fwd_from_name"].notna()]
    assert fwd["fwd_from_channel_id"].dropna().isin(ch.index).all()
    accounted(corpus)
