"""One pseudonymiser for loading and briefing: keyed hashes of people, private chats, paths.

The rule: a person (any user, any private chat or group, any Twitter account unless the
analyst marks it public) never appears in clear in any table, file path, locator, reason
text or briefing; public channels (and public supergroups) keep their names and handles.

Every pseudonym is an HMAC-SHA-256 of the identifier keyed by the **full** salt (``str`` or
``bytes``), so the same person gets the same pseudonym within a corpus and across corpora
pseudonymised with the same salt, and nobody without the salt can recompute it. Pseudonyms:

* a person or private chat: ``anon:<16 hex>`` (ids and names), ``<platform>:anon:<16 hex>``
  as a channel key; the hex digits are those of the person's key (``telegram:<id>``, or the
  name key when only a name is known), so an author, the personal chat with that user and
  forwards from them carry one pseudonym;
* a handle of a private account: ``h<10 hex>`` (case-insensitive, the same in ``mentions``,
  ``@mentions`` in texts and ``channels.handle``);
* phone numbers and e-mail addresses in texts: ``<phone:10 hex>``, ``<email:10 hex>``;
* a path component: kept when it is a generic export file name (``result.json``,
  ``messages.html``, ``messages2.html``, compressed or not), else ``p-<10 hex>`` plus its
  suffixes.

Examples
--------
>>> p = Pseudonymiser("s3cret")
>>> p.person("telegram:42") == Pseudonymiser("s3cret").person("telegram:42")
True
>>> p.person("telegram:42") != Pseudonymiser("other").person("telegram:42")
True
>>> p.path("ChatExport_Alice/result.json#12").endswith("/result.json#12")
True
>>> "alice@example.org" in p.contacts("mail alice@example.org")
False
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from .errors import ParameterError
from .ids import TITLE_ACTIONS, name_key, normalise_name
from .schema import STRING

__all__ = ["Pseudonymiser", "pseudonymise_tables", "public_channels", "GENERIC_FILE_NAME",
           "PHONE_RE", "EMAIL_RE"]

#: Export file names that say nothing about whose export it is.
GENERIC_FILE_NAME = re.compile(r"(?:result\.json|messages\d*\.html?)(?:\.gz|\.zst)?",
                               re.IGNORECASE)
#: E-mail addresses.
EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
#: Phone numbers: international (``+49 170 1234567``, ``0049 ...``) or national with a
#: leading 0 (``0170/1234567``); at least 7 digits, digit groups separated by space, dot,
#: dash, slash or brackets.
PHONE_RE = re.compile(
    r"(?<![\w+.])(?!\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?![\d./-]))"  # a date is not a phone
    r"(?:(?:\+|00)\d{1,3}|0\d{1,4}|\(0?\d{1,5}\))(?:[ ./-]?\(?\d{1,5}\)?){2,6}"
    r"(?![\w])")
_HANDLE_AT = re.compile(r"(?<![\w@.])@([A-Za-z0-9_]{1,32})\b")
_TWITTER_LINK = re.compile(r"\b((?:https?://)?(?:www\.|mobile\.)?(?:twitter|x)\.com/)"
                           r"(?!i/|intent/|search|hashtag/|home\b)([A-Za-z0-9_]{1,15})",
                           re.IGNORECASE)
_DIGITS = re.compile(r"\d")


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


class Pseudonymiser:
    """Salted, consistent pseudonyms (HMAC-SHA-256 keyed by the full salt).

    Parameters
    ----------
    salt : str or bytes, optional
        The secret, used whole (two salts differing anywhere give unrelated pseudonyms).
        Without it a random salt is drawn. Keep it out of anything you share.

    Raises
    ------
    ParameterError
        If ``salt`` is empty or neither str nor bytes.
    """

    def __init__(self, salt: str | bytes | None = None):
        if salt is None:
            salt = secrets.token_bytes(16)
        if isinstance(salt, str):
            key = salt.encode("utf-8")
        elif isinstance(salt, (bytes, bytearray)):
            key = bytes(salt)
        else:
            raise ParameterError("pseudonymise= needs a non-empty salt (str or bytes; keep it "
                                 f"secret), not a {type(salt).__name__}")
        if not key:
            raise ParameterError("pseudonymise= needs a non-empty salt string (keep it secret)")
        self._key = key
        self._cache: dict[tuple[str, str], str] = {}

    def __repr__(self) -> str:  # never show the salt
        return f"{type(self).__name__}(salt=<hidden>)"

    def token(self, kind: str, value: str) -> str:
        """The hex digest (20 characters) of ``value`` in namespace ``kind``."""
        key = (kind, value)
        if key not in self._cache:
            digest = hmac.new(self._key, f"{kind}\x00{value}".encode("utf-8"), hashlib.sha256)
            self._cache[key] = digest.hexdigest()[:20]
        return self._cache[key]

    # -- people and private chats (load time) --------------------------------------------
    def person(self, key: str) -> str:
        """``anon:<16 hex>`` for a person or private chat keyed ``key`` (an id key, or a
        name)."""
        return f"anon:{self.token('person', str(key))[:16]}"

    def private_channel_id(self, channel_id: str) -> str:
        """``<platform>:anon:<16 hex>``: the key of a private chat, account or person;
        ``<platform>:name:anon:<16 hex>`` for one known by a name only (still a name key, as
        the store derives it from the pseudonymised name)."""
        platform = channel_id.split(":", 1)[0] if ":" in channel_id else "telegram"
        if channel_id.startswith(f"{platform}:name:"):
            return name_key(self.person(channel_id), platform)
        return f"{platform}:{self.person(channel_id)}"

    def contacts(self, text: object) -> object:
        """``text`` with e-mail addresses and phone numbers replaced by typed placeholders."""
        if _missing(text):
            return text
        text = str(text)
        if "@" in text:
            text = EMAIL_RE.sub(
                lambda m: f"<email:{self.token('email', m.group(0).casefold())[:10]}>", text)
        if _DIGITS.search(text):
            text = PHONE_RE.sub(self._phone, text)
        return text

    def _phone(self, match: re.Match) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        if len(digits) < 7:
            return match.group(0)
        return f"<phone:{self.token('phone', digits)[:10]}>"

    # -- channels, users, handles, paths (briefing) ---------------------------------------
    @staticmethod
    def _platform(key: str) -> str:
        return key.split(":", 1)[0] if ":" in key else "telegram"

    def name_of(self, channel_id: str) -> str:
        """The display name standing in for the channel keyed ``channel_id``."""
        return f"Channel {self.token('channel', channel_id)[:8]}"

    def channel_id(self, channel_id: object) -> object:
        """The pseudonymous key of a channel key (null stays null)."""
        if _missing(channel_id):
            return channel_id
        key = str(channel_id)
        platform = self._platform(key)
        if key.startswith(f"{platform}:name:"):
            return name_key(self.name_of(key), platform)
        if key.startswith(f"{platform}:handle:"):
            return f"{platform}:handle:{self.handle(key.split(':', 2)[2])}"
        return f"{platform}:ps-{self.token('channel', key)[:10]}"

    def handle(self, handle: object) -> object:
        """A handle's pseudonym (``h`` + 10 hex; handles are case-insensitive)."""
        if _missing(handle):
            return handle
        bare = str(handle).lstrip("@").casefold()
        return f"h{self.token('handle', bare)[:10]}"

    def user_id(self, user_id: object) -> object:
        if _missing(user_id):
            return user_id
        return f"user:ps-{self.token('user', str(user_id))[:10]}"

    def user_name(self, name: object) -> object:
        if _missing(name):
            return name
        return f"User {self.token('user-name', normalise_name(str(name)))[:8]}"

    def path_component(self, part: str) -> str:
        """A folder or file name: kept when generic (``result.json``), else hashed with its
        suffixes kept."""
        if not part or part in (".", "..") or GENERIC_FILE_NAME.fullmatch(part):
            return part
        suffixes = "".join(re.findall(r"\.[A-Za-z0-9]{1,5}", part)[-2:])
        return f"p-{self.token('path', part)[:10]}{suffixes}"

    def path(self, path: object) -> object:
        """A path or a ``path#locator`` with every component that is not a generic export
        file name hashed; the locator (record positions) is kept."""
        if _missing(path):
            return path
        base, hash_, locator = str(path).partition("#")
        parts = re.split(r"([/\\])", base)
        out = "".join(p if p in ("/", "\\") else self.path_component(p) for p in parts)
        return f"{out}#{locator}" if hash_ else out


# -- deciding who is public ------------------------------------------------------------------
def _marks(public: Iterable[object] | None) -> tuple[set[str], set[str], set[str]]:
    """The analyst's ``public=`` list as (channel keys and bare ids, handles, names)."""
    keys, handles, names = set(), set(), set()
    if public is None:
        return keys, handles, names
    if isinstance(public, (str, int)):
        public = [public]
    for item in public:
        text = str(item).strip()
        if not text:
            continue
        keys.add(text)
        if ":" not in text:
            keys.add(f"telegram:{text}")
            keys.add(f"twitter:{text}")
        handles.add(text.lstrip("@").casefold())
        names.add(normalise_name(text))
    return keys, handles, names


def public_channels(channels: pd.DataFrame, *, public: Iterable[object] | None = None,
                    hints: Mapping[str, bool] | None = None,
                    persons: Iterable[str] = ()) -> pd.Series:
    """Boolean Series (index of ``channels``): which channels keep their names.

    In order: the analyst's ``public=`` list (channel key, bare id, handle or name) marks a
    channel public; an account (a Telegram user, any Twitter account), a group, a chat keyed
    by a name only and a chat whose id says user (``persons``) is private; ``hints`` (what the
    export says: Desktop ``public_*`` vs ``private_*``) decides where given; otherwise a
    channel or supergroup with a handle is public, and a forward source known by a channel
    id only is public (its id says channel), anything else private.
    """
    keys, handles, names = _marks(public)
    hints = hints or {}
    persons = set(persons)
    out = []
    for cid, kind, name, handle, resolved in zip(
            channels["channel_id"].astype(object), channels["kind"].astype(object),
            channels["name"].astype(object), channels["handle"].astype(object),
            channels["resolved"].astype(object)):
        cid = str(cid)
        if (cid in keys or cid.split(":", 1)[-1] in keys
                or (not _missing(handle) and str(handle).lstrip("@").casefold() in handles)
                or (not _missing(name) and normalise_name(str(name)) in names)):
            out.append(True)
        elif cid in persons or cid.startswith("twitter:"):
            out.append(False)
        elif cid in hints:
            out.append(bool(hints[cid]))
        elif kind in ("account", "group") or ":name:" in cid:
            out.append(False)
        elif kind in ("channel", "supergroup"):
            out.append(not _missing(handle))
        else:  # a forward source known by its id, which says channel
            out.append(bool(resolved))
    return pd.Series(out, index=channels.index, dtype=bool)


# -- tables ----------------------------------------------------------------------------------
def _map(series: pd.Series, fn) -> pd.Series:
    """Apply ``fn`` to each distinct non-null value once."""
    if not len(series):
        return series.copy()
    codes, uniques = pd.factorize(series.astype(object), use_na_sentinel=True)
    mapped = np.array([fn(u) for u in uniques] + [pd.NA], dtype=object)
    return pd.Series(mapped[codes], index=series.index, dtype=STRING)


def _replacer(names: Mapping[str, str]):
    """A function replacing every key of ``names`` (longest first) in a text."""
    ordered = sorted((n for n in names if n and len(n) >= 3), key=len, reverse=True)
    if not ordered:
        return lambda text: text
    pattern = re.compile("|".join(re.escape(n) for n in ordered), re.IGNORECASE)
    lookup = {n.casefold(): names[n] for n in ordered}
    return lambda text: pattern.sub(lambda m: lookup.get(m.group(0).casefold(), m.group(0)),
                                    text)


def pseudonymise_tables(tables: Mapping[str, pd.DataFrame], salt: str | bytes, *,
                        public: Iterable[object] | None = None,
                        hints: Mapping[str, bool] | None = None,
                        persons: Iterable[str] = (),
                        mention_names: Mapping[str, str | None] | None = None,
                        notes: Iterable[str] | None = None,
                        public_names: Iterable[str] = ()) -> dict[str, pd.DataFrame]:
    """Copies of the canonical tables (``messages``, ``channels``, ``service``, ``rejected``,
    ``files``; any may be missing) in which no person appears in clear (see the module's
    rule). ``public``, ``hints`` and ``persons`` as in :func:`public_channels`;
    ``mention_names`` maps display names of ``mention_name`` entities to the mentioned
    user's key (or None). With ``notes`` (loader warnings), ``out["notes"]`` holds them
    scrubbed as reasons are. ``public_names``: normalised names of public channels that a
    forward known by a name only may resolve to later (the store resolves forwards when it
    is read): such forwards keep their name.
    """
    p = salt if isinstance(salt, Pseudonymiser) else Pseudonymiser(salt)
    persons = set(persons)
    public_names = set(public_names)
    out = dict(tables)
    ch = tables.get("channels")
    m = tables.get("messages")
    twitter_public: set[str] = set()
    private: dict[str, str] = {}  # original channel key -> pseudonymous key
    names: dict[str, str] = {}  # person names -> pseudonym, for free text
    keep_names: set[str] = set()
    if ch is not None:
        is_public = public_channels(ch, public=public, hints=hints, persons=persons)
        for row, pub in zip(ch.itertuples(index=False), is_public):
            cid = str(row.channel_id)
            if pub:
                if not _missing(row.name):
                    keep_names.add(str(row.name))
                if cid.startswith("twitter:") and not _missing(row.handle):
                    twitter_public.add(str(row.handle).lstrip("@").casefold())
                continue
            private[cid] = p.private_channel_id(cid)
            if not _missing(row.name):
                names[str(row.name)] = p.person(cid)
            if not _missing(row.handle):
                names["@" + str(row.handle).lstrip("@")] = "@" + p.handle(row.handle)
        channels = ch.copy()
        channels["name"] = pd.Series(
            [p.person(str(c)) if str(c) in private else n
             for c, n in zip(ch["channel_id"].astype(object), ch["name"].astype(object))],
            index=ch.index, dtype=ch["name"].dtype)
        if "names" in ch.columns:  # every title a private chat had is as private as its name
            channels["names"] = [[p.person(str(c))] if str(c) in private else v
                                 for c, v in zip(ch["channel_id"].astype(object), ch["names"])]
        channels["handle"] = pd.Series(
            [p.handle(h) if str(c) in private else h
             for c, h in zip(ch["channel_id"].astype(object), ch["handle"].astype(object))],
            index=ch.index, dtype=ch["handle"].dtype)
        channels["channel_id"] = _map(ch["channel_id"], lambda c: private.get(c, c))
        out["channels"] = channels

    for pid in persons:
        private.setdefault(pid, p.private_channel_id(pid))

    def key(cid):
        return private.get(cid, cid)

    mention_names = dict(mention_names or {})
    for name, uid in mention_names.items():
        names[name] = p.person(uid if uid else name_key(name))
    if m is not None:
        for col_id, col_name in (("author_id", "author"),):
            for i, n in zip(m[col_id].astype(object), m[col_name].astype(object)):
                if not _missing(n):
                    names.setdefault(str(n), p.person(str(i) if not _missing(i) else str(n)))
    svc = tables.get("service")
    if svc is not None:
        for i, n in zip(svc["actor_id"].astype(object), svc["actor"].astype(object)):
            if not _missing(n):
                names.setdefault(str(n), p.person(str(i) if not _missing(i) else str(n)))
    for n in keep_names:
        names.pop(n, None)
    replace_names = _replacer(names)
    replace_mentions = _replacer({n: v for n, v in names.items() if n in mention_names})

    if m is not None:
        messages = m.copy()
        twitter = (m["platform"].astype(str) == "twitter").to_numpy()
        messages["channel"] = pd.Series(
            [p.person(str(c)) if str(c) in private else n
             for c, n in zip(m["channel_id"].astype(object), m["channel"].astype(object))],
            index=m.index, dtype=m["channel"].dtype)
        messages["channel_id"] = _map(m["channel_id"], key)
        messages["author_id"], messages["author"] = pseudonymise_people_columns(
            p, m["author_id"], m["author"])
        fwd_ids = m["fwd_from_channel_id"].astype(object)
        fwd_names = m["fwd_from_name"].astype(object)
        new_names = []
        for i, n, plat in zip(fwd_ids, fwd_names, m["platform"].astype(object)):
            if _missing(n):
                new_names.append(pd.NA)
            elif not _missing(i):
                new_names.append(p.person(str(i)) if str(i) in private else n)
            elif normalise_name(str(n)) in public_names:
                new_names.append(n)
            else:  # known by a name only and not resolved: a person (safe default)
                new_names.append(p.person(name_key(str(n), str(plat))))
        messages["fwd_from_name"] = pd.Series(new_names, index=m.index,
                                              dtype=m["fwd_from_name"].dtype)
        messages["fwd_from_channel_id"] = _map(m["fwd_from_channel_id"], key)

        def text_fn(text, is_twitter):
            text = p.contacts(text)
            if mention_names:
                text = replace_mentions(text)
            if is_twitter:
                text = _twitter_text(p, text, twitter_public)
            return text

        texts = m["text"].astype(object)
        messages["text"] = pd.Series(
            [pd.NA if _missing(t) else text_fn(t, tw) for t, tw in zip(texts, twitter)],
            index=m.index, dtype=m["text"].dtype)
        messages["mentions"] = [
            [(p.handle(h) if tw and h.casefold() not in twitter_public else
              names.get(h, h) if h in mention_names else h) for h in hs]
            for hs, tw in zip(m["mentions"], twitter)]
        messages["links"] = [
            [_twitter_text(p, u, twitter_public) for u in us] if tw else list(us)
            for us, tw in zip(m["links"], twitter)]
        messages["source"] = _map(m["source"], p.path)
        out["messages"] = messages

    if svc is not None:
        service = svc.copy()
        service["channel_id"] = _map(svc["channel_id"], key)
        service["actor_id"], service["actor"] = pseudonymise_people_columns(
            p, svc["actor_id"].astype(STRING), svc["actor"].astype(STRING))
        service["text"] = _map(svc["text"], lambda t: replace_names(p.contacts(t)))
        titled = (svc["action"].isin(TITLE_ACTIONS).fillna(False).to_numpy(dtype=bool)
                  & svc["channel_id"].astype(object).map(lambda c: str(c) in private)
                  .to_numpy(dtype=bool))
        if titled.any():  # a private chat's titles, old ones included, are its name
            service.loc[titled, "text"] = [p.person(str(c))
                                           for c in svc.loc[titled, "channel_id"]]
        service["source"] = _map(svc["source"], p.path)
        out["service"] = service

    paths: dict[str, str] = {}
    files = tables.get("files")
    if files is not None:
        for path in files["path"].dropna().astype(str).unique():
            for part in re.split(r"[/\\]", path):
                if p.path_component(part) != part:
                    paths[part] = p.path_component(part)
        new = files.copy()
        new["path"] = _map(files["path"], p.path)
        out["files"] = new
    rej = tables.get("rejected")
    if rej is not None:
        for src in rej["source"].dropna().astype(str).unique():
            for part in re.split(r"[/\\]", src.partition("#")[0]):
                if p.path_component(part) != part:
                    paths[part] = p.path_component(part)
    replace_paths = _replacer(paths)
    ids = {}
    person_ids = set(private) | {u for u in mention_names.values() if u}
    for frame, col in ((m, "author_id"), (svc, "actor_id")):
        if frame is not None:
            person_ids.update(str(i) for i in frame[col].dropna().unique())
    for cid in person_ids:
        bare = cid.split(":", 1)[-1]
        if len(bare) >= 4 and ":" not in bare:
            ids[bare] = p.person(cid)
    replace_ids = _replacer(ids)

    def scrub(r):
        return replace_ids(replace_names(replace_paths(p.contacts(r))))

    if notes is not None:
        out["notes"] = [scrub(n) for n in notes]
    if rej is not None:
        rejected = rej.copy()
        rejected["source"] = _map(rej["source"], p.path)
        rejected["reason"] = _map(rej["reason"], scrub)
        rejected["raw"] = pd.Series(pd.NA, index=rej.index, dtype=rej["raw"].dtype)
        out["rejected"] = rejected
    return out


def _twitter_text(p: Pseudonymiser, text: str, keep: set[str]) -> str:
    """Twitter ``@screen_name`` mentions and profile links pseudonymised (but ``keep``)."""
    text = _HANDLE_AT.sub(lambda m: m.group(0) if m.group(1).casefold() in keep
                          else "@" + p.handle(m.group(1)), text)
    return _TWITTER_LINK.sub(lambda m: m.group(0) if m.group(2).casefold() in keep
                             else m.group(1) + p.handle(m.group(2)), text)


def pseudonymise_people_columns(p: Pseudonymiser, ids: pd.Series,
                                names: pd.Series) -> tuple[pd.Series, pd.Series]:
    """An id column and its name column with every person replaced by one pseudonym: that
    of the id when known, else of the name, so both columns of a row agree; nulls stay
    null."""
    key = ids.astype(STRING).fillna(names.astype(STRING))
    token = _map(key, p.person)
    return token.where(ids.notna()), token.where(names.notna())
