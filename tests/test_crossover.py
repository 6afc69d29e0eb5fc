"""wb.timeline.crossover: hand-computed cases, and when Telegram overtook Twitter in the fixture
world and in two other generated worlds (the Telegram side starts on truth["start"])."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.errors import ParameterError
from workbench.synth import generate_world, write_fixtures
from workbench.timeline import crossover

WEEKS = pd.date_range("2016-08-01", periods=8, freq="W-MON", tz="UTC")


def table(a, b, index=WEEKS):
    return pd.DataFrame({"a": a, "b": b}, index=index[: len(a)])


def test_first_lasting_lead():
    # a leads in week 1 only (noise), then from week 3 on
    t = table([1, 5, 2, 6, 7, 8, 9, 10], [2, 4, 3, 5, 1, 1, 1, 1])
    row = crossover(t, "a", "b", sustain=3).iloc[0]
    assert row["date"] == WEEKS[3]
    assert row["leader_first"] == WEEKS[0] and not row["left_censored"]
    assert (row["periods_led"], row["periods"]) == (5, 5)
    assert crossover(t, "a", "b", sustain=1).iloc[0]["date"] == WEEKS[1]


def test_ties_are_no_lead_and_nan_periods_are_skipped():
    t = table([0.5, 0.6, np.nan, 0.7, 0.5, 0.8], [0.5, 0.4, np.nan, 0.3, 0.5, 0.2])
    # week 0 tied; weeks 1, 3 ahead (week 2 has no data and is skipped); week 4 tied again
    assert crossover(t, "a", "b", sustain=2).iloc[0]["date"] == WEEKS[1]
    row = crossover(t, "a", "b", sustain=3).iloc[0]
    assert pd.isna(row["date"]) and (row["periods_led"], row["periods"]) == (0, 0)


def test_left_censored_when_the_leader_starts_ahead():
    t = table([0, 0, 3, 4, 5, 6], [9, 8, 1, 1, 1, 0])
    row = crossover(t, "a", "b", sustain=2).iloc[0]
    assert row["date"] == WEEKS[2] == row["leader_first"] and row["left_censored"]


def test_a_lead_too_short_at_the_end_does_not_count_and_any_index_works():
    t = pd.DataFrame({"a": [1, 1, 1, 5, 5], "b": [2, 2, 2, 1, 1]}, index=list("vwxyz"))
    assert pd.isna(crossover(t, "a", "b", sustain=3).iloc[0]["date"])
    assert crossover(t, "a", "b", sustain=2).iloc[0]["date"] == "y"
    assert crossover(t, "b", "a", sustain=3).iloc[0]["date"] == "v"


def test_bad_parameters():
    t = table([1, 2], [2, 1])
    with pytest.raises(ParameterError, match="leader='c' is not a column"):
        crossover(t, "c", "b")
    with pytest.raises(ParameterError, match="sustain=0"):
        crossover(t, "a", "b", sustain=0)


@pytest.fixture(scope="session")
def worlds(tmp_path_factory, truth):
    """(truth, corpus with Twitter) for the committed fixtures and two generated worlds."""
    out = [(truth, wb.load_fixtures(twitter=True))]
    for seed, n in ((11, 20), (29, 30)):
        world = generate_world(seed, n_channels=n, messages_scale=0.3)
        folder = write_fixtures(world, tmp_path_factory.mktemp(f"world{seed}"))
        with pytest.MonkeyPatch.context() as mp:  # session-scoped: no monkeypatch fixture
            mp.setenv("WORKBENCH_FIXTURES", str(folder))
            out.append((world.truth, wb.load_fixtures(twitter=True)))
    return out


def test_telegram_overtakes_twitter_where_its_data_start(worlds):
    for truth, corpus in worlds:
        messages = corpus.messages[corpus.messages["date"] < pd.Timestamp("2017-01-01", tz="UTC")]
        assert messages["platform"].value_counts()["twitter"] == truth["twitter"]["tweets"]
        share = wb.timeline.platform_share(messages, freq="W")
        row = crossover(share, "telegram", "twitter").iloc[0]
        start = pd.Timestamp(truth["start"], tz="UTC")  # the Telegram world's first day
        week = start - pd.Timedelta(days=start.day_of_week)
        assert row["date"] == week and row["left_censored"]
        assert row["periods_led"] == row["periods"] > 10  # never behind again
        # and Twitter led every week before, from its first week
        back = crossover(share, "twitter", "telegram").iloc[0]
        assert back["date"] == share.index[0] and back["periods_led"] == len(
            share.loc[:week - pd.Timedelta(days=1)].dropna())
