"""Terms whose use rose before an event: what to plot when the analyst names no keyword.

Words are counted on texts normalised at the keywords level of
:func:`workbench.text.normalise_text`, the form :func:`keyword_trend` matches terms in.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pandas as pd

from ..backends import dispatchable
from ..errors import ParameterError
from ..events import event_time
from ..text import normalise_text

__all__ = ["rising_terms"]

# Words of three or more letters in any script (digits and underscores do not make words).
_WORD = re.compile(r"[^\W\d_]{3,}")


def _document_counts(texts: pd.Series, channels: pd.Series) -> tuple[Counter, list]:
    """Messages using each word, and each message's channel and set of words."""
    counts: Counter = Counter()
    per_message = []
    for text, channel in zip(texts.to_numpy(dtype=object, na_value=None),
                             channels.to_numpy(dtype=object, na_value=None)):
        words = set(_WORD.findall(normalise_text(text)))
        counts.update(words)
        per_message.append((channel, words))
    return counts, per_message


def _channels_using(per_message: list, terms: set) -> dict[str, set]:
    """The channels using each of ``terms`` (only the few words frequent enough to test)."""
    users: dict[str, set] = {t: set() for t in terms}
    for channel, words in per_message:
        for w in words & terms if len(words) > len(terms) else terms & words:
            users[w].add(channel)
    return users


@dispatchable("timeline.rising_terms")
def rising_terms(messages: pd.DataFrame, event=None, *, before="14D", baseline="84D",
                 top: int = 3, min_messages: int = 10, min_channels: int = 3,
                 prior: float = 100.0) -> pd.DataFrame:
    """The words whose share of messages rose most in the window before an event.

    Each word's document frequency (messages using it) in the ``before`` window ending at
    the event is compared with the ``baseline`` period just before that window, by the
    log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi and Quinn 2008,
    "Fightin' Words"): the prior pulls rare words towards the corpus-wide rate, so a word
    used twice does not outrank one used by hundreds, and the z-score ranks words by the
    evidence for the rise, not its size alone.

    Parameters
    ----------
    messages : DataFrame
        Canonical messages (``date``, ``text``, ``channel_id``).
    event : str, timestamp or Series
        Anything :func:`workbench.events.resolve_event` accepts (positional or ``event=``).
    before, baseline : str or Timedelta, default "14D" and "84D"
        Lengths of the window before the event and of the baseline before that window
        (cut at the start of the data).
    top : int, default 3
        How many words to return.
    min_messages, min_channels : int, default 10 and 3
        A word must be in at least this many messages of the window, from this many
        channels (one channel's footer or signature is not a trend).
    prior : float, default 100
        Strength of the prior, in messages.

    Returns
    -------
    DataFrame
        ``term`` (normalised), ``window_messages`` and ``window_share`` (messages using it
        in the window, and their share), ``baseline_messages``, ``baseline_share``,
        ``channels`` (in the window) and ``z`` (log-odds z-score), highest ``z`` first;
        only words whose share rose. Empty when either period has no messages.

    Examples
    --------
    >>> import workbench as wb
    >>> corpus = wb.load_fixtures()
    >>> rising_terms(corpus.messages, event="berlin-2016")["term"].iloc[0]
    'begadon'
    """
    columns = ["term", "window_messages", "window_share", "baseline_messages",
               "baseline_share", "channels", "rise", "z"]
    if event is None:
        raise ParameterError("rising_terms needs an event (a key, a name or a timestamp)")
    try:
        before_td, baseline_td = pd.Timedelta(before), pd.Timedelta(baseline)
    except ValueError as exc:
        raise ParameterError(f"before={before!r} / baseline={baseline!r}: {exc}") from exc
    at = event_time(event)
    dates = messages["date"]
    start = at - before_td
    window = messages[(dates >= start) & (dates < at)]
    base = messages[(dates >= start - baseline_td) & (dates < start)]
    if not len(window) or not len(base):
        return pd.DataFrame({c: [] for c in columns})
    win_counts, win_words = _document_counts(window["text"], window["channel_id"])
    base_counts, _ = _document_counts(base["text"], base["channel_id"])
    n_w, n_b = len(window), len(base)
    frequent = {t for t, c in win_counts.items() if c >= min_messages}
    win_users = _channels_using(win_words, frequent)
    terms = sorted(t for t in frequent if len(win_users[t]) >= min_channels)
    if not terms:
        return pd.DataFrame({c: [] for c in columns})
    y_w = np.array([win_counts[t] for t in terms], dtype=float)
    y_b = np.array([base_counts.get(t, 0) for t in terms], dtype=float)
    rate = (y_w + y_b) / (n_w + n_b)
    a, b = prior * rate, prior * (1 - rate)
    # Log-odds of a message using the word, each period smoothed by the pooled rate.
    lw = np.log((y_w + a) / (n_w - y_w + b))
    lb = np.log((y_b + a) / (n_b - y_b + b))
    var = 1 / (y_w + a) + 1 / (n_w - y_w + b) + 1 / (y_b + a) + 1 / (n_b - y_b + b)
    z = (lw - lb) / np.sqrt(var)
    table = pd.DataFrame({
        "term": terms, "window_messages": y_w.astype("int64"), "window_share": y_w / n_w,
        "baseline_messages": y_b.astype("int64"), "baseline_share": y_b / n_b,
        "channels": [len(win_users[t]) for t in terms], "rise": lw - lb, "z": z})
    table = table[table["window_share"] > table["baseline_share"]]
    return table.sort_values(["z", "term"], ascending=[False, True],
                             ignore_index=True).head(top)
