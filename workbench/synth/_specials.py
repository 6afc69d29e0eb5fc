"""Planted structures that the Poisson schedule would not produce on its own.

Language editions sharing a link or a video, ten-word statements copied with a prefix, bulletins
that share a header but not a body (hard negatives), and hostile HTML/JavaScript payloads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._constants import AFFILIATED_GROUPS, DAY, END_TS, START_TS
from ._draws import _rng
from ._texts import _BREAKING, _EMOJI_PREFIXES

if TYPE_CHECKING:
    from ._channels import _Channel
    from ._messages import _Msg
    from ._world import _WorldBuilder


class _Specials:
    """Planted structures that the Poisson schedule would not produce on its own."""

    def __init__(self, builder: _WorldBuilder) -> None:
        self.b = builder
        self.rng = _rng(builder.seed, "specials")

    def plant(self) -> None:
        self.editions()
        self.short_statements()
        self.bulletins()
        self.hostile()

    def _active_time(self, ch: _Channel) -> int | None:
        """A random instant when ``ch`` is active, away from the period's edges."""
        lo, hi = START_TS + DAY, END_TS - 2 * DAY
        lo = max(lo, ch.start + 3600)
        hi = min(hi, (ch.silenced or END_TS) - 2 * DAY)
        return self.rng.randrange(lo, hi) if lo < hi else None

    def _at(self, ts: int, fn) -> None:
        self.b.push(ts, "special", 0, fn)

    # Cross-edition items: editions share a link or a media file, not text.
    def editions(self) -> None:
        b, rng = self.b, self.rng
        editions = [c for c in b.exported() if c.group == "news_network"]
        scale = max(0.3, min(1.0, b.scale))
        for i in range(round(45 * scale)):
            origin_ch = editions[0] if rng.random() < 0.6 else editions[1]
            ts = self._active_time(origin_ch)
            via = "link" if i % 9 < 5 else "media"
            others = [c for c in editions if c is not origin_ch]
            targets = rng.sample(others, rng.randint(min(2, len(others)), min(5, len(others))))
            self._at(ts, lambda t, o=origin_ch, v=via, to=targets, k=i:
                     self._edition(o, t, v, to, k))

    def _edition(self, origin_ch: _Channel, ts: int, via: str, targets: list, k: int) -> None:
        b, rng = self.b, self.rng
        body = [("plain", b.words(origin_ch, 8, 60))]
        media = None
        postlink = via == "link" and k % 3 == 2  # members link to the origin post itself
        if via == "link" and not postlink:
            url = f"https://example-news.invalid/article/{next(b.article)}"
            body += [("plain", "\n"), ("url", url)]
        if via == "media":
            name = f"video_files/{b.brand.lower()}_release_{next(b.media_serial)}.mp4"
            media = b.media(origin_ch, named=name)
        origin = b.new_post(origin_ch, ts, body, origin_ch.index, media, copy_prob=0.0)

        def make(ch: _Channel) -> tuple:
            text = [("plain", b.words(ch, 8, 60))] if via == "link" or rng.random() < 0.7 else []
            if via == "link":
                text += [("plain", "\n"), ("postlink", origin) if postlink else body[-1]]
            return text, ch.index, dict(media) if media else None

        for target in targets:
            b.push(ts + b.lag(180, 8 * 3600, 1800), "copy", target.index, (origin, via, make))

    # The short-text case: a ten-word statement copied with a prefix.
    def short_statements(self) -> None:
        b, rng = self.b, self.rng
        hubs = [c for c in b.exported() if c.hub and c.group in AFFILIATED_GROUPS]
        for _ in range(4):
            ch = rng.choice(hubs)
            ts = self._active_time(ch)
            if ts is not None:
                self._at(ts, lambda t, c=ch: self._statement(c, t))

    def _statement(self, ch: _Channel, ts: int) -> None:
        b, rng = self.b, self.rng
        origin = b.new_post(ch, ts, [("plain", b.vocab[ch.script].sentence(rng, 10))], None, None,
                            copy_prob=0.0)
        origin.flags.add("short")

        def make(target: _Channel) -> tuple:
            prefix = rng.choice(_BREAKING[ch.script] + _EMOJI_PREFIXES)
            return [("plain", prefix)] + origin.body, None, None

        for target in b.copy_targets(ch, rng.randint(2, 4), same_script=0.99):
            b.push(ts + b.lag(120, 2 * 3600, 900), "copy", target.index, (origin, "text", make))

    # Hard negatives: bulletins that share a boilerplate header but differ in body.
    def bulletins(self) -> None:
        b, rng = self.b, self.rng
        official = [c for c in b.exported() if c.group == "official"]
        a = official[0]
        partners = [c for c in b.exported() if c is not a and c.script == a.script
                    and c.group in AFFILIATED_GROUPS and not c.created and c.silenced is None]
        # Prefer an official channel: a shared house style is most plausible there.
        partner = min(partners, key=lambda c: (c.group != "official", c.index), default=None)
        header = b.vocab[a.script].sentence(rng, 12)
        series: list[dict] = [{} for _ in range(11)]
        for k, slot in enumerate(series):
            ts = START_TS + 6 * DAY + k * 13 * DAY + rng.randrange(DAY)
            self._at(ts, lambda t, s=slot: s.update(a=self._bulletin(a, t, header)))
            lag = ts + rng.randint(3600, 8 * 3600)
            if partner is not None and partner.active(lag):
                self._at(lag, lambda t, s=slot: s.update(b=self._bulletin(partner, t, header)))
        self._at(END_TS - 1, lambda t: self._pairs(series))

    def _bulletin(self, ch: _Channel, ts: int, header: str) -> _Msg:
        b = self.b
        body = [("bold", header), ("plain", "\n" + b.words(ch, 25, 45, 32))]
        msg = b.new_post(ch, ts, body, ch.index if ch.footer_prob else None, None, copy_prob=0.0)
        msg.flags.add("bulletin")
        return msg

    def _pairs(self, series: list[dict]) -> None:
        """Same-day pairs across the two channels, and consecutive bulletins of one channel."""
        for slot, nxt in zip(series, series[1:] + [{}]):
            if "b" in slot:
                self.b.hard_negatives.append((slot["a"], slot["b"]))
            if "a" in nxt:
                self.b.hard_negatives.append((slot["a"], nxt["a"]))

    # Hostile payloads: views must escape every text.
    def hostile(self) -> None:
        b, rng = self.b, self.rng
        payloads = [
            ("text", "<script>document.title='pwned'</script>"),
            ("bold", "<img src=x onerror=alert(1)>"),
            ("href", "javascript:alert(1)"),
            ("text", '"><svg onload=alert(document.domain)>'),
            ("text", '<a href="javascript:alert(1)">open</a>'),
        ]
        pool = [c for c in b.exported() if not c.hub and c.group != "news_network"
                and c.silenced is None]
        for where, payload in payloads:
            ch = rng.choice(pool)
            ts = self._active_time(ch)
            if ts is not None:
                self._at(ts, lambda t, c=ch, w=where, p=payload: self._hostile(c, t, w, p))

    def _hostile(self, ch: _Channel, ts: int, where: str, payload: str) -> None:
        b, rng = self.b, self.rng
        before = b.vocab[ch.script].sentence(rng, rng.randint(4, 9)) + " "
        after = " " + b.vocab[ch.script].sentence(rng, rng.randint(4, 9))
        if where == "text":
            body = [("plain", before + payload + after)]
        elif where == "bold":
            body = [("plain", before), ("bold", payload), ("plain", after)]
        else:
            body = [("plain", before), ("text_link", "read more", payload, None), ("plain", after)]
        msg = b.new_post(ch, ts, body, None, None, copy_prob=0.0, forwardable=False)
        msg.edited = None
        msg.flags.add("hostile")
        b.hostile.append((msg, payload, "links" if where == "href" else "text"))
