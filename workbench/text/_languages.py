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

from ..backends import dispatchable
from ..errors import ParameterError
from ..links import URL_PATTERN

__all__ = ["languages", "channel_languages", "clean_for_language", "language_counts",
           "language_table"]

#: Letters a cleaned text needs before it is identified (fewer: NA).
MIN_LETTERS = 10
#: Characters of a cleaned text that are read (the start of a long text says its language).
MAX_CHARS = 300

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
    return pd.Series(_clean(texts).to_pylist(), index=index, dtype="string")


def _clean(texts: Sequence[object] | pd.Series) -> pa.Array:
    values = texts.tolist() if isinstance(texts, pd.Series) else list(texts)
    arr = pa.array([t if isinstance(t, str) else None for t in values], type=pa.large_string())
    arr = pc.utf8_normalize(arr, "NFC")
    arr = pc.replace_substring_regex(arr, _STRIP_RE2, " ")
    arr = pc.replace_substring_regex(arr, _NON_LETTERS_RE2, " ")
    return pc.utf8_trim_whitespace(arr)


@functools.cache
def _model() -> dict:
    """py3langid's shipped model as numpy arrays (loaded once, about a second)."""
    from py3langid import langid

    ident = langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)
    return {"nextmove": np.frombuffer(ident.tk_nextmove, dtype=np.dtype(
                ident.tk_nextmove.typecode)).astype(np.int32),
            "rowbase": np.frombuffer(ident.tk_row, dtype=np.dtype(
                ident.tk_row.typecode)).astype(np.int32) << 8,
            "output": np.asarray(ident.tk_output, dtype=np.int32),
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
    flat = np.frombuffer(b"".join(data[i] for i in order), dtype=np.uint8).astype(np.int32)
    sorted_len = lengths[order]
    starts = np.zeros(len(data), dtype=np.int32)
    np.cumsum(sorted_len[:-1], out=starts[1:])
    # texts still longer than j bytes, for every j
    active = np.searchsorted(-sorted_len, -np.arange(sorted_len[0]), side="left")
    nextmove, rowbase, output = model["nextmove"], model["rowbase"], model["output"]
    state = np.zeros(len(data), dtype=np.int32)
    visited = []
    for j in range(int(sorted_len[0])):
        k = int(active[j])
        st = nextmove[rowbase[state[:k]] + flat[starts[:k] + j]]
        state[:k] = st
        visited.append(st)
    # Features of the states visited, mapped at once: step j visited texts 0..active[j]-1.
    feats = output[np.concatenate(visited)] if visited else np.zeros(0, dtype=np.int32)
    text_of = np.arange(len(data), dtype=np.int32)
    rows = np.concatenate([text_of[:k] for k in active]) if visited else feats
    hit = feats >= 0
    rows, feats = rows[hit], feats[hit]
    # COO -> CSR sums repeated features: the counts
    counts = sparse.coo_matrix((np.ones(len(rows), dtype=np.float32), (rows, feats)),
                               shape=(len(data), model["ptc"].shape[0])).tocsr()
    counts.data = np.log1p(counts.data)
    scores = np.asarray(counts @ model["ptc"]) + model["pc"]
    scores[np.bincount(rows, minlength=len(data)) == 0] = 0.0  # no feature: no evidence
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


def _classify_batches(texts: list[str], candidates: tuple[str, ...] | None,
                      batch: int = 20_000) -> tuple[list[str], list[float]]:
    """:func:`_classify` in batches (the feature list of a batch is held in memory)."""
    langs, confs = [], []
    for i in range(0, len(texts), batch):
        chunk_langs, chunk_confs = _classify(texts[i:i + batch], candidates)
        langs += chunk_langs
        confs += chunk_confs
    return langs, confs


@dispatchable("text.languages")
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
    cands = tuple(sorted(set(candidates))) if candidates else None
    values = texts.tolist()
    n = (os.cpu_count() or 1) if workers is None else max(1, int(workers))
    if n == 1 or len(values) < 50_000:
        lang, conf = _identify(values, min_letters, cands)
    else:  # cleaning and identifying both run in the workers, a slice of the texts each
        from concurrent.futures import ProcessPoolExecutor

        step = -(-len(values) // n)
        chunks = [(values[i:i + step], min_letters, cands)
                  for i in range(0, len(values), step)]
        with ProcessPoolExecutor(n) as pool:
            parts = list(pool.map(_identify_chunk, chunks))
        lang = np.concatenate([p[0] for p in parts])
        conf = np.concatenate([p[1] for p in parts])
    if min_confidence is not None:
        low = conf < float(min_confidence)
        lang[low] = None
    lang_s = pd.Series(lang, index=texts.index, dtype="string", name="lang")
    if not confidence:
        return lang_s
    conf_s = pd.Series(conf, index=texts.index, dtype="Float64").where(lang_s.notna())
    return pd.DataFrame({"lang": lang_s, "confidence": conf_s})


def _identify(values: list, min_letters: int, candidates: tuple[str, ...] | None
              ) -> tuple[np.ndarray, np.ndarray]:
    """Languages (object array, None for NA) and confidences (NaN) of ``values``."""
    cleaned = pc.utf8_slice_codeunits(_clean(values), 0, MAX_CHARS)
    letters = pc.fill_null(pc.count_substring_regex(cleaned, r"\pL"), 0).to_numpy()
    usable = letters >= min_letters
    # Forwards and copies repeat texts: identify each distinct text once.
    inverse, unique = pd.factorize(np.asarray(cleaned.filter(pa.array(usable)).to_pylist(),
                                              dtype=object))
    langs, confs = _classify_batches(list(unique), candidates)
    lang = np.full(len(values), None, dtype=object)
    conf = np.full(len(values), np.nan)
    if len(unique):
        lang[usable] = np.asarray(langs, dtype=object)[inverse]
        conf[usable] = np.asarray(confs)[inverse]
    return lang, conf


def _identify_chunk(args):
    return _identify(*args)


@dispatchable("text.channel_languages")
def channel_languages(messages: pd.DataFrame, *, langs: pd.Series | None = None,
                      channel_col: str = "channel_id", **kwargs) -> pd.DataFrame:
    """Each channel's main language and the share of its identified messages in it.

    Parameters
    ----------
    messages : DataFrame or Store
        ``corpus.messages``, or a corpus store (its texts are streamed in batches and
        identified batch by batch, so the store never has to fit in memory).
    langs : Series, optional
        :func:`languages` of ``messages``, when already computed.
    channel_col : str, default "channel_id"
    **kwargs
        Passed to :func:`languages` (``candidates``, ``min_letters``, ...).

    Returns
    -------
    DataFrame
        One row per channel: ``channel_id``, ``lang`` (the most frequent language of its
        identified messages, ties to the first code alphabetically; NA when none could be
        identified), ``lang_share`` (that language's share of them), ``identified``
        (messages with a language) and ``messages``; sorted by ``channel_id``.

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
    return language_table(language_counts(messages[channel_col], langs.reindex(messages.index)))


def language_counts(channels: pd.Series, langs: pd.Series) -> pd.DataFrame:
    """Messages per (``channel_id``, ``lang``), NA ``lang`` included: the part of
    :func:`channel_languages` a backend computes batch by batch and adds up."""
    frame = pd.DataFrame({"channel_id": np.asarray(channels, dtype=object),
                          "lang": np.asarray(langs, dtype=object)})
    return (frame.groupby(["channel_id", "lang"], dropna=False, sort=False).size()
            .rename("n").reset_index())


def language_table(counts: pd.DataFrame) -> pd.DataFrame:
    """:func:`channel_languages` from :func:`language_counts` (summed over batches)."""
    counts = counts.groupby(["channel_id", "lang"], dropna=False, sort=False)["n"].sum()
    counts = counts.reset_index()
    total = counts.groupby("channel_id", sort=True)["n"].sum().rename("messages")
    known = counts.dropna(subset=["lang"])
    known = known.sort_values(["channel_id", "n", "lang"], ascending=[True, False, True],
                              kind="stable")
    identified = known.groupby("channel_id")["n"].sum()
    top = known.drop_duplicates("channel_id").set_index("channel_id")
    out = pd.DataFrame({"channel_id": pd.array(total.index, dtype="string")})
    out["lang"] = pd.array(top["lang"].reindex(total.index).to_numpy(), dtype="string")
    ident = identified.reindex(total.index).fillna(0).astype("int64").to_numpy()
    share = top["n"].reindex(total.index).to_numpy(dtype=float) / np.where(ident, ident, 1)
    out["lang_share"] = pd.array(np.where(ident > 0, share, np.nan), dtype="Float64")
    out["identified"] = ident
    out["messages"] = total.to_numpy().astype("int64")
    return out
