"""Candidate pairs for the text path: one-permutation MinHash signatures over a consistent
weighted sample of each text's shingles with LSH banding (near-duplicates), and anchors,
weighty shingles sampled by hash (quotes inside longer texts). The exact similarity confirms them
(:func:`~workbench.crosspost.similarity.weighted_jaccard`). The settings below are read
here: set them here (:mod:`~workbench.crosspost.similarity` re-exports the functions, and
``ROWS`` and ``BANDS`` as read-only copies for the Dask kernel).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np

from ..progress import progress_steps
from ._arrays import _mix, ordered_pairs, sorted_unique, unique_pairs
from ._kernels import anchor_matches, densify_probes, in_halves, sampled_minhash_rows

if TYPE_CHECKING:
    from .similarity import ShingleIndex

__all__ = ["MIN_SAMPLE", "ROWS", "BANDS", "ANCHOR_BITS", "ANCHOR_MIN", "ANCHOR_RATIO",
           "NEIGHBOURS", "hash_family", "signatures", "band_key", "bucket_pairs",
           "candidate_pairs", "anchor_pairs"]

#: MinHash sees a consistent weighted sample of each text's shingles (see
#: ``ShingleIndex.sampled``): rare shingles always, common ones rarely, and at least about
#: MIN_SAMPLE of each text (a handful of shared common shingles would make tiny samples
#: collide in huge LSH buckets).
MIN_SAMPLE = 16.0
#: MinHash: BANDS bands of ROWS rows; the LSH S-curve midpoint is (1/BANDS)**(1/ROWS) = 0.33,
#: below the default confirmation threshold (a pair at 0.4 is a candidate with probability
#: 1 - (1 - 0.4**3)**28 = 0.84; heavily edited copies, from 0.3, with 0.54).
ROWS = 3
BANDS = 28
#: Anchors (containment candidates): weighty shingles kept at a rate of 1 in 2**ANCHOR_BITS,
#: chosen by hash, so a text and a longer text quoting it keep the same ones; pairs sharing
#: at least ANCHOR_MIN anchors are candidates. LSH over whole texts misses these pairs (the
#: comment dilutes the quote's signature).
ANCHOR_BITS = 4
ANCHOR_MIN = 3
#: Only pairs whose longer text is at least this many times the shorter's length are
#: anchored (similar lengths are LSH's business).
ANCHOR_RATIO = 1.5
#: Within an LSH bucket (sorted by time) each text is paired with this many successors; the
#: union-find links the rest, and this keeps huge buckets linear.
NEIGHBOURS = 4


def hash_family(random_state: int) -> np.ndarray:
    """The two seeds of the one-permutation MinHash (:func:`signatures`): the shingles' hash
    and the empty bins' densification sequence."""
    rng = np.random.default_rng([random_state, 1])
    return rng.integers(0, 1 << 63, size=2, dtype=np.uint64)


def signatures(index: ShingleIndex, docs: np.ndarray, lo: int, seeds: np.ndarray
              ) -> np.ndarray:
    """One-permutation MinHash signatures (``ROWS * BANDS`` bins, optimal densification) of
    ``docs`` over a consistent weighted sample of their shingles (:meth:`ShingleIndex.sampled`,
    boosted for light texts). Each sampled shingle is hashed once, where ``ROWS * BANDS``
    independent hash functions cost that many multiplications per shingle (4 of the 6 s the
    candidates took at 10^6 messages, measured the round before); two texts agree on a bin with the probability that
    they agree on a MinHash function, their samples' Jaccard similarity.

    Parameters
    ----------
    index : ShingleIndex
    docs : int array
        Text numbers in ``index``.
    lo : int
        Position of ``docs[0]`` among all the texts signed (texts without weighty shingles
        get a signature unique to their position, so they never collide).
    seeds : uint64 array
        :func:`hash_family`.

    Returns
    -------
    ndarray of uint32, shape ``(len(docs), ROWS * BANDS)``

    Examples
    --------
    >>> import numpy as np
    >>> from workbench.crosspost.similarity import make_index
    >>> idx = make_index(np.arange(1, 401, dtype=np.uint32) * np.uint32(2654435761),
    ...                  np.array([200, 200]), np.array([0, 1]))
    >>> idx.hashes[200:300] = idx.hashes[:100]    # the texts share half their shingles
    >>> sig = signatures(idx, np.array([0, 1]), 0, hash_family(0))
    >>> sig.shape, bool(0.15 < (sig[0] == sig[1]).mean() < 0.55)      # Jaccard 1/3
    ((2, 84), True)
    """
    k = ROWS * BANDS
    seeds = np.asarray(seeds, dtype=np.uint64)
    ln = index.starts[docs + 1] - index.starts[docs]
    mass = index.masses_of(docs)  # (checks docs and the index for the loop below)
    boost = np.maximum(1.0, MIN_SAMPLE / np.maximum(mass, 1e-3)).astype(np.float32)
    block = np.zeros((len(docs), k), dtype=np.uint32)
    present = np.zeros(len(docs), dtype=bool)
    # Sampling and MinHash in one compiled pass per text, the texts in two halves at once.
    in_halves(sampled_minhash_rows, ln, np.asarray(index.hashes), np.asarray(index.starts),
              np.ascontiguousarray(docs, dtype=np.int64), boost, index.table,
              index.table_shift, seeds, densify_probes(seeds[1], k), block, present)
    # Texts without weighty shingles get a unique signature so they never collide.
    block[~present] = (np.arange(lo, lo + len(docs))[~present, None] * 7919
                       + np.arange(k)).astype(np.uint32) | np.uint32(1 << 31)
    return block


def band_key(cols: np.ndarray, band: int) -> np.ndarray:
    """The LSH bucket key of each text in one band, from its ``ROWS`` signature columns."""
    cols = cols.astype(np.uint64)
    with np.errstate(over="ignore"):
        key = _mix(cols[:, 0] | (cols[:, 1] << np.uint64(32)))
        for r in range(2, ROWS):
            key = _mix(key ^ cols[:, r] ^ np.uint64(band))
    return key


def bucket_pairs(key: np.ndarray, rank: np.ndarray, by_time: np.ndarray,
                 sorted_times: np.ndarray, n_docs: int, window: int,
                 owner: np.ndarray | None = None) -> list[np.ndarray]:
    """The pairs (arrays of doc positions) one LSH band gives: the texts' bucket keys
    (:func:`band_key`) sorted with their time ``rank`` (uint64, among ``n_docs``), each text
    paired with its ``NEIGHBOURS`` successors in its bucket that are at most ``window``
    later. ``by_time`` inverts the ranks; ``sorted_times`` are the times in rank order.

    With ``owner``, the entries are messages and ``owner`` their text: a text posted many
    times keeps only the first and last message of each unbroken stretch of its own in a
    bucket (so its copies do not take every neighbour's place), and pairs are of texts."""
    bits = np.uint64(max(1, int(n_docs - 1).bit_length()))
    high = ~np.uint64((1 << int(bits)) - 1)
    ordered = np.sort((key & high) | rank)
    bucket = ordered >> bits
    order = by_time[(ordered & ~high).astype(np.int64)]
    ts = sorted_times[(ordered & ~high).astype(np.int64)]
    if owner is not None:
        order = owner[order]
        keep = _stretch_ends(bucket, order)
        bucket, order, ts = bucket[keep], order[keep], ts[keep]
    i, j = _neighbours(bucket, order, ts, window)
    return [np.stack([order[i], order[j]], axis=1)] if len(i) else []


def _stretch_ends(group: np.ndarray, who: np.ndarray) -> np.ndarray:
    """Entries sorted by group, then time: keep only the first and last entry of each
    unbroken stretch of one text (``who``) in a group, so that the many messages of a text
    posted often do not take every neighbour's place."""
    if len(group) < 2:
        return np.ones(len(group), dtype=bool)
    inner = np.r_[False, (group[1:] == group[:-1]) & (who[1:] == who[:-1])]
    return ~(inner & np.r_[inner[1:], False])


def _neighbours(group: np.ndarray, who: np.ndarray, when: np.ndarray, window: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """Entries sorted by group, then time: positions ``(i, j)`` pairing each entry with its
    ``NEIGHBOURS`` successors in its group at most ``window`` later, of another text."""
    found_i, found_j = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for d in range(1, NEIGHBOURS + 1):
        i = np.flatnonzero((group[d:] == group[:-d]) & (when[d:] - when[:-d] <= window)
                           & (who[d:] != who[:-d]))
        found_i.append(i)
        found_j.append(i + d)
    return np.concatenate(found_i), np.concatenate(found_j)


def candidate_pairs(index: ShingleIndex, docs: np.ndarray, times: np.ndarray, window: int, *,
                    min_estimate: float = 0.0, random_state: int = 0,
                    owner: np.ndarray | None = None) -> np.ndarray:
    """Pairs of ``docs`` that share an LSH bucket in some band and are at most ``window``
    nanoseconds apart; an ``(n, 2)`` int64 array of document numbers, each pair once, smaller
    first.

    ``times`` holds a time per doc, or, with ``owner``, a time per message posting one of
    the docs (``owner``: the message's position in ``docs``): a text posted many times is
    then signed once and paired by the times of all its messages."""
    if len(docs) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    sig = signatures(index, docs, 0, hash_family(random_state))
    # Buckets of each band in time order: rank texts by time once, and sort keys that carry
    # the bucket in their high bits and the time rank in their low bits.
    by_time = np.argsort(times, kind="stable")
    rank = np.empty(len(times), dtype=np.uint64)
    rank[by_time] = np.arange(len(times), dtype=np.uint64)
    sorted_times = times[by_time]

    def band_pairs(band: int) -> np.ndarray:
        key = band_key(sig[:, band * ROWS:(band + 1) * ROWS], band)
        if owner is not None:
            key = key[owner]
        found = bucket_pairs(key, rank, by_time, sorted_times, len(times), window, owner)
        if not found:
            return np.zeros(0, np.int64)
        # Each pair once per band, packed smaller first (bands repeat many pairs).
        i, j = found[0][:, 0], found[0][:, 1]
        return sorted_unique((np.minimum(i, j) << 31) | np.maximum(i, j))

    # Two bands at a time (numpy sorts release the GIL).
    with ThreadPoolExecutor(max_workers=2) as pool:
        found = list(progress_steps(pool.map(band_pairs, range(BANDS)),
                                    desc="cross-posting: candidate pairs", total=BANDS))
    packed = sorted_unique(np.concatenate(found))
    if len(packed) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    p = np.stack([packed >> 31, packed & ((1 << 31) - 1)], axis=1)
    packed = found = None
    # The signatures estimate the similarity: drop pairs far below the threshold before the
    # exact (and costlier) confirmation.
    estimate = np.zeros(len(p))
    for lo in range(0, len(p), 500_000):
        part = p[lo:lo + 500_000]
        estimate[lo:lo + 500_000] = (sig[part[:, 0]] == sig[part[:, 1]]).mean(axis=1)
    p = p[estimate >= min_estimate]
    return unique_pairs(ordered_pairs(docs[p]))


def anchor_pairs(index: ShingleIndex, docs: np.ndarray, times: np.ndarray, window: int, *,
                 owner: np.ndarray | None = None) -> np.ndarray:
    """Containment candidates: pairs of ``docs`` (at most ``window`` apart, one at least
    ``ANCHOR_RATIO`` times longer) sharing at least ``ANCHOR_MIN`` anchors, weighty shingles
    sampled by hash at a fixed rate (so a quote keeps the anchors of what it quotes however
    long the comment around it). Within one anchor, each text is paired with its
    ``NEIGHBOURS`` successors in time; an ``(n, 2)`` array of document numbers, smaller
    first, each pair once.

    ``times`` holds a time per doc, or, with ``owner``, a time per message posting one of
    the docs (``owner``: its position in ``docs``), as in :func:`candidate_pairs`.

    Examples
    --------
    >>> import numpy as np
    >>> from workbench.crosspost.similarity import make_index
    >>> idx = make_index(np.arange(1, 401, dtype=np.uint32) * np.uint32(2654435761),
    ...                  np.array([100, 300]), np.array([0, 1]))
    >>> idx.hashes[100:200] = idx.hashes[:100]      # the second text quotes the first
    >>> anchor_pairs(idx, np.array([0, 1]), np.array([0, 5]), 10).tolist()
    [[0, 1]]
    >>> # the first text posted at 0 and again at 50, its quote at 52: near the repost
    >>> anchor_pairs(idx, np.array([0, 1]), np.array([0, 50, 52]), 10,
    ...              owner=np.array([0, 0, 1])).tolist()
    [[0, 1]]
    """
    empty = np.zeros((0, 2), dtype=np.int64)
    if len(docs) < 2:
        return empty
    lengths = index.starts[docs + 1] - index.starts[docs]
    # In chunks of texts: only the anchors (1 in 2**ANCHOR_BITS shingles) are kept together.
    bounds = np.unique(np.r_[0, np.searchsorted(np.cumsum(lengths), np.arange(
        1, 1 + int(lengths.sum()) // 4_000_000) * 4_000_000), len(docs)])
    parts_v, parts_o = [], []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        values, ln = index.gather(docs[lo:hi])
        holder = np.repeat(np.arange(lo, hi), ln)
        keep = (values & np.uint32((1 << ANCHOR_BITS) - 1)) == 0
        values, holder = values[keep], holder[keep]
        keep = index.weights(values) >= 0.5
        parts_v.append(values[keep])
        parts_o.append(holder[keep])
    # (Arrays are built in place and dropped as soon as they are used: at 10^6 messages each
    # of these is hundreds of MB, and this stage set the whole call's peak memory.)
    key = np.concatenate(parts_v).astype(np.uint64)
    parts_v = None
    key <<= np.uint64(32)
    key |= np.concatenate(parts_o).astype(np.uint64)
    parts_o = None
    key = sorted_unique(key)
    h = key >> np.uint64(32)
    key &= np.uint64(0xFFFFFFFF)
    holder = key.astype(np.int64)
    key = None
    # Within one anchor, in time order: one sort of keys holding the anchor in the high bits
    # and the time rank in the low ones (far faster than sorting by two keys).
    by_time = np.argsort(times, kind="stable")
    rank = np.empty(len(times), dtype=np.uint64)
    rank[by_time] = np.arange(len(times), dtype=np.uint64)
    if owner is None:
        post = holder
    else:
        # Each anchor of a text, once per message posting the text.
        by_text = np.argsort(owner, kind="stable")
        per_text = np.bincount(owner, minlength=len(docs))
        k = per_text[holder]
        post = by_text[np.repeat((np.cumsum(per_text) - per_text)[holder] - (np.cumsum(k) - k),
                                 k) + np.arange(int(k.sum()))]
        h = np.repeat(h, k)
        k = by_text = None
    if len(h) < 2:
        return empty
    ordered = h << np.uint64(32)
    h = None
    ordered |= rank[post]
    post = rank = None
    ordered.sort()
    h = ordered >> np.uint64(32)
    ordered &= np.uint64(0xFFFFFFFF)
    post = by_time[ordered.astype(np.int64)]
    ordered = None
    holder = post if owner is None else owner[post]
    when = times[post]
    if owner is not None:
        keep = _stretch_ends(h, holder)
        h, holder, when = h[keep], holder[keep], when[keep]
    # Pairs of texts meeting on an anchor, the longer at least ANCHOR_RATIO times the
    # shorter, with the anchors they share counted (each once, however many messages met on
    # it) in a hash table, in one compiled pass after one that counts the pairs to size it
    # (numbering the pairs with pandas, then sorting (pair, anchor) keys, held every pair met
    # in memory and made this stage 9.5 s instead of 5.5 s at 10^6 messages).
    args = (h, holder, when, lengths, window, NEIGHBOURS, ANCHOR_RATIO)
    n_found = anchor_matches(*args, np.zeros(0, np.int64), np.zeros(0, np.int32),
                             np.zeros(0, np.uint32))
    if n_found == 0:
        return empty
    size = 1 << int(n_found + n_found // 2).bit_length()
    keys = np.full(size, -1, dtype=np.int64)
    met = np.zeros(size, dtype=np.int32)
    anchor_matches(*args, keys, met, np.zeros(size, dtype=np.uint32))
    h = holder = when = None
    key = keys[met >= ANCHOR_MIN]
    out = np.stack([docs[key >> 31], docs[key & ((1 << 31) - 1)]], axis=1)
    return unique_pairs(ordered_pairs(out))
