"""Generated text: pseudo-words in three scripts, Zipfian vocabularies, and composed posts.

Nothing is real: words are invented syllable by syllable and checked against
:data:`DENYLIST` (real organisations and persons) and a list of fragments that would land on
slurs or loaded words, so names and texts stay neutral.
"""

from __future__ import annotations

import itertools
import math
import random
from typing import TYPE_CHECKING

from ._constants import AFFILIATED_GROUPS
from ._draws import _weighted
from ._profiles import PROFILES

if TYPE_CHECKING:
    from ._channels import _Channel

#: Real organisations, outlets and persons that must never appear in fixture texts or names.
#: Pseudo-words containing any of these are rejected while the vocabulary is built.
DENYLIST = (
    "isis", "isil", "daesh", "amaq", "nasher", "nashir", "baghdadi", "dabiq", "rumiyah",
    "qaeda", "awlaki", "zarqawi", "khilafah",
    "داعش", "اعماق", "أعماق", "ناشر", "البغدادي", "دابق", "القاعدة",
    "игил", "даиш",
)

_EMOJI_PREFIXES = ("🔴 ", "⚡️ ", "📢 ", "‼️ ", "🚨 ", "✅ ")
_BREAKING = {
    "latin": ("BREAKING: ", "URGENT | ", "Breaking news: "),
    "arabic": ("عاجل: ", "عاجل | "),
    "cyrillic": ("СРОЧНО: ", "Молния | "),
}
_LINK_FORMS = ("https://t.me/{h}", "t.me/{h}", "t.me/s/{h}", "telegram.me/{h}",
               "https://telegram.me/{h}")

_LATIN = (("b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
           "br", "dr", "kl", "st", "tr", "sh", ""),
          ("a", "e", "i", "o", "u", "a", "e", "o"),
          ("", "", "", "n", "r", "s", "l", "m", "t", "k"))
_CYRILLIC = (("б", "в", "г", "д", "з", "к", "л", "м", "н", "п", "р", "с", "т", "ф", "х", "ч",
              "ш", "ст", "пр", ""),
             ("а", "е", "и", "о", "у", "ы", "я"),
             ("", "", "", "н", "р", "с", "л", "й", "т", "к"))
_ARABIC_CONSONANTS = "بتثجحخدذرزسشصطعغفقكلمنهوي"
_ARABIC_VOWELS = ("ا", "و", "ي", "", "", "")


# Pseudo-words can land on real words; these fragments (slurs, obscenities, loaded words in the
# fixture languages) are avoided too, so names and texts stay neutral.
_AVOID = ("memek", "kont", "puta", "fick", "shit", "fuk", "fuck", "cum", "anal", "sex", "nazi",
          "kill", "bomb", "jihad", "kafir", "kufr", "hure", "merd", "cul", "pizd", "hui", "bljad",
          "blyat", "sik", "amk", "orospu", "nig", "fag", "porn", "rape", "dick", "cock")


def _denied(word: str) -> bool:
    folded = word.casefold()
    return any(bad in folded for bad in DENYLIST) or any(bad in folded for bad in _AVOID)


def _pseudo_word(rng: random.Random, script: str, syllables: int) -> str:
    """One pronounceable invented word in ``script``."""
    if script == "arabic":
        word = "".join(rng.choice(_ARABIC_CONSONANTS) + rng.choice(_ARABIC_VOWELS)
                       for _ in range(syllables + 1))
        return "ال" + word if rng.random() < 0.15 else word
    onsets, vowels, codas = _CYRILLIC if script == "cyrillic" else _LATIN
    return "".join(rng.choice(onsets) + rng.choice(vowels)
                   for _ in range(syllables)) + rng.choice(codas)


class _Vocabulary:
    """Pseudo-words of one script with Zipfian frequencies (frequent words are short)."""

    def __init__(self, script: str, rng: random.Random, size: int = 2000) -> None:
        self.script = script
        words: list[str] = []
        seen: set[str] = set()
        while len(words) < size:
            rank = len(words)
            syllables = rng.choice((1, 1, 2) if rank < 40 else
                                   (1, 2, 2, 3) if rank < 400 else (2, 2, 3, 3, 4))
            word = _pseudo_word(rng, script, syllables)
            if len(word) < 2 or word in seen or _denied(word):
                continue
            seen.add(word)
            words.append(word)
        self.words = words
        self.known = seen
        self.cum = list(itertools.accumulate(1.0 / (r + 2) ** 1.05 for r in range(size)))

    def sample(self, rng: random.Random, n: int) -> list[str]:
        """``n`` words drawn with Zipfian weights."""
        return rng.choices(self.words, cum_weights=self.cum, k=n)

    def sentence(self, rng: random.Random, n: int) -> str:
        """A sentence of ``n`` words with the script's capitals and punctuation."""
        words = self.sample(rng, n)
        arabic = self.script == "arabic"
        if not arabic:
            words[0] = words[0].capitalize()
        comma = "،" if arabic else ","
        for i in range(len(words) - 1):
            if rng.random() < 0.07:
                words[i] += comma
        end = rng.choice((".", ".", "!", "؟") if arabic else (".", ".", ".", "!", "?"))
        return " ".join(words) + end

    def text(self, rng: random.Random, n_words: int) -> str:
        """Sentences totalling about ``n_words`` words, sometimes in paragraphs."""
        parts = []
        left = n_words
        while left > 0:
            n = min(left, rng.randint(5, 16))
            if left - n < 3:
                n = left
            parts.append(self.sentence(rng, n))
            left -= n
            if left > 0:
                parts.append("\n\n" if rng.random() < 0.15 else " ")
        return "".join(parts)


def _name_word(rng: random.Random, taken: set[str]) -> str:
    """A capitalised Latin pseudo-word for a name, unused so far and not denied."""
    while True:
        word = _pseudo_word(rng, "latin", rng.choice((2, 2, 3))).capitalize()
        if len(word) >= 4 and word.casefold() not in taken and not _denied(word):
            taken.add(word.casefold())
            return word


class _PostComposer:
    """The text side of :class:`~workbench.synth._world._WorldBuilder`: original posts with
    headlines, mentions, links, hashtags, footers, media and the planted keyword.

    A mixin sharing the builder's state and its ``messages`` random stream: every draw here
    must stay where it is, or the fixtures no longer regenerate byte for byte. Calls the
    builder's ``exported`` and ``keyword_share``.
    """

    rng: random.Random
    vocab: dict[str, _Vocabulary]
    channels: list
    n_exported: int
    keyword: str
    article: itertools.count

    def words(self, ch: _Channel, lo: int = 4, hi: int = 100, median: float = 15.0) -> str:
        n = min(hi, max(lo, int(self.rng.lognormvariate(math.log(median), 0.6))))
        return self.vocab[ch.script].text(self.rng, n)

    def mention_target(self, ch: _Channel) -> int:
        """Mostly a channel of the same group (hubs more often), sometimes one outside it."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.05:
            pool = [c for c in self.channels[self.n_exported:] if c.group == ch.group]
        elif roll < 0.85:
            pool = [c for c in self.exported() if c.group == ch.group and c is not ch]
        else:
            pool = [c for c in self.exported() if c.group != ch.group
                    and (c.group in AFFILIATED_GROUPS) == (ch.group in AFFILIATED_GROUPS)]
        pool = pool or [c for c in self.exported() if c is not ch]
        return _weighted(rng, pool, [c.popularity for c in pool]).index

    def mention_segments(self, ch: _Channel) -> list:
        rng = self.rng
        target = self.mention_target(ch)
        lead = self.vocab[ch.script].sentence(rng, rng.randint(2, 6))
        roll = rng.random()
        if roll < 0.5:
            seg = ("mention", target)
        elif roll < 0.9:
            seg = ("link", rng.choice(_LINK_FORMS), target)
        else:
            seg = ("text_link", " ".join(self.vocab[ch.script].sample(rng, 2)),
                   "https://t.me/{h}", target)
        return [("plain", ("\n" if rng.random() < 0.5 else " ") + lead + " "), seg]

    def media(self, ch: _Channel, named: str | None = None) -> dict:
        rng = self.rng
        kind = "video" if named else _weighted(rng, ["photo", "video", "audio", "voice"],
                                               [0.6, 0.28, 0.06, 0.06])
        if kind == "photo":
            w, h = rng.choice(((1280, 720), (800, 600), (1280, 853), (960, 960), (720, 1280)))
            return {"kind": "photo", "width": w, "height": h}
        if kind == "video":
            w, h = rng.choice(((1280, 720), (854, 480), (640, 360)))
            return {"kind": "video", "file": named, "duration": rng.randint(12, 600),
                    "width": w, "height": h}
        if kind == "audio":
            title = "_".join(self.vocab["latin"].sample(rng, 2))
            return {"kind": "audio", "file": f"files/{title}.mp3",
                    "duration": rng.randint(60, 1800)}
        return {"kind": "voice", "duration": rng.randint(3, 120)}

    def compose(self, ch: _Channel, ts: int) -> tuple[list, int | None, dict | None]:
        """An original post: optional bold headline, body, keyword, mention, link, hashtags,
        footer and media."""
        rng = self.rng
        vocab = self.vocab[ch.script]
        body: list = []
        media = self.media(ch) if rng.random() < 0.25 else None
        if media and rng.random() < 0.2:  # media without caption
            return body, (ch.index if rng.random() < ch.footer_prob else None), media
        if rng.random() < 0.15:
            body += [("bold", vocab.sentence(rng, rng.randint(3, 7))), ("plain", "\n")]
        text = self.words(ch)
        hashtag_kw = False
        if ch.group in AFFILIATED_GROUPS and rng.random() < self.keyword_share(ts):
            if rng.random() < 0.6:
                hashtag_kw = True
            else:
                words = text.split(" ")
                words.insert(rng.randrange(len(words) + 1), self.keyword)
                text = " ".join(words)
        body.append(("plain", text))
        if rng.random() < PROFILES[ch.group].mention_prob:
            body += self.mention_segments(ch)
        if ch.group == "news_network" and rng.random() < 0.3:
            url = f"https://example-news.invalid/article/{next(self.article)}"
            body += [("plain", "\n"), ("url", url)]
        tags = []
        if rng.random() < 0.2:
            tags = [f"#{w}" for w in vocab.sample(rng, rng.choice((1, 1, 2)))]
        if hashtag_kw:
            tags.append(f"#{self.keyword}")
        if tags:
            body.append(("plain", "\n"))
            for i, tag in enumerate(tags):
                body += ([("plain", " ")] if i else []) + [("hashtag", tag)]
        footer = ch.index if rng.random() < ch.footer_prob else None
        return body, footer, media
