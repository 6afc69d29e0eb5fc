"""Near-duplicate texts at scale: character shingles, corpus-aware shingle weights, MinHash with
LSH banding for candidates, and the exact weighted Jaccard similarity to confirm them.

Everything here is vectorised numpy on flat arrays (one entry per shingle occurrence, texts one
after the other), so a million messages take seconds, not hours.

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

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..progress import progress_steps

__all__ = ["SHINGLE", "BANDS", "ROWS", "ShingleIndex", "build_index", "make_index",
           "candidate_pairs", "weighted_jaccard", "shingle_hashes", "shingle_weight",
           "hash_family", "signatures", "band_key", "bucket_pairs", "unique_pairs",
           "sorted_unique", "ordered_pairs", "anchor_pairs"]

#: Characters per shingle (on the normalised text, spaces included).
SHINGLE = 5
#: Characters hashed at a time (bounds the temporaries of :func:`shingle_hashes`).
HASH_CHUNK = 4_000_000
#: Shingle occurrences sorted into rows at a time (bounds the temporaries of confirmation).
ROWS_BLOCK = 20_000_000
#: Shingle occurrences used to estimate weights; larger corpora are sampled.
STATS_BUDGET = 6_000_000
#: Texts in which a shingle still counts fully (the smoothed-IDF knee).
DF_KNEE = 100.0
#: Times a channel may repeat content before it counts as boilerplate.
REPEAT_ALLOWANCE = 2.0
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
#: Shared evidence a text join needs, in units of a typical text of ``min_chars`` characters
#: (the corpus' median shingle weight times ``min_chars - 4`` shingles): texts made of
#: boilerplate (a header, a footer, a stock phrase) weigh far less than ordinary text.
EVIDENCE = 1.0
#: Candidates whose signatures agree on less than this share of the threshold are dropped
#: before the exact confirmation (with 84 functions, a pair at the threshold falls that low
#: with probability below 1e-5; in the fixture worlds the lowest estimate of a confirmed pair
#: is 0.27 of 0.4).
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
#: the threshold less surely: see BANDS.)
EDITED: float | None = 0.75
EDITED_EVIDENCE = 4.0
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
_TABLE_BITS = 24
_COLUMN_BITS = 30
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_ROLL = np.uint64(0x100000001B3)


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a fast, well-spread 64-bit hash of 64-bit keys."""
    z = z ^ (z >> np.uint64(30))
    z = z * _M1
    z = z ^ (z >> np.uint64(27))
    z = z * _M2
    return z ^ (z >> np.uint64(31))


def sorted_unique(values: np.ndarray, *, return_counts: bool = False):
    """``np.unique`` by sorting (numpy's hash-based unique is many times slower on large
    integer arrays)."""
    s = np.sort(values)
    if len(s) == 0:
        return (s, np.zeros(0, np.int64)) if return_counts else s
    first = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    if return_counts:
        return s[first], np.diff(np.r_[first, len(s)])
    return s[first]


def _segment_sums(values: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Integer sums of the segments ``values[indptr[i]:indptr[i + 1]]`` (0 for empty ones).

    Summed as integers: ``np.add.reduceat`` casting uint8 to float64 on the way is some
    forty times slower than summing into uint64 (25 s against 0.6 s for 3 * 10^8 values).
    """
    out = np.zeros(len(indptr) - 1, dtype=np.uint64)
    nonempty = np.flatnonzero(indptr[1:] > indptr[:-1])
    if len(nonempty):
        out[nonempty] = np.add.reduceat(values, indptr[:-1][nonempty], dtype=np.uint64)
    return out


def ordered_pairs(pairs: np.ndarray) -> np.ndarray:
    """Each row of an ``(n, 2)`` array smaller first (``np.sort(pairs, axis=1)``, several times
    faster: minimum and maximum of the two columns instead of a sort per row).

    Examples
    --------
    >>> import numpy as np
    >>> ordered_pairs(np.array([[3, 1], [0, 2]])).tolist()
    [[1, 3], [0, 2]]
    """
    return np.stack([np.minimum(pairs[:, 0], pairs[:, 1]),
                     np.maximum(pairs[:, 0], pairs[:, 1])], axis=1)


def unique_pairs(pairs: np.ndarray) -> np.ndarray:
    """Rows of an ``(n, 2)`` array of non-negative ints (each below 2**31), each once, sorted."""
    if len(pairs) == 0:
        return pairs.reshape(0, 2).astype(np.int64)
    key = sorted_unique((pairs[:, 0].astype(np.int64) << 31) | pairs[:, 1].astype(np.int64))
    return np.stack([key >> 31, key & ((1 << 31) - 1)], axis=1)


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
    n = len(codes)
    lengths = np.diff(offsets)
    counts = np.where(lengths >= k, lengths - k + 1, (lengths > 0).astype(np.int64))
    if n == 0:
        return np.zeros(0, np.uint32), counts.astype(np.int64)
    # Rolling polynomial over the whole array (shingles may cross texts here; those are
    # dropped below), then the splitmix finaliser for well-spread bits.
    padded = np.concatenate([codes.astype(np.uint64) + np.uint64(1), np.zeros(k, np.uint64)])
    h = padded[:n].copy()
    with np.errstate(over="ignore"):
        for j in range(1, k):
            h *= _ROLL
            h += padded[j:j + n]
    # A shingle starts anywhere but in the last k - 1 characters of a text, and nowhere in
    # a text shorter than k.
    full = lengths >= k
    keep = np.ones(n, dtype=bool)
    ends = offsets[1:][full]
    for j in range(1, k):
        keep[ends - j] = False
    short_texts = np.flatnonzero((lengths > 0) & ~full)
    if len(short_texts):
        keep[np.repeat(offsets[:-1][short_texts], lengths[short_texts])
             + np.arange(int(lengths[short_texts].sum()))
             - np.repeat(np.cumsum(lengths[short_texts]) - lengths[short_texts],
                         lengths[short_texts])] = False
    out = h[keep]
    short = np.flatnonzero((lengths > 0) & ~full)
    if len(short):
        # Texts shorter than k: one shingle each, hashed over the text alone.
        sh = np.zeros(len(short), dtype=np.uint64)
        with np.errstate(over="ignore"):
            for j in range(k - 1):
                inside = j < lengths[short]
                sh = np.where(inside, sh * _ROLL + padded[np.minimum(offsets[short] + j, n)], sh)
        # Interleave them where their texts are.
        pos = np.cumsum(counts) - counts  # start of each text's shingles in the output
        merged = np.empty(int(counts.sum()), dtype=np.uint64)
        is_short = np.zeros(len(merged), dtype=bool)
        is_short[pos[short]] = True
        merged[is_short] = sh
        merged[~is_short] = out
        out = merged
    with np.errstate(over="ignore"):
        out = _mix(out + np.uint64(k))
    return (out >> np.uint64(32)).astype(np.uint32), counts.astype(np.int64)


@dataclass
class ShingleIndex:
    """Shingles of every text, their weights, and per-text totals.

    Attributes
    ----------
    hashes : uint32 array, one per shingle occurrence, texts one after the other
    starts : int64 array, ``len(texts) + 1`` offsets into ``hashes``
    table : uint8 array of ``2**24`` quantised weights (255 = 1.0) looked up by hash bucket
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
        stop making texts collide; ``boost`` (per occurrence) keeps enough of light texts."""
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

    def masses(self, *, chunk: int = 20_000_000) -> np.ndarray:
        """Total weight of each text's shingle occurrences (computed in chunks of texts, once)."""
        if self._masses is None:
            self._masses = self._compute_masses(chunk)
        return self._masses

    def has_masses(self) -> bool:
        """Whether :meth:`masses` has been computed (a block of texts on a Dask worker has
        not, and computes its own texts' masses instead of the whole index's)."""
        return self._masses is not None

    def _compute_masses(self, chunk: int) -> np.ndarray:
        n = len(self.starts) - 1
        out = np.zeros(n)
        lo = 0
        while lo < n:
            hi = int(np.searchsorted(self.starts, self.starts[lo] + chunk, side="right"))
            hi = min(n, max(hi - 1, lo + 1))
            # Sums of the quantised weights (exact integers), per text with shingles.
            q = self.table[self.hashes[self.starts[lo]:self.starts[hi]]
                           >> np.uint32(32 - _TABLE_BITS)]
            local = self.starts[lo:hi + 1] - self.starts[lo]
            full = np.flatnonzero(local[1:] > local[:-1])
            if len(full):
                out[lo + full] = np.add.reduceat(q, local[full], dtype=np.uint64) / 255.0
            lo = hi
        return out

    def rows(self, docs: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
        """Weighted, de-duplicated shingle sets of ``docs`` as rows of a canonical CSR matrix
        of quantised weights (uint8, 255 = 1.0: a byte per entry, for memory), and the row of
        each doc. Rows are built once per doc and kept for later calls: new rows are appended
        to buffers with room to grow, so a later call copies only what it adds."""
        if self._row_of is None:
            self._row_of = np.full(len(self.starts) - 1, -1, dtype=np.int64)
            self._parts = [np.zeros(1, dtype=np.int64), np.zeros(0, np.int32),
                           np.zeros(0, np.uint8), np.zeros(0)]  # indptr, columns, data, totals
            self._n_rows = 0
        missing = sorted_unique(docs[self._row_of[docs] < 0].astype(np.int64))
        # In blocks of texts: sorting pads each text's shingles to a power of two.
        lengths = self.starts[missing + 1] - self.starts[missing]
        cuts = np.unique(np.r_[0, np.searchsorted(np.cumsum(lengths), np.arange(
            ROWS_BLOCK, int(lengths.sum()), ROWS_BLOCK)), len(missing)])
        if len(missing):
            self._reserve(len(missing), int(lengths.sum()))
        for lo, hi in zip(cuts[:-1], cuts[1:]):
            block = missing[lo:hi]
            indptr, indices = self._sorted_sets(block)
            self._row_of[block] = self._n_rows + np.arange(len(block))
            self._append_rows(indptr, indices)
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
        so that a later call adding a few rows copies nothing; untouched room costs no
        memory (the pages are only mapped when written)."""
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

    def _append_rows(self, indptr: np.ndarray, indices: np.ndarray) -> None:
        """Append rows (CSR ``indptr`` and ``indices`` of :meth:`_sorted_sets`) into the
        room :meth:`_reserve` made."""
        all_ptr, columns, data, totals = self._parts
        n, nnz = self._n_rows, int(all_ptr[self._n_rows])
        rows, added = len(indptr) - 1, len(indices)
        all_ptr[n + 1:n + rows + 1] = indptr[1:] + nnz
        columns[nnz:nnz + added] = indices.view(np.int32)
        data[nnz:nnz + added] = self.table[(indices << np.uint32(32 - _COLUMN_BITS))
                                           >> np.uint32(32 - _TABLE_BITS)]
        totals[n:n + rows] = _segment_sums(data[nnz:nnz + added], indptr) / 255.0
        self._n_rows += rows

    def _sorted_sets(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """CSR ``indptr`` and ``indices`` (sorted, unique columns) of ``docs``: a column is the
        top ``_COLUMN_BITS`` bits of a shingle hash, so indices fit in int32 (halving memory);
        two distinct shingles share a column as rarely as their hashes would collide.

        Texts are sorted as rows of padded matrices, one per length class: sorting many short
        rows is far faster than one global sort of (text, hash) keys."""
        values, lengths = self.gather(docs)
        seg_start = np.cumsum(lengths) - lengths
        width = np.maximum(16, 1 << np.ceil(np.log2(np.maximum(lengths, 1))).astype(np.int64))
        counts = np.zeros(len(docs), dtype=np.int64)
        pieces = {}
        for w in np.unique(width):
            sel = np.flatnonzero(width == w)
            ln = lengths[sel]
            row = np.repeat(np.arange(len(sel)), ln)
            col = np.arange(int(ln.sum()), dtype=np.int64) - np.repeat(np.cumsum(ln) - ln, ln)
            src = np.repeat(seg_start[sel], ln) + col
            mat = np.full((len(sel), int(w)), 0xFFFFFFFF, dtype=np.uint32)
            mat[row, col] = values[src] >> np.uint32(32 - _COLUMN_BITS)
            mat.sort(axis=1)
            keep = mat != 0xFFFFFFFF
            keep[:, 1:] &= mat[:, 1:] != mat[:, :-1]
            counts[sel] = keep.sum(axis=1)
            pieces[int(w)] = (sel, mat[keep])
        indptr = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        indices = np.empty(int(indptr[-1]), dtype=np.uint32)
        for sel, flat in pieces.values():
            ln = counts[sel]
            dest = np.repeat(indptr[sel], ln) + (np.arange(len(flat), dtype=np.int64)
                                                 - np.repeat(np.cumsum(ln) - ln, ln))
            indices[dest] = flat
        return indptr, indices


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
        # Hashing takes about 40 bytes per character in temporaries: a few million
        # characters at a time keep that small (texts are hashed independently).
        cuts = np.unique(np.r_[0, np.searchsorted(offsets, np.arange(
            HASH_CHUNK, int(offsets[-1]), HASH_CHUNK)), len(offsets) - 1])
        for lo, hi in zip(cuts[:-1], cuts[1:]):
            h, c = shingle_hashes(codes[offsets[lo]:offsets[hi]], offsets[lo:hi + 1] - offsets[lo])
            if at + len(h) > len(hashes):
                grown = np.empty(max(at + len(h), len(hashes) * 3 // 2), dtype=np.uint32)
                grown[:at] = hashes[:at]
                hashes = grown
            hashes[at:at + len(h)] = h
            at += len(h)
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


def _minhash(values: np.ndarray, seg: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """MinHash signatures (uint32) of segments of ``values`` with hash family
    ``h(x) = (a*x + b) mod 2**64`` (its top 32 bits: a multiply-shift universal family)."""
    out = np.empty((len(seg), len(a)), dtype=np.uint32)
    if not len(seg):
        return out

    def one(j: int) -> None:
        with np.errstate(over="ignore"):
            v = values * a[j] + b[j]
        out[:, j] = (np.minimum.reduceat(v, seg) >> np.uint64(32)).astype(np.uint32)

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(one, range(len(a))))
    return out


def hash_family(random_state: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``a`` and ``b`` of the ``ROWS * BANDS`` MinHash functions."""
    rng = np.random.default_rng([random_state, 1])
    k = ROWS * BANDS
    a = rng.integers(1, 1 << 63, size=k, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 1 << 63, size=k, dtype=np.uint64)
    return a, b


def signatures(index: ShingleIndex, docs: np.ndarray, lo: int, a: np.ndarray, b: np.ndarray
              ) -> np.ndarray:
    """MinHash signatures of ``docs`` over a consistent weighted sample of their shingles
    (:meth:`ShingleIndex.sampled`, boosted for light texts).

    Parameters
    ----------
    index : ShingleIndex
    docs : int array
        Text numbers in ``index``.
    lo : int
        Position of ``docs[0]`` among all the texts signed (texts without weighty shingles
        get a signature unique to their position, so they never collide).
    a, b : uint64 arrays
        The hash family (:func:`hash_family`).

    Returns
    -------
    ndarray of uint32, shape ``(len(docs), len(a))``
    """
    k = len(a)
    ln = index.starts[docs + 1] - index.starts[docs]
    first = np.repeat(index.starts[docs] - np.concatenate([[0], np.cumsum(ln)[:-1]]), ln)
    values = index.hashes[np.arange(int(ln.sum()), dtype=np.int64) + first]
    if index.has_masses():  # computed once for the whole index
        mass = index.masses()[docs]
    else:  # e.g. a block of texts on a Dask worker
        mass = (np.add.reduceat(index.weights(values), np.r_[0, np.cumsum(ln)[:-1]])
                if len(values) else np.zeros(0))
    boost = np.maximum(1.0, MIN_SAMPLE / np.maximum(mass, 1e-3))
    keep = index.sampled(values, np.repeat(boost, ln).astype(np.float32))
    seg_doc = np.repeat(np.arange(len(docs)), ln)[keep]
    values = values[keep].astype(np.uint64)
    present = np.bincount(seg_doc, minlength=len(docs)) > 0
    seg = np.zeros(len(docs), dtype=np.int64)
    np.cumsum(np.bincount(seg_doc, minlength=len(docs))[:-1], out=seg[1:])
    s = _minhash(values, seg[present], a, b)
    block = np.full((len(docs), k), 0, dtype=np.uint32)
    block[present] = s
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
    a, b = hash_family(random_state)
    sig = np.empty((len(docs), len(a)), dtype=np.uint32)
    # Chunks of texts keep the temporary arrays small.
    lengths = index.starts[docs + 1] - index.starts[docs]
    bounds = np.searchsorted(np.cumsum(lengths), np.arange(1, 1 + int(lengths.sum()) // 4_000_000)
                             * 4_000_000)
    edges = np.unique(np.concatenate([[0], bounds, [len(docs)]]))
    for lo, hi in zip(edges[:-1], edges[1:]):
        sig[lo:hi] = signatures(index, docs[lo:hi], lo, a, b)
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
    values, holder = np.concatenate(parts_v), np.concatenate(parts_o)
    key = sorted_unique((values.astype(np.uint64) << np.uint64(32)) | holder.astype(np.uint64))
    h = key >> np.uint64(32)
    holder = (key & np.uint64(0xFFFFFFFF)).astype(np.int64)
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
    if len(h) < 2:
        return empty
    ordered = np.sort((h << np.uint64(32)) | rank[post])
    h = ordered >> np.uint64(32)
    post = by_time[(ordered & np.uint64(0xFFFFFFFF)).astype(np.int64)]
    ordered = None
    holder = post if owner is None else owner[post]
    when = times[post]
    if owner is not None:
        keep = _stretch_ends(h, holder)
        h, holder, when = h[keep], holder[keep], when[keep]
    i, j = _neighbours(h, holder, when, window)
    if len(i) == 0:
        return empty
    # Each pair smaller first (minimum and maximum: sorting many rows of two is slow).
    first, second = np.minimum(holder[i], holder[j]), np.maximum(holder[i], holder[j])
    la, lb = lengths[first], lengths[second]
    longer = np.flatnonzero(np.maximum(la, lb) >= ANCHOR_RATIO * np.minimum(la, lb))
    if len(longer) == 0:
        return empty
    ph = h[i[longer]]
    # Anchors shared per pair of texts (each anchor once, however many messages met on it):
    # pairs numbered (by a hash table: sorting them or searching a sorted copy is several
    # times slower), then (pair number, anchor) packed in one key and counted once each.
    pair_key = (first[longer] << 31) | second[longer]
    number, key = pd.factorize(pair_key)
    met = sorted_unique((number.astype(np.uint64) << np.uint64(32)) | ph)
    count = np.bincount((met >> np.uint64(32)).astype(np.int64), minlength=len(key))
    key = np.asarray(key, dtype=np.int64)[count >= ANCHOR_MIN]
    out = np.stack([docs[key >> 31], docs[key & ((1 << 31) - 1)]], axis=1)
    return unique_pairs(ordered_pairs(out))


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
    shared = np.empty(len(pairs))
    count = np.empty(len(pairs), dtype=np.int64)
    for lo in progress_steps(range(0, len(pairs), chunk), desc="cross-posting: confirming"):
        a, b = inv[lo:lo + chunk, 0], inv[lo:lo + chunk, 1]
        other = mat[b]
        other.data = np.ones(len(other.data), dtype=np.uint8)
        both = mat[a].multiply(other)
        shared[lo:lo + chunk] = _segment_sums(both.data, both.indptr) / 255.0
        count[lo:lo + chunk] = np.diff(both.indptr)
    union = mass[inv[:, 0]] + mass[inv[:, 1]] - shared
    with np.errstate(invalid="ignore", divide="ignore"):
        sim = np.where(union > 0, shared / union, np.nan)
    if return_mass:
        return sim, shared, count, mass[inv]
    return sim, shared, count
