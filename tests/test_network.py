"""Channel networks: hand-computed small cases for every function, then the planted truth of
the fixture world and of two other generated worlds."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench import network, schema
from workbench.errors import ParameterError


def T(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz="UTC")


def make_messages(rows: list[dict]) -> pd.DataFrame:
    """A canonical messages frame from a few hand-written rows."""
    frame = pd.DataFrame(rows)
    frame["platform"] = "telegram"
    if "message_id" not in frame:
        frame["message_id"] = frame.groupby("channel_id").cumcount() + 1
    frame["date"] = pd.to_datetime(frame["date"], utc=True)
    if "fwd_from_date" in frame:
        frame["fwd_from_date"] = pd.to_datetime(frame["fwd_from_date"], utc=True)
    return schema.validate(schema.conform(frame, "messages"), "messages")


A, B, C, D = "telegram:10", "telegram:20", "telegram:30", "telegram:40"


@pytest.fixture()
def forwards() -> pd.DataFrame:
    # B forwards A twice (delays 1 h and 3 h) and C once; C forwards A once and an unresolved
    # source, spelled two ways, twice; A posts originals only.
    return make_messages([
        {"channel_id": A, "date": "2016-10-01 08:00"},
        {"channel_id": A, "date": "2016-10-02 08:00"},
        {"channel_id": B, "date": "2016-10-01 09:00", "fwd_from_channel_id": A,
         "fwd_from_name": "Amaq", "fwd_from_date": "2016-10-01 08:00"},
        {"channel_id": B, "date": "2016-10-02 11:00", "fwd_from_channel_id": A,
         "fwd_from_name": "Amaq", "fwd_from_date": "2016-10-02 08:00"},
        {"channel_id": B, "date": "2016-10-03 12:00", "fwd_from_channel_id": C,
         "fwd_from_name": "Fan C"},
        {"channel_id": C, "date": "2016-10-04 12:00", "fwd_from_channel_id": A,
         "fwd_from_name": "Amaq"},
        {"channel_id": C, "date": "2016-10-05 12:00", "fwd_from_name": "Al  Battar"},
        {"channel_id": C, "date": "2016-10-06 12:00", "fwd_from_name": "AL BATTAR"},
        {"channel_id": C, "date": "2016-10-07 12:00", "text": "not a forward"},
    ])


# -- forward_edges ----------------------------------------------------------------------------

def test_forward_edges_hand_computed(forwards):
    before = forwards.copy(deep=True)
    edges = network.forward_edges(forwards)
    assert isinstance(edges.index, pd.RangeIndex)
    assert list(edges.columns) == ["source", "target", "weight", "first", "last",
                                   "median_delay", "resolved"]
    got = {(s, t): w for s, t, w in zip(edges["source"], edges["target"], edges["weight"])}
    assert got == {(A, B): 2, (C, B): 1, (A, C): 1, ("telegram:name:al battar", C): 2}
    ab = edges[(edges["source"] == A) & (edges["target"] == B)].iloc[0]
    assert ab["first"] == T("2016-10-01 09:00") and ab["last"] == T("2016-10-02 11:00")
    assert ab["median_delay"] == pd.Timedelta(hours=2)
    assert pd.isna(edges.loc[edges["source"] == C, "median_delay"].iloc[0])
    unresolved = edges[~edges["resolved"]]
    assert unresolved["source"].tolist() == ["telegram:name:al battar"]
    assert edges["resolved"].sum() == 3
    # heaviest first, then by source id
    assert edges["weight"].tolist() == [2, 2, 1, 1]
    assert edges.attrs["kind"] == "forward"
    pd.testing.assert_frame_equal(forwards, before)


def test_forward_edges_min_weight_and_empty(forwards):
    assert len(network.forward_edges(forwards, min_weight=2)) == 2
    assert len(network.forward_edges(forwards, min_weight=3)) == 0
    empty = network.forward_edges(schema.empty("messages"))
    assert list(empty.columns)[:3] == ["source", "target", "weight"] and len(empty) == 0


def test_forward_edges_self_loop_kept():
    msgs = make_messages([{"channel_id": A, "date": "2016-10-01", "fwd_from_channel_id": A}])
    assert network.forward_edges(msgs)[["source", "target"]].values.tolist() == [[A, A]]


def test_forward_edges_needs_columns():
    with pytest.raises(ParameterError, match="fwd_from_channel_id"):
        network.forward_edges(pd.DataFrame({"channel_id": [A], "date": [T("2016-10-01")]}))


# -- mention_edges and links ------------------------------------------------------------------

LINK_CASES = [
    ("https://t.me/beta_news", ("handle", "beta_news")),
    ("http://t.me/Beta_News/1203", ("handle", "beta_news")),
    ("t.me/beta_news/12", ("handle", "beta_news")),
    ("https://t.me/s/beta_news", ("handle", "beta_news")),
    ("t.me/s/beta_news/77", ("handle", "beta_news")),
    ("https://telegram.me/beta_news", ("handle", "beta_news")),
    ("telegram.me/beta_news/4", ("handle", "beta_news")),
    ("https://www.t.me/beta_news", ("handle", "beta_news")),
    ("https://telegram.dog/beta_news", ("handle", "beta_news")),
    ("https://beta_news.t.me/", ("handle", "beta_news")),
    ("tg://resolve?domain=beta_news", ("handle", "beta_news")),
    ("https://t.me/beta_news?start=x", ("handle", "beta_news")),
    ("https://t.me/c/1292077344/77", ("id", "telegram:1292077344")),
    ("t.me/c/1292077344/77", ("id", "telegram:1292077344")),
    ("https://t.me/joinchat/AAAAAEkk2WdoDrB4-Q8-gg", None),
    ("https://t.me/+AbCdEfGhIjK", None),
    ("t.me/+AbCdEfGhIjK", None),
    ("https://t.me/share/url?url=https://example.org", None),
    ("https://t.me/addstickers/somepack", None),
    ("https://t.me/", None),
    ("https://example.org/t.me/beta_news", None),
    ("https://nott.me/beta_news", None),
]


@pytest.mark.parametrize("link, expected", LINK_CASES)
def test_parse_telegram_link(link, expected):
    assert network.parse_telegram_link(link) == expected


@pytest.fixture()
def channels_table() -> pd.DataFrame:
    return pd.DataFrame({"channel_id": [A, B, C], "handle": ["alpha_news", "Beta_News", pd.NA],
                         "name": ["Alpha", "Beta", "Gamma"]})


def test_mention_edges_resolves_every_link_form(channels_table):
    links = [link for link, hit in LINK_CASES if hit]
    msgs = make_messages([
        {"channel_id": A, "date": f"2016-10-{i + 1:02d}", "links": [link]}
        for i, link in enumerate(links)])
    edges = network.mention_edges(msgs, channels=channels_table)
    # every handle form names B; the two t.me/c links name 1292077344 (not in the corpus,
    # but a t.me/c link carries the id itself, so it is resolved)
    got = dict(zip(edges["target"], edges["weight"]))
    assert got == {B: len(links) - 2, "telegram:1292077344": 2}
    assert edges["resolved"].all() and (edges["source"] == A).all()


def test_mention_edges_hand_computed(channels_table):
    msgs = make_messages([
        # @mention and a link to the same channel in one message count once
        {"channel_id": A, "date": "2016-10-01", "mentions": ["@beta_news"],
         "links": ["https://t.me/beta_news/5"]},
        {"channel_id": A, "date": "2016-10-03", "mentions": ["@BETA_NEWS", "@unknown_chan"]},
        # a footer naming the channel itself: excluded unless asked for
        {"channel_id": A, "date": "2016-10-04", "mentions": ["@alpha_news"]},
        {"channel_id": B, "date": "2016-10-02", "links": ["t.me/s/alpha_news",
                                                          "https://t.me/joinchat/XYZ123abc"]},
        {"channel_id": C, "date": "2016-10-02", "mentions": ["@al"]},  # too short to be a handle
    ])
    edges = network.mention_edges(msgs, channels=channels_table)
    got = {(s, t): (w, r) for s, t, w, r in edges[["source", "target", "weight", "resolved"]]
           .itertuples(index=False)}
    assert got == {(A, B): (2, True), (B, A): (1, True),
                   (A, "telegram:handle:unknown_chan"): (1, False)}
    ab = edges[(edges["source"] == A) & (edges["target"] == B)].iloc[0]
    assert (ab["first"], ab["last"]) == (T("2016-10-01"), T("2016-10-03"))
    assert edges.attrs["kind"] == "mention"
    with_self = network.mention_edges(msgs, channels=channels_table, self_mentions=True)
    assert ((with_self["source"] == A) & (with_self["target"] == A)).sum() == 1
    # Without a channels table, handles stay unresolved handle keys.
    bare = network.mention_edges(msgs)
    assert set(bare["target"]) == {"telegram:handle:beta_news", "telegram:handle:alpha_news",
                                   "telegram:handle:unknown_chan"}
    assert not bare["resolved"].any()
    assert len(network.mention_edges(msgs, channels=channels_table, min_weight=2)) == 1


# -- edges_to_graph ---------------------------------------------------------------------------

def test_edges_to_graph_attributes(forwards):
    edges = network.forward_edges(forwards)
    labels = pd.DataFrame({"channel_id": [A, B, C], "name": ["Amaq <b>", "Fan B", "Fan C"],
                           "group": ["official", "supporters", pd.NA],
                           "lang": ["ar", "en", "en"], "resolved": [True, True, True]})
    corpus = wb.Corpus(forwards, schema.conform(
        labels.assign(platform="telegram"), "channels"))
    G = network.edges_to_graph(edges, corpus)
    assert isinstance(G, nx.DiGraph) and G.graph["kind"] == "forward"
    assert sorted(G) == sorted([A, B, C, "telegram:name:al battar"])
    assert G.nodes[A] == {"name": "Amaq <b>", "resolved": True, "messages": 2,
                          "group": "official", "lang": "ar"}
    assert "group" not in G.nodes[C]
    assert G.nodes["telegram:name:al battar"] == {"name": "al battar", "resolved": False,
                                                 "messages": 0}
    assert G[A][B]["weight"] == 2 and G[A][B]["first"] == T("2016-10-01 09:00")
    assert not G.has_edge(B, A)
    assert "median_delay" not in G[C][B]  # NaT: absent rather than null
    # a channels table (overview) works as well; its message counts are used, and a channel
    # without a display name is named by its id
    G2 = network.edges_to_graph(edges, corpus.overview())
    assert G2.nodes[B]["messages"] == 3 and G2.nodes[B]["name"] == B
    # co-citation gives an undirected graph
    assert not network.edges_to_graph(network.cocitation_edges(forwards)).is_directed()
    with pytest.raises(ParameterError):
        network.edges_to_graph(edges.drop(columns="weight"))


# -- centrality -------------------------------------------------------------------------------

def star_graph() -> nx.DiGraph:
    """Hub H forwarded by four fans; fan F1 also forwarded by F2 and F3."""
    G = nx.DiGraph(kind="forward")
    G.add_weighted_edges_from([("H", "F1", 5), ("H", "F2", 3), ("H", "F3", 2), ("H", "F4", 1),
                               ("F1", "F2", 1), ("F1", "F3", 1)])
    return G


def test_centrality_columns_and_strengths():
    c = network.centrality(star_graph())
    assert list(c.columns) == list(network.CENTRALITY_COLUMNS)
    assert c.index.name == "channel_id"
    assert c.index[0] == "H" and c.index[1] == "F1"  # forwarded most, then forwarded twice
    assert c.loc["H", "out_strength"] == 11 and c.loc["H", "in_strength"] == 0
    assert c.loc["F2", "in_strength"] == 4 and c.loc["F1", "out_strength"] == 2
    assert c.loc["H", "out_degree"] == 4 and c.loc["F3", "in_degree"] == 2
    assert c["in_strength"].dtype == np.int64
    assert c["pagerank"].sum() == pytest.approx(1.0)
    # HITS on forwarder -> source: H is the authority; F2 and F3 (forwarding H and F1) hub
    assert c["authority_score"].idxmax() == "H"
    assert c.loc["F2", "hub_score"] > c.loc["F4", "hub_score"]
    assert c.loc["H", "hub_score"] == 0
    # k-cores: the triangle H-F1-F2 (and F3) is a 2-core, F4 hangs by one edge
    assert c.loc["H", "core_number"] == 2 and c.loc["F4", "core_number"] == 1


def test_centrality_pagerank_matches_networkx_on_reversed_graph():
    G = star_graph()
    c = network.centrality(G)
    expected = nx.pagerank(G.reverse(), weight="weight")
    for node, value in expected.items():
        assert c.loc[node, "pagerank"] == pytest.approx(value, abs=1e-9)


def test_centrality_hits_matches_networkx_when_well_defined():
    G = nx.gnp_random_graph(40, 0.15, seed=3, directed=True)
    for u, v in G.edges:
        G[u][v]["weight"] = 1 + (u * v) % 4
    G.graph["kind"] = "mention"  # endorsement runs along the edges
    c = network.centrality(G)
    hubs, auths = nx.hits(G)
    for node in G:
        assert c.loc[node, "hub_score"] == pytest.approx(hubs[node], abs=1e-6)
        assert c.loc[node, "authority_score"] == pytest.approx(auths[node], abs=1e-6)


def test_centrality_direction_follows_kind():
    # mention graph: a and b mention c, so c ranks top; the same edges as forwards rank a, b
    edges = [("a", "c", 1), ("b", "c", 1)]
    G = nx.DiGraph(kind="mention")
    G.add_weighted_edges_from(edges)
    assert network.centrality(G).index[0] == "c"
    F = nx.DiGraph(kind="forward")
    F.add_weighted_edges_from(edges)
    assert network.centrality(F).index[0] in {"a", "b"}


def test_betweenness_exact_and_sampled():
    path = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d")], kind="forward")
    c = network.centrality(path)
    # b lies on a->c and a->d, c on a->d and b->d: 2 of (n-1)(n-2) = 6 ordered pairs
    assert c.loc["b", "betweenness"] == pytest.approx(2 / 6)
    assert c.loc["a", "betweenness"] == 0
    big = nx.gnp_random_graph(120, 0.05, seed=1, directed=True)
    nx.set_edge_attributes(big, 1, "weight")
    exact = network.centrality(big, betweenness_sample=500)["betweenness"]
    assert exact.to_dict() == pytest.approx(nx.betweenness_centrality(big), abs=1e-12)
    und = nx.les_miserables_graph()
    und.graph["kind"] = "cocitation"
    assert network.centrality(und)["betweenness"].to_dict() == pytest.approx(
        nx.betweenness_centrality(und), abs=1e-12)
    s1 = network.centrality(big, betweenness_sample=60, random_state=7)["betweenness"]
    s2 = network.centrality(big, betweenness_sample=60, random_state=7)["betweenness"]
    pd.testing.assert_series_equal(s1, s2)
    assert not s1.equals(exact)
    assert np.corrcoef(s1.reindex(exact.index), exact)[0, 1] > 0.8


def test_core_number_matches_networkx():
    graphs = [nx.gnp_random_graph(150, 0.06, seed=2, directed=True), nx.path_graph(30),
              nx.les_miserables_graph(), nx.karate_club_graph()]
    for G in graphs:
        G = G.copy()
        first = next(iter(G))
        G.add_edge(first, first)  # self-loops do not count towards a core
        G.graph["kind"] = "forward"
        simple = nx.Graph(G)
        simple.remove_edges_from(list(nx.selfloop_edges(simple)))
        got = network.centrality(G)["core_number"].to_dict()
        assert got == nx.core_number(simple)


def test_community_share_hand_computed():
    G = star_graph()
    labels = pd.Series({"H": 0, "F1": 0, "F2": 1, "F3": 1, "F4": 1})
    c = network.centrality(G, communities=labels)
    # endorsements received = forwards taken from a channel: H 11, F1 2, others 0
    assert c.loc["H", "community_share"] == pytest.approx(11 / 13)
    assert c.loc["F1", "community_share"] == pytest.approx(2 / 13)
    assert c.loc["F2", "community_share"] == 0
    with pytest.raises(ParameterError, match="no label"):
        network.centrality(G, communities=labels.drop("F4"))


# -- communities and compare_partitions -------------------------------------------------------

def two_cliques() -> nx.DiGraph:
    G = nx.DiGraph(kind="forward")
    big = [f"a{i}" for i in range(5)]
    small = [f"b{i}" for i in range(4)]
    for members in (big, small):
        for i, u in enumerate(members):
            for v in members[i + 1:]:
                G.add_edge(u, v, weight=4)
    G.add_edge("a0", "b0", weight=1)
    return G


def test_communities_two_cliques():
    labels = network.communities(two_cliques())
    assert labels.name == "community" and labels.dtype == np.int64
    assert labels.index.is_monotonic_increasing
    assert set(labels[labels == 0].index) == {f"a{i}" for i in range(5)}  # largest is 0
    assert set(labels[labels == 1].index) == {f"b{i}" for i in range(4)}
    # determinism, and independence from edge insertion order
    G2 = nx.DiGraph(kind="forward")
    G2.add_edges_from(reversed(list(two_cliques().edges(data=True))))
    pd.testing.assert_series_equal(network.communities(G2), labels)
    # a tiny resolution merges everything
    assert network.communities(two_cliques(), resolution=0.01).nunique() == 1
    with pytest.raises(ParameterError):
        network.communities(two_cliques(), resolution=0)


def test_compare_partitions_hand_computed():
    same = network.compare_partitions(pd.Series({"a": 0, "b": 0, "c": 1, "d": 1}),
                                      {"a": "x", "b": "x", "c": "y", "d": "y", "e": "z"})
    assert same == {"nmi": 1.0, "adjusted_rand": 1.0, "channels": 4}
    crossed = network.compare_partitions(pd.Series({"a": 0, "b": 0, "c": 1, "d": 1}),
                                         pd.Series({"a": 0, "b": 1, "c": 0, "d": 1}))
    # independent halves: no shared information; ARI = (0 - 1/3) / (2 - 1/3)... = -0.5
    assert crossed["nmi"] == pytest.approx(0.0, abs=1e-9)
    assert crossed["adjusted_rand"] == pytest.approx(-0.5)
    # Nothing in common (e.g. no co-citation ties on a small real corpus): nothing to compare,
    # said with NaN scores over 0 channels rather than an error that stops a notebook.
    none = network.compare_partitions(pd.Series({"a": 1}), pd.Series({"b": 1}))
    assert none["channels"] == 0 and none["nmi"] != none["nmi"]


# -- cocitation, candidates, growth, snapshots ------------------------------------------------

def test_cocitation_hand_computed():
    S1, S2, S3 = "telegram:1", "telegram:2", "telegram:3"
    msgs = make_messages([
        {"channel_id": "telegram:7", "date": "2016-10-01", "fwd_from_channel_id": S1},
        {"channel_id": "telegram:7", "date": "2016-10-02", "fwd_from_channel_id": S1},
        {"channel_id": "telegram:7", "date": "2016-10-03", "fwd_from_channel_id": S2},
        {"channel_id": "telegram:8", "date": "2016-10-01", "fwd_from_channel_id": S1},
        {"channel_id": "telegram:8", "date": "2016-10-02", "fwd_from_channel_id": S2},
        {"channel_id": "telegram:9", "date": "2016-10-02", "fwd_from_channel_id": S3},
        {"channel_id": "telegram:9", "date": "2016-10-03", "fwd_from_name": "Hidden Source"},
        {"channel_id": "telegram:6", "date": "2016-10-03", "fwd_from_name": "hidden  source"},
    ])
    cos = network.cocitation_edges(msgs)
    assert cos[["source", "target"]].values.tolist() == [["telegram:7", "telegram:8"],
                                                         ["telegram:6", "telegram:9"]]
    # 7 = (2, 1), 8 = (1, 1) over (S1, S2): 3 / (sqrt 5 * sqrt 2); 6 and 9 share one of 9's two
    assert cos["weight"].tolist() == pytest.approx([3 / math.sqrt(10), 1 / math.sqrt(2)])
    assert cos["shared"].tolist() == [2, 1]
    jac = network.cocitation_edges(msgs, metric="jaccard")
    assert dict(zip(jac["source"], jac["weight"])) == {"telegram:7": 1.0, "telegram:6": 0.5}
    assert len(network.cocitation_edges(msgs, min_shared=2)) == 1
    assert len(network.cocitation_edges(msgs, min_weight=0.9)) == 1
    with pytest.raises(ParameterError):
        network.cocitation_edges(msgs, metric="dice")


def test_collection_candidates_ranked(forwards, channels_table):
    extra = make_messages([
        {"channel_id": B, "date": "2016-10-08", "fwd_from_name": "Minor Source"},
        # the unresolved source's footer link travels with two of its forwarded posts
        {"channel_id": B, "date": "2016-10-08", "fwd_from_name": "Al  Battar",
         "links": ["https://t.me/al_battar_ch"]},
        {"channel_id": B, "date": "2016-10-09", "fwd_from_name": "Al  Battar",
         "links": ["https://t.me/al_battar_ch/9"]},
        {"channel_id": A, "date": "2016-10-09", "mentions": ["@al_battar_ch"]},
        {"channel_id": B, "date": "2016-10-09", "mentions": ["@unknown_chan"]},
        {"channel_id": A, "date": "2016-10-10", "mentions": ["@unknown_chan", "@beta_news"]},
    ])
    msgs = pd.concat([forwards, extra.assign(message_id=extra["message_id"] + 100)],
                     ignore_index=True)
    cand = network.collection_candidates(msgs, channels=channels_table)
    assert list(cand.columns) == ["channel_id", "name", "handle", "forwards", "forwarded_by",
                                  "mentions", "mentioned_by", "first", "last"]
    assert cand["channel_id"].tolist() == ["telegram:name:al battar", "telegram:name:minor source",
                                           "telegram:handle:unknown_chan"]
    first = cand.iloc[0]
    # the most frequent spelling names it; its footer handle is matched and its mentions folded in
    assert (first["name"], first["handle"], first["forwards"], first["forwarded_by"]) == \
        ("Al  Battar", "al_battar_ch", 4, 2)
    assert (first["mentions"], first["mentioned_by"]) == (3, 2)
    assert (first["first"], first["last"]) == (T("2016-10-05 12:00"), T("2016-10-09"))
    assert pd.isna(cand.iloc[1]["handle"])
    last = cand.iloc[-1]
    assert (last["name"], last["handle"], last["forwards"], last["mentions"],
            last["mentioned_by"]) == ("@unknown_chan", "unknown_chan", 0, 2, 2)
    from_edges = network.collection_candidates(network.forward_edges(msgs))
    assert from_edges[["channel_id", "forwards"]].values.tolist() == [
        ["telegram:name:al battar", 4], ["telegram:name:minor source", 1]]
    only_fwd = network.collection_candidates(msgs, channels=channels_table, mentions=False)
    assert len(only_fwd) == 2 and only_fwd["handle"].isna().all()


def test_network_growth_hand_computed():
    msgs = make_messages([
        {"channel_id": A, "date": "2016-10-03"},                                  # week 1
        {"channel_id": B, "date": "2016-10-04", "fwd_from_channel_id": A},        # week 1
        {"channel_id": B, "date": "2016-10-11", "fwd_from_name": "Ghost"},        # week 2
        {"channel_id": C, "date": "2016-10-12", "fwd_from_channel_id": A},        # week 2
        {"channel_id": B, "date": "2016-10-13", "fwd_from_channel_id": A},        # week 2
        {"channel_id": C, "date": "2016-11-01"},                                  # week 6
    ])
    g = network.network_growth(msgs, freq="W", silence="14D")
    assert str(g.index.tz) == "UTC" and g.index.name == "date"
    assert g.index[0] == T("2016-10-03") and len(g) == 5  # weeks of 3, 10, 17, 24, 31 Oct
    assert g["active"].tolist() == [2, 2, 0, 0, 1]
    # new: A, B in week 1; the ghost source and C in week 2
    assert g["new"].tolist() == [2, 2, 0, 0, 0]
    # A last posted 3 Oct, B 13 Oct, both 14+ days before 1 Nov; C posts to the end
    assert g["silent"].tolist() == [1, 1, 0, 0, 0]
    assert g["new_edges"].tolist() == [1, 2, 0, 0, 0]
    assert g["channels"].tolist() == [2, 4, 4, 4, 4] and g["edges"].iloc[-1] == 3
    assert network.network_growth(msgs, silence="30D")["silent"].sum() == 0
    with pytest.raises(ParameterError):
        network.network_growth(msgs, silence="soon")


def test_snapshot_graphs(forwards):
    per_day = network.snapshot_graphs(forwards, freq="D")
    assert list(per_day)[0] == T("2016-10-01") and len(per_day) == 7
    assert [G.number_of_edges() for G in per_day.values()] == [1, 1, 1, 1, 1, 1, 0]
    cumulative = network.snapshot_graphs(forwards, freq="D", cumulative=True)
    assert [G.number_of_edges() for G in cumulative.values()] == [1, 1, 2, 3, 4, 4, 4]
    last = list(cumulative.values())[-1]
    assert last[A][B]["weight"] == 2


def test_filter_edges_mixing_matrix_top_channels():
    edges = pd.DataFrame({"source": [A, A, B, "telegram:name:x"], "target": [B, C, C, C],
                          "weight": [5, 1, 2, 3]})
    edges.attrs["kind"] = "forward"
    chans = pd.DataFrame({"channel_id": [A, B, C], "name": ["a", "b", "c"],
                          "group": ["official", "official", "fans"], "lang": ["ar", "en", "en"]})
    kept = network.filter_edges(edges, channels=chans, groups=["official"])
    assert kept[["source", "target"]].values.tolist() == [[A, B]]
    assert kept.attrs["kind"] == "forward" and isinstance(kept.index, pd.RangeIndex)
    assert len(network.filter_edges(edges, channels=chans, groups=["fans", "(none)"])) == 1
    assert network.filter_edges(edges, min_weight=3)["weight"].tolist() == [5, 3]
    mix = network.mixing_matrix(edges, chans)
    assert mix.index.tolist() == ["official", "(none)"]
    assert mix.columns.tolist() == ["fans", "official"]
    assert mix.loc["official", "fans"] == 3 and mix.loc["official", "official"] == 5
    assert mix.loc["(none)", "fans"] == 3 and mix.loc["(none)", "official"] == 0
    share = network.mixing_matrix(edges, chans, normalize="target")
    assert share["fans"].sum() == pytest.approx(1.0) and share.loc["official", "fans"] == 0.5
    by_lang = network.mixing_matrix(edges, chans, by="lang", normalize="source")
    assert by_lang.loc["ar", "en"] == 1.0
    cent = pd.DataFrame({"pagerank": [0.1, 0.5, 0.3, 0.1]},
                        index=pd.Index([A, B, C, "telegram:name:x"], name="channel_id"))
    top = network.top_channels(cent, chans, top=1)
    assert top[["group", "rank", "channel_id", "name"]].values.tolist() == [
        ["fans", 1, C, "c"], ["official", 1, B, "b"], ["(none)", 1, "telegram:name:x", "x"]]
    overall = network.top_channels(cent, per=None, top=2)
    assert overall["channel_id"].tolist() == [B, C] and overall["rank"].tolist() == [1, 2]
    with pytest.raises(ParameterError):
        network.mixing_matrix(edges, chans, by="country")


# -- write_graph ------------------------------------------------------------------------------

@pytest.fixture()
def labelled_graph(forwards):
    labels = pd.DataFrame({"channel_id": [A, B, C], "name": ["Amaq & <Co>", "Fan B", "Fan C"],
                           "group": ["official", "supporters", "supporters"],
                           "lang": ["ar", "en", "fr"], "platform": "telegram",
                           "resolved": True})
    corpus = wb.Corpus(forwards, schema.conform(labels, "channels"))
    return network.edges_to_graph(network.forward_edges(forwards), corpus)


def test_write_graph_gexf_round_trip(labelled_graph, tmp_path):
    G = labelled_graph
    (path,) = network.write_graph(G, tmp_path / "out" / "net.gexf")
    H = nx.read_gexf(path)
    assert H.is_directed() and sorted(H) == sorted(G)
    for node, data in G.nodes(data=True):
        for key in ("name", "group", "lang", "messages", "resolved"):
            if key in data:
                assert H.nodes[node][key] == data[key], (node, key)
        assert H.nodes[node]["label"] == data["name"]
    for u, v, data in G.edges(data=True):
        assert H[u][v]["weight"] == data["weight"]
        assert H[u][v]["start"] == data["first"].strftime("%Y-%m-%d")
        assert H[u][v]["end"] == data["last"].strftime("%Y-%m-%d")
    assert H.nodes[A]["start"] == "2016-10-01" and H.nodes[A]["end"] == "2016-10-04"
    text = path.read_text(encoding="utf-8")
    assert 'mode="dynamic"' in text and 'timeformat="date"' in text


def test_write_graph_graphml_and_csv_round_trip(labelled_graph, tmp_path):
    G = labelled_graph
    (path,) = network.write_graph(G, tmp_path / "net.graphml")
    H = nx.read_graphml(path)
    assert sorted(H) == sorted(G)
    for node, data in G.nodes(data=True):
        for key in ("name", "group", "lang", "messages", "resolved"):
            if key in data:
                assert H.nodes[node][key] == data[key]
    for u, v, data in G.edges(data=True):
        assert H[u][v]["weight"] == data["weight"]
        assert H[u][v]["first"] == data["first"].isoformat()
    assert H[A][B]["median_delay_hours"] == pytest.approx(2.0)

    nodes_path, edges_path = network.write_graph(G, tmp_path / "net.csv")
    assert nodes_path.name == "net.nodes.csv" and edges_path.name == "net.edges.csv"
    nodes, edges = pd.read_csv(nodes_path), pd.read_csv(edges_path)
    assert set(nodes["Id"]) == set(G) and list(edges.columns[:4]) == ["Source", "Target",
                                                                      "Type", "Weight"]
    assert nodes.set_index("Id").loc[A, "Label"] == "Amaq & <Co>"
    assert dict(zip(zip(edges["Source"], edges["Target"]), edges["Weight"])) == {
        (u, v): w for u, v, w in G.edges(data="weight")}
    with pytest.raises(ParameterError, match="extension"):
        network.write_graph(G, tmp_path / "net.txt")


# -- against planted truth: the fixture world and two generated worlds ------------------------

# Other worlds: fewer messages and weaker group structure than the fixture (which has 85 %
# of forwards inside a group), so nothing here is tuned to one world.
OTHER_WORLDS = {
    "seed7": dict(seed=7, n_channels=40, in_group_share=0.75, messages_scale=0.3),
    "seed5": dict(seed=5, n_channels=60, in_group_share=0.65, messages_scale=0.3),
}


@pytest.fixture(scope="session")
def network_worlds(tmp_path_factory) -> dict:
    from workbench import synth

    out = {}
    for name, params in OTHER_WORLDS.items():
        params = dict(params)
        world = synth.generate_world(params.pop("seed"), **params)
        root = tmp_path_factory.mktemp(f"network-{name}")
        synth.write_fixtures(world, root)
        corpus = wb.load(root / "telegram", channels=root / "channels.csv", progress=False)
        out[name] = (corpus, world.truth)
    return out


@pytest.fixture(params=["fixture", *OTHER_WORLDS])
def world(request, network_worlds):
    if request.param == "fixture":
        corpus = request.getfixturevalue("corpus")
        truth = request.getfixturevalue("truth")
        return request.param, corpus, truth
    return (request.param, *network_worlds[request.param])


@pytest.fixture(scope="session")
def fixture_graph(corpus):
    return network.edges_to_graph(network.forward_edges(corpus.messages), corpus)


def _pairs(table) -> pd.Series:
    frame = pd.DataFrame(table)
    frame = frame.assign(source=frame["source"].astype(object),
                         target=frame["target"].astype(object))
    return frame.set_index(["source", "target"])["weight"].astype(np.int64).sort_index()


def test_forward_edges_equal_truth(world):
    _, corpus, truth = world
    edges = network.forward_edges(corpus.messages)
    pd.testing.assert_series_equal(_pairs(edges), _pairs(truth["forward_counts"]))
    unresolved = {u["channel_id"] for u in truth["unresolved_sources"]}
    assert set(edges.loc[~edges["resolved"], "source"]) == unresolved


def test_resolved_mention_edges_equal_truth(world):
    _, corpus, truth = world
    edges = network.mention_edges(corpus.messages, channels=corpus.channels)
    pd.testing.assert_series_equal(_pairs(edges[edges["resolved"]]),
                                   _pairs(truth["mention_counts"]))
    # the rest are handles outside the export, never a corpus channel
    assert edges.loc[~edges["resolved"], "target"].str.startswith("telegram:handle:").all()


def test_collection_candidates_equal_truth(world):
    _, corpus, truth = world
    cand = network.collection_candidates(corpus.messages, channels=corpus.channels)
    named = cand[cand["forwards"] > 0]
    expected = sorted(truth["unresolved_sources"], key=lambda u: (-u["forwards"], u["channel_id"]))
    assert named["channel_id"].tolist() == [u["channel_id"] for u in expected]
    assert named["forwards"].tolist() == [u["forwards"] for u in expected]
    assert named["name"].tolist() == [u["name"] for u in expected]


def test_communities_recover_planted_groups(world):
    name, corpus, truth = world
    G = network.edges_to_graph(network.forward_edges(corpus.messages), corpus)
    planted = corpus.channels.set_index("channel_id")["group"].dropna()
    for seed in (0, 1, 2):
        score = network.compare_partitions(network.communities(G, random_state=seed), planted)
        assert score["nmi"] >= 0.9, (name, seed, score)
        # every labelled channel in the network is compared (a channel may never forward
        # nor be forwarded in a sparse world, and then is not in the network)
        assert score["channels"] == len(planted.index.intersection(list(G)))
        assert score["channels"] >= len(truth["channels"]) - 2


def test_planted_hubs_top_pagerank_of_their_groups(world):
    name, corpus, truth = world
    G = network.edges_to_graph(network.forward_edges(corpus.messages), corpus)
    cent = network.centrality(G)
    group = corpus.channels.set_index("channel_id")["group"]
    ranked = cent.assign(group=group.reindex(cent.index))
    exact = 0
    for g, hubs in truth["hubs"].items():
        order = ranked[ranked["group"] == g].index.tolist()  # already by PageRank
        if set(order[:len(hubs)]) == set(hubs):
            exact += 1
        elif name == "fixture":
            pytest.fail(f"{g}: hubs {hubs}, top PageRank {order[:len(hubs)]}")
        else:
            # a sparse, weakly grouped world may swap a hub with a close runner-up
            assert set(hubs) <= set(order[:len(hubs) + 1]), (name, g, hubs, order[:5])
    assert exact >= len(truth["hubs"]) - 1


def test_network_growth_against_truth(world):
    name, corpus, truth = world
    growth = network.network_growth(corpus.messages, freq="W", silence="14D")
    # every channel known to the load appears once, as an author or as a forward source
    assert growth["new"].sum() == growth["channels"].iloc[-1] == len(corpus.channels)
    assert growth["edges"].iloc[-1] == len(truth["forward_counts"])
    end = pd.Timestamp(truth["end"], tz="UTC")
    long_enough = sorted(pd.Timestamp(s["date"], tz="UTC") for s in truth["silences"]
                         if pd.Timestamp(s["date"], tz="UTC") + pd.Timedelta("14D") <= end)
    weeks = growth.index[growth["silent"] > 0].repeat(growth.loc[growth["silent"] > 0, "silent"])
    assert len(weeks) == len(long_enough)
    for week, silenced in zip(sorted(weeks), long_enough):
        assert pd.Timedelta(0) <= silenced - week <= pd.Timedelta("21D"), (name, week, silenced)
    for ch in truth["channels"]:  # a channel is new in growth from its first post
        if ch["first_message_date"] and ch["first_message_date"] > truth["start"]:
            first = pd.Timestamp(ch["first_message_date"], tz="UTC")
            window = growth.loc[first - pd.Timedelta("6D"):first + pd.Timedelta("7D"), "new"]
            assert window.sum() >= 1, (name, ch["channel_id"])


def test_fixture_graph_round_trips_gexf_and_graphml(fixture_graph, tmp_path):
    G = fixture_graph
    (gexf,) = network.write_graph(G, tmp_path / "net.gexf")
    (graphml,) = network.write_graph(G, tmp_path / "net.graphml")
    for H in (nx.read_gexf(gexf), nx.read_graphml(graphml)):
        assert H.number_of_nodes() == G.number_of_nodes()
        assert H.number_of_edges() == G.number_of_edges()
        for node, data in G.nodes(data=True):
            for key in ("name", "group", "lang", "messages", "resolved"):
                assert H.nodes[node].get(key) == data.get(key), (node, key)
        for u, v, w in G.edges(data="weight"):
            assert H[u][v]["weight"] == w


def test_centrality_runs_on_mention_and_cocitation_graphs(corpus):
    M = network.edges_to_graph(network.mention_edges(corpus.messages, channels=corpus.channels),
                               corpus)
    cm = network.centrality(M)
    assert list(cm.columns) == list(network.CENTRALITY_COLUMNS)
    C = network.edges_to_graph(network.cocitation_edges(corpus.messages, min_weight=0.3), corpus)
    cc = network.centrality(C)
    assert (cc["in_strength"] == cc["out_strength"]).all()
    # co-citation groups amplifiers: supporters sit mostly with supporters
    labels = network.communities(C)
    planted = corpus.channels.set_index("channel_id")["group"]
    supporters = labels[planted.reindex(labels.index) == "supporters"]
    assert supporters.value_counts(normalize=True).iloc[0] >= 0.8


def test_empty_and_tiny_inputs():
    empty = schema.empty("messages")
    G = network.edges_to_graph(network.forward_edges(empty))
    assert G.number_of_nodes() == 0
    assert list(network.centrality(G).columns) == list(network.CENTRALITY_COLUMNS)
    assert network.communities(G).empty and network.network_growth(empty).empty
    assert network.snapshot_graphs(empty) == {} and network.collection_candidates(empty).empty
    assert network.cocitation_edges(empty).empty and network.mention_edges(empty).empty
    pair = nx.DiGraph(kind="forward")
    pair.add_edge("a", "b", weight=2)
    c = network.centrality(pair)
    assert c.index.tolist() == ["a", "b"] and c.loc["a", "authority_score"] == 1.0
