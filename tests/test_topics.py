"""wb.text.topics and topic_trend against the planted topics of the language editions.

The editions' generator plants topics (``truth.json`` -> ``languages``): each article has a
topic, written with that topic's themed sentences and invented words of its own vocabulary
(per script). Fitted per language, the model must recover them (NMI against the planted
topic), name the planted words among its top terms, and give NA exactly to the bare links.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import normalized_mutual_info_score

import workbench as wb
from workbench.errors import ParameterError
from workbench.synth import LANGUAGE_SCRIPT as SCRIPT


@pytest.fixture(scope="module")
def planted(truth):
    return truth["languages"]


@pytest.fixture(scope="module")
def messages(planted):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = wb.load_fixtures(editions=True, progress=False)
    rows = pd.DataFrame(planted["messages"], columns=planted["message_columns"])
    rows = rows.rename(columns={"lang": "true_lang", "topic": "true_topic"})
    return corpus.messages.merge(rows, on=["channel_id", "message_id"], how="inner")


@pytest.fixture(scope="module")
def fits(messages, planted):
    out = {}
    for lang in ("en", "ru", "ar"):
        sub = messages[messages["true_lang"] == lang].reset_index(drop=True)
        out[lang] = (sub, wb.text.topics(sub, k=planted["n_topics"], random_state=0))
    return out


@pytest.mark.parametrize("lang", ["en", "ru", "ar"])
def test_planted_topics_recovered(fits, lang):
    sub, found = fits[lang]
    a = found.assignments
    assert a.index.equals(sub.index)
    both = sub["true_topic"].notna() & a["topic"].notna()
    assert both.mean() >= 0.95
    score = normalized_mutual_info_score(sub.loc[both, "true_topic"].astype(int),
                                         a.loc[both, "topic"].astype(int))
    assert score >= 0.8, score


@pytest.mark.parametrize("lang", ["en", "ru", "ar"])
def test_top_terms_hold_the_planted_words(fits, planted, lang):
    sub, found = fits[lang]
    words = planted["topic_words"][SCRIPT[lang]]
    terms = found.terms
    assert (terms.groupby("topic").size() >= 10).all()
    assert list(terms.columns) == ["topic", "rank", "term", "weight"]
    assert (terms.groupby("topic")["weight"].apply(lambda w: w.is_monotonic_decreasing)).all()
    # Each planted topic's messages mostly land in one found topic; that topic's top terms
    # hold some of the planted topic's invented words.
    joined = sub.assign(found=found.assignments["topic"]).dropna(subset=["true_topic", "found"])
    for topic, group in joined.groupby("true_topic"):
        best = group["found"].mode().iloc[0]
        top = set(terms.loc[terms["topic"] == best, "term"])
        assert top & set(words[int(topic)]), (topic, top)


def test_empty_texts_and_bare_links_get_no_topic(fits):
    sub, found = fits["en"]
    no_topic = sub["true_topic"].isna()
    assert found.assignments.loc[no_topic, "topic"].isna().all()


def test_stop_words_and_links_never_terms(fits):
    for _, found in fits.values():
        terms = set(found.terms["term"])
        assert not terms & {"the", "that", "and", "и", "на", "في", "من", "https", "example"}


def test_forwards_and_copies_do_not_make_topics(fits, planted):
    sub, found = fits["en"]
    copies = pd.concat([sub] + [sub.iloc[[0]]] * 200, ignore_index=True)
    again = wb.text.topics(copies, k=planted["n_topics"], random_state=0)
    pd.testing.assert_frame_equal(again.terms, found.terms)
    assert again.assignments["topic"].iloc[len(sub):].nunique() == 1


def test_deterministic_and_reusable(fits, planted):
    sub, found = fits["ru"]
    again = wb.text.topics(sub, k=planted["n_topics"], random_state=0)
    pd.testing.assert_frame_equal(again.terms, found.terms)
    new = sub.iloc[::3].set_index(pd.Index(range(100, 100 + len(sub.iloc[::3]))))
    assigned = found.model.transform(new)
    assert assigned.index.equals(new.index)
    assert (assigned["topic"].to_numpy() == found.assignments["topic"].iloc[::3].to_numpy()).all()


def test_topic_trend_shares(fits):
    sub, found = fits["ar"]
    trend = wb.text.topic_trend(sub, found.assignments, freq="M")
    sums = trend.groupby("date")["share"].sum()
    assert np.allclose(sums[sums > 0], 1.0)
    assert trend["messages"].sum() == found.assignments["topic"].notna().sum()
    by = wb.text.topic_trend(sub, found.assignments, freq="M", by="channel_id")
    assert by["messages"].sum() == trend["messages"].sum()
    assert set(by["channel_id"]) == set(sub["channel_id"])


def test_topic_trend_hand_computed():
    m = pd.DataFrame({"date": pd.to_datetime(["2016-12-05 10:00", "2016-12-06 00:00", "2016-12-06 00:00",
                                              "2016-12-20 00:00"], utc=True),
                      "group": ["a", "a", "b", "a"]})
    a = pd.DataFrame({"topic": pd.array([0, 1, pd.NA, 1], dtype="Int64")})
    trend = wb.text.topic_trend(m, a, freq="W", by="group")
    got = {(str(d.date()), g, t): (n, s) for d, g, t, n, s in trend.itertuples(index=False)}
    assert got[("2016-12-05", "a", 0)] == (1, 0.5)
    assert got[("2016-12-05", "a", 1)] == (1, 0.5)
    assert got[("2016-12-12", "a", 1)] == (0, 0.0)  # an empty week is there, zero-filled
    assert got[("2016-12-19", "a", 1)] == (1, 1.0)
    assert got[("2016-12-05", "b", 0)] == (0, 0.0)  # b's only message has no topic


def test_bad_parameters():
    texts = pd.Series(["one text", "two text"])
    with pytest.raises(ParameterError, match="k="):
        wb.text.topics(texts, k=0)
    with pytest.raises(ParameterError, match="too few"):
        wb.text.topics(texts, k=5)
    with pytest.raises(ParameterError, match="aligned"):
        wb.text.topic_trend(pd.DataFrame({"date": pd.to_datetime(["2016-01-01"], utc=True)}),
                            pd.DataFrame({"topic": [0]}, index=[5]))


# --- frames: the analyst's own labels, a classifier trained on them -------------------------

def test_frames_learned_from_labels_of_planted_topics(messages):
    # The analyst tags 40% of the editions' messages with the planted topic as a frame; the
    # classifier must label the rest as planted.
    known = messages[messages["true_topic"].notna()].reset_index(drop=True)
    rng = np.random.default_rng(15)
    tagged = rng.random(len(known)) < 0.4
    labels = pd.DataFrame({"channel_id": known.loc[tagged, "channel_id"],
                           "message_id": known.loc[tagged, "message_id"],
                           "frame": "t" + known.loc[tagged, "true_topic"].astype(int).astype(str)})
    result = wb.text.train_frames(known, labels, cv=3, random_state=0)
    report = result.report.set_index("frame")
    assert sorted(report.index) == [f"t{i}" for i in range(5)]
    assert (report["precision"] >= 0.85).all() and (report["recall"] >= 0.85).all(), report
    assert report["labelled"].sum() == tagged.sum()
    pred = result.predictions
    assert pred.index.equals(known.index)
    truth = "t" + known["true_topic"].astype(int).astype(str)
    assert (pred.loc[~tagged, "frame"] == truth[~tagged]).mean() >= 0.9
    assert (pred.loc[tagged, "labelled"] == truth[tagged]).all()
    assert pred.loc[~tagged, "labelled"].isna().all()
    assert ((pred["confidence"] > 0) & (pred["confidence"] <= 1)).all()


def test_frame_labels_checked():
    m = pd.DataFrame({"channel_id": ["c"] * 4, "message_id": [1, 2, 3, 4],
                      "text": ["rain", "rain too", "match", "match too"]})
    with pytest.raises(ParameterError, match="c#9"):
        wb.text.train_frames(m, pd.DataFrame({"channel_id": ["c", "c"], "message_id": [1, 9],
                                              "frame": ["a", "b"]}))
    with pytest.raises(ParameterError, match="two frames"):
        wb.text.train_frames(m, pd.DataFrame({"channel_id": ["c"], "message_id": [1],
                                              "frame": ["a"]}))
    with pytest.raises(ParameterError, match="frame"):
        wb.text.train_frames(m, pd.DataFrame({"channel_id": ["c"], "message_id": [1]}))


def test_frame_labels_csv(tmp_path):
    from workbench.errors import LoadError

    path = tmp_path / "frames.csv"
    labels = pd.DataFrame({"channel_id": ["telegram:1", "telegram:2"], "message_id": [5, 6],
                           "frame": ["news", "=HYPERLINK(\"x\")"]})
    wb.io.write_frame_labels(labels, path)
    back = wb.io.read_frame_labels(path)
    assert back["message_id"].tolist() == [5, 6]
    assert back["frame"].tolist() == ["news", "'=HYPERLINK(\"x\")"]  # never a live formula
    path.write_text("channel_id,message_id,frame\ntelegram:1,5,news\ntelegram:1,x,news\n")
    with pytest.raises(LoadError, match="frames.csv#3"):
        wb.io.read_frame_labels(path)


def test_frame_labeller_escapes_saves_and_resumes(tmp_path):
    from workbench.widgets import frame_labeller

    m = pd.DataFrame({"channel_id": ["c", "c", "d"], "message_id": [1, 2, 3],
                      "channel": ["<b>chan</b>", "x", "y"],
                      "text": ["<img src=x onerror=alert(1)>", "second", None]})
    path = tmp_path / "frames.csv"
    tagger = frame_labeller(m, ["news", "call"], path, random_state=None)
    assert "<img" not in tagger.text.value and "&lt;img" in tagger.text.value
    assert "<b>chan" not in tagger.text.value
    assert len(tagger.queue) == 2  # the message without text is not offered
    tagger.buttons[1].click()
    assert wb.io.read_frame_labels(path).values.tolist() == [["c", 1, "call"]]
    again = frame_labeller(m, ["news", "call"], path, random_state=None)
    assert int(again.current()["message_id"]) == 2  # resumes where the CSV stops
    again.skip()
    assert again.current() is None and "Nothing left" in again.text.value
    with pytest.raises(ParameterError):
        again.label("unknown")


def test_plots_draw_every_topic_escaped(fits):
    sub, found = fits["en"]
    fig = wb.plots.plot_topic_terms(found.terms)
    assert len(fig.data) == found.terms["topic"].nunique()
    assert all(len(t.y) == 10 for t in fig.data)
    trend = wb.text.topic_trend(sub, found.assignments, freq="M")
    fig = wb.plots.plot_topic_trend(trend, labels=found.labels)
    assert [t.name for t in fig.data] == list(found.labels)
    assert all(t.stackgroup == "g1" for t in fig.data)
    hostile = pd.DataFrame({"topic": [0], "rank": [0], "term": ["<script>x</script>"],
                            "weight": [1.0]})
    assert "<script>" not in str(wb.plots.plot_topic_terms(hostile).to_dict())
