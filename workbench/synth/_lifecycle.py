"""Channel lifecycles planted in the world: bans and successors, name decoys, a hole; renames.

Planted from its own random stream (``lifecycle``), after the channels are planned and before
the simulation runs, so the rest of the world simply lives with them:

- **bans**: a channel stops posting at midnight of its ban day; one to five days later a
  *successor* appears under a variant of its name (``"X 2"``, ``"X Backup"``, ``"New X"``,
  ``"X Official"``) in the same group, with the predecessor's rate, language, popularity (so the
  same channels forward it) and footer habit, and re-posts a few of the predecessor's last posts
  in its first day (content continuity).
- **name decoys**: for each ban, a channel of *another* group that never stops is renamed
  ``"X Fans"``: a similar name, a different community, no ban.
- **renames** are recorded, not planted: the channels the planner creates under a provisional
  title and renames at once (``create_channel`` then ``edit_group_title`` records).
- **a collection hole**: one busy channel has a stretch of days missing from its export, as a
  stalled scraper leaves it: no messages, and a long run of message ids skipped.

:func:`rename_batches` builds, separately, the two export batches of the "names that change"
case: a forwarder exported before a source's rename, the source exported after it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..ids import normalise_name
from ._clock import _day
from ._constants import AFFILIATED_GROUPS, DAY, END_TS, START_TS
from ._draws import _rng
from ._events import _allowed_days
from ._messages import _Msg

if TYPE_CHECKING:
    from ._channels import _Channel
    from ._world import _WorldBuilder

#: Successor name patterns (title, handle); ``{n}``/``{h}`` are the predecessor's.
SUCCESSOR_PATTERNS = (("{n} 2", "{h}2"), ("{n} Backup", "{h}_backup"), ("New {n}", "new_{h}"),
                      ("{n} Official", "{h}_official"))
#: Days between a ban and its successor's first instant: at least 1, at most 5.
SUCCESSOR_GAP_DAYS = (1, 5)


class _Lifecycles:
    """Chooses and configures the lifecycle channels; later adds records and shifts ids."""

    def __init__(self, seed: int, surge_ts: int | None) -> None:
        self.rng = _rng(seed, "lifecycle")
        self.surge_ts = surge_ts
        self.bans: list[tuple[_Channel, _Channel, int]] = []   # predecessor, successor, ban day
        self.decoys: list[tuple[_Channel, _Channel]] = []       # predecessor, decoy
        self.channels: list[_Channel] = []
        self.hole: tuple[_Channel, int, int, int] | None = None  # channel, start, end, ids
        self.hole_ids: tuple[int, int] | None = None

    # -- before the run ---------------------------------------------------------------------

    def plan(self, channels: list[_Channel]) -> None:
        """Pick and configure the channels (mutates them)."""
        rng = self.rng
        free = [c for c in channels if not c.hub and c.group != "news_network"]
        names = {normalise_name(c.name) for c in channels}
        # Ban days outside the surge windows, with room for the gap and a life after it.
        days = set(_allowed_days(self.surge_ts, START_TS + 30 * DAY, END_TS - 40 * DAY))
        ban_days = sorted(d for d in days if all(d + k * DAY in days for k in range(7)))
        used: set[int] = set()
        n_bans = max(1, min(3, len(free) // 8))
        for group in [g for g in AFFILIATED_GROUPS if g != "news_network"] * 2:
            if len(self.bans) >= n_bans or not ban_days:
                break
            pool = [c for c in free if c.group == group and c.index not in used]
            preds = [c for c in pool if not c.created and c.silenced is None]
            if len(pool) < 2 or not preds:
                continue
            pred = rng.choice(preds)
            # a channel the planner already starts late is perturbed least by the role
            late = [c for c in pool if c is not pred and c.created and not c.old_name]
            succ = rng.choice(late or [c for c in pool if c is not pred])
            used |= {pred.index, succ.index}
            ban = rng.choice(ban_days)
            pattern, h_pattern = SUCCESSOR_PATTERNS[len(self.bans) % len(SUCCESSOR_PATTERNS)]
            pred.silenced = ban
            succ.name = pattern.format(n=pred.name)
            succ.handle = h_pattern.format(h=pred.handle)
            succ.created, succ.old_name, succ.silenced = True, None, None
            gap_days = rng.randint(*SUCCESSOR_GAP_DAYS)
            succ.start = ban + (gap_days - 1) * DAY + rng.randint(6 * 3600, 20 * 3600)
            succ.id = 1_100_000_000 + rng.randrange(10_000_000)
            for attr in ("lang", "rate", "forward_share", "popularity", "footer_prob",
                         "media_included"):
                setattr(succ, attr, getattr(pred, attr))
            names.add(normalise_name(succ.name))
            self.bans.append((pred, succ, ban))
            others = [c for c in free if c.group != group and c.index not in used
                      and not c.created and c.silenced is None]
            if others:
                decoy = rng.choice(others)
                used.add(decoy.index)
                decoy.name, decoy.handle = f"{pred.name} Fans", f"{pred.handle}_fans"
                self.decoys.append((pred, decoy))
        rest = [c for c in free if c.index not in used and not c.created and c.silenced is None]
        rest.sort(key=lambda c: (-c.rate, c.index))
        if len(rest) >= 2:
            hole_ch = rest[0]  # the busiest: a hole there is long in ids
            start = rng.choice(ban_days)
            length = rng.randint(6, 10) * DAY
            hole_ch.paused = (start, start + length)
            self.hole = (hole_ch, start, start + length, 0)
        self.channels = channels

    def plant(self, b: _WorldBuilder) -> None:
        """Schedule each successor's re-posts of its predecessor's last posts."""
        for pred, succ, _ in self.bans:
            n = self.rng.randint(2, 4)
            for i in range(n):
                ts = succ.start + 600 + i * self.rng.randint(600, 3600)
                b.push(ts, "special", succ.index, self._repost(b, pred, succ, i))

    def _repost(self, b: _WorldBuilder, pred: _Channel, succ: _Channel, i: int):
        def payload(ts: int) -> None:
            posts = [m for m in pred.posts if m.kind == "post" and m.body]
            if len(posts) <= i:
                return
            origin = posts[-1 - i]
            # verbatim, without a footer: a re-post, recognisable as the same text
            msg = _Msg(succ.index, ts, next(b.seq), "copy", list(origin.body), None, None)
            msg.root = origin.root
            origin.root.via = origin.root.via or "text"
            b.add(succ, msg)
        return payload

    def records(self, b: _WorldBuilder) -> None:
        """Service records of the plants (before ids are assigned): none so far; renames are
        the channels the planner created under a provisional title (``old_name``)."""

    def shift_ids(self) -> None:
        """Skip the ids of the messages the hole swallowed (after ids are assigned)."""
        if self.hole is None:
            return
        ch, start, end, _ = self.hole
        before = [m for m in ch.messages if m.time < start]
        after = [m for m in ch.messages if m.time >= end]
        per_day = len(ch.messages) / max(1.0, (END_TS - ch.start - (end - start)) / DAY)
        missing = max(30, round(per_day * (end - start) / DAY))
        for m in after:
            m.id += missing
        first = (before[-1].id + 1) if before else 1
        self.hole = (ch, start, end, missing)
        self.hole_ids = (first, first + missing - 1)

    # -- the truth --------------------------------------------------------------------------

    def truth(self) -> dict:
        """What ``truth.json`` holds under ``lifecycles``."""
        out: dict = {"bans": [], "decoys": [], "renames": [], "holes": []}
        for pred, succ, ban in self.bans:
            first = min((m.time for m in succ.messages), default=succ.start)
            last = max((m.time for m in pred.messages), default=ban)
            out["bans"].append({
                "predecessor": pred.key, "successor": succ.key, "predecessor_name": pred.name,
                "successor_name": succ.name, "group": pred.group, "ban_date": _day(ban),
                "successor_first_date": _day(first), "gap_days": round((first - last) / DAY, 2)})
        out["decoys"] = [{"predecessor": p.key, "decoy": d.key, "name": d.name, "group": d.group}
                         for p, d in self.decoys]
        for ch in self.channels:  # created under a provisional title, renamed at once
            edits = [m.time for m in ch.messages if m.kind == "service"
                     and m.action == "edit_group_title"]
            if ch.exported and ch.old_name and edits:
                out["renames"].append({"channel_id": ch.key, "old": ch.old_name, "new": ch.name,
                                       "date": _day(edits[0])})
        if self.hole is not None and self.hole_ids is not None:
            ch, start, end, missing = self.hole
            out["holes"].append({"channel_id": ch.key, "first_missing_id": self.hole_ids[0],
                                 "last_missing_id": self.hole_ids[1], "missing": missing,
                                 "start": _day(start), "end": _day(end - DAY)})
        return out


def rename_batches(seed: int = 0) -> dict:
    """Two export batches of one story: a source renamed between them.

    Batch ``june`` holds a forwarder's export made before the rename, so its forwards carry the
    source's old title. Batch ``september`` holds the source's own export (under its new title,
    with an ``edit_channel_title`` service record) and a second forwarder whose forwards carry
    the new title. Without the rename's history the old title stays an unresolved name.

    Returns
    -------
    dict
        ``{"june": {handle: export}, "september": {handle: export}, "truth": {...}}`` where each
        export is a Telegram Desktop single-chat export (``name``, ``type``, ``id``,
        ``messages``).

    Examples
    --------
    >>> b = rename_batches(1)
    >>> sorted(b["june"]), sorted(b["september"])
    (['forwarder_a'], ['forwarder_b', 'source'])
    >>> b["truth"]["old"] != b["truth"]["new"]
    True
    """
    rng = _rng(seed, "lifecycle:rename")
    word = "".join(rng.choice("bcdfgklmnprstvz") + rng.choice("aeiou") for _ in range(3))
    old, new = f"{word.title()} Voice", f"{word.title()} Voice Archive"
    src_id, a_id, b_id = (rng.randrange(1_000_000_000, 1_999_999_999) for _ in range(3))
    t0 = 1_464_739_200  # 1 June 2016, 00:00 UTC
    renamed = t0 + 40 * DAY

    def rec(i: int, ts: int, text: str, fwd: str | None = None) -> dict:
        out = {"id": i, "type": "message", "date": _iso(ts), "date_unixtime": str(ts),
               "text": text, "text_entities": [{"type": "plain", "text": text}]}
        if fwd is not None:
            out["forwarded_from"] = fwd
        return out

    source = [{"id": 1, "type": "service", "date": _iso(t0), "date_unixtime": str(t0),
               "actor": old, "actor_id": f"channel{src_id}", "action": "create_channel",
               "title": old}]
    source += [rec(i + 2, t0 + i * DAY + 3600, f"post {i}") for i in range(60)]
    source.append({"id": 62, "type": "service", "date": _iso(renamed + 60),
                   "date_unixtime": str(renamed + 60), "actor": new,
                   "actor_id": f"channel{src_id}", "action": "edit_channel_title",
                   "title": new})
    source.sort(key=lambda m: int(m["date_unixtime"]))
    for i, m in enumerate(source, start=1):
        m["id"] = i
    fwd_a = [rec(i + 1, t0 + i * DAY + 7200, f"shared {i}", old) for i in range(20)]
    fwd_b = [rec(i + 1, renamed + i * DAY + 7200, f"shared again {i}", new) for i in range(10)]
    june = {"forwarder_a": {"name": "Forwarder A", "type": "public_channel", "id": a_id,
                            "messages": fwd_a}}
    september = {"source": {"name": new, "type": "public_channel", "id": src_id,
                            "messages": source},
                 "forwarder_b": {"name": "Forwarder B", "type": "public_channel", "id": b_id,
                                 "messages": fwd_b}}
    truth = {"channel_id": f"telegram:{src_id}", "old": old, "new": new,
             "renamed": _day(renamed), "old_title_forwards": len(fwd_a),
             "new_title_forwards": len(fwd_b)}
    return {"june": june, "september": september, "truth": truth}


def _iso(ts: int) -> str:
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts))
