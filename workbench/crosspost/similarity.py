"""Near-duplicate texts at scale: character shingles, corpus-aware shingle weights, MinHash with
LSH banding for candidates, and the exact weighted Jaccard similarity to confirm them.
(Candidate generation, MinHash, LSH and quote anchors, lives in
:mod:`workbench.crosspost._candidates` with its settings, ``ROWS``, ``BANDS``, ``NEIGHBOURS``,
``MIN_SAMPLE`` and ``ANCHOR_*``: set them there; its functions are re-exported here, and
``ROWS`` and ``BANDS`` as read-only copies, for the Dask kernel's signature files.)

Everything here works on flat arrays (one entry per shingle occurrence, texts one after the
other): vectorised numpy, and compiled loops where a loop passes once where numpy would pass
many times (:mod:`workbench.crosspost._kernels`: hashing, MinHash, confirmation).

Weights: what makes a shingle evidence of copying
-------------------------------------------------
A shingle is strong evidence when it is rare *and* not repeated by the channels that use it.
Two statistics per shingle ``s``, over the texts of the corpus:

* ``df``: how many texts contain it; ``w_idf = min(1, log1p(N/df) / log1p(N/knee))`` with
  ``knee = 100`` (or 1% of a corpus under 10,000 texts, at least 2), so anything in at most
  about 100 texts (a statement copied by a hundred channels) keeps full weight and words
  common across the corpus fade towards 0 (smoothed IDF).
* ``repeat``: the average, over its occurrences, of how many texts *of the same channel*
  contain it (``sum(c**2) / sum(c)`` over the channels' counts ``c``).  Copied content is posted
  once per channel (``repeat`` about 1); a channel's footer, a bulletin header or a stock phrase
  is posted again and again by the same channels.  Ordinary words are repeated too, in
  proportion to how often they occur, so ``repeat`` is divided by what a shingle of the same
  ``df`` spread over the channels by their size would show (``1 + df * sum(n_c**2) /
  N**2``): the ``excess``.  ``w_rep = min(1, 2 / excess) ** 2``.

``weight = w_idf * w_rep``.  A shared header or footer therefore adds almost nothing to the
similarity of two texts, however long it is, and it does not need a list of known phrases.  For
corpora with more than ``STATS_BUDGET`` shingle occurrences the statistics are estimated from a
seeded random sample of texts (``repeat`` corrected for the sampling rate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..progress import progress_steps
from ._arrays import _mix, ordered_pairs, sorted_unique, unique_pairs  # _mix: used as sim._mix
from ._kernels import (compact_rows, in_halves, segment_table_sums, shared_weights,
                       shingle_hash_into, sorted_set_rows)
from ._candidates import (BANDS, ROWS, anchor_pairs, band_key, bucket_pairs, candidate_pairs,
                          hash_family, signatures)

__all__ = ["SHINGLE", "BANDS", "ROWS", "ShingleIndex", "build_index", "make_index",
           "candidate_pairs", "weighted_jaccard", "shingle_hashes", "shingle_counts",
           "shingle_weight",
           "hash_family", "signatures", "band_key", "bucket_pairs", "unique_pairs",
           "sorted_unique", "ordered_pairs", "anchor_pairs"]

#: Characters per shingle (on the normalised text, spaces included).
SHINGLE = 5
#: Shingle occurrences used to estimate weights; larger corpora are sampled.
STATS_BUDGET = 6_000_000
#: Texts in which a shingle still counts fully (the smoothed-IDF knee).
DF_KNEE = 100.0
#: Times a channel may repeat content before it counts as boilerplate.
REPEAT_ALLOWANCE = 2.0
#: Shared evidence a text join needs, in units of a typical text of ``min_chars`` characters
#: (the corpus' median shingle weight times ``min_chars - 4`` shingles): texts made of
#: boilerplate (a header, a footer, a stock phrase) weigh far less than ordinary text.
EVIDENCE = 1.0
#: Candidates whose signatures agree on less than this share of the threshold are dropped
#: before the exact confirmation (with 84 independent functions a pair at the threshold
#: would fall that low with probability below 1e-5; the one-permutation bins vary more on
#: small samples: of pairs at the threshold with 14-28 sampled shingles, 1.4-1.9% more miss
#: every LSH band). Measured with no floor, on pairs confirmed at 0.4: the lowest share of
#: agreeing bins is 0.33 in the fixture world; on 10^5 real-length texts 3 of 68,187 fall
#: below the floor (the 84 independent functions used before left 15 of 65,487).
ESTIMATE_FLOOR = 0.375
#: Containment: a text whose weighted shingles are at least this share inside a longer one
#: (a statement quoted after a long comment) is a copy, when the shared weight is at least
#: QUOTE_EVIDENCE typical ``min_chars`` texts (see ``EVIDENCE``). None: Jaccard only. (On the
#: real-text benchmark as it was before its planted texts were corrected, 0.75 merged spam
#: templates into planted clusters: precision 0.12.)
CONTAINMENT: float | None = 0.9
QUOTE_EVIDENCE = 4.0
#: Heavily edited copies: a pair of texts first posted by different channels whose
#: similarity is at least EDITED times the threshold is a copy when it shares at least
#: EDITED_EVIDENCE typical ``min_chars`` texts of weight (see ``EVIDENCE``): a long statement
#: with a quarter of its words replaced or dropped. On the real-text benchmark it lifts
#: reworded recall from 0.92 to 0.96 at 10^5 and 10^6 messages. Texts first posted by one
#: channel are not joined this way: in small corpora, where weights say less, a channel's
#: own posts sharing one stock sentence are as similar (three such members on the fixtures'
#: news editions alone, when the rule did not look at channels). None: the threshold only.
#: (Candidates still come from LSH and the quote anchors, which offer pairs this far below
#: the threshold less surely: see ``_candidates.BANDS``.)
EDITED: float | None = 0.75
EDITED_EVIDENCE = 4.0
_TABLE_BITS = 24
_COLUMN_BITS = 30
_ROLL = np.uint64(0x100000001B3)


def shingle_counts(offsets: np.ndarray, k: int = SHINGLE) -> np.ndarray:
    """Shingles per text (texts at ``offsets``): ``length - k + 1``, or 1 for a text shorter
    than ``k`` that is not empty."""
    lengths = np.diff(offsets)
    return np.where(lengths >= k, lengths - k + 1, (lengths > 0).astype(np.int64))


def shingle_hashes(codes: np.ndarray, offsets: np.ndarray, k: int = SHINGLE
                   ) -> tuple[np.ndarray, np.ndarray]:
    """32-bit hashes of the ``k``-character shingles of each text, texts one after the other.

    A text shorter than ``k`` (but not empty) has one shingle: itself.

    Returns
    -------
    hashes : ndarray of uint32
    counts : ndarray of int64, shingles per text

    Examples
    --------
    >>> import numpy as np
    >>> codes = np.frombuffer("abcdefab".encode("utf-32-le"), dtype=np.uint32)
    >>> h, counts = shingle_hashes(codes, np.array([0, 6, 8]))
    >>> counts.tolist(), len(set(h.tolist()))          # "abcde", "bcdef"; "ab"
    ([2, 1], 3)
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    counts = shingle_counts(offsets, k)
    out = np.empty(int(counts.sum()), dtype=np.uint32)
    shingle_hash_into(np.ascontiguousarray(codes, dtype=np.uint32), offsets, k, _ROLL, out, 0)
    return out, counts


@dataclass
class ShingleIndex:
    """Shingles of every text, their weights, and per-text totals.

    Attributes
    ----------
    hashes : uint32 array, one per shingle occurrence, texts one after the other
    starts : int64 array, ``len(texts) + 1`` offsets into ``hashes``
    table : uint8 array of ``2**24`` quantised weights (255 = 1.0) looked up by hash bucket

    :meth:`masses` gives each text's total weight over its shingle occurrences; the
    de-duplicated shingle sets of the texts compared are built on demand as CSR rows
    (:meth:`rows`, kept in ``_parts``: indptr, columns, data and each row's total weight,
    :meth:`row_totals`).
    """

    hashes: np.ndarray
    starts: np.ndarray
    table: np.ndarray
    _row_of: np.ndarray | None = None
    _parts: list | None = None
    _n_rows: int = 0
    _mat: sp.csr_matrix | None = None
    _masses: np.ndarray | None = None

    def weights(self, hashes: np.ndarray) -> np.ndarray:
        return self.table[hashes >> np.uint32(32 - _TABLE_BITS)].astype(np.float32) / 255.0

    def sampled(self, hashes: np.ndarray, boost: np.ndarray | float = 1.0) -> np.ndarray:
        """A consistent weighted sample: shingle ``s`` is kept with probability
        ``min(1, boost * weight(s))``, decided by its own hash, so two texts keep the same
        shingles. MinHash on these samples tracks the weighted similarity, and common words
        stop making texts collide; ``boost`` (per occurrence) keeps enough of light texts.
        (The definition: :func:`~workbench.crosspost._kernels.sampled_minhash_rows` applies
        the same rule inside its loop, and the tests check it against this.)"""
        q = self.table[hashes >> np.uint32(32 - _TABLE_BITS)].astype(np.float32)
        q = q * q / 255.0 * boost
        return ((hashes & np.uint32(0xFF)).astype(np.float32) < q) | (q >= 255)

    def gather(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The shingle hashes of ``docs``, one text after the other, and their counts."""
        lengths = self.starts[docs + 1] - self.starts[docs]
        total = int(lengths.sum())
        shift = self.starts[docs] - (np.cumsum(lengths) - lengths)
        take = np.arange(total, dtype=np.int64) + np.repeat(shift, lengths)
        return self.hashes[take], lengths

    def masses(self) -> np.ndarray:
        """Total weight of each text's shingle occurrences (computed once)."""
        if self._masses is None:
            self._masses = self._sum_weights(np.arange(len(self.starts) - 1))
        return self._masses

    def masses_of(self, docs: np.ndarray) -> np.ndarray:
        """:meth:`masses` of ``docs``: looked up when computed for the whole index, else
        summed for these texts alone, the same sums (a block of texts on a Dask worker)."""
        if self._masses is None:
            return self._sum_weights(docs)  # (checks docs)
        _check_index(self, docs)
        return self._masses[docs]

    def _sum_weights(self, docs: np.ndarray) -> np.ndarray:
        _check_index(self, docs)
        sums = np.zeros(len(docs), dtype=np.uint64)
        # Sums of the quantised weights (exact integers), the texts in two halves at once.
        in_halves(segment_table_sums, self.starts[docs + 1] - self.starts[docs],
                  np.asarray(self.hashes), np.asarray(self.starts),
                  np.ascontiguousarray(docs, dtype=np.int64), self.table, self.table_shift,
                  sums)
        return sums / 255.0

    @property
    def table_shift(self) -> np.uint32:
        """A hash's bucket in :attr:`table` is ``hash >> table_shift``."""
        return np.uint32(32 - _TABLE_BITS)

    def rows(self, docs: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
        """Weighted, de-duplicated shingle sets of ``docs`` as rows of a canonical CSR matrix
        of quantised weights (uint8, 255 = 1.0: a byte per entry, for memory), and the row of
        each doc. Rows are built once per doc and kept for later calls: new rows are appended
        to buffers with room to spare (:meth:`_reserve`), so a later call adding a few rows
        copies nothing, and one that outgrows the room copies the rows so far once.

        The matrix and :meth:`row_totals` are views of the index's buffers: read them, do
        not write to them (a matrix from an earlier call stays valid)."""
        if self._row_of is None:
            self._row_of = np.full(len(self.starts) - 1, -1, dtype=np.int64)
            self._parts = [np.zeros(1, dtype=np.int64), np.zeros(0, np.int32),
                           np.zeros(0, np.uint8), np.zeros(0)]  # indptr, columns, data, totals
            self._n_rows = 0
        missing = sorted_unique(docs[self._row_of[docs] < 0].astype(np.int64))
        if len(missing):
            self._add_rows(missing)
            self._mat = None
        if self._mat is None:
            all_ptr, columns, data, _ = self._parts
            indptr = all_ptr[:self._n_rows + 1]
            nnz = int(indptr[-1])
            if nnz < 2**31 - 1:
                indptr = indptr.astype(np.int32)
            # Columns are below 2**30, so int32 as scipy wants them (views of the buffers).
            mat = sp.csr_matrix((data[:nnz], columns[:nnz], indptr),
                                shape=(self._n_rows, 1 << _COLUMN_BITS), copy=False)
            mat.has_sorted_indices = True
            mat.has_canonical_format = True
            self._mat = mat
        return self._mat, self._row_of[docs]

    def row_totals(self) -> np.ndarray:
        """Total weight of each row of :meth:`rows` (its distinct shingles), by row."""
        return self._parts[3][:self._n_rows] if self._parts is not None else np.zeros(0)

    def _reserve(self, rows: int, entries: int) -> None:
        """Room in the row buffers for ``rows`` more rows of at most ``entries`` shingles
        (their occurrences: distinct ones are fewer). Room is taken with a quarter to spare,
        so that a later call adding a few rows copies nothing. :meth:`_add_rows` writes the
        columns of every occurrence there before de-duplicating them (4 bytes each); room
        never written costs no memory when its pages come fresh from the system (inside
        :func:`~workbench.memory.keep_memory` they may be reused ones)."""
        all_ptr, columns, data, totals = self._parts
        n, nnz = self._n_rows, int(all_ptr[self._n_rows])

        def room(buf: np.ndarray, used: int, need: int) -> np.ndarray:
            if need <= len(buf):
                return buf
            grown = np.empty(need + need // 4, dtype=buf.dtype)
            grown[:used] = buf[:used]
            return grown

        self._parts = [room(all_ptr, n + 1, n + rows + 1), room(columns, nnz, nnz + entries),
                       room(data, nnz, nnz + entries), room(totals, n, n + rows)]

    def _add_rows(self, docs: np.ndarray) -> None:
        """Append the rows of ``docs`` (none there yet): each text's columns sorted and
        de-duplicated where the room for all its shingles starts (two halves of the texts
        at once), then moved together, weighed and summed (:mod:`._kernels`)."""
        lengths = self.starts[docs + 1] - self.starts[docs]
        self._reserve(len(docs), int(lengths.sum()))
        all_ptr, columns, data, totals = self._parts
        n, nnz = self._n_rows, int(all_ptr[self._n_rows])
        base = nnz + np.cumsum(lengths) - lengths
        counts = np.zeros(len(docs), dtype=np.int64)
        cols = columns.view(np.uint32)
        _check_index(self, docs)
        in_halves(sorted_set_rows, lengths, np.asarray(self.hashes), np.asarray(self.starts),
                  docs, np.uint32(32 - _COLUMN_BITS), cols, base, counts)
        indptr = nnz + np.cumsum(counts)
        sums = np.zeros(len(docs), dtype=np.uint64)
        # One thread, in order: rows move towards the start, over sources not yet read.
        compact_rows(cols, base, counts, indptr - counts, self.table,
                     np.uint32(_COLUMN_BITS - _TABLE_BITS), data, sums)
        all_ptr[n + 1:n + len(docs) + 1] = indptr
        totals[n:n + len(docs)] = sums / 255.0
        self._row_of[docs] = n + np.arange(len(docs))
        self._n_rows += len(docs)


def _check_index(index: ShingleIndex, docs: np.ndarray) -> None:
    """Text numbers in range and an index whose offsets fit its hashes, before a compiled
    loop (which checks no bounds) reads them."""
    n = len(index.starts) - 1
    if len(docs) and (int(docs.min()) < 0 or int(docs.max()) >= n):
        raise IndexError(f"text numbers outside 0..{n - 1}")
    if n and int(index.starts[-1]) > len(index.hashes):
        raise ValueError("the index's offsets run past its hashes")


def _concentration(channel: np.ndarray, n: int) -> float:
    """``sum(n_c**2) / (sum n_c)**2`` over the channels' text counts ``n_c`` (``1/C`` when
    ``C`` channels are of equal size)."""
    sizes = np.bincount(channel).astype(np.float64)
    total = sizes.sum()
    return float((sizes ** 2).sum() / total ** 2) if total else 1.0


def shingle_weight(df, repeat, n_docs: int, concentration: float):
    """Weight of a feature (shingle, link, file) seen in ``df`` texts, each text seeing it on
    average in ``repeat`` texts of its own channel (see the module docstring).

    ``repeat`` is compared with what a feature of the same ``df`` spread evenly over the
    channels would show (``1 + df * concentration``): ordinary words are not boilerplate,
    a footer or a header that one channel keeps repeating is.

    Examples
    --------
    >>> import numpy as np
    >>> w = shingle_weight(np.array([5., 300., 300., 20000.]), np.array([1., 300., 4., 50.]),
    ...                    100_000, 1 / 250)
    >>> np.round(w, 2).tolist()     # copied content, a footer, an ordinary word, a common word
    [1.0, 0.0, 0.84, 0.26]
    """
    df = np.asarray(df, dtype=np.float64)
    # The knee: DF_KNEE texts, or 1% of a small corpus (but at least 2: a pair of copies).
    knee = min(DF_KNEE, max(2.0, n_docs / 100))
    w_idf = np.minimum(1.0, np.log1p(n_docs / df) / np.log1p(n_docs / knee)) \
        if n_docs > knee else np.ones_like(df)
    excess = np.asarray(repeat, dtype=np.float64) / (1.0 + df * concentration)
    return np.clip(w_idf * np.minimum(1.0, REPEAT_ALLOWANCE / excess) ** 2, 0.0, 1.0)


def _shingle_statistics(hashes, counts, channel, rng, text_of=None) -> np.ndarray:
    """The quantised weight table (see the module docstring). Statistics are over messages:
    ``text_of`` maps each message to its text in ``counts`` (None: one text per message), so
    a text posted ten times counts ten times, as if it had been shingled ten times."""
    text_start = np.cumsum(counts) - counts
    if text_of is not None:
        counts = counts[text_of]
    else:
        text_of = np.arange(len(counts))
    n_docs = int((counts > 0).sum())
    table = np.full(1 << _TABLE_BITS, 255, dtype=np.uint8)
    total = int(counts.sum())
    if total == 0:
        return table
    doc_of_all = np.flatnonzero(counts > 0)
    if total > STATS_BUDGET:
        chosen = np.flatnonzero((rng.random(len(counts)) < STATS_BUDGET / total) & (counts > 0))
        frac = max(len(chosen) / max(len(doc_of_all), 1), 1e-9)
    else:
        chosen, frac = doc_of_all, 1.0
    lengths = counts[chosen]
    shift = text_start[text_of[chosen]] - (np.cumsum(lengths) - lengths)
    take = np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(shift, lengths)
    h = hashes[take]
    doc_of = np.repeat(chosen, lengths)
    # Count texts, not occurrences: a shingle repeated inside one text counts once.
    key = sorted_unique((doc_of.astype(np.uint64) << np.uint64(32)) | h.astype(np.uint64))
    h = (key & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    ch = channel[(key >> np.uint64(32)).astype(np.int64)]
    pair, c = sorted_unique((h.astype(np.uint64) << np.uint64(32)) | ch.astype(np.uint64),
                            return_counts=True)
    shingle = (pair >> np.uint64(32)).astype(np.uint32)
    first = np.flatnonzero(np.r_[True, shingle[1:] != shingle[:-1]])
    c = c.astype(np.float64)
    df = np.add.reduceat(c, first) / frac
    repeat = np.add.reduceat(c * c, first) / np.add.reduceat(c, first)
    repeat = np.maximum(1.0, (repeat - (1.0 - frac)) / frac)
    w = shingle_weight(df, repeat, n_docs, _concentration(channel[doc_of_all], len(counts)))
    low = w < 0.995
    q = np.round(w[low] * 255).astype(np.uint8)
    np.minimum.at(table, (shingle[first][low] >> np.uint32(32 - _TABLE_BITS)).astype(np.int64), q)
    return table


def build_index(codes_chunks, channel: np.ndarray, *, random_state: int = 0,
                text_of: np.ndarray | None = None, size_hint: int = 0) -> ShingleIndex:
    """Shingle every text and weigh the shingles.

    Parameters
    ----------
    codes_chunks : iterable of (codes, offsets)
        Normalised texts, in chunks (see :func:`~workbench.crosspost.normalise_texts`).
    channel : int array
        A channel code per message.
    text_of : int array, optional
        The text (position in ``codes_chunks``) of each message, when messages that carry the
        same text share one; by default one text per message.
    size_hint : int, optional
        About how many shingles to expect (e.g. the texts' total length): room for them is
        taken up front, and only what is written costs memory.
    """
    # Each chunk's hashes go straight into one buffer (not a list of parts copied together at
    # the end: twice the hashes at once, and memory fresh from the system is slow to touch).
    hashes, at, counts = np.empty(max(int(size_hint), 1), dtype=np.uint32), 0, []
    for codes, offsets in codes_chunks:
        offsets = np.asarray(offsets, dtype=np.int64)
        c = shingle_counts(offsets)
        need = at + int(c.sum())
        if need > len(hashes):
            grown = np.empty(max(need, len(hashes) * 3 // 2), dtype=np.uint32)
            grown[:at] = hashes[:at]
            hashes = grown
        at += shingle_hash_into(np.ascontiguousarray(codes, dtype=np.uint32), offsets,
                                SHINGLE, _ROLL, hashes, at)
        counts.append(c)
    counts = np.concatenate(counts) if counts else np.zeros(0, np.int64)
    hashes = hashes[:at]
    return make_index(hashes, counts, channel, random_state=random_state, text_of=text_of)


def make_index(hashes: np.ndarray, counts: np.ndarray, channel: np.ndarray, *,
               random_state: int = 0, text_of: np.ndarray | None = None) -> ShingleIndex:
    """The index of shingle ``hashes`` (texts one after the other, ``counts`` per text; an
    array or a memory map), with the shingles weighed over the messages (``channel`` per
    message; ``text_of``: each message's text, by default one per message)."""
    starts = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    rng = np.random.default_rng(random_state)
    table = _shingle_statistics(hashes, counts, channel.astype(np.int64), rng, text_of)
    return ShingleIndex(hashes, starts, table)


def weighted_jaccard(index: ShingleIndex, pairs: np.ndarray, *, chunk: int = 20_000,
                     return_mass: bool = False):
    """Exact weighted Jaccard similarity and shared weight of each pair of texts.

    ``sum(w over shared shingles) / sum(w over all shingles of either)``.

    Returns
    -------
    similarity, shared : float arrays (NaN similarity when both texts have no shingles)
    count : int array, shared shingles (unweighted)
    mass : float array of shape ``(n, 2)``, each text's total weight (distinct shingles);
        only with ``return_mass=True``
    """
    if len(pairs) == 0:
        if return_mass:
            return np.zeros(0), np.zeros(0), np.zeros(0, np.int64), np.zeros((0, 2))
        return np.zeros(0), np.zeros(0), np.zeros(0, np.int64)
    mat, rows = index.rows(pairs.ravel())
    inv = rows.reshape(pairs.shape)
    mass = index.row_totals()
    sums = np.zeros(len(pairs), dtype=np.uint64)
    count = np.zeros(len(pairs), dtype=np.int64)
    # Each pair's sorted columns merged in a compiled loop, the pairs in two halves at once;
    # the work per pair is about the two rows' lengths.
    first, second = np.ascontiguousarray(inv[:, 0]), np.ascontiguousarray(inv[:, 1])
    work = np.diff(mat.indptr)
    for lo in progress_steps(range(0, len(pairs), chunk), desc="cross-posting: confirming"):
        part = slice(lo, lo + chunk)
        a, b = first[part], second[part]
        in_halves(shared_weights, work[a] + work[b], mat.indptr, mat.indices, mat.data, a, b,
                  sums[part], count[part])
    shared = sums / 255.0
    union = mass[inv[:, 0]] + mass[inv[:, 1]] - shared
    with np.errstate(invalid="ignore", divide="ignore"):
        sim = np.where(union > 0, shared / union, np.nan)
    if return_mass:
        return sim, shared, count, mass[inv]
    return sim, shared, count
