"""Language editions of a news network, with planted languages and topics.

One invented news brand publishes the same articles in twelve language editions (Arabic, the
hub, then Persian, Urdu, Pashto, Russian, Ukrainian, English, French, German, Turkish,
Indonesian, Bosnian). Each post is written from real, neutral sentences of its language
(:mod:`._sentences`: real function words) plus words from the vocabulary of its article's
topic: invented words, one vocabulary per topic and script, so a topic model has a planted
structure to recover and nothing is real content. A topic is also what its articles are
about: topic ``t`` is written with the sentences ``j`` where ``j % N_TOPICS == t`` (the
weather, the market, ...), sometimes with one unrelated sentence as noise. Translations of one article share its
link (cross-posting between languages), editions forward some of the hub's posts (Arabic
inside another edition), and a few posts carry only a link and an emoji (no language).

Randomness comes from its own stream, ``numpy.random.default_rng([seed, 15])``, so the rest
of the world's draws are untouched. The truth (``truth.json``, key ``languages``) gives each
edition's language and, per message, its language (null when it has none) and topic.

Examples
--------
>>> ed = language_editions(2016, n_articles=30)
>>> sorted(ed.truth["languages"]) == sorted(SENTENCES)
True
>>> ed.truth["channels"][0]["lang"], ed.truth["channels"][0]["hub"]
('ar', True)
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from ._constants import DAY, END_TS, START_TS
from ._sentences import SCRIPT, SENTENCES
from ._texts import _denied, _pseudo_word

__all__ = ["Editions", "language_editions"]

#: Edition name suffixes, in each edition's own language (the hub, Arabic, has none).
SUFFIX = {"ar": "", "fa": " فارسی", "ur": " اردو", "ps": " پښتو", "ru": " Русский",
          "uk": " Українська", "en": " English", "fr": " Français", "de": " Deutsch",
          "tr": " Türkçe", "id": " Indonesia", "bs": " Bosanski"}
#: Planted topics (their invented vocabularies are drawn per script).
N_TOPICS = 5
TOPIC_WORDS = 14
GROUP = "news_editions"
_EMOJI = ("🔴", "📢", "⚡️", "✅")
_FIRST_ID = 1_900_000_000


@dataclass(frozen=True)
class Editions:
    """The editions as Telegram Desktop exports (by handle), their labels and the truth."""

    exports: dict
    labels: list
    truth: dict


def _vocabularies(rng: random.Random) -> dict[str, list[list[str]]]:
    """Per script, ``N_TOPICS`` disjoint lists of invented topic words."""
    out = {}
    for script in ("arabic", "latin", "cyrillic"):
        seen: set[str] = set()
        topics = []
        for _ in range(N_TOPICS):
            words = []
            while len(words) < TOPIC_WORDS:
                word = _pseudo_word(rng, script, 3)
                if len(word) >= 6 and word not in seen and not _denied(word):
                    seen.add(word)
                    words.append(word)
            topics.append(words)
        out[script] = topics
    return out


def _brand(rng: random.Random) -> str:
    while True:
        word = _pseudo_word(rng, "latin", 3).capitalize()
        if 6 <= len(word) <= 10 and not _denied(word):
            return word


def language_editions(seed: int = 2016, *, n_articles: int = 160) -> Editions:
    """Generate the language editions (see the module notes).

    Parameters
    ----------
    seed : int
        The world's seed; the editions draw from ``default_rng([seed, 15])``.
    n_articles : int
        Articles the hub publishes; each is translated into about half the editions.

    Returns
    -------
    Editions
    """
    nrng = np.random.default_rng([seed, 15])
    rng = random.Random(int(nrng.integers(2**32)))  # the syllable helpers take a Random
    vocab = _vocabularies(rng)
    brand = _brand(rng)
    langs = list(SENTENCES)
    channels = []
    for i, lang in enumerate(langs):
        cid = _FIRST_ID + 1000 * (i + 1) + int(nrng.integers(1000))
        channels.append({"channel_id": f"telegram:{cid}", "id": cid,
                         "name": f"{brand} News{SUFFIX[lang]}",
                         "handle": f"{brand.lower()}_{lang}", "lang": lang, "hub": i == 0})
    posts: dict[str, list[dict]] = {c["handle"]: [] for c in channels}
    hub = channels[0]
    span = END_TS - START_TS - 2 * DAY
    for article in range(n_articles):
        topic = int(nrng.integers(N_TOPICS))
        ts = START_TS + int(nrng.integers(span))
        link = f"https://{brand.lower()}-news.example/a/{1000 + article}"
        for ch in channels:
            if not ch["hub"] and nrng.random() >= 0.5:
                continue
            lang = ch["lang"]
            when = ts + (0 if ch["hub"] else int(nrng.integers(600, 6 * 3600)))
            if nrng.random() < 0.05:  # a bare link: nothing to identify
                text, lang_truth, topic_truth = f"{_EMOJI[article % 4]} {link}", None, None
            else:
                sents = SENTENCES[lang]
                # The topic's themed sentences (a topic is also what the article is about),
                # sometimes with an unrelated one as noise.
                themed = [j for j in range(len(sents)) if j % N_TOPICS == topic]
                picks = [themed[int(nrng.integers(len(themed)))]]
                if nrng.random() < 0.3:
                    picks.append(int(nrng.integers(len(sents))))
                words = vocab[SCRIPT[lang]][topic]
                tw = [words[j] for j in nrng.choice(TOPIC_WORDS, size=int(nrng.integers(4, 8)),
                                                     replace=False)]
                body = " ".join(sents[j] for j in sorted(set(picks)))
                tail = " ".join(tw)
                text = f"{body} {tail[0].upper() + tail[1:] if SCRIPT[lang] != 'arabic' else tail}."
                if nrng.random() < 0.5:
                    text = f"{_EMOJI[topic % 4]} {text}"
                if nrng.random() < 0.7:
                    text += f"\n{link}"
                if nrng.random() < 0.3:
                    text += f" #{brand.lower()}"
                lang_truth, topic_truth = lang, topic
            posts[ch["handle"]].append({"time": when, "text": text, "lang": lang_truth,
                                        "topic": topic_truth, "article": article,
                                        "forward": False})
    # Editions forward some of the hub's posts as they are (Arabic in another edition).
    hub_posts = list(posts[hub["handle"]])
    for ch in channels[1:]:
        for j in nrng.choice(len(hub_posts), size=max(1, len(hub_posts) // 20), replace=False):
            src = hub_posts[int(j)]
            posts[ch["handle"]].append({**src, "time": src["time"] + int(nrng.integers(60, DAY)),
                                        "forward": True})
    exports, truth_messages = {}, []
    for ch in channels:
        items = sorted(posts[ch["handle"]], key=lambda p: (p["time"], p["text"]))
        records = []
        for k, p in enumerate(items, start=1):
            rec = {"id": k, "type": "message", "date": _local(p["time"]),
                   "date_unixtime": str(p["time"]), "from": ch["name"],
                   "from_id": f"channel{ch['id']}"}
            if p["forward"]:
                rec["forwarded_from"] = hub["name"]
            rec["text"] = p["text"]
            rec["text_entities"] = [{"type": "plain", "text": p["text"]}]
            records.append(rec)
            truth_messages.append([ch["channel_id"], k, p["lang"], p["topic"], p["article"]])
        exports[ch["handle"]] = {"name": ch["name"], "type": "public_channel", "id": ch["id"],
                                 "messages": records}
    labels = [{"channel_id": c["channel_id"], "handle": c["handle"], "name": c["name"],
               "group": GROUP} for c in channels]
    truth = {
        "brand": brand, "group": GROUP, "languages": langs, "n_topics": N_TOPICS,
        "channels": channels,
        "topic_words": {s: v for s, v in vocab.items()},
        "message_columns": ["channel_id", "message_id", "lang", "topic", "article"],
        "messages": truth_messages,
    }
    return Editions(exports, labels, truth)


def _local(ts: int) -> str:
    """Desktop's local ``date`` (the exporting machine's clock, as in the main fixtures)."""
    import time

    from ._constants import EXPORT_OFFSET

    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts + EXPORT_OFFSET))
