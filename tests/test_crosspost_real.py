"""find_crossposts on real-length text: planted copies of four kinds (bench/_realtext.py)
among recombined real Telegram texts, verbatim spam repeats and templates; recall per kind and
precision on pairs touching planted messages, against the generator's truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench import crosspost as xp

_realtext = pytest.importorskip("bench._realtext")

#: Recall each kind must reach by default (issue 16 asks 0.9 for each kind: met at 10^5 and
#: 10^6 messages, see README; on this small world reworded copies reach 0.885 without the
#: edited rule, tested below).
RECALL = {"light": 0.97, "short": 0.9, "quoted": 0.9, "reworded": 0.9}


def found_clusters(messages: pd.DataFrame) -> np.ndarray:
    """The found cluster of every message (-1: in none), aligned with ``messages``."""
    clusters = xp.find_crossposts(messages)
    key = pd.MultiIndex.from_arrays([messages["channel_id"], messages["message_id"]])
    found = np.full(len(messages), -1)
    found[key.get_indexer(pd.MultiIndex.from_arrays([clusters["channel_id"],
                                                     clusters["message_id"]]))] = \
        clusters["cluster_id"].to_numpy()
    return found


@pytest.fixture(scope="module")
def world(samples):
    messages, truth = _realtext.make_real_corpus(6_000, seed=3,
                                                 folder=str(samples / "telethon-real"))
    return messages, truth, found_clusters(messages)


def test_generator_looks_like_real_text(world, samples):
    messages, truth, _ = world
    real = _realtext.real_texts(str(samples / "telethon-real"))
    synth_len = messages["text"].str.len()
    real_len = real["text"].str.len()
    # Length distribution near the real one (measured: median 380 vs 391 characters, 90th
    # percentile 1,080 vs 1,350: the recombined tail is a little short).
    for q, tolerance in ((0.5, 0.1), (0.9, 0.25)):
        assert abs(synth_len.quantile(q) / real_len.quantile(q) - 1) < tolerance, q
    # Heavy verbatim repetition, as in the real channels (47% of texts repeat another).
    assert messages["text"].duplicated(keep=False).mean() > 0.3
    assert set(truth["kind"]) == {"", "origin", *_realtext.KINDS}


def test_recall_per_kind_and_precision(world):
    _, truth, found = world
    scores = _realtext.planted_scores(truth, found).set_index("kind")
    for kind, floor in RECALL.items():
        assert scores.at[kind, "copies"] >= 15, kind
        assert scores.at[kind, "recall"] >= floor, (kind, scores)
    assert scores.at["all", "precision"] >= 0.98, scores


def test_quotes_need_containment(world, monkeypatch):
    messages, truth, found = world
    monkeypatch.setattr(xp.similarity, "CONTAINMENT", None)
    before = _realtext.planted_scores(truth, found_clusters(messages)).set_index("kind")
    after = _realtext.planted_scores(truth, found).set_index("kind")
    assert after.at["quoted", "recall"] >= before.at["quoted", "recall"] + 0.25, (before, after)


def test_reworded_copies_with_the_edited_rule(world, monkeypatch):
    messages, truth, found = world
    monkeypatch.setattr(xp.similarity, "EDITED", None)
    before = _realtext.planted_scores(truth, found_clusters(messages)).set_index("kind")
    after = _realtext.planted_scores(truth, found).set_index("kind")
    # The edited rule (on by default) lifts reworded recall over the 0.9 (measured
    # on this world: 0.885 without, 1.0 with; 10^5 and 10^6 messages in the README).
    assert before.at["reworded", "recall"] < 0.9 <= after.at["reworded", "recall"]
    assert after.at["reworded", "recall"] >= before.at["reworded", "recall"] + 0.05, \
        (before, after)
    assert after.at["all", "precision"] >= before.at["all", "precision"] - 0.005


def test_planted_statements_are_new_content():
    # Hand case: a template's variants (another number), a repeated text, a link, and one
    # text of its own; only the last one's words (its link excepted) are new content.
    texts = ["Pump result 100% gain on the coin today friends",
             "Pump result 250% gain on the coin today friends",
             "Join the channel for daily signals and news",
             "Join the channel for daily signals and news",
             "Harbour workers open the eastern pier tomorrow see harbour.example/pier"]
    shared = _realtext._shared_runs(texts)
    repeated = {"Join the channel for daily signals and news"}
    assert _realtext._new_content(texts, shared, repeated) == \
        "Harbour workers open the eastern pier tomorrow see".split()


def test_planted_texts_carry_no_real_link(world):
    from workbench.links import extract_urls

    messages, truth, _ = world
    planted = messages["text"][truth["cluster"].to_numpy() >= 0]
    # Only the copier's own footer (a link to its handle) may carry a link.
    bodies = planted.str.replace(r"\n\n🔗 Join us: https://t\.me/realchan\d+$", "", regex=True)
    assert len(bodies) > 200
    assert not bodies.map(extract_urls).map(len).gt(0).any()


def test_same_clusters_whatever_the_row_order_with_many_ties(world):
    # Dates floored to the day put many messages at one time: candidates found among equal
    # times (LSH buckets, quote anchors) must not depend on the caller's row order.
    messages = world[0].assign(date=world[0]["date"].dt.floor("D"))
    shuffled = messages.sample(frac=1.0, random_state=5)
    key = ["channel_id", "message_id"]
    a = xp.find_crossposts(messages).sort_values(key).reset_index(drop=True)
    b = xp.find_crossposts(shuffled).sort_values(key).reset_index(drop=True)
    assert len(a) > 100
    pd.testing.assert_frame_equal(a, b)
