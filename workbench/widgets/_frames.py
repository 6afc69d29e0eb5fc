"""Tag messages with the analyst's own frames: one message at a time, a button per frame.

Wiring only: the labels are read and written by :mod:`workbench.io.frame_labels` (the CSV
the analyst owns, rewritten after every tag) and trained on by
:func:`workbench.text.train_frames`. Message texts and channel names are escaped.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..io.frame_labels import read_frame_labels, write_frame_labels
from ..text import escape

__all__ = ["FrameLabeller", "frame_labeller"]


class FrameLabeller:
    """The state of a labelling session: the queue of untagged messages, the labels, the
    controls. ``label(frame)`` tags the current message and saves; ``skip()`` moves on.

    Attributes
    ----------
    labels : DataFrame
        ``channel_id``, ``message_id``, ``frame``: what the CSV holds.
    queue : ndarray
        Positions (in ``messages``) still to tag, in the order they are shown.
    """

    def __init__(self, messages: pd.DataFrame, frames: Sequence[str],
                 path: str | os.PathLike, *, text_col: str = "text",
                 random_state: int | None = 0) -> None:
        frames = [str(f) for f in frames]
        if not frames or len(set(frames)) != len(frames):
            raise ParameterError(f"frames={frames!r}: expected distinct frame names")
        if text_col not in messages.columns:
            raise ParameterError(f"messages has no {text_col!r} column")
        self.messages, self.frames, self.path, self.text_col = messages, frames, path, text_col
        self.labels = read_frame_labels(path)
        done = set(zip(self.labels["channel_id"].astype(str),
                       self.labels["message_id"].astype("int64")))
        has_text = messages[text_col].notna().to_numpy()
        keys = zip(messages["channel_id"].astype(str), messages["message_id"].astype("int64"))
        todo = np.array([i for i, k in enumerate(keys) if has_text[i] and k not in done],
                        dtype=np.int64)
        if random_state is not None:  # a random sample, not the first channel's messages
            todo = np.random.default_rng(random_state).permutation(todo)
        self.queue = todo
        self.text = widgets.HTML()
        self.progress = widgets.Label()
        self.buttons = [widgets.Button(description=f) for f in frames]
        for button, frame in zip(self.buttons, frames):
            button.on_click(lambda _b, frame=frame: self.label(frame))
        self.skip_button = widgets.Button(description="skip")
        self.skip_button.on_click(lambda _b: self.skip())
        self.widget = widgets.VBox([self.progress, self.text,
                                    widgets.HBox([*self.buttons, self.skip_button])])
        self._show()

    def current(self) -> pd.Series | None:
        """The message being shown (a row of ``messages``), None when none is left."""
        return None if not len(self.queue) else self.messages.iloc[int(self.queue[0])]

    def label(self, frame: str) -> None:
        """Tag the current message with ``frame``, save the CSV, show the next message."""
        if frame not in self.frames:
            raise ParameterError(f"frame={frame!r}; expected one of {self.frames}")
        row = self.current()
        if row is None:
            return
        new = pd.DataFrame({"channel_id": pd.array([str(row["channel_id"])], dtype="string"),
                            "message_id": pd.array([int(row["message_id"])], dtype="Int64"),
                            "frame": pd.array([frame], dtype="string")})
        self.labels = pd.concat([self.labels, new], ignore_index=True) if len(self.labels) \
            else new
        write_frame_labels(self.labels, self.path)
        self.skip()

    def skip(self) -> None:
        """Show the next message without tagging this one."""
        self.queue = self.queue[1:]
        self._show()

    def _show(self) -> None:
        row = self.current()
        counts = self.labels["frame"].value_counts()
        self.progress.value = (f"{len(self.labels)} tagged ("
                               + ", ".join(f"{f}: {int(counts.get(f, 0))}" for f in self.frames)
                               + f"); {len(self.queue)} to go")
        if row is None:
            self.text.value = "<i>Nothing left to tag.</i>"
            return
        self.text.value = (f"<b>{escape(row.get('channel', row['channel_id']))}</b> "
                           f"{escape(row.get('date', ''))}<br>"
                           f"<div style='white-space: pre-wrap'>{escape(row[self.text_col])}"
                           "</div>")

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def frame_labeller(messages: pd.DataFrame, frames: Sequence[str], path: str | os.PathLike,
                   **kwargs) -> FrameLabeller:
    """Tag messages with frames of your own; every tag is saved to the CSV at ``path``.

    Parameters
    ----------
    messages : DataFrame
        ``corpus.messages`` (or a slice of it).
    frames : sequence of str
        The frames, one button each (e.g. ``["call to attack", "news", "religious"]``).
    path : str or Path
        The labels CSV (``channel_id``, ``message_id``, ``frame``); read first, so a
        session goes on where the last one stopped.
    **kwargs
        ``text_col``, ``random_state`` (the order messages are shown in; None: as given).

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> m = pd.DataFrame({"channel_id": ["c", "c"], "message_id": [1, 2],
    ...                   "text": ["<script>x</script>", "b"]})
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "frames.csv"
    >>> tagger = frame_labeller(m, ["news", "other"], p, random_state=None)
    >>> "&lt;script&gt;" in tagger.text.value
    True
    >>> tagger.label("news")
    >>> p.read_text().splitlines()
    ['channel_id,message_id,frame', 'c,1,news']
    """
    return FrameLabeller(messages, frames, path, **kwargs)
