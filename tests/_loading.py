"""What the loader tests share: a quiet ``wb.load``, the bookkeeping every load must balance,
the canonical message row as plain values for field-by-field comparison, and a generated world
loaded both as Desktop exports and as another format's files, and the comparison of two such
loads.

The ids and ``FIELDS`` are those of the hand-written quirk files (tests/data/telethon,
tests/data/fourcat, tests/data/tracker: one Telegram world, written by three tools).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import workbench as wb
from workbench.errors import WorkbenchError, WorkbenchWarning
from workbench.synth import generate_world, write_fixtures

CHANNEL, GROUP, SOURCE = "telegram:1292077344", "telegram:1400000001", "telegram:1006503122"
#: The message columns compared field by field (all but ``platform``).
FIELDS = ("channel_id", "channel", "author_id", "author", "message_id", "date", "text",
          "fwd_from_channel_id", "fwd_from_name", "fwd_from_message_id", "fwd_from_date",
          "reply_to", "views", "forwards", "edited", "grouped_id", "media_type", "media_name",
          "media_size", "media_duration", "mentions", "links", "hashtags", "source")


def load_quietly(path, **kwargs) -> wb.Corpus:
    """``wb.load`` with its WorkbenchWarnings silenced (the tests of a warning catch it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)
        return wb.load(path, **kwargs)


def accounted(corpus: wb.Corpus, *, service: bool = True) -> None:
    """Every record read is loaded, service, rejected or merged, and the counts in ``files``
    agree with the tables; ``service=False``: the format has none, so none may be loaded."""
    files = corpus.files
    assert (files["records"] == files["loaded"] + files["service"] + files["rejected"]
            + files["merged"]).all()
    assert files["loaded"].sum() == len(corpus.messages)
    assert files["service"].sum() == len(corpus.service)
    assert files["rejected"].sum() == len(corpus.rejected)
    if not service:
        assert len(corpus.service) == 0


def records_read(path, *, service: bool = True, **kwargs) -> int | None:
    """Load ``path`` quietly and check its bookkeeping (:func:`accounted`): the number of records
    read, or None when ``wb.load`` refuses the file (a WorkbenchError, allowed for damaged
    input; any other exception is a failure)."""
    try:
        corpus = load_quietly(path, **kwargs)
    except WorkbenchError:
        return None
    accounted(corpus, service=service)
    return corpus.files["records"].sum()


def plain(value):
    """A cell as a plain Python value: NA -> None, times -> ISO strings in UTC."""
    if isinstance(value, list):
        return value
    if value is None or pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, (np.integer,)):
        return int(value)
    return value


def rows_by_source(messages: pd.DataFrame) -> dict[str, dict]:
    """``source`` -> the row's :data:`FIELDS` as plain values."""
    return {r["source"]: {f: plain(r[f]) for f in FIELDS} for r in messages.to_dict("records")}


def assert_rows(corpus: wb.Corpus, rows: dict[str, dict]) -> None:
    """The corpus loads exactly the messages of ``rows`` (source -> :func:`expected` row),
    every field as given."""
    got = rows_by_source(corpus.messages)
    assert set(got) == set(rows)
    for source, row in rows.items():
        assert got[source] == row, source


def expected(source, message_id, date, **fields) -> dict:
    """A row as :func:`rows_by_source` gives it: in ``CHANNEL``, with no mentions, links or
    hashtags, the rest null, but for ``fields``."""
    row = {f: None for f in FIELDS}
    row.update(channel_id=CHANNEL, mentions=[], links=[], hashtags=[])
    row.update(source=source, message_id=message_id, date=date, **fields)
    return row


def sorted_messages(corpus: wb.Corpus) -> pd.DataFrame:
    """The messages in (channel_id, message_id) order, to compare two loads of one world."""
    return corpus.messages.sort_values(["channel_id", "message_id"], ignore_index=True)


def assert_columns_agree(a: pd.DataFrame, b: pd.DataFrame, columns, lists=(), *,
                         check_categorical: bool = False) -> None:
    """Two loads' messages (same rows, same order) agree: ``columns`` as Series (categories
    aside unless ``check_categorical``), ``lists`` (mentions, links, hashtags) as tuples."""
    for col in columns:
        pd.testing.assert_series_equal(a[col], b[col], check_names=False,
                                       check_categorical=check_categorical, obj=col)
    for col in lists:
        assert a[col].map(tuple).tolist() == b[col].map(tuple).tolist(), col


def load_world(tmp_path_factory, name: str, seed: int, scale: float, writers: dict):
    """``(world, root, loads)``: a generated world of 15 channels written under ``root`` as
    Telegram Desktop exports (``telegram/``) and by each of ``writers`` (folder name ->
    ``writer(world, folder)``), and each folder loaded quietly (folder name -> Corpus)."""
    world = generate_world(seed, n_channels=15, messages_scale=scale)
    root: Path = tmp_path_factory.mktemp(f"{name}{seed}")
    write_fixtures(world, root)
    for folder, write in writers.items():
        write(world, root / folder)
    return world, root, {folder: load_quietly(root / folder) for folder in ("telegram", *writers)}
