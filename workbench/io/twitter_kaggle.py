"""The Kaggle "How ISIS Uses Twitter" CSV (Fifth Tribe, 2016): one row per tweet with the
columns ``name, username, description, location, followers, numberstatuses, time, tweets``.

How tweets map onto messages is described in :mod:`workbench.io.twitter`. Specific to this
file, which has no ids and no entities:

* the account is ``twitter:name:<username lower-cased>`` (``resolved`` False: the file gives
  no user id), ``channel`` the row's ``name``, ``handle`` its ``username``; the account's
  channel row takes the name of its newest tweet;
* ``time`` (``"1/6/2015 21:07"``, month first, minutes only; seconds and ISO
  ``"2015-01-06 21:07"`` are read too) is taken as **UTC**: the dataset does not say, but its
  times come from the Twitter API, which gives UTC. Pass ``tz=`` to :func:`workbench.load` if a
  file in this layout holds local times;
* ``message_id`` is derived, since the file has none: the first 63 bits of the BLAKE2b hash
  (8-byte digest) of ``"<username lower-cased>\\n<time as YYYY-MM-DDTHH:MM[:SS]>\\n<tweet as
  written>"``, so the same tweet gets the same id in every run and every copy of the file. A
  row with the same username, time and text as an earlier one is rejected as a duplicate;
* a tweet starting ``RT @user:`` is a retweet of ``user``: ``fwd_from_name`` is that screen
  name, ``fwd_from_channel_id`` stays null (no id is known; ``forward_edges`` and the channels
  table key the source as ``twitter:name:<user>``, the same key as that account's own tweets),
  and the text is the rest after the prefix (cut to 140 characters by Twitter at the time);
* ``mentions``, ``links`` and ``hashtags`` are found in the text;
* ``description``, ``location``, ``followers`` and ``numberstatuses`` are profile snapshots,
  not loaded.

``source`` is ``<file>#<line>``, the line the row starts on (the header is line 1, so the first
row is ``#2``).

Examples
--------
>>> import tempfile, workbench as wb
>>> from pathlib import Path
>>> path = Path(tempfile.mkdtemp()) / "tweets.csv"
>>> _ = path.write_text(
...     "name,username,description,location,followers,numberstatuses,time,tweets\\n"
...     "Abu X,abu_x,,,10,5,1/6/2015 21:07,Join us https://t.me/abu_x_channel\\n"
...     "Umm Y,UmmY,,,3,9,2/5/2016 9:30,RT @abu_x: Join us https://t.me/abu_x_channel\\n")
>>> c = wb.load(path)
>>> c.messages[["channel_id", "date", "text", "fwd_from_name", "links"]].to_dict("records")
... # doctest: +NORMALIZE_WHITESPACE
[{'channel_id': 'twitter:name:abu_x', 'date': Timestamp('2015-01-06 21:07:00+0000', tz='UTC'),
  'text': 'Join us https://t.me/abu_x_channel', 'fwd_from_name': None,
  'links': ['https://t.me/abu_x_channel']},
 {'channel_id': 'twitter:name:ummy', 'date': Timestamp('2016-02-05 09:30:00+0000', tz='UTC'),
  'text': 'Join us https://t.me/abu_x_channel', 'fwd_from_name': 'abu_x',
  'links': ['https://t.me/abu_x_channel']}]
>>> c.channels[["channel_id", "kind", "name", "handle", "resolved"]].to_dict("records")
... # doctest: +NORMALIZE_WHITESPACE
[{'channel_id': 'twitter:name:abu_x', 'kind': 'account', 'name': 'Abu X', 'handle': 'abu_x',
  'resolved': False},
 {'channel_id': 'twitter:name:ummy', 'kind': 'account', 'name': 'Umm Y', 'handle': 'UmmY',
  'resolved': False}]
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
from datetime import datetime
from pathlib import Path

from ..errors import LoadError
from .builder import FileOutput
from .records import check_ns, time_reason
from .sources import Source
from .streams import iter_csv
from .twitter import Tweets, split_retweet, text_entities, unescape

__all__ = ["NAME", "SUFFIXES", "COLUMNS", "sniff", "read", "message_id"]

NAME = "twitter-kaggle"
SUFFIXES = (".csv",)
#: The columns of the Kaggle file, in its order.
COLUMNS = ("name", "username", "description", "location", "followers", "numberstatuses",
           "time", "tweets")
_REQUIRED = ("username", "time", "tweets")
_US_TIME = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?")
_ISO_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?")
_MASK = (1 << 63) - 1


def _header(head: bytes) -> list[str] | None:
    text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(head, final=False)
    text = text.lstrip("\ufeff")
    line = text.split("\n", 1)[0].rstrip("\r")
    if not line or line.lstrip()[:1] in ("{", "[", "<"):
        return None
    try:
        fields = next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return None
    return [f.strip().lower() for f in fields]


def sniff(head: bytes, path: Path | None = None) -> str | None:
    """None when the first line is a CSV header with (at least) ``username``, ``time`` and
    ``tweets``.

    Examples
    --------
    >>> sniff(b"name,username,description,location,followers,numberstatuses,time,tweets\\n")
    >>> sniff(b"id,text\\n1,hello")
    "a CSV header without 'username', 'time', 'tweets' (the Kaggle How ISIS Uses Twitter columns)"
    """
    names = _header(head)
    if names is None:
        return "not a CSV header line"
    if all(col in names for col in _REQUIRED):
        return None
    return ("a CSV header without 'username', 'time', 'tweets' (the Kaggle How ISIS Uses "
            "Twitter columns)")


def parse_time(value: str) -> tuple[datetime, str]:
    """A naive datetime and its normalised spelling (``YYYY-MM-DDTHH:MM[:SS]``) from
    ``"1/6/2015 21:07"`` (month first) or ``"2015-01-06 21:07"``.

    Raises
    ------
    ValueError
        For anything else.

    Examples
    --------
    >>> parse_time("1/6/2015 9:07")
    (datetime.datetime(2015, 1, 6, 9, 7), '2015-01-06T09:07')
    """
    text = value.strip()
    match = _US_TIME.fullmatch(text)
    if match:
        month, day, year, hour, minute, second = match.groups()
    else:
        match = _ISO_TIME.fullmatch(text)
        if not match:
            raise ValueError(value)
        year, month, day, hour, minute, second = match.groups()
    dt = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
    spelled = dt.strftime("%Y-%m-%dT%H:%M") + (f":{int(second):02d}" if second else "")
    return dt, spelled


def message_id(username: str, time: str, text: str) -> int:
    """The derived, stable id of a Kaggle row (see the module notes): ``time`` normalised
    (:func:`parse_time`), ``text`` as written in the file.

    Examples
    --------
    >>> same = message_id("ABU_X", "2015-01-06T21:07", "hello")
    >>> message_id("abu_x", "2015-01-06T21:07", "hello") == same
    True
    """
    data = f"{username.lower()}\n{time}\n{text}".encode("utf-8", errors="surrogatepass")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big") & _MASK


def read(source: Source, out: FileOutput) -> None:
    """Read one Kaggle-layout CSV into ``out``.

    Raises
    ------
    LoadError
        The file is not UTF-8, not CSV, or lacks the ``username``, ``time`` or ``tweets``
        column.
    """
    label = source.label
    tweets = Tweets(out, defer=False)
    tz = out.tz
    rows = iter_csv(source, out)
    _, header = next(rows, (0, None))
    if header is None:
        raise LoadError(f"{label}: empty file: nothing to load")
    names = [h.strip().lower() for h in header]
    missing = [c for c in _REQUIRED if c not in names]
    if missing:
        raise LoadError(f"{label}: the header has no {', '.join(map(repr, missing))} "
                        f"column (found {header[:10]})")
    at = {c: names.index(c) for c in COLUMNS if c in names}
    for line, fields in rows:
        if not fields:
            continue  # a blank line is no record
        _read_row(fields, str(line), names, at, tz, tweets)
    tweets.finish()


def _read_row(fields: list[str], where: str, names: list[str], at: dict, tz,
              tweets: Tweets) -> None:
    out = tweets.out
    width = len(names)
    raw = dict(zip(names, fields)) if len(fields) == width else fields
    if len(fields) != width:
        out.reject(where, f"{len(fields)} fields where the header has {width}", raw)
        return
    username = fields[at["username"]].strip().lstrip("@")
    if not username:
        out.reject(where, "no username", raw)
        return
    written = fields[at["time"]]
    try:
        naive, spelled = parse_time(written)
    except (ValueError, OverflowError):
        out.reject(where, f"time {written!r} is not like '1/6/2015 21:07'", raw)
        return
    try:
        date = check_ns(int(naive.replace(tzinfo=tz).timestamp()) * 1_000_000_000, written)
    except (ValueError, OverflowError) as exc:
        out.reject(where, time_reason("time", written, exc), raw)
        return
    tweet = fields[at["tweets"]]
    name = fields[at["name"]].strip() if "name" in at else ""
    cid = tweets.named(username, name or None, level=2, date=date)
    screen, rest = split_retweet(unescape(tweet))
    mentions, links, hashtags = text_entities(rest)
    tweets.add(where, raw,
               duplicate="duplicate row: the same username, time and text as an earlier row "
                         "(the first is kept)",
               channel_id=cid, channel=name or None,
               message_id=message_id(username, spelled, tweet), date=date,
               text=rest or None, fwd_from_name=screen, mentions=mentions, links=links,
               hashtags=hashtags)
