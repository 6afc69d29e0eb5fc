"""Cross-posting when texts repeat verbatim: each distinct text is sketched once, and the
messages carrying the texts are joined by time exactly as every pair of them would be (checked
against that brute force), with the clusters of the per-message kernel the store uses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from tests.test_crosspost import frame  # canonical messages from short row dicts
from workbench import crosspost as xp
from workbench.crosspost import _clusters, _textpath
from workbench.text import normalise_texts

SPAM = ("big giveaway tonight join the channel now and win one of ten prizes before "
        "midnight, tell your friends, more rounds every weekend")


def members(clusters: pd.DataFrame) -> list[list]:
    return sorted((sorted(zip(g["channel_id"].str.removeprefix("telegram:"), g["message_id"]))
                   for _, g in clusters.groupby("cluster_id")), key=str)


def _components(n: int, edges) -> np.ndarray:
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    graph = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    return len(set(zip(a, b))) == len(set(a)) == len(set(b))


@pytest.mark.parametrize("seed", range(40))
def test_copies_give_the_components_of_all_message_pairs(seed):
    # Brute force of the definition: two messages join when at most `window` apart and
    # carrying the same text (that can join itself) or two texts of a confirmed pair.
    rng = np.random.default_rng(seed)
    n, n_texts = int(rng.integers(2, 50)), int(rng.integers(2, 10))
    text_of = rng.integers(0, n_texts, n)
    times = rng.integers(0, 1000, n)
    window = int(rng.integers(1, 300))
    every = np.array([(i, j) for i in range(n_texts) for j in range(i + 1, n_texts)])
    pairs = every[rng.random(len(every)) < 0.3].reshape(-1, 2)
    self_ok = rng.random(n_texts) < 0.7
    self_ok[pairs.ravel()] = True  # a text that joins another joins its own copies
    confirmed = {tuple(p) for p in pairs.tolist()}
    brute = [(i, j) for i in range(n) for j in range(i + 1, n)
             if abs(times[i] - times[j]) <= window
             and ((text_of[i] == text_of[j] and self_ok[text_of[i]])
                  or tuple(sorted((text_of[i], text_of[j]))) in confirmed)]
    fast = _textpath._copies(pairs, self_ok, text_of, times, window)
    assert _same_partition(_components(n, brute), _components(n, fast))


def test_the_largest_window_joins_copies_however_far_apart():
    # A window near the int64 maximum (pd.Timedelta.max) must not overflow when added to a
    # time: the sweep before the compiled one wrapped round and joined nothing.
    window = int(pd.Timedelta.max.value)
    times = np.array([10**18, 10**18 + 5, 2 * 10**18])
    edges = _textpath._copies(np.array([[0, 1]]), np.array([True, True]),
                              np.array([0, 1, 0]), times, window)
    assert _same_partition(_components(3, edges), np.zeros(3, dtype=int))


def test_identical_texts_join_only_within_the_window_but_chain_through_it():
    two = frame([{"ch": 1, "text": SPAM}, {"ch": 2, "at": "10D", "text": SPAM}])
    assert xp.find_crossposts(two, window="7D").empty
    # A third copy five days in is within a week of both: one cluster of three.
    three = frame([{"ch": 1, "text": SPAM}, {"ch": 2, "at": "10D", "text": SPAM},
                   {"ch": 3, "at": "5D", "text": SPAM}])
    assert members(xp.find_crossposts(three, window="7D")) == [
        [("1", 1), ("2", 2), ("3", 3)]]


def test_a_quote_beside_a_late_repost_of_its_source_is_found():
    # A statement posted on day 0 and reposted on day 100; eight other channels quote it on
    # days 10-80 (each beyond the window of the next); one quotes it beside the repost.
    # Candidates are sought by the times of every message of a text, so the last quote meets
    # the repost however many quotes came in between.
    rng = np.random.default_rng(0)
    words = ["".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz"), int(rng.integers(3, 9))))
             for _ in range(3000)]

    def text(k):
        return " ".join(rng.choice(words, k))

    statement = text(30)
    rows = [{"ch": "A", "text": statement}]
    rows += [{"ch": f"X{i}", "at": f"{10 + 10 * i}D", "text": f"{text(150)} {statement} {text(150)}"}
             for i in range(8)]
    rows += [{"ch": "B", "at": "100D", "text": statement},
             {"ch": "C", "at": "100D 2h", "text": f"{text(200)} {statement} {text(200)}"}]
    rows += [{"ch": f"bg{j % 300}", "at": f"{rng.uniform(0, 200):.4f}D", "text": text(40)}
             for j in range(3000)]
    out = xp.find_crossposts(frame(rows), window="7D")
    late = out[out["channel_id"].isin(["telegram:B", "telegram:C"])]
    assert len(late) == 2 and late["cluster_id"].nunique() == 1


def test_a_wave_of_one_text_in_many_channels_is_one_cluster():
    # 300 channels post the same text within a day, between ordinary unrelated posts.
    rng = np.random.default_rng(3)
    rows = [{"ch": c, "at": f"{int(rng.integers(0, 1440))}min", "text": SPAM}
            for c in range(300)]
    rows += [{"ch": 1000 + i, "at": f"{i}h",
              "text": " ".join(rng.choice(["north", "river", "price", "office", "market",
                                           "winter", "report", "bridge"], 14))}
             for i in range(40)]
    out = xp.find_crossposts(frame(rows))
    wave = [m for m in members(out) if len(m) >= 300]
    assert len(wave) == 1 and {c for c, _ in wave[0]} == {str(c) for c in range(300)}


def test_distinct_texts_match_the_per_message_kernel(corpus):
    # The store's path shingles every message; the in-memory path each distinct text once.
    # On the fixture world both find the very same clusters.
    fast = xp.find_crossposts(corpus.messages)
    slow = _per_message(corpus.messages)
    pd.testing.assert_frame_equal(fast.drop(columns="similarity"),
                                  slow.drop(columns="similarity"))
    assert np.allclose(fast["similarity"], slow["similarity"], equal_nan=True, atol=1e-6)


def test_on_real_reposts_sharing_texts_misses_nothing_the_per_message_kernel_finds(samples):
    # Real channels repost verbatim; per message, LSH can miss a copy (a text whose sample
    # of weighty shingles is empty never collides), per distinct text it cannot.
    realtext = pytest.importorskip("bench._realtext")
    messages, _ = realtext.make_real_corpus(4_000, seed=5,
                                            folder=str(samples / "telethon-real"))
    fast = {m for c in members(xp.find_crossposts(messages)) for m in c}
    slow = {m for c in members(_per_message(messages)) for m in c}
    assert slow <= fast


def _per_message(messages: pd.DataFrame) -> pd.DataFrame:
    """find_crossposts through the per-message kernel (one text per message, no sharing)."""
    from workbench.crosspost import similarity as sim

    window_ns = _clusters.check_options(0.4, "7D", 20)
    msgs = messages.sort_values(["date", "channel_id", "message_id"], kind="stable",
                                na_position="last").reset_index(drop=True)
    arrays = _clusters.MessageArrays.of(msgs)
    index_of = {(c, int(m)): i for i, (c, m) in enumerate(zip(arrays.channel_ids,
                                                               arrays.message_id))}
    n = len(msgs)
    lengths, text_key = np.zeros(n, np.int64), np.zeros(n, np.uint64)
    chunks = (normalise_texts(msgs["text"].iloc[lo:lo + 5000].tolist())
              for lo in range(0, n, 5000))
    index = sim.build_index(_clusters.measured_texts(chunks, lengths, text_key,
                                                     arrays.needs_key), arrays.channel)
    return _clusters.cluster_messages(msgs, arrays, index, lengths, text_key, carried=msgs,
                                      channels=None, index_of=index_of, threshold=0.4,
                                      window_ns=window_ns, min_chars=20, random_state=0)


def test_normalising_texts_already_in_nfkc_skips_only_that_step():
    import unicodedata

    texts = ["ＡＭＡＱ Ｎｅｗｓ ﻻ", "Café ﬁnal ½", None, "plain"]
    nfkc = [unicodedata.normalize("NFKC", t) if t else t for t in texts]
    a, oa = normalise_texts(texts)
    b, ob = normalise_texts(nfkc, nfkc=False)
    assert np.array_equal(a, b) and np.array_equal(oa, ob)
