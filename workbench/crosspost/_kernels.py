"""Compiled loops for the text path's hot spots: shingle hashing, text keys, per-text weight
sums, sampled MinHash signatures, quote anchor pairs, the sweep joining copies by time,
confirmation rows (each text's shingle columns sorted, de-duplicated and weighed) and the
shared weight of pairs of rows.

Each is a plain loop compiled by numba (``nogil``: :func:`in_halves` runs two halves in two
threads at once). Each computed, when it came, what the vectorised numpy it replaced
computed: the same hashes, sums, signatures, pairs and rows, and the same shared weights and
counts (a shared shingle of weight 0 is not counted, as the sparse product it replaced
dropped it). Two have changed since: the signatures are one-permutation MinHash (one hash
per sampled shingle where there were 84), and the copies' sweep no longer overflows when the
window nears the int64 maximum. Numpy made a pass over the whole array per operation, with
temporaries of 8 bytes per character, 84 passes for 84 hash functions, every neighbour pair
of the quote anchors as arrays, and a sparse product per chunk of pairs; a loop passes once
and keeps its working values in registers.

Measured on 10^6 real-length texts in a fresh process, each stage's wall time before this
module and after it (with :mod:`workbench.memory`'s huge-page change, which cut the system
time of every stage): candidates (sampling, MinHash, LSH) 20 -> 6 s, quote anchors 16 -> 6 s
(and about 0.6 GB less at the peak), confirmation (rows and pairs) 16 -> 8 s, normalising
and hashing 45 -> 12 s. Later, with the normaliser compiled too (:mod:`workbench.text._fold`)
and the rows sorted by radix: normalising and hashing 7 s, confirmation 6 s. Then, with each
pair's shared anchors counted in a hash table and the copies' sweep over runs in one loop:
quote anchors 9.5 -> 5.5 s, copies joined by time 6.8 -> 0.6 s (and the peak 420 MB lower);
and with one-permutation MinHash, candidates 7.7-10 -> 4.9 s (one run each).

The machine code is cached after the first call (compiling takes about 5 s once; loading
the cache in a new process about 2 s; see :func:`workbench.compiled.compiled`).

Nothing here checks its inputs (compiled loops do not check bounds): the callers in
:mod:`~workbench.crosspost.similarity` and :mod:`~workbench.crosspost._candidates` pass
consistent arrays, and ``NUMBA_BOUNDSCHECK=1`` turns checks on for debugging.

Examples
--------
>>> import numpy as np
>>> out = np.zeros(1, np.uint64); n = np.zeros(1, np.int64)
>>> indptr = np.array([0, 3, 5]); indices = np.array([1, 4, 7, 4, 7], np.int32)
>>> data = np.array([10, 20, 30, 20, 30], np.uint8)
>>> shared_weights(indptr, indices, data, np.array([0]), np.array([1]), out, n, 0, 1)
>>> out.tolist(), n.tolist()                   # columns 4 and 7 shared: 20 + 30
([50], [2])
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..compiled import compiled
from ._arrays import _M1, _M2

__all__ = ["shingle_hash_into", "text_keys_into", "segment_table_sums", "sampled_minhash_rows",
           "densify_probes", "shared_weights", "anchor_matches", "run_joins",
           "sorted_set_rows", "compact_rows", "in_halves", "SERIAL_BELOW"]

#: :func:`in_halves` runs a kernel in one thread below this many items (threads cost more
#: than they save there).
SERIAL_BELOW = 1_000


@compiled
def _mix1(z):
    # splitmix64's finaliser (as ``_arrays._mix``), on one value.
    z = z ^ (z >> np.uint64(30))
    z = z * _M1
    z = z ^ (z >> np.uint64(27))
    z = z * _M2
    return z ^ (z >> np.uint64(31))


@compiled
def shingle_hash_into(codes, offsets, k, roll, out, at):
    """Hash the ``k``-character shingles of each text (code points ``codes``, texts at
    ``offsets``) into ``out`` from position ``at``; returns the number written.

    A shingle's hash is the top 32 bits of ``mix(fold + k)``, where ``fold`` is the
    polynomial ``((c0 + 1) * roll + (c1 + 1)) * roll + ...`` over its code points (mod 2**64);
    a text shorter than ``k`` (not empty) has one shingle, itself."""
    w = at
    for t in range(len(offsets) - 1):
        s = offsets[t]
        n = offsets[t + 1] - s
        if n >= k:
            for i in range(n - k + 1):
                h = np.uint64(0)
                for j in range(k):
                    h = h * roll + (np.uint64(codes[s + i + j]) + np.uint64(1))
                out[w] = np.uint32(_mix1(h + np.uint64(k)) >> np.uint64(32))
                w += 1
        elif n > 0:
            h = np.uint64(0)
            for j in range(n):
                h = h * roll + (np.uint64(codes[s + j]) + np.uint64(1))
            out[w] = np.uint32(_mix1(h + np.uint64(k)) >> np.uint64(32))
            w += 1
    return w - at


@compiled
def text_keys_into(codes, offsets, out):
    """``out[t]``: text ``t``'s key, ``mix(sum(mix((i << 32) | codes[i]) over its positions
    i) + length)`` (positions from 0 within the text, sum mod 2**64); 0 for an empty text."""
    for t in range(len(offsets) - 1):
        s, e = offsets[t], offsets[t + 1]
        if e == s:
            out[t] = 0
            continue
        total = np.uint64(0)
        for i in range(e - s):
            total += _mix1((np.uint64(i) << np.uint64(32)) | np.uint64(codes[s + i]))
        out[t] = _mix1(total + np.uint64(e - s))


@compiled
def segment_table_sums(hashes, starts, docs, table, shift, out, lo, hi):
    """``out[d] = sum(table[h >> shift] for h in the hashes of text docs[d])`` for ``d`` in
    ``lo..hi-1`` (integer sums of the quantised weights)."""
    for d in range(lo, hi):
        doc = docs[d]
        total = np.uint64(0)
        for i in range(starts[doc], starts[doc + 1]):
            total += np.uint64(table[hashes[i] >> shift])
        out[d] = total


@compiled
def _bin(g, k):
    # The bin of a 64-bit hash among k: its top 32 bits scaled to k (no division).
    return ((g >> np.uint64(32)) * np.uint64(k)) >> np.uint64(32)


@compiled
def _probe(seed, j, t, k):
    # Term t of bin j's densification sequence: bin(mix(seed ^ (j << 32 | t))).
    return _bin(_mix1(seed ^ ((np.uint64(j) << np.uint64(32)) | np.uint64(t))), k)


@compiled
def sampled_minhash_rows(hashes, starts, docs, boost, table, shift, seeds, probes, out,
                         present, lo, hi):
    """One-permutation MinHash signatures, with optimal densification, of texts
    ``docs[lo:hi]`` (their shingle ``hashes`` at ``starts``) over a consistent weighted sample
    of their shingles: ``h`` is kept when ``(h & 0xFF) < q`` or ``q >= 255``, with
    ``q = table[h >> shift]**2 / 255 * boost[d]`` in float32 (as ``ShingleIndex.sampled``).

    Each kept ``h`` is hashed once, ``g = mix(h ^ seeds[0])``, and falls in bin
    ``(g >> 32) * k >> 32`` of the ``k = out.shape[1]`` bins with value ``g & 0xFFFFFFFF``;
    ``out[d, j]`` is the least value in bin ``j``. An empty bin takes the value of the first
    non-empty bin among ``bin(mix(seeds[1] ^ (j << 32 | t)))`` for ``t = 0, 1, ...`` (the
    same sequence for every text, so two texts agree on bin ``j`` with the probability that
    they agree on a bin: their sample's Jaccard similarity); ``probes[j, t]`` holds its first
    terms (:func:`densify_probes`). ``present[d]``: whether any shingle was kept (``out[d]``
    is left as it was otherwise)."""
    k = out.shape[1]
    low = np.empty(k, np.uint64)
    empty = np.uint64(0xFFFFFFFFFFFFFFFF)
    full = np.float32(255.0)
    for d in range(lo, hi):
        doc = docs[d]
        gain = boost[d]
        low[:] = empty
        filled = 0
        for i in range(starts[doc], starts[doc + 1]):
            h = hashes[i]
            q = np.float32(table[h >> shift])
            q = q * q
            q = q / full
            q = q * gain
            if not (np.float32(h & np.uint32(0xFF)) < q or q >= full):
                continue
            g = _mix1(np.uint64(h) ^ seeds[0])
            j = _bin(g, k)
            v = g & np.uint64(0xFFFFFFFF)
            if low[j] == empty:
                filled += 1
            if v < low[j]:
                low[j] = v
        present[d] = filled > 0
        if filled == 0:
            continue
        if filled == 1:  # every sequence ends at the one filled bin
            one = np.min(low)
            for j in range(k):
                out[d, j] = np.uint32(one)
            continue
        for j in range(k):
            src = np.uint64(j)
            t = 0
            while low[src] == empty:
                src = np.uint64(probes[j, t]) if t < probes.shape[1] else _probe(
                    seeds[1], j, t, k)
                t += 1
            out[d, j] = np.uint32(low[src])


@compiled
def _probes_into(seed, probes):
    for j in range(probes.shape[0]):
        for t in range(probes.shape[1]):
            probes[j, t] = _probe(seed, j, t, probes.shape[0])


def densify_probes(seed: np.uint64, k: int, terms: int = 32) -> np.ndarray:
    """The first ``terms`` bins of each of the ``k`` bins' densification sequences (see
    :func:`sampled_minhash_rows`), computed once per call rather than once per text: a
    text with few sampled shingles walks about ``k / filled`` terms per empty bin."""
    probes = np.empty((k, terms), dtype=np.uint64)
    _probes_into(np.uint64(seed), probes)
    return probes


#: Rows longer than this are sorted by radix (three passes of 10 bits: columns have
#: ``_COLUMN_BITS`` = 30), shorter ones by insertion. On 310,000 rows of 600 random columns,
#: numba's ``sort`` took 6.8 s, the radix sort 1.3 s.
RADIX_ABOVE = 48


@compiled
def _sort_columns(row, tmp, counts):
    """Sort ``row`` (values below 2**30) in place; ``tmp`` at least as long, ``counts`` 1024
    long."""
    n = len(row)
    if n <= RADIX_ABOVE:
        for i in range(1, n):
            x = row[i]
            j = i - 1
            while j >= 0 and row[j] > x:
                row[j + 1] = row[j]
                j -= 1
            row[j + 1] = x
        return
    src, dst = row, tmp[:n]
    for shift in (0, 10, 20):
        counts[:] = 0
        for i in range(n):
            counts[(src[i] >> shift) & 1023] += 1
        total = 0
        for k in range(1024):
            c = counts[k]
            counts[k] = total
            total += c
        for i in range(n):
            k = (src[i] >> shift) & 1023
            dst[counts[k]] = src[i]
            counts[k] += 1
        src, dst = dst, src
    row[:] = src  # three passes: the result is in tmp


@compiled
def sorted_set_rows(hashes, starts, docs, shift, columns, base, counts, lo, hi):
    """For texts ``docs[lo:hi]``: the columns of their shingles (``hash >> shift``, below
    2**30), sorted and each once, written into ``columns`` from ``base[d]`` (room for all the
    text's shingles); ``counts[d]``: how many."""
    longest = 0
    for d in range(lo, hi):
        longest = max(longest, starts[docs[d] + 1] - starts[docs[d]])
    tmp = np.empty(longest, dtype=columns.dtype)
    buckets = np.zeros(1024, dtype=np.int64)
    for d in range(lo, hi):
        doc = docs[d]
        first = starts[doc]
        n = starts[doc + 1] - first
        at = base[d]
        if n == 0:
            counts[d] = 0
            continue
        row = columns[at:at + n]
        for i in range(n):
            row[i] = hashes[first + i] >> shift
        _sort_columns(row, tmp, buckets)
        kept = 1
        for i in range(1, n):
            if row[i] != row[kept - 1]:
                row[kept] = row[i]
                kept += 1
        counts[d] = kept


@compiled
def compact_rows(columns, base, counts, indptr, table, shift, data, totals):
    """Move each row of :func:`sorted_set_rows` from ``base[d]`` to ``indptr[d]`` (never
    after it: rows move towards the start, in order, so a row never overwrites a source not
    yet read; this must run over all rows in one thread, never :func:`in_halves`), with its
    weights
    ``table[column >> shift]`` into ``data`` and their integer sum into ``totals[d]``."""
    for d in range(len(counts)):
        src = base[d]
        dst = indptr[d]
        total = np.uint64(0)
        for i in range(counts[d]):
            c = columns[src + i]
            columns[dst + i] = c
            w = table[c >> shift]
            data[dst + i] = w
            total += np.uint64(w)
        totals[d] = total


@compiled
def shared_weights(indptr, indices, data, first, second, shared, count, lo, hi):
    """For pairs ``p`` in ``lo..hi-1`` of rows ``(first[p], second[p])`` of a CSR matrix with
    sorted, unique columns: the integer sum of the first row's ``data`` over the columns both
    hold (``shared[p]``) and how many of them weigh more than 0 (``count[p]``)."""
    for p in range(lo, hi):
        i, i_end = indptr[first[p]], indptr[first[p] + 1]
        j, j_end = indptr[second[p]], indptr[second[p] + 1]
        total = np.uint64(0)
        n = 0
        while i < i_end and j < j_end:
            x, y = indices[i], indices[j]
            if x == y:
                if data[i] != 0:  # (the sparse product this replaced dropped zeros)
                    total += np.uint64(data[i])
                    n += 1
                i += 1
                j += 1
            elif x < y:
                i += 1
            else:
                j += 1
        shared[p] = total
        count[p] = n


@compiled
def anchor_matches(group, who, when, lengths, window, neighbours, ratio, keys, met, last):
    """Entries sorted by ``group`` (an anchor), then time ``when``: each entry paired with its
    ``neighbours`` successors in its group at most ``window`` later, of another text
    (``who``), where the longer text (``lengths[who]``) is at least ``ratio`` times the
    shorter. Returns how many such pairs there are, and counts each pair's anchors into an
    open-addressing table: slot of key ``(smaller << 31) | larger`` in ``keys`` (-1: empty;
    length a power of two, more than the pairs), ``met``: how many distinct groups it met
    on, ``last``: the last of them (a group's entries are consecutive, so a pair met again
    in the group it last met on is the same anchor again; groups are below 2**32). With an
    empty ``keys`` it only counts the pairs."""
    n = len(group)
    write = len(keys) > 0
    mask = np.uint64(len(keys) - 1) if write else np.uint64(0)
    found = 0
    for i in range(n):
        for j in range(i + 1, min(i + neighbours + 1, n)):
            if group[j] != group[i]:
                break  # sorted by group: the later ones are in other groups too
            if when[j] - when[i] > window or who[j] == who[i]:
                continue
            first, second = min(who[i], who[j]), max(who[i], who[j])
            la, lb = lengths[first], lengths[second]
            if float(max(la, lb)) < ratio * float(min(la, lb)):
                continue
            found += 1
            if not write:
                continue
            key = (np.int64(first) << 31) | np.int64(second)
            slot = _mix1(np.uint64(key)) & mask
            while keys[slot] != key and keys[slot] != -1:
                slot = (slot + np.uint64(1)) & mask
            if keys[slot] == -1:
                keys[slot] = key
                met[slot] = 1
                last[slot] = np.uint32(group[i])
            elif last[slot] != np.uint32(group[i]):
                met[slot] += 1
                last[slot] = np.uint32(group[i])
    return found


@compiled
def run_joins(lo, n_runs, run_start, run_end, run_rep, window, first, second):
    """For each pair ``p`` of texts: their runs (side ``s`` of the pair holds runs
    ``lo[p, s] .. lo[p, s] + n_runs[p, s] - 1``, in order of start) swept in order of
    ``(run_start, run)``, each run joined to the one before it when it starts at most
    ``window`` after the latest ``run_end`` so far. Writes the joined runs' ``run_rep`` into
    ``first`` and ``second`` and returns how many; with empty outputs it only counts them."""
    write = len(first) > 0
    found = 0
    for p in range(lo.shape[0]):
        i, i_end = lo[p, 0], lo[p, 0] + n_runs[p, 0]
        j, j_end = lo[p, 1], lo[p, 1] + n_runs[p, 1]
        prev = -1
        latest = np.int64(0)
        while i < i_end or j < j_end:
            if j >= j_end or (i < i_end and (run_start[i] < run_start[j]
                                             or (run_start[i] == run_start[j] and i < j))):
                r = i
                i += 1
            else:
                r = j
                j += 1
            if prev < 0:
                latest = run_end[r]
            else:
                if run_start[r] - latest <= window:  # (no overflow near the largest window)
                    if write:
                        first[found] = run_rep[prev]
                        second[found] = run_rep[r]
                    found += 1
                if run_end[r] > latest:
                    latest = run_end[r]
            prev = r
    return found


def in_halves(kernel, weight: np.ndarray, *args) -> None:
    """Run ``kernel(*args, lo, hi)`` over items ``0..len(weight)-1`` in two threads, split
    where the cumulative ``weight`` (the work per item) is halved."""
    n = len(weight)
    if n == 0:
        return
    cum = np.cumsum(weight)
    mid = int(np.searchsorted(cum, cum[-1] / 2)) if cum[-1] > 0 else n // 2
    mid = min(max(mid, 0), n)
    if mid in (0, n) or n < SERIAL_BELOW:
        kernel(*args, 0, n)
        return
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda bounds: kernel(*args, *bounds), [(0, mid), (mid, n)]))
