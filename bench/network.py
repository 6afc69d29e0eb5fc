"""Benchmark: forward edges + graph + centrality + communities at 10^5 to 10^7 messages.

The synthetic corpora are built directly with numpy (no JSON): ``n_channels`` channels in
planted communities of about 250 channels, each with a Zipf-distributed popularity; 30 % of
messages are forwards, 85 % of them from the forwarder's own community (picked by
popularity), 3 % of sources known only by name (ten such sources per community). Only the
columns the network analysis reads are built, with their canonical dtypes (a full canonical
frame would add ~20 null columns and three list columns that cost memory and nothing else
here).

Full run (2 cores): 10^6 messages in about 5 s, 10^7 in about 35 s and 1.1 GB above the
interpreter; the plain script takes twice to three times as long.

Two pipelines run on the same frame, each in a forked child (time and peak memory):

- ``workbench``: ``forward_edges`` -> ``edges_to_graph`` -> ``communities`` -> ``centrality``
  (all ten measures, betweenness sampled from 500 sources above 500 channels);
- ``plain``: what one writes without the workbench: a ``DataFrame.iterrows`` loop adding
  edges to a ``networkx.DiGraph`` (weight += 1), then ``nx.pagerank`` on the reversed graph
  and ``louvain_communities`` on ``to_undirected()``. It computes two measures where the
  workbench computes ten, and drops forwards whose source has no id.

Quality: NMI of the communities against the planted ones, and the share of planted
community hubs (most popular channel of each community) that are their community's top
PageRank channel.
"""

from __future__ import annotations

import gc

import networkx as nx
import numpy as np
import pandas as pd

from bench._measure import measure

SIZES = [(10**5, 1_000), (10**6, 5_000), (10**7, 10_000)]
QUICK_SIZES = [(10**4, 200)]
FORWARD_SHARE = 0.30
IN_COMMUNITY = 0.85
UNRESOLVED = 0.03


def make_messages(n: int, n_channels: int, *, seed: int = 0, community_size: int = 250
                  ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Canonical-typed messages with planted communities.

    Returns ``(messages, community of each channel, hub of each community)``; channel ``i``
    is ``telegram:<1_000_000 + i>``.
    """
    from workbench.schema import STRING, UTC_TIME

    rng = np.random.default_rng(seed)
    k = max(n_channels // community_size, 2)
    community = np.sort(rng.integers(0, k, n_channels))
    ids = np.array([f"telegram:{1_000_000 + i}" for i in range(n_channels)], dtype=object)
    # Popularity (as a source) and activity (as a poster), both heavy-tailed.
    popularity = rng.zipf(1.6, n_channels).clip(max=5_000).astype(float)
    activity = rng.lognormal(0, 1, n_channels)
    author = rng.choice(n_channels, size=n, p=activity / activity.sum())
    start = np.datetime64("2016-09-01T00:00:00", "s").astype(np.int64)
    seconds = start + np.sort(rng.integers(0, 150 * 86_400, n))
    is_fwd = rng.random(n) < FORWARD_SHARE
    fwd_rows = np.flatnonzero(is_fwd)
    home = community[author[fwd_rows]]
    inside = rng.random(len(fwd_rows)) < IN_COMMUNITY
    pick_community = np.where(inside, home, rng.integers(0, k, len(fwd_rows)))
    # Draw each forward's source by popularity within the chosen community.
    source = np.empty(len(fwd_rows), dtype=np.int64)
    hubs = np.empty(k, dtype=np.int64)
    for c in range(k):
        members = np.flatnonzero(community == c)
        weights = popularity[members] / popularity[members].sum()
        hubs[c] = members[np.argmax(popularity[members])]
        rows = np.flatnonzero(pick_community == c)
        source[rows] = rng.choice(members, size=len(rows), p=weights)
    fwd_id = np.full(n, None, dtype=object)
    fwd_id[fwd_rows] = ids[source]
    fwd_name = np.full(n, None, dtype=object)
    fwd_name[fwd_rows] = np.char.add("Channel ", source.astype(str)).astype(object)
    # Sources outside the collection belong to an ecosystem too: ten per community.
    hidden = rng.random(len(fwd_rows)) < UNRESOLVED
    fwd_id[fwd_rows[hidden]] = None
    label = np.char.add(np.char.add(pick_community[hidden].astype(str), "-"),
                        rng.integers(0, 10, hidden.sum()).astype(str))
    fwd_name[fwd_rows[hidden]] = np.char.add("Hidden Source ", label).astype(object)
    order = np.argsort(author, kind="stable")
    message_id = np.empty(n, dtype=np.int64)
    counts = np.bincount(author, minlength=n_channels)
    message_id[order] = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts) + 1
    dates = pd.to_datetime(seconds, unit="s", utc=True).astype(UTC_TIME)
    delay = pd.to_timedelta(rng.exponential(3_600, n).astype(np.int64), unit="s")
    fwd_date = pd.Series(dates - delay).where(is_fwd).astype(UTC_TIME)
    messages = pd.DataFrame({
        "platform": pd.Categorical.from_codes(np.zeros(n, dtype=np.int8),
                                              categories=["telegram", "twitter"]),
        "channel_id": pd.array(ids[author], dtype=STRING),
        "message_id": message_id,
        "date": dates,
        "fwd_from_channel_id": pd.array(fwd_id, dtype=STRING),
        "fwd_from_name": pd.array(fwd_name, dtype=STRING),
        "fwd_from_date": fwd_date.to_numpy(),
    })
    return messages, community, hubs


def _quality(labels: dict, pagerank: dict, community: np.ndarray, hubs: np.ndarray
             ) -> tuple[float, float]:
    from workbench.network import compare_partitions

    n = len(community)
    ids = [f"telegram:{1_000_000 + i}" for i in range(n)]
    planted = pd.Series(community, index=ids)
    nmi = compare_partitions(pd.Series(labels), planted)["nmi"]
    pr = pd.Series(pagerank).reindex(ids)
    top = pr.groupby(community).idxmax()
    found = sum(top.get(c) == ids[h] for c, h in enumerate(hubs) if c in top.index)
    return round(nmi, 3), round(found / len(hubs), 3)


def workbench_pipeline(messages, community, hubs):
    from workbench import network

    edges = network.forward_edges(messages)
    G = network.edges_to_graph(edges)
    labels = network.communities(G)
    cent = network.centrality(G, communities=labels)
    return (len(edges), G.number_of_nodes(),
            *_quality(labels.to_dict(), cent["pagerank"].to_dict(), community, hubs))


def plain_pipeline(messages, community, hubs):
    fwd = messages[messages["fwd_from_channel_id"].notna()]
    G = nx.DiGraph()
    for _, row in fwd.iterrows():
        s, t = row["fwd_from_channel_id"], row["channel_id"]
        if G.has_edge(s, t):
            G[s][t]["weight"] += 1
        else:
            G.add_edge(s, t, weight=1)
    pagerank = nx.pagerank(G.reverse(), weight="weight")
    found = nx.community.louvain_communities(G.to_undirected(), weight="weight", seed=0)
    labels = {node: i for i, members in enumerate(found) for node in members}
    return (G.number_of_edges(), G.number_of_nodes(),
            *_quality(labels, pagerank, community, hubs))


def run(*, quick: bool = False) -> pd.DataFrame:
    """Time both pipelines at each size; one row per (messages, method)."""
    rows = []
    for n, n_channels in (QUICK_SIZES if quick else SIZES):
        messages, community, hubs = make_messages(n, n_channels, seed=1)
        for name, fn in (("workbench", workbench_pipeline),
                         ("plain pandas+networkx", plain_pipeline)):
            seconds, peak, result = measure(fn, messages, community, hubs)
            edges, nodes, nmi, hub_share = result
            rows.append({"messages": n, "channels": n_channels, "method": name,
                         "edges": edges, "nodes": nodes, "seconds": round(seconds, 2),
                         "peak_MB": round(peak / 2**20), "nmi": nmi, "hubs_top": hub_share})
        del messages
        gc.collect()
    table = pd.DataFrame(rows)
    for col in ("edges", "nodes", "peak_MB"):
        table[col] = table[col].astype("Int64")
    return table
