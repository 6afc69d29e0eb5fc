"""Message frames the analyst defines: a classifier trained on the analyst's own labels.

The analyst tags some messages with frames of their own ("call to attack", "news",
"religious", "recruitment", ...) in the labelling widget
(:func:`workbench.widgets.frame_labeller`), which keeps them in a CSV the analyst owns
(``channel_id``, ``message_id``, ``frame``). :func:`train_frames` fits logistic regression
on TF-IDF features of those messages (words and word pairs (in two texts or more, the 20,000 commonest) of the texts normalised as for
topics: any script, Arabic-script variants folded), reports cross-validated precision and recall per frame, and labels
every message with its most likely frame and that frame's probability.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ParameterError

__all__ = ["FRAME_LABEL_COLUMNS", "Frames", "train_frames"]

#: The columns of a frame-labels table (and of its CSV).
FRAME_LABEL_COLUMNS = ("channel_id", "message_id", "frame")


@dataclass(frozen=True, eq=False)
class Frames:
    """The result of :func:`train_frames`.

    Attributes
    ----------
    report : DataFrame
        Per frame: ``frame``, ``labelled`` (messages the analyst tagged), ``precision``,
        ``recall`` and ``f1`` from cross-validation (each message predicted by a model that
        did not see it).
    predictions : DataFrame
        Aligned with the messages: ``frame`` (the most likely), ``confidence`` (its
        probability), ``labelled`` (the analyst's own frame, NA when untagged).
    model : sklearn Pipeline
        Fitted on every label; ``model.predict_proba(texts)`` on normalised texts.
    """

    report: pd.DataFrame
    predictions: pd.DataFrame
    model: object


def _pipeline(random_state: int):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from ._topics import _TOKEN

    return make_pipeline(
        TfidfVectorizer(token_pattern=_TOKEN, lowercase=False, ngram_range=(1, 2),
                        sublinear_tf=True, min_df=2, max_features=20_000),
        LogisticRegression(max_iter=1000, random_state=random_state))


def train_frames(messages: pd.DataFrame, labels: pd.DataFrame, *, text_col: str = "text",
                 cv: int = 5, random_state: int = 0) -> Frames:
    """Train a frame classifier on the analyst's labels and label every message.

    Parameters
    ----------
    messages : DataFrame
        ``corpus.messages`` (``channel_id``, ``message_id`` and ``text_col``).
    labels : DataFrame
        The analyst's frames: ``channel_id``, ``message_id``, ``frame`` (what
        :func:`workbench.io.read_frame_labels` reads). Rows naming no message are refused.
    text_col : str, default "text"
    cv : int, default 5
        Cross-validation folds (stratified); at most the smallest frame's count.
    random_state : int, default 0

    Returns
    -------
    Frames

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"channel_id": ["c"] * 8, "message_id": range(8),
    ...                   "text": ["rain today", "rain and wind", "heavy rain", "rain again",
    ...                            "match won", "the match", "match today", "rain or match"]})
    >>> lab = pd.DataFrame({"channel_id": ["c"] * 6, "message_id": [0, 1, 2, 4, 5, 6],
    ...                     "frame": ["weather"] * 3 + ["sport"] * 3})
    >>> f = train_frames(m, lab, cv=3)
    >>> f.predictions["frame"].tolist()[3], f.report["frame"].tolist()
    ('weather', ['sport', 'weather'])
    """
    from sklearn.metrics import precision_recall_fscore_support
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from ._topics import _normalised

    missing = [c for c in FRAME_LABEL_COLUMNS if c not in labels.columns]
    if missing:
        raise ParameterError(f"labels lack column(s) {missing}; expected "
                             f"{list(FRAME_LABEL_COLUMNS)}")
    for col in ("channel_id", "message_id", text_col):
        if col not in messages.columns:
            raise ParameterError(f"messages has no {col!r} column")
    lab = labels.dropna(subset=["frame"]).drop_duplicates(["channel_id", "message_id"],
                                                          keep="last")
    key = pd.MultiIndex.from_arrays([messages["channel_id"].astype(str),
                                     messages["message_id"].astype("int64")])
    lab_key = pd.MultiIndex.from_arrays([lab["channel_id"].astype(str),
                                         lab["message_id"].astype("int64")])
    pos = key.get_indexer(lab_key)
    if (pos < 0).any():
        unknown = [f"{c}#{m}" for (c, m), p in zip(lab_key, pos) if p < 0]
        raise ParameterError(f"{len(unknown)} label row(s) name no message in messages: "
                             f"{unknown[:10]}")
    frames = lab["frame"].astype(str).to_numpy()
    counts = pd.Series(frames).value_counts()
    if len(counts) < 2:
        raise ParameterError("labels: at least two frames are needed to train a classifier")
    folds = min(int(cv), int(counts.min()))
    if folds < 2:
        raise ParameterError(f"labels: frame {counts.idxmin()!r} has {counts.min()} "
                             "labelled message(s); tag at least two of each frame")
    texts = np.asarray(_normalised(messages[text_col]), dtype=object)
    X = texts[pos]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    guessed = cross_val_predict(_pipeline(random_state), X, frames, cv=splitter)
    names = sorted(counts.index)
    p, r, f1, support = precision_recall_fscore_support(frames, guessed, labels=names,
                                                        zero_division=0)
    report = pd.DataFrame({"frame": names, "labelled": support.astype("int64"),
                           "precision": p, "recall": r, "f1": f1})
    model = _pipeline(random_state).fit(X, frames)
    proba = model.predict_proba(texts)
    classes = model.classes_
    best = proba.argmax(axis=1)
    own = pd.array([None] * len(messages), dtype="string")
    own[pos] = frames
    predictions = pd.DataFrame({
        "frame": pd.array(classes[best], dtype="string"),
        "confidence": proba[np.arange(len(messages)), best],
        "labelled": own}, index=messages.index)
    return Frames(report, predictions, model)
