"""Hostile and careless input: each finding of the red-team pass, as a regression test.

Every test here failed before its fix. The loader findings use only the public API
(``wb.load``, ``wb.open_store``), so they hold whatever the readers look like inside.
"""

from __future__ import annotations

import gzip
import json
import os
import warnings
from pathlib import Path

import pandas as pd
import pytest
import zstandard

import workbench as wb
from workbench.errors import WorkbenchError, WorkbenchWarning

from tests._loading import accounted, load_quietly


def _message(i, text="hello", **extra):
    # 1480586400 is 2016-12-01 10:00 UTC.
    return {"id": i, "type": "message", "date": "2016-12-01T10:00:00",
            "date_unixtime": str(1480586400 + 60 * i), "text": text, **extra}


def _export(messages, **chat):
    return {"name": "Example Channel", "type": "public_channel", "id": 4242,
            **chat, "messages": messages}


def _write(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# One bad record costs that record only
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("date", ["9999-12-01T10:00:00", "1500-01-01T00:00:00"])
def test_out_of_range_local_date_rejects_only_that_record(tmp_path, date):
    bad = {"id": 2, "type": "message", "date": date, "text": "far away"}  # no date_unixtime
    path = _write(tmp_path / "result.json", _export([_message(1), bad, _message(3)]))
    corpus = load_quietly(path)
    accounted(corpus)
    assert sorted(corpus.messages["message_id"]) == [1, 3]
    assert len(corpus.rejected) == 1
    assert date[:4] in corpus.rejected["reason"].iloc[0]


def test_out_of_range_date_on_a_service_record(tmp_path):
    service = {"id": 2, "type": "service", "date": "9999-01-01T00:00:00", "actor": "X",
               "action": "pin_message", "text": ""}
    path = _write(tmp_path / "result.json", _export([_message(1), service]))
    corpus = load_quietly(path)
    accounted(corpus)
    assert len(corpus.messages) == 1 and len(corpus.rejected) == 1
    assert "9999" in corpus.rejected["reason"].iloc[0]


def test_out_of_range_date_in_a_folder_costs_one_record(tmp_path):
    _write(tmp_path / "a" / "result.json", _export([_message(1)]))
    _write(tmp_path / "b" / "result.json",
           _export([_message(1), {"id": 2, "type": "message", "date": "9999-12-01T10:00:00",
                                  "text": "x"}], id=4343, name="Other"))
    corpus = load_quietly(tmp_path)
    accounted(corpus)
    assert len(corpus.messages) == 2 and len(corpus.rejected) == 1


@pytest.mark.parametrize("date", ["9999-12-01 10:00:00+00:00", "1500-01-01T00:00:00"])
def test_out_of_range_telethon_date_rejects_only_that_record(tmp_path, date):
    lines = (Path(__file__).parent / "data" / "telethon" / "current.jsonl").read_text(
        encoding="utf-8").splitlines()
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            pass  # the quirk file's broken lines
    records[1]["date"] = date
    path = tmp_path / "channel.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    corpus = load_quietly(path)
    accounted(corpus)
    reasons = corpus.rejected["reason"].tolist()
    assert any(date[:4] in r and "out of range" in r for r in reasons), reasons


def test_out_of_range_kaggle_time_rejects_only_that_record(tmp_path):
    path = tmp_path / "tweets.csv"
    path.write_text("name,username,description,location,followers,numberstatuses,time,tweets\n"
                    "A,a,,,1,1,1/6/2015 21:07,hi\nA,a,,,1,2,1/6/9999 21:07,hi\n",
                    encoding="utf-8")
    corpus = load_quietly(path)
    accounted(corpus)
    assert len(corpus.messages) == 1
    assert "9999" in corpus.rejected["reason"].iloc[0]


def test_empty_forwarded_from_id_does_not_crash(tmp_path):
    rec = _message(1, forwarded_from="Somebody", forwarded_from_id="")
    corpus = load_quietly(_write(tmp_path / "result.json", _export([rec, _message(2)])))
    accounted(corpus)
    assert len(corpus.messages) + len(corpus.rejected) == 2


@pytest.mark.parametrize("fid", [{"a": 1}, [1, 2], 3.5, True])
def test_garbage_forward_ids_never_become_resolved_channels(tmp_path, fid):
    rec = _message(1, forwarded_from="Somebody", forwarded_from_id=fid)
    corpus = load_quietly(_write(tmp_path / "result.json", _export([rec])))
    accounted(corpus)
    keys = set(corpus.channels["channel_id"].dropna()) | set(
        corpus.messages["fwd_from_channel_id"].dropna())
    assert not any("{" in k or "[" in k or "True" in k or "3.5" in k for k in keys), keys


def test_fourcat_record_without_peer_is_rejected_not_raised(tmp_path):
    lines = (Path(__file__).parent / "data" / "fourcat" / "dataset.ndjson").read_text(
        encoding="utf-8").splitlines()
    broken = json.loads(lines[0])
    broken["peer_id"], broken["_chat"] = None, {}
    broken["_chat_peer"] = None
    path = tmp_path / "dataset.ndjson"
    path.write_text("\n".join([lines[0], json.dumps(broken), *lines[1:]]) + "\n",
                    encoding="utf-8")
    corpus = load_quietly(path)
    accounted(corpus)
    assert len(corpus.rejected) >= 1


# ---------------------------------------------------------------------------------------------
# Compressed streams: say what is wrong, never load part of a file silently
# ---------------------------------------------------------------------------------------------
def _ndjson_lines() -> bytes:
    return (Path(__file__).parent / "data" / "fourcat" / "dataset.ndjson").read_bytes()


def test_truncated_zstd_is_never_silently_partial(tmp_path):
    raw = _ndjson_lines() * 50
    data = zstandard.ZstdCompressor().compress(raw)
    path = tmp_path / "dataset.ndjson.zst"
    path.write_bytes(data[: len(data) * 2 // 3])
    try:
        corpus = load_quietly(path)
    except WorkbenchError as exc:
        assert "truncated" in str(exc).lower() and path.name in str(exc)
        return
    accounted(corpus)
    reasons = " ".join(corpus.rejected["reason"])
    assert "truncated" in reasons.lower()


def test_truncated_zstd_json_says_truncated_not_empty(tmp_path):
    raw = json.dumps(_export([_message(i) for i in range(1, 200)])).encode()
    data = zstandard.ZstdCompressor().compress(raw)
    path = tmp_path / "result.json.zst"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(WorkbenchError, match="(?i)truncated"):
        wb.load(path, progress=False)


def test_damaged_gzip_header_is_named(tmp_path):
    data = gzip.compress(json.dumps(_export([_message(1)])).encode())
    path = tmp_path / "result.json.gz"
    path.write_bytes(data[:2] + b"\x09" + data[3:])  # compression method 9 does not exist
    with pytest.raises(WorkbenchError) as info:
        wb.load(path, progress=False)
    assert "empty" not in str(info.value).lower()
    assert "gzip" in str(info.value).lower()


def test_small_zstd_file_is_read(tmp_path):
    raw = json.dumps(_export([_message(1)])).encode()
    path = tmp_path / "result.json.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(raw))
    corpus = load_quietly(path)
    assert len(corpus.messages) == 1


# ---------------------------------------------------------------------------------------------
# Folders: follow symlinks once, name what could not be read, never stop the load for it
# ---------------------------------------------------------------------------------------------
def test_symlinked_subfolder_is_followed_once(tmp_path):
    elsewhere = tmp_path / "other-disk" / "week-2"
    _write(elsewhere / "result.json", _export([_message(1), _message(2)]))
    root = tmp_path / "exports"
    _write(root / "week-1" / "result.json", _export([_message(3)], id=4343, name="Other"))
    (root / "week-2").symlink_to(elsewhere, target_is_directory=True)
    (root / "week-1" / "loop").symlink_to(root, target_is_directory=True)  # a cycle
    corpus = load_quietly(root)
    accounted(corpus)
    assert len(corpus.messages) == 3


def test_unreadable_file_is_listed_not_fatal(tmp_path, monkeypatch):
    root = tmp_path / "exports"
    good = _write(root / "a" / "result.json", _export([_message(1)]))
    bad = _write(root / "b" / "result.json", _export([_message(1)], id=4343))
    real_open = open

    def guarded(file, *args, **kwargs):
        if str(file) == str(bad):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    import builtins
    monkeypatch.setattr(builtins, "open", guarded)
    real_read = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes",
                        lambda self: guarded(self) if self == bad else real_read(self))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        corpus = wb.load(root, progress=False)
    assert len(corpus.messages) == 1
    text = corpus.files.to_string() + corpus.rejected.to_string()
    assert "b" in set(Path(p).parent.name for p in corpus.files["path"]) or "b/result" in text
    assert any("result.json" in str(w.message) for w in caught
               if issubclass(w.category, WorkbenchWarning))
    assert good.exists()


@pytest.mark.parametrize("special", ["/dev/null", "fifo"])
def test_device_or_fifo_path_is_a_clear_error(tmp_path, special):
    import subprocess
    import sys

    path = special
    if special == "fifo":
        path = tmp_path / "pipe"
        os.mkfifo(path)
    # In a child process: opening a FIFO for reading blocks until a writer comes, so a reader
    # that tries must fail this test, not hang it.
    code = ("import workbench as wb, sys\n"
            "try:\n    wb.load(sys.argv[1], progress=False)\n"
            "except wb.WorkbenchError as e:\n    print('ERROR', e); sys.exit(3)\n")
    try:
        done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                              text=True, timeout=120, cwd=Path(__file__).parents[1])
    except subprocess.TimeoutExpired:
        pytest.fail(f"wb.load({path}) blocked")
    assert done.returncode == 3, done.stdout + done.stderr
    assert any(w in done.stdout.lower() for w in ("not a regular file", "device", "fifo",
                                                   "pipe")), done.stdout


def test_unreadable_subfolder_is_listed_not_skipped(tmp_path, monkeypatch):
    root = tmp_path / "exports"
    _write(root / "a" / "result.json", _export([_message(1)]))
    _write(root / "b" / "result.json", _export([_message(1)], id=4343))
    real_scandir = os.scandir

    def guarded(path="."):
        if Path(path).name == "b":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", guarded)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        corpus = wb.load(root, progress=False)
    accounted(corpus)
    assert len(corpus.messages) == 1
    assert "exports/b" in set(corpus.files["path"])
    assert corpus.rejected["reason"].str.contains("Permission denied").any()
    assert any("exports/b" in str(w.message) for w in caught
               if issubclass(w.category, WorkbenchWarning))


# ---------------------------------------------------------------------------------------------
# workbench brief: a bad labels file or a full disk is a clear error, never a traceback
# ---------------------------------------------------------------------------------------------
def test_brief_with_truncated_gzip_labels_is_a_clear_error(tmp_path, capsys):
    from workbench import cli

    data = gzip.compress(b"channel_id,group\n" + b"telegram:1,official\n" * 200)
    labels = tmp_path / "labels.csv.gz"
    labels.write_bytes(data[: len(data) // 2])
    corpus = _write(tmp_path / "exports" / "result.json", _export([_message(1)]))
    with pytest.raises(SystemExit) as info:  # the labels are checked before any analysis
        cli.main(["brief", "--corpus", str(corpus.parent), "--labels", str(labels),
                  "--out", str(tmp_path / "b.html")])
    assert info.value.code != 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "--labels" in err and "labels.csv.gz" in err and "truncated" in err
    assert not (tmp_path / "b.html").exists()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_brief_output_on_a_full_disk_is_a_clear_error():
    from workbench.briefing._params import write_output

    with pytest.raises(WorkbenchError, match=r"out: cannot write /dev/full: No space left"):
        write_output(Path("/dev/full"), "<html>" + "x" * 100_000)


def test_brief_cli_turns_an_os_error_into_a_message(monkeypatch, capsys):
    from workbench import cli

    def full(args):
        raise OSError(28, "No space left on device", "/dev/full")

    monkeypatch.setattr(cli, "_brief", full)
    with pytest.raises(SystemExit) as info:
        cli.main(["brief", "--corpus", "x", "--out", "/dev/full"])
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "/dev/full" in err and "No space left" in err


# ---------------------------------------------------------------------------------------------
# Pseudonymisation: a person never appears in clear
# ---------------------------------------------------------------------------------------------
PERSONS = ["Alice Privatperson", "Bob Geheim", "Carol Forwarder", "Dave Mentioned"]
PERSON_IDS = ["11111", "22222", "33333", "44444", "5550001"]


def _private_group(tmp_path) -> Path:
    export = {
        "name": "Alice Privatperson Family", "type": "private_supergroup", "id": 5550001,
        "messages": [
            _message(1, "hello", **{"from": "Alice Privatperson", "from_id": "user11111"}),
            _message(2, "see +49 170 1234567 or mail bob.geheim@example.org",
                     **{"from": "Bob Geheim", "from_id": "user22222"}),
            _message(3, "fwd", forwarded_from="Carol Forwarder", forwarded_from_id="user33333",
                     **{"from": "Alice Privatperson", "from_id": "user11111"}),
            _message(4, ["hi ", {"type": "mention_name", "text": "Dave Mentioned",
                                 "user_id": 44444}, " there"],
                     **{"from": "Bob Geheim", "from_id": "user22222"}),
            # rejected, its reason echoing a name (a date out of range is a reader finding)
            _message(5, "broken", reply_to_message_id="Bob Geheim",
                     **{"from": "Bob Geheim", "from_id": "user22222"}),
            {"id": 6, "type": "message", "date": "9999-01-01T00:00:00",
             "from": "Bob Geheim", "from_id": "user22222", "text": "broken date"},
        ],
    }
    return _write(tmp_path / "ChatExport_Alice_Privatperson" / "result.json", export)


def _all_cells(corpus: wb.Corpus) -> str:
    parts = []
    for name in ("messages", "channels", "service", "rejected", "files"):
        frame = getattr(corpus, name)
        parts.append(frame.astype(str).to_csv(index=False))
    return "\n".join(parts)


def test_private_group_export_leaks_nobody(tmp_path):
    path = _private_group(tmp_path)
    corpus = load_quietly(path, pseudonymise="a secret salt")
    cells = _all_cells(corpus)
    for secret in [*PERSONS, *PERSON_IDS, "Privatperson", "Geheim", "1234567",
                   "bob.geheim@example.org"]:
        assert secret not in cells, secret
    texts = " ".join(corpus.messages["text"].dropna())
    assert "<phone:" in texts and "<email:" in texts


def test_public_channel_keeps_its_name_when_pseudonymising(tmp_path):
    path = _write(tmp_path / "result.json",
                  _export([_message(1, **{"from": "Example Channel"})], username="example_ch"))
    corpus = load_quietly(path, pseudonymise="salt")
    assert corpus.channels["name"].tolist() == ["Example Channel"]
    assert corpus.messages["channel_id"].tolist() == ["telegram:4242"]


def test_long_salts_with_a_common_prefix_differ(tmp_path):
    path = _private_group(tmp_path)
    prefix = "x" * 80
    a = load_quietly(path, pseudonymise=prefix + "a")
    b = load_quietly(path, pseudonymise=prefix + "b")
    assert set(a.messages["author_id"].dropna()).isdisjoint(set(b.messages["author_id"].dropna()))


def test_twitter_accounts_are_pseudonymised(tmp_path):
    src = Path(__file__).parent / "data" / "twitter" / "kaggle_quirks.csv"
    plain = load_quietly(src)
    names = set(plain.channels["name"].dropna()) | set(plain.channels["handle"].dropna())
    ids = {c.split(":", 1)[1] for c in plain.channels["channel_id"] if ":name:" not in c}
    corpus = load_quietly(src, pseudonymise="salt")
    cells = _all_cells(corpus)
    leaked = {n for n in names | ids if len(n) >= 4 and n in cells}
    assert not leaked


# ---------------------------------------------------------------------------------------------
# Exports that turn on their reader
# ---------------------------------------------------------------------------------------------
HOSTILE_NAMES = ["bell\x07name", "nul\x00byte", "esc\x1b[31mred", "ok\u202egnp.exe",
                 "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def _hostile_graph():
    import networkx as nx

    G = nx.DiGraph(kind="forward")
    for i, name in enumerate(HOSTILE_NAMES):
        G.add_node(f"telegram:{i}", name=name, group=name)
    for i in range(1, len(HOSTILE_NAMES)):
        G.add_edge("telegram:0", f"telegram:{i}", weight=i,
                   first=pd.Timestamp("2016-10-01", tz="UTC"),
                   last=pd.Timestamp("2016-11-02", tz="UTC"))
    return G


@pytest.mark.parametrize("suffix", ["gexf", "graphml"])
def test_written_graphs_read_back_with_control_characters(tmp_path, suffix):
    import networkx as nx

    (path,) = wb.network.write_graph(_hostile_graph(), tmp_path / f"net.{suffix}")
    back = nx.read_gexf(path) if suffix == "gexf" else nx.read_graphml(path)
    assert back.number_of_nodes() == len(HOSTILE_NAMES)
    assert back.number_of_edges() == len(HOSTILE_NAMES) - 1


def test_csv_exports_carry_no_live_formulas(tmp_path):
    import csv

    paths = wb.network.write_graph(_hostile_graph(), tmp_path / "net.csv")
    for path in paths:
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (path, cell)


@pytest.mark.parametrize("text, host", [
    ("see amaq.ps today", "amaq.ps"),
    ("isdarat.gov mirror", "isdarat.gov"),
    ("feed at 185.22.33.44/feed", "185.22.33.44"),
    ("write x@protonmail.ch", "protonmail.ch"),
    ("пример.рф/путь", "пример.рф"),
    ("http://185.22.33.44:8080/x", "185.22.33.44"),
])
def test_defang_catches_every_host_form(text, host):
    from workbench.links import defang_text

    out = defang_text(text)
    assert host not in out, out
    assert "[.]" in out


def test_bidi_overrides_are_isolated_when_escaped():
    from workbench.text import escape

    out = escape("abc\u202egnp.exe")
    # The override may not leak into the surrounding markup: it is wrapped in an isolate
    # (FSI ... PDI) or removed, never left open.
    assert "\u202e" not in out or ("\u2068" in out and "\u2069" in out)


# ---------------------------------------------------------------------------------------------
# Found by the review of this change
# ---------------------------------------------------------------------------------------------
def test_mention_names_of_mtproto_readers_are_pseudonymised():
    src = Path(__file__).parent / "data" / "fourcat"
    plain = load_quietly(src)
    assert "Abu Example" in plain.messages.astype(str).to_csv()  # the planted mention name
    corpus = load_quietly(src, pseudonymise="salt")
    assert "Abu Example" not in corpus.messages.astype(str).to_csv()


def test_dates_are_not_taken_for_phone_numbers():
    from workbench.privacy import PHONE_RE

    assert PHONE_RE.findall("am 01.12.2016 in Berlin, 05/11/2015") == []
    assert PHONE_RE.findall("ruf +49 170 1234567 an") == ["+49 170 1234567"]


def test_a_fifo_inside_a_folder_neither_blocks_nor_stops_the_load(tmp_path):
    import subprocess
    import sys

    _write(tmp_path / "a" / "result.json", _export([_message(1)]))
    os.mkfifo(tmp_path / "a" / "messages.json")
    os.mkfifo(tmp_path / "corpus.json")
    code = ("import warnings, workbench as wb, sys\nwarnings.simplefilter('ignore')\n"
            "print(len(wb.load(sys.argv[1], progress=False).messages))\n")
    try:
        done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                              text=True, timeout=300, cwd=Path(__file__).parents[1])
    except subprocess.TimeoutExpired:
        pytest.fail("wb.load blocked on a FIFO")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"


def test_csv_ending_inside_a_utf8_character_is_named(tmp_path):
    src = Path(__file__).parent / "data" / "twitter" / "kaggle_quirks.csv"
    path = tmp_path / "tweets.csv"
    path.write_bytes(src.read_bytes().rstrip(b"\n") + b"\xc3")
    try:
        corpus = load_quietly(path)
    except WorkbenchError as exc:
        assert "UTF-8" in str(exc)
        return
    assert any("UTF-8" in r for r in corpus.rejected["reason"])


def test_formula_neutralising_keeps_distinct_categories_distinct():
    from workbench.text import neutralise_formulas

    frame = pd.DataFrame({"name": pd.Categorical(["=x", "'=x", "ok"])})
    assert neutralise_formulas(frame)["name"].tolist() == ["'=x", "'=x", "ok"]


def test_rising_terms_on_a_store_names_the_way_out(tmp_path):
    store = wb.open_store(tmp_path / "store")
    with pytest.raises(WorkbenchError, match="store.corpus"):
        wb.timeline.rising_terms(store, "berlin-2016")
