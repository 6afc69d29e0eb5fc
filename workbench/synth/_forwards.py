"""Forwards: which channel a forward comes from, and which of its posts it carries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._draws import _weighted
from ._messages import _Msg
from ._profiles import _CROSS_GROUP

if TYPE_CHECKING:
    import itertools
    import random
    from collections import Counter

    from ._channels import _Channel


class _Forwarding:
    """The forwarding side of :class:`~workbench.synth._world._WorldBuilder`: a forward's
    source (mostly in the forwarder's group, hubs most), and the post it carries.

    A mixin sharing the builder's state and its ``messages`` random stream: every draw here
    must stay where it is, or the fixtures no longer regenerate byte for byte. Calls the
    builder's ``compose``, ``new_post`` and ``add``.
    """

    rng: random.Random
    channels: list
    in_group_share: float
    seq: itertools.count
    forwards: Counter

    def forward_source(self, ch: _Channel, ts: int) -> _Channel | None:
        """In-group with probability ``in_group_share``, else by cross-group weights; hubs and
        popular channels are picked most."""
        rng = self.rng
        if rng.random() < self.in_group_share:
            group = ch.group
        else:
            other = _CROSS_GROUP[ch.group]
            group = _weighted(rng, list(other), list(other.values()))
        for pool_group in (group, None):
            pool = [c for c in self.channels if c is not ch
                    and (pool_group is None or c.group == pool_group)
                    and (not c.exported or (c.posts and c.posts[0].time <= ts - 30))]
            if pool:
                return _weighted(rng, pool, [c.popularity for c in pool])
        return None

    def pick_post(self, src: _Channel, ts: int) -> _Msg:
        """A recent post of ``src`` (older ones sometimes); external sources get new posts."""
        rng = self.rng
        if not src.exported and (not src.posts or rng.random() < 0.5):
            when = ts - rng.randint(60, 6 * 3600)
            body, footer, media = self.compose(src, when)
            post = _Msg(src.index, when, next(self.seq), "post", body, footer, media)
            src.posts.append(post)
            return post
        posts = src.posts
        hi = len(posts)
        while hi and posts[hi - 1].time > ts - 30:
            hi -= 1
        if rng.random() < 0.85:
            return posts[max(0, hi - 1 - int(rng.expovariate(0.5)))]
        return posts[rng.randrange(hi)]

    def make_forward(self, ch: _Channel, ts: int) -> None:
        src = self.forward_source(ch, ts)
        if src is None:  # nothing to forward yet: post instead
            self.new_post(ch, ts, *self.compose(ch, ts))
            return
        post = self.pick_post(src, ts)
        msg = _Msg(ch.index, ts, next(self.seq), "forward", post.body, post.footer,
                   dict(post.media) if post.media else None)
        msg.source = src.index
        msg.root = post.root
        self.forwards[(src.key, ch.key)] += 1
        self.add(ch, msg)
