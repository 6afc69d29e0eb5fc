"""Which language each message is written in, and each channel's main language.

Identification runs ``py3langid`` (a maintained fork of langid.py: naive Bayes over byte
n-grams, 97 languages, its model shipped inside the wheel, so nothing is downloaded). It was
measured against ``lingua-language-detector`` (which knows no Pashto and, on the fixture
sentences, took Ukrainian for Kazakh) and ``fasttext-langdetect`` (downloads its model on
first use, which the workbench may not do); the figures are in the README.

Before a text is identified, what is not language is taken out: URLs and ``t.me`` links,
``@handles``, ``#hashtags``, emoji, symbols, digits and punctuation. A text with fewer than
``min_letters`` letters left is NA ("too short to tell"). Identical cleaned texts (forwards,
copies) are identified once.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ParameterError
from ..links import URL_PATTERN

__all__ = ["languages", "channel_languages", "clean_for_language"]

#: Letters a cleaned text needs before it is identified (fewer: NA).
MIN_LETTERS = 10
#: Characters of a cleaned text that are read (the start of a long text says its language).
MAX_CHARS = 600

# URLs, handles and hashtags out (RE2, run by pyarrow on whole columns); then anything that is
# not a letter, a combining mark or an apostrophe inside a word becomes a space.
_STRIP_RE2 = "(?i)" + URL_PATTERN + r"|[#＃][\p{L}\p{N}\p{M}_]+|@[a-z0-9_]{3,}"
_NON_LETTERS_RE2 = r"[^\p{L}\p{M}']+"


def clean_for_language(texts: Sequence[object] | pd.Series) -> pd.Series:
    """Texts with what carries no language removed: URLs, ``@handles``, ``#hashtags``,
    emoji, symbols, digits and punctuation; runs of spaces collapsed.

    Parameters
    ----------
    texts : sequence of str or Series
        Null or non-text values become NA.

    Returns
    -------
    Series of str, aligned with ``texts`` (its index when it is a Series).

    Examples
    --------
    >>> clean_for_language(["🔴 BREAKING: 3 dead https://t.me/x/1 @amaq_news #war", None]).tolist()
    ['BREAKING dead', <NA>]
    """
    index = texts.index if isinstance(texts, pd.Series) else None
    values = texts.tolist() if isinstance(texts, pd.Series) else list(texts)
    arr = pa.array([t if isinstance(t, str) else None for t in values], type=pa.large_string())
    arr = pc.utf8_normalize(arr, "NFC")
    arr = pc.replace_substring_regex(arr, _STRIP_RE2, " ")
    arr = pc.replace_substring_regex(arr, _NON_LETTERS_RE2, " ")
    arr = pc.utf8_trim_whitespace(arr)
    out = pd.Series(arr.to_pylist(), index=index, dtype="string")
    return out


@functools.cache
def _model() -> dict:
    """py3langid's shipped model as numpy arrays (loaded once, about a second)."""
    from py3langid import langid

    ident = langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)
    return {"nextmove": np.frombuffer(ident.tk_nextmove, dtype=np.dtype(
                ident.tk_nextmove.typecode)).astype(np.int64),
            "rowbase": np.frombuffer(ident.tk_row, dtype=np.dtype(
                ident.tk_row.typecode)).astype(np.int64) << 8,
            "output": np.asarray(ident.tk_output, dtype=np.int64),
            "ptc": np.asarray(ident.nb_ptc, dtype=np.float32),
            "pc": np.asarray(ident.nb_pc, dtype=np.float32),
            "classes": list(ident.nb_classes)}


def _classify(texts: list[str], candidates: tuple[str, ...] | None
              ) -> tuple[list[str], list[float]]:
    """py3langid's decision (naive Bayes over the byte n-grams its DFA finds, probabilities
    normalised with its length temperature), computed for all texts at once: the DFA walks
    every text's byte ``j`` in one numpy step, and the scores are one sparse product."""
    from scipy import sparse

    model = _model()
    classes = model["classes"]
    if candidates:
        unknown = sorted(set(candidates) - set(classes))
        if unknown:
            raise ParameterError(f"candidates: unknown language code(s) {unknown}; "
                                 f"known: {sorted(set(classes))}")
    if not texts:
        return [], []
    # As py3langid encodes: all-capitals text lower-cased (NFC is done by the cleaning).
    data = [(t.lower() if t.isupper() else t).encode("utf-8", "surrogatepass") for t in texts]
    lengths = np.fromiter((len(b) for b in data), dtype=np.int64, count=len(data))
    order = np.argsort(-lengths, kind="stable")  # longest first: the active texts are a prefix
    flat = np.frombuffer(b"".join(data[i] for i in order), dtype=np.uint8).astype(np.int64)
    sorted_len = lengths[order]
    starts = np.zeros(len(data), dtype=np.int64)
    np.cumsum(sorted_len[:-1], out=starts[1:])
    # texts still longer than j bytes, for every j
    active = np.searchsorted(-sorted_len, -np.arange(sorted_len[0]), side="left")
    nextmove, rowbase, output = model["nextmove"], model["rowbase"], model["output"]
    state = np.zeros(len(data), dtype=np.int64)
    rows, feats = [], []
    for j in range(int(sorted_len[0])):
        k = int(active[j])
        st = nextmove[rowbase[state[:k]] + flat[starts[:k] + j]]
        state[:k] = st
        f = output[st]
        hit = np.flatnonzero(f >= 0)
        if len(hit):
            rows.append(hit)
            feats.append(f[hit])
    n_feat = model["ptc"].shape[0]
    if rows:
        r, c = np.concatenate(rows), np.concatenate(feats)
        counts = sparse.csr_matrix((np.ones(len(r), dtype=np.float32), (r, c)),
                                   shape=(len(data), n_feat))
        counts.sum_duplicates()
        counts.data = np.log1p(counts.data)
        scores = np.asarray(counts @ model["ptc"]) + model["pc"]
    else:
        scores = np.zeros((len(data), len(classes)), dtype=np.float32)
    featureless = np.ones(len(data), dtype=bool)
    if rows:
        featureless[np.unique(np.concatenate(rows))] = False
    scores[featureless] = 0.0
    scores *= (1.0 / np.sqrt(np.maximum(sorted_len, 1)))[:, None]
    cls = np.asarray(classes)
    labels = list(dict.fromkeys(classes))
    keep = labels if not candidates else [c for c in labels if c in set(candidates)]
    # Softmax over every column first (as py3langid does), then fold script aliases (srl->sr).
    scores = np.exp(scores - scores.max(axis=1, keepdims=True))
    if candidates:
        scores[:, ~np.isin(cls, keep)] = 0.0
    scores /= scores.sum(axis=1, keepdims=True)
    merged = np.stack([scores[:, cls == lab].sum(axis=1) for lab in keep], axis=1)
    best = merged.argmax(axis=1)
    conf = merged[np.arange(len(data)), best]
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    return [keep[i] for i in best[back]], conf[back].tolist()


def _classify_chunk(args):
    return _classify(*args)


def languages(messages: pd.DataFrame | pd.Series, *, text_col: str = "text",
              min_letters: int = MIN_LETTERS, candidates: Sequence[str] | None = None,
              min_confidence: float | None = None, confidence: bool = False,
              workers: int | None = 1) -> pd.Series | pd.DataFrame:
    """The language of each message: an ISO 639-1 code, or NA when it cannot be told.

    Parameters
    ----------
    messages : DataFrame or Series
        ``corpus.messages`` (its ``text_col`` is read) or a Series of texts.
    text_col : str, default "text"
    min_letters : int, default 10
        Letters a text needs once URLs, handles, hashtags, emoji, digits and punctuation are
        removed; shorter texts get NA.
    candidates : sequence of str, optional
        Restrict the answer to these ISO 639-1 codes (say ``["ar", "fa", "ur", "ps", "en"]``
        when the analyst knows the corpus's languages): fewer near neighbours to confuse
        (Malay for Indonesian, Croatian and Serbian for Bosnian). Default: all 97 languages
        py3langid knows.
    min_confidence : float, optional
        NA where the identifier's probability is below this (0 to 1).
    confidence : bool, default False
        Return a DataFrame with ``lang`` and ``confidence`` instead of a Series.
    workers : int or None, default 1
        Processes to identify in (None: one per core). Worth it from about 100,000 texts.

    Returns
    -------
    Series of str named ``lang`` aligned with ``messages`` (same index), or a DataFrame
    with ``lang`` and ``confidence`` (Float64, NA where ``lang`` is NA).

    Examples
    --------
    >>> import pandas as pd
    >>> texts = pd.Series(["Der Sprecher sagte, dass das Treffen am Sonntag stattfindet.",
    ...                    "Представник сказав, що зустріч відбудеться в неділю.",
    ...                    "https://t.me/x/1 🔴 #news", None])
    >>> languages(texts).tolist()
    ['de', 'uk', <NA>, <NA>]
    """
    if isinstance(messages, pd.DataFrame):
        if text_col not in messages.columns:
            raise ParameterError(f"messages has no {text_col!r} column; columns: "
                                 f"{list(messages.columns)}")
        texts = messages[text_col]
    elif isinstance(messages, pd.Series):
        texts = messages
    else:
        raise ParameterError("messages: expected a DataFrame of messages or a Series of texts, "
                             f"got {type(messages).__name__}")
    if min_confidence is not None and not 0 <= float(min_confidence) <= 1:
        raise ParameterError(f"min_confidence={min_confidence!r}: expected a number from 0 to 1")
    cleaned = clean_for_language(texts).str.slice(0, MAX_CHARS)
    letters = cleaned.str.count(r"[^\W\d_]").fillna(0).to_numpy()
    usable = (letters >= min_letters) & cleaned.notna().to_numpy()
    # Forwards and copies repeat texts: identify each distinct text once.
    unique, inverse = np.unique(cleaned[usable].to_numpy(dtype=object).astype(str),
                                return_inverse=True)
    cands = tuple(sorted(set(candidates))) if candidates else None
    langs, confs = _run(unique.tolist(), cands, workers)
    lang = np.full(len(texts), None, dtype=object)
    conf = np.full(len(texts), np.nan)
    if len(unique):
        lang[usable] = np.asarray(langs, dtype=object)[inverse]
        conf[usable] = np.asarray(confs)[inverse]
    if min_confidence is not None:
        low = conf < float(min_confidence)
        lang[low] = None
    lang_s = pd.Series(lang, index=texts.index, dtype="string", name="lang")
    if not confidence:
        return lang_s
    conf_s = pd.Series(conf, index=texts.index, dtype="Float64").where(lang_s.notna())
    return pd.DataFrame({"lang": lang_s, "confidence": conf_s})


def _run(texts: list[str], candidates, workers: int | None) -> tuple[list[str], list[float]]:
    n = (os.cpu_count() or 1) if workers is None else max(1, int(workers))
    if n == 1 or len(texts) < 20_000:
        return _classify(texts, candidates)
    from concurrent.futures import ProcessPoolExecutor

    step = -(-len(texts) // n)
    chunks = [(texts[i:i + step], candidates) for i in range(0, len(texts), step)]
    langs, confs = [], []
    with ProcessPoolExecutor(n) as pool:
        for chunk_langs, chunk_confs in pool.map(_classify_chunk, chunks):
            langs += chunk_langs
            confs += chunk_confs
    return langs, confs


def channel_languages(messages: pd.DataFrame, *, langs: pd.Series | None = None,
                      channel_col: str = "channel_id", **kwargs) -> pd.DataFrame:
    """Each channel's main language and the share of its identified messages in it.

    Parameters
    ----------
    messages : DataFrame
        ``corpus.messages``.
    langs : Series, optional
        :func:`languages` of ``messages``, when already computed.
    channel_col : str, default "channel_id"
    **kwargs
        Passed to :func:`languages` (``candidates``, ``min_letters``, ...).

    Returns
    -------
    DataFrame
        One row per channel: ``channel_id``, ``lang`` (the most frequent language of its
        identified messages; NA when none could be identified), ``lang_share`` (that
        language's share of them), ``identified`` (messages with a language) and
        ``messages``; sorted by ``channel_id``.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"channel_id": ["a", "a", "a", "b"],
    ...                   "text": ["Le temps devrait être froid ce soir avec de la pluie.",
    ...                            "L'équipe locale a gagné le match dimanche.",
    ...                            "The local team won the match on Sunday.", "ok"]})
    >>> channel_languages(m)[["channel_id", "lang", "lang_share", "identified"]]
      channel_id  lang  lang_share  identified
    0          a    fr    0.666667           3
    1          b  <NA>        <NA>           0
    """
    if channel_col not in messages.columns:
        raise ParameterError(f"messages has no {channel_col!r} column")
    if langs is None:
        langs = languages(messages, **kwargs)
    frame = pd.DataFrame({"channel_id": messages[channel_col].to_numpy(),
                          "lang": langs.reindex(messages.index).to_numpy()})
    total = frame.groupby("channel_id", sort=True).size().rename("messages")
    known = frame.dropna(subset=["lang"])
    counts = known.groupby(["channel_id", "lang"]).size().rename("n").reset_index()
    counts = counts.sort_values(["channel_id", "n", "lang"], ascending=[True, False, True],
                                kind="stable")
    identified = counts.groupby("channel_id")["n"].sum()
    top = counts.drop_duplicates("channel_id").set_index("channel_id")
    out = pd.DataFrame({"channel_id": total.index})
    out["lang"] = pd.array(top["lang"].reindex(total.index).to_numpy(), dtype="string")
    ident = identified.reindex(total.index).fillna(0).astype("int64").to_numpy()
    share = top["n"].reindex(total.index).to_numpy(dtype=float) / np.where(ident, ident, 1)
    out["lang_share"] = pd.array(np.where(ident > 0, share, np.nan), dtype="Float64")
    out["identified"] = ident
    out["messages"] = total.to_numpy()
    return out
