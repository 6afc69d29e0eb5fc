"""Successor channels: a channel stops, days later a new one continues it.

:func:`successors` pairs channels that stopped posting with channels that appeared soon after,
and scores each pair on five kinds of evidence (names, audience, sources, content, timing).
:func:`name_core` is the name normalisation it uses: the part of a title or handle that a
banned channel's successor keeps.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

import numpy as np
import pandas as pd

from ..backends import dispatchable
from ..errors import ParameterError
from ..schema import CHANNEL, CHANNEL_ID, DATE, FWD_NAME, TEXT
from ..text import normalise_text
from ._edges import forward_rows, mention_edges

__all__ = ["SUCCESSOR_COLUMNS", "SUCCESSOR_WEIGHTS", "name_core", "successors"]

#: Words successors add to a banned channel's name, dropped before names are compared.
VARIANT_WORDS = frozenset({
    "new", "backup", "official", "reserve", "mirror", "channel", "chan", "ch", "the", "v",
    "archive", "main", "real", "original", "again", "returns", "back", "bak", "rezerv",
    "novyi", "novyy", "zapasnoi", "zapasnoy", "ofitsialnyi", "jadid", "al", "rasmi"})
#: Weights of the evidence columns in ``score`` (they sum to 1).
SUCCESSOR_WEIGHTS = {"name_similarity": 0.45, "content_continuity": 0.2,
                     "audience_overlap": 0.1, "source_overlap": 0.1, "timing": 0.15}
SUCCESSOR_COLUMNS = ["predecessor", "successor", "predecessor_name", "successor_name",
                     "predecessor_last", "successor_first", "gap", "score",
                     *SUCCESSOR_WEIGHTS]

# Cyrillic and Arabic letters to Latin, so "Новости" and "Novosti" (or a handle) compare.
_TRANSLIT = {
    **dict(zip("абвгдезийклмнопрстуфхцыэ", "abvgdeziiklmnoprstufhcye")),
    "ё": "e", "ж": "zh", "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "", "ь": "", "ю": "yu",
    "я": "ya", "і": "i", "ї": "i", "є": "e", "ґ": "g",
    **dict(zip("ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
               ["a", "b", "t", "th", "j", "h", "kh", "d", "dh", "r", "z", "s", "sh", "s", "d",
                "t", "z", "", "gh", "f", "q", "k", "l", "m", "n", "h", "w", "y"])),
    "ء": "", "أ": "a", "إ": "i", "آ": "a", "ة": "h", "ى": "a", "ئ": "y", "ؤ": "w",
}
_SEP = re.compile(r"[\W_]+")


def name_core(name: object) -> str:
    """The part of a channel's title or handle that its successors keep.

    Case-folded, transliterated to Latin (Cyrillic, Arabic), without emoji, punctuation,
    digits and the words successors add (``new``, ``backup``, ``official``, ``reserve``,
    ``mirror``, ...); words are joined without spaces so handles and titles compare.

    Examples
    --------
    >>> name_core("New Sawt Khilafa 2 🔥"), name_core("sawt_khilafa_backup")
    ('sawtkhilafa', 'sawtkhilafa')
    >>> name_core("Новости 24") == name_core("novosti_official")
    True
    """
    if not isinstance(name, str):
        return ""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = "".join(_TRANSLIT.get(c, c) for c in text)
    text = "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))
    words = [w for w in _SEP.split(text) if w]
    words = ["".join(c for c in w if not c.isdigit()) for w in words]
    return "".join(w for w in words if w and w not in VARIANT_WORDS)


def _similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _names(messages: pd.DataFrame, channels) -> dict[str, set[str]]:
    """Every title and handle known for each channel, as name cores."""
    out: dict[str, set[str]] = {}
    last = messages.groupby(CHANNEL_ID, observed=True)[CHANNEL].agg(
        lambda s: set(s.dropna().astype(str)))
    for cid, names in last.items():
        out.setdefault(str(cid), set()).update(names)
    if channels is not None:
        table = getattr(channels, "channels", channels)
        for col in ("name", "handle", "names"):
            if col not in table.columns:
                continue
            for cid, value in zip(table[CHANNEL_ID].astype(str), table[col]):
                if isinstance(value, str):
                    out.setdefault(cid, set()).add(value)
                elif isinstance(value, (list, tuple, np.ndarray)):
                    out.setdefault(cid, set()).update(
                        v if isinstance(v, str) else str(v.get("name", "")) for v in value
                        if isinstance(v, (str, dict)))
    return {cid: {name_core(n) for n in names} - {""} for cid, names in out.items()}


def _continuity(msgs: pd.DataFrame, pred: str, succ: str, first_n: int,
                elsewhere: dict) -> float:
    """Share of the successor's first texts (and links) the predecessor already posted."""
    p = msgs[msgs[CHANNEL_ID] == pred]
    s = msgs[msgs[CHANNEL_ID] == succ].sort_values(DATE).head(first_n)
    if s.empty or p.empty:
        return 0.0
    # texts a third channel also posted are cross-posts, not a channel's own continuity
    p_texts = {t for t in p["_text"] if len(t) >= 20} - elsewhere.get((pred, succ), set())
    s_texts = [t for t in s["_text"] if len(t) >= 20]
    text_share = sum(t in p_texts for t in s_texts) / len(s_texts) if s_texts else 0.0
    link_share = 0.0
    if "links" in msgs.columns:
        p_links = {u for links in p["links"] for u in links if "t.me/" not in u}
        # per message, as texts are: one shared link among few links is not continuity
        link_share = sum(any(u in p_links for u in links) for links in s["links"]) / len(s)
    return float(min(1.0, 3 * max(text_share, link_share)))


@dispatchable("network.successors")
def successors(messages: pd.DataFrame, *, channels=None, max_gap: str = "14D",
               silence: str = "7D", min_score: float = 0.5, first_n: int = 50
               ) -> pd.DataFrame:
    """Likely successors of channels that stopped: one row per (predecessor, successor).

    A *predecessor* is a collected channel whose last message falls at least ``silence``
    before the end of the data; a *candidate successor* is a collected channel whose first
    message falls between one day before that last message and ``max_gap`` after it. Each
    pair is scored on five kinds of evidence, each from 0 to 1:

    - ``name_similarity``: the best match between any title or handle of the two, compared as
      :func:`name_core` (digits, "new", "backup", "official", ... dropped; transliterated);
    - ``audience_overlap``: Jaccard overlap of the channels that forwarded or mentioned each;
    - ``source_overlap``: Jaccard overlap of the channels each forwarded from;
    - ``content_continuity``: the share of the successor's first ``first_n`` own messages
      (forwards left out) whose text (or non-Telegram links) the predecessor had already
      posted and no third channel posted (a cross-post is not continuity), times three,
      capped at 1 (successors re-post a few old posts; a tenth of them already says much);
    - ``timing``: 1 for a gap of up to five days, falling linearly to 0 at ``max_gap``, 0.5
      when the successor appeared up to a day before the predecessor's last message.

    ``score`` is their weighted sum (weights in ``SUCCESSOR_WEIGHTS``: names 0.45, content
    0.2, timing 0.15, audience 0.1, sources 0.1). Pairs scoring at least ``min_score`` (0.5)
    are returned, best first: a similar name alone (0.45) or an unrelated channel that
    appeared at the right time with the same audience (at most 0.35) never passes; a similar
    name with the right timing (at least 0.6 at full similarity) does, as do re-posted
    content and shared audience with a partly similar name. Channels that coexisted with
    the predecessor (first message more than a day before its last) are never candidates,
    however similar their names ("X Fans").

    Parameters
    ----------
    messages : DataFrame
        Canonical messages (``links`` and ``mentions`` used when present).
    channels : Corpus or DataFrame, optional
        Adds handles and every known title (``name``, ``handle``, ``names``) to the names
        compared, and resolves ``@mentions`` for the audience.
    max_gap : str, default "14D"
        Longest time between a predecessor's last and a successor's first message.
    silence : str, default "7D"
        How long before the end of the data a channel must have stopped to be a predecessor.
    min_score : float, default 0.5
        Threshold on ``score``.
    first_n : int, default 50
        How many of the successor's first messages are compared for content continuity.

    Returns
    -------
    DataFrame
        Columns ``SUCCESSOR_COLUMNS``: ``predecessor``, ``successor`` (channel ids), their
        names, ``predecessor_last``, ``successor_first`` (UTC), ``gap`` (Timedelta), ``score``
        and the five evidence columns; best first.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench import schema
    >>> day = pd.Timestamp("2016-10-01", tz="UTC")
    >>> rows = [("telegram:1", "Sawt Khilafa", day + pd.Timedelta(days=d)) for d in range(20)]
    >>> rows += [("telegram:2", "Sawt Khilafa 2", day + pd.Timedelta(days=d)) for d in range(22, 60)]
    >>> rows += [("telegram:3", "Weather Today", day + pd.Timedelta(days=d)) for d in range(60)]
    >>> msgs = schema.conform(pd.DataFrame(rows, columns=["channel_id", "channel", "date"])
    ...     .assign(platform="telegram", message_id=range(len(rows))), "messages")
    >>> found = successors(msgs)
    >>> found[["predecessor", "successor"]].values.tolist(), found["gap"].iloc[0].days
    ([['telegram:1', 'telegram:2']], 3)
    >>> bool(found["score"].iloc[0] >= 0.5)
    True
    """
    try:
        gap_max, quiet = pd.Timedelta(max_gap), pd.Timedelta(silence)
    except ValueError as exc:
        raise ParameterError(f"invalid max_gap={max_gap!r} or silence={silence!r}: {exc}") from exc
    if not 0.0 <= float(min_score) <= 1.0:
        raise ParameterError(f"min_score={min_score!r}: expected a number from 0 to 1")
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in SUCCESSOR_COLUMNS})
    if messages.empty:
        return empty
    span = messages.groupby(CHANNEL_ID, observed=True)[DATE].agg(["min", "max"])
    span.index = span.index.astype(str)
    end = messages[DATE].max()
    stopped = span[span["max"] + quiet <= end]
    pairs = []
    for pred, row in stopped.iterrows():
        late = span[(span["min"] >= row["max"] - pd.Timedelta("1D"))
                    & (span["min"] <= row["max"] + gap_max) & (span.index != pred)
                    & (span["min"] > row["min"])]
        pairs += [(pred, succ) for succ in late.index]
    if not pairs:
        return empty
    names = _names(messages, channels)
    fwd = forward_rows(messages)
    sources = fwd.groupby("target")["source"].agg(set).to_dict()
    audience = fwd.groupby("source")["target"].agg(set).to_dict()
    table = getattr(channels, "channels", channels)
    if "mentions" in messages.columns and "links" in messages.columns:
        men = mention_edges(messages, channels=table)
        for tgt, srcs in men.groupby("target")["source"].agg(set).items():
            audience.setdefault(tgt, set()).update(srcs)
    involved = {c for p in pairs for c in p}
    # A forward is not the channel's own post, whatever its format tells of the source (a
    # TGDataset forward may have an id and no name, or neither, only its original date).
    own = pd.Series(True, index=messages.index)
    for col in (FWD_NAME, "fwd_from_channel_id", "fwd_from_date"):
        if col in messages.columns:
            own &= messages[col].isna()
    msgs = messages[messages[CHANNEL_ID].astype(str).isin(involved) & own]  # forwards: not theirs
    msgs = msgs.assign(**{CHANNEL_ID: msgs[CHANNEL_ID].astype(str),
                          "_text": [normalise_text(t) if isinstance(t, str) else ""
                                    for t in msgs[TEXT]]})
    # which of a predecessor's texts some third channel posted too (own posts, not forwards)
    mine = msgs[msgs["_text"].str.len() >= 20]
    others = messages[own & ~messages[CHANNEL_ID].astype(str).isin(involved)]
    third = {normalise_text(t) for t in others[TEXT].dropna()} & set(mine["_text"])
    by_channel = mine.groupby(CHANNEL_ID)["_text"].agg(set).to_dict()
    elsewhere = {}
    for pred, succ in pairs:
        rest = set().union(*(v for k, v in by_channel.items() if k not in (pred, succ)))
        elsewhere[(pred, succ)] = third | rest
    display = messages.groupby(CHANNEL_ID, observed=True)[CHANNEL].last()
    display.index = display.index.astype(str)
    rows = []
    for pred, succ in pairs:
        gap = span.at[succ, "min"] - span.at[pred, "max"]
        if gap < pd.Timedelta(0):
            timing = 0.5
        elif gap <= pd.Timedelta("5D") or gap_max <= pd.Timedelta("5D"):
            timing = 1.0
        else:
            timing = max(0.0, 1 - (gap - pd.Timedelta("5D")) / (gap_max - pd.Timedelta("5D")))
        a, b = names.get(pred, set()), names.get(succ, set())
        evidence = {
            "name_similarity": max((_similarity(x, y) for x in a for y in b), default=0.0),
            "content_continuity": _continuity(msgs, pred, succ, first_n, elsewhere),
            "audience_overlap": _jaccard(audience.get(pred, set()) - {pred, succ},
                                         audience.get(succ, set()) - {pred, succ}),
            "source_overlap": _jaccard(sources.get(pred, set()) - {pred, succ},
                                       sources.get(succ, set()) - {pred, succ}),
            "timing": float(timing)}
        score = sum(SUCCESSOR_WEIGHTS[k] * v for k, v in evidence.items())
        rows.append({"predecessor": pred, "successor": succ,
                     "predecessor_name": display.get(pred), "successor_name": display.get(succ),
                     "predecessor_last": span.at[pred, "max"],
                     "successor_first": span.at[succ, "min"], "gap": gap,
                     "score": round(float(score), 6), **evidence})
    out = pd.DataFrame(rows, columns=SUCCESSOR_COLUMNS)
    out = out[out["score"] >= min_score]
    return out.sort_values(["score", "predecessor", "successor"],
                           ascending=[False, True, True], ignore_index=True)
