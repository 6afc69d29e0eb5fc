"""The synthetic world: regeneration, size, neutrality, and truth that matches the data.

Truth is checked against the written files, read here by a small reader of our own (not the
generator's internals), and then against what ``wb.load`` returns. Every check runs on the
committed fixtures and on two more worlds with other seeds and difficulty settings, so no
check is tuned to one world.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench import schema, synth
from workbench.errors import ParameterError
from workbench.ids import name_key, normalise_name

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "data" / "fixtures"

#: Other worlds generated in the test: (seed, settings).
OTHER_WORLDS = {
    "seed7": (7, dict(n_channels=30, in_group_share=0.6, edit_strength=0.9,
                      surge_event="istanbul-2017", messages_scale=0.6)),
    "seed11": (11, dict(n_channels=70, in_group_share=0.95, edit_strength=0.1,
                        surge_event="berlin-2016", messages_scale=0.5)),
}
#: Written independently of the generator's own list, so emptying that one cannot pass this.
REAL_NAMES = ("isis", "isil", "daesh", "amaq", "nasher", "nashir", "baghdadi", "dabiq",
              "rumiyah", "qaeda", "awlaki", "zarqawi", "داعش", "أعماق", "البغدادي")
TRUTH_KEYS = {"seed", "params", "start", "end", "export_utc_offset", "channels", "groups",
              "hubs", "unresolved_sources", "forward_counts", "mention_counts",
              "crosspost_clusters", "hard_negatives", "keyword", "keyword_rise", "surge",
              "silences", "hostile", "twitter", "lifecycles"}
GROUPS = ["official", "news_network", "aqap", "supporters", "control"]

_HEX = re.compile(r"(?<!\\)((?:\\\\)*)\\x([0-9A-Fa-f]{2})")
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z][A-Za-z0-9_]{3,31})(?![A-Za-z0-9_])")
_TME = re.compile(r"(?<![\w.])(?:https?://)?(?:t|telegram)\.me/(?:s/)?([A-Za-z][A-Za-z0-9_]{3,31})"
                  r"(?![A-Za-z0-9_])", re.IGNORECASE)
_WORD = re.compile(r"\w+")


# ----------------------------------------------------------------------------------------------
# A small independent reader of the written world
# ----------------------------------------------------------------------------------------------


@dataclass
class Written:
    """One world as written on disk."""

    name: str
    path: Path
    truth: dict
    labels: list[dict]
    exports: dict  # channel_id -> parsed export
    raw: dict      # channel_id -> decompressed text

    def messages(self):
        for cid, export in self.exports.items():
            for m in export["messages"]:
                if m["type"] == "message":
                    yield cid, m

    def message(self, cid: str, mid: int) -> dict:
        return self.by_id[(cid, mid)]

    def __post_init__(self) -> None:
        self.by_id = {(cid, m["id"]): m for cid, e in self.exports.items() for m in e["messages"]}
        self.group = {c["channel_id"]: c["group"] for c in self.truth["channels"]}
        self.group.update({u["channel_id"]: u["group"] for u in self.truth["unresolved_sources"]})
        self.handle_to_id = {row["handle"].lower(): row["channel_id"] for row in self.labels}
        self.id_to_handle = {row["channel_id"]: row["handle"] for row in self.labels}


def flat(text) -> str:
    return text if isinstance(text, str) else "".join(
        p if isinstance(p, str) else p["text"] for p in text)


def hrefs(message: dict) -> list[str]:
    return [e["href"] for e in message.get("text_entities", []) if "href" in e]


def utc_day(message: dict) -> date:
    return datetime.fromtimestamp(int(message["date_unixtime"]), timezone.utc).date()


def read_written(name: str, path: Path) -> Written:
    truth = json.loads((path / "truth.json").read_text(encoding="utf-8"))
    with open(path / "channels.csv", encoding="utf-8", newline="") as fh:
        labels = list(csv.DictReader(fh))
    exports, raw = {}, {}
    for file in sorted((path / "telegram").glob("*/result.json.gz")):
        text = gzip.decompress(file.read_bytes()).decode("utf-8")
        export = json.loads(_HEX.sub(lambda m: m.group(1) + "\\u00" + m.group(2), text))
        cid = f"telegram:{export['id']}"
        exports[cid], raw[cid] = export, text
    return Written(name, path, truth, labels, exports, raw)


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> dict[str, Path]:
    """The other worlds, generated once per session."""
    out = {}
    for name, (seed, settings) in OTHER_WORLDS.items():
        out[name] = synth.write_fixtures(synth.generate_world(seed, **settings),
                                         tmp_path_factory.mktemp(name))
    return out


@pytest.fixture(scope="session", params=["committed", *OTHER_WORLDS])
def world(request, generated) -> Written:
    if request.param == "committed":
        assert (FIXTURES / "truth.json").is_file(), (
            f"{FIXTURES} is empty: run `python -m workbench.synth`")
        return read_written("committed", FIXTURES)
    return read_written(request.param, generated[request.param])


# ----------------------------------------------------------------------------------------------
# Regeneration, size, speed, parameters
# ----------------------------------------------------------------------------------------------


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_regeneration_is_byte_identical(tmp_path):
    assert synth.main(["--seed", "2016", "--out", str(tmp_path), "--quiet"]) == 0
    fresh, committed = _files(tmp_path), _files(FIXTURES)
    assert sorted(fresh) == sorted(committed)
    differ = [name for name in fresh if fresh[name] != committed[name]]
    assert not differ, f"regenerated files differ from data/fixtures: {differ[:5]}"


def test_fixtures_fit_in_five_megabytes():
    files = [p for p in FIXTURES.rglob("*") if p.is_file()]
    apparent = sum(p.stat().st_size for p in files)
    on_disk = sum(p.stat().st_blocks * 512 for p in files)
    assert apparent <= 5_000_000 and on_disk <= 5 * 1024 * 1024, (apparent, on_disk)


def test_fixture_layout():
    assert (FIXTURES / "twitter" / "kaggle_how_isis_uses_twitter.csv").is_file()
    exports = sorted((FIXTURES / "telegram").glob("*/result.json.gz"))
    assert len(exports) == 50
    for file in exports:
        head = file.read_bytes()[:10]
        assert head[:2] == b"\x1f\x8b" and head[4:8] == b"\0\0\0\0", f"{file}: gzip mtime set"
        assert head[3] & 0x08 == 0, f"{file}: a file name is stored in the gzip header"


def test_generation_is_deterministic_and_seeded():
    small = dict(n_channels=15, messages_scale=0.1)
    a, b = synth.generate_world(5, **small), synth.generate_world(5, **small)
    c = synth.generate_world(6, **small)
    assert a.exports == b.exports and a.truth == b.truth and a.tweets == b.tweets
    assert a.exports != c.exports


def test_full_world_generates_quickly():
    world = synth.generate_world(2016)
    # About 1.5 s here; analyses' tests generate worlds in-test, so it must stay cheap. The
    # clock is no measure on a busy machine: the world's size is.
    assert world.n_messages < 40_000


@pytest.mark.parametrize("bad", [
    dict(n_channels=5), dict(n_channels=1000), dict(in_group_share=1.5),
    dict(edit_strength=-0.1), dict(messages_scale=0), dict(surge_event="nice-2016"),
    dict(surge_event="no-such-event"),
])
def test_bad_settings_raise_parameter_error(bad):
    with pytest.raises(ParameterError, match=next(iter(bad))):
        synth.generate_world(1, **bad)


def test_no_surge_world():
    w = synth.generate_world(3, n_channels=15, messages_scale=0.1, surge_event=None)
    assert w.truth["surge"]["groups"] == [] and w.truth["keyword_rise"] is None
    texts = " ".join(flat(m["text"]) for e in w.exports.values() for m in e["messages"])
    assert w.truth["keyword"] not in texts


def test_fallback_events_agree_with_catalogue():
    from workbench.events import load_events

    events = load_events().set_index("key")["date"]
    for key, stamp in synth.FALLBACK_EVENTS.items():
        if key in events.index:
            assert events[key] == datetime.fromisoformat(stamp.replace("Z", "+00:00")), key


# ----------------------------------------------------------------------------------------------
# Neutrality: nothing real
# ----------------------------------------------------------------------------------------------


def test_no_real_names_in_texts_or_names(world):
    contents = list(world.raw.values())
    contents.append((world.path / "channels.csv").read_text(encoding="utf-8"))
    contents.append((world.path / "truth.json").read_text(encoding="utf-8"))
    contents.append((world.path / "twitter" / synth.TWITTER_FILE).read_text(encoding="utf-8"))
    for text in contents:
        folded = text.casefold()
        found = [name for name in REAL_NAMES if name in folded]
        assert not found, found


def test_links_point_only_to_reserved_or_telegram_hosts(world):
    hosts = set()
    for text in world.raw.values():
        hosts.update(re.findall(r"https?://([^/\s\"]+)", text))
    assert hosts <= {"t.me", "telegram.me", "example-news.invalid"}, hosts


# ----------------------------------------------------------------------------------------------
# Truth is internally consistent and matches the files
# ----------------------------------------------------------------------------------------------


def test_truth_has_the_contract_keys(world):
    t = world.truth
    assert TRUTH_KEYS <= set(t), TRUTH_KEYS - set(t)
    assert t["groups"] == GROUPS
    assert (t["start"], t["end"], t["export_utc_offset"]) == ("2016-09-01", "2017-01-31", "+03:00")
    assert t["params"]["n_channels"] == len(t["channels"]) == len(world.exports)
    keys = {"channel_id", "id", "name", "handle", "group", "lang", "hub", "first_date", "silenced"}
    for ch in t["channels"]:
        assert keys <= set(ch)
        assert ch["channel_id"] == f"telegram:{ch['id']}" and 10 ** 9 <= ch["id"] < 10 ** 10


def test_channels_are_distinct_and_labelled(world):
    chans = world.truth["channels"]
    for field in ("channel_id", "handle"):
        assert len({c[field] for c in chans}) == len(chans), field
    assert len({normalise_name(c["name"]) for c in chans}) == len(chans)
    columns = ("channel_id", "handle", "name", "group", "lang")
    labels = [[row[k] for k in columns] for row in world.labels]
    assert labels == [[c[k] for k in columns] for c in chans]
    for ch in chans:
        export = world.exports[ch["channel_id"]]
        assert (export["name"], export["type"]) == (ch["name"], "public_channel")
        assert re.fullmatch(r"[a-z][a-z0-9_]{4,31}", ch["handle"])
    for group in GROUPS:
        hubs = world.truth["hubs"][group]
        assert hubs and hubs == [c["channel_id"] for c in chans if c["group"] == group and c["hub"]]
    news = [c["lang"] for c in chans if c["group"] == "news_network"]
    assert len(set(news)) == len(news) >= 3


def test_records_follow_desktop_conventions(world):
    for cid, export in world.exports.items():
        ids = [m["id"] for m in export["messages"]]
        assert ids == sorted(set(ids)), f"{cid}: ids not increasing"
        for m in export["messages"]:
            stamp = int(m["date_unixtime"])
            local = datetime.fromtimestamp(stamp, timezone.utc) + timedelta(hours=3)
            assert m["date"] == local.strftime("%Y-%m-%dT%H:%M:%S"), (cid, m["id"])
            assert None not in m.values(), f"{cid}#{m['id']}: null instead of an omitted key"
            if m["type"] == "service":
                assert m["actor_id"] == f"channel{export['id']}" and m["action"]
                continue
            assert m["from_id"] == f"channel{export['id']}" and m["from"] == export["name"]
            entities = m["text_entities"]
            if isinstance(m["text"], str):
                assert entities == ([{"type": "plain", "text": m["text"]}] if m["text"] else [])
            else:
                assert [e if isinstance(e, dict) else {"type": "plain", "text": e}
                        for e in m["text"]] == entities
            assert "".join(e["text"] for e in entities) == flat(m["text"])


def test_service_records_are_present(world):
    actions = Counter(m["action"] for e in world.exports.values() for m in e["messages"]
                      if m["type"] == "service")
    assert actions["pin_message"] >= 1 and actions["create_channel"] >= 1
    for cid, export in world.exports.items():
        ids = {m["id"] for m in export["messages"]}
        for m in export["messages"]:
            if m.get("action") == "pin_message":
                assert m["message_id"] in ids
            if m.get("action") == "create_channel":
                assert m is export["messages"][0], f"{cid}: create_channel is not first"


def test_message_counts_first_dates_and_silences(world):
    silenced = {s["channel_id"]: s["date"] for s in world.truth["silences"]}
    assert silenced
    for ch in world.truth["channels"]:
        records = world.exports[ch["channel_id"]]["messages"]
        assert ch["messages"] == sum(m["type"] == "message" for m in records)
        assert ch["service"] == sum(m["type"] == "service" for m in records)
        assert ch["first_date"] == min(utc_day(m) for m in records).isoformat()
        posts = [utc_day(m) for m in records if m["type"] == "message"]
        assert ch["first_message_date"] == (min(posts).isoformat() if posts else None)
        assert ch["silenced"] == silenced.get(ch["channel_id"])
        if ch["silenced"]:
            assert max(utc_day(m) for m in records) < date.fromisoformat(ch["silenced"])
    assert sum(c["first_date"] > "2016-09-02" for c in world.truth["channels"]) >= 1


def test_forward_counts_recomputed_from_files(world):
    by_name = {normalise_name(e["name"]): cid for cid, e in world.exports.items()}
    counts = Counter()
    for cid, m in world.messages():
        if "forwarded_from" in m:
            source = by_name.get(normalise_name(m["forwarded_from"]), name_key(m["forwarded_from"]))
            counts[(source, cid)] += 1
    truth = {(f["source"], f["target"]): f["weight"] for f in world.truth["forward_counts"]}
    assert counts == truth


def test_unresolved_sources_are_outside_the_export(world):
    names = {normalise_name(e["name"]) for e in world.exports.values()}
    unresolved = world.truth["unresolved_sources"]
    assert len(unresolved) >= 3
    per_source = Counter()
    for f in world.truth["forward_counts"]:
        per_source[f["source"]] += f["weight"]
    for u in unresolved:
        assert normalise_name(u["name"]) not in names
        assert u["channel_id"] == name_key(u["name"])
        assert u["forwards"] == per_source[u["channel_id"]] > 0


def _mentioned(world: Written, cid: str, m: dict) -> set[str]:
    """Handles a message refers to: @handles and t.me links in its text and in hrefs."""
    text = flat(m["text"]) + " " + " ".join(hrefs(m))
    return {h.lower() for h in _MENTION.findall(text) + _TME.findall(text)}


def test_mention_counts_recomputed_from_files(world):
    counts = Counter()
    for cid, m in world.messages():
        for handle in _mentioned(world, cid, m):
            target = world.handle_to_id.get(handle)
            if target is not None and target != cid:
                counts[(cid, target)] += 1
    truth = {(f["source"], f["target"]): f["weight"] for f in world.truth["mention_counts"]}
    assert counts == truth
    forms = " ".join(world.raw.values())
    for form in ('"@', "https://t.me/", '"t.me/s/', "telegram.me/", '"href": "https://t.me/'):
        assert form in forms, form


def test_footers_recur(world):
    footers = Counter()
    for cid, m in world.messages():
        if flat(m["text"]).endswith(f"Join: https://t.me/{world.id_to_handle[cid]}"):
            footers[cid] += 1
    assert sum(footers.values()) > 0.2 * sum(1 for _ in world.messages())
    assert len(footers) >= len(world.exports) // 2


def test_forwards_stay_mostly_in_group_and_hubs_lead(world):
    inside = total = 0
    received = Counter()
    for f in world.truth["forward_counts"]:
        total += f["weight"]
        inside += f["weight"] * (world.group[f["source"]] == world.group[f["target"]])
        received[f["source"]] += f["weight"]
    assert abs(inside / total - world.truth["params"]["in_group_share"]) < 0.04
    hubs = {h for g in world.truth["hubs"].values() for h in g}
    for group in GROUPS:
        exported = [c["channel_id"] for c in world.truth["channels"] if c["group"] == group]
        top = max(exported, key=lambda c: received[c])
        assert top in hubs, (group, top)


# ----------------------------------------------------------------------------------------------
# Cross-posting truth
# ----------------------------------------------------------------------------------------------


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold()))


def test_clusters_are_well_formed(world):
    clusters = world.truth["crosspost_clusters"]
    seen: set = set()
    for i, c in enumerate(clusters):
        assert c["cluster"] == i and c["via"] in ("text", "link", "media", "forward")
        members = [tuple(x) for x in c["members"]]
        assert len(members) >= 2 and not seen & set(members)
        seen |= set(members)
        stamps = [(int(world.message(*x)["date_unixtime"]), x[0], x[1]) for x in members]
        assert stamps == sorted(stamps) and list(members[0]) == c["origin"]
    assert Counter(c["via"] for c in clusters).keys() == {"text", "link", "media", "forward"}


def test_cluster_members_carry_the_same_content(world):
    names = {cid: e["name"] for cid, e in world.exports.items()}
    for c in world.truth["crosspost_clusters"]:
        members = [world.message(*x) | {"_cid": x[0]} for x in c["members"]]
        own = [m for m in members if "forwarded_from" not in m]
        forwards = [m for m in members if "forwarded_from" in m]
        if c["via"] == "forward":
            assert len(own) <= 1
        originals = {(names[m["_cid"]], flat(m["text"])) for m in own}
        for f in forwards:  # a forward repeats one of the cluster's own posts, or an outside one
            if own:
                assert (f["forwarded_from"], flat(f["text"])) in originals
            else:
                assert flat(f["text"]) == flat(forwards[0]["text"])
        origin = own[0] if own else None
        for copy in own[1:]:
            if c["via"] == "text":
                # each channel signs with its own "Join: t.me/..." footer: not the content
                a, b = (_words(flat(m["text"]).split("\n\nJoin: ")[0]) for m in (origin, copy))
                assert len(a & b) / min(len(a), len(b)) >= 0.5, (c["cluster"], copy["id"])
            elif c["via"] == "link":
                post = f"t.me/{world.id_to_handle[origin['_cid']]}/{origin['id']}"
                article = re.compile(r"example-news\.invalid/article/\d+")
                text = flat(copy["text"])
                assert post in text or set(article.findall(flat(origin["text"]))) & set(
                    article.findall(text))
            elif c["via"] == "media":
                fingerprint = ("file", "duration_seconds")
                assert [copy[k] for k in fingerprint] == [origin[k] for k in fingerprint]


def test_short_statements_are_copied_with_a_prefix(world):
    short = world.truth["short_text_clusters"]
    assert len(short) >= 3
    for k in short:
        c = world.truth["crosspost_clusters"][k]
        origin = flat(world.message(*c["origin"])["text"])
        assert len(origin.split()) == 10
        copies = [world.message(*x) for x in c["members"][1:]]
        copies = [m for m in copies if "forwarded_from" not in m]  # forwards repeat it as is
        assert len(copies) >= 1
        for copy in copies:
            text = flat(copy["text"])
            assert text.endswith(origin) and text != origin


def test_hard_negatives_share_a_header_but_not_a_body(world):
    pairs = world.truth["hard_negatives"]
    assert len(pairs) >= 10
    cluster_of = {tuple(x): c["cluster"] for c in world.truth["crosspost_clusters"]
                  for x in c["members"]}
    for a, b in pairs:
        ta, tb = flat(world.message(*a)["text"]), flat(world.message(*b)["text"])
        assert ta.split("\n")[0] == tb.split("\n")[0] and len(ta.split("\n")[0].split()) >= 10
        ba, bb = _words(ta.split("\n", 1)[1]), _words(tb.split("\n", 1)[1])
        assert len(ba & bb) / len(ba | bb) < 0.5
        assert cluster_of.get(tuple(a), -1) != cluster_of.get(tuple(b), -2)


# ----------------------------------------------------------------------------------------------
# Volume, keyword, hostile text, control characters
# ----------------------------------------------------------------------------------------------


def _daily(world: Written) -> dict[str, Counter]:
    daily: dict[str, Counter] = defaultdict(Counter)
    for cid, m in world.messages():
        daily[world.group[cid]][utc_day(m)] += 1
    return daily


def test_surge_after_the_event_in_affiliated_groups_only(world):
    surge = world.truth["surge"]
    assert surge["groups"] == ["official", "news_network", "aqap", "supporters"]
    day = date.fromisoformat(surge["date"])
    daily = _daily(world)
    for group in GROUPS:
        before = sum(daily[group][day - timedelta(days=i)] for i in range(1, 15))
        after = sum(daily[group][day + timedelta(days=i)] for i in range(0, 14))
        if group in surge["groups"]:
            assert after > 1.8 * before, (group, before, after)
        else:
            assert 0.75 < after / before < 1.33, (group, before, after)
    # The step starts on the event day itself (even for an event late in the UTC day).
    on_day = sum(daily[g][day] for g in surge["groups"])
    week_before = sum(daily[g][day - timedelta(days=i)]
                      for g in surge["groups"] for i in range(1, 8))
    assert on_day > 1.5 * week_before / 7, (on_day, week_before)


def test_weekly_rhythm(world):
    daily = _daily(world)
    surge = date.fromisoformat(world.truth["surge"]["date"])
    per_weekday = defaultdict(list)
    for group in ("official", "supporters"):
        for day, n in daily[group].items():
            if not surge - timedelta(days=1) <= day <= surge + timedelta(days=15):
                per_weekday[day.weekday()].append(n)
    mean = {wd: sum(v) / len(v) for wd, v in per_weekday.items()}
    assert mean[4] > 1.3 * mean[6], mean  # Friday above Sunday


def test_keyword_rises_before_the_event(world):
    t = world.truth
    keyword, rise = t["keyword"], t["keyword_rise"]
    start, event = date.fromisoformat(rise["start"]), date.fromisoformat(rise["end"])
    assert (event - start).days == 21 and rise["end"] == t["surge"]["date"]
    assert re.fullmatch(r"[a-z]{7,}", keyword)
    hits, totals = Counter(), Counter()
    for cid, m in world.messages():
        if world.group[cid] == "control":
            # control channels never write it (they may forward a news edition that did)
            assert "forwarded_from" in m or keyword not in flat(m["text"])
            continue
        day = utc_day(m)
        week = (day - start).days // 7 if start <= day < event else (-1 if day < start else 9)
        totals[week] += 1
        hits[week] += keyword in flat(m["text"])
    assert hits[-1] == 0
    share = [hits[w] / totals[w] for w in (0, 1, 2)]
    assert 0 < share[0] < share[1] < share[2] and share[2] > 0.15, share


def test_hostile_messages_hold_their_payloads(world):
    hostile = world.truth["hostile"]
    payloads = world.truth["hostile_payloads"]
    assert 3 <= len(hostile) <= 6
    assert [[p["channel_id"], p["message_id"]] for p in payloads] == hostile
    kinds = " ".join(p["payload"] for p in payloads)
    for needle in ("<script>", "onerror=", "javascript:"):
        assert needle in kinds
    for p in payloads:
        m = world.message(p["channel_id"], p["message_id"])
        where = flat(m["text"]) if p["where"] == "text" else " ".join(hrefs(m))
        assert p["payload"] in where


def test_control_characters_are_written_as_hex_escapes(world):
    planted = world.truth["control_chars"]
    assert len(planted) >= 3
    for cid, mid in planted:
        text = flat(world.message(cid, mid)["text"])
        assert any(ord(ch) < 0x20 and ch not in "\n\t" for ch in text)
        assert re.search(r"\\x[0-9A-F]{2}", world.raw[cid])
        with pytest.raises(json.JSONDecodeError):
            json.loads(world.raw[cid])


# ----------------------------------------------------------------------------------------------
# The Twitter side
# ----------------------------------------------------------------------------------------------


def test_twitter_csv_and_its_decline(world):
    with open(world.path / "twitter" / synth.TWITTER_FILE, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["name", "username", "description", "location", "followers",
                                     "numberstatuses", "time", "tweets"]
        rows = list(reader)
    t = world.truth["twitter"]
    assert (t["tweets"], t["accounts"]) == (len(rows), len({r["username"] for r in rows}))
    months = Counter()
    for r in rows:
        assert re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}", r["time"]), r["time"]
        assert int(r["followers"]) >= 0 and int(r["numberstatuses"]) > 0
        stamp = datetime.strptime(r["time"], "%m/%d/%Y %H:%M")
        months[(stamp.year, stamp.month)] += 1
    assert min(months) == (2015, 1) and max(months) == (2016, 12)
    assert sum(r["tweets"].startswith("RT @") for r in rows) > 0.05 * len(rows)

    def mean(months_):
        return sum(months[m] for m in months_) / len(months_)

    peak = mean([(2015, 10), (2015, 11), (2015, 12), (2016, 1)])
    assert mean([(2016, m) for m in range(3, 8)]) < 0.7 * peak
    assert mean([(2016, m) for m in range(9, 13)]) < 0.4 * peak


# ----------------------------------------------------------------------------------------------
# What loads equals the truth
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def loaded(world):
    import workbench as wb

    return wb.load(world.path / "telegram", channels=world.path / "channels.csv", progress=False)


def test_loader_reads_every_record(world, loaded):
    assert loaded.rejected.empty
    per = loaded.messages.groupby("channel_id").size().to_dict()
    service = loaded.service.groupby("channel_id").size().to_dict()
    for ch in world.truth["channels"]:
        assert per.get(ch["channel_id"], 0) == ch["messages"]
        assert service.get(ch["channel_id"], 0) == ch["service"]


def test_loaded_forward_counts_equal_truth(world, loaded):
    m = loaded.messages[loaded.messages["fwd_from_name"].notna()]
    source = m["fwd_from_channel_id"].fillna(m["fwd_from_name"].map(name_key))
    counts = m.assign(source=source).groupby(["source", "channel_id"]).size().to_dict()
    truth = {(f["source"], f["target"]): f["weight"] for f in world.truth["forward_counts"]}
    assert {k: int(v) for k, v in counts.items()} == truth


def test_loaded_unresolved_sources(world, loaded):
    channels = loaded.channels.set_index("channel_id")
    for u in world.truth["unresolved_sources"]:
        assert not channels.loc[u["channel_id"], "resolved"]
    for ch in world.truth["channels"]:
        assert channels.loc[ch["channel_id"], "resolved"]
        assert channels.loc[ch["channel_id"], "group"] == ch["group"]
    unresolved = set(channels.index[~channels["resolved"]])
    assert unresolved == {u["channel_id"] for u in world.truth["unresolved_sources"]}


def test_loaded_mentions_equal_truth(world, loaded):
    counts = Counter()
    for cid, mentions, links in loaded.messages[["channel_id", "mentions", "links"]].itertuples(
            index=False):
        handles = {h.lower() for h in mentions}
        handles |= {h.lower() for link in links for h in _TME.findall(link)}
        for handle in handles:
            target = world.handle_to_id.get(handle)
            if target is not None and target != cid:
                counts[(cid, target)] += 1
    truth = {(f["source"], f["target"]): f["weight"] for f in world.truth["mention_counts"]}
    assert counts == truth


def test_loaded_dates_are_utc(world, loaded):
    m = loaded.messages.set_index(["channel_id", "message_id"])["date"]
    for cid, mid in world.truth["hostile"] + world.truth["control_chars"]:
        stamp = int(world.message(cid, mid)["date_unixtime"])
        assert m.loc[(cid, mid)] == datetime.fromtimestamp(stamp, timezone.utc)


def test_loaded_hostile_text_is_verbatim(world, loaded):
    m = loaded.messages.set_index(["channel_id", "message_id"])
    for p in world.truth["hostile_payloads"]:
        row = m.loc[(p["channel_id"], p["message_id"])]
        where = row["text"] if p["where"] == "text" else " ".join(row["links"])
        assert p["payload"] in where


def test_loaded_control_characters_are_repaired(world, loaded):
    m = loaded.messages.set_index(["channel_id", "message_id"])["text"]
    for cid, mid in world.truth["control_chars"]:
        assert m.loc[(cid, mid)] == flat(world.message(cid, mid)["text"])


# ----------------------------------------------------------------------------------------------
# Large exports for benchmarks
# ----------------------------------------------------------------------------------------------


def test_desktop_export_single_channel(tmp_path):
    path = synth.write_desktop_export(tmp_path / "big" / "result.json", 3000, seed=1)
    text = path.read_text(encoding="utf-8")
    assert re.search(r"\\x[0-9A-F]{2}", text)  # planted escapes travel with the templates
    export = json.loads(_HEX.sub(lambda m: m.group(1) + "\\u00" + m.group(2), text))
    records = export["messages"]
    assert export["type"] == "public_channel" and len(records) == 3000
    ids = [r["id"] for r in records]
    assert ids == sorted(set(ids))
    for r in records[:200]:
        local = datetime.fromtimestamp(int(r["date_unixtime"]), timezone.utc) + timedelta(hours=3)
        assert r["date"] == local.strftime("%Y-%m-%dT%H:%M:%S")
    assert sum("forwarded_from" in r for r in records) > 300
    assert synth.write_desktop_export(tmp_path / "again.json", 3000, seed=1).read_bytes() \
        == path.read_bytes()


def test_desktop_export_many_channels_loads(tmp_path):
    import workbench as wb

    path = synth.write_desktop_export(tmp_path / "result.json.gz", 2001, seed=2, n_channels=3)
    export = json.loads(_HEX.sub(lambda m: m.group(1) + "\\u00" + m.group(2),
                                 gzip.decompress(path.read_bytes()).decode("utf-8")))
    chats = export["chats"]["list"]
    assert [len(c["messages"]) for c in chats] == [667, 667, 667]
    corpus = wb.load(path, progress=False)
    assert len(corpus.messages) + len(corpus.service) == 2001 and corpus.rejected.empty
    assert corpus.messages["channel_id"].nunique() == 3


def test_desktop_export_default_output_unchanged(tmp_path):
    # SHA-256 of what write_desktop_export wrote before it had text_lengths (commit 6e6a4d8):
    # the option must not move a byte of the default output (benchmarks compare across it).
    before = {(1500, 1, 1): "eaf43136093c314a6152f67115a36891257ed5bf17334bc3b792983612f8d330",
              (2001, 2, 3): "5424d0ae777670673c4a10c2c89cec0730f7d1794c7faf445609f2f887a26ec9"}
    for (n, seed, channels), digest in before.items():
        path = synth.write_desktop_export(tmp_path / "x.json", n, seed=seed, n_channels=channels)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_desktop_export_text_lengths(tmp_path):
    import workbench as wb

    lengths = [0, 25, 300, 2000]
    plain = synth.write_desktop_export(tmp_path / "plain" / "r.json", 3000, seed=1, n_channels=3)
    sized = synth.write_desktop_export(tmp_path / "sized" / "r.json", 3000, seed=1, n_channels=3,
                                       text_lengths=lengths)
    a, b = wb.load(plain, progress=False), wb.load(sized, progress=False)
    assert b.rejected.empty and len(b.service) == len(a.service)
    # Everything but the texts (and what is found in them) is the default export's.
    rest = [c for c in a.messages.columns
            if c not in ("text", "source", *schema.LIST_COLUMNS)]
    pd.testing.assert_frame_equal(a.messages[rest], b.messages[rest])
    got = b.messages["text"].fillna("").map(lambda t: len(t.encode("utf-8"))).to_numpy()
    drawn = np.array([min(lengths, key=lambda v: abs(v - g)) for g in got])
    # Cut at a character boundary and trailing spaces: a few bytes short, never long.
    assert ((drawn - got >= 0) & (drawn - got <= 4)).all()
    assert set(drawn) == set(lengths)
    assert 0.15 < (drawn == 2000).mean() < 0.35
    # The words are the generated world's (no real text): the world the export draws from.
    world = synth.generate_world(2017, n_channels=15, messages_scale=0.35)
    vocabulary = {w for e in world.exports.values() for r in e["messages"]
                  for part in ([r["text"]] if isinstance(r["text"], str) else r["text"])
                  for w in (part if isinstance(part, str) else part["text"]).split()}
    # A text is cut to its length, so the last word of its generated part may be cut too.
    plain = [t.split("\n")[0].split() for t in b.messages["text"].dropna()]
    assert {w for words in plain for w in words[:-1]} <= vocabulary
    assert all(any(v.startswith(words[-1]) for v in vocabulary) for words in plain if words)
