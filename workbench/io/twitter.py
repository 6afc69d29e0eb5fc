"""Twitter inputs: what the three Twitter readers share.

The readers are :mod:`.twitter_v1` (API v1.1 tweets), :mod:`.twitter_v2` (API v2 pages as
twarc2 writes them) and :mod:`.twitter_kaggle` (the Kaggle "How ISIS Uses Twitter" CSV). Every
one of them maps a tweet onto the canonical tables the same way:

* ``platform`` is ``"twitter"``; an account is a channel of ``kind`` ``"account"``:
  ``channel_id`` ``twitter:<user id>``, or ``twitter:name:<screen name lower-cased>`` when the
  input gives no id (the Kaggle CSV) and the load cannot map the name to an id (``resolved`` is
  False for those; when another file of the same load gives that screen name's id, the build
  re-keys the account ``twitter:<id>``); ``channel`` is the display name as the tweet shows it,
  ``handle`` the screen name. ``author_id``/``author`` stay null: the account is the channel.
* ``message_id`` is the tweet id; ``date`` its ``created_at`` (UTC).
* A **retweet** is a forward: ``fwd_from_channel_id`` is ``twitter:<id>`` of the original
  author when the input (or another file of the load, by screen name) gives that id; null
  otherwise, as for unresolved Telegram forward sources, and the channels table then has a
  ``twitter:name:<screen name>`` row, the key ``forward_edges`` uses too; ``fwd_from_name``
  the original author's screen name (the display name only when no screen name is given),
  ``fwd_from_message_id`` the original tweet id and ``fwd_from_date`` its ``created_at``, where
  the input has them. The **text of a retweet is the retweeted text in full** (v1.1:
  ``retweeted_status``; v2: the original in ``includes.tweets``), without the ``RT @user:``
  prefix and the 140-character cut of the retweet's own text; its mentions, links, hashtags and
  media are the original's. When the original is not in the input, the retweet's own text is
  used with the prefix removed.
* A **reply** sets ``reply_to`` to the replied-to tweet id. A quote is not a forward: it keeps
  its own text (the quoted tweet's URL is among its links when the text carries it).
* ``views`` is ``impression_count`` (API v2 only, when collected); ``forwards`` is
  ``retweet_count``. The Kaggle CSV has neither.
* ``mentions``, ``links`` and ``hashtags`` come from the tweet's entities (screen names without
  ``@``, expanded URLs, tags without ``#``); URLs of attached media are not links. Without
  entities (the Kaggle CSV) they are found in the text: ``@name`` (1-20 letters,
  digits and underscores, as twitter-text reads them), ``http(s)://`` URLs as written and ``#tags``.
* ``&amp;``, ``&lt;`` and ``&gt;``, which the Twitter API writes for ``&``, ``<`` and ``>``,
  are decoded in the text (nothing else is: the text stays hostile until escaped for display).
* Media: ``media_type`` is the first attachment's type (``photo``, ``video``,
  ``animated_gif``), ``media_name`` its media id (the digits of a v2 ``media_key``, v1.1
  ``id_str``: the same for one upload in both APIs), ``media_duration`` the video length in
  whole seconds (rounded half up).
* ``edited`` is ``created_at`` of a tweet that is a later version in an edit history
  (``edit_history_tweet_ids``): Twitter gives each version its own id, so versions are
  separate messages and ``edited`` marks the ones whose text was edited at that time.
* Every record is accounted for: loaded, or rejected with a reason (a repeated tweet id within
  one file is rejected as a duplicate, the first kept; across files the builder merges it).
  ``source`` is ``<file>#<locator>``, counted from 1 as everywhere (see
  :mod:`workbench.io.records`): ``#13`` the 13th line (or record of a JSON array),
  ``#3/data/1`` the first tweet of the page on line 3.

Examples
--------
>>> unescape("Fields &amp; Expansions &lt;3")
'Fields & Expansions <3'
>>> text_entities("RT-free: @abu_x and @ab #news https://t.co/abc, mail me@example.com")
(['abu_x', 'ab'], ['https://t.co/abc'], ['news'])
>>> handle_key("@AbuX")
'twitter:name:abux'
"""

from __future__ import annotations

import re
from calendar import monthrange, timegm
from datetime import date, datetime, timezone

import orjson

from ..ids import name_key
from .builder import FileOutput
from .entities import HASHTAG_RE, dedupe, links_in
from .records import BadRecord, Rows, check_ns
from .streams import iter_lines, parse_document

__all__ = ["PLATFORM", "COLUMNS", "RT_PREFIX", "MENTION_RE", "user_key", "tweet_id",
           "handle_key", "media_id", "unescape", "text_entities", "api_entities",
           "split_retweet", "v1_time_ns",
           "iso_time_ns", "Tweets", "BadRecord", "Invalid", "json_documents", "json_start",
           "foreign_json"]

PLATFORM = "twitter"
#: Message columns the Twitter readers fill (the rest stay null).
COLUMNS = ("channel_id", "channel", "message_id", "date", "text", "fwd_from_channel_id",
           "fwd_from_name", "fwd_from_message_id", "fwd_from_date", "reply_to", "views",
           "forwards", "edited", "media_type", "media_name", "media_duration", "mentions",
           "links", "hashtags", "source")
_DEFAULTS = {c: ([] if c in ("mentions", "links", "hashtags") else None) for c in COLUMNS}

#: ``RT @name: `` at the start of a text: the old-style (and v2/Kaggle) retweet marker. Screen
#: names are 1-15 characters today; up to 20 are read, as twitter-text does, for older names.
RT_PREFIX = re.compile(r"RT @([A-Za-z0-9_]{1,20}):[ \t]?")
#: A Twitter ``@mention``: 1-20 letters, digits or underscores (twitter-text's limit), not glued
#: to a word or an e-mail address before it, nor longer after it.
MENTION_RE = re.compile(r"(?<![A-Za-z0-9_!#$%&*@.])@([A-Za-z0-9_]{1,20})(?![A-Za-z0-9_@])")
_URL_RE = re.compile(r"https?://[^\s<>\"'“”‘’«»]+", re.IGNORECASE)
_TRAILING = ".,;:!?…»)\"'"
_ESCAPE_RE = re.compile(r"&(amp|lt|gt);")
_ESCAPES = {"amp": "&", "lt": "<", "gt": ">"}
_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
_EPOCH = date(1970, 1, 1)
_DAYS: dict[tuple[int, int], int] = {}  # (year, month) -> days from the epoch to its 1st
_DIGITS = re.compile(r"[0-9]{1,19}")
#: Per API version: the mention list in ``entities``, a mention's screen-name field, a
#: hashtag's text field, and the field that marks the URL of attached media (not a link).
_ENTITY_FIELDS = {"v1.1": ("user_mentions", "screen_name", "text", None),
                  "v2": ("mentions", "username", "tag", "media_key")}


def user_key(user_id: object) -> str:
    """``twitter:<id>`` for a user id given as digits (string or int).

    Raises
    ------
    BadRecord
        If the id is not a non-negative integer.

    Examples
    --------
    >>> user_key("337119125"), user_key(783214)
    ('twitter:337119125', 'twitter:783214')
    """
    return f"twitter:{tweet_id(user_id, 'user id')}"


def tweet_id(value: object, what: str = "tweet id") -> int:
    """An id written as digits (``id_str``) or as an int, as an int."""
    if type(value) is int and value >= 0:
        return value
    if type(value) is str and _DIGITS.fullmatch(value) and int(value) < (1 << 63):
        return int(value)
    raise BadRecord(f"no {what}" if value is None else f"{what} {value!r} is not an integer")


def handle_key(screen_name: str) -> str:
    """``twitter:name:<screen name lower-cased>`` (the ``@`` dropped)."""
    return name_key(screen_name.lstrip("@"), PLATFORM)


def unescape(text: str) -> str:
    """Decode the three HTML escapes the Twitter API writes (``&amp;``, ``&lt;``, ``&gt;``),
    in one pass (``&amp;lt;`` becomes ``&lt;``)."""
    if "&" not in text:
        return text
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(1)], text)


def text_entities(text: str | None) -> tuple[list[str], list[str], list[str]]:
    """Mentions, links and hashtags found in a tweet's plain text (for inputs without
    entities): ``@names`` without the ``@``, ``http(s)://`` URLs (and bare ``t.me/`` links) as
    written without trailing punctuation, ``#tags`` without the ``#``."""
    if not text:
        return [], [], []
    mentions = MENTION_RE.findall(text) if "@" in text else []
    links = [m.group(0).rstrip(_TRAILING) for m in _URL_RE.finditer(text)] if "://" in text \
        else []
    if ".me/" in text.lower():
        bare = [link for link in links_in(text) if "://" not in link]
        links.extend(bare)
    hashtags = HASHTAG_RE.findall(text) if "#" in text else []
    return dedupe(mentions), dedupe(links), dedupe(hashtags)


def api_entities(ents: dict, api: str, *, skip_rt_mention: bool = False
                 ) -> tuple[list[str], list[str], list[str]]:
    """Mentions, links and hashtags of a tweet's ``entities`` object, each list without
    repeats: screen names, expanded URLs (the short one when there is none), tags.

    Parameters
    ----------
    ents : dict
    api : {"v1.1", "v2"}
        v1.1 writes ``user_mentions[].screen_name`` and ``hashtags[].text``; v2 writes
        ``mentions[].username`` and ``hashtags[].tag``, and gives the URL of attached media a
        ``media_key`` (it is left out of the links).
    skip_rt_mention : bool, default False
        Leave out the mention that starts at offset 3: the ``RT @name:`` marker of a retweet.

    Examples
    --------
    >>> api_entities({"user_mentions": [{"screen_name": "abu_x"}, {"screen_name": "abu_x"}],
    ...               "urls": [{"url": "https://t.co/a", "expanded_url": "https://x.org"}],
    ...               "hashtags": [{"text": "news"}]}, "v1.1")
    (['abu_x'], ['https://x.org'], ['news'])
    """
    mention_list, name, tag, media = _ENTITY_FIELDS[api]
    mentions = []
    for m in ents.get(mention_list) or []:
        if skip_rt_mention and m.get("start") == 3:
            continue
        if m.get(name):
            mentions.append(m[name])
    links = [u.get("expanded_url") or u.get("url") for u in ents.get("urls") or []
             if media is None or media not in u]
    hashtags = [h[tag] for h in ents.get("hashtags") or [] if h.get(tag)]
    return dedupe(mentions), dedupe([x for x in links if x]), dedupe(hashtags)


def split_retweet(text: str | None) -> tuple[str | None, str | None]:
    """``(screen name, rest of the text)`` of a text starting ``RT @name:``, else
    ``(None, text)``.

    Examples
    --------
    >>> split_retweet("RT @abu_x: the original words")
    ('abu_x', 'the original words')
    >>> split_retweet("Look: RT @abu_x: not a retweet")
    (None, 'Look: RT @abu_x: not a retweet')
    """
    if not text:
        return None, text
    match = RT_PREFIX.match(text)
    if match is None:
        return None, text
    return match.group(1), text[match.end():]


def _check_range(ns: int, value: object) -> int:
    return check_ns(ns, value)  # OutOfRange, a ValueError, beyond years 1700-2242


def v1_time_ns(value: object) -> int:
    """Nanoseconds since the epoch (UTC) of an API v1.1 ``created_at``
    (``"Wed Oct 10 20:19:24 +0000 2018"``).

    Raises
    ------
    ValueError
        If ``value`` is not in that form.

    Examples
    --------
    >>> v1_time_ns("Wed Oct 10 20:19:24 +0000 2018") // 10**9
    1539202764
    """
    if type(value) is not str:
        raise ValueError(value)
    parts = value.split()
    if len(parts) != 6 or parts[1] not in _MONTHS or len(parts[4]) != 5:
        raise ValueError(value)
    hh, mm, ss = (int(x) for x in parts[3].split(":"))
    day, year, month = int(parts[2]), int(parts[5]), _MONTHS[parts[1]]
    days = _DAYS.get((year, month))
    if days is None:
        datetime(year, month, 1)  # validates the year
        days = _DAYS[(year, month)] = (date(year, month, 1) - _EPOCH).days
    if not (1 <= day <= monthrange(year, month)[1] and hh < 24 and mm < 60 and ss < 61):
        raise ValueError(value)
    off = parts[4]
    if off[0] not in "+-" or not off[1:].isdigit():
        raise ValueError(value)
    offset = (int(off[1:3]) * 3600 + int(off[3:5]) * 60) * (-1 if off[0] == "-" else 1)
    seconds = (days + day - 1) * 86400 + hh * 3600 + mm * 60 + ss - offset
    return _check_range(seconds * 1_000_000_000, value)


def iso_time_ns(value: object) -> int:
    """Nanoseconds since the epoch (UTC) of an ISO 8601 time (API v2
    ``"2022-10-03T17:57:11.000Z"``); a time without an offset is UTC, as the API writes.

    Examples
    --------
    >>> iso_time_ns("2022-10-03T17:57:11.000Z") // 10**9
    1664819831
    """
    if type(value) is not str:
        raise ValueError(value)
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    seconds = timegm(dt.utctimetuple())
    return _check_range(seconds * 1_000_000_000 + dt.microsecond * 1000, value)


class Tweets:
    """What a Twitter reader adds for one file: rows, accounts, and forward sources known by
    screen name only, resolved at :meth:`finish` through every id the file maps a screen name
    to.

    Accounts are channels: each is one builder part, opened at first sight, and its tweets are
    its rows (through :class:`~workbench.io.records.Rows`, as in every other reader). An
    account's description (display name, screen name) is taken from its newest tweet; one known
    only as a retweet source gets what the source gives (a user object, else just its screen
    name). Each row also names its channel (``channel`` is the display name as that tweet
    shows it).
    """

    def __init__(self, out: FileOutput, *, defer: bool = True):
        self.out = out
        #: False when the file gives no ids at all (nothing to wait for)
        self.defer = defer
        self.rows = Rows(out, COLUMNS)
        #: channel id -> [part, rank]; rank (level, date): author 2, user object 1, name 0
        self.accounts: dict[str, list] = {}
        #: twitter:name:<screen name> -> twitter:<id>, from every user object in the file
        self.handles: dict[str, str] = {}
        self._ambiguous: set[str] = set()
        #: twitter:<id> -> display name, from the user objects that gave a screen name
        self.names: dict[str, str] = {}
        self.seen: set[tuple[str, int]] = set()
        self.pending: list[tuple[str, dict]] = []

    # -- accounts ----------------------------------------------------------------------
    def user(self, user_id: str, screen_name: object, name: object, *, level: int = 1,
             date: int = 0) -> str:
        """Note an account known by id; return its channel id."""
        cid = user_id
        screen = screen_name if isinstance(screen_name, str) and screen_name else None
        display = name if isinstance(name, str) and name else None
        entry = self.accounts.get(cid)
        if entry is not None and entry[0].handle == screen and entry[0].name == display:
            if (level, date) > entry[1]:  # the same description again: only the rank moves
                entry[1] = (level, date)
            return cid
        self.note_handle(screen, cid, display)
        self._describe(cid, display, screen, True, (level, date))
        return cid

    def note_handle(self, screen_name: object, cid: str, name: object = None) -> None:
        """Remember that ``screen_name`` is the account ``cid`` (a screen name given to two
        ids in one file maps to neither), and its display name."""
        if isinstance(screen_name, str) and screen_name:
            key = handle_key(screen_name)
            if self.handles.setdefault(key, cid) != cid:
                self._ambiguous.add(key)
            if isinstance(name, str) and name:
                self.names.setdefault(cid, name)

    def named(self, screen_name: str, name: object = None, *, level: int = 0,
              date: int = 0) -> str:
        """Note an account known only by screen name; return ``twitter:name:<screen name>``."""
        cid = handle_key(screen_name)
        display = name if isinstance(name, str) and name else None
        self._describe(cid, display or screen_name, screen_name, False, (level, date))
        return cid

    def _describe(self, cid: str, name, handle, resolved: bool, rank: tuple) -> None:
        entry = self.accounts.get(cid)
        if entry is None:
            part = self.rows.part(cid, name=name, kind="account", handle=handle,
                                  platform=PLATFORM, resolved=resolved)
            self.accounts[cid] = [part, rank]
            return
        part = entry[0]
        if rank >= entry[1]:
            entry[1] = rank
            part.name = name or part.name
            part.handle = handle or part.handle
        else:
            part.name = part.name or name
            part.handle = part.handle or handle

    # -- rows --------------------------------------------------------------------------
    def add(self, where: str, raw: object, *, duplicate: str | None = None, **row) -> bool:
        """Add one tweet (``row`` holds :data:`COLUMNS` but ``source``). A tweet id already
        added for the same account in this file is rejected (``duplicate`` words the reason).
        A forward whose source is known by screen name only waits for :meth:`finish`."""
        key = (row["channel_id"], row["message_id"])
        if key in self.seen:
            self.out.reject(where, duplicate or (
                f"duplicate tweet id {row['message_id']} of {row['channel_id']} in this file "
                "(the first is kept)"), raw)
            return False
        self.seen.add(key)
        if row.get("fwd_from_name") and not row.get("fwd_from_channel_id"):
            if self.defer:
                self.pending.append((where, row))
                return True
            self.named(row["fwd_from_name"])
        self._append(where, row)
        return True

    def add_or_reject(self, where: str, raw: object, read, *args) -> None:
        """Add the tweet ``read(*args)`` makes of ``raw`` (a dict of :meth:`add`'s keywords),
        or reject ``raw`` with the reason it cannot be read."""
        try:
            row = read(*args)
        except BadRecord as exc:
            self.out.reject(where, str(exc), raw)
            return
        except (AttributeError, KeyError, TypeError, IndexError, ValueError) as exc:
            self.out.reject(where, f"unreadable tweet ({type(exc).__name__}: {exc})", raw)
            return
        self.add(where, raw, **row)

    def _append(self, where: str, row: dict) -> None:
        values = dict(_DEFAULTS)
        values.update(row)
        values["source"] = f"{self.out.source.label}#{where}"
        for col in ("text", "channel", "fwd_from_name"):
            if values[col] == "":
                values[col] = None
        self.rows.add(values["channel_id"], tuple(values[c] for c in COLUMNS))

    def finish(self) -> None:
        """Resolve waiting forward sources by screen name through the ids this file gives,
        and add their rows."""
        for where, row in self.pending:
            key = handle_key(row["fwd_from_name"])
            cid = self.handles.get(key) if key not in self._ambiguous else None
            if cid is not None:
                row["fwd_from_channel_id"] = self.user(cid, row["fwd_from_name"],
                                                       self.names.get(cid), level=0)
            else:
                self.named(row["fwd_from_name"])
            self._append(where, row)
        self.pending = []
        self.rows.close()


def media_id(value: object) -> str | None:
    """The numeric media id of a v2 ``media_key`` (``"3_1576994475507077121"``) or a v1.1
    media ``id_str``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value:
        return None
    return value.rsplit("_", 1)[-1]


# ------------------------------------------------------------------------------------------
# JSON and JSON Lines files
# ------------------------------------------------------------------------------------------
_BOM = b"\xef\xbb\xbf"
_BLOCK = 1 << 20
_FOREIGN_KEYS = re.compile(rb'"_(?:type)?"\s*:')


class Invalid:
    """A line of a JSON Lines file that is not valid JSON (kept to be rejected)."""

    __slots__ = ("reason", "raw")

    def __init__(self, reason: str, raw: bytes):
        self.reason, self.raw = reason, raw


def json_start(head: bytes) -> bytes:
    """``head`` without a byte order mark and leading whitespace."""
    text = head[3:] if head.startswith(_BOM) else head
    return text.lstrip()


def foreign_json(text: bytes) -> str | None:
    """Why ``text`` (a file's start) is not a Twitter JSON file at all, or None."""
    if not text:
        return "empty"
    if text[:1] not in (b"{", b"["):
        if text[:1] == b"<":
            return "markup (HTML/XML), not JSON"
        return f"not JSON (starts with {bytes(text[:12])!r})"
    if _FOREIGN_KEYS.search(text):
        return 'has "_" or "_type" keys (Telethon/4CAT objects), not tweets'
    return None


def _is_json_lines(head: bytes) -> bool:
    """The file's first line is a complete JSON object (else: pretty-printed JSON, or an
    array, read as one document)."""
    stripped = json_start(head)
    if stripped[:1] != b"{":
        return False
    newline = stripped.find(b"\n")
    try:
        orjson.loads(stripped if newline < 0 else stripped[:newline])
    except orjson.JSONDecodeError:
        return False
    return True


def _parse_line(line: bytes, lineno: int) -> object:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        msg = getattr(exc, "msg", str(exc))
        if "end of data" in msg:
            return Invalid(f"line {lineno} ends before its JSON value does (truncated)", line)
        return Invalid(f"line {lineno} is not valid JSON: {msg}", line)


def json_documents(source, out: FileOutput):
    """``(locator, document)`` for a JSON file: one per non-blank line of a JSON Lines file
    (locator the line number, from 1; a line that is not JSON comes as :class:`Invalid`),
    streamed; or the whole file as one document (locator ``""``) when its first line is not a
    complete JSON value (pretty-printed JSON, or an array).

    Raises
    ------
    LoadError
        For a whole-document file that is empty, not UTF-8 or not valid JSON (naming the byte
        and line), or a stream that cannot be decompressed.
    """
    if _is_json_lines(source.head(_BLOCK)):
        for lineno, line in iter_lines(source, out):
            yield str(lineno), _parse_line(line, lineno)
        return
    yield "", parse_document(source, out)
