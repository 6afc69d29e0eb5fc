"""What the channels talk about: topic models of message texts, and topic shares over time.

:func:`topics` fits TF-IDF and non-negative matrix factorisation (scikit-learn) on the
messages' texts, normalised as near-duplicate detection normalises them
(:func:`~workbench.text.normalise_texts`: URLs, hashtags and handles out, Arabic-script
variants folded, case folded, punctuation and emoji out), with the stop words of twelve
languages removed, and each distinct text counted once, so that forwards and copies do not
make their own topics. :func:`topic_trend` turns the assignments into topic shares per
period (and per group).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..progress import progress_steps

__all__ = ["Topics", "TopicModel", "topics", "topic_trend"]

# Words of two or more letters, any script (no digits, no underscores).
_TOKEN = r"(?u)\b[^\W\d_]{2,}\b"
#: The steps of :func:`topics` its progress bar counts: on a million messages each takes
#: seconds to minutes, and scikit-learn's fits give no finer progress.
STAGES = ("normalising texts", "TF-IDF", "NMF", "assigning topics")


def _normalised(texts: pd.Series) -> list[str]:
    from . import normalise_texts

    values = [t if isinstance(t, str) else None for t in texts.tolist()]
    codes, offsets = normalise_texts(values)
    flat = codes.tobytes().decode("utf-32-le")
    return [flat[offsets[i]:offsets[i + 1]] for i in range(len(values))]


def _texts_of(messages, text_col: str) -> pd.Series:
    if isinstance(messages, pd.DataFrame):
        if text_col not in messages.columns:
            raise ParameterError(f"messages has no {text_col!r} column")
        return messages[text_col]
    if isinstance(messages, pd.Series):
        return messages
    raise ParameterError("messages: expected a DataFrame of messages or a Series of texts, "
                         f"got {type(messages).__name__}")


@dataclass(frozen=True, eq=False)
class TopicModel:
    """A fitted topic model: the vectoriser and the factorisation, for new messages."""

    vectorizer: object
    nmf: object
    text_col: str = "text"

    def transform(self, messages: pd.DataFrame | pd.Series) -> pd.DataFrame:
        """Assignments of ``messages`` (same index): ``topic`` (Int64, NA for a text with no
        known word) and ``weight`` (the topic's share of the message's topic weights)."""
        texts = _texts_of(messages, self.text_col)
        X = self.vectorizer.transform(_normalised(texts))
        W = self.nmf.transform(X)
        total = W.sum(axis=1)
        best = W.argmax(axis=1)
        has = total > 1e-12
        topic = pd.array(np.where(has, best, 0), dtype="Int64")
        topic[~has] = pd.NA
        weight = pd.array(np.where(has, W.max(axis=1) / np.where(has, total, 1), np.nan),
                          dtype="Float64")
        return pd.DataFrame({"topic": topic, "weight": weight}, index=texts.index)


@dataclass(frozen=True, eq=False)
class Topics:
    """The result of :func:`topics`.

    Attributes
    ----------
    terms : DataFrame
        ``topic``, ``rank``, ``term``, ``weight``: the top terms of every topic.
    assignments : DataFrame
        Aligned with the messages (same index): ``topic`` (Int64; NA for an empty text or one
        with no known word) and ``weight``.
    labels : Series
        Each topic's label, its three top terms (``"0: term term term"``).
    model : TopicModel
        The fitted model (``model.transform(new_messages)``).
    """

    terms: pd.DataFrame
    assignments: pd.DataFrame
    labels: pd.Series
    model: TopicModel


def topics(messages: pd.DataFrame | pd.Series, k: int = 10, *, text_col: str = "text",
           n_terms: int = 10, min_df: int = 2, max_df: float = 0.5,
           max_features: int = 50_000, random_state: int = 0) -> Topics:
    """Fit a topic model (TF-IDF and NMF) on message texts.

    Parameters
    ----------
    messages : DataFrame or Series
        ``corpus.messages`` (``text_col`` is read) or a Series of texts.
    k : int, default 10
        Topics.
    text_col : str, default "text"
    n_terms : int, default 10
        Terms listed per topic in ``terms``.
    min_df, max_df : int and float
        A term must be in at least ``min_df`` distinct texts and at most ``max_df`` of them.
    max_features : int, default 50,000
        The vocabulary's size limit (the most frequent terms are kept).
    random_state : int, default 0
        Seeds the factorisation: the same messages and seed give the same topics.

    Returns
    -------
    Topics

    Examples
    --------
    >>> import pandas as pd
    >>> texts = pd.Series(["rain and snow tonight", "snow and cold rain", "rain, snow, wind",
    ...                    "match goal team", "team won the match", "goal for the team", ""])
    >>> t = topics(texts, k=2, n_terms=3, min_df=1, max_df=1.0)
    >>> t.assignments["topic"].tolist()[:6] == [t.assignments["topic"][0]] * 3 + [
    ...     t.assignments["topic"][3]] * 3, t.assignments["topic"].isna().tolist()[-1]
    (True, True)
    """
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer

    from ._stopwords import stop_words

    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ParameterError(f"k={k!r}: expected a positive number of topics")
    texts = _texts_of(messages, text_col)
    stages = iter(progress_steps(STAGES, desc="topic model"))
    next(stages)
    normal = pd.Series(_normalised(texts), index=texts.index)
    distinct = normal[normal != ""].drop_duplicates()  # forwards and copies count once
    if len(distinct) < k:
        raise ParameterError(f"{len(distinct)} distinct non-empty texts: too few for k={k}")
    vectorizer = TfidfVectorizer(token_pattern=_TOKEN, lowercase=False,
                                 stop_words=sorted(stop_words()), min_df=min_df,
                                 max_df=max_df, max_features=max_features, sublinear_tf=True)
    next(stages)
    try:
        X = vectorizer.fit_transform(distinct.tolist())
    except ValueError as exc:  # scikit-learn: empty vocabulary after pruning
        raise ParameterError(f"no terms left to model ({exc}); lower min_df or raise "
                             "max_df") from exc
    next(stages)
    nmf = NMF(n_components=k, init="nndsvda", random_state=random_state, max_iter=1000)
    with warnings.catch_warnings():
        # The top terms settle long before NMF's loss meets its tolerance; a notebook or a
        # briefing should not show the analyst scikit-learn's warning about it.
        warnings.simplefilter("ignore", ConvergenceWarning)
        nmf.fit(X)
    model = TopicModel(vectorizer, nmf, text_col)
    vocab = np.asarray(vectorizer.get_feature_names_out(), dtype=object)
    rows = []
    for topic, weights in enumerate(nmf.components_):
        top = np.argsort(-weights, kind="stable")[:n_terms]
        for rank, j in enumerate(top):
            rows.append((topic, rank, vocab[j], float(weights[j])))
    terms = pd.DataFrame(rows, columns=["topic", "rank", "term", "weight"])
    terms["term"] = terms["term"].astype("string")
    labels = terms[terms["rank"] < 3].groupby("topic")["term"].agg(" ".join)
    labels = pd.Series([f"{t}: {w}" for t, w in labels.items()], index=labels.index,
                       name="label", dtype="string")
    next(stages)
    assignments = model.transform(texts)
    next(stages, None)  # the last stage done: the bar closes
    return Topics(terms, assignments, labels, model)


def topic_trend(messages: pd.DataFrame, assignments: pd.DataFrame, *, freq: str = "W",
                by: str | None = None, tz: str = "UTC", date_col: str = "date"
                ) -> pd.DataFrame:
    """Topic shares per period (and per value of ``by``): what was talked about when.

    Parameters
    ----------
    messages : DataFrame
        ``corpus.messages`` (``date_col`` and ``by`` are read).
    assignments : DataFrame
        ``topics(...).assignments`` (or ``model.transform(...)``) of the same messages.
    freq : str, default "W"
        A pandas period alias ("D", "W", "M").
    by : str, optional
        A column of messages (``group``, ``lang``, ``channel_id``).
    tz : str, default "UTC"
        Periods are cut in this time zone.

    Returns
    -------
    DataFrame
        One row per period, ``by`` value and topic: ``date`` (period start, tz-aware),
        ``by`` (when given), ``topic``, ``messages`` (with that topic) and ``share`` (of the
        messages with a topic in that period and group); zero-filled.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"date": pd.to_datetime(["2016-12-01", "2016-12-02", "2016-12-09"],
    ...                                          utc=True)})
    >>> a = pd.DataFrame({"topic": pd.array([0, 1, 1], dtype="Int64")})
    >>> trend = topic_trend(m, a, freq="W")
    >>> trend["topic"].tolist(), trend["messages"].tolist(), trend["share"].tolist()
    ([0, 1, 0, 1], [1, 1, 0, 1], [0.5, 0.5, 0.0, 1.0])
    """
    if not assignments.index.equals(messages.index):
        raise ParameterError("assignments are not aligned with messages (different index)")
    for col in [date_col] + ([by] if by else []):
        if col not in messages.columns:
            raise ParameterError(f"messages has no {col!r} column")
    try:
        dates = messages[date_col].dt.tz_convert(tz).dt.tz_localize(None)
        period = dates.dt.to_period(freq).dt.start_time.dt.tz_localize(tz)
    except (ValueError, TypeError, AttributeError) as exc:
        raise ParameterError(f"invalid freq={freq!r} or tz={tz!r}: {exc}") from exc
    frame = pd.DataFrame({"date": period, "topic": assignments["topic"]})
    keys = ["date"]
    if by:
        frame["by"] = messages[by].astype(object).where(messages[by].notna(), "(none)")
        keys.append("by")
    groups = sorted(frame["by"].unique(), key=str) if by else []  # also those with no topic
    frame = frame.dropna(subset=["topic"])
    counts = frame.groupby(keys + ["topic"]).size()
    all_topics = sorted(pd.unique(assignments["topic"].dropna()).tolist())
    spans = dates.dropna().dt.to_period(freq)
    all_dates = (list(pd.period_range(spans.min(), spans.max(), freq=freq).start_time
                      .tz_localize(tz)) if len(spans) else [])
    levels = [all_dates] + ([groups] if by else []) + [all_topics]
    full = pd.MultiIndex.from_product(levels, names=keys + ["topic"])
    counts = counts.reindex(full, fill_value=0).rename("messages").reset_index()
    totals = counts.groupby(keys)["messages"].transform("sum")
    counts["share"] = np.where(totals > 0, counts["messages"] / totals.where(totals > 0, 1), 0.0)
    counts["topic"] = counts["topic"].astype("int64")
    counts["messages"] = counts["messages"].astype("int64")
    if by:
        counts = counts.rename(columns={"by": by})
    return counts
