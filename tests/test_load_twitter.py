"""wb.load on Twitter inputs: genuine API v2 (twarc2) pages and v1.1 search results checked field
by field against the raw files, hand-made files with one quirk per record (tests/data/twitter/,
each record naming its quirk), the Kaggle-layout fixture CSV against truth.json, detection, and
mixed loads."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
from datetime import datetime
from functools import partial
from pathlib import Path

import pandas as pd
import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from tests import _loading
from tests._loading import records_read
from workbench.errors import FormatError, LoadError, WorkbenchWarning
from workbench.io import detect, twitter_kaggle, twitter_v1, twitter_v2

DATA = Path(__file__).resolve().parent / "data" / "twitter"
V1_SAMPLE = "twitter-v1/search_results_2019.json"
V2_FILES = ["edited.jsonl", "geo_tweets.jsonl", "media_tweet.jsonl", "mentions_tweet.jsonl",
            "quoted_edit.jsonl", "two_tweets.jsonl"]
UTC = "UTC"
#: Every record read is loaded, rejected or merged: Twitter has no service records.
accounted = partial(_loading.accounted, service=False)


def api_text(text: str) -> str:
    """The text with the API's three HTML escapes decoded (written independently)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def ts(value: str) -> pd.Timestamp:
    return pd.Timestamp(value).tz_convert(UTC)


def v1_ts(value: str) -> pd.Timestamp:
    return pd.Timestamp(datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y")).tz_convert(UTC)


def na(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value) \
        or value is pd.NaT


def row_of(messages: pd.DataFrame, message_id: int) -> dict:
    rows = messages[messages["message_id"] == message_id]
    assert len(rows) == 1, message_id
    return rows.iloc[0].to_dict()


def check(row: dict, **expected) -> None:
    """Compare fields; None means null."""
    for key, want in expected.items():
        got = row[key]
        if want is None:
            assert na(got), (key, got)
        else:
            assert not (not isinstance(got, list) and na(got)), (key, got)
            assert got == want, (key, got, want)


# --------------------------------------------------------------------------------------
# genuine API v2 pages (twarc2)
# --------------------------------------------------------------------------------------
def expected_v2(page: dict, tweet: dict) -> dict:
    """What a v2 tweet should become, derived from the raw page without the loader."""
    users = {u["id"]: u for u in page["includes"].get("users", [])}
    refs = {t["id"]: t for t in page["includes"].get("tweets", [])}
    kinds = {r["type"]: r["id"] for r in tweet.get("referenced_tweets", [])}
    content = refs[kinds["retweeted"]] if "retweeted" in kinds else tweet
    ents = content.get("entities", {})
    history = tweet.get("edit_history_tweet_ids", [tweet["id"]])
    out = {
        "platform": "twitter",
        "channel_id": f"twitter:{tweet['author_id']}",
        "channel": users[tweet["author_id"]]["name"],
        "message_id": int(tweet["id"]),
        "date": ts(tweet["created_at"]),
        "text": api_text(content["text"]),
        "reply_to": int(kinds["replied_to"]) if "replied_to" in kinds else None,
        "forwards": tweet["public_metrics"]["retweet_count"],
        "views": tweet["public_metrics"].get("impression_count"),
        "edited": ts(tweet["created_at"]) if history[0] != tweet["id"] else None,
        "mentions": list(dict.fromkeys(m["username"] for m in ents.get("mentions", []))),
        "links": [u["expanded_url"] for u in ents.get("urls", []) if "media_key" not in u],
        "hashtags": list(dict.fromkeys(h["tag"] for h in ents.get("hashtags", []))),
        "author_id": None, "author": None,
    }
    if "retweeted" in kinds:
        source = users[content["author_id"]]
        out.update(fwd_from_channel_id=f"twitter:{content['author_id']}",
                   fwd_from_name=source["username"],
                   fwd_from_message_id=int(content["id"]),
                   fwd_from_date=ts(content["created_at"]))
    else:
        out.update(fwd_from_channel_id=None, fwd_from_name=None, fwd_from_message_id=None,
                   fwd_from_date=None)
    return out


def test_v2_samples_field_by_field(samples):
    folder = samples / "twitter-v2"
    corpus = wb.load(folder)
    accounted(corpus)
    m = corpus.messages
    expected_rows = []
    for name in V2_FILES:
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        for line_no, line in enumerate(lines, 1):  # lines and positions count from 1
            page = json.loads(line)
            for i, tweet in enumerate(page["data"], 1):
                want = expected_v2(page, tweet)
                want["source"] = f"twitter-v2/{name}#{line_no}/data/{i}"
                expected_rows.append(want)
    assert len(m) == len(expected_rows) == 7
    assert corpus.rejected.empty
    assert corpus.files["format"].tolist() == ["twitter-v2"] * 6
    assert corpus.files["records"].tolist() == [1, 2, 1, 1, 1, 1]
    for want in expected_rows:
        check(row_of(m, want["message_id"]), **want)
    assert m["date"].is_monotonic_increasing


def test_v2_samples_hand_checked_values(samples):
    """A few values read off the raw files by eye, so a shared mistake in the derivation above
    and in the loader cannot hide."""
    m = wb.load(samples / "twitter-v2").messages
    rt = row_of(m, 1589681856941002753)  # mentions_tweet.jsonl: BaldManGamer retweets S3NT1N3L17
    check(rt, channel_id="twitter:68401342", channel="BmG",
          fwd_from_channel_id="twitter:1221317221714157569", fwd_from_name="S3NT1N3L17",
          fwd_from_message_id=1589671906718134272,
          fwd_from_date=pd.Timestamp("2022-11-07 17:31:31", tz=UTC), forwards=1,
          media_type="animated_gif")
    assert rt["text"].startswith("Looking for gaming mutuals") and not rt["text"].endswith("…")
    assert rt["hashtags"] == ["Xbox", "PlayStation", "gaming"]
    assert "S3NT1N3L17" not in rt["mentions"] and rt["mentions"][:2] == ["Xbox", "masseffect"]
    edited = row_of(m, 1576994789110992896)  # edited.jsonl: the second version
    check(edited, edited=pd.Timestamp("2022-10-03 17:57:11", tz=UTC), forwards=2, views=None,
          text="hey :) https://t.co/rnwEIoNuqd")
    video = row_of(m, 1558553189766631429)  # media_tweet.jsonl: 71292 ms video
    check(video, media_type="video", media_name="1558552952549277696", media_duration=71,
          links=[], forwards=13, channel="Igor Brigadir 🇺🇦 @igor@mastodon.social")
    reply = row_of(m, 1576995594388000768)  # quoted_edit.jsonl: quote + reply
    check(reply, reply_to=1576994789110992896, fwd_from_name=None, mentions=["wongmjane"],
          links=["https://twitter.com/wongmjane/status/1576994746135764992"],
          text="@wongmjane Test \nhttps://t.co/rBFwqjVr6B")
    geo = row_of(m, 1501963039859363843)  # geo_tweets.jsonl line 1: "&amp;" in the raw text
    assert "Fields & Expansions" in geo["text"] and "&amp;" not in geo["text"]
    check(geo, reply_to=1501958949863661574, mentions=["j2bryson", "Twitter"],
          links=["https://twarc-project.readthedocs.io/en/latest/twarc2_en_us/"])
    harry = row_of(m, 1249702384659554308)  # 13 hashtag entities, "harrypotter" twice
    assert len(harry["hashtags"]) == 12 and harry["hashtags"][-1] == "bookstagram"
    two = row_of(m, 1394735776701816833)  # two_tweets.jsonl: retweet of bibaigna96
    check(two, text="#POIUYTREWQ", fwd_from_channel_id="twitter:1380086327023169540",
          fwd_from_name="bibaigna96", hashtags=["POIUYTREWQ"], mentions=[])


def test_v2_samples_channels(samples):
    channels = wb.load(samples / "twitter-v2").channels.set_index("channel_id")
    # six authors and two retweeted accounts; users only mentioned or replied to are not channels
    assert len(channels) == 8
    assert "twitter:2919151" not in channels.index and "twitter:783214" not in channels.index
    assert set(channels["kind"]) == {"account"} and set(channels["platform"]) == {"twitter"}
    assert channels["resolved"].all()
    assert channels.loc["twitter:1221317221714157569", "handle"] == "S3NT1N3L17"
    assert channels.loc["twitter:337119125", "name"] == "Jane Manchun Wong"
    # IgorBrigadir tweets twice: the channel row takes the name of the newer tweet's page
    assert channels.loc["twitter:495430242", "name"] == "Igor Brigadir 🇺🇦 @igor@mastodon.social"


# --------------------------------------------------------------------------------------
# genuine API v1.1 search results
# --------------------------------------------------------------------------------------
def test_v1_sample_field_by_field(samples):
    path = samples / V1_SAMPLE
    raw = json.loads(path.read_text(encoding="utf-8"))
    corpus = wb.load(path)
    accounted(corpus)
    m = corpus.messages
    assert len(m) == len(raw) == 20 and corpus.rejected.empty
    assert corpus.files["format"].tolist() == ["twitter-v1"]
    for i, tweet in enumerate(raw):
        ents = tweet["entities"]
        media = tweet.get("extended_entities", {}).get("media") or ents.get("media") or [None]
        reply = tweet["in_reply_to_status_id_str"]
        check(row_of(m, int(tweet["id_str"])),
              platform="twitter", channel_id=f"twitter:{tweet['user']['id_str']}",
              channel=tweet["user"]["name"], date=v1_ts(tweet["created_at"]),
              text=api_text(tweet["full_text"]), forwards=tweet["retweet_count"], views=None,
              reply_to=int(reply) if reply else None, fwd_from_channel_id=None,
              fwd_from_name=None, fwd_from_message_id=None, edited=None,
              mentions=[u["screen_name"] for u in ents["user_mentions"]],
              links=[u["expanded_url"] for u in ents["urls"]],
              hashtags=list(dict.fromkeys(h["text"] for h in ents["hashtags"])),
              media_type=media[0]["type"] if media[0] else None,
              media_name=media[0]["id_str"] if media[0] else None,
              source=f"search_results_2019.json#{i + 1}")  # positions count from 1
    channels = corpus.channels.set_index("channel_id")
    users = {t["user"]["id_str"]: t["user"] for t in raw}
    assert len(channels) == len(users) == 18
    for uid, user in users.items():
        assert channels.loc[f"twitter:{uid}", "handle"] == user["screen_name"]
        assert channels.loc[f"twitter:{uid}", "name"] == user["name"]


def test_v1_sample_hand_checked_values(samples):
    m = wb.load(samples / V1_SAMPLE).messages
    first = row_of(m, 1111098930236932096)  # CloudExpo, a photo and 20 hashtags
    check(first, channel_id="twitter:18854457", channel="CloudEXPO ®", forwards=31,
          date=pd.Timestamp("2019-03-28 02:53:22", tz=UTC), media_type="photo",
          media_name="1111098927468695552", links=[])
    assert first["text"].startswith("We’re on track to deliver 3 million impressions/month")
    assert len(first["hashtags"]) == 20 and first["hashtags"][0] == "HybridCloud"
    quote = row_of(m, 1111213729163722752)  # HN_Will's quote tweet: not a forward
    check(quote, channel_id="twitter:1640328248", fwd_from_name=None)
    assert m["channel_id"].value_counts()["twitter:18854457"] == 3


# --------------------------------------------------------------------------------------
# hand-made files, one quirk per record
# --------------------------------------------------------------------------------------
def quirks(path: Path) -> dict[str, str]:
    """Record locator -> the quirk its ``_quirk`` key names (JSON Lines test files)."""
    out = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").split("\n")):
        for match in re.finditer(r'"_quirk": "([^"]*)"', line):
            out.setdefault(str(n), match.group(1))
    return out


def test_v1_quirks():
    path = DATA / "v1_quirks.jsonl"
    corpus = wb.load(path)
    accounted(corpus)
    m = corpus.messages
    # 18 lines with a record each (line 13 is blank) but line 16, which holds 2 tweets: 19
    assert corpus.files[["records", "loaded", "rejected"]].values.tolist() == [[19, 13, 6]]
    assert len(quirks(path)) == 18
    # line 0: classic 140-character text without full_text
    check(row_of(m, 690000000000000001), channel_id="twitter:100", channel="Abu A",
          date=pd.Timestamp("2016-02-05 11:59", tz=UTC), text="Baqiya @amaq_x #news https://t.co/x",
          mentions=["amaq_x"], links=["http://example.org/a"], hashtags=["news"], forwards=5,
          views=None, source="v1_quirks.jsonl#1")
    # line 1: streaming API: the full text in extended_tweet, with its own entities
    check(row_of(m, 690000000000000002), text="Long words continued to the very end #long",
          hashtags=["long"], links=[], forwards=0)
    # line 2: native retweet: the original's full text, entities and author
    check(row_of(m, 690000000000000003), channel_id="twitter:100",
          text="Original statement in full, longer than the retweet shows it https://t.co/x",
          fwd_from_channel_id="twitter:200", fwd_from_name="amaq_x",
          fwd_from_message_id=690000000000000000,
          fwd_from_date=pd.Timestamp("2016-02-05 10:00", tz=UTC),
          links=["https://t.me/amaq_x_channel"], mentions=[], forwards=40)
    # line 3: reply
    check(row_of(m, 690000000000000004), reply_to=690000000000000001, mentions=["Abu_A"],
          fwd_from_name=None)
    # line 4: quote tweet: not a forward; the quoted URL is a link
    check(row_of(m, 690000000000000006), fwd_from_channel_id=None, fwd_from_name=None,
          fwd_from_message_id=None, text="Read this https://t.co/x",
          links=["https://twitter.com/Abu_A/status/690000000000000001"])
    # line 5: integer ids only
    check(row_of(m, 690000000000000005), channel_id="twitter:300", channel="Umm B",
          forwards=None)
    # line 10: HTML escapes, one escaped twice (decoded once)
    check(row_of(m, 690000000000000010), text="Tom & Jerry <3 > &amp;")
    # line 11: video from extended_entities (not the photo stub in entities), 30.5 s -> 31
    check(row_of(m, 690000000000000011), media_type="video", media_name="555",
          media_duration=31, links=[])
    # line 14: retweeted_status without its user: screen name from the RT prefix, id from
    # line 2's retweeted user
    check(row_of(m, 690000000000000014), channel_id="twitter:300", text="short original",
          fwd_from_name="amaq_x", fwd_from_channel_id="twitter:200",
          fwd_from_message_id=690000000000000013)
    # line 16: a search response with two statuses; line 17: an array of one tweet
    assert row_of(m, 690000000000000016)["source"] == "v1_quirks.jsonl#17/statuses/1"
    assert row_of(m, 690000000000000017)["source"] == "v1_quirks.jsonl#17/statuses/2"
    assert row_of(m, 690000000000000018)["source"] == "v1_quirks.jsonl#18/1"
    rejected = dict(zip(corpus.rejected["source"], corpus.rejected["reason"]))
    assert rejected == {
        "v1_quirks.jsonl#7": "a streaming API 'delete' notice, not a tweet",
        "v1_quirks.jsonl#8": "no user object",
        "v1_quirks.jsonl#9": "created_at '2016-02-05T12:07:00Z' is not like "
                             "'Wed Oct 10 20:19:24 +0000 2018'",
        "v1_quirks.jsonl#10": "duplicate tweet id 690000000000000001 of twitter:100 in this "
                             "file (the first is kept)",
        "v1_quirks.jsonl#13": "line 13 ends before its JSON value does (truncated)",
        "v1_quirks.jsonl#19": "not a tweet (no id_str or id)",
    }
    assert corpus.rejected["raw"].str.contains("_quirk").all()
    # line 15: a later display name; the channel row takes the newest
    channels = corpus.channels.set_index("channel_id")
    assert channels.loc["twitter:100", "name"] == "Abu A (new)"
    assert row_of(m, 690000000000000001)["channel"] == "Abu A"  # the name at that tweet
    assert channels.loc["twitter:100", "handle"] == "Abu_A"
    assert list(channels.index) == ["twitter:100", "twitter:200", "twitter:300"]


def test_v1_search_page_pretty_printed():
    corpus = wb.load(DATA / "v1_search_page.json")
    accounted(corpus)
    m = corpus.messages
    assert m["source"].tolist() == ["v1_search_page.json#statuses/1",
                                    "v1_search_page.json#statuses/2"]
    check(row_of(m, 690000000000000021), channel_id="twitter:200", text="page tweet one #a",
          fwd_from_channel_id="twitter:100", fwd_from_name="Abu_A",
          fwd_from_message_id=690000000000000020, hashtags=["a"], mentions=[])


def test_v2_quirks():
    path = DATA / "v2_quirks.jsonl"
    corpus = wb.load(path)
    accounted(corpus)
    m = corpus.messages
    # page 0: 11 data items; page 2: one; page 4: one; line 5 truncated; line 6 not a page
    assert corpus.files[["records", "loaded", "rejected"]].values.tolist() == [[15, 9, 6]]
    # plain tweet with impression_count and entities
    check(row_of(m, 1600000000000000001), channel_id="twitter:1001", channel="News One",
          text="Statement & update @fan_two #Update https://t.co/a", views=1234, forwards=7,
          mentions=["fan_two"], hashtags=["Update"], links=["https://t.me/news_one_channel"],
          source="v2_quirks.jsonl#1/data/1")
    # retweet: original in includes.tweets, its author not in includes.users
    check(row_of(m, 1600000000000000002), channel_id="twitter:1002",
          text="Original words cut short by the retweet but whole here #full",
          fwd_from_channel_id="twitter:1003", fwd_from_name="orig_three",
          fwd_from_message_id=1599999999999999990,
          fwd_from_date=pd.Timestamp("2016-08-17 09:00", tz=UTC), hashtags=["full"], forwards=4)
    # retweet of a missing tweet: the prefix removed, the source id from its mention entity
    check(row_of(m, 1600000000000000003), text="what was said @news_one",
          fwd_from_channel_id="twitter:900", fwd_from_name="gone_acc",
          fwd_from_message_id=1599999999999999991, fwd_from_date=None, mentions=["news_one"])
    # retweet of a missing tweet, mention without id: the id from page 2's includes.users
    check(row_of(m, 1600000000000000004), text="more words", fwd_from_name="later_acc",
          fwd_from_channel_id="twitter:901")
    # long tweet: note_tweet
    check(row_of(m, 1600000000000000005), hashtags=["longform"], links=[],
          text="A long statement that goes on and on, past 280 characters, to the end. #longform")
    # reply with a photo; the media URL is not a link
    check(row_of(m, 1600000000000000006), reply_to=1600000000000000001, media_type="photo",
          media_name="777", media_duration=None, links=[], mentions=["news_one"])
    # later version of an edited tweet
    check(row_of(m, 1600000000000000008), edited=pd.Timestamp("2016-08-18 10:12", tz=UTC))
    # GIF media key without an includes.media entry
    check(row_of(m, 1600000000000000011), media_type="animated_gif", media_name="888")
    # data as one object
    check(row_of(m, 1600000000000000012), channel="Solo Four",
          source="v2_quirks.jsonl#3/data")
    rejected = dict(zip(corpus.rejected["source"], corpus.rejected["reason"]))
    assert rejected == {
        "v2_quirks.jsonl#1/data/8": "no author_id (collect with the author_id expansion, as "
                                    "twarc2 does)",
        "v2_quirks.jsonl#1/data/9": "created_at 'Thu Aug 18 10:14:00 +0000 2016' is not an "
                                    "ISO 8601 time",
        "v2_quirks.jsonl#1/data/11": "a str, not a tweet object",
        "v2_quirks.jsonl#5/data/1": "duplicate tweet id 1600000000000000001 of twitter:1001 in "
                                    "this file (the first is kept)",
        "v2_quirks.jsonl#6": "line 6 ends before its JSON value does (truncated)",
        "v2_quirks.jsonl#7": "not an API v2 response page or tweet (no 'data', 'includes' or "
                             "'meta'; no tweet 'id' with 'author_id')",
    }
    channels = corpus.channels.set_index("channel_id")
    # authors, and retweet sources (with what the file tells of them)
    assert sorted(channels.index) == ["twitter:1001", "twitter:1002", "twitter:1003",
                                      "twitter:1004", "twitter:900", "twitter:901"]
    assert channels.loc["twitter:901", "name"] == "Later Account"
    assert channels.loc["twitter:900", "handle"] == "gone_acc"
    assert na(channels.loc["twitter:1003", "name"])


def test_v2_flattened():
    corpus = wb.load(DATA / "v2_flattened.jsonl")
    accounted(corpus)
    m = corpus.messages
    assert quirks(DATA / "v2_flattened.jsonl") == {
        "0": "twarc2 flatten: author embedded",
        "1": "twarc2 flatten: retweet with the original embedded in referenced_tweets"}
    check(row_of(m, 1600000000000000020), channel="News One", source="v2_flattened.jsonl#1")
    check(row_of(m, 1600000000000000021), channel="Fan Two", text="flattened tweet",
          fwd_from_channel_id="twitter:1001", fwd_from_name="news_one",
          fwd_from_message_id=1600000000000000020, source="v2_flattened.jsonl#2")


def kaggle_id(username: str, time: str, text: str) -> int:
    """The documented derived id, computed here without the loader."""
    digest = hashlib.blake2b(f"{username.lower()}\n{time}\n{text}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big") & (2**63 - 1)


def test_kaggle_quirks():
    path = DATA / "kaggle_quirks.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # saved as by Excel
    corpus = wb.load(path)
    accounted(corpus)
    m = corpus.messages.set_index("source")  # "#<the line a row starts on>": header is 1
    # 20 rows after the header: one blank (not a record), 15 loaded, 4 rejected
    assert corpus.files[["records", "loaded", "rejected"]].values.tolist() == [[19, 15, 4]]
    statement = "Statement for @umm_y #news https://t.co/AbCd12"
    base = dict(platform="twitter", author_id=None, views=None, forwards=None,
                fwd_from_channel_id=None, fwd_from_message_id=None, fwd_from_date=None,
                reply_to=None, media_type=None, edited=None)
    # row 0: baseline (mention, hashtag, link)
    check(m.loc["kaggle_quirks.csv#2"].to_dict(), **base, channel_id="twitter:name:abu_x",
          channel="Abu X", date=pd.Timestamp("2015-01-06 21:07", tz=UTC), text=statement,
          message_id=kaggle_id("abu_x", "2015-01-06T21:07", statement), fwd_from_name=None,
          mentions=["umm_y"], links=["https://t.co/AbCd12"], hashtags=["news"])
    # row 1: retweet of an account in the file: the prefix removed, source by name only
    check(m.loc["kaggle_quirks.csv#3"].to_dict(), **base, channel_id="twitter:name:umm_y",
          text=statement, fwd_from_name="abu_x", mentions=["umm_y"],
          message_id=kaggle_id("umm_y", "2015-01-07T08:00", "RT @abu_x: " + statement))
    # row 2: retweet of an account not in the file
    check(m.loc["kaggle_quirks.csv#4"].to_dict(), text="words from outside",
          fwd_from_name="outside_z", fwd_from_channel_id=None)
    # row 3: comma, quotes and newline inside the quoted field
    check(m.loc["kaggle_quirks.csv#5"].to_dict(), text='He said, "come"\nsecond line')
    # row 4: HTML escapes decoded
    check(m.loc["kaggle_quirks.csv#7"].to_dict(), text="Q&A <today>",
          message_id=kaggle_id("abu_x", "2015-01-08T10:01", "Q&amp;A &lt;today&gt;"))
    # rows 5-7: a single-digit hour, seconds, an ISO time
    check(m.loc["kaggle_quirks.csv#8"].to_dict(), date=pd.Timestamp("2015-01-09 09:07", tz=UTC))
    check(m.loc["kaggle_quirks.csv#9"].to_dict(),
          date=pd.Timestamp("2015-01-09 09:07:30", tz=UTC),
          message_id=kaggle_id("abu_x", "2015-01-09T09:07:30", "early again"))
    check(m.loc["kaggle_quirks.csv#10"].to_dict(), date=pd.Timestamp("2016-02-05 12:00", tz=UTC))
    # row 11: a new display name: this tweet shows it, and the channel row takes it (newest)
    check(m.loc["kaggle_quirks.csv#14"].to_dict(), channel="Abu X Renamed",
          channel_id="twitter:name:abu_x")
    # row 12: the retweeted name in other letter case
    check(m.loc["kaggle_quirks.csv#15"].to_dict(), fwd_from_name="ABU_X", text="early")
    # row 14: Arabic
    check(m.loc["kaggle_quirks.csv#17"].to_dict(), channel_id="twitter:name:abu_ar",
          channel="أبو", hashtags=["الدولة"])
    # row 15: empty text
    check(m.loc["kaggle_quirks.csv#18"].to_dict(), text=None, mentions=[], links=[])
    # row 16: no mention in an e-mail address or a 25-letter name; RT mid-text is no retweet
    check(m.loc["kaggle_quirks.csv#19"].to_dict(), mentions=["abu_x"], fwd_from_name=None)
    # row 17: username written with "@"; row 19 follows a blank line (row 18)
    check(m.loc["kaggle_quirks.csv#20"].to_dict(), channel_id="twitter:name:umm_c")
    check(m.loc["kaggle_quirks.csv#22"].to_dict(), channel_id="twitter:name:umm_c",
          text="still here")
    rejected = dict(zip(corpus.rejected["source"], corpus.rejected["reason"]))
    assert rejected == {
        "kaggle_quirks.csv#11": "time 'yesterday' is not like '1/6/2015 21:07'",
        "kaggle_quirks.csv#12": "no username",
        "kaggle_quirks.csv#13": "duplicate row: the same username, time and text as an "
                                "earlier row (the first is kept)",
        "kaggle_quirks.csv#16": "4 fields where the header has 8",
    }
    assert corpus.rejected["raw"].str.contains("quirk: ").all()
    channels = corpus.channels
    # every name a channel is known by includes the one it is shown under
    assert all(name in known for name, known in zip(channels["name"], channels["names"]))
    channels = channels.drop(columns="names")
    assert channels.to_dict("list") | {"platform": None, "kind": None} == {
        "channel_id": ["twitter:name:abu_ar", "twitter:name:abu_x", "twitter:name:outside_z",
                       "twitter:name:umm_c", "twitter:name:umm_y"],
        "platform": None, "kind": None,
        "name": ["أبو", "Abu X Renamed", "outside_z", "Umm C", "Umm Y"],
        "handle": ["abu_ar", "abu_x", "outside_z", "umm_c", "umm_y"],
        "resolved": [False] * 5}
    assert set(channels["kind"]) == {"account"}


def test_kaggle_ids_are_stable_and_time_zone_applies(tmp_path):
    path = DATA / "kaggle_quirks.csv"
    first, second = wb.load(path).messages, wb.load(path).messages
    assert first["message_id"].tolist() == second["message_id"].tolist()
    copy = tmp_path / "elsewhere" / "renamed.csv"
    copy.parent.mkdir()
    shutil.copy(path, copy)
    assert set(wb.load(copy).messages["message_id"]) == set(first["message_id"])
    berlin = wb.load(path, tz="Europe/Berlin").messages
    assert berlin["message_id"].tolist() == first["message_id"].tolist()  # ids from local text
    assert (first["date"] - berlin["date"]).eq(pd.Timedelta(hours=1)).all()  # CET in winter


# --------------------------------------------------------------------------------------
# the Kaggle-layout fixture CSV against truth.json
# --------------------------------------------------------------------------------------
def test_fixture_csv_loads_fully(fixtures_dir, truth):
    path = fixtures_dir / "twitter" / "kaggle_how_isis_uses_twitter.csv"
    tw = truth["twitter"]
    corpus = wb.load(path)
    accounted(corpus)
    m = corpus.messages
    assert corpus.rejected.empty
    assert len(m) == tw["tweets"] == 2198
    assert m["channel_id"].nunique() == tw["accounts"] == 62
    assert len(corpus.channels) == tw["accounts"]  # every retweet source tweets itself
    assert m["fwd_from_name"].notna().sum() == tw["retweets"]
    assert str(m["date"].min().date()) == tw["start"] and str(m["date"].max().date()) == tw["end"]
    monthly = m["date"].dt.strftime("%Y-%m").value_counts().sort_index().to_dict()
    assert monthly == tw["monthly"]
    assert m["message_id"].is_unique and set(m["platform"]) == {"twitter"}
    # against the raw rows, read with pandas (not the loader)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    times = pd.to_datetime(raw["time"], format="%m/%d/%Y %H:%M", utc=True)
    want = sorted(zip("twitter:name:" + raw["username"].str.lower(), times,
                      raw["name"], raw["tweets"].str.replace(r"^RT @\w+: ", "", regex=True)))
    got = sorted(zip(m["channel_id"], m["date"], m["channel"], m["text"].fillna("")))
    assert got == want
    ids = sorted(kaggle_id(u, t.strftime("%Y-%m-%dT%H:%M"), x)
                 for u, t, x in zip(raw["username"], times, raw["tweets"]))
    assert sorted(m["message_id"]) == ids
    # the forward network among the accounts: every retweet source is one of them
    edges = wb.network.forward_edges(m)
    assert edges["weight"].sum() == tw["retweets"]
    assert set(edges["source"]) <= set(corpus.channels["channel_id"])


@pytest.fixture(scope="session")
def other_worlds(tmp_path_factory):
    """The Twitter CSV and truth of two more generated worlds (other seeds and sizes)."""
    from workbench.synth import generate_world, write_fixtures

    out = []
    for seed, n in ((3, 15), (41, 25)):
        world = generate_world(seed, n_channels=n, messages_scale=0.2)
        folder = write_fixtures(world, tmp_path_factory.mktemp(f"tw{seed}"))
        out.append((world.truth["twitter"], folder / "twitter"))
    return out


def test_other_worlds_csv_load_fully(other_worlds):
    for tw, folder in other_worlds:
        corpus = wb.load(folder)
        accounted(corpus)
        m = corpus.messages
        assert corpus.rejected.empty and len(m) == tw["tweets"]
        assert m["channel_id"].nunique() == tw["accounts"]
        assert m["fwd_from_name"].notna().sum() == tw["retweets"]
        assert m["date"].dt.strftime("%Y-%m").value_counts().sort_index().to_dict() \
            == tw["monthly"]


def test_load_fixtures_with_twitter(truth):
    plain = wb.load_fixtures()
    both = wb.load_fixtures(twitter=True)
    counts = both.messages["platform"].value_counts()
    assert counts["twitter"] == truth["twitter"]["tweets"]
    assert counts["telegram"] == len(plain.messages) == truth["totals"]["messages"]
    telegram = both.messages[both.messages["platform"] == "telegram"].reset_index(drop=True)
    pd.testing.assert_frame_equal(telegram, plain.messages)
    tweets = both.messages[both.messages["platform"] == "twitter"]
    assert tweets["group"].isna().all() and tweets["channel_id"].str.startswith("twitter:").all()
    assert both.messages["date"].is_monotonic_increasing
    assert len(both.channels) == len(plain.channels) + truth["twitter"]["accounts"]
    assert both.files["path"].iloc[-1] == "twitter/kaggle_how_isis_uses_twitter.csv"
    assert list(both.channels.columns) == list(plain.channels.columns)


# --------------------------------------------------------------------------------------
# detection, compression, errors
# --------------------------------------------------------------------------------------
def test_detection(samples, fixtures_dir):
    cases = {
        samples / "twitter-v2" / name: "twitter-v2" for name in V2_FILES
    } | {
        samples / V1_SAMPLE: "twitter-v1",
        DATA / "v1_quirks.jsonl": "twitter-v1",
        DATA / "v1_search_page.json": "twitter-v1",
        DATA / "v2_quirks.jsonl": "twitter-v2",
        DATA / "v2_flattened.jsonl": "twitter-v2",
        DATA / "kaggle_quirks.csv": "twitter-kaggle",
        fixtures_dir / "twitter" / "kaggle_how_isis_uses_twitter.csv": "twitter-kaggle",
        samples / "telegram-desktop" / "tg2md_2021-07_string_ids.json": "telegram-desktop",
    }
    for path, name in cases.items():
        assert detect.detect(path.read_bytes()[:1024], path).NAME == name, path.name
    with pytest.raises(FormatError) as err:
        detect.detect(b'{"results": [{"title": "x"}]}', label="other.json")
    message = str(err.value)
    for name in ("twitter-v2: JSON without API v2", "twitter-v1: JSON without API v1.1",
                 "twitter-kaggle: not a CSV header line"):
        assert name in message
    assert twitter_kaggle.sniff(b"id,text\n1,hi") is not None
    assert twitter_v1.sniff(b'[{"_": "Message", "id": 1}]').startswith('has "_"')
    assert twitter_v2.sniff(b'{"data": [{"title": "not a tweet"}]}') is not None


def test_compressed_files_load_alike(tmp_path, samples):
    gz = tmp_path / "geo_tweets.jsonl.gz"
    gz.write_bytes(gzip.compress((samples / "twitter-v2" / "geo_tweets.jsonl").read_bytes()))
    zst = tmp_path / "kaggle_quirks.csv.zst"
    zst.write_bytes(zstandard.ZstdCompressor().compress((DATA / "kaggle_quirks.csv").read_bytes()))
    v1 = tmp_path / "v1_quirks.jsonl.gz"
    v1.write_bytes(gzip.compress((DATA / "v1_quirks.jsonl").read_bytes()))
    for packed, plain in ((gz, samples / "twitter-v2" / "geo_tweets.jsonl"),
                          (zst, DATA / "kaggle_quirks.csv"), (v1, DATA / "v1_quirks.jsonl")):
        a, b = wb.load(packed), wb.load(plain)
        cols = [c for c in a.messages.columns if c != "source"]
        pd.testing.assert_frame_equal(a.messages[cols], b.messages[cols])
        assert a.rejected["reason"].tolist() == b.rejected["reason"].tolist()
        assert a.files["format"].tolist() == b.files["format"].tolist()


def test_errors_name_the_file_and_position(tmp_path):
    bad = tmp_path / "tweets.json"
    bad.write_text('[\n  {"id_str": "1", "created_at": "Wed Oct 10 20:19:24 +0000 2018",\n'
                   '   "full_text": "x" "user": {}}\n]')
    with pytest.raises(LoadError, match=r"tweets\.json: invalid JSON at byte \d+ \(line 3\)"):
        wb.load(bad)
    cut = tmp_path / "cut.json"
    cut.write_text('[\n {"id_str": "1", "created_at": "Wed Oct 10 20:19:24 +0000 2018"')
    with pytest.raises(LoadError, match=r"cut\.json: the JSON ends unexpectedly.*truncated"):
        wb.load(cut)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name,username,time,tweets\nJos\xe9,jose,1/6/2015 21:07,ol\xe9\n"
                      .encode("latin-1"))
    with pytest.raises(LoadError, match=r"latin\.csv: not UTF-8 text"):
        wb.load(latin)
    header = tmp_path / "forced.csv"
    header.write_text("id,text\n1,hello\n")
    with pytest.raises(LoadError, match=r"forced\.csv: the header has no 'username', 'time', "
                                        r"'tweets' column"):
        wb.load(header, format="twitter-kaggle")
    with pytest.raises(LoadError, match=r"v1_search_page\.json: no API v2 response page or "
                                        r"tweet in this file"):
        wb.load(DATA / "v1_search_page.json", format="twitter-v2")


# --------------------------------------------------------------------------------------
# mixed loads: one platform's names never resolve to another's channels
# --------------------------------------------------------------------------------------
def test_mixed_load_keys_screen_names_by_id_and_keeps_platforms_apart(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(DATA / "kaggle_quirks.csv", folder)
    (folder / "v1.json").write_text(json.dumps([{
        "id_str": "5", "created_at": "Fri Feb 05 12:00:00 +0000 2016", "full_text": "hi",
        "user": {"id_str": "777", "screen_name": "Abu_X", "name": "Abu X"}}]))
    (folder / "result.json").write_text(json.dumps({
        "name": "Chan", "type": "public_channel", "id": 42, "messages": [
            {"id": 1, "type": "message", "date_unixtime": "1475323260", "text": "x",
             "forwarded_from": "Abu X"}]}))
    with pytest.warns(WorkbenchWarning, match=r"twitter:name:abu_x -> twitter:777"):
        corpus = wb.load(folder)
    accounted(corpus)
    m = corpus.messages
    tweets = m[m["platform"] == "twitter"]
    # the Kaggle account abu_x is the v1.1 account 777 (same screen name, another letter case)
    assert (tweets["channel"].isin(["Abu X", "Abu X Renamed"])
            == (tweets["channel_id"] == "twitter:777")).all()
    assert "twitter:name:abu_x" not in set(corpus.channels["channel_id"])
    # Kaggle retweets of @abu_x / @ABU_X now resolve to the id; @outside_z stays by name
    rts = tweets.dropna(subset=["fwd_from_name"]).set_index("fwd_from_name")
    assert rts.loc["abu_x", "fwd_from_channel_id"] == "twitter:777"
    assert rts.loc["ABU_X", "fwd_from_channel_id"] == "twitter:777"
    assert na(rts.loc["outside_z", "fwd_from_channel_id"])
    # a Telegram forward named like the Twitter account's display name stays a Telegram name
    forward = m[m["platform"] == "telegram"].iloc[0]
    assert na(forward["fwd_from_channel_id"]) and forward["fwd_from_name"] == "Abu X"
    assert "telegram:name:abu x" in set(corpus.channels["channel_id"])


def test_the_same_tweet_in_two_files_is_merged(tmp_path, samples):
    folder = tmp_path / "collections"
    folder.mkdir()
    shutil.copy(samples / "twitter-v2" / "edited.jsonl", folder / "a.jsonl")
    shutil.copy(samples / "twitter-v2" / "edited.jsonl", folder / "b.jsonl")
    with pytest.warns(WorkbenchWarning, match="merged 1 duplicate"):
        corpus = wb.load(folder)
    accounted(corpus)
    assert len(corpus.messages) == 1 and corpus.files["merged"].sum() == 1


# --------------------------------------------------------------------------------------
# fuzzing: damaged records are rejected with a reason, never lost, never a crash
# --------------------------------------------------------------------------------------
_values = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.text(max_size=12),
                    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3),
                                                                         st.integers(), max_size=2))


def _paths(obj, prefix=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield prefix + (k,)
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield prefix + (i,)
            yield from _paths(v, prefix + (i,))


def _mutate(obj, path, value):
    target = obj
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value


_DELETE = object()
_V1_LINES = [line for line in (DATA / "v1_quirks.jsonl").read_text(encoding="utf-8").split("\n")
             if line.startswith("{") and line.endswith("}")]
_V2_PAGE = (DATA / "v2_quirks.jsonl").read_text(encoding="utf-8").split("\n")[0]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_fuzzed_json_records_never_crash(tmp_path, data):
    lines = []
    for source in (data.draw(st.sampled_from(_V1_LINES)), _V2_PAGE):
        doc = json.loads(source)
        paths = list(_paths(doc))
        for _ in range(data.draw(st.integers(1, 4))):
            path = data.draw(st.sampled_from(paths))
            value = data.draw(st.one_of(_values, st.just(_DELETE)))
            try:
                _mutate(doc, path, value)
            except (KeyError, IndexError, TypeError):
                pass
            paths = list(_paths(doc))
            if not paths:
                break
        text = json.dumps(doc)
        if data.draw(st.booleans()):
            text = text[: data.draw(st.integers(1, max(len(text) - 1, 1)))]
        lines.append(text)
    for name, text, fmt in (("v1.jsonl", lines[0], "twitter-v1"), ("v2.jsonl", lines[1],
                                                                     "twitter-v2")):
        path = tmp_path / name
        path.write_text(text + "\n", encoding="utf-8")
        records_read(path, service=False, format=fmt)  # a page without data holds no records


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)),
                                      max_size=20), min_size=0, max_size=9), max_size=8))
def test_fuzzed_kaggle_rows_never_crash(tmp_path, rows):
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(twitter_kaggle.COLUMNS)
    writer.writerows(rows)
    path = tmp_path / "fuzz.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    read = records_read(path, service=False, format="twitter-kaggle")
    if read is not None:
        records = len(list(csv.reader(io.StringIO(buf.getvalue())))) - 1
        blank = sum(1 for r in csv.reader(io.StringIO(buf.getvalue())) if not r)
        assert read == records - blank
