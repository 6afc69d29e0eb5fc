"""Cross-post clustering at scale, beside two baselines, on synthetic corpora with planted
near-duplicate clusters.

The corpus (:func:`make_corpus`): pseudo-word texts from a Zipfian vocabulary (so unrelated
messages share common words, as real text does), lognormal lengths (median 15 words), channel
footers ("Join: t.me/<handle>") on 40% of channels, bulletins that share a channel's header
over different bodies (hard negatives), and planted clusters: an origin copied by 1-8 other
channels within minutes to days, each copy lightly edited (a "BREAKING:"/emoji prefix, a
hashtag, punctuation, a cut of up to 30% of the words), signed with the copier's own footer.

Methods, each scored by pairwise F1 against the planted clusters (pairs of messages in one
planted cluster vs pairs in one found cluster; singletons have no pairs):

``workbench``
    :func:`workbench.crosspost.find_crossposts` with its defaults.
``sklearn-tfidf``
    scikit-learn ``TfidfVectorizer(analyzer="char_wb", ngram_range=(5, 5))`` and exact
    ``NearestNeighbors(metric="cosine", algorithm="brute").radius_neighbors`` (cosine >= 0.6,
    the best F1 of 0.3-0.8 on the 10,000-message corpus), pairs within the window, connected
    components spanning two channels.
``qut-cnt``
    QUT's coordination-network-toolkit (``pip install coordination-network-toolkit``, not a
    dependency of the project): its ``preprocess_data`` into SQLite, its ``tokenize`` and its
    word-set Jaccard ``similarity`` in its co-similarity SQL join over the same window. The tool
    itself returns only account-to-account counts, so the same join is run at message level
    (``e_1.message_id, e_2.message_id``) to score it; threshold 0.6, the best F1 of 0.5-0.9 on
    the 10,000-message corpus (its default 0.9 finds 7% of the planted pairs there).

Times and peak memory come from :func:`bench._measure.measure` (a forked child); baselines run
only up to the sizes where they finish in reasonable time (``BASELINE_CAP``).
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pandas as pd

from workbench.memory import keeps_memory

from ._measure import measure

WINDOW = "7D"
SIZES = (100_000, 1_000_000)
QUICK_SIZES = (5_000,)
#: Largest corpus each baseline is run on (they grow quadratically within the window).
BASELINE_CAP = {"sklearn-tfidf": 30_000, "qut-cnt": 10_000}
BASELINE_SIZES = (10_000, 30_000)
SPAN_DAYS = 365

_SYLLABLES = np.array(["ka", "lo", "mi", "nu", "ra", "te", "si", "po", "da", "fe", "gu", "hi",
                       "ja", "be", "zo", "wa", "qi", "xu", "an", "el", "or", "us", "im", "ot",
                       "sha", "dri", "kel", "mon", "tar", "vek"])
_PREFIXES = ["BREAKING: ", "URGENT | ", "🔴 ", "⚡️ ", "📢 ", "‼️ ", "Breaking news: "]


def _vocabulary(rng: np.random.Generator, size: int) -> np.ndarray:
    words: set[str] = set()
    while len(words) < size:
        n = rng.integers(1, 5, size=size)
        picks = rng.integers(0, len(_SYLLABLES), size=(size, 4))
        for k, row in zip(n, picks):
            words.add("".join(_SYLLABLES[row[:k]]))
    return rng.permutation(np.array(sorted(words)))[:size]


def make_corpus(n: int, *, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """A canonical messages frame of about ``n`` messages and the planted cluster of each
    message (-1: in no cluster).

    Examples
    --------
    >>> messages, truth = make_corpus(2_000, seed=1)
    >>> len(messages) == len(truth), int((truth >= 0).sum()) > 100
    (True, True)
    """
    from workbench import schema

    rng = np.random.default_rng(seed)
    vocab = _vocabulary(rng, max(2_000, min(60_000, n // 10)))
    p = 1.0 / np.arange(1, len(vocab) + 1) ** 1.05
    p /= p.sum()
    n_channels = max(10, n // 400)
    handles = np.array([f"chan{i:06d}" for i in range(n_channels)])
    footer = rng.random(n_channels) < 0.4
    headers = [" ".join(vocab[rng.choice(len(vocab), 12, p=p)]) for _ in range(n_channels)]
    # Originals (about 86%), their copies (about 12%) and bulletins (2%).
    n_orig = int(n * 0.86)
    n_words = np.clip(rng.lognormal(np.log(15), 0.6, n_orig).astype(int), 3, 80)
    flat = vocab[rng.choice(len(vocab), int(n_words.sum()), p=p)]
    ends = np.cumsum(n_words)
    bodies = [" ".join(flat[e - k:e]) for e, k in zip(ends, n_words)]
    channel = rng.integers(0, n_channels, n_orig)
    start = pd.Timestamp("2016-01-01", tz="UTC").value
    t = start + rng.integers(0, SPAN_DAYS * 86_400, n_orig) * 1_000_000_000
    rows_body, rows_channel, rows_time, rows_cluster = list(bodies), list(channel), list(t), \
        [-1] * n_orig
    n_clusters = int(n * 0.04)
    origins = rng.choice(n_orig, n_clusters, replace=False)
    for cid, o in enumerate(origins):
        rows_cluster[o] = cid
        k = min(8, 1 + rng.geometric(0.45))
        targets = rng.choice(n_channels, k, replace=False)
        for target in targets[targets != channel[o]]:
            words = bodies[o].split(" ")
            if rng.random() < 0.3 and len(words) > 8:
                words = words[: max(6, int(len(words) * rng.uniform(0.7, 1.0)))]
            text = " ".join(words)
            if rng.random() < 0.6:
                text = _PREFIXES[rng.integers(len(_PREFIXES))] + text
            if rng.random() < 0.3:
                text += " #" + vocab[rng.integers(len(vocab))]
            if rng.random() < 0.3:
                text = text.replace(" ", ", ", 1) + "!"
            lag = int(min(4 * 86_400, max(60, rng.lognormal(np.log(3_600), 1.5))))
            rows_body.append(text)
            rows_channel.append(target)
            rows_time.append(t[o] + lag * 1_000_000_000)
            rows_cluster.append(cid)
    n_bulletins = int(n * 0.02)
    for _ in range(n_bulletins):
        c = rng.integers(n_channels)
        k = rng.integers(20, 45)
        rows_body.append(headers[c] + "\n" + " ".join(vocab[rng.choice(len(vocab), k, p=p)]))
        rows_channel.append(c)
        rows_time.append(start + rng.integers(0, SPAN_DAYS * 86_400) * 1_000_000_000)
        rows_cluster.append(-1)
    channel = np.asarray(rows_channel)
    texts = np.asarray(rows_body, dtype=object)
    links = np.empty(len(texts), dtype=object)
    has_footer = footer[channel]
    for i in np.flatnonzero(has_footer):
        texts[i] = f"{texts[i]}\n\nJoin: https://t.me/{handles[channel[i]]}"
        links[i] = [f"https://t.me/{handles[channel[i]]}"]
    for i in np.flatnonzero(~has_footer):
        links[i] = []
    order = np.lexsort((np.arange(len(texts)), np.asarray(rows_time), channel))
    channel, texts, links = channel[order], texts[order], links[order]
    times = np.asarray(rows_time)[order]
    truth = np.asarray(rows_cluster)[order]
    message_id = np.ones(len(texts), dtype=np.int64)
    first = np.r_[True, channel[1:] != channel[:-1]]
    run_start = np.maximum.accumulate(np.where(first, np.arange(len(texts)), 0))
    message_id = np.arange(len(texts)) - run_start + 1
    frame = pd.DataFrame({
        "platform": "telegram",
        "channel_id": pd.Series([f"telegram:{1000 + c}" for c in channel]),
        "channel": pd.Series(handles[channel]),
        "message_id": message_id,
        "date": pd.to_datetime(times, utc=True),
        "text": texts,
        "links": links,
    })
    return schema.conform(frame, "messages"), truth


def pairwise_scores(truth: np.ndarray, found: np.ndarray) -> dict:
    """Pairwise precision, recall and F1 of ``found`` cluster labels against ``truth`` labels
    (-1 = in no cluster)."""
    def pairs(counts):
        counts = np.asarray(counts, dtype=np.int64)
        return int((counts * (counts - 1) // 2).sum())

    t_pairs = pairs(pd.Series(truth[truth >= 0]).value_counts())
    f_pairs = pairs(pd.Series(found[found >= 0]).value_counts())
    both = (truth >= 0) & (found >= 0)
    tp = pairs(pd.DataFrame({"t": truth[both], "f": found[both]}).value_counts())
    precision = tp / f_pairs if f_pairs else 1.0
    recall = tp / t_pairs if t_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def _components(n: int, pairs: np.ndarray, channel: np.ndarray) -> np.ndarray:
    """Cluster labels from pairs: connected components spanning two or more channels."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if len(pairs) == 0:
        return np.full(n, -1)
    g = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, label = connected_components(g, directed=False)
    frame = pd.DataFrame({"label": label, "channel": channel})
    size = frame.groupby("label")["channel"].transform("size").to_numpy()
    spread = frame.groupby("label")["channel"].transform("nunique").to_numpy()
    return np.where((size >= 2) & (spread >= 2), label, -1)


def _run_workbench(messages: pd.DataFrame) -> np.ndarray:
    from workbench.crosspost import find_crossposts

    clusters = find_crossposts(messages, window=WINDOW)
    pos = pd.MultiIndex.from_arrays([messages["channel_id"], messages["message_id"]])
    where = pos.get_indexer(pd.MultiIndex.from_arrays([clusters["channel_id"],
                                                       clusters["message_id"]]))
    found = np.full(len(messages), -1)
    found[where] = clusters["cluster_id"].to_numpy()
    return found


def _run_tfidf(messages: pd.DataFrame, threshold: float = 0.6) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.neighbors import NearestNeighbors

    text = messages["text"].fillna("").astype(str).tolist()
    X = TfidfVectorizer(analyzer="char_wb", ngram_range=(5, 5), sublinear_tf=True).fit_transform(text)
    nn = NearestNeighbors(radius=1 - threshold, metric="cosine", algorithm="brute").fit(X)
    _, neighbours = nn.radius_neighbors(X)
    lengths = np.fromiter((len(x) for x in neighbours), dtype=np.int64, count=len(neighbours))
    i = np.repeat(np.arange(len(neighbours)), lengths)
    j = np.concatenate(neighbours) if len(neighbours) else np.zeros(0, np.int64)
    t = messages["date"].astype("int64").to_numpy()
    keep = (i < j) & (np.abs(t[i] - t[j]) <= pd.Timedelta(WINDOW).value)
    channel = pd.factorize(messages["channel_id"])[0]
    return _components(len(messages), np.stack([i[keep], j[keep]], axis=1), channel)


_QUT_PAIRS = """
    select e_1.message_id, e_2.message_id
    from edge e_1 indexed by non_repost_user_time
    inner join edge e_2
        on e_2.timestamp between e_1.timestamp - ?1 and e_1.timestamp + ?1
    where e_1.repost_id is null and e_2.repost_id is null
        and e_1.token_set is not null and e_2.token_set is not null
        and e_1.message_id < e_2.message_id
        and similarity(e_1.token_set, e_2.token_set) >= ?2
"""


def _run_qut(messages: pd.DataFrame, threshold: float = 0.6, window: str = WINDOW
             ) -> np.ndarray:
    import contextlib
    import io
    import sqlite3

    from coordination_network_toolkit.preprocess import preprocess_data
    from coordination_network_toolkit.similarity import similarity, tokenize

    rows = ((str(i), str(c), str(c), None, None, t or "", d.timestamp(), [])
            for i, (c, t, d) in enumerate(zip(messages["channel_id"],
                                             messages["text"].fillna(""), messages["date"])))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "qut.db")
        with contextlib.redirect_stdout(io.StringIO()):  # the toolkit prints progress
            preprocess_data(path, rows)
        db = sqlite3.connect(path)
        db.create_function("similarity", 2, similarity)
        db.create_function("tokenize", 1, tokenize)
        db.executescript("""
            create index if not exists non_repost_user_time on edge(user_id, timestamp)
                where repost_id is null;
            create index if not exists timestamp on edge(timestamp);
            update edge set token_set = tokenize(message) where repost_id is null;
        """)
        pairs = np.array(db.execute(_QUT_PAIRS, [pd.Timedelta(window).total_seconds(),
                                                 threshold]).fetchall(), dtype=np.int64)
        db.close()
    channel = pd.factorize(messages["channel_id"])[0]
    return _components(len(messages), pairs.reshape(-1, 2), channel)


def _qut_available() -> bool:
    try:
        import coordination_network_toolkit  # noqa: F401
    except ImportError:
        return False
    return True


METHODS = {"workbench": _run_workbench, "sklearn-tfidf": _run_tfidf, "qut-cnt": _run_qut}


def run(*, quick: bool = False) -> pd.DataFrame:
    """One row per corpus size and method: messages, seconds, peak MB, precision, recall, F1.

    ``quick=True`` runs every method once on about 5,000 messages.
    """
    sizes = QUICK_SIZES if quick else tuple(sorted(set(SIZES) | set(BASELINE_SIZES)))
    rows = []
    for size in sizes:
        messages, truth = make_corpus(size, seed=size)
        for name, fn in METHODS.items():
            if name == "workbench" and not quick and size not in SIZES + BASELINE_SIZES:
                continue
            if name != "workbench" and size > BASELINE_CAP[name]:
                continue
            if name == "qut-cnt" and not _qut_available():
                rows.append({"messages": len(messages), "method": name, "seconds": np.nan,
                             "peak_mb": np.nan, "precision": np.nan, "recall": np.nan,
                             "f1": np.nan, "note": "coordination-network-toolkit not installed"})
                continue
            seconds, peak, found = measure(fn, messages)
            scores = pairwise_scores(truth, found)
            rows.append({"messages": len(messages), "method": name, "seconds": round(seconds, 2),
                         "peak_mb": round(peak / 2**20), **{k: round(v, 4) for k, v in
                                                            scores.items()}, "note": ""})
    return pd.DataFrame(rows)


# --- real-length text (python -m bench crosspost --real) ------------------------------------

REAL_SIZES = (100_000,)
#: The baselines on real text run on this many messages (made by the same generator).
REAL_BASELINE = {"sklearn-tfidf": 20_000, "qut-cnt-60s": 100_000}


def _floor_pass(messages: pd.DataFrame, prepare) -> np.ndarray:
    """Read the texts and hash every 5-character shingle of ``prepare(texts)`` (code points
    and offsets) once, 50,000 texts at a time, in one thread."""
    import pyarrow as pa

    from workbench.crosspost.similarity import shingle_hashes

    arr = pa.array(messages["text"].astype(pd.StringDtype("pyarrow"))).cast(pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    for lo in range(0, len(arr), 50_000):
        shingle_hashes(*prepare(arr[lo:lo + 50_000]))
    return np.full(len(messages), -1)


@keeps_memory
def _floor(messages: pd.DataFrame) -> np.ndarray:
    """The floor: read the texts, case-fold them with a vectorised kernel and hash every
    5-character shingle once (no other normalisation, no similarity). It keeps freed memory
    in the process as ``find_crossposts`` does (:mod:`workbench.memory`): otherwise on a
    virtual machine that hands freed pages back to its host, most of its time is the
    kernel's (measured: 1-2.4 s user, 3-22 s system at 10^5)."""
    import pyarrow.compute as pc

    from workbench.text._fold import code_points

    return _floor_pass(messages, lambda texts: code_points(pc.utf8_lower(texts)))


@keeps_memory
def _floor_normalised(messages: pd.DataFrame) -> np.ndarray:
    """The floor as the issue words it, "merely normalising and hashing the texts once":
    read the texts, normalise every one as ``find_crossposts`` does
    (:func:`workbench.text.normalise_texts`: NFKC, links, hashtags and mentions out, the
    folds) and hash every 5-character shingle once, in one thread."""
    from workbench.text import normalise_texts

    return _floor_pass(messages, normalise_texts)


def _run_qut60(messages: pd.DataFrame) -> np.ndarray:
    return _run_qut(messages, window="60s")


REAL_METHODS = {"floor": _floor, "floor-normalised": _floor_normalised,
                "workbench": _run_workbench, "sklearn-tfidf": _run_tfidf,
                "qut-cnt-60s": _run_qut60}


def _text_mb(messages: pd.DataFrame) -> float:
    """MB of text (UTF-8), counted by Arrow. (Not by encoding each text in Python: the
    million objects that leaves freed in this process made the next measured child's
    system time 44 s instead of 6 s at 10^6 messages, as it reused their pages.)"""
    import pyarrow as pa
    import pyarrow.compute as pc

    return (pc.sum(pc.binary_length(pa.array(messages["text"]))).as_py() or 0) / 1e6


def _timed(name: str, messages: pd.DataFrame):
    """A method's result and the CPU seconds it used (all threads of the process), in all and
    split into user and system (kernel) time: on a shared machine wall time measures the
    neighbours too, and on a virtual machine system time is mostly the first touch of fresh
    memory pages, which varies several-fold from run to run."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    found = REAL_METHODS[name](messages)
    end = resource.getrusage(resource.RUSAGE_SELF)
    user, system = end.ru_utime - usage.ru_utime, end.ru_stime - usage.ru_stime
    return found, user + system, user, system


def run_real(*, quick: bool = False, sizes: tuple[int, ...] | None = None,
             methods: tuple[str, ...] | None = None) -> pd.DataFrame:
    """One row per corpus size and method on real-length text (:mod:`bench._realtext`):
    messages, MB of text (UTF-8), wall seconds, CPU seconds (and their user and system
    parts), MB per CPU second, peak MB,
    recall per planted kind (and, for reworded and quoted copies, among statements in their
    channel's own words: `own_*`), precision on pairs touching planted messages.
    ``methods``: which of :data:`REAL_METHODS` to run (default: all)."""
    import workbench.crosspost  # noqa: F401  (imported once, not in each measured child)
    from ._realtext import KINDS, make_real_corpus, planted_scores

    for module in ("sklearn.neighbors", "sklearn.feature_extraction.text",
                   "coordination_network_toolkit.similarity"):
        try:
            __import__(module)
        except ImportError:
            pass
    sizes = (3_000,) if quick else (sizes or REAL_SIZES)
    rows = []
    corpora = {}
    for size in sorted(set(sizes) | ({min(sizes[0], v) for v in REAL_BASELINE.values()}
                                     if not quick else set())):
        corpora[size] = make_real_corpus(size, seed=size)
    # Steady state: the compiled loops and the normaliser's tables are loaded once here, so
    # no measured child pays those one-time seconds (about 2 s and 1.5 s a process).
    from workbench.crosspost import find_crossposts
    find_crossposts(corpora[min(corpora)][0].head(2_000))
    for size in sizes:
        for name in methods or REAL_METHODS:
            n_used = size if name not in REAL_BASELINE else min(size, REAL_BASELINE[name])
            if quick:
                n_used = size
            messages, truth = corpora[n_used]
            mb = _text_mb(messages)
            if name.startswith("qut") and not _qut_available():
                rows.append({"messages": len(messages), "method": name,
                             "note": "coordination-network-toolkit not installed"})
                continue
            seconds, peak, (found, cpu, user, system) = measure(_timed, name, messages)
            row = {"messages": len(messages), "method": name, "text_mb": round(mb, 1),
                   "seconds": round(seconds, 2), "cpu_s": round(cpu, 2),
                   "user_s": round(user, 2), "system_s": round(system, 2),
                   "mb_per_cpu_s": round(mb / cpu, 2),
                   "peak_mb": round(peak / 2**20)}
            if not name.startswith("floor"):
                scores = planted_scores(truth, found).set_index("kind")
                for k in KINDS:
                    row[f"recall_{k}"] = round(scores.at[k, "recall"], 3)
                for k in ("reworded", "quoted"):  # the hard kinds, in the channel's own words
                    row[f"own_{k}"] = round(scores.at[k, "recall_own"], 3)
                row["precision"] = round(scores.at["all", "precision"], 3)
            rows.append(row)
    return pd.DataFrame(rows)
