"""Links and handles (workbench.links): reserved t.me paths, link parsing, handle rules, URL
extraction and normalisation, link kinds, defanging. Every expected value is worked out by
hand from the rules in the module's docstrings."""

from __future__ import annotations

import pandas as pd
import pytest

import workbench as wb
from workbench import links
from workbench.links import (RESERVED_PATHS, defang, defang_text, extract_urls, handle_key,
                             is_handle, link_kind, normalise_handle, normalise_url,
                             parse_mention, parse_telegram_link)

# The three lists this module replaces, as they were (network, crosspost, briefing).
OLD_NETWORK = {"joinchat", "share", "addstickers", "addemoji", "addlist", "addtheme", "proxy",
               "socks", "setlanguage", "bg", "login", "confirmphone", "invoice", "iv", "contact",
               "msg", "boost", "giftcode", "m"}
OLD_CROSSPOST = {"joinchat", "addstickers", "addemoji", "share", "proxy", "socks", "setlanguage",
                 "addtheme", "login", "confirmphone", "iv", "contact", "boost", "invoice",
                 "giftcode", "addlist", "m"}
OLD_BRIEFING = {"joinchat", "addstickers", "share", "proxy", "socks", "iv", "login"}


# --- reserved paths -------------------------------------------------------------------------

def test_reserved_paths_are_the_reviewed_union():
    assert OLD_NETWORK | OLD_CROSSPOST | OLD_BRIEFING <= RESERVED_PATHS
    # Added from Telegram's list of names that are not usernames (core.telegram.org/api/links).
    assert RESERVED_PATHS - OLD_NETWORK == {"addstyle", "auth", "call", "nft", "auction", "web",
                                            "a", "k", "z"}
    # s/ and c/ are read structurally, not skipped.
    assert not {"s", "c"} & RESERVED_PATHS


@pytest.mark.parametrize("path", sorted(RESERVED_PATHS))
def test_no_reserved_path_is_a_channel(path):
    for link in (f"https://t.me/{path}", f"t.me/{path}/AbCdEf_123", f"https://t.me/s/{path}",
                 f"telegram.me/{path.upper()}/x", f"https://{path}.t.me/",
                 f"tg://resolve?domain={path}"):
        assert parse_telegram_link(link) is None, link
    assert parse_mention(f"t.me/{path}/x") is None
    assert link_kind(normalise_url(f"https://t.me/{path}/AbC")) == "invite"


def test_a_handle_that_only_starts_like_a_reserved_path_is_a_channel():
    assert parse_telegram_link("t.me/joinchat_news") == ("handle", "joinchat_news")
    assert parse_telegram_link("t.me/sharewire") == ("handle", "sharewire")
    assert link_kind("t.me/sharewire") == "channel"


# --- t.me links -----------------------------------------------------------------------------

@pytest.mark.parametrize("link, expected", [
    # invites: t.me/+<hash> (and phone-number links, also "+")
    ("https://t.me/+AbCdEfGhIjK", None),
    ("t.me/+AbCdEfGhIjK/", None),
    ("https://t.me/+15551234567", None),
    ("https://t.me/joinchat/AAAAAEkk2WdoDrB4-Q8-gg", None),
    # /s/<handle>: the web preview of the channel
    ("t.me/s/Beta_News", ("handle", "beta_news")),
    ("https://t.me/s/beta_news/77?before=80", ("handle", "beta_news")),
    ("https://t.me/s/", None),
    ("t.me/s", None),
    # /c/<id>/<post>: a private channel by bare id
    ("https://t.me/c/123/45", ("id", "telegram:123")),
    ("t.me/c/1292077344", ("id", "telegram:1292077344")),
    ("t.me/c/abc/45", None),
    ("t.me/c/", None),
    # trailing punctuation ends the sentence, not the link
    ("t.me/beta_news.", ("handle", "beta_news")),
    ("https://t.me/beta_news),", ("handle", "beta_news")),
    ("t.me/beta_news/12!", ("handle", "beta_news")),
    ("t.me/beta_news…", ("handle", "beta_news")),
    ("t.me/beta_news»", ("handle", "beta_news")),
    # upper case anywhere
    ("HTTPS://T.ME/BETA_NEWS/3", ("handle", "beta_news")),
    ("https://WWW.Telegram.Dog/Beta_News", ("handle", "beta_news")),
    ("https://Beta_News.T.ME/", ("handle", "beta_news")),
    ("TG://RESOLVE?DOMAIN=Beta_News", ("handle", "beta_news")),
    # look-alike hosts and handles
    ("https://\u0442.me/beta_news", None),                 # Cyrillic te
    ("https://t.me.example.org/beta_news", None),
    ("https://t.me/\u212aavkaz_news", None),              # Kelvin sign, not K
    ("https://t.me/be\u0301ta_news", None),               # combining accent
    ("https://www.beta_news.t.me/", None),
    ("https://t.me/abc", None),                           # too short
    ("https://t.me/abcd", ("handle", "abcd")),            # 4: Fragment collectible names
    ("https://t.me/" + "a" * 32, ("handle", "a" * 32)),
    ("https://t.me/" + "a" * 33, None),
    ("https://t.me/1abcde", None),
    ("https://t.me/_abcde", None),
])
def test_parse_telegram_link(link, expected):
    assert parse_telegram_link(link) == expected


@pytest.mark.parametrize("value, expected", [
    ("@Beta_News", ("handle", "beta_news")),
    ("beta_news", ("handle", "beta_news")),
    ("  @BETA_NEWS  ", ("handle", "beta_news")),
    ("@beta_news,", ("handle", "beta_news")),
    ("@beta_news.", ("handle", "beta_news")),
    ("@beta_news!?", ("handle", "beta_news")),
    ("@abc", None),
    ("@b\u00e9ta_news", None),
    ("https://t.me/c/77/1", ("id", "telegram:77")),
    ("https://example.org/beta_news", None),
    ("@@beta_news", None),
])
def test_parse_mention(value, expected):
    assert parse_mention(value) == expected


def test_handle_rules():
    assert [is_handle(h) for h in ["abcd", "abc", "a" * 32, "a" * 33, "a1_b", "1abc", "_abc",
                                   "ab-cd", "@abcd", "\u212aavkaz", "абвгд"]] == [
        True, False, True, False, True, False, False, False, False, False, False]
    assert normalise_handle("@Beta_NEWS") == "beta_news"
    assert handle_key("@Beta_NEWS") == "telegram:handle:beta_news"
    assert handle_key("AbuX", "twitter") == "twitter:handle:abux"


# --- URLs -----------------------------------------------------------------------------------

def test_extract_urls():
    text = ("read https://ex.org/a, t.me/Chan/5! www.site.net and news.example.com/x?y=1 "
            "but not e.g. this or mail@example.com")
    assert extract_urls(text) == ["https://ex.org/a,", "t.me/Chan/5!", "www.site.net",
                                  "news.example.com/x?y=1"]
    # NFKC first: full-width letters and the full-width colon and slashes are links too.
    assert extract_urls("ｈｔｔｐｓ：／／ｅｘ．ｏｒｇ／ａ") == ["https://ex.org/a"]
    # Host names in another script are found with a scheme; bare ones are not.
    assert extract_urls("см. https://пример.рф/путь и пример.рф/путь") == [
        "https://пример.рф/путь"]
    assert extract_urls(None) == [] and extract_urls("") == []


@pytest.mark.parametrize("url, norm", [
    ("https://telegram.me/s/Amaq_Agency/12?single", "t.me/amaq_agency/12"),
    ("HTTP://WWW.T.ME/Beta_News/", "t.me/beta_news"),
    ("t.me/Beta_News!", "t.me/beta_news"),
    ("https://news.example.org:443/A/B/?utm_source=tg&id=3&fbclid=x#top",
     "news.example.org/A/B?id=3"),
    ("http://user@Example.ORG:80/", "example.org"),
    ("https://ПРИМЕР.рф/Путь", "пример.рф/Путь"),               # IDN: lower-cased, kept
    ("http://xn--e1afmkfd.xn--p1ai/a", "xn--e1afmkfd.xn--p1ai/a"),  # its punycode: another key
    ("localhost/x", None),
    (None, None),
])
def test_normalise_url(url, norm):
    assert normalise_url(url) == norm


@pytest.mark.parametrize("norm, kind", [
    ("t.me/beta_news", "channel"),
    ("t.me/beta_news/5", "content"),
    ("t.me/c/123/45", "content"),
    ("t.me/+abc", "invite"),
    ("t.me/joinchat/abc", "invite"),
    ("t.me/bg/abc", "invite"),          # was "channel" in cross-posting (bg was not listed)
    ("t.me/news_bot", "bot"),
    ("t.me/beta_news?start=1", "bot"),
    ("t.me", "homepage"),
    ("paypal.me/x", "donation"),
    ("example.org", "homepage"),
    ("example.org/a.pdf", "content"),
])
def test_link_kind(norm, kind):
    assert link_kind(norm) == kind


# --- defanging ------------------------------------------------------------------------------

@pytest.mark.parametrize("url, out", [
    ("http://example.org/a.b", "hxxp://example[.]org/a.b"),
    ("https://t.me/handle/12", "hxxps://t[.]me/handle/12"),
    ("HTTPS://Example.COM", "HxxPS://Example[.]COM"),
    ("t.me/s/handle", "t[.]me/s/handle"),
    ("www.example.org/path.html", "www[.]example[.]org/path.html"),
    ("example.org", "example[.]org"),
    ("https://пример.рф/путь", "hxxps://пример[.]рф/путь"),
    ("javascript:alert(1)", "javascript[:]alert(1)"),
    ("hxxps://t[.]me/x", "hxxps://t[.]me/x"),
    (None, ""),
    (pd.NA, ""),
])
def test_defang(url, out):
    assert defang(url) == out
    assert defang(out) == out  # idempotent


def test_defang_text_defangs_every_link_and_nothing_else():
    text = ("see https://t.me/x, t.me/s/handle and www.site.org/a; mirror example.com, "
            "пример.рф/путь or пример.рф; not e.g. this, 3.5 km or @beta_news")
    assert defang_text(text) == (
        "see hxxps://t[.]me/x, t[.]me/s/handle and www[.]site[.]org/a; mirror example[.]com, "
        "пример[.]рф/путь or пример[.]рф; not e.g. this, 3.5 km or @beta_news")
    assert defang_text(defang_text(text)) == defang_text(text)
    assert defang_text('<a href="vbscript:x">') == '<a href="vbscript[:]x">'
    assert defang_text(float("nan")) == ""


@pytest.mark.parametrize("text, out", [
    # bare hosts: the last label is a TLD of the Public Suffix List
    ("see amaq.ps today", "see amaq[.]ps today"),
    ("isdarat.gov mirror", "isdarat[.]gov mirror"),
    ("AMAQ.PS.", "AMAQ[.]PS."),                                   # the full stop ends the host
    ("sub.domain.co.uk", "sub[.]domain[.]co[.]uk"),
    ("hidden at foo.onion", "hidden at foo[.]onion"),
    ("write x@protonmail.ch", "write x@protonmail[.]ch"),
    # internationalised hosts, in Unicode or xn-- form
    ("пример.рф", "пример[.]рф"),
    ("xn--e1afmkfd.xn--p1ai", "xn--e1afmkfd[.]xn--p1ai"),
    ("مثال.موقع", "مثال[.]موقع"),
    # IP addresses: IPv4 bare, with a port or a path; IPv6 in brackets
    ("feed at 185.22.33.44/feed", "feed at 185[.]22[.]33[.]44/feed"),
    ("(185.22.33.44).", "(185[.]22[.]33[.]44)."),
    ("10.0.0.1:8080/x", "10[.]0[.]0[.]1:8080/x"),
    ("[2001:db8::1]/x", "[2001[:]db8[:][:]1]/x"),
    ("http://[2001:db8::1]:80/x", "hxxp://[2001[:]db8[:][:]1]:80/x"),
    # TLDs that are file extensions: links only with a scheme, www., a path or an @
    ("get archive.zip and clip.mov", "get archive.zip and clip.mov"),
    ("run main.py or setup.sh", "run main.py or setup.sh"),
    ("evil.zip/payload", "evil[.]zip/payload"),
    ("https://evil.zip", "hxxps://evil[.]zip"),
    ("www.evil.mov", "www[.]evil[.]mov"),
    ("x@foo.zip", "x@foo[.]zip"),
    # prose left alone
    ("report.pdf, node.js, index.html", "report.pdf, node.js, index.html"),
    ("e.g. i.e. U.S. a.m. etc.", "e.g. i.e. U.S. a.m. etc."),
    ("v1.2.3, 3.5 km, 12.30pm, No.1", "v1.2.3, 3.5 km, 12.30pm, No.1"),
    ("256.1.1.1, 1.2.3.4.5, a.b.c.d, x.com.5", "256.1.1.1, 1.2.3.4.5, a.b.c.d, x.com.5"),
    ("[1:2] and @beta_news", "[1:2] and @beta_news"),
])
def test_defang_text_by_hand(text, out):
    assert defang_text(text) == out
    assert defang_text(out) == out  # idempotent


@pytest.mark.parametrize("url, out", [
    ("[2001:db8::1]", "[2001[:]db8[:][:]1]"),
    ("[::1]:8080/x", "[[:][:]1]:8080/x"),
    ("185.22.33.44:8080/feed", "185[.]22[.]33[.]44:8080/feed"),
])
def test_defang_ip_hosts(url, out):
    assert defang(url) == out
    assert defang(out) == out


def test_is_public_tld():
    from workbench.links import is_public_tld

    assert all(map(is_public_tld, ["com", "PS", "gov", "ch", "рф", "xn--p1ai", "onion", "zip"]))
    assert not any(map(is_public_tld, ["pdf", "html", "js", "exe", "g", "", "a.b"]))


# --- one home: the old public names are these functions ---------------------------------------

def test_old_names_are_the_links_functions():
    from workbench.briefing import _safe
    from workbench.crosspost import _normalise
    from workbench.network import _edges

    assert wb.network.handle_key is links.handle_key
    assert wb.network.parse_telegram_link is links.parse_telegram_link
    assert _edges.handle_key is links.handle_key
    for name in ("extract_urls", "normalise_url", "link_kind"):
        assert getattr(wb.crosspost, name) is getattr(links, name)
        assert getattr(_normalise, name) is getattr(links, name)
    assert wb.briefing.defang_text is links.defang_text
    assert wb.text.defang is links.defang
    assert _safe._TME_RESERVED is RESERVED_PATHS


# --- URLs of many texts at once ------------------------------------------------------------

def test_urls_in_texts_matches_extract_urls_on_real_texts(samples):
    # Every text of the genuine Telethon channels: the column kernel finds exactly the URLs,
    # in the order, that the one-text function finds.
    corpus = wb.load(samples / "telethon-real", progress=False)
    texts = corpus.messages["text"]
    rows, urls = links.urls_in_texts(texts)
    expected = [(i, u) for i, t in enumerate(texts.astype(object).where(texts.notna(), None))
                for u in extract_urls(t)]
    assert len(expected) > 1000
    assert list(zip(rows.tolist(), urls.tolist())) == expected


def test_urls_in_texts_hand_cases():
    texts = ["ｈｔｔｐｓ://ex.org/a and www.b.com/x?y=1", "a\x00b t.me/c/1 «https://d.io/e»",
             None, "", "see e.g. this", "news.site.co.uk/2016/12/a.html.",
             # a link ends at any whitespace, ASCII or not (RE2's \s is ASCII only)
             "see https://a.org/x\u2028more https://b.org/y\x0bz https://c.org/q\x85r"]
    rows, urls = links.urls_in_texts(pd.Series(texts, dtype="string"))
    expected = [(0, "https://ex.org/a"), (0, "www.b.com/x?y=1"), (1, "t.me/c/1"),
                (1, "https://d.io/e"), (5, "news.site.co.uk/2016/12/a.html."),
                (6, "https://a.org/x"), (6, "https://b.org/y"), (6, "https://c.org/q")]
    assert list(zip(rows.tolist(), urls.tolist())) == expected
    assert [(i, u) for i, t in enumerate(texts) for u in extract_urls(t)] == expected
