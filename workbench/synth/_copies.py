"""Cross-posting: copies (not forwards) of a post in other channels, with light edits."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ._constants import AFFILIATED_GROUPS, DAY
from ._draws import _weighted
from ._messages import _Msg
from ._texts import _BREAKING, _EMOJI_PREFIXES

if TYPE_CHECKING:
    import itertools
    import random

    from ._channels import _Channel


class _CrossPosting:
    """The cross-posting side of :class:`~workbench.synth._world._WorldBuilder`: who copies a
    post, when, and with which edits.

    A mixin sharing the builder's state and its ``messages`` random stream: every draw here
    must stay where it is, or the fixtures no longer regenerate byte for byte. Calls the
    builder's ``exported``, ``push`` and ``add``.
    """

    rng: random.Random
    vocab: dict
    channels: list
    edit_strength: float
    seq: itertools.count

    def lag(self, lo: int = 120, hi: int = 4 * DAY, median: float = 3600.0) -> int:
        return int(min(hi, max(lo, self.rng.lognormvariate(math.log(median), 1.6))))

    def copy_targets(self, ch: _Channel, k: int, same_script: float = 0.9) -> list[_Channel]:
        rng = self.rng
        affiliated = ch.group in AFFILIATED_GROUPS
        pool = [c for c in self.exported() if c is not ch
                and (c.group in AFFILIATED_GROUPS) == affiliated]
        weights = []
        for c in pool:
            w = c.popularity * (4.0 if c.group == ch.group else 1.0)
            w *= same_script if c.script == ch.script else 1 - same_script
            weights.append(w + 1e-9)
        chosen: list[_Channel] = []
        while pool and len(chosen) < k:
            c = _weighted(rng, pool, weights)
            i = pool.index(c)
            pool.pop(i)
            weights.pop(i)
            chosen.append(c)
        return chosen

    def spawn_copies(self, ch: _Channel, origin: _Msg) -> None:
        """Copies (not forwards) of ``origin`` in other channels, minutes to days later."""
        origin.via = "text"
        k = min(5, 1 + int(self.rng.expovariate(1.2)))
        for target in self.copy_targets(ch, k):
            self.push(origin.time + self.lag(), "copy", target.index, (origin, "text", None))

    def edit(self, body: list, script: str) -> list:
        """Light edits of a copied body; more and stronger with ``edit_strength``."""
        rng = self.rng
        s = self.edit_strength
        body = list(body)
        n_words = sum(len(seg[1].split()) for seg in body if seg[0] in ("plain", "bold"))
        ops = ["emoji", "breaking", "hashtag", "punctuation"]
        if n_words > 12:
            ops.append("truncate")
        n_ops = 1 + (rng.random() < s) + (rng.random() < s * s)
        for op in rng.sample(ops, min(n_ops, len(ops))):
            body = getattr(self, f"_edit_{op}")(body, script)
        if s > 0.6 and rng.random() < s - 0.3:
            body = self._edit_swap(body, script)
        return body

    def _edit_emoji(self, body, script):
        return [("plain", self.rng.choice(_EMOJI_PREFIXES))] + body

    def _edit_breaking(self, body, script):
        rng = self.rng
        prefix = rng.choice(_BREAKING[script]) if rng.random() < 0.7 else "BREAKING: "
        return [("plain", prefix)] + body

    def _edit_hashtag(self, body, script):
        tag = "#" + self.vocab[script].sample(self.rng, 1)[0]
        return body + [("plain", self.rng.choice((" ", "\n"))), ("hashtag", tag)]

    def _edit_punctuation(self, body, script):
        rng = self.rng
        style = rng.randrange(3)
        out = []
        for seg in body:
            if seg[0] == "plain":
                text = seg[1]
                if style == 0:
                    text = text.replace(". ", "! ", 1)
                elif style == 1:
                    text = text.replace(",", "").replace("،", "")
                else:
                    text = text.replace(".", " ...", 1)
                seg = ("plain", text)
            out.append(seg)
        if style == 2 and out and out[-1][0] == "plain":
            out[-1] = ("plain", out[-1][1].rstrip() + "!!")
        return out

    def _edit_truncate(self, body, script):
        """Cut after a share of the words; entities after the cut are dropped."""
        total = sum(len(seg[1].split()) for seg in body if seg[0] in ("plain", "bold"))
        keep = max(6, int(total * (1 - self.rng.uniform(0.15, 0.25 + 0.35 * self.edit_strength))))
        out, seen = [], 0
        for seg in body:
            if seg[0] not in ("plain", "bold"):
                out.append(seg)
                continue
            words = seg[1].split(" ")
            n = len(seg[1].split())
            if seen + n >= keep:
                cut, count = [], 0
                for w in words:
                    cut.append(w)
                    count += bool(w.strip())
                    if seen + count >= keep:
                        break
                out.append((seg[0], " ".join(cut).rstrip() + "…"))
                return out
            seen += n
            out.append(seg)
        return out

    def _edit_swap(self, body, script):
        rng = self.rng
        vocab = self.vocab[script]
        out = []
        for seg in body:
            if seg[0] == "plain":
                words = seg[1].split(" ")
                for i, w in enumerate(words):
                    if w and w[-1:].isalpha() and rng.random() < 0.1 * self.edit_strength:
                        words[i] = vocab.sample(rng, 1)[0]
                seg = ("plain", " ".join(words))
            out.append(seg)
        return out

    def make_copy(self, ch: _Channel, ts: int, payload) -> None:
        origin, via, make = payload
        if not ch.active(ts):
            return
        if make is None:  # a text copy: the origin's body, lightly edited, with own footer
            body = self.edit(origin.body, self.channels[origin.channel].script)
            footer = ch.index if self.rng.random() < ch.footer_prob else None
            media = dict(origin.media) if origin.media else None
            if media and media["kind"] == "video" and not media.get("file"):
                media = None  # re-uploading would rename the file: keep copies text-only
        else:
            body, footer, media = make(ch)
        msg = _Msg(ch.index, ts, next(self.seq), "copy", body, footer, media)
        msg.root = origin.root
        msg.flags |= origin.flags & {"short"}
        origin.root.via = via
        self.add(ch, msg)
