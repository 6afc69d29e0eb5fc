import pandas as pd
import pytest

from workbench.errors import EventError
from workbench.events import event_time, load_events, resolve_event


def test_catalogue_has_the_issue_events_with_utc_dates_and_sources():
    events = load_events()
    assert events["key"].is_unique
    assert str(events["date"].dtype) == "datetime64[ns, UTC]"
    expected_days = {
        "berlin-2016": "2016-12-19", "nice-2016": "2016-07-14", "brussels-2016": "2016-03-22",
        "paris-2015": "2015-11-13", "istanbul-2017": "2017-01-01",
        "manchester-2017": "2017-05-22", "london-bridge-2017": "2017-06-03",
        "twitter-suspensions-2016-02": "2016-02-05", "twitter-suspensions-2016-08": "2016-08-18",
        "europol-telegram-2019": "2019-11-21",
    }
    by_key = events.set_index("key")
    for key, day in expected_days.items():
        # Days are local days at the place; Istanbul's attack was 01:15 local on 1 Jan.
        local = by_key.loc[key, "date"]
        if key == "istanbul-2017":
            local = local.tz_convert("Europe/Istanbul")
        assert f"{local:%Y-%m-%d}" == day, key
    assert by_key["source"].notna().all()
    # Berlin: about 20:00 local time (CET = UTC+1).
    assert by_key.loc["berlin-2016", "date"].tz_convert("Europe/Berlin").hour == 20


@pytest.mark.parametrize("name, key", [
    ("Berlin", "berlin-2016"), ("manchester", "manchester-2017"), ("NICE", "nice-2016"),
    ("berlin-2016", "berlin-2016"), ("reina", "istanbul-2017"), ("london", "london-bridge-2017"),
])
def test_names_and_prefixes_match_one_event(name, key):
    assert resolve_event(name)["key"] == key


def test_ambiguous_and_unknown_names_list_candidates():
    with pytest.raises(EventError, match="twitter-suspensions-2016-02.*twitter-suspensions-2016-08"):
        resolve_event("twitter")
    with pytest.raises(EventError, match="berlin-2016"):
        resolve_event("atlantis")


def test_timestamps_and_rows_are_accepted():
    assert event_time("2016-12-19 19:00") == pd.Timestamp("2016-12-19 19:00", tz="UTC")
    assert event_time(pd.Timestamp("2016-12-19 20:00", tz="Europe/Berlin")) == \
        pd.Timestamp("2016-12-19 19:00", tz="UTC")
    row = load_events().iloc[0]
    assert resolve_event(row) is row


def test_analyst_csv(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("key,name,date\nRaid-1,Police raid,2016-12-21 06:00\n")
    events = load_events(path)
    assert events.loc[0, "key"] == "raid-1"
    assert events.loc[0, "date"] == pd.Timestamp("2016-12-21 06:00", tz="UTC")
    bad = tmp_path / "bad.csv"
    bad.write_text("when,what\n2016-01-01,x\n")
    with pytest.raises(EventError, match="bad.csv.*missing column"):
        load_events(bad)
