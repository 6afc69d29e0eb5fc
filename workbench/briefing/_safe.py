"""Making a briefing safe to hand on: defanged free text, escaped HTML, and pseudonymised
identifiers.

Message texts and channel names come from adversaries. In a briefing every one of them is
HTML-escaped (:func:`safe_html`) and every link inside them is defanged
(:func:`defang_text`, from :mod:`workbench.links`), so nothing is interpreted as markup and
nothing is clickable.

:class:`Pseudonymiser` replaces user and channel identifiers and names with salted hashes
(HMAC-SHA-256 keyed by the full salt; the class extends :class:`workbench.privacy.Pseudonymiser`,
the pseudonymiser loading uses) for briefings that leave the team. The same salt gives the same pseudonyms,
so a briefing is consistent in itself (and across briefings made with one salt); another
salt gives unrelated pseudonyms. The salt is never written anywhere.

Examples
--------
>>> defang_text("read https://t.me/example/12 or www.example.org now")
'read hxxps://t[.]me/example/12 or www[.]example[.]org now'
>>> safe_html('<b>t.me/x</b>')
'&lt;b&gt;t[.]me/x&lt;/b&gt;'
>>> p = Pseudonymiser(salt="demo")
>>> p.channel_id("telegram:1048766675") == p.channel_id("telegram:1048766675")
True
>>> p.channel_id("telegram:1048766675").startswith("telegram:ps-")
True
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..corpus import Corpus
from ..ids import name_key
from ..links import RESERVED_PATHS, defang_text
from ..privacy import Pseudonymiser as _CorePseudonymiser
from ..text import escape

__all__ = ["defang_text", "safe_html", "Pseudonymiser", "pseudonymise_corpus"]

def safe_html(value: object) -> str:
    """A data-derived value ready for HTML: links defanged (:func:`defang_text`: URLs, bare
    hosts under a Public Suffix List TLD, IP addresses, e-mail domains), then HTML-escaped
    with its bidirectional controls isolated (:func:`workbench.text.escape`).

    Examples
    --------
    >>> safe_html("<script>alert('x')</script> https://evil.example/a")
    '&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; hxxps://evil[.]example/a'
    """
    return escape(defang_text(value))


# -- pseudonymisation -----------------------------------------------------------------------

_HANDLE_IN_TEXT = re.compile(r"(?<![\w@])@([A-Za-z][A-Za-z0-9_]{2,31})\b")
_TME_IN_TEXT = re.compile(
    r"\b((?:https?://)?(?:t|telegram)\.(?:me|dog)/(?:s/|c/)?)([A-Za-z0-9_]{3,})", re.IGNORECASE)
_TME_RESERVED = RESERVED_PATHS


class Pseudonymiser(_CorePseudonymiser):
    """Salted, consistent pseudonyms for channel and user identifiers, names and handles:
    :class:`workbench.privacy.Pseudonymiser` (HMAC-SHA-256 keyed by the full salt, the one
    pseudonymiser of the package), plus Telegram links and free text.

    Parameters
    ----------
    salt : str or bytes, optional
        The secret. Without it a random salt is drawn (``secrets.token_bytes``), so two
        briefings get unrelated pseudonyms. Pass the same salt to keep pseudonyms stable
        across briefings; keep it out of anything you share.

    Notes
    -----
    A channel's pseudonyms all derive from its original key: ``telegram:123`` becomes
    ``telegram:ps-<10 hex>`` and its name ``Channel <8 hex>`` (the same hex digits); a
    channel known only by a name keeps a name key (``telegram:name:channel <8 hex>``), so
    forwards from it still resolve to the same pseudonymous channel. Handles become
    ``h<10 hex>``, users ``user:ps-<10 hex>`` / ``User <8 hex>``.

    Examples
    --------
    >>> a, b = Pseudonymiser("one"), Pseudonymiser("two")
    >>> a.name_of("telegram:1") == a.name_of("telegram:1") != b.name_of("telegram:1")
    True
    >>> a.handle("Voice_News") == a.handle("voice_news")
    True
    """

    def link(self, url: object) -> str:
        """A link with any Telegram handle in it replaced by the handle's pseudonym."""
        return _TME_IN_TEXT.sub(self._tme, str(url))

    def _tme(self, match: re.Match) -> str:
        prefix, handle = match.group(1), match.group(2)
        if handle.casefold() in _TME_RESERVED or handle.isdigit():
            return match.group(0) if not handle.isdigit() else prefix + "ps-" + \
                self.token("channel", f"telegram:{handle}")[:10]
        return prefix + self.handle(handle)

    def text_replacer(self, names: dict[str, str]):
        """A function replacing, in free text, every known name (``names``: original ->
        pseudonym), every ``@handle`` and every ``t.me/<handle>`` link."""
        ordered = sorted((n for n in names if n and len(n) >= 3), key=len, reverse=True)
        lookup = {n.casefold(): names[n] for n in ordered}
        pattern = (re.compile("|".join(re.escape(n) for n in ordered), re.IGNORECASE)
                   if ordered else None)

        def replace(value: object) -> object:
            if value is None or value is pd.NA:
                return value
            text = str(value)
            if pattern is not None:
                text = pattern.sub(lambda m: lookup.get(m.group(0).casefold(), m.group(0)), text)
            text = _TME_IN_TEXT.sub(self._tme, text)
            return _HANDLE_IN_TEXT.sub(lambda m: "@" + self.handle(m.group(1)), text)

        return replace


def _map_strings(series: pd.Series, fn) -> pd.Series:
    """Apply ``fn`` to each distinct non-null value once (columns repeat values a lot)."""
    if not len(series):
        return series.copy()
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = np.array([fn(u) for u in uniques] + [pd.NA], dtype=object)
    return pd.Series(mapped[codes], index=series.index, dtype=series.dtype)


def pseudonymise_corpus(corpus: Corpus, pseudonymiser: Pseudonymiser) -> Corpus:
    """A copy of ``corpus`` with every user and channel identifier and name pseudonymised.

    Channel keys, names and handles (in every table, in forward headers, mentions, Telegram
    links and in message texts), user ids and names, media file names and input file paths
    are replaced; analyst labels (``group``, ``lang``), dates and the rest of the texts stay.
    Rejected records keep their reason but not their raw content. Structure is preserved:
    the forward network, cross-posts and volumes of the copy are those of the original up to
    renaming.

    Examples
    --------
    >>> import workbench as wb
    >>> corpus = wb.load_fixtures()
    >>> masked = pseudonymise_corpus(corpus, Pseudonymiser("demo"))
    >>> bool(masked.channels["name"].isin(corpus.channels["name"]).any())
    False
    >>> len(masked.messages) == len(corpus.messages)
    True
    """
    p = pseudonymiser
    ch = corpus.channels
    m = corpus.messages

    # Names -> pseudonyms: channel names by their key, and the names forwards give.
    names: dict[str, str] = {}
    for cid, name in zip(ch["channel_id"].astype(object), ch["name"].astype(object)):
        if name is not pd.NA and name is not None:
            names.setdefault(str(name), p.name_of(str(cid)))
    fwd = m[["fwd_from_channel_id", "fwd_from_name", "platform"]].dropna(subset=["fwd_from_name"])
    for cid, name, platform in fwd.drop_duplicates().itertuples(index=False):
        key = cid if cid is not pd.NA and cid is not None else name_key(str(name), str(platform))
        names.setdefault(str(name), p.name_of(str(key)))
    for col in ("author",):
        for name in m[col].dropna().unique():
            names.setdefault(str(name), p.user_name(name))
    for handle in ch["handle"].dropna().unique():
        names.setdefault(f"@{handle}", f"@{p.handle(handle)}")
    replace_text = p.text_replacer(names)

    messages = m.copy()
    messages["channel"] = [p.name_of(str(c)) for c in m["channel_id"].astype(object)]
    messages["channel"] = messages["channel"].astype(m["channel"].dtype)
    messages["channel_id"] = _map_strings(m["channel_id"], p.channel_id)
    messages["author_id"] = _map_strings(m["author_id"], p.user_id)
    messages["author"] = _map_strings(m["author"], p.user_name)
    fwd_key = m["fwd_from_channel_id"].astype(object).where(
        m["fwd_from_channel_id"].notna(),
        [name_key(str(n), str(pl)) if n is not pd.NA else pd.NA
         for n, pl in zip(m["fwd_from_name"].astype(object), m["platform"].astype(object))])
    messages["fwd_from_name"] = pd.Series(
        [p.name_of(str(k)) if n is not pd.NA else pd.NA
         for k, n in zip(fwd_key, m["fwd_from_name"].astype(object))],
        index=m.index, dtype=m["fwd_from_name"].dtype)
    messages["fwd_from_channel_id"] = _map_strings(m["fwd_from_channel_id"], p.channel_id)
    messages["text"] = _map_strings(m["text"], lambda t: replace_text(p.contacts(t)))
    messages["media_name"] = _map_strings(
        m["media_name"], lambda n: "media-" + p.path_component(str(n)).removeprefix("p-"))
    messages["mentions"] = [[p.handle(h) for h in hs] for hs in m["mentions"]]
    messages["links"] = [[p.link(u) for u in us] for us in m["links"]]
    messages["source"] = _map_strings(m["source"], p.path)
    # Label files may bring identifying columns along (copied onto messages by the loader).
    if "handle" in messages.columns:
        messages["handle"] = _map_strings(m["handle"], p.handle)
    if "name" in messages.columns:
        messages["name"] = messages["channel"]

    channels = ch.copy()
    channels["name"] = pd.Series([p.name_of(str(c)) for c in ch["channel_id"].astype(object)],
                                 index=ch.index, dtype=ch["name"].dtype)
    channels["channel_id"] = _map_strings(ch["channel_id"], p.channel_id)
    channels["handle"] = _map_strings(ch["handle"], p.handle)

    service = corpus.service.copy()
    service["channel_id"] = _map_strings(service["channel_id"], p.channel_id)
    service["actor_id"] = _map_strings(service["actor_id"], p.channel_id)
    service["actor"] = _map_strings(service["actor"], lambda n: names.get(str(n),
                                                                         p.user_name(n)))
    service["text"] = _map_strings(service["text"], lambda t: replace_text(p.contacts(t)))
    service["source"] = _map_strings(service["source"], p.path)

    rejected = corpus.rejected.copy()
    rejected["source"] = _map_strings(rejected["source"], p.path)
    rejected["raw"] = pd.Series(pd.NA, index=rejected.index, dtype=corpus.rejected["raw"].dtype)
    rejected["reason"] = _map_strings(rejected["reason"],
                                      lambda t: replace_text(p.contacts(t)))

    files = corpus.files.copy()
    files["path"] = _map_strings(files["path"], p.path)
    return Corpus(messages, channels, rejected, service, files)
