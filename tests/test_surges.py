"""Surges above the daily and weekly rhythm (``wb.timeline.surges``) and the terms that rose
before an event (``wb.timeline.rising_terms``): hand-computed cases, surges planted by
``workbench.synth.hourly_volume`` and in the fixture world, the cases that must stay silent, and a
planted term among thousands of ordinary words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.errors import ParameterError
from workbench.synth import hourly_volume
from workbench.timeline import surges, rising_terms

DAY_SHAPE = np.array([1, 1, 1, 1, 1, 1, 2, 3, 4, 4, 4, 4, 5, 5, 5, 6, 6, 8, 9, 9, 8, 6, 3, 2])


def _hours(days: int, start="2016-11-07") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=24 * days, freq="h", tz="UTC")


def _matches(found: pd.DataFrame, truth: pd.DataFrame):
    """For each planted surge, the found surges overlapping it; and the found ones that
    overlap no planted surge."""
    hits, false = [], []
    for _, t in truth.iterrows():
        f = found[(found["series"] == t["series"]) & (found["start"] <= t["end"])
                  & (found["end"] >= t["start"])]
        hits.append(f)
    for _, f in found.iterrows():
        t = truth[(truth["series"] == f["series"]) & (truth["start"] <= f["end"])
                  & (truth["end"] >= f["start"])]
        if not len(t):
            false.append(f)
    return hits, false


# -- hand-computed cases ---------------------------------------------------------------------

def test_flat_hours_with_a_tripled_stretch_by_hand():
    idx = _hours(35)
    counts = pd.Series(10, index=idx, name="ch")
    counts.iloc[24 * 30 + 5:24 * 30 + 11] = 30  # six hours at three times the usual 10
    found = surges(counts)
    assert len(found) == 1
    row = found.iloc[0]
    assert row["start"] == idx[24 * 30 + 5] and row["end"] == idx[24 * 30 + 10]
    assert row["observed"] == 180
    assert row["expected"] == pytest.approx(60)
    assert row["ratio"] == pytest.approx(3.0)
    assert row["excess"] == pytest.approx(120)
    assert row["series"] == "ch"
    assert row["start"] <= row["peak"] <= row["end"]


def test_a_few_hours_of_data_cannot_teach_a_daily_profile():
    # Ten hours: the spike must not be learned as the shape of the day.
    idx = _hours(1)[:10]
    found = surges(pd.Series([1, 2, 1, 50, 60, 1, 2, 1, 1, 1], index=idx))
    assert found[["start", "end"]].values.tolist() == [[idx[3], idx[4]]]


def test_daily_rhythm_and_weekly_rhythm_are_learned_not_flagged():
    idx = _hours(42)
    week = np.where(idx.day_of_week >= 5, 0.25, 1.0)  # weekends at a quarter of weekdays
    counts = pd.Series(DAY_SHAPE[idx.hour] * week * 4, index=idx)
    assert surges(counts).empty
    expected = wb.timeline.expected_counts(counts)
    # The baseline of an evening hour on a weekday and of the same hour on a Sunday.
    tue, sun = idx.get_loc(pd.Timestamp("2016-12-06 19:00", tz="UTC")), \
        idx.get_loc(pd.Timestamp("2016-12-11 19:00", tz="UTC"))
    assert expected[tue] == pytest.approx(36, rel=0.05)
    assert expected[sun] == pytest.approx(9, rel=0.05)


def test_daily_counts_with_a_weekly_rhythm_and_a_surge():
    days = pd.date_range("2016-10-03", periods=70, freq="D", tz="UTC")
    base = np.tile([20, 20, 21, 22, 26, 8, 6], 10).astype(float)
    counts = pd.Series(base, index=days, name="daily")
    assert surges(counts).empty
    counts.iloc[50:54] *= 3
    found = surges(counts)
    assert len(found) == 1 and found["start"].iloc[0] == days[50]
    assert found["end"].iloc[0] == days[53]


def test_weekly_counts_growing_steadily_with_a_two_week_surge():
    weeks = pd.date_range("2015-01-05", periods=80, freq="W-MON", tz="UTC")
    counts = np.random.default_rng([10, 13]).poisson(np.linspace(50, 150, 80))
    assert surges(pd.Series(counts, index=weeks)).empty  # growth is not a surge
    counts[40:42] *= 3
    found = surges(pd.Series(counts, index=weeks))
    assert found[["start", "end"]].values.tolist() == [[weeks[40], weeks[41]]]


# -- silent cases ------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_silent_on_ordinary_rhythmic_noise_and_on_channels_going_silent(seed):
    volume, truth = hourly_volume(seed, days=90, surges_per_series=0, silent=True)
    assert truth.empty
    found = surges(volume)
    assert len(found) <= 1, found  # about one false surge in sixty ordinary series
    assert not (found["series"] == volume.columns[-1]).any()  # the one that went silent


def test_quiet_weekend_then_normal_monday_is_not_a_surge():
    rng = np.random.default_rng([5, 13])
    idx = _hours(63)
    week = np.where(idx.day_of_week >= 5, 0.15, 1.0)
    counts = pd.Series(rng.poisson(DAY_SHAPE[idx.hour] * week * 3), index=idx)
    assert surges(counts).empty


def test_gaps_are_not_surges_and_a_surge_after_a_gap_is_found():
    rng = np.random.default_rng([6, 13])
    idx = _hours(70)
    counts = pd.Series(rng.poisson(DAY_SHAPE[idx.hour] * 2.0), index=idx, dtype="float64")
    counts.iloc[24 * 30:24 * 37] = np.nan  # a week not collected
    assert surges(counts).empty
    onset = 24 * 50 + 18
    counts.iloc[onset:onset + 30] = rng.poisson(DAY_SHAPE[idx.hour[onset:onset + 30]] * 8.0)
    found = surges(counts)
    assert len(found) == 1
    assert abs(idx.get_loc(found["start"].iloc[0]) - onset) <= 2


def test_an_earlier_surge_does_not_hide_a_later_one():
    rng = np.random.default_rng([7, 13])
    idx = _hours(80)
    rate = DAY_SHAPE[idx.hour] * 20.0
    first, second = 24 * 35 + 9, 24 * 45 + 20
    rate[first:first + 5 * 24] *= 4
    rate[second:second + 24] *= 3
    found = surges(pd.Series(rng.poisson(rate), index=idx))
    starts = [idx.get_loc(s) for s in found["start"]]
    assert len(found) == 2
    assert abs(starts[0] - first) <= 2 and abs(starts[1] - second) <= 2


# -- planted truth -------------------------------------------------------------------------------

@pytest.mark.parametrize("freq, days, levels", [("h", 90, (5.0, 5000.0)),
                                                ("5min", 45, (500.0, 5000.0))])
def test_planted_surges_recall_onset_and_false_surges(freq, days, levels):
    hits, false, planted, errors, big, big_hits = [], 0, 0, [], 0, 0
    for seed in range(4):
        volume, truth = hourly_volume(seed, days=days, freq=freq, levels=levels)
        found = surges(volume)
        matched, wrong = _matches(found, truth)
        false += len(wrong)
        step = volume.index[1] - volume.index[0]
        for (_, t), f in zip(truth.iterrows(), matched):
            planted += 1
            usual = t["bins"] * volume[t["series"]].mean()
            # Surges whose extra volume stands out from the noise: tens of messages or more.
            if usual * (t["factor"] - 1) >= 40:
                big += 1
                big_hits += bool(len(f))
            if len(f):
                hits.append(1)
                errors.append(abs((f["start"].min() - t["start"]) / step))
    assert planted >= 40
    assert big_hits / big >= 0.9
    assert len(hits) / planted >= 0.7
    assert np.mean(np.array(errors) <= 2) >= 0.8  # onset within a couple of bins
    assert false <= 2


def test_fixture_world_surge_after_berlin(corpus, truth):
    volume = wb.timeline.message_volume(corpus.messages, by="group", freq="h")
    found = surges(volume)
    at = pd.Timestamp(truth["surge"]["time"])
    assert set(found["series"]) == set(truth["surge"]["groups"])
    # Onsets: within 2 bins for all but one group; the sparsest (about one message an hour)
    # may start a few hours early, where chance pre-event posts join the surge.
    off = (found["start"] - at).abs() / pd.Timedelta("1h")
    assert (off <= 2).sum() >= len(found) - 1 and (off <= 6).all(), off
    for _, row in found.iterrows():
        days = (row["end"] - row["start"]) / pd.Timedelta("1D")
        assert abs(days - truth["surge"]["days"]) <= 2
        assert row["ratio"] == pytest.approx(truth["surge"]["factor"], rel=0.25)
    daily = surges(wb.timeline.message_volume(corpus.messages, by="group"))
    assert set(daily["series"]) == set(truth["surge"]["groups"])


def test_frame_gives_a_series_column_sorted_by_start_and_errors_are_named():
    volume, truth = hourly_volume(3, days=60, n_series=3)
    found = surges(volume)
    assert list(found.columns) == ["start", "end", "peak", "observed", "expected", "ratio",
                                   "excess", "score", "series"]
    assert found["start"].is_monotonic_increasing
    assert set(found["series"]) <= set(volume.columns)
    assert (found["excess"] > 0).all() and (found["ratio"] >= 1.5).all()
    assert surges(volume.iloc[:, :0]).empty
    with pytest.raises(ParameterError, match="DatetimeIndex"):
        surges(pd.Series([1, 2, 3]))
    with pytest.raises(ParameterError, match="ratio"):
        surges(volume, ratio=1.0)


# -- rising_terms: a planted term among thousands of words ---------------------------------

def _term_corpus(seed: int = 13):
    """Messages from 12 channels (three groups) over 16 weeks, words from a Zipfian
    vocabulary of 4,000; one group's channels use ``plantedterm`` in the fortnight before
    the event. ``commonword`` is in half of all messages throughout."""
    rng = np.random.default_rng([seed, 13])
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    vocab = ["".join(rng.choice(letters, rng.integers(4, 9))) for _ in range(4000)]
    vocab = [w for w in dict.fromkeys(vocab) if w not in ("plantedterm", "commonword")]
    p = 1 / np.arange(1, len(vocab) + 1)
    p /= p.sum()
    event = pd.Timestamp("2016-12-19 19:02", tz="UTC")
    start = event - pd.Timedelta("112D")
    n = 600 * 12
    channel = np.repeat(np.arange(12), 600)
    group = np.array(["alpha", "beta", "gamma"])[channel % 3]
    times = start + pd.to_timedelta(rng.uniform(0, 112 * 86400, n), unit="s")
    lengths = rng.integers(8, 20, n)
    words = np.array(vocab, dtype=object)[rng.choice(len(vocab), lengths.sum(), p=p)]
    common = rng.random(n) < 0.5
    planted = (group == "alpha") & (times >= event - pd.Timedelta("14D")) & (times < event) \
        & (rng.random(n) < 0.3)
    texts = [" ".join(part) + (" commonword" if c else "") + (" plantedterm" if t else "")
             for part, c, t in zip(np.split(words, np.cumsum(lengths)[:-1]), common, planted)]
    rows = list(zip([f"telegram:{c}" for c in channel], group, times, texts))
    frame = pd.DataFrame(rows, columns=["channel_id", "group", "date", "text"])
    return frame.sort_values("date", ignore_index=True), event


def test_rising_terms_find_a_planted_term_among_thousands_of_words():
    messages, event = _term_corpus()
    found = rising_terms(messages, event=event, top=10)
    assert found["term"].iloc[0] == "plantedterm"
    assert "commonword" not in set(found["term"])
    row = found.iloc[0]
    assert row["baseline_messages"] == 0 and row["window_messages"] >= 10
    assert row["rise"] > 0 and row["z"] > 5
    assert found["z"].is_monotonic_decreasing
    # A fortnight ending before the plant sees nothing rise that much.
    early = rising_terms(messages, event=event - pd.Timedelta("21D"), top=10)
    assert "plantedterm" not in set(early["term"])
    assert early.empty or early["z"].max() < 5


# -- where surges are used -----------------------------------------------------------------------

def test_event_window_reports_the_surge_that_follows_the_event(corpus, truth):
    window = wb.timeline.event_window(corpus.messages, truth["surge"]["event"], by="group")
    s = window.surges.set_index("group")
    assert set(s.index) == set(truth["surge"]["groups"])  # not control
    at = pd.Timestamp(truth["surge"]["time"])
    delay = s["surge_delay"].abs()
    assert (delay <= pd.Timedelta("2h")).sum() >= len(s) - 1, delay  # as in the test above
    assert (delay <= pd.Timedelta("6h")).all(), delay
    for group in truth["surge"]["groups"]:
        row = s.loc[group]
        assert row["surge_start"] <= row["surge_peak"] <= row["surge_end"]
        assert row["surge_ratio"] == pytest.approx(truth["surge"]["factor"], rel=0.25)
        assert row["surge_excess"] > 100
        assert abs(row["surge_hours"] / 24 - truth["surge"]["days"]) <= 2
        assert row["surge_start"] - row["surge_delay"] == at
    quiet = wb.timeline.event_window(corpus.messages, "2016-10-20", by="group")
    assert quiet.surges.empty and "surge_ratio" in quiet.surges.columns
    bare = wb.timeline.event_window(corpus.messages, "berlin-2016", surge_freq=None)
    assert bare.surges is None


def test_event_window_finds_a_short_surge_the_daily_means_miss():
    # A 36-hour tripling two days into a fortnight: the daily means barely move.
    rng = np.random.default_rng([8, 13])
    at = pd.Timestamp("2016-12-19 19:02", tz="UTC")
    idx = pd.date_range(at.floor("D") - pd.Timedelta("28D"), periods=24 * 42, freq="h")
    rate = DAY_SHAPE[idx.hour] * 1.5
    onset = idx.get_loc(pd.Timestamp("2016-12-21 22:00", tz="UTC"))
    rate[onset:onset + 36] *= 3
    counts = rng.poisson(rate)
    msgs = pd.DataFrame({"date": idx.repeat(counts) + pd.Timedelta("10min")})
    window = wb.timeline.event_window(msgs, at)
    row = window.surges.iloc[0]
    assert row["surge_start"] == idx[onset] or abs(row["surge_start"] - idx[onset]) <= \
        pd.Timedelta("2h")
    assert 24 <= row["surge_hours"] <= 48


def test_plot_volume_shades_surges_and_marks_their_peaks():
    volume, truth = hourly_volume(2, days=60, n_series=2)
    found = surges(volume)
    fig = wb.plots.plot_volume(volume, surges=found)
    names = [t.name for t in fig.data]
    assert names[:2] == ["s0", "s1"]
    shaded = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(shaded) == len(found)
    marks = [t for t in fig.data if t.name.startswith("surge: ")]
    assert sum(len(t.x) for t in marks) == len(found)
    assert "times its usual level" in marks[0].hovertext[0]


def test_plot_volume_surge_hover_escapes_hostile_names():
    volume, _ = hourly_volume(4, days=60, n_series=1, surges_per_series=2, levels=(500, 500))
    volume.columns = ["<img src=x onerror=alert(1)>"]
    fig = wb.plots.plot_volume(volume, surges=surges(volume))
    marks = [t for t in fig.data if t.name.startswith("surge: ")]
    assert marks and all("<img" not in t.name and "<img" not in "".join(t.hovertext)
                         for t in marks)


def test_volume_explorer_surges_toggle(corpus):
    explorer = wb.widgets.volume_explorer(corpus, freq="h", start="2016-11-20",
                                          end="2017-01-10")
    assert "surges" not in explorer.found
    fig = explorer.update(surges=True)
    assert set(explorer.found["surges"]["series"]) == {"official", "news_network", "aqap",
                                                       "supporters"}
    assert any(t.name.startswith("surge: ") for t in fig.data)
    explorer.controls["surges"].value = False
    assert "surges" not in explorer.found


def test_briefing_names_the_surge_and_never_calls_it_no_change():
    from workbench.briefing._surges import surge_sentences, surge_verdict

    rng = np.random.default_rng([9, 13])
    at = pd.Timestamp("2016-12-19 19:02", tz="UTC")
    idx = pd.date_range(at.floor("D") - pd.Timedelta("28D"), periods=24 * 42, freq="h")
    rate = DAY_SHAPE[idx.hour] * 1.2
    onset = idx.get_loc(pd.Timestamp("2016-12-19 22:00", tz="UTC"))
    rate[onset:onset + 36] *= 4
    dates = idx.repeat(rng.poisson(rate)) + pd.Timedelta("5min")
    msgs = pd.DataFrame({"date": dates, "group": np.where(np.arange(len(dates)) % 2, "a", "b")})
    window = wb.timeline.event_window(msgs, at, by="group")
    text = " ".join(surge_sentences(window, "the attack"))
    for group in ("a", "b"):
        assert f"volume in <b>{group}</b> rose" in text
    assert "from 22:00 UTC" in text and "after the event" in text
    assert "about 36 hours" in text or "about 35 hours" in text or "about 37 hours" in text
    qualified = surge_verdict("no significant change", window)
    assert qualified != "no significant change" and "surged" in qualified
    assert surge_verdict("a significant rise", window) == "a significant rise"
    quiet = wb.timeline.event_window(msgs, at - pd.Timedelta("10D"), by="group",
                                     after="7D")
    assert surge_verdict("no significant change", quiet) == "no significant change"
    assert surge_sentences(quiet, "the attack") == []
