"""The analyst's frame labels: a CSV of ``channel_id``, ``message_id``, ``frame`` that the
labelling widget (:func:`workbench.widgets.frame_labeller`) keeps and
:func:`workbench.text.train_frames` reads. The analyst owns the file: it is read as it is
(a missing file is an empty table) and written whole, atomically, formulas neutralised."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ..errors import LoadError
from ..text import neutralise_formulas

__all__ = ["read_frame_labels", "write_frame_labels"]

_COLUMNS = ["channel_id", "message_id", "frame"]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"channel_id": pd.array([], dtype="string"),
                         "message_id": pd.array([], dtype="Int64"),
                         "frame": pd.array([], dtype="string")})


def read_frame_labels(path: str | os.PathLike) -> pd.DataFrame:
    """The frame labels in ``path`` (an empty table when the file does not exist yet).

    Raises
    ------
    LoadError
        A column is missing, or a row's ``message_id`` is not a whole number (the error
        names the file and the line).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "frames.csv"
    >>> len(read_frame_labels(p))
    0
    >>> _ = p.write_text("channel_id,message_id,frame\\ntelegram:1,7,news\\n")
    >>> read_frame_labels(p).values.tolist()
    [['telegram:1', 7, 'news']]
    """
    path = Path(path)
    if not path.exists():
        return _empty()
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise LoadError(f"{path.name}: cannot read frame labels: {exc}") from exc
    missing = [c for c in _COLUMNS if c not in frame.columns]
    if missing:
        raise LoadError(f"{path.name}: frame labels lack column(s) {missing}; expected "
                        f"{_COLUMNS}")
    ids = pd.to_numeric(frame["message_id"], errors="coerce")
    bad = ids.isna() | (ids % 1 != 0)
    if bad.any():
        line = int(bad.to_numpy().nonzero()[0][0]) + 2  # the header is line 1
        raise LoadError(f"{path.name}#{line}: message_id {frame['message_id'].iloc[line - 2]!r}"
                        " is not a whole number")
    out = _empty().reindex(range(len(frame)))
    out["channel_id"] = pd.array(frame["channel_id"], dtype="string")
    out["message_id"] = pd.array(ids.astype("int64"), dtype="Int64")
    out["frame"] = pd.array(frame["frame"].where(frame["frame"] != ""), dtype="string")
    return out


def write_frame_labels(labels: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write ``labels`` (``channel_id``, ``message_id``, ``frame``) to ``path``, replacing it
    atomically; cells a spreadsheet would run as formulas are neutralised."""
    path = Path(path)
    table = neutralise_formulas(labels[_COLUMNS].reset_index(drop=True))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    table.to_csv(tmp, index=False)
    os.replace(tmp, path)
    return path
