"""The text path of cross-posting: distinct texts, their sketches, and the joins between
messages whose texts are near-duplicates or quotes of each other.

Real channels repost verbatim (38% of the 10^6 messages of the real-text benchmark, built
from the telethon-real sample, repeat an earlier text): each distinct text is normalised,
shingled and compared once (:func:`distinct_texts`), candidates
are sought by the times of every message carrying a text, and the messages are joined
afterwards by time alone (:func:`_copies`): exactly the components of joining every two
messages within the window whose texts are the same or a confirmed pair. (The DuckDB store
still sketches every message; where LSH crowds out an identical copy there, it can find a
few members fewer.)
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import similarity as sim
from ._kernels import run_joins, text_keys_into

__all__ = ["text_keys", "measured_texts", "ahead", "distinct_texts", "text_edges"]


def text_keys(codes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each normalised text (0 for empty texts), to match forwards to their
    source by content.

    Parameters
    ----------
    codes, offsets : ndarray
        Normalised texts as :func:`~workbench.crosspost.normalise_texts` gives them.

    Returns
    -------
    ndarray of uint64
    """
    out = np.zeros(len(offsets) - 1, dtype=np.uint64)
    text_keys_into(np.ascontiguousarray(codes, dtype=np.uint32),
                   np.asarray(offsets, dtype=np.int64), out)
    return out


def measured_texts(chunks, lengths: np.ndarray, text_key: np.ndarray, needs_key: np.ndarray):
    """Pass on the normalised texts, filling in each text's normalised length and, where
    ``needs_key``, its text key (:func:`text_keys`).

    Parameters
    ----------
    chunks : iterable of (codes, offsets)
        Normalised texts in message order (:func:`~workbench.crosspost.normalise_texts`).
    lengths : int64 array, text_key : uint64 array
        One entry per message, filled in place.
    needs_key : bool array
        :attr:`MessageArrays.needs_key`.

    Yields
    ------
    (codes, offsets)
        The chunks, unchanged.
    """
    lo = 0
    for codes, offsets in chunks:
        hi = lo + len(offsets) - 1
        lengths[lo:hi] = np.diff(offsets)
        if needs_key[lo:hi].any():
            text_key[lo:hi] = text_keys(codes, offsets)
        yield codes, offsets
        lo = hi


def text_edges(index: sim.ShingleIndex, lengths: np.ndarray, times: np.ndarray,
                window_ns: int, *, threshold: float, min_chars: int, random_state: int,
                candidate_pairs=None, text_of: np.ndarray | None = None,
                channel: np.ndarray | None = None) -> np.ndarray:
    """Text joins: LSH candidates among the eligible texts (at least ``min_chars`` long and
    carrying the evidence bar), confirmed by the exact similarity and shared evidence; and
    quotes: anchor candidates (:func:`~.similarity.anchor_pairs`) where the shorter text is
    at least ``CONTAINMENT`` inside the longer, with ``QUOTE_EVIDENCE`` times the evidence.

    ``lengths`` and ``times`` are per message; ``text_of`` maps each message to its text in
    ``index`` when messages with the same text share one (see :func:`_copies`), and the
    edges returned are between messages either way. ``channel`` (a code per message, the
    messages in time order) limits heavily edited copies (``similarity.EDITED``) to texts
    first posted by different channels."""
    candidate_pairs = sim.candidate_pairs if candidate_pairs is None else candidate_pairs
    min_shared = max(1, min_chars - sim.SHINGLE + 1)
    counts = np.diff(index.starts)
    mass = index.masses()
    shared_texts = text_of is not None
    if not shared_texts:
        text_of = np.arange(len(times))
    text_len = np.zeros(len(counts), dtype=np.int64)
    text_len[text_of] = lengths
    # The evidence bar: as much weight as a typical text of min_chars characters carries
    # (over messages: a text posted ten times counts ten times).
    m_counts, m_mass = counts[text_of], mass[text_of]
    typical = (lengths >= min_chars) & (m_counts > 0)
    density = float(np.median(m_mass[typical] / m_counts[typical])) if typical.any() else 1.0
    min_weight = sim.EVIDENCE * density * min_shared
    eligible = np.flatnonzero((text_len >= min_chars) & (mass >= min_weight))
    if shared_texts:
        # Candidates are sought by the times of every message of a text (a text reposted
        # months later meets the copies made near the repost).
        position = np.full(len(counts), -1, dtype=np.int64)
        position[eligible] = np.arange(len(eligible))
        posting = np.flatnonzero(position[text_of] >= 0)
        seek_times, by_message = times[posting], {"owner": position[text_of[posting]]}
    else:
        seek_times, by_message = times[eligible], {}  # (the Dask kernel has no owner)
    pairs = candidate_pairs(index, eligible, seek_times, window_ns,
                            min_estimate=sim.ESTIMATE_FLOOR * threshold,
                            random_state=random_state, **by_message)
    containment = sim.CONTAINMENT  # None: Jaccard only
    if containment:
        pairs = sim.unique_pairs(np.concatenate([
            pairs, sim.anchor_pairs(index, eligible, seek_times, window_ns, **by_message)]))
    similarity, shared, count, masses = sim.weighted_jaccard(index, pairs, return_mass=True)
    ok = (similarity >= threshold) & (count >= min_shared) & (shared >= min_weight)
    if sim.EDITED is not None:
        # A heavily edited copy (a quarter of the words replaced or dropped): a little below
        # the threshold, but sharing the weight of several typical texts, and first posted
        # by another channel (a channel's own posts sharing a stock sentence or two are as
        # similar as that, and are not copies).
        edited = ((similarity >= sim.EDITED * threshold) & (count >= min_shared)
                  & (shared >= sim.EDITED_EVIDENCE * min_weight))
        if channel is not None:
            first = np.full(len(counts), -1, dtype=np.int64)
            first[text_of[::-1]] = channel[::-1]  # the last write wins: each text's first
            edited &= first[pairs[:, 0]] != first[pairs[:, 1]]
        ok |= edited
    if containment:
        # A quote: the shorter text almost wholly inside the longer, and substantial.
        with np.errstate(invalid="ignore", divide="ignore"):
            contained = shared / masses.min(axis=1)
        ok |= ((contained >= containment) & (count >= min_shared)
               & (shared >= sim.QUOTE_EVIDENCE * min_weight))
    if not shared_texts:
        return pairs[ok]
    # Messages with the same text join each other when the text would join a copy of
    # itself: its distinct shingles carry the evidence bar.
    repeated = eligible[np.bincount(text_of, minlength=len(counts))[eligible] >= 2]
    self_ok = np.zeros(len(counts), dtype=bool)
    if len(repeated) == 0:
        return _copies(pairs[ok], self_ok, text_of, times, window_ns)
    mat, rows = index.rows(repeated)
    self_ok[repeated] = ((np.diff(mat.indptr)[rows] >= min_shared)
                         & (index.row_totals()[rows] >= min_weight))
    return _copies(pairs[ok], self_ok, text_of, times, window_ns)


def _copies(pairs: np.ndarray, self_ok: np.ndarray, text_of: np.ndarray, times: np.ndarray,
            window: int) -> np.ndarray:
    """Message edges with the connected components of the graph joining two messages at most
    ``window`` apart when they carry the same text (and ``self_ok`` says it joins a copy of
    itself) or two texts of ``pairs``.

    Per text, its messages in time fall into runs (consecutive ones at most ``window``
    apart), joined in a chain. Two runs of two texts of a pair hold messages within the
    window of each other exactly when their time spans come within the window; so, per pair,
    a sweep over the runs of both texts in order of start (joining a run to the one before
    when it starts within the window of the latest end so far) gives the components of all
    message pairs, in time linear in the runs instead of quadratic in the messages.

    Every text of ``pairs`` with two or more messages must have ``self_ok`` (as
    :func:`text_edges` guarantees: a confirmed pair shares at least the evidence bar, and
    shares no more than each text's own distinct shingles): otherwise the sweep would join
    two of its messages through nothing but each other.

    Examples
    --------
    >>> import numpy as np
    >>> # texts 0 and 1 are copies; text 0 posted at 0 and 100, text 1 at 50; window 60
    >>> e = _copies(np.array([[0, 1]]), np.array([True, True]), np.array([0, 0, 1]),
    ...             np.array([0, 100, 50]), 60)
    >>> sorted(map(sorted, e.tolist()))
    [[0, 2], [1, 2]]
    """
    empty = np.zeros((0, 2), dtype=np.int64)
    involved = self_ok.copy()
    involved[pairs.ravel()] = True
    msg = np.flatnonzero(involved[text_of])
    if len(msg) < 2:
        return empty
    order = np.lexsort((msg, times[msg], text_of[msg]))
    m = msg[order]
    d, t = text_of[m], times[m]
    new_run = np.r_[True, (d[1:] != d[:-1]) | (t[1:] - t[:-1] > window)]
    # A text too weak to join its own copies: each of its messages is a run of its own.
    new_run |= ~self_ok[d]
    same = np.flatnonzero(~new_run[1:])
    edges = [np.stack([m[same], m[same + 1]], axis=1)]
    run_pos = np.flatnonzero(new_run)
    run_rep, run_text, run_start = m[run_pos], d[run_pos], t[run_pos]
    run_end = t[np.r_[run_pos[1:] - 1, len(m) - 1]]
    if len(pairs):
        # Per pair, the runs of both texts merged by start (each text's runs are in order
        # already) and swept, in one compiled pass: counted, then written.
        lo = np.searchsorted(run_text, pairs, side="left")
        n_runs = np.searchsorted(run_text, pairs, side="right") - lo
        args = (lo, n_runs, run_start, run_end, run_rep, int(window))
        n_found = run_joins(*args, np.zeros(0, np.int64), np.zeros(0, np.int64))
        first, second = np.empty(n_found, np.int64), np.empty(n_found, np.int64)
        run_joins(*args, first, second)
        edges.append(np.stack([first, second], axis=1))
    return np.concatenate(edges)


def ahead(fn, items, *, depth: int = 3, workers: int = 2):
    """``fn`` of each item, in order, computed by ``workers`` threads up to ``depth`` items
    ahead of the caller (Arrow and numpy release the GIL: the next chunks of texts are
    normalised while this one is hashed).

    Examples
    --------
    >>> list(ahead(len, ["a", "bb", "ccc"]))
    [1, 2, 3]
    """
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) > depth:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def distinct_texts(text: pd.Series | None, n: int) -> tuple[pa.Array, np.ndarray]:
    """The distinct texts of ``n`` messages, in order of first appearance (a missing text
    counts as empty, added last when no text is empty), and each message's position among
    them. Only the distinct texts are copied when ``text`` is Arrow-backed already.

    Examples
    --------
    >>> import pandas as pd
    >>> texts, text_of = distinct_texts(pd.Series(["a", None, "a", ""], dtype="string"), 4)
    >>> texts.to_pylist(), text_of.tolist()
    (['a', ''], [0, 1, 0, 1])
    >>> distinct_texts(pd.Series(["a", None, "b"], dtype="string"), 3)[1].tolist()
    [0, 2, 1]
    """
    if text is None:
        return pa.chunked_array([pa.array([""], type=pa.large_string())]), np.zeros(n, np.int64)
    arr = pa.array(text.astype(pd.StringDtype("pyarrow")))
    if not isinstance(arr, pa.ChunkedArray):
        arr = pa.chunked_array([arr])
    # One dictionary for all chunks (Arrow unifies them), so the chunks are not combined.
    encoded = pc.dictionary_encode(arr.cast(pa.large_string()))
    if encoded.num_chunks == 0:
        return pa.chunked_array([pa.array([""], type=pa.large_string())]), np.zeros(n, np.int64)
    text_of = np.concatenate([pc.fill_null(c.indices, -1).to_numpy(zero_copy_only=False)
                              for c in encoded.chunks]).astype(np.int64)
    texts = [encoded.chunks[0].dictionary.cast(pa.large_string())]
    missing = text_of < 0
    if missing.any():
        empty = pc.index(texts[0], "").as_py()
        if empty < 0:  # a missing text is an empty one
            empty = len(texts[0])
            texts.append(pa.array([""], type=pa.large_string()))
        text_of[missing] = empty
    return pa.chunked_array(texts), text_of
