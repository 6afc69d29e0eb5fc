"""Twitter API v1.1 tweets: a JSON array of tweets, a search response ``{"statuses": [...]}``,
or JSON Lines with one tweet (or one such response) per line, as twarc 1, tweepy scripts and
the streaming API write them.

Each tweet object is one record. How tweets map onto messages is described in
:mod:`workbench.io.twitter`. Specific to v1.1:

* ids from ``id_str`` (``id`` when there is no ``id_str``), the account from the embedded
  ``user`` (``id_str``, ``screen_name``, ``name``); a tweet without a user is rejected;
* text: ``full_text`` (extended mode), else ``extended_tweet.full_text`` (streaming API), else
  ``text``; the entities (and media) that go with that text;
* ``retweeted_status`` makes the tweet a forward of the embedded original, whose full text,
  entities and media it carries; ``quoted_status`` does not; ``in_reply_to_status_id_str``
  sets ``reply_to``; ``retweet_count`` is ``forwards`` (v1.1 has no views);
* streaming notices (``{"delete": ...}``, ``{"limit": ...}``) are rejected as not tweets.

Examples
--------
>>> import json, tempfile, workbench as wb
>>> from pathlib import Path
>>> tweet = {"id_str": "30", "created_at": "Fri Feb 05 12:00:00 +0000 2016",
...          "full_text": "RT @amaq_x: full words", "retweet_count": 4,
...          "user": {"id_str": "12", "screen_name": "jack", "name": "Jack"},
...          "entities": {"user_mentions": [{"screen_name": "amaq_x"}]},
...          "retweeted_status": {"id_str": "29", "created_at": "Fri Feb 05 11:00:00 +0000 2016",
...              "full_text": "full words #news", "entities": {"hashtags": [{"text": "news"}]},
...              "user": {"id_str": "7", "screen_name": "amaq_x", "name": "Amaq X"}}}
>>> path = Path(tempfile.mkdtemp()) / "tweets.json"
>>> _ = path.write_text(json.dumps([tweet]))
>>> m = wb.load(path).messages.iloc[0]
>>> m["text"], m["fwd_from_channel_id"], m["fwd_from_name"], m["fwd_from_message_id"]
('full words #news', 'twitter:7', 'amaq_x', np.int64(29))
>>> m["hashtags"], m["forwards"], m["source"]
(['news'], np.int64(4), 'tweets.json#1')
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import LoadError
from .builder import FileOutput
from .records import time_reason
from .sources import Source
from .twitter import (BadRecord, Invalid, Tweets, api_entities, foreign_json, json_documents,
                      json_start, media_id, split_retweet, tweet_id, unescape, user_key,
                      v1_time_ns)

__all__ = ["NAME", "SUFFIXES", "sniff", "read"]

NAME = "twitter-v1"
SUFFIXES = (".json", ".jsonl", ".ndjson")

_V1_DATE = re.compile(rb'"created_at"\s*:\s*"[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d '
                      rb'[+-]\d{4} \d{4}"')
_V1_KEYS = (b'"id_str"', b'"screen_name"', b'"user_mentions"', b'"in_reply_to_status_id',
            b'"full_text"', b'"favorite_count"', b'"is_quote_status"', b'"retweeted_status"',
            b'"extended_tweet"')
_V2_KEYS = (b'"author_id"', b'"edit_history_tweet_ids"', b'"__twarc"', b'"public_metrics"')
_STATUSES = re.compile(rb'^\{\s*"(?:statuses|search_metadata)"\s*:')
#: Streaming API messages that are not tweets.
_NOTICES = ("delete", "scrub_geo", "limit", "status_withheld", "user_withheld", "disconnect",
            "warning", "event", "friends", "direct_message")


def sniff(head: bytes, path: Path | None = None) -> str | None:
    """None when ``head`` looks like API v1.1 tweets.

    Examples
    --------
    >>> sniff(b'[{"created_at": "Wed Oct 10 20:19:24 +0000 2018", "id_str": "1"}]')
    >>> sniff(b'{"statuses": [], "search_metadata": {}}')
    >>> sniff(b'{"data": [{"author_id": "12"}]}')
    'API v2 fields (author_id, public_metrics, __twarc), not v1.1'
    """
    text = json_start(head)
    reason = foreign_json(text)
    if reason:
        return reason
    if any(k in text for k in _V2_KEYS):
        return "API v2 fields (author_id, public_metrics, __twarc), not v1.1"
    if _STATUSES.match(text) or _V1_DATE.search(text) or any(k in text for k in _V1_KEYS):
        return None
    return ("JSON without API v1.1 tweet fields (id_str, created_at like 'Wed Oct 10 20:19:24 "
            "+0000 2018', user.screen_name, entities.user_mentions, ...)")


def read(source: Source, out: FileOutput) -> None:
    """Read one file of API v1.1 tweets into ``out``.

    Raises
    ------
    LoadError
        A plain JSON file that is not valid JSON, or whose top level holds no tweets.
    """
    tweets = Tweets(out)
    for loc, doc in json_documents(source, out):
        if isinstance(doc, Invalid):
            out.reject(loc, doc.reason, doc.raw)
            continue
        if loc == "" and isinstance(doc, dict) and not isinstance(doc.get("statuses"), list) \
                and not _is_tweet(doc):
            raise LoadError(f"{source.label}: a JSON object that is neither a tweet nor a "
                            "search response with 'statuses': not API v1.1 tweets")
        for where, item in _records(loc, doc):
            _read_tweet(item, where, tweets)
    tweets.finish()


def _is_tweet(doc: dict) -> bool:
    return "created_at" in doc or "id_str" in doc or "user" in doc


def _records(loc: str, doc: object):
    """``(locator, record)`` for the tweets of one document."""
    prefix = f"{loc}/" if loc else ""
    if isinstance(doc, list):
        for i, item in enumerate(doc, 1):
            yield f"{prefix}{i}", item
    elif isinstance(doc, dict) and isinstance(doc.get("statuses"), list):
        for i, item in enumerate(doc["statuses"], 1):
            yield f"{prefix}statuses/{i}", item
    else:
        yield loc or "1", doc


def _read_tweet(item: object, where: str, tweets: Tweets) -> None:
    out = tweets.out
    if not isinstance(item, dict):
        out.reject(where, f"a {type(item).__name__}, not a tweet object", item)
        return
    if "id_str" not in item and "id" not in item:
        notice = next((k for k in _NOTICES if k in item), None)
        if notice:
            out.reject(where, f"a streaming API {notice!r} notice, not a tweet", item)
        else:
            out.reject(where, "not a tweet (no id_str or id)", item)
        return
    tweets.add_or_reject(where, item, _row, item, tweets)


def _time(value: object, what: str) -> int:
    if value is None:
        raise BadRecord(f"no {what}")
    try:
        return v1_time_ns(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise BadRecord(time_reason(what, value, exc, "like 'Wed Oct 10 20:19:24 +0000 2018'")) \
            from None


def _id_of(obj: dict, what: str) -> int:
    return tweet_id(obj.get("id_str") if obj.get("id_str") is not None else obj.get("id"), what)


def _account(user: object, what: str) -> tuple[str, str | None, str | None]:
    if not isinstance(user, dict):
        raise BadRecord(f"no {what} object" if user is None else f"{what} is not an object")
    return user_key(user.get("id_str") if user.get("id_str") is not None else user.get("id")), \
        user.get("screen_name"), user.get("name")


def _content(status: dict) -> tuple[str | None, dict, list]:
    """Full text, entities and media list of a status, in the order the API documents."""
    ext = status.get("extended_tweet")
    if "full_text" in status:
        text, holder = status["full_text"], status
    elif isinstance(ext, dict) and "full_text" in ext:
        text, holder = ext["full_text"], ext
    else:
        text, holder = status.get("text"), status
    if text is not None and not isinstance(text, str):
        raise BadRecord(f"text is a {type(text).__name__}, not a string")
    ents = holder.get("entities")
    ents = ents if isinstance(ents, dict) else {}
    extended = holder.get("extended_entities")
    media = (extended.get("media") if isinstance(extended, dict) else None) or \
        ents.get("media") or []
    return text, ents, media


def _media(media: list) -> tuple[str | None, str | None, int | None]:
    if not media or not isinstance(media[0], dict):
        return None, None, None
    first = media[0]
    info = first.get("video_info")
    ms = info.get("duration_millis") if isinstance(info, dict) else None
    duration = int(ms + 500) // 1000 if isinstance(ms, (int, float)) and ms > 0 else None
    return (first.get("type") or "photo",
            media_id(first.get("id_str") if first.get("id_str") is not None else first.get("id")),
            duration)


def _row(tweet: dict, tweets: Tweets) -> dict:
    mid = _id_of(tweet, "tweet id")
    date = _time(tweet.get("created_at"), "created_at")
    uid, screen, name = _account(tweet.get("user"), "user")
    cid = tweets.user(uid, screen, name, level=2, date=date)
    content = tweet
    fwd = {}
    original = tweet.get("retweeted_status")
    if isinstance(original, dict):
        content = original
        own_text = _content(tweet)[0]
        try:
            fwd["fwd_from_message_id"] = _id_of(original, "retweeted tweet id")
        except BadRecord:
            pass
        try:
            fwd["fwd_from_date"] = v1_time_ns(original.get("created_at"))
        except (ValueError, TypeError, OverflowError):
            pass
        try:
            source_id, source_screen, source_name = _account(original.get("user"), "user")
        except BadRecord:
            source_id, source_name = None, None
            source_screen = split_retweet(own_text)[0]
        if source_id is not None:
            fwd["fwd_from_channel_id"] = tweets.user(source_id, source_screen, source_name,
                                                     level=1, date=fwd.get("fwd_from_date", 0))
        fwd["fwd_from_name"] = source_screen or source_name
    text, ents, media = _content(content)
    mentions, links, hashtags = api_entities(ents, "v1.1")
    media_type, media_name, duration = _media(media)
    reply = tweet.get("in_reply_to_status_id_str")
    if reply is None:
        reply = tweet.get("in_reply_to_status_id")
    forwards = tweet.get("retweet_count")
    edited = None
    history = tweet.get("edit_history")
    if isinstance(history, dict) and history.get("initial_tweet_id") not in (None, str(mid), mid):
        edited = date
    return dict(channel_id=cid, channel=name if isinstance(name, str) else None,
                message_id=mid, date=date, text=unescape(text) if text else None,
                reply_to=tweet_id(reply, "in_reply_to_status_id") if reply is not None else None,
                forwards=forwards if type(forwards) is int else None, edited=edited,
                media_type=media_type, media_name=media_name, media_duration=duration,
                mentions=mentions, links=links, hashtags=hashtags, **fwd)
