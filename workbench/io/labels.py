"""Analyst labels (``channels=``): a table of channels with ``group``, ``lang`` or anything
else, joined onto ``corpus.channels`` and, as extra columns, onto ``corpus.messages`` (so that
``message_volume(messages, by="group")`` works).

A label row names its channel by ``channel_id`` (``telegram:123``, or a bare/prefixed id such as
``123`` or ``channel123``), else by ``handle`` (with or without ``@`` or ``t.me/``), else by
``name`` (compared normalised). A ``handle`` in the labels fills a channel's missing handle.

Examples
--------
>>> import pandas as pd
>>> from workbench import schema
>>> channels = schema.conform(pd.DataFrame({
...     "channel_id": ["telegram:1", "telegram:2"], "platform": ["telegram"] * 2,
...     "name": ["One", "Two"], "resolved": [True, True]}), "channels")
>>> messages = schema.conform(pd.DataFrame({
...     "platform": ["telegram"], "channel_id": ["telegram:2"], "message_id": [5],
...     "date": pd.to_datetime(["2016-10-01"], utc=True)}), "messages")
>>> labels = pd.DataFrame({"name": ["two"], "group": ["control"]})
>>> ch, msgs = join_labels(channels, messages, labels, [])
>>> ch[["channel_id", "group"]]
    channel_id    group
0  telegram:1     <NA>
1  telegram:2  control
>>> msgs["group"].tolist()
['control']
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from ..errors import LoadError, ParameterError
from ..ids import normalise_name, telegram_key

__all__ = ["read_labels", "join_labels", "take_or_na", "nullable_dtype"]

_KEYS = ("channel_id", "handle", "name")


def read_labels(labels: pd.DataFrame | str | Path) -> pd.DataFrame:
    """The labels table as given, or read from a CSV; string columns as nullable strings.

    Raises
    ------
    ParameterError
        If it has none of ``channel_id``, ``handle``, ``name``.
    LoadError
        If the CSV cannot be read (not a regular file, unreadable, a damaged or truncated
        .gz/.zst, not CSV), naming the file.
    """
    if isinstance(labels, (str, os.PathLike)):
        import io

        from .sources import Source

        path = Path(labels)
        if not path.is_file():  # a FIFO would block, a device is no table
            raise LoadError(f"{path.name}: cannot read channel labels: not a regular file")
        source = Source(path, path.name)
        try:
            compressed = source.compression is not None
        except OSError as exc:
            raise LoadError(f"{path.name}: cannot read channel labels: "
                            f"{exc.strerror or exc}") from None
        # gzip and zstd through the loader's checked decoders: a cut or damaged stream is
        # named as such (pandas would raise EOFError or read part of it)
        data = io.BytesIO(source.read_bytes()) if compressed else path
        try:
            frame = pd.read_csv(data, dtype={k: "string" for k in _KEYS})
        except (OSError, ValueError, EOFError, pd.errors.ParserError) as exc:
            raise LoadError(f"{path.name}: cannot read channel labels: {exc}") from exc
    elif isinstance(labels, pd.DataFrame):
        frame = labels.copy()
    else:
        raise ParameterError(
            f"channels= must be a DataFrame or a CSV path, not {type(labels).__name__}")
    if not any(k in frame.columns for k in _KEYS):
        raise ParameterError(
            "channels= labels need a channel_id, handle or name column; got "
            f"{list(frame.columns)}")
    for col in frame.columns:
        if pd.api.types.is_string_dtype(frame[col]):
            values = frame[col].astype(schema.STRING)
            frame[col] = values.mask(values.str.strip() == "")
    return frame.reset_index(drop=True)


def _key_of_id(value: str) -> str:
    text = value.strip()
    if ":" in text:
        return text
    try:
        return telegram_key(text)
    except ValueError:
        return text


def _handle(value: str) -> str:
    text = value.strip()
    for prefix in ("https://", "http://"):
        if text.lower().startswith(prefix):
            text = text[len(prefix):]
    for prefix in ("t.me/", "telegram.me/", "@"):
        if text.lower().startswith(prefix):
            text = text[len(prefix):]
    return text.strip("/").casefold()


def _present(value) -> bool:
    return value is not None and value is not pd.NA and not (
        isinstance(value, float) and np.isnan(value)) and str(value).strip() != ""


def join_labels(channels: pd.DataFrame, messages: pd.DataFrame, labels,
                warnings: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ``channels`` and ``messages`` with the label columns joined (copies).

    Unmatched label rows, and rows matching a channel another row already labelled, are
    reported in ``warnings``.
    """
    frame = read_labels(labels)
    extra = [c for c in frame.columns if c not in _KEYS and c not in schema.CHANNELS]
    by_id = {cid: i for i, cid in enumerate(channels["channel_id"])}
    by_handle: dict[str, int] = {}
    by_name: dict[str, list[int]] = {}
    for i, (handle, name) in enumerate(zip(channels["handle"], channels["name"])):
        if _present(handle):
            by_handle.setdefault(_handle(handle), i)
        if _present(name):
            by_name.setdefault(normalise_name(name), []).append(i)

    target = np.full(len(frame), -1, dtype=np.int64)
    unmatched, ambiguous, repeated = [], [], []
    taken: dict[int, int] = {}
    cols = {k: frame[k].tolist() if k in frame.columns else [None] * len(frame) for k in _KEYS}
    for r in range(len(frame)):
        cid, handle, name = cols["channel_id"][r], cols["handle"][r], cols["name"][r]
        hit = None
        if _present(cid):
            hit = by_id.get(_key_of_id(str(cid)))
        if hit is None and _present(handle):
            hit = by_handle.get(_handle(str(handle)))
        if hit is None and _present(name):
            hits = by_name.get(normalise_name(str(name)), [])
            if len(hits) > 1:
                ambiguous.append(str(name))
                continue
            hit = hits[0] if hits else None
        described = next((str(v) for v in (cid, handle, name) if _present(v)), f"row {r}")
        if hit is None:
            unmatched.append(described)
            continue
        if hit in taken:
            repeated.append(described)
            continue
        taken[hit] = r
        target[r] = hit
    if unmatched:
        warnings.append(f"{len(unmatched)} channel label row(s) matched no channel in the "
                        f"corpus: {unmatched[:20]}")
    if ambiguous:
        warnings.append(f"channel label name(s) shared by several channels, not applied: "
                        f"{ambiguous[:20]}")
    if repeated:
        warnings.append(f"channel label row(s) for a channel already labelled, ignored: "
                        f"{repeated[:20]}")

    # label row for each channel (or -1)
    row_of_channel = np.full(len(channels), -1, dtype=np.int64)
    for ch, r in taken.items():
        row_of_channel[ch] = r
    has = row_of_channel >= 0
    out = channels.copy()
    if "handle" in frame.columns:
        fill = take_or_na(frame["handle"].astype(schema.STRING), row_of_channel)
        fill = fill.str.strip().str.lstrip("@")
        out["handle"] = out["handle"].astype(schema.STRING).fillna(fill.mask(fill == ""))
    for col in extra:
        out[col] = take_or_na(frame[col], row_of_channel)

    msgs = messages
    usable = [c for c in extra if c not in schema.MESSAGES]
    skipped = [c for c in extra if c in schema.MESSAGES]
    if skipped:
        warnings.append(f"label column(s) {skipped} share a messages column's name; joined onto "
                        "channels only")
    if usable:
        msgs = messages.copy(deep=False)
        pos = pd.Index(out["channel_id"]).get_indexer(messages["channel_id"])
        for col in usable:
            msgs[col] = take_or_na(out[col], pos)
    return schema.conform(out, "channels"), msgs


def nullable_dtype(dtype):
    """The pandas dtype that holds ``dtype``'s values and NA (never NaN).

    Examples
    --------
    >>> nullable_dtype(np.dtype("int64")), nullable_dtype(np.dtype("bool"))
    (Int64Dtype(), BooleanDtype)
    """
    if isinstance(dtype, np.dtype):
        if dtype.kind in "iu":
            return pd.Int64Dtype()
        if dtype.kind == "b":
            return pd.BooleanDtype()
        if dtype.kind == "f":
            return pd.Float64Dtype()
    return dtype


def take_or_na(values: pd.Series, positions: np.ndarray) -> pd.Series:
    """``values`` at ``positions``, NA where the position is -1, in a nullable dtype: a left
    join by row positions (the labels of each channel, onto channels and messages).

    Examples
    --------
    >>> take_or_na(pd.Series([10, 20]), np.array([1, -1, 0])).tolist()
    [20, <NA>, 10]
    """
    values = values.reset_index(drop=True)
    dtype = nullable_dtype(values.dtype)
    if dtype is not values.dtype:
        values = values.astype(dtype)
    return values.reindex(pd.Index(positions)).reset_index(drop=True)
