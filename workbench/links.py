"""Links and Telegram handles: the one home of their rules.

Every package that reads a link or a handle asks this module: the network (what channel a
mention or ``t.me`` link names), cross-posting (which links in a text are the same link, and
which are boilerplate), the briefing (which tokens of a text to defang). It imports nothing
from the workbench but :mod:`workbench.ids`.

Handles
    A Telegram handle (username) is 4 to 32 ASCII letters, digits and underscores starting
    with a letter, and is case-insensitive (:func:`is_handle`, :func:`normalise_handle`,
    :func:`handle_key`). Telegram registers ordinary usernames from 5 characters; the
    4-character ones are Fragment collectibles and name real channels, so they count.
``t.me`` links
    :func:`parse_telegram_link` says what a link names: a handle, a private channel id
    (``t.me/c/<id>/<post>``) or nothing (invites, the paths in :data:`RESERVED_PATHS`,
    other sites). ``t.me/s/<handle>`` is the web preview of ``t.me/<handle>``.
URLs in text
    :func:`extract_urls` finds links written in a text, :func:`normalise_url` gives their
    canonical form (so copies compare equal) and :func:`link_kind` whether a canonical link
    points to content or to boilerplate (a channel, an invite, a bot, a donation page, a
    homepage).
Defanging
    :func:`defang` makes one URL unclickable; :func:`defang_text` every link in a free text:
    URLs, IP addresses, and bare host names whose top-level domain is on the Public Suffix
    List (:func:`is_public_tld`, from the ``publicsuffixlist`` package, which ships the list
    and works offline), except file names such as ``setup.py`` (:data:`FILE_EXTENSION_TLDS`).

Examples
--------
>>> parse_telegram_link("https://t.me/s/Nashir_News/1203")
('handle', 'nashir_news')
>>> parse_telegram_link("t.me/joinchat/AAAAAEx") is None
True
>>> normalise_url("https://telegram.me/s/Amaq_Agency/12?single")
't.me/amaq_agency/12'
>>> link_kind("t.me/amaq_agency"), link_kind("t.me/amaq_agency/1234")
('channel', 'content')
>>> defang("https://t.me/example/12")
'hxxps://t[.]me/example/12'
"""

from __future__ import annotations

import functools
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode

import numpy as np
import pandas as pd

from .ids import telegram_key

__all__ = [
    "RESERVED_PATHS",
    "TELEGRAM_HOSTS",
    "DONATION_WORDS",
    "TRAILING_PUNCTUATION",
    "URL_PATTERN",
    "is_handle",
    "normalise_handle",
    "handle_key",
    "parse_telegram_link",
    "parse_mention",
    "extract_urls",
    "urls_in_texts",
    "normalise_url",
    "link_kind",
    "FILE_EXTENSION_TLDS",
    "EXTRA_TLDS",
    "is_public_tld",
    "defang",
    "defang_text",
]

# --- Telegram: hosts, reserved paths, handles ---------------------------------------------

#: Hosts that serve Telegram links (``telegram.dog`` and ``telegram.me`` are aliases of ``t.me``).
TELEGRAM_HOSTS = frozenset({"t.me", "telegram.me", "telegram.dog"})

#: First path segments of ``t.me`` links that name no channel: Telegram's deep links (the
#: list of names Telegram's clients refuse as ``<name>.t.me`` subdomains, core.telegram.org
#: /api/links, plus ``bg``, ``iv`` and ``msg``). Telegram never gives these names to a chat.
#:
#: - invites and folders: ``joinchat`` (old invite links; new ones are ``t.me/+<hash>``,
#:   recognised by the ``+``), ``addlist``;
#: - sharing and Instant View: ``share`` (``share/url?url=``), ``msg``, ``iv``;
#: - stickers, emoji, themes, backgrounds, styles, language packs: ``addstickers``,
#:   ``addemoji``, ``addtheme``, ``addstyle``, ``bg``, ``setlanguage``;
#: - proxies: ``proxy``, ``socks``;
#: - accounts and calls: ``login``, ``auth``, ``confirmphone``, ``contact`` (a user's
#:   contact token), ``call``;
#: - payments, boosts, gifts and auctions: ``invoice``, ``boost``, ``giftcode``, ``nft``,
#:   ``auction``;
#: - business chat links ``m``; the web clients ``web``, ``a``, ``k``, ``z``.
#:
#: Names shorter than 4 characters are ruled out as handles anyway; they are listed so that
#: :func:`link_kind` calls their links service links rather than channels. Not listed: ``s``
#: (``t.me/s/<handle>`` is the web preview of a channel) and ``c`` (``t.me/c/<id>/<post>``
#: names a private channel by id); both are read by :func:`parse_telegram_link`.
RESERVED_PATHS = frozenset({
    "joinchat", "addlist",
    "share", "msg", "iv",
    "addstickers", "addemoji", "addtheme", "addstyle", "bg", "setlanguage",
    "proxy", "socks",
    "login", "auth", "confirmphone", "contact", "call",
    "invoice", "boost", "giftcode", "nft", "auction",
    "m", "web", "a", "k", "z",
})

#: A Telegram handle, without ``@`` (ASCII only: ``[a-z]`` alone would let ``re.IGNORECASE``
#: accept look-alikes such as the Kelvin sign).
_HANDLE = re.compile(r"[a-z][a-z0-9_]{3,31}", re.IGNORECASE | re.ASCII)
_TME = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)"
    r"(?:/(?P<path>[^?#\s]*))?",
    re.IGNORECASE,
)
_SUBDOMAIN = re.compile(r"^(?:https?://)?(?P<handle>[a-z0-9_]+)\.t\.me(?:[/?#]|$)",
                        re.IGNORECASE | re.ASCII)
_TG_RESOLVE = re.compile(r"^tg://resolve\?(?:.*&)?domain=(?P<handle>[a-z0-9_]+)",
                         re.IGNORECASE | re.ASCII)

#: Punctuation that ends a sentence rather than a link (stripped from a link's end).
TRAILING_PUNCTUATION = ".,;:!?)]}>'\"»”’…"


def is_handle(text: str) -> bool:
    """Whether ``text`` (without ``@``) can be a Telegram handle: 4 to 32 ASCII letters, digits
    and underscores, starting with a letter.

    Examples
    --------
    >>> is_handle("Nashir_News"), is_handle("abc"), is_handle("1abcde"), is_handle("@abcde")
    (True, False, False, False)
    """
    return _HANDLE.fullmatch(text) is not None


def normalise_handle(handle: str) -> str:
    """The comparable form of a handle: without ``@``, case-folded.

    Examples
    --------
    >>> normalise_handle("@Nashir_News")
    'nashir_news'
    """
    return str(handle).lstrip("@").casefold()


def handle_key(handle: str, platform: str = "telegram") -> str:
    """Key of a channel known only by its public handle: ``<platform>:handle:<handle>``.

    Handles are case-insensitive on Telegram, so the key is lower-case and has no ``@``.

    Examples
    --------
    >>> handle_key("@Nashir_News")
    'telegram:handle:nashir_news'
    """
    return f"{platform}:handle:{normalise_handle(handle)}"


def parse_telegram_link(link: str) -> tuple[str, str] | None:
    """What a Telegram link points at: ``("handle", <lower-case handle>)``,
    ``("id", "telegram:<bare id>")`` for private ``t.me/c/<id>/<msg>`` links, or ``None`` for
    links that name no channel (invites ``t.me/+...``, the paths in :data:`RESERVED_PATHS`,
    other sites).

    Accepts ``t.me/<h>``, ``t.me/<h>/<msg>``, ``t.me/s/<h>``, ``telegram.me/<h>``,
    ``telegram.dog/<h>``, ``t.me/c/<id>/<msg>``, ``<h>.t.me`` and
    ``tg://resolve?domain=<h>``, with or without scheme or ``www.``; punctuation that ends a
    sentence (``t.me/h.``) is not part of the link.

    Examples
    --------
    >>> parse_telegram_link("https://t.me/s/Nashir_News/1203")
    ('handle', 'nashir_news')
    >>> parse_telegram_link("t.me/c/1292077344/77")
    ('id', 'telegram:1292077344')
    >>> parse_telegram_link("https://t.me/joinchat/AAAAAEx") is None
    True
    """
    text = str(link).strip().rstrip(TRAILING_PUNCTUATION)
    match = _TME.match(text)
    if match:
        parts = [p for p in (match.group("path") or "").split("/") if p]
        if not parts:
            return None
        head = parts[0]
        if head.lower() == "s" and len(parts) > 1:
            head = parts[1]
        elif head.lower() == "c":
            if len(parts) > 1 and parts[1].isdigit():
                return ("id", telegram_key(int(parts[1])))
            return None
        if head.startswith("+") or head.lower() in RESERVED_PATHS or not is_handle(head):
            return None
        return ("handle", head.casefold())
    for pattern in (_SUBDOMAIN, _TG_RESOLVE):
        match = pattern.match(text)
        if match and is_handle(match.group("handle")):
            handle = match.group("handle")
            if handle.lower() not in RESERVED_PATHS and handle.lower() != "www":
                return ("handle", handle.casefold())
    return None


def parse_mention(value: str) -> tuple[str, str] | None:
    """What a mention names, whichever column it came from: ``@handle``, a bare handle or a
    link (see :func:`parse_telegram_link`); ``("handle", <lower-case handle>)``,
    ``("id", <key>)`` or ``None``. Punctuation that ends a sentence is not part of it.

    Examples
    --------
    >>> parse_mention("@Beta_News"), parse_mention("beta_news"), parse_mention("t.me/c/5/1")
    (('handle', 'beta_news'), ('handle', 'beta_news'), ('id', 'telegram:5'))
    >>> parse_mention("@ab") is None, parse_mention("@Beta_News,")
    (True, ('handle', 'beta_news'))
    """
    text = value.strip().rstrip(TRAILING_PUNCTUATION)
    if text.startswith("@"):
        text = text[1:]
    elif "/" in text or "." in text:
        return parse_telegram_link(text)
    return ("handle", text.casefold()) if is_handle(text) else None


# --- URLs in text ---------------------------------------------------------------------------

#: Links written in a text: with a scheme or ``www.``, Telegram links without one, and bare
#: ``host.tld/path`` (the path is required, so that sentences such as "e.g. this" are left
#: alone). RE2 syntax, so that pyarrow can run it on whole columns; case-insensitive.
#: Whitespace beyond ASCII's (RE2's ``\\s``) that NFKC leaves: a link ends there in both engines.
_MORE_SPACE = "\x0b\x1c\x1d\x1e\x1f\x85\u1680\u2028\u2029"
URL_PATTERN = (
    r"(?:https?://|www\.)[^\s" + _MORE_SPACE + r"<>\"'«»]+"
    r"|\b(?:t|telegram)\.(?:me|dog)/[^\s" + _MORE_SPACE + r"<>\"'«»]+"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/[^\s" + _MORE_SPACE + r"<>\"'«»]*"
)
_URL = re.compile(URL_PATTERN, re.IGNORECASE)
_TRACKING = re.compile(r"^(?:utm_.*|fbclid|gclid|yclid|igshid|mc_[a-z]+|ref|ref_src|si|s|"
                       r"feature|share|amp|_ga|spm)$", re.IGNORECASE)
#: Words in a host or path that mark donation, payment and crowdfunding links.
DONATION_WORDS = ("donat", "paypal", "patreon", "gofundme", "buymeacoffee", "ko-fi", "kofi",
                  "bitcoin", "btc", "wallet", "crypto", "sadaqa", "sadaka", "zakat", "infaq",
                  "payeer", "perfectmoney", "qiwi", "webmoney", "liberapay", "blockchain.info",
                  "etherscan", "monero", "support-us", "supportus")


def extract_urls(text: object) -> list[str]:
    """URLs written in a text (with or without a scheme; ``t.me/...`` included), as written
    (after NFKC); :func:`normalise_url` cleans them.

    Examples
    --------
    >>> extract_urls("read https://ex.org/a, and t.me/chan/5!")
    ['https://ex.org/a,', 't.me/chan/5!']
    """
    if not isinstance(text, str) or not text:
        return []
    return _URL.findall(unicodedata.normalize("NFKC", text))


def urls_in_texts(texts, *, nfkc: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """:func:`extract_urls` of many texts at once, in Arrow's regex engine (RE2) instead of a
    Python loop: the same pattern after NFKC, matches in order.

    Two differences: RE2's ``\\b`` is ASCII, Python's Unicode, so a link glued to a
    preceding non-Latin letter (``абвt.me/x``) is found here and not by :func:`extract_urls`;
    and a NUL character ends a link here.

    Parameters
    ----------
    texts : sequence of str or None, pandas Series, or pyarrow string array
    nfkc : bool, default True
        False when the texts are in NFKC already (the step is skipped).

    Returns
    -------
    rows : ndarray of int64
        The position of the text each URL was found in.
    urls : ndarray of object
        The URLs as written (after NFKC).

    Examples
    --------
    >>> rows, urls = urls_in_texts(["read https://ex.org/a, and t.me/chan/5!", None, "none"])
    >>> rows.tolist(), urls.tolist()
    ([0, 0], ['https://ex.org/a,', 't.me/chan/5!'])
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(texts, pd.Series):
        texts = texts.astype(object).where(texts.notna(), None).tolist()
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    arr = texts if isinstance(texts, pa.Array) else pa.array(
        [t if isinstance(t, str) else None for t in texts], type=pa.large_string())
    arr = arr.cast(pa.large_string())
    # NFKC leaves ASCII as it is: only the other texts go through it.
    ascii_ = pc.string_is_ascii(arr).fill_null(True)
    if nfkc and not pc.all(ascii_).as_py():
        other = pc.invert(ascii_)
        arr = pc.replace_with_mask(arr, other, pc.utf8_normalize(arr.filter(other), "NFKC"))
    found = np.flatnonzero(pc.match_substring_regex(arr, "(?i)" + URL_PATTERN)
                           .fill_null(False).to_numpy(zero_copy_only=False))
    if len(found) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)
    # Each match is wrapped in NUL characters (none is left in the text), so splitting on
    # them puts the URLs at the odd places of each text's pieces.
    marked = pc.replace_substring_regex(
        pc.replace_substring(arr.take(pa.array(found)), "\x00", " "),
        "(?i)(" + URL_PATTERN + ")", "\x00\\1\x00")
    pieces = pc.split_pattern(marked, "\x00")
    parent = pc.list_parent_indices(pieces).to_numpy()
    starts = pieces.offsets.to_numpy()
    odd = ((np.arange(len(parent)) - starts[parent]) % 2) == 1
    urls = pc.list_flatten(pieces).filter(pa.array(odd))
    return found[parent[odd]], np.asarray(urls.to_pylist(), dtype=object)


def normalise_url(url: object) -> str | None:
    """A canonical form of a link, so that copies of one link compare equal.

    Scheme and ``www.`` dropped, host lower-cased, Telegram's alternative hosts and web-preview
    paths (``telegram.me``, ``t.me/s/<handle>``) folded to ``t.me/<handle>``, Telegram paths
    lower-cased (handles are case-insensitive), tracking parameters (``utm_*``, ``fbclid``, ...)
    and fragments dropped, trailing slashes and punctuation removed. ``None`` when nothing
    link-like is left. Internationalised host names stay as written (lower-cased), so
    ``пример.рф`` and its ``xn--`` form stay two hosts.

    Examples
    --------
    >>> normalise_url("https://telegram.me/s/Amaq_Agency/12?single")
    't.me/amaq_agency/12'
    >>> normalise_url("http://news.example.org/2016/12/article.html?id=5&utm_medium=x).")
    'news.example.org/2016/12/article.html?id=5'
    >>> normalise_url("  ") is None
    True
    """
    if not isinstance(url, str):
        return None
    text = unicodedata.normalize("NFKC", url).strip().rstrip(TRAILING_PUNCTUATION)
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text, flags=re.IGNORECASE)
    text = text.split("#", 1)[0]
    host, slash, rest = text.partition("/")
    host = host.lower().split("@")[-1].rstrip(".")
    host = re.sub(r":(80|443)$", "", host)
    if host.startswith("www."):
        host = host[4:]
    if not host or "." not in host:
        return None
    path, _, query = rest.partition("?")
    if host in TELEGRAM_HOSTS:
        host = "t.me"
        parts = [p for p in path.lower().split("/") if p]
        if parts[:1] == ["s"]:
            parts = parts[1:]
        return "/".join([host, *parts])
    path = path.rstrip("/")
    params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True)
              if not _TRACKING.match(k)]
    out = host + ("/" + path if path else "")
    if params:
        out += "?" + urlencode(params)
    return out


def link_kind(url: str) -> str:
    """What a normalised link (:func:`normalise_url`) points to: ``"content"`` (an article, a
    file, a ``t.me/<handle>/<id>`` post) or a boilerplate kind: ``"channel"``
    (``t.me/<handle>``), ``"invite"`` (``t.me/+...`` and the service paths of
    :data:`RESERVED_PATHS`: invites, stickers, sharing, proxies, ...), ``"bot"`` (a handle
    ending in ``bot`` or a ``?start=`` deep link), ``"donation"`` (payment, crowdfunding and
    wallet links, see :data:`DONATION_WORDS`) or ``"homepage"`` (a site's root).

    Examples
    --------
    >>> [link_kind(u) for u in ["t.me/+AbC", "t.me/newsbot/3", "paypal.me/x", "example.com",
    ...                          "example.com/files/report.pdf"]]
    ['invite', 'bot', 'donation', 'homepage', 'content']
    """
    host, _, rest = url.partition("/")
    path = rest.split("?", 1)[0]
    lowered = url.lower()
    if any(word in lowered for word in DONATION_WORDS):
        return "donation"
    if host == "t.me":
        parts = [p for p in path.split("/") if p]
        if not parts:
            return "homepage"
        if parts[0] in RESERVED_PATHS or parts[0].startswith("+"):
            return "invite"
        if parts[0].endswith("bot") or "start=" in lowered:
            return "bot"
        if parts[0] == "c" and len(parts) >= 3 and parts[2].isdigit():
            return "content"  # a post in a private channel
        if len(parts) >= 2 and parts[1].isdigit():
            return "content"
        return "channel"
    if not path.strip("/"):
        return "homepage"
    return "content"


# --- defanging -------------------------------------------------------------------------------

_SCHEME = re.compile(r"\b(h)tt(ps?)(?=:)", re.IGNORECASE)
_STOP = r"[^\s<>\"'«»]"  # a character a link written in a text may hold
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
# Links to defang in free text: wider than URL_PATTERN on purpose (any scheme, host names in
# any script, IP addresses, and the "javascript:"-style pseudo-schemes a reader could paste
# into a browser), since missing one is worse than defanging a word too many.
_URL_IN_TEXT = re.compile(
    rf"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.){_STOP}+"
    rf"|\b(?:t|telegram)\.(?:me|dog)/{_STOP}*"
    rf"|\b[\w-]+(?:\.[\w-]+)*\.(?:[^\W\d_]{{2,}}|xn--[a-z0-9-]+)/{_STOP}*"
    rf"|\b(?:javascript|vbscript|data|tg):{_STOP}*",
    re.IGNORECASE)
# IP addresses, bare or with a port or a path: IPv6 in brackets (at least two colons), and
# IPv4 (four numbers of at most 255, checked in _defang_ip, not a part of a longer dotted
# number). A pattern of its own that starts with "[" or a digit, so that re skips ahead fast.
_IP_IN_TEXT = re.compile(
    rf"\[[0-9a-f.]*:[0-9a-f.]*:[0-9a-f:.]*\](?::\d{{1,5}})?(?:/{_STOP}*)?"
    rf"|\d{{1,3}}\.\d{{1,3}}\.\d{{1,3}}\.\d{{1,3}}(?![\w]|\.\d)(?::\d{{1,5}})?(?:/{_STOP}*)?",
    re.IGNORECASE)
_IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")
# Bare host names (no scheme, no path): dotted labels in any script whose last label is a
# top-level domain of the Public Suffix List (checked in _defang_host); the whole dotted
# run is taken, so "1.2.3" or "a.com.5" are not hosts.
_BARE_HOST = re.compile(r"(?<![\w-])(?:[\w-]+\.)+(?P<tld>[^\W\d_]{2,}|xn--[a-z0-9-]+)"
                        r"(?![\w-]|\.[\w-])", re.IGNORECASE)
#: Top-level domains that are also common file extensions: a bare ``name.<ext>`` is a file
#: name in prose (``setup.py``, ``video.mov``, ``notes.md``), so it is defanged only in the
#: forms that make it a link: with a scheme or ``www.``, followed by a path, or as the
#: domain of an e-mail address. ``.zip`` and ``.mov`` are real TLDs used in phishing; the
#: rule keeps their links defanged and leaves file names alone.
FILE_EXTENSION_TLDS = frozenset({"zip", "mov", "py", "sh", "md", "rs", "pl", "pm"})
#: Top-level domains of networks outside the DNS that the Public Suffix List does not hold.
EXTRA_TLDS = frozenset({"i2p", "bit", "loki"})


@functools.cache
def _public_suffixes():
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList(accept_unknown=False)


@functools.lru_cache(maxsize=4096)
def is_public_tld(label: str) -> bool:
    """Whether ``label`` is a top-level domain: a one-label public suffix of the Public Suffix
    List (the copy shipped with the ``publicsuffixlist`` package; ICANN and private sections,
    internationalised TLDs in Unicode or ``xn--`` form, ``onion``), or one of
    :data:`EXTRA_TLDS`. Case-insensitive.

    Examples
    --------
    >>> is_public_tld("ps"), is_public_tld("GOV"), is_public_tld("рф"), is_public_tld("pdf")
    (True, True, True, False)
    """
    label = label.lower()
    if label in EXTRA_TLDS:
        return True
    try:
        return bool(_public_suffixes().is_public(label))
    except (UnicodeError, ValueError):
        return False


def _defang_host(match: re.Match) -> str:
    host, tld = match.group(0), match.group("tld").lower()
    if not is_public_tld(tld):
        return host
    start = match.start()
    if tld in FILE_EXTENSION_TLDS and not (start and match.string[start - 1] == "@"):
        return host  # a file name, unless it is an e-mail address's domain
    return host.replace(".", "[.]")


def _defang_ip(match: re.Match) -> str:
    text, start = match.group(0), match.start()
    if not text.startswith("["):
        if start and (match.string[start - 1].isalnum() or match.string[start - 1] in "._"):
            return text  # a part of a word or of a longer dotted number
        if not _IPV4.match(text.split(":", 1)[0].split("/", 1)[0]):
            return text
    return defang(text)


def _defang_ipv6(host: str) -> str:
    """``[2001:db8::1]:80`` -> ``[2001[:]db8[:][:]1]:80`` (idempotent)."""
    end = host.rfind("]")
    inside = re.sub(r"\[:\]|:", "[:]", host[1:end])
    return "[" + inside + host[end:]


def defang(url: object) -> str:
    """Rewrite a URL so it is neither clickable nor auto-linked: ``http`` becomes ``hxxp``
    and dots in the host become ``[.]``. Other schemes (``javascript:``) get ``[:]``.
    Idempotent.

    Examples
    --------
    >>> defang("javascript:alert(1)")
    'javascript[:]alert(1)'
    >>> defang("t.me/s/handle")
    't[.]me/s/handle'
    >>> defang(defang("https://t.me/x")) == defang("https://t.me/x")
    True
    """
    if url is None or url is pd.NA:
        return ""
    text = str(url).strip()
    text = _SCHEME.sub(lambda m: f"{m.group(1)}xx{m.group(2)}", text)
    match = re.match(r"^([a-z][a-z0-9+.-]*)(:)(?!//)", text, re.IGNORECASE)
    if match and not match.group(1).lower().startswith("hxxp"):
        return text[: match.end(1)] + "[:]" + text[match.end():]
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "", text
    host, slash, path = rest.partition("/")
    if host.startswith("[") and "]" in host:
        host = _defang_ipv6(host)
    host = re.sub(r"(?<!\[)\.(?!\])", "[.]", host)  # idempotent: leaves "[.]" alone
    return (f"{scheme}://" if sep else "") + host + slash + path


def defang_text(value: object) -> str:
    """Free text with every link in it defanged (``hxxps://t[.]me/...``); not escaped.

    Use it for texts and names handed to a plot function (which escapes them); use
    :func:`workbench.briefing.safe_html` for HTML. Defanging twice changes nothing.

    What counts as a link:

    - anything with a scheme (``https://``, ``ftp://``, ``hxxp://``) or starting ``www.``,
      and the pseudo-schemes ``javascript:``, ``vbscript:``, ``data:``, ``tg:`` (which get
      ``[:]``);
    - ``t.me``/``telegram.me``/``telegram.dog`` links;
    - ``host.tld/path``: dotted labels in any script with a path (any alphabetic last label);
    - IPv4 addresses, bare or with a port or path (``185.22.33.44/feed``; four dotted
      numbers of at most 255, so a four-part version number is defanged too), and IPv6
      addresses in brackets (``[2001:db8::1]`` becomes ``[2001[:]db8[:][:]1]``);
    - bare host names (``amaq.ps``, ``isdarat.gov``, ``пример.рф``, ``xn--e1afmkfd.xn--p1ai``,
      the domain of ``x@protonmail.ch``): dotted labels in any script whose last label is a
      top-level domain of the Public Suffix List (:func:`is_public_tld`), and not one of
      :data:`FILE_EXTENSION_TLDS` (``setup.py``, ``clip.mov``, ``notes.md`` are file names;
      they are defanged only with a scheme, ``www.``, a path, or after an ``@``).

    Ordinary prose is left alone: ``e.g.``, ``U.S.``, ``3.5 km``, ``1.2.3``, ``report.pdf``
    (``pdf`` is no TLD). A word glued to a TLD-word after a full stop with no space
    (``it.Today``, ``ASP.NET``) is defanged: one word too many is the safe side.

    Examples
    --------
    >>> defang_text('<a href="javascript:alert(1)">open</a>')
    '<a href="javascript[:]alert(1)">open</a>'
    >>> defang_text("mirror: example.com and t.me/s/handle")
    'mirror: example[.]com and t[.]me/s/handle'
    >>> defang_text("amaq.ps, 185.22.33.44/feed, x@protonmail.ch; not setup.py or e.g. 1.2.3")
    'amaq[.]ps, 185[.]22[.]33[.]44/feed, x@protonmail[.]ch; not setup.py or e.g. 1.2.3'
    >>> defang_text(None)
    ''
    """
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    # Every link found goes through defang, which is idempotent: defanging an already
    # defanged text changes nothing (titles pass twice).
    text = _URL_IN_TEXT.sub(lambda m: defang(m.group(0)), str(value))
    if "." not in text and "[" not in text:
        return text
    text = _IP_IN_TEXT.sub(_defang_ip, text)
    return _BARE_HOST.sub(_defang_host, text)
