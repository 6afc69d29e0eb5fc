"""Discussion: reply edges and threads, on the genuine group-chat pages and on planted truth."""

from __future__ import annotations

import json
import random
import re
import warnings
from collections import Counter
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

import workbench as wb

GROUP = Path("telegram-desktop-html") / "tgnize-group-2017"


def _load(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return wb.load(path, progress=False, **kw)


def _raw_replies(folder: Path):
    """(reply targets, ids of ordinary messages) read straight from the HTML pages."""
    targets, ids = [], set()
    for page in sorted(folder.glob("messages*.html")):
        html = page.read_text(encoding="utf-8")
        every = {int(x) for x in re.findall(r'id="message(-?\d+)"', html)}
        service = {int(x) for x in re.findall(r'class="message service" id="message(-?\d+)"',
                                              html)}
        ids |= every - service
        targets += [int(x) for x in re.findall(
            r'class="reply_to details">\s*In reply to <a href="[^"]*go_to_message(\d+)"', html)]
    return targets, ids


@pytest.fixture(scope="module")
def group(samples):
    return _load(samples / GROUP)


def test_reply_edges_on_the_genuine_group_pages(samples, group):
    targets, ids = _raw_replies(samples / GROUP)
    assert len(targets) == 784
    present = sum(t in ids for t in targets)
    edges = wb.network.reply_edges(group.messages)
    assert edges.attrs["kind"] == "reply"
    assert int(edges["weight"].sum()) == present
    assert edges.attrs["missing_targets"] == len(targets) - present
    # the same pairs counted by hand: replied-to author -> replier
    m = group.messages
    author = dict(zip(m["message_id"], m["author"]))
    counted = Counter((author[int(t)], a) for a, t in zip(m["author"], m["reply_to"])
                      if pd.notna(t) and int(t) in author)
    got = {(s.removeprefix("telegram:name:"), t.removeprefix("telegram:name:")): w
           for s, t, w in zip(edges["source"], edges["target"], edges["weight"])}
    norm = Counter()
    for (a, b), w in counted.items():
        norm[(" ".join(a.casefold().split()), " ".join(b.casefold().split()))] += w
    assert got == dict(norm)


def test_threads_on_the_genuine_group_pages(group):
    th = wb.network.threads(group.messages, min_replies=1)
    m = group.messages
    direct = Counter(int(t) for t in m["reply_to"].dropna())
    ids = set(m["message_id"])
    top = th.iloc[0]
    # a root's replies include at least its direct replies; the top thread has the most
    assert top["replies"] >= direct[int(top["message_id"])]
    assert th["replies"].is_monotonic_decreasing
    assert int(th["replies"].sum()) == int(m["reply_to"].notna().sum()) - int(
        sum(int(t) not in ids for t in m["reply_to"].dropna()))
    assert (th["first_reply"] >= pd.Timedelta(0)).all()


def test_pseudonymised_reply_edges_reveal_no_one(samples, group):
    hidden = _load(samples / GROUP, pseudonymise="a secret salt")
    clear = wb.network.reply_edges(group.messages)
    anon = wb.network.reply_edges(hidden.messages)
    names = set(group.messages["author"].dropna().str.casefold())
    nodes = set(anon["source"]) | set(anon["target"])
    assert not any(n.removeprefix("telegram:name:") in names for n in nodes)
    assert all("anon:" in n for n in nodes)
    assert sorted(anon["weight"]) == sorted(clear["weight"])


def test_reply_edges_export_to_gephi(group, tmp_path):
    edges = wb.network.reply_edges(group.messages)
    G = wb.network.edges_to_graph(edges)
    [path] = wb.network.write_graph(G, tmp_path / "replies.gexf")
    back = nx.read_gexf(path)
    assert back.number_of_edges() == len(edges)
    heaviest = edges.iloc[0]
    assert back.edges[heaviest["source"], heaviest["target"]]["weight"] == heaviest["weight"]


# -- planted truth: a channel and its discussion group, exported by Telegram Desktop -----------

CHANNEL_ID, GROUP_ID, T0 = 1400000001, 1400000002, 1_500_000_000


def _discussion_world(seed: int):
    """A channel's posts, its discussion group (automatic forwards + comment trees), and the
    planted truth per post: replies, distinct commenters, depth, first and last reply."""
    rng = random.Random(seed)
    posts, group, truth = [], [], {}
    gid = 1
    for p in range(1, 16):
        date = T0 + p * 86400
        posts.append({"id": p, "type": "message", "date_unixtime": str(date),
                      "text": f"post number {p} of the channel"})
        fwd_id = gid
        gid += 1
        group.append({"id": fwd_id, "type": "message", "date_unixtime": str(date + 2),
                      "from": "Planted Channel", "from_id": f"channel{CHANNEL_ID}",
                      "forwarded_from": "Planted Channel",
                      "text": f"post number {p} of the channel"})
        nodes = [(fwd_id, 0, date + 2)]  # (group message id, depth, date)
        people = set()
        for _ in range(rng.randrange(0, 12)):
            parent_id, depth, pdate = rng.choice(nodes)
            user = rng.randrange(1, 8)
            date_c = pdate + rng.randrange(30, 4000)
            group.append({"id": gid, "type": "message", "date_unixtime": str(date_c),
                          "from": f"Commenter {user}", "from_id": f"user{9000 + user}",
                          "reply_to_message_id": parent_id, "text": f"comment {gid}"})
            nodes.append((gid, depth + 1, date_c))
            people.add(user)
            gid += 1
        comments = nodes[1:]
        truth[p] = {"group_id": fwd_id, "replies": len(comments), "repliers": len(people),
                    "depth": max((d for _, d, _ in comments), default=0),
                    "first": min((c for _, _, c in comments), default=None),
                    "last": max((c for _, _, c in comments), default=None),
                    "post_date": date + 2}
    group.sort(key=lambda r: int(r["date_unixtime"]))
    return posts, group, truth


def test_discussion_group_threads_join_the_channel_posts(tmp_path):
    posts, group, truth = _discussion_world(18)
    for name, doc in {"channel": {"name": "Planted Channel", "type": "public_channel",
                                  "id": CHANNEL_ID, "messages": posts},
                      "group": {"name": "Planted Channel Chat", "type": "public_supergroup",
                                "id": GROUP_ID, "messages": group}}.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "result.json").write_text(json.dumps(doc))
    corpus = _load(tmp_path)
    msgs = corpus.messages[corpus.messages["channel_id"] == f"telegram:{GROUP_ID}"]
    th = wb.network.threads(corpus.messages).set_index("message_id")
    assert set(th["channel_id"]) == {f"telegram:{GROUP_ID}"}
    for p, t in truth.items():
        row = th.loc[t["group_id"]] if t["group_id"] in th.index else None
        if t["replies"] == 0:
            assert row is None
            continue
        assert (row["replies"], row["repliers"], row["depth"]) == (
            t["replies"], t["repliers"], t["depth"]), p
        assert row["first_reply"] == pd.Timedelta(seconds=t["first"] - t["post_date"])
        assert row["duration"] == pd.Timedelta(seconds=t["last"] - t["post_date"])
        assert row["post_channel_id"] == f"telegram:{CHANNEL_ID}"
        assert row["post_message_id"] == p  # the channel post the comments discuss
    # comments on a post: edges from the channel to each commenter
    edges = wb.network.reply_edges(msgs)
    from_channel = edges[edges["source"] == f"telegram:{CHANNEL_ID}"]
    direct = Counter()
    parent_of = {r["id"]: r.get("reply_to_message_id") for r in group}
    forwards = {t["group_id"] for t in truth.values()}
    for r in group:
        if parent_of[r["id"]] in forwards:
            direct[f"telegram:{r['from_id'].removeprefix('user')}"] += 1
    assert dict(zip(from_channel["target"], from_channel["weight"])) == dict(direct)


def test_briefing_line_names_the_most_discussed_posts(tmp_path):
    from workbench.briefing._threads import discussion_sentence

    posts, group, truth = _discussion_world(18)
    hostile = "Planted <script>alert(1)</script> Channel"
    for r in group:
        if r.get("forwarded_from"):
            r["from"] = r["forwarded_from"] = hostile
    for name, doc in {"channel": {"name": hostile, "type": "public_channel",
                                  "id": CHANNEL_ID, "messages": posts},
                      "group": {"name": "Chat", "type": "public_supergroup",
                                "id": GROUP_ID, "messages": group}}.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "result.json").write_text(json.dumps(doc))
    corpus = _load(tmp_path)
    names = dict(zip(corpus.channels["channel_id"], corpus.channels["name"]))
    line = discussion_sentence(corpus.messages, names)
    top = max(truth.values(), key=lambda t: (t["replies"], -t["post_date"]))
    assert "<script>" not in line and "&lt;script&gt;" in line
    assert f"{sum(t['replies'] for t in truth.values())} replies" in line
    assert f"({top['replies']} replies from {top['repliers']} people" in line
    assert "Commenter" not in line  # people are never named
