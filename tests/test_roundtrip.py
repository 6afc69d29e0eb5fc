"""The round-trip property: the same synthetic world written in every registered Telegram
format (``workbench.synth._formats.WRITERS``) loads into the same canonical corpus as its
Desktop JSON export, up to the fields a format lacks.

Every column of every canonical table is accounted for here: compared, or declared below as
lacking in a format (with the reason, and narrowed to the rows concerned where the format
lacks it only there), or lacking in the reference (then the format's values are checked for
consistency instead). A declaration that no longer matches what the loads show fails too, so
nothing is skipped silently. A writer registered without a declaration is compared on every
field.
"""

from __future__ import annotations

import re

import warnings
from pathlib import Path

import pandas as pd
import pytest

import workbench as wb
from workbench import schema
from workbench.io import format_names
from workbench.io.desktop_html import DAY_SEPARATOR
from workbench.synth import generate_world, write_fixtures
from workbench.synth._formats import WRITERS

#: Two worlds with different seeds and difficulty settings, small enough to stay fast.
WORLDS = {
    "seed7": dict(seed=7, n_channels=20, messages_scale=0.1),
    "hard": dict(seed=31, n_channels=15, in_group_share=0.6, edit_strength=0.9,
                 messages_scale=0.08),
}

#: Columns never compared across formats.
NOT_COMPARED = {
    "source": "provenance (file and record position) differs between formats by design",
}

#: Message columns the reference (the world's Desktop JSON) has no values for; a format that
#: fills them is checked for consistency instead (see ``_extra_problems``).
REFERENCE_LACKS = {
    "fwd_from_message_id": "Desktop JSON names a forward's source, not the message",
    "fwd_from_date": "Desktop JSON has no original date of a forward",
    "views": "Desktop exports carry no view counts",
    "forwards": "Desktop exports carry no forward counts",
    "grouped_id": "Desktop JSON has no album ids (the world makes no albums)",
    "media_size": "the world's Desktop JSON has no file_size keys (as older exports)",
}


def _photos(ref: pd.DataFrame) -> pd.Series:
    return ref["media_type"].astype(object).eq("photo")


def _resolved_source(ref: pd.DataFrame) -> pd.Series:
    return ref["fwd_from_channel_id"].notna()


def _unresolved_source(ref: pd.DataFrame) -> pd.Series:
    return ref["fwd_from_channel_id"].isna() & ref["fwd_from_name"].notna()


def _not_video(ref: pd.DataFrame) -> pd.Series:
    return ~ref["media_type"].astype(object).isin(["video_file", "video_message"])


def _visible_tme(links: list, text) -> list:
    text = text if isinstance(text, str) else ""
    # whole links only: "t.me/news" is not written in a text that has only "t.me/news_en"
    return sorted(x for x in links if ".me/" in x.lower()
                  and re.search(re.escape(x) + r"(?![\w/])", text))


#: What each format lacks, per table and column: ``reason`` alone (the column is not compared),
#: ``(reason, rows)`` (not compared on the reference rows ``rows(ref)`` selects), or
#: ``(reason, project)`` for list columns compared after ``project(values, reference text)``.
#: ``"records"`` under ``service``/``channels`` means whole records the format does not hold.
LACKS: dict[str, dict[str, dict]] = {
    "telegram-desktop": {},
    "telegram-desktop-html": {
        "messages": {"edited": "HTML pages do not show edits"},
        "service": {
            "date": "service sentences carry no time (day separators get their day)",
            "actor_id": "HTML names people and chats, never their ids",
            "text": "the rendered sentence ('Channel «X» created') replaces JSON's empty text",
        },
    },
    "telethon-jsonl": {
        "messages": {
            "channel": "Message.to_dict() holds no chat title",
            "fwd_from_name": ("to_dict() gives a channel source's id, not its name (only a "
                              "hidden sender's from_name)", _resolved_source),
            "media_name": ("photos have no file name in the API (Desktop's is the file it "
                           "saved)", _photos),
        },
        "service": {
            "actor": "MessageService names nobody, it gives ids",
        },
        "channels": {"name": "to_dict() dumps hold no chat titles"},
    },
    "telegram-tracker-csv": {
        "messages": {
            "edited": "msgs_dataset.csv has no edit date",
            "fwd_from_name": ("forward sources are named by username; a hidden source (no "
                              "peer) has none", _unresolved_source),
            "media_name": ("photos have no file name in the API", _photos),
            "media_duration": ("the CSV keeps a video's duration only", _not_video),
            "links": ("the CSV keeps no entities: only t.me links written in the text are "
                      "found (a text_link's href or another site's URL is lost)", _visible_tme),
        },
        "service": {"records": "build-datasets writes messages only, no service records"},
        "channels": {"records": "forward sources known only by a hidden name are not named "
                                "in the CSV, so they are no channels of the load"},
    },
    "4cat-ndjson": {
        "messages": {
            "media_name": ("photos have no file name in the API", _photos),
        },
        "service": {"records": "4CAT skips service messages when it collects"},
    },
    "tgdataset": {
        "messages": {
            "fwd_from_name": ("TGDataset gives a forward source's id, never its name; a "
                              "source outside the dataset is unknown", _unresolved_source),
            "reply_to": "TGDataset keeps no replies",
            "edited": "TGDataset keeps no edit dates",
            "media_duration": "TGDataset keeps no media durations",
            "links": ("TGDataset keeps no entities: only t.me links written in the text are "
                      "found", _visible_tme),
        },
        "service": {"records": "TGDataset holds messages only"},
        "channels": {"records": "a forward source known only by name is unknown in "
                                "TGDataset (null forwarded_from_id)"},
    },
}

#: Columns the reference lacks that a format fills, with why (checked by ``_extra_problems``).
EXTRAS: dict[str, dict[str, str]] = {
    "telegram-desktop-html": {
        "fwd_from_date": "the forward header shows the original date",
    },
    "telethon-jsonl": {
        "fwd_from_message_id": "fwd_from.channel_post", "fwd_from_date": "fwd_from.date",
        "views": "views", "forwards": "forwards", "media_size": "document/photo sizes",
    },
    "telegram-tracker-csv": {
        "fwd_from_message_id": "forward_msg_from_peer_id's post", "fwd_from_date":
        "forward_msg_date", "views": "views", "forwards": "number_forwards",
    },
    "4cat-ndjson": {
        "fwd_from_message_id": "fwd_from.channel_post", "fwd_from_date": "fwd_from.date",
        "views": "views", "forwards": "forwards", "media_size": "document/photo sizes",
    },
    "tgdataset": {"fwd_from_date": "forwarded_message_date"},
}

#: Records a format holds that the reference has not: (reason, rows of the format's table).
EXTRA_RECORDS = {
    "telegram-desktop-html": {
        "service": ("Desktop's day separators (negative ids) are records of the page",
                    lambda svc: svc["action"].eq(DAY_SEPARATOR)),
    },
}

KEY = ["channel_id", "message_id"]
SERVICE_COLUMNS = [c for c in schema.SERVICE if c not in KEY and c != "source"]
CHANNEL_COLUMNS = [c for c in schema.CHANNELS if c != "channel_id"] + ["group", "lang"]


def test_every_column_is_accounted_for():
    for fmt, tables in LACKS.items():
        assert set(tables) <= {"messages", "service", "channels"}, fmt
        for col in tables.get("messages", {}):
            assert col in schema.MESSAGES and col not in REFERENCE_LACKS, (fmt, col)
        for col in tables.get("service", {}):
            assert col == "records" or col in SERVICE_COLUMNS, (fmt, col)
    for fmt, cols in EXTRAS.items():
        assert set(cols) <= set(REFERENCE_LACKS), fmt
    assert set(NOT_COMPARED) | set(REFERENCE_LACKS) < set(schema.MESSAGES)


def reader_of(fmt: str) -> str:
    """The registered reader a writer's files should be detected as: the format whose name
    is the longest prefix of the writer's key (``telethon-jsonl`` -> ``telethon``)."""
    names = [n for n in format_names() if fmt == n or fmt.startswith(n + "-")]
    assert names, f"no registered reader for writer {fmt!r}; readers: {format_names()}"
    return max(names, key=len)


def _load(path: Path, labels: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return wb.load(path, channels=labels, progress=False)


@pytest.fixture(scope="module", params=sorted(WORLDS))
def reference(request, tmp_path_factory):
    params = dict(WORLDS[request.param])
    world = generate_world(params.pop("seed"), **params)
    root = tmp_path_factory.mktemp(f"roundtrip_{request.param}")
    write_fixtures(world, root / "ref")
    labels = root / "ref" / "channels.csv"
    return world, root, labels, _load(root / "ref" / "telegram", labels)


def _missing(x) -> bool:
    return x is None or x is pd.NA or x is pd.NaT or (isinstance(x, float) and x != x)


def _same(a, b) -> bool:
    if _missing(a) or _missing(b):
        return _missing(a) and _missing(b)
    return a == b


def _compare_column(col, ref: pd.DataFrame, got: pd.DataFrame, lack, problems, table):
    rows = [True] * len(ref)
    project = None
    if isinstance(lack, tuple):
        _reason, rule = lack
        if col in schema.LIST_COLUMNS:
            project = rule
        else:
            rows = (~rule(ref).fillna(False).astype(bool)).tolist()
    texts = ref["text"].tolist() if project is not None else None
    differ = []
    lacking_agree = lacking_present = 0
    lacking_rows = rows.count(False)
    is_list = col in schema.LIST_COLUMNS
    categorical = col in ("media_type", "kind", "platform")
    for i, (key, a, b) in enumerate(zip(ref.index, ref[col].tolist(), got[col].tolist())):
        if is_list:
            if not isinstance(b, list):
                differ.append((key, a, b))
                continue
            if project is not None:
                a, b = project(a, texts[i]), project(b, texts[i])
            same = sorted(a) == sorted(b)
        else:
            if categorical:
                a = None if _missing(a) else str(a)
                b = None if _missing(b) else str(b)
            same = _same(a, b)
        if rows[i]:
            if not same:
                differ.append((key, a, b))
        else:
            lacking_agree += same
            lacking_present += not _missing(a)
    if differ:
        problems.append(f"{table}.{col}: {len(differ)} of {rows.count(True)} rows differ, e.g. "
                        + "; ".join(f"{k}: {a!r} vs {b!r}" for k, a, b in differ[:3]))
    if isinstance(lack, tuple) and project is None and lacking_present and \
            lacking_agree == lacking_rows:
        problems.append(f"{table}.{col}: declared lacking on {lacking_rows} rows, but the "
                        "format agrees on all of them: narrow or drop the declaration")


def _stale_whole_column(col, ref, got, problems, table):
    """A column declared lacking everywhere that in fact agrees with the reference."""
    values = [(a, b) for a, b in zip(ref[col], got[col])]
    present = [(a, b) for a, b in values if not _missing(a)]
    if present and all(_same(a, b) for a, b in values):
        problems.append(f"{table}.{col}: declared lacking, but the format agrees on every "
                        "row: drop the declaration")


def _extra_problems(fmt, ref: pd.DataFrame, got: pd.DataFrame) -> list[str]:
    """Columns the reference lacks: null in the format unless declared in EXTRAS, and then
    consistent with the rest of the record."""
    problems = []
    declared = EXTRAS.get(fmt, {})
    forward = ref["fwd_from_name"].notna() | ref["fwd_from_channel_id"].notna()
    for col in REFERENCE_LACKS:
        assert ref[col].isna().all(), f"the reference now has {col}: compare it instead"
        filled = got[col].notna()
        if col not in declared:
            if filled.any():
                problems.append(f"messages.{col}: filled in {int(filled.sum())} rows but not "
                                "declared in EXTRAS")
            continue
        if not filled.any():
            problems.append(f"messages.{col}: declared in EXTRAS but never filled")
        if col in ("fwd_from_message_id", "fwd_from_date") and (filled & ~forward).any():
            problems.append(f"messages.{col}: set on {int((filled & ~forward).sum())} "
                            "messages that are no forwards")
        if col == "fwd_from_date" and (got.loc[filled, col] > ref.loc[filled, "date"]).any():
            problems.append("messages.fwd_from_date: an original after its forward")
        if col in ("views", "forwards", "media_size", "fwd_from_message_id") and \
                (got.loc[filled, col] < 0).any():
            problems.append(f"messages.{col}: negative values")
        if col == "media_size" and (filled & ref["media_type"].isna()).any():
            problems.append("messages.media_size: a size on a message without media")
    return problems


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_roundtrip(fmt, reference, tmp_path):
    world, _root, labels, ref = reference
    out = tmp_path / fmt
    written = WRITERS[fmt](world, out)
    assert written and all(Path(p).is_file() and out in Path(p).parents for p in written)
    got = _load(out, labels)
    lacks = LACKS.get(fmt, {})
    problems: list[str] = []

    # every file read by the reader of this format, none refused
    reader = reader_of(fmt)
    wrong = got.files.loc[got.files["format"] != reader, "path"].tolist()
    if wrong:
        problems.append(f"files not read as {reader}: {wrong[:3]}")
    if len(got.rejected) != len(ref.rejected):
        problems.append(f"rejected: {len(got.rejected)} records vs {len(ref.rejected)}: "
                        + str(got.rejected["reason"].value_counts().head(3).to_dict()))

    # messages: the same ids, then every column
    a = ref.messages.set_index(KEY, drop=False).sort_index()
    b = got.messages.set_index(KEY, drop=False).sort_index()
    assert not b.index.duplicated().any(), f"{fmt}: duplicate (channel_id, message_id)"
    if not a.index.equals(b.index):
        pytest.fail(f"{fmt}: message ids differ: missing {list(a.index.difference(b.index))[:5]}"
                    f", extra {list(b.index.difference(a.index))[:5]}")
    mlacks = lacks.get("messages", {})
    for col in schema.MESSAGES:
        if col in KEY or col in NOT_COMPARED or col in REFERENCE_LACKS:
            continue
        lack = mlacks.get(col)
        if isinstance(lack, str):
            _stale_whole_column(col, a, b, problems, "messages")
            continue
        _compare_column(col, a, b, lack, problems, "messages")
    problems += _extra_problems(fmt, a, b)

    # service records
    slacks = lacks.get("service", {})
    svc = got.service
    extra = EXTRA_RECORDS.get(fmt, {}).get("service")
    if extra is not None:
        mask = extra[1](svc).fillna(False).astype(bool)
        if not mask.any():
            problems.append(f"service: no extra records ({extra[0]}) though declared")
        svc = svc[~mask]
    if "records" in slacks:
        if len(svc):
            problems.append(f"service: declared absent ({slacks['records']}) but "
                            f"{len(svc)} records loaded")
    else:
        sa = ref.service.set_index(KEY, drop=False).sort_index()
        sb = svc.set_index(KEY, drop=False).sort_index()
        if not sa.index.equals(sb.index):
            problems.append(f"service ids differ: missing {list(sa.index.difference(sb.index))[:5]}"
                            f", extra {list(sb.index.difference(sa.index))[:5]}")
        else:
            for col in SERVICE_COLUMNS:
                lack = slacks.get(col)
                if isinstance(lack, str):
                    _stale_whole_column(col, sa, sb, problems, "service")
                    continue
                _compare_column(col, sa, sb, lack, problems, "service")

    # channels: exported channels and forward sources, with the analyst's labels
    clacks = lacks.get("channels", {})
    ca = ref.channels.set_index("channel_id", drop=False)
    cb = got.channels.set_index("channel_id", drop=False)
    if "records" in clacks:
        ca = ca[ca.index.isin(cb.index)]
    if not ca.index.sort_values().equals(cb.index.sort_values()):
        problems.append(f"channels differ: missing {sorted(set(ca.index) - set(cb.index))[:5]}"
                        f", extra {sorted(set(cb.index) - set(ca.index))[:5]}")
    else:
        cb = cb.loc[ca.index]
        for col in CHANNEL_COLUMNS:
            lack = clacks.get(col)
            if isinstance(lack, str):
                _stale_whole_column(col, ca, cb, problems, "channels")
                continue
            if col in ("kind", "platform"):
                ca[col], cb[col] = ca[col].astype(object), cb[col].astype(object)
            _compare_column(col, ca, cb, lack, problems, "channels")

    assert not problems, f"{fmt} disagrees with the Desktop JSON load:\n  " + \
        "\n  ".join(problems)


def test_every_writer_has_a_reader():
    """Both Desktop writers are registered, and every writer's files have a reader (a writer
    without a LACKS entry is compared on every field by test_roundtrip)."""
    assert {"telegram-desktop", "telegram-desktop-html"} <= set(WRITERS)
    for fmt in WRITERS:
        reader_of(fmt)
