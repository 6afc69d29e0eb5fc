"""The compiled loops of the text path (workbench.crosspost._kernels) against references
written here from their definitions, in plain Python integers and sets."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.crosspost import similarity as sim
from workbench.crosspost._candidates import MIN_SAMPLE
from workbench.crosspost._kernels import in_halves

MASK = (1 << 64) - 1


@pytest.fixture(autouse=True)
def two_threads(monkeypatch):
    """Every kernel in two threads however few its items (the split is what is tested)."""
    from workbench.crosspost import _kernels

    monkeypatch.setattr(_kernels, "SERIAL_BELOW", 0)


def _mix(z: int) -> int:
    z ^= z >> 30
    z = (z * 0xBF58476D1CE4E5B9) & MASK
    z ^= z >> 27
    z = (z * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def _shingles(text: str, k: int = 5) -> list[int]:
    """The definition: the polynomial of (code point + 1) over each k characters (the whole
    text when shorter), mixed with k added, top 32 bits."""
    codes = [ord(c) + 1 for c in text]
    windows = [codes[i:i + k] for i in range(len(codes) - k + 1)] if len(codes) >= k else \
        ([codes] if codes else [])
    out = []
    for window in windows:
        h = 0
        for c in window:
            h = (h * 0x100000001B3 + c) & MASK
        out.append(_mix((h + k) & MASK) >> 32)
    return out


TEXTS = ["", "a", "abcd", "abcde", "abcdef", "the same words, the same words",
         "тот же текст", "نفس النص هنا", "emoji 🙂🙂 and more 🙂",
         " " * 9]


def _codes(texts):
    codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
    offsets = np.r_[0, np.cumsum([len(t) for t in texts])].astype(np.int64)
    return codes, offsets


def test_shingle_hashes_match_the_definition():
    h, counts = sim.shingle_hashes(*_codes(TEXTS))
    expected = [_shingles(t) for t in TEXTS]
    assert counts.tolist() == [len(e) for e in expected]
    assert h.tolist() == [x for e in expected for x in e]


def test_text_keys_match_the_definition():
    from workbench.crosspost import text_keys

    def key(text: str) -> int:
        """mix(sum of mix((position << 32) | code point) + length), 0 for an empty text."""
        if not text:
            return 0
        total = sum(_mix((i << 32) | ord(c)) for i, c in enumerate(text)) & MASK
        return _mix((total + len(text)) & MASK)

    assert text_keys(*_codes(TEXTS)).tolist() == [key(t) for t in TEXTS]
    assert text_keys(*_codes(["same text", "same text"])).tolist()[0] != 0


def test_sorted_set_rows_are_each_texts_distinct_columns_in_order():
    from workbench.crosspost._kernels import RADIX_ABOVE, sorted_set_rows

    rng = np.random.default_rng(5)
    # Lengths on both sides of the radix threshold; a narrow range of hashes for repeats.
    lengths = np.r_[0, 1, RADIX_ABOVE, RADIX_ABOVE + 1, rng.integers(0, 400, size=200)]
    hashes = np.r_[rng.integers(0, 2**32, size=int(lengths.sum()) // 2, dtype=np.uint64),
                   rng.integers(2**31, 2**31 + 3000, size=int(lengths.sum()) - int(
                       lengths.sum()) // 2, dtype=np.uint64)].astype(np.uint32)
    rng.shuffle(hashes)
    starts = np.r_[0, np.cumsum(lengths)].astype(np.int64)
    docs = rng.permutation(len(lengths)).astype(np.int64)
    base = np.r_[0, np.cumsum(lengths[docs])[:-1]].astype(np.int64)
    columns, counts = np.zeros(int(lengths.sum()), np.uint32), np.zeros(len(docs), np.int64)
    in_halves(sorted_set_rows, lengths[docs], hashes, starts, docs, np.uint32(2), columns,
              base, counts)
    for d, doc in enumerate(docs):
        expected = sorted({int(h) >> 2 for h in hashes[starts[doc]:starts[doc + 1]]})
        assert columns[base[d]:base[d] + counts[d]].tolist() == expected


def test_build_index_grows_its_buffer_and_keeps_every_hash():
    rng = np.random.default_rng(3)
    texts = ["".join(rng.choice(list("abcdefgh й"), size=n)) for n in rng.integers(0, 60, 300)]
    chunks = [_codes(texts[lo:lo + 50]) for lo in range(0, 300, 50)]
    # size_hint far too small: the buffer must grow, and nothing may be lost when it does
    index = sim.build_index(chunks, np.zeros(300, dtype=np.int64), size_hint=10)
    assert index.hashes.tolist() == [x for t in texts for x in _shingles(t)]
    assert np.diff(index.starts).tolist() == [len(_shingles(t)) for t in texts]


def _index(n_texts=200, seed=0):
    rng = np.random.default_rng(seed)
    # A small vocabulary of shingles so that texts share many (and repeat some).
    vocab = rng.integers(0, 2**32, size=400, dtype=np.uint64).astype(np.uint32)
    lengths = rng.integers(0, 80, size=n_texts)
    lengths[:3] = 0
    hashes = vocab[rng.integers(0, len(vocab), size=int(lengths.sum()))]
    index = sim.make_index(hashes, lengths, rng.integers(0, 7, size=n_texts))
    # Weights of every kind, 0 (never sampled) and 255 (always) included.
    index.table[:] = rng.integers(0, 256, size=len(index.table), dtype=np.uint8)
    return index


def _weight(index, h: int) -> int:
    return int(index.table[h >> 8])


def test_out_of_range_texts_are_refused():
    index = _index()
    with pytest.raises(IndexError):
        index.masses_of(np.array([0, len(index.starts) - 1]))
    with pytest.raises(IndexError):
        sim.weighted_jaccard(index, np.array([[0, -1]]))


def test_masses_are_the_sums_of_the_occurrences_weights():
    index = _index()
    expected = [sum(_weight(index, int(h)) for h in index.hashes[a:b]) / 255
                for a, b in zip(index.starts[:-1], index.starts[1:])]
    assert index.masses().tolist() == pytest.approx(expected, abs=1e-12)
    docs = np.array([5, 0, 17, 17])
    assert index.masses_of(docs).tolist() == index.masses()[docs].tolist()
    fresh = sim.ShingleIndex(index.hashes, index.starts, index.table)  # none computed yet
    assert fresh.masses_of(docs).tolist() == index.masses()[docs].tolist()


def _one_permutation(kept: np.ndarray, seeds: list[int], k: int) -> tuple[list[int], int]:
    """The definition, in Python integers: the signature of one text's sampled shingles
    ``kept``, and the longest densification walk it took."""
    bins = {}
    for x in kept.tolist():
        g = _mix(x ^ seeds[0])
        j = ((g >> 32) * k) >> 32
        bins[j] = min(bins.get(j, 1 << 32), g & 0xFFFFFFFF)
    signature, longest = [], 0
    for j in range(k):
        src, t = j, 0
        while src not in bins:  # the same sequence of bins for every text
            src = ((_mix(seeds[1] ^ (j << 32 | t)) >> 32) * k) >> 32
            t += 1
        longest = max(longest, t)
        signature.append(bins[src])
    return signature, longest


def test_signatures_are_one_permutation_minhash_of_the_weighted_sample():
    index = _index()
    seeds = [int(s) for s in sim.hash_family(7)]
    k = sim.ROWS * sim.BANDS
    docs = np.arange(len(index.starts) - 1)
    sig = sim.signatures(index, docs, 100, sim.hash_family(7))
    boost = np.maximum(1.0, MIN_SAMPLE / np.maximum(index.masses(), 1e-3))
    unique, densified = [], 0
    for d in docs:
        values = index.hashes[index.starts[d]:index.starts[d + 1]]
        kept = values[index.sampled(values, np.float32(boost[d]))]
        if len(kept) == 0:  # a signature of its own, that collides with no other
            unique.append(d)
            assert (sig[d] >> 31 == 1).all()
            continue
        expected, walk = _one_permutation(kept, seeds, k)
        densified += walk > 0
        assert sig[d].tolist() == expected
    assert len(unique) >= 3  # the empty texts at least
    assert len({tuple(sig[d]) for d in unique}) == len(unique)
    assert densified > 10  # short samples leave bins empty


def test_signatures_of_texts_with_one_to_three_sampled_shingles():
    # Few filled bins: one fills every bin; two or three walk the densification sequence
    # past its precomputed terms. Checked against the definition, as above.
    rng = np.random.default_rng(11)
    texts = [rng.integers(1, 1 << 32, n, dtype=np.uint64).astype(np.uint32)
             for n in (1, 2, 3) for _ in range(30)]
    lengths = np.array([len(t) for t in texts])
    index = sim.ShingleIndex(np.concatenate(texts), np.r_[0, np.cumsum(lengths)],
                             np.full(1 << 24, 255, np.uint8))  # every shingle kept
    seeds = [int(s) for s in sim.hash_family(3)]
    k = sim.ROWS * sim.BANDS
    sig = sim.signatures(index, np.arange(len(texts)), 0, sim.hash_family(3))
    longest = 0
    for d, kept in enumerate(texts):
        expected, walk = _one_permutation(kept, seeds, k)
        longest = max(longest, walk)
        assert sig[d].tolist() == expected
    assert longest > 32  # some walks go past the precomputed terms


def test_signatures_agree_on_a_bin_as_often_as_the_samples_overlap():
    # One-permutation MinHash estimates the Jaccard similarity of the sampled shingle sets
    # without bias, densified bins included: checked over many pairs of planted overlap.
    rng = np.random.default_rng(3)
    pool = np.unique(rng.integers(1, 1 << 32, 50_000, dtype=np.uint64)).astype(np.uint32)
    pool = rng.permutation(pool)
    shared_n = rng.integers(2, 60, 300)
    own_n = rng.integers(0, 60, (300, 2))
    texts, at = [], 0
    for s, (a, b) in zip(shared_n, own_n):
        common = pool[at:at + s]
        at += s
        texts.append(np.r_[common, pool[at:at + a]])
        at += a
        texts.append(np.r_[common, pool[at:at + b]])
        at += b
    lengths = np.array([len(t) for t in texts])
    index = sim.ShingleIndex(np.concatenate(texts), np.r_[0, np.cumsum(lengths)],
                             np.full(1 << 24, 255, np.uint8))  # every shingle kept
    sig = sim.signatures(index, np.arange(len(texts)), 0, sim.hash_family(0))
    agree = (sig[0::2] == sig[1::2]).mean(axis=1)
    jaccard = shared_n / (shared_n + own_n.sum(axis=1))
    assert abs(float(np.mean(agree - jaccard))) < 0.01  # unbiased
    assert float(np.corrcoef(agree, jaccard)[0, 1]) > 0.9


def test_weighted_jaccard_over_distinct_columns():
    index = _index()
    rng = np.random.default_rng(1)
    pairs = rng.integers(0, len(index.starts) - 1, size=(500, 2))
    similarity, shared, count = sim.weighted_jaccard(index, pairs, chunk=64)

    def columns(d):
        return {int(h) >> 2 for h in index.hashes[index.starts[d]:index.starts[d + 1]]}

    for p, (x, y) in enumerate(pairs):
        cx, cy = columns(x), columns(y)
        weight = {c: int(index.table[c >> 6]) / 255 for c in cx | cy}
        both = sum(weight[c] for c in cx & cy)
        either = sum(weight[c] for c in cx | cy)
        # (a shared shingle of weight 0 is not counted)
        assert count[p] == sum(1 for c in cx & cy if weight[c] > 0)
        assert shared[p] == pytest.approx(both, abs=1e-9)
        if either > 0:
            assert similarity[p] == pytest.approx(both / either, abs=1e-9)
        else:
            assert np.isnan(similarity[p])


def test_weighted_jaccard_rows_added_by_a_later_call():
    index = _index()
    rng = np.random.default_rng(2)
    pairs = rng.integers(0, len(index.starts) - 1, size=(300, 2))
    first = sim.weighted_jaccard(index, pairs[:100])   # rows for some texts
    second = sim.weighted_jaccard(index, pairs)         # the rest appended to them
    fresh = sim.weighted_jaccard(sim.ShingleIndex(index.hashes, index.starts, index.table),
                                 pairs)
    for a, b in zip(second, fresh):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b[:100])


def test_weighted_jaccard_hand_computed():
    # "abcdefg" and "abcdexy": shingles abcde shared; bcdef, cdefg vs bcdex, cdexy not.
    codes, offsets = _codes(["abcdefg", "abcdexy"])
    index = sim.make_index(*sim.shingle_hashes(codes, offsets), np.array([0, 1]))
    index.table[:] = 255  # every shingle weighs 1
    similarity, shared, count = sim.weighted_jaccard(index, np.array([[0, 1]]))
    assert (count.tolist(), shared.tolist(), similarity.tolist()) == ([1], [1.0], [1 / 5])


def test_in_halves_covers_every_item_once():
    from numba import njit

    @njit(nogil=True)
    def mark(out, lo, hi):
        for i in range(lo, hi):
            out[i] += 1

    for n, weight in [(0, None), (1, None), (5, None), (10_000, None), (10_000, "skewed"),
                      (10_000, "zero")]:
        w = {None: np.ones, "zero": np.zeros,
             "skewed": lambda n: np.r_[np.zeros(n - 1), [1e9]]}[weight](n)
        out = np.zeros(n, dtype=np.int64)
        in_halves(mark, w, out)
        assert (out == 1).all()


@pytest.mark.parametrize("tight", [False, True])
def test_anchor_matches_count_each_pairs_distinct_anchors(tight):
    from workbench.crosspost._candidates import ANCHOR_RATIO, NEIGHBOURS, _neighbours
    from workbench.crosspost._kernels import anchor_matches

    rng = np.random.default_rng(5)
    n = 3_000
    group = np.sort(rng.integers(0, 300, n)).astype(np.uint64) * np.uint64(14_000_000)
    who = rng.integers(0, 50, n)  # few texts: pairs meet on many anchors, some twice on one
    when = np.zeros(n, dtype=np.int64)
    for g in np.unique(group):  # times ascending within each group
        at = np.flatnonzero(group == g)
        when[at] = np.sort(rng.integers(0, 100, len(at)))
    lengths = rng.integers(1, 400, 50)
    # The reference: every neighbour pair (numpy), then the length ratio, by hand, and each
    # pair's set of anchors.
    i, j = _neighbours(group, who, when, 30)
    anchors, kept = {}, 0
    for a, b in zip(i, j):
        f, s = min(who[a], who[b]), max(who[a], who[b])
        if max(lengths[f], lengths[s]) >= ANCHOR_RATIO * min(lengths[f], lengths[s]):
            anchors.setdefault((int(f) << 31) | int(s), set()).add(int(group[a]))
            kept += 1
    args = (group, who, when, lengths, 30, NEIGHBOURS, ANCHOR_RATIO)
    found = anchor_matches(*args, np.zeros(0, np.int64), np.zeros(0, np.int32),
                           np.zeros(0, np.uint32))
    assert found == kept
    # As anchor_pairs sizes it, or the smallest power of two above the distinct pairs: a
    # nearly full table, whose probes run long and wrap around its end.
    size = 1 << (len(anchors) if tight else int(found + found // 2)).bit_length()
    keys, met = np.full(size, -1, np.int64), np.zeros(size, np.int32)
    assert anchor_matches(*args, keys, met, np.zeros(size, np.uint32)) == found
    taken = keys != -1
    assert dict(zip(keys[taken].tolist(), met[taken].tolist())) == {
        k: len(v) for k, v in anchors.items()}
    assert (met[~taken] == 0).all()
    assert max(len(v) for v in anchors.values()) >= 3  # pairs meet on several anchors
    assert kept > sum(len(v) for v in anchors.values())  # and on one anchor more than once
    assert not tight or len(anchors) > 0.75 * size


@pytest.mark.parametrize("seed", range(6))
def test_run_joins_are_the_sweep_over_both_texts_runs_in_order(seed):
    # The definition, in Python: per pair, both texts' runs in order of (start, run); each
    # joined to the one before when it starts within `window` of the latest end so far.
    from workbench.crosspost._kernels import run_joins

    rng = np.random.default_rng(seed)
    n_texts = 40
    per_text = rng.integers(1, 8, n_texts)
    run_text = np.repeat(np.arange(n_texts), per_text)
    run_start, run_end = np.empty(len(run_text), np.int64), np.empty(len(run_text), np.int64)
    for t in range(n_texts):  # runs of a text: in order, apart, some starts shared across texts
        at = np.flatnonzero(run_text == t)
        starts = np.sort(rng.choice(np.arange(0, 400, 10), len(at), replace=False))
        run_start[at] = starts
        run_end[at] = starts + rng.integers(0, 10, len(at))
    run_rep = rng.permutation(len(run_text)) + 1000
    pairs = np.array([(a, b) for a in range(n_texts) for b in range(a + 1, n_texts)
                      if rng.random() < 0.2])
    window = int(rng.integers(0, 40))
    expected = []
    for a, b in pairs:
        runs = sorted(np.flatnonzero((run_text == a) | (run_text == b)).tolist(),
                      key=lambda r: (run_start[r], r))
        latest = run_end[runs[0]]
        for prev, r in zip(runs, runs[1:]):
            if run_start[r] <= latest + window:
                expected.append((run_rep[prev], run_rep[r]))
            latest = max(latest, run_end[r])
    lo = np.searchsorted(run_text, pairs, side="left")
    n_runs = np.searchsorted(run_text, pairs, side="right") - lo
    args = (lo, n_runs, run_start, run_end, run_rep, window)
    found = run_joins(*args, np.zeros(0, np.int64), np.zeros(0, np.int64))
    first, second = np.empty(found, np.int64), np.empty(found, np.int64)
    assert run_joins(*args, first, second) == found
    assert list(zip(first.tolist(), second.tolist())) == expected
    assert len(expected) > 50  # the test sees many joins
