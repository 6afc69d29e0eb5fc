"""Twitter API v2 responses as twarc2 writes them (``twarc2 search``, ``timeline``, ``tweets``).

A file is JSON Lines with one response page per line (or one page, or an array of pages, as a
plain JSON file): ``{"data": [tweet, ...], "includes": {"users": [...], "tweets": [...],
"media": [...]}, "meta": {...}, "__twarc": {...}}``. Each tweet in ``data`` is one record; the
``includes`` describe them (authors, the tweets they retweet, quote or reply to, media) and
are not records themselves. Pages without ``data`` (no results, errors only) hold no records.
Lines of ``twarc2 flatten`` output (one tweet per line with its ``author`` and referenced
tweets embedded) are read too.

How tweets map onto messages is described in :mod:`workbench.io.twitter`. Specific to v2:

* the account is ``author_id`` (a tweet without it is rejected: collect with twarc2's default
  expansions); its display name and screen name come from ``includes.users``;
* ``referenced_tweets``: ``retweeted`` makes a forward whose text, entities and media are the
  original's from ``includes.tweets`` (``note_tweet`` text when the original is a long tweet);
  when the original is missing (deleted, or not expanded), the source's screen name comes from
  the ``RT @name:`` prefix, its id from the mention entity or ``includes.users``, else from any
  user object in the same file with that screen name; ``replied_to`` sets ``reply_to``;
  ``quoted`` changes nothing;
* ``views`` is ``public_metrics.impression_count`` when present, ``forwards`` ``retweet_count``;
* long tweets: ``note_tweet.text`` (and its entities) instead of the cut ``text``.

Examples
--------
>>> import json, tempfile, workbench as wb
>>> from pathlib import Path
>>> page = {"data": [{"id": "20", "author_id": "12", "text": "hello &amp; welcome #intro",
...                   "created_at": "2016-02-05T12:00:00.000Z",
...                   "entities": {"hashtags": [{"start": 17, "end": 23, "tag": "intro"}]},
...                   "public_metrics": {"retweet_count": 3, "reply_count": 0,
...                                      "like_count": 1, "quote_count": 0}}],
...         "includes": {"users": [{"id": "12", "username": "jack", "name": "Jack"}]},
...         "__twarc": {"version": "2.14.0"}}
>>> path = Path(tempfile.mkdtemp()) / "search.jsonl"
>>> _ = path.write_text(json.dumps(page) + "\\n")
>>> m = wb.load(path).messages
>>> m[["channel_id", "channel", "message_id", "text", "forwards", "hashtags", "source"]
...   ].to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
[{'channel_id': 'twitter:12', 'channel': 'Jack', 'message_id': 20,
  'text': 'hello & welcome #intro', 'forwards': 3, 'hashtags': ['intro'],
  'source': 'search.jsonl#1/data/1'}]
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import LoadError
from .builder import FileOutput
from .records import time_reason
from .sources import Source
from .twitter import (BadRecord, Invalid, Tweets, api_entities, foreign_json, iso_time_ns,
                      json_documents, json_start, media_id, split_retweet, tweet_id, unescape,
                      user_key)

__all__ = ["NAME", "SUFFIXES", "sniff", "read"]

NAME = "twitter-v2"
SUFFIXES = (".jsonl", ".json", ".ndjson")

_PAGE_START = re.compile(rb'^[\[\s]*\{\s*"(?:data|includes|meta|errors|__twarc)"\s*:')
_V2_KEYS = (b'"author_id"', b'"edit_history_tweet_ids"', b'"conversation_id"',
            b'"public_metrics"', b'"referenced_tweets"', b'"__twarc"', b'"result_count"',
            b'"reply_settings"', b'"newest_id"')
_FLAT_KEYS = (b'"conversation_id"', b'"edit_history_tweet_ids"', b'"public_metrics"',
              b'"__twarc"', b'"referenced_tweets"', b'"reply_settings"')
#: Media type by the number before the underscore of a v2 ``media_key``.
_MEDIA_KEY_TYPES = {"3": "photo", "7": "video", "16": "animated_gif"}


def sniff(head: bytes, path: Path | None = None) -> str | None:
    """None when ``head`` looks like twarc2 output (API v2 pages or flattened tweets).

    Examples
    --------
    >>> sniff(b'{"data": [{"author_id": "12", "id": "20", "text": "hi"}], "includes": {}}')
    >>> sniff(b'[{"created_at": "Wed Oct 10 20:19:24 +0000 2018", "id_str": "1"}]')
    'JSON without API v2 tweet fields (data with author_id, public_metrics, __twarc, ...)'
    """
    text = json_start(head)
    reason = foreign_json(text)
    if reason:
        return reason
    if _PAGE_START.match(text) and any(k in text for k in _V2_KEYS):
        return None
    if text[:1] == b"{" and b'"author_id"' in text and any(k in text for k in _FLAT_KEYS):
        return None  # twarc2 flatten: one tweet per line
    return "JSON without API v2 tweet fields (data with author_id, public_metrics, __twarc, ...)"


def read(source: Source, out: FileOutput) -> None:
    """Read one file of twarc2 output into ``out``.

    Raises
    ------
    LoadError
        A plain JSON file that is not valid JSON, or holds no API v2 page.
    """
    tweets = Tweets(out)
    pages = 0
    for loc, doc in json_documents(source, out):
        if isinstance(doc, Invalid):
            out.reject(loc, doc.reason, doc.raw)
            continue
        items = doc if isinstance(doc, list) else [doc]
        for j, item in enumerate(items, 1):
            where = loc if not isinstance(doc, list) else (f"{loc}/{j}" if loc else str(j))
            if isinstance(item, dict) and _is_page(item):
                pages += 1
                _read_page(item, where, tweets)
            elif isinstance(item, dict) and "id" in item and "author_id" in item:
                pages += 1
                _read_page(_flat_page(item), where, tweets, flat=True)
            else:
                out.reject(where or "1", "not an API v2 response page or tweet (no 'data', "
                           "'includes' or 'meta'; no tweet 'id' with 'author_id')", item)
    if pages == 0:
        raise LoadError(f"{source.label}: no API v2 response page or tweet in this file")
    tweets.finish()


def _is_page(item: dict) -> bool:
    return any(k in item for k in ("data", "includes", "meta", "errors")) and "id" not in item


def _flat_page(tweet: dict) -> dict:
    """A one-tweet page from a ``twarc2 flatten`` line: embedded authors and referenced tweets
    become ``includes``."""
    users, refs = [], []
    author = tweet.get("author")
    if isinstance(author, dict):
        users.append(author)
    for ref in tweet.get("referenced_tweets") or []:
        if isinstance(ref, dict) and "text" in ref:
            refs.append(ref)
            if isinstance(ref.get("author"), dict):
                users.append(ref["author"])
    return {"data": [tweet], "includes": {"users": users, "tweets": refs}}


def _index(items: object, key: str) -> dict:
    if not isinstance(items, list):
        return {}
    return {str(item[key]): item for item in items if isinstance(item, dict) and key in item}


def _read_page(page: dict, loc: str, tweets: Tweets, *, flat: bool = False) -> None:
    out = tweets.out
    includes = page.get("includes")
    includes = includes if isinstance(includes, dict) else {}
    users = _index(includes.get("users"), "id")
    refs = _index(includes.get("tweets"), "id")
    media = _index(includes.get("media"), "media_key")
    for uid, user in users.items():
        try:
            tweets.note_handle(user.get("username"), user_key(uid), user.get("name"))
        except BadRecord:
            pass
    data = page.get("data")
    if data is None:
        return
    single = isinstance(data, dict)
    for i, tweet in enumerate([data] if single else data if isinstance(data, list) else [data],
                              1):
        if flat:
            where = loc or "1"
        else:
            where = f"{loc}/data" if single else f"{loc}/data/{i}"
            where = where.lstrip("/")
        if not isinstance(tweet, dict):
            out.reject(where, f"a {type(tweet).__name__}, not a tweet object", tweet)
            continue
        tweets.add_or_reject(where, tweet, _row, tweet, users, refs, media, tweets)


def _time(value: object, what: str) -> int:
    if value is None:
        raise BadRecord(f"no {what}")
    try:
        return iso_time_ns(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise BadRecord(time_reason(what, value, exc, "an ISO 8601 time")) from None


def _text_of(tweet: dict) -> tuple[str | None, dict]:
    """The full text and its entities (a long tweet's ``note_tweet`` when present)."""
    note = tweet.get("note_tweet")
    if isinstance(note, dict) and isinstance(note.get("text"), str):
        ents = note.get("entities")
        return note["text"], ents if isinstance(ents, dict) else {}
    text = tweet.get("text")
    if text is not None and not isinstance(text, str):
        raise BadRecord(f"text is a {type(text).__name__}, not a string")
    ents = tweet.get("entities")
    return text, ents if isinstance(ents, dict) else {}


def _media(tweet: dict, media: dict) -> tuple[str | None, str | None, int | None]:
    attachments = tweet.get("attachments")
    keys = attachments.get("media_keys") if isinstance(attachments, dict) else None
    if not keys:
        return None, None, None
    key = str(keys[0])
    item = media.get(key, {})
    kind = item.get("type") or _MEDIA_KEY_TYPES.get(key.split("_", 1)[0], "document")
    ms = item.get("duration_ms")
    duration = int(ms + 500) // 1000 if isinstance(ms, (int, float)) and ms > 0 else None
    return kind, media_id(key), duration


def _row(tweet: dict, users: dict, refs: dict, media: dict, tweets: Tweets) -> dict:
    mid = tweet_id(tweet.get("id"))
    author = tweet.get("author_id")
    if author is None:
        raise BadRecord("no author_id (collect with the author_id expansion, as twarc2 does)")
    date = _time(tweet.get("created_at"), "created_at")
    user = users.get(str(author), {})
    cid = tweets.user(user_key(author), user.get("username"), user.get("name"), level=2,
                      date=date)
    retweeted = reply = None
    for ref in tweet.get("referenced_tweets") or []:
        kind = ref.get("type")
        if kind == "retweeted" and retweeted is None:
            retweeted = tweet_id(ref.get("id"), "retweeted tweet id")
        elif kind == "replied_to" and reply is None:
            reply = tweet_id(ref.get("id"), "replied-to tweet id")
    text, ents = _text_of(tweet)
    content = tweet
    fwd = {}
    skip_rt_mention = False
    if retweeted is not None:
        screen, rest = split_retweet(text)
        original = refs.get(str(retweeted))
        fwd["fwd_from_message_id"] = retweeted
        if isinstance(original, dict):
            content = original
            text, ents = _text_of(original)
            source_author = original.get("author_id")
            source_user = users.get(str(source_author), {})
            screen = source_user.get("username") or screen
            try:
                fwd["fwd_from_date"] = iso_time_ns(original.get("created_at"))
            except (ValueError, TypeError, OverflowError):
                pass
            if source_author is not None:
                fwd["fwd_from_channel_id"] = tweets.user(
                    user_key(source_author), screen, source_user.get("name"), level=1,
                    date=fwd.get("fwd_from_date", 0))
            fwd["fwd_from_name"] = screen or source_user.get("name")
        else:
            text = rest
            skip_rt_mention = True
            fwd["fwd_from_name"] = screen
            if screen:
                for m in ents.get("mentions") or []:
                    if m.get("username") == screen and m.get("id"):
                        fwd["fwd_from_channel_id"] = tweets.user(user_key(m["id"]), screen,
                                                                 None, level=0)
                        break
    mentions, links, hashtags = api_entities(ents, "v2", skip_rt_mention=skip_rt_mention)
    media_type, media_name, duration = _media(content, media)
    metrics = tweet.get("public_metrics")
    metrics = metrics if isinstance(metrics, dict) else {}
    views, forwards = metrics.get("impression_count"), metrics.get("retweet_count")
    history = tweet.get("edit_history_tweet_ids")
    edited = None
    if isinstance(history, list) and len(history) > 1 and str(history[0]) != str(mid):
        edited = date
    return dict(channel_id=cid, channel=user.get("name"), message_id=mid, date=date,
                text=unescape(text) if text else None, reply_to=reply,
                views=views if type(views) is int else None,
                forwards=forwards if type(forwards) is int else None, edited=edited,
                media_type=media_type, media_name=media_name, media_duration=duration,
                mentions=mentions, links=links, hashtags=hashtags, **fwd)
