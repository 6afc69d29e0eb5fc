"""message_volume against hand-computed counts."""

import pandas as pd
import pytest

from workbench import schema
from workbench.errors import ParameterError
from workbench.timeline import message_volume


def _messages(rows):
    frame = pd.DataFrame(rows, columns=["date", "channel_id", "group", "views"])
    frame["date"] = pd.to_datetime(frame["date"], utc=True)
    frame["message_id"] = range(len(frame))
    frame["platform"] = "telegram"
    return schema.conform(frame, "messages")


def test_zero_fill_and_single_column():
    msgs = _messages([("2016-12-01 10:00", "telegram:1", "a", 5),
                      ("2016-12-04 10:00", "telegram:1", "a", 7)])
    vol = message_volume(msgs)
    assert list(vol.columns) == ["messages"]
    assert vol["messages"].tolist() == [1, 0, 0, 1]
    assert str(vol.index.tz) == "UTC" and vol.index.name == "date"
    assert vol.index[0] == pd.Timestamp("2016-12-01", tz="UTC")


def test_by_column_one_plain_column_per_value():
    msgs = _messages([("2016-12-01 10:00", "telegram:1", "official", 1),
                      ("2016-12-01 11:00", "telegram:2", "control", 1),
                      ("2016-12-02 11:00", "telegram:2", "control", 1)])
    vol = message_volume(msgs, by="group")
    assert list(vol.columns) == ["control", "official"]
    assert not isinstance(vol.columns, pd.MultiIndex)
    assert vol.to_dict("list") == {"control": [1, 1], "official": [1, 0]}


def test_analyst_time_zone_moves_day_boundaries_across_dst():
    # 2016-10-30: Berlin leaves summer time at 03:00 (UTC+2 -> UTC+1); the day is 25 h long.
    msgs = _messages([
        ("2016-10-29 22:30", "telegram:1", "a", 1),  # 00:30 CEST on 30 Oct in Berlin
        ("2016-10-30 22:30", "telegram:1", "a", 1),  # 23:30 CET on 30 Oct in Berlin
        ("2016-10-30 23:30", "telegram:1", "a", 1),  # 00:30 CET on 31 Oct in Berlin
    ])
    utc = message_volume(msgs)
    assert utc["messages"].tolist() == [1, 2]
    berlin = message_volume(msgs, tz="Europe/Berlin")
    assert berlin["messages"].tolist() == [2, 1]
    assert [str(t) for t in berlin.index] == ["2016-10-30 00:00:00+02:00",
                                             "2016-10-31 00:00:00+01:00"]


def test_weekly_bins_start_on_monday_and_weight_sums_views():
    msgs = _messages([("2016-12-18 12:00", "telegram:1", "a", 10),   # Sunday
                      ("2016-12-19 12:00", "telegram:1", "a", 3),    # Monday
                      ("2016-12-25 12:00", "telegram:1", "a", None)])
    vol = message_volume(msgs, freq="W", weight="views")
    assert [t.strftime("%a %d") for t in vol.index] == ["Mon 12", "Mon 19"]
    assert vol["messages"].tolist() == [10, 3]


def test_start_end_extend_the_range_with_zeros():
    msgs = _messages([("2016-12-02 10:00", "telegram:1", "a", 1)])
    vol = message_volume(msgs, start="2016-12-01", end="2016-12-03")
    assert vol["messages"].tolist() == [0, 1, 0]


def test_unknown_column_is_a_clear_error():
    msgs = _messages([("2016-12-02 10:00", "telegram:1", "a", 1)])
    with pytest.raises(ParameterError, match="by='lang' is not a column"):
        message_volume(msgs, by="lang")
