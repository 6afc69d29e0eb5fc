"""The truth: everything planted, in the shape ``truth.json`` has, and its serialisation."""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import TYPE_CHECKING

from ._clock import _day
from ._constants import (AFFILIATED_GROUPS, DAY, END_TS, EXPORT_UTC_OFFSET, GROUPS,
                         KEYWORD_DAYS, START_TS, SURGE_DAYS, SURGE_FACTOR)
from ._messages import _Msg

if TYPE_CHECKING:
    from ._world import _WorldBuilder


def _mentioned(msg: _Msg, n_exported: int) -> tuple[set[int], set[int]]:
    """Channel indexes that a message mentions or links to: (exported, not exported)."""
    targets = []
    for seg in msg.body:
        if seg[0] == "mention":
            targets.append(seg[1])
        elif seg[0] == "link":
            targets.append(seg[2])
        elif seg[0] == "text_link" and seg[3] is not None:
            targets.append(seg[3])
        elif seg[0] == "postlink":
            targets.append(seg[1].channel)
    if msg.footer is not None:
        targets.append(msg.footer)
    inside = {t for t in targets if t < n_exported and t != msg.channel}
    outside = {t for t in targets if t >= n_exported}
    return inside, outside


def _truth(b: _WorldBuilder, params: dict, twitter: dict) -> dict:
    """Everything planted, in the shape the contract gives ``truth.json``."""
    chans = b.exported()
    key = {ch.index: ch.key for ch in b.channels}

    def ref(msg: _Msg) -> list:
        return [key[msg.channel], msg.id]

    channels = []
    for ch in chans:
        first = min(m.time for m in ch.messages) if ch.messages else ch.start
        posts = [m.time for m in ch.messages if m.kind != "service"]
        channels.append({
            "channel_id": ch.key, "id": ch.id, "name": ch.name, "handle": ch.handle,
            "group": ch.group, "lang": ch.lang, "hub": ch.hub, "first_date": _day(first),
            # the channel's first post: a service record (channel created) may come days earlier
            "first_message_date": _day(min(posts)) if posts else None,
            "silenced": _day(ch.silenced) if ch.silenced is not None else None,
            "messages": sum(m.kind != "service" for m in ch.messages),
            "service": sum(m.kind == "service" for m in ch.messages),
        })
    unresolved = Counter()
    for (src, _), n in b.forwards.items():
        if src.startswith("telegram:name:"):
            unresolved[src] += n
    mentions, external = Counter(), Counter()
    for ch in chans:
        for msg in ch.messages:
            inside, outside = _mentioned(msg, b.n_exported)
            for t in sorted(inside):
                mentions[(ch.key, key[t])] += 1
            for t in sorted(outside):
                external[(ch.key, b.channels[t].handle)] += 1
    clusters = _clusters(b, ref)
    short = [c["cluster"] for c in clusters if c.pop("_short")]
    window = b.surge_window()
    rise = None if b.surge_ts is None else b.surge_ts // DAY * DAY - KEYWORD_DAYS * DAY
    by_group = Counter()
    for ch in chans:
        by_group[ch.group] += sum(m.kind != "service" for m in ch.messages)
    return {
        "seed": b.seed,
        "params": params,
        "start": _day(START_TS),
        "end": _day(END_TS - DAY),
        "export_utc_offset": EXPORT_UTC_OFFSET,
        "channels": channels,
        "groups": list(GROUPS),
        "hubs": {g: [c.key for c in chans if c.group == g and c.hub] for g in GROUPS},
        "unresolved_sources": [
            {"name": c.name, "channel_id": c.key, "group": c.group, "forwards": unresolved[c.key]}
            for c in b.channels[b.n_exported:] if unresolved[c.key]],
        "forward_counts": [{"source": s, "target": t, "weight": n}
                           for (s, t), n in sorted(b.forwards.items())],
        "mention_counts": [{"source": s, "target": t, "weight": n}
                           for (s, t), n in sorted(mentions.items())],
        "external_mentions": [{"source": s, "handle": h, "weight": n}
                              for (s, h), n in sorted(external.items())],
        "crosspost_clusters": clusters,
        "short_text_clusters": short,
        "hard_negatives": [[ref(a), ref(c)] for a, c in b.hard_negatives],
        "keyword": b.keyword,
        "keyword_rise": None if rise is None else {"start": _day(rise), "end": _day(b.surge_ts)},
        "surge": {
            "event": b.surge_event, "date": _day(b.surge_ts) if b.surge_ts else None,
            "time": (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(b.surge_ts))
                     if b.surge_ts else None),
            "groups": list(AFFILIATED_GROUPS) if window else [],
            "factor": SURGE_FACTOR if window else 1.0, "days": SURGE_DAYS if window else 0,
        },
        "silences": [{"channel_id": c.key, "date": _day(c.silenced)}
                     for c in chans if c.silenced is not None],
        "hostile": [ref(m) for m, _, _ in b.hostile],
        "hostile_payloads": [{"channel_id": key[m.channel], "message_id": m.id,
                              "payload": p, "where": w} for m, p, w in b.hostile],
        "control_chars": [ref(m) for m in b.controls],
        "totals": {"messages": sum(by_group.values()),
                   "service": sum(c["service"] for c in channels),
                   "forwards": sum(b.forwards.values()), "by_group": dict(by_group)},
        "twitter": twitter,
        "notes": _NOTES,
    }


def _clusters(b: _WorldBuilder, ref) -> list[dict]:
    """Every content item carried by two or more exported messages."""
    roots = {}
    for ch in b.exported():
        for msg in ch.messages:
            if msg.kind != "service":
                roots.setdefault(id(msg.root), msg.root)
    key = {ch.index: ch.key for ch in b.channels}
    found = []
    for root in roots.values():
        members = sorted((m for m in root.members if m.id),
                         key=lambda m: (m.time, key[m.channel], m.id))
        if len(members) < 2:
            continue
        found.append((members[0].time, key[members[0].channel], members[0].id, root, members))
    found.sort(key=lambda f: f[:3])
    return [{"cluster": i, "via": root.via or "forward", "origin": ref(members[0]),
             "members": [ref(m) for m in members], "_short": "short" in root.flags}
            for i, (_, _, _, root, members) in enumerate(found)]


_NOTES = [
    "Channel ids are 'telegram:<id>' for exported channels and 'telegram:name:<normalised name>' "
    "for forward sources without an export (ids.name_key).",
    "forward_counts: one per exported message with forwarded_from; source = the channel "
    "forwarded from (resolved by its display name among the exported channels), target = the "
    "channel whose export holds the forward.",
    "mention_counts: weight = number of messages of source whose text or entities refer to "
    "target at least once, by @handle, t.me/<handle>, t.me/s/<handle>, telegram.me/<handle>, "
    "t.me/<handle>/<post id> or a text_link href to those (handles from channels.csv); "
    "forwarded texts count for the forwarding channel; self-references (the 'Join: "
    "https://t.me/<own handle>' footers) are excluded; references to handles without an "
    "export are listed in external_mentions instead.",
    "crosspost_clusters: every content item carried by two or more exported messages. via = "
    "'text' (copies with light edits), 'link' (language editions sharing an article URL or "
    "linking to the origin post as t.me/<handle>/<id>), 'media' (editions sharing a video file "
    "name and duration), or 'forward' (only forwards). Forwards of a member belong to its "
    "cluster. origin = earliest member by (date, channel_id, message_id); members sorted so.",
    "hard_negatives: pairs that share a boilerplate bold header but differ in body; never in "
    "one cluster.",
    "short_text_clusters: clusters of a ten-word statement copied with a prefix.",
    "surge: from the event instant to event day + days, the affiliated groups post 'factor' "
    "times their usual rate; channels neither appear nor fall silent from keyword_rise.start "
    "to the end of the surge.",
    "keyword: share of affiliated original posts carrying it rises from 2% to 40% over "
    "keyword_rise, then falls to 25% for three days and 6% until the surge ends, then 0.",
    "Exports are written as on a machine at UTC+03:00: 'date' is local time, 'date_unixtime' "
    "UTC. control_chars lists messages whose text holds a control character written as \\xHH. "
    "Two supporter channels were exported without media files (file names read '(File not "
    "included...)').",
    "hostile: messages with HTML/JavaScript payloads; hostile_payloads says whether the payload "
    "is in the flattened text or only in a text_link href (links).",
]


def _dump_truth(truth: dict) -> str:
    """Readable and compact: one line per list entry, nested values inline."""
    lines = ["{"]
    items = list(truth.items())
    for i, (k, v) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        if isinstance(v, list) and v:
            lines.append(f" {json.dumps(k)}: [")
            lines += [f"  {json.dumps(item, ensure_ascii=False, separators=(',', ':'))}"
                      + ("," if j < len(v) - 1 else "")
                      for j, item in enumerate(v)]
            lines.append(f" ]{comma}")
        else:
            lines.append(f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}{comma}")
    return "\n".join(lines + ["}"]) + "\n"
