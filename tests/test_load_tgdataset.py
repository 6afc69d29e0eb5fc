"""TGDataset files (own fixtures in its layout, built here; none of the dataset's files)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

import workbench as wb
from workbench.errors import LoadError
from workbench.io.tgdataset import MEDIA_TYPES, read_tgdataset_labels
from workbench.synth._tgdataset import tgdataset_channel

ROOT = Path(__file__).resolve().parents[1]
T0 = 1_600_000_000.0


def _msg(text, date, *, fwd=False, src=None, fdate=None, author=None):
    return {"message": text, "date": date, "author": author, "is_forwarded": fwd,
            "forwarded_from_id": src, "forwarded_message_date": fdate}


def _media(media_id, date, ext=".jpg", *, fwd=False, src=None, fdate=None):
    return {"title": None, "media_id": media_id, "date": date, "author": None,
            "extension": ext, "is_forwarded": fwd, "forwarded_from_id": src,
            "forwarded_message_date": fdate}


def _load(path, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        corpus = wb.load(path, progress=False, **kw)
    return corpus, [str(w.message) for w in caught]


@pytest.fixture()
def small(tmp_path):
    doc = {
        "1001": tgdataset_channel(
            title="Alpha", username="alpha", created=T0 - 86400, subscribers=321, scam=True,
            text_messages={
                "1": _msg("plain text", T0),
                "2": _msg("a caption", T0 + 60),
                "4": _msg("forwarded, source hidden", T0 + 180, fwd=True, fdate=T0 - 500),
                "5": _msg("forwarded from beta", T0 + 240, fwd=True, src=1002, fdate=T0 - 50),
                "x": _msg("odd key", T0 + 300),
                "6": _msg("no usable date", "soon"),
            },
            generic_media={"2": _media("FILEID-2", T0 + 60),
                           "3": _media("FILEID-3", T0 + 120, ".mp4"),
                           "7": "not an object"}),
        "1002": tgdataset_channel(title="Beta", username=None, created=None, verified=True,
                                  text_messages={"9": _msg("beta post", T0 - 50)}),
    }
    path = tmp_path / "TGDataset_1.json"
    path.write_text(json.dumps(doc))
    return path, doc


def test_messages_captions_forwards_and_every_record(small):
    path, doc = small
    corpus, warned = _load(path)
    m = corpus.messages.set_index(["channel_id", "message_id"])
    a = "telegram:1001"
    # 10 entries, one text/media pair: 9 records, 3 of them rejected
    assert sorted(m.loc[a].index) == [1, 2, 3, 4, 5]
    row = corpus.files.iloc[0]
    assert (row["records"], row["loaded"], row["rejected"]) == (9, 6, 3)
    # the captioned photo: one message with both halves
    two = m.loc[(a, 2)]
    assert two["text"] == "a caption" and two["media_name"] == "FILEID-2"
    assert two["media_type"] == MEDIA_TYPES[".jpg"] == "photo"
    assert m.loc[(a, 3), "media_type"] == "video_file" and pd.isna(m.loc[(a, 3), "text"])
    # a forward whose source TGDataset does not know is still a forward
    four = m.loc[(a, 4)]
    assert pd.isna(four["fwd_from_channel_id"]) and pd.isna(four["fwd_from_name"])
    assert four["fwd_from_date"] == pd.Timestamp(T0 - 500, unit="s", tz="UTC")
    assert any("no forwarded_from_id" in w for w in warned)
    five = m.loc[(a, 5)]
    assert five["fwd_from_channel_id"] == "telegram:1002" and five["fwd_from_name"] == "Beta"
    assert pd.isna(m.loc[(a, 1), "fwd_from_date"])
    rejected = dict(zip(corpus.rejected["source"], corpus.rejected["reason"]))
    assert set(rejected) == {"TGDataset_1.json#1001/text_messages/x",
                             "TGDataset_1.json#1001/text_messages/6",
                             "TGDataset_1.json#1001/generic_media/7"}
    assert "not an integer" in rejected["TGDataset_1.json#1001/text_messages/x"]
    assert "date" in rejected["TGDataset_1.json#1001/text_messages/6"]
    assert m.loc[(a, 2), "source"] == "TGDataset_1.json#1001/text_messages/2+media"


def test_channel_metadata(small):
    path, _ = small
    corpus, _ = _load(path)
    ch = corpus.channels.set_index("channel_id")
    assert ch.loc["telegram:1001", ["name", "handle"]].tolist() == ["Alpha", "alpha"]
    assert ch.loc["telegram:1001", "subscribers"] == 321
    assert bool(ch.loc["telegram:1001", "scam"]) and not bool(ch.loc["telegram:1001",
                                                                       "verified"])
    assert ch.loc["telegram:1001", "created"] == pd.Timestamp(T0 - 86400, unit="s", tz="UTC")
    assert bool(ch.loc["telegram:1002", "verified"]) and pd.isna(ch.loc["telegram:1002",
                                                                          "created"])
    assert str(ch["subscribers"].dtype) == "Int64"


def test_same_media_id_joins_a_crossposting_cluster(tmp_path):
    texts = {str(i): _msg(f"unrelated chatter number {i} " * 3, T0 + i * 3600)
             for i in range(1, 30)}
    doc = {str(cid): tgdataset_channel(
        title=f"C{cid}", username=None, created=None, text_messages=dict(texts),
        generic_media={"100": _media("AgADSHAREDFILE", T0 + 40 * 3600 + k * 600),
                       "101": _media(f"AgADOWN{cid}", T0 + 41 * 3600)})
        for k, cid in enumerate((2001, 2002, 2003))}
    for cid in ("2001", "2002", "2003"):  # every channel's chatter differs
        doc[cid]["text_messages"] = {k: _msg(f"{cid} says {v['message']}", v["date"])
                                     for k, v in texts.items()}
    path = tmp_path / "t.json"
    path.write_text(json.dumps(doc))
    corpus, _ = _load(path)
    clusters = wb.crosspost.find_crossposts(corpus.messages)
    shared = clusters[clusters["message_id"] == 100]
    assert sorted(shared["channel_id"]) == ["telegram:2001", "telegram:2002", "telegram:2003"]
    assert shared["cluster_id"].nunique() == 1
    assert not clusters["message_id"].eq(101).any()


def test_truncated_and_invalid_files_name_the_byte(tmp_path):
    good = json.dumps({"1": tgdataset_channel(title="A", username=None, created=None,
                                              text_messages={"1": _msg("x", T0)})})
    cut = tmp_path / "cut.json"
    cut.write_text(good[:-20])
    with pytest.raises(LoadError, match=r"cut\.json: .*(truncated|byte)"):
        wb.load(cut, progress=False)
    bad = tmp_path / "bad.json"
    bad.write_text(good.replace('"x"', '"x" oops'))
    with pytest.raises(LoadError, match=r"bad\.json: invalid JSON"):
        wb.load(bad, progress=False)


def _random_channel(rng, cid, n):
    """A channel with awkward content: braces and key-like text in messages, nested values,
    unicode, and long records."""
    texts, media = {}, {}
    tricky = ['}}}', '}, "12": {', '"}}, "generic_media": {', "\\", "é😀", "{[", '}}}}']
    for i in range(n):
        mid = rng.randrange(1, 10 * n)
        text = " ".join(rng.choice(["word", "news", *tricky]) for _ in range(rng.randrange(1, 30)))
        if rng.random() < 0.01:
            text *= 400  # a long record (slow path beyond the look-ahead)
        rec = _msg(text, T0 + rng.randrange(10**7), fwd=rng.random() < 0.3,
                   src=rng.choice([None, 1, 2]), fdate=T0)
        if rng.random() < 0.01:
            rec["extra"] = {"nested": [1, {"a": "}"}]}
        texts[str(mid)] = rec
        if rng.random() < 0.3:
            media[str(mid if rng.random() < 0.5 else mid + 10 * n)] = _media(
                f"F{rng.randrange(10**6)}", T0 + rng.randrange(10**7))
    return tgdataset_channel(title=f"ch {cid}", username=f"h{cid}", created=T0,
                             subscribers=cid, text_messages=texts, generic_media=media)


def test_streamed_reading_matches_a_whole_parse(tmp_path):
    rng = random.Random(18)
    doc = {str(3000 + c): _random_channel(rng, c, rng.choice([0, 5, 400, 2000]))
           for c in range(30)}
    path = tmp_path / "big.json"
    path.write_text(json.dumps(doc, indent=rng.choice([None, 1])))
    assert path.stat().st_size > 3 * (4 << 20)  # several look-ahead windows
    corpus, _ = _load(path)
    m = corpus.messages
    got = {(c, i): (None if pd.isna(t) else t, None if pd.isna(f) else f)
           for c, i, t, f in zip(m["channel_id"], m["message_id"], m["text"], m["media_name"])}
    expected = {}
    for cid, ch in doc.items():
        key = f"telegram:{cid}"
        for mid, rec in ch["generic_media"].items():
            expected[(key, int(mid))] = (None, rec["media_id"])
        for mid, rec in ch["text_messages"].items():
            media = ch["generic_media"].get(mid)
            expected[(key, int(mid))] = (rec["message"] or None,
                                         media["media_id"] if media else None)
    assert len(m) == len(expected) and corpus.rejected.empty
    assert got == expected


def test_labels_load_as_analyst_labels(small, tmp_path):
    path, _ = small
    (tmp_path / "lang.csv").write_text("ch_id\tlanguage\n1001\ten\n1002\tfa\n")
    (tmp_path / "topic.csv").write_text("ch_ID,topic\n1001,Politics\n9999,Other\n")
    labels = read_tgdataset_labels(tmp_path / "lang.csv", tmp_path / "topic.csv")
    corpus, warned = _load(path, channels=labels)
    assert dict(zip(corpus.channels["channel_id"], corpus.channels["lang"])) == {
        "telegram:1001": "en", "telegram:1002": "fa"}
    volume = wb.timeline.message_volume(corpus.messages, by="lang", freq="Y")
    assert volume.sum().to_dict() == {"en": 5, "fa": 1}
    by_topic = wb.timeline.message_volume(corpus.messages, by="topic", freq="Y")
    assert by_topic.sum().to_dict() == {"Politics": 5}
    assert any("9999" in w or "matched no" in w.lower() for w in warned)


def test_labels_without_a_channel_id_column(tmp_path):
    (tmp_path / "x.csv").write_text("name,lang\na,en\n")
    with pytest.raises(LoadError, match="x.csv: .*ch_id"):
        read_tgdataset_labels(tmp_path / "x.csv")


_MEMORY_PROBE = """
import resource, sys, warnings
warnings.simplefilter("ignore")
import workbench as wb
from workbench.io.builder import Builder
from workbench.io.files import read_file
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
got = read_file(sys.argv[1], Builder(), strict=True)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(got.loaded, got.rejected, (after - before) * 1024)
"""


@pytest.mark.slow
def test_a_large_file_is_read_in_bounded_memory(tmp_path):
    """About 300 MB in one JSON object: read with far less memory than the file's size.
    Most of the bytes are channel descriptions, which the reader skips over."""
    path = tmp_path / "huge.json"
    n_channels, n_messages = 150, 1000
    description = "lorem ipsum }}} dolor " * 90_000  # about 2 MB per channel
    with path.open("w") as fh:
        fh.write("{")
        for c in range(n_channels):
            ch = tgdataset_channel(
                title=f"c{c}", username=None, created=T0, description=description,
                text_messages={str(i): _msg(f"message {i} of {c}", T0 + i)
                               for i in range(n_messages)})
            fh.write(("" if c == 0 else ",") + json.dumps(str(10_000 + c)) + ":"
                     + json.dumps(ch))
        fh.write("}")
    size = path.stat().st_size
    assert size > 250e6
    out = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, str(path)], check=True,
                         capture_output=True, text=True, cwd=ROOT,
                         env={"PYTHONPATH": str(ROOT), "WORKBENCH_PROGRESS": "0",
                              "PATH": "/usr/bin:/bin"}).stdout.split()
    loaded, rejected, grew = int(out[0]), int(out[1]), int(out[2])
    assert (loaded, rejected) == (n_channels * n_messages, 0)
    assert grew < 100e6, f"reading {size / 1e6:.0f} MB grew memory by {grew / 1e6:.0f} MB"


def test_store_ingests_the_four_folders_like_load(small, tmp_path):
    """TGDataset ships its files in four folders: a store ingests them with workers and
    holds what wb.load gives."""
    path, doc = small
    root = tmp_path / "TGDataset"
    for k in range(4):
        folder = root / f"TGDataset_{k + 1}"
        folder.mkdir(parents=True)
        part = {str(5000 + k): tgdataset_channel(
            title=f"F{k}", username=None, created=None,
            text_messages={str(i): _msg(f"folder {k} post {i}", T0 + i) for i in range(1, 6)})}
        (folder / f"TGDataset_{k + 1}.json").write_text(json.dumps(part))
    (root / "TGDataset_1" / "TGDataset_x.json").write_bytes(path.read_bytes())
    loaded, _ = _load(root)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        store = wb.open_store(tmp_path / "store")
        report = store.ingest(root, workers=2, progress=False)
    stored = store.corpus().messages
    assert int(report["rejected"].sum()) == len(loaded.rejected) == 3
    key = ["channel_id", "message_id"]
    a = loaded.messages.sort_values(key)[key + ["text", "media_name", "fwd_from_date"]]
    b = stored.sort_values(key)[key + ["text", "media_name", "fwd_from_date"]]
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                  check_dtype=False)


def test_maps_that_are_not_objects_or_repeat_are_rejected_not_lost(tmp_path):
    """A message map given as a list, or the same map twice in one channel: every record
    is accounted for (review finding: such maps were once dropped or crashed the load)."""
    listed = json.dumps([_msg("lost?", T0)])
    first = json.dumps({"1": _msg("kept", T0)})
    again = json.dumps({"1": _msg("repeat", T0 + 60), "2": _msg("repeat too", T0 + 120)})
    (tmp_path / "tg.json").write_text(
        '{"1001": {"username": "a", "title": "A", "text_messages": ' + listed + "},"
        ' "1002": {"username": "b", "title": "B", "text_messages": ' + first + ","
        ' "text_messages": ' + again + "}}")
    corpus, _ = _load(tmp_path / "tg.json")
    assert corpus.messages[["channel_id", "message_id", "text"]].values.tolist() == [
        ["telegram:1002", 1, "kept"]]
    rejected = dict(zip(corpus.rejected["source"], corpus.rejected["reason"]))
    assert "not an object" in rejected["tg.json#1001/text_messages"]
    assert {k for k, v in rejected.items() if "appears twice" in v} == {
        "tg.json#1002/text_messages/1", "tg.json#1002/text_messages/2"}
