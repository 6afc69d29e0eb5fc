"""Network figures and the network explorer: figure data, escaping, stable layouts, thinning,
and the explorer driven from code (no browser)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench import network, schema
from workbench.errors import ParameterError
from workbench.plots import network_layout, plot_centrality, plot_growth, plot_network
from workbench.widgets import network_explorer

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = '<img src=x onerror="alert(1)">'


def edge_count(fig) -> int:
    """Edges drawn: each is a segment of three points (start, end, gap)."""
    return sum(len(t.x) // 3 for t in fig.data if t.name == "edges")


def node_ids(fig) -> list:
    return [i for t in fig.data if t.name not in ("edges", "edge hover") for i in t.customdata]


def small_graph() -> nx.DiGraph:
    G = nx.DiGraph(kind="forward")
    G.add_node("telegram:1", name=HOSTILE, group="official", messages=10)
    G.add_node("telegram:2", name="Fan & Co", group="supporters", messages=5)
    G.add_node("telegram:3", name="Fan 3", group="supporters", messages=5)
    G.add_node("telegram:name:ghost", name="ghost", resolved=False)
    G.add_edge("telegram:1", "telegram:2", weight=10)
    G.add_edge("telegram:1", "telegram:3", weight=2)
    G.add_edge("telegram:name:ghost", "telegram:3", weight=1)
    return G


# -- plot_network -----------------------------------------------------------------------------

def test_plot_network_traces_and_escaping():
    fig = plot_network(small_graph())
    names = [t.name for t in fig.data]
    assert names[-3:] == ["official", "supporters", "(none)"]  # unlabelled source: "(none)"
    assert edge_count(fig) == 3 and fig.layout.meta["edges"] == 3
    text = fig.to_json()
    assert HOSTILE not in text and "onerror" in text  # present, but only escaped
    official = next(t for t in fig.data if t.name == "official")
    assert official.hovertext[0].startswith("<b>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;")
    hover = next(t for t in fig.data if t.name == "edge hover")
    assert any("Fan &amp; Co" in h for h in hover.hovertext)
    assert all("→" in h for h in hover.hovertext)
    # edge width grows with weight: the heaviest edge is in the widest trace
    widths = {t.line.width: len(t.x) // 3 for t in fig.data if t.name == "edges"}
    assert max(widths) > min(widths)
    # node size grows with PageRank (computed on the endorsement direction): the source is biggest
    sizes = {i: s for t in fig.data if t.name not in ("edges", "edge hover")
             for i, s in zip(t.customdata, t.marker.size)}
    assert max(sizes, key=sizes.get) == "telegram:1"


def test_plot_network_min_weight_hides_edges_and_orphans():
    G = small_graph()
    fig = plot_network(G, min_weight=2)
    assert edge_count(fig) == 2 and fig.layout.meta["edges"] == 2
    assert "telegram:name:ghost" not in node_ids(fig)
    assert edge_count(plot_network(G, min_weight=100)) == 0


def test_layout_is_seeded_and_reusable():
    G = nx.gnp_random_graph(60, 0.08, seed=4, directed=True)
    G = nx.relabel_nodes(G, {i: f"telegram:{i}" for i in G})
    nx.set_edge_attributes(G, 1, "weight")
    a, b = network_layout(G, seed=3), network_layout(G, seed=3)
    assert a == b and a != network_layout(G, seed=4)
    sub = G.subgraph(list(G)[:30]).copy()
    sub.add_edge("telegram:new", "telegram:0", weight=1)
    again = network_layout(sub, positions=a)
    assert all(again[n] == a[n] for n in sub if n in a)  # nodes stay where they were
    assert "telegram:new" in again
    fig = plot_network(sub, positions=a, size=None, color=None)
    xs = {i: x for t in fig.data if t.name == "channels" for i, x in zip(t.customdata, t.x)}
    assert xs["telegram:0"] == a["telegram:0"][0]


def test_plot_network_colour_and_size_options():
    G = small_graph()
    comm = pd.Series({"telegram:1": 0, "telegram:2": 0, "telegram:3": 1,
                      "telegram:name:ghost": 1}, name="community")
    fig = plot_network(G, color=comm)
    assert [t.name for t in fig.data][-2:] == ["0", "1"]
    assert fig.layout.legend.title.text == "community"
    cent = network.centrality(G)
    fig = plot_network(G, color="pagerank", size="in_strength", centrality=cent)
    channels = next(t for t in fig.data if t.name == "channels")
    assert channels.marker.showscale and len(channels.marker.color) == 4
    with pytest.raises(ParameterError, match="centrality"):
        plot_network(G, size="betweenness")


def test_plot_network_thins_above_max_edges_and_says_so():
    rng = np.random.default_rng(0)
    G = nx.DiGraph(kind="forward")
    for i in range(200):
        G.add_node(f"c{i}", name=f"channel {i}")
    pairs = set()
    while len(pairs) < 1500:
        u, v = rng.integers(0, 200, 2)
        if u != v:
            pairs.add((int(u), int(v)))
    for u, v in sorted(pairs):
        G.add_edge(f"c{u}", f"c{v}", weight=int(rng.integers(1, 50)))
    fig = plot_network(G, max_edges=400)
    assert fig.layout.meta["edges"] == 1500
    shown = fig.layout.meta["edges_shown"]
    assert 400 <= shown <= 600 and edge_count(fig) == shown
    assert "showing the" in fig.layout.title.text
    assert "heaviest of 1,500 edges" in fig.layout.title.text
    # the heaviest edges are all drawn
    hover = next(t for t in fig.data if t.name == "edge hover").hovertext
    heaviest = sum(1 for _, _, w in G.edges(data="weight") if w == 49)
    assert sum(h.endswith(": 49") for h in hover) == heaviest > 0
    # every node keeps at least its strongest edge, so none disappears
    assert len(node_ids(fig)) == 200


def test_plot_network_readable_at_500_nodes_5000_edges():
    G = nx.gnm_random_graph(500, 5000, seed=1, directed=True)
    G = nx.relabel_nodes(G, {i: f"telegram:{i}" for i in G})
    nx.set_edge_attributes(G, 1, "weight")
    fig = plot_network(G)  # no timed assertion: a busy machine must not fail it
    assert fig.layout.meta == {"nodes": 500, "edges": 5000, "edges_shown": 5000}
    assert "showing" not in fig.layout.title.text
    # the edge hover layer is skipped above 2,000 edges to keep the figure light
    assert len(next(t for t in fig.data if t.name == "edge hover").x) == 0


def weighted_graph(n: int = 150, m: int = 600, seed: int = 2) -> nx.DiGraph:
    """A random forward network with message counts as weights, and a few isolates."""
    G = nx.gnm_random_graph(n, m, seed=seed, directed=True)
    G = nx.relabel_nodes(G, {i: f"telegram:{i}" for i in G})
    rng = np.random.default_rng(seed)
    for _, _, data in G.edges(data=True):
        data["weight"] = int(rng.integers(1, 60))
    G.add_nodes_from(["telegram:isolate:1", "telegram:isolate:2"])
    return G


def test_layout_ignores_last_bit_differences():
    # Force-directed layouts are chaotic: a difference in the last bit of one input (another
    # CPU's log/exp/sum kernel does that) grows over the iterations into visibly different
    # positions. The layout must not move when the inputs move by an ulp.
    G = weighted_graph()
    base = network_layout(G, seed=0)
    nudged = G.copy()
    for i, (_, _, data) in enumerate(nudged.edges(data=True)):
        data["weight"] = data["weight"] * (1 + (1e-15 if i % 2 else -1e-15))
    assert all(nudged.edges[e]["weight"] != G.edges[e]["weight"] for e in G.edges)
    assert network_layout(nudged, seed=0) == base
    # Positions to keep, nudged by an ulp: the new nodes land in the same places.
    keep = {n: p for i, (n, p) in enumerate(sorted(base.items())) if i % 3}
    ulp_off = {n: (np.nextafter(x, 9.0), np.nextafter(y, -9.0)) for n, (x, y) in keep.items()}
    a, b = network_layout(G, positions=keep), network_layout(G, positions=ulp_off)
    new = sorted(set(G) - set(keep))
    assert [a[n] for n in new] == [b[n] for n in new]
    assert all(a[n] == keep[n] for n in keep)


_LAYOUT_IN_A_PROCESS = """
import json, sys
import networkx as nx, numpy as np
sys.path.insert(0, "tests")
from test_network_views import weighted_graph
from workbench.plots import network_layout
x = np.random.default_rng(0).random(1001)
G = weighted_graph()
print(json.dumps({"layout": sorted(network_layout(G, seed=0).items()),
                  "dot": float(x @ x).hex()}))
"""


def test_layout_is_the_same_with_other_blas_and_simd_kernels():
    # OpenBLAS picks its kernels by CPU (OPENBLAS_CORETYPE overrides the choice) and numpy
    # dispatches SIMD loops by CPU (NPY_DISABLE_CPU_FEATURES turns the extra ones off): each
    # changes last bits of results, as running on another machine does.
    simd = np.show_config(mode="dicts")["SIMD Extensions"].get("found") or []
    kernels = {"default": {}, "OpenBLAS Prescott": {"OPENBLAS_CORETYPE": "Prescott"},
               "numpy baseline SIMD": {"NPY_DISABLE_CPU_FEATURES": " ".join(simd)}}
    runs = {}
    for name, extra in kernels.items():
        env = {k: v for k, v in os.environ.items()
               if k not in ("OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES")}
        done = subprocess.run([sys.executable, "-c", _LAYOUT_IN_A_PROCESS], cwd=ROOT,
                              env={**env, **extra}, capture_output=True, text=True,
                              timeout=900)
        assert done.returncode == 0, f"{name}: {done.stderr[-3000:]}"
        runs[name] = json.loads(done.stdout.strip().splitlines()[-1])
    dots = {name: run["dot"] for name, run in runs.items()}  # shows the kernels differ
    for name, run in runs.items():
        assert run["layout"] == runs["default"]["layout"], (name, dots)
    assert runs["default"]["layout"] == sorted(
        [n, list(p)] for n, p in network_layout(weighted_graph(), seed=0).items())


def test_layout_of_500_nodes_and_5000_edges_runs():
    G = nx.gnm_random_graph(500, 5000, seed=1, directed=True)
    nx.set_edge_attributes(G, 3, "weight")
    pos = network_layout(G, seed=0)  # no timed assertion: a busy machine must not fail it
    assert len(pos) == 500 and len(set(pos.values())) == 500
    xy = np.array(list(pos.values()))
    assert np.abs(xy).max() == 1.0 and np.isfinite(xy).all()


# -- plot_centrality, plot_growth -------------------------------------------------------------

def test_plot_centrality():
    G = small_graph()
    cent = network.centrality(G)
    fig = plot_centrality(cent, top=2, names=G, color="group")
    labels = [y for t in fig.data for y in t.y]
    assert len(labels) == 2
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in labels
    assert {t.name for t in fig.data} <= {"official", "supporters", "(none)"}
    top = cent["pagerank"].idxmax()
    bar = next(t for t in fig.data if any(c == top for c in t.customdata))
    assert max(bar.x) == pytest.approx(cent["pagerank"].max())
    with pytest.raises(ParameterError):
        plot_centrality(cent, by="fame")


def test_plot_growth():
    idx = pd.date_range("2016-10-03", periods=3, freq="W-MON", tz="UTC", name="date")
    growth = pd.DataFrame({"active": [3, 4, 2], "new": [3, 1, 0], "silent": [0, 1, 2],
                           "new_edges": [2, 2, 0], "channels": [3, 4, 4], "edges": [2, 4, 4]},
                          index=idx)
    fig = plot_growth(growth)
    by_name = {t.name: t for t in fig.data}
    assert list(by_name["silent"].y) == [0, -1, -2]  # drawn below the axis
    assert list(by_name["edges (total)"].y) == [2, 4, 4]
    with pytest.raises(ParameterError):
        plot_growth(growth.drop(columns="silent"))


# -- network_explorer -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def explorer(corpus):
    return network_explorer(corpus)


def test_explorer_options_are_plain_data(explorer):
    o = explorer.options
    assert set(o) == {"kind", "min_weight", "start", "end", "groups", "color", "channel", "top",
                      "sources"}
    assert o["kind"] == "forward" and o["min_weight"] == 1 and o["groups"] == ()
    assert explorer.figure.layout.meta["edges"] == len(network.forward_edges(
        explorer.corpus.messages))


def test_explorer_raising_min_weight_removes_edges(explorer):
    before = explorer.update(min_weight=1)
    after = explorer.update(min_weight=10)
    assert edge_count(after) < edge_count(before)
    assert after.layout.meta["edges"] == int((explorer.edges["weight"] >= 10).sum()) > 0
    # the same via the control, as a click would do it
    explorer.controls["min_weight"].value = 25
    assert explorer.options["min_weight"] == 25
    assert explorer.figure.layout.meta["edges"] < after.layout.meta["edges"]
    explorer.update(min_weight=1)


def test_explorer_nodes_keep_their_positions_across_filters(explorer):
    def positions(fig):
        return {i: (x, y) for t in fig.data if t.name not in ("edges", "edge hover")
                for i, x, y in zip(t.customdata, t.x, t.y)}
    full = positions(explorer.update(min_weight=1))
    filtered = positions(explorer.update(min_weight=8))
    assert filtered and all(full[i] == p for i, p in filtered.items())
    explorer.update(min_weight=1)


def test_explorer_groups_dates_kinds_and_colour(explorer, corpus):
    group = corpus.channels.set_index("channel_id")["group"]
    explorer.update(groups=["official"])
    assert set(group.reindex(explorer.edges["source"])) == {"official"}
    assert set(group.reindex(explorer.edges["target"])) == {"official"}
    explorer.update(groups=[], start="2016-12-01")
    assert explorer.edges["first"].min() >= pd.Timestamp("2016-12-01", tz="UTC")
    assert explorer.controls["dates"].value[0] == pd.Timestamp("2016-12-01", tz="UTC")
    explorer.update(start="2016-09-01")
    fig = explorer.update(kind="mention")
    assert explorer.options["min_weight"] == 1 and fig.layout.meta["edges"] > 0
    fig = explorer.update(kind="cocitation")
    assert explorer.options["min_weight"] == 0.5
    assert (explorer.edges["weight"] >= 0.5).all() and not explorer.graph.is_directed()
    fig = explorer.update(kind="forward", color="community")
    legend = [t.name for t in fig.data if t.name not in ("edges", "edge hover")]
    assert legend == [str(i) for i in range(len(legend))] and len(legend) >= 5
    explorer.update(color="group")
    with pytest.raises(ParameterError, match="unknown option"):
        explorer.update(colour="group")
    with pytest.raises(ParameterError):
        explorer.update(kind="replies")
    with pytest.raises(ParameterError):
        explorer.update(groups=["nobody"])


def test_explorer_channel_table(explorer, truth):
    hub = truth["hubs"]["official"][0]
    explorer.update(channel=hub)
    table = explorer.channel_table()
    forwarded_by = table[table["tie"] == "forwarded by"]
    edges = explorer.edges[explorer.edges["source"] == hub].nlargest(10, "weight")
    assert forwarded_by["weight"].tolist() == edges["weight"].tolist()
    assert (table.groupby("tie")["weight"].apply(lambda w: w.is_monotonic_decreasing)).all()
    assert "forwarded by" in explorer.table.value
    explorer.update(channel=None)
    assert "Pick a channel" in explorer.table.value


def test_explorer_escapes_hostile_names():
    hostile_channels = schema.conform(pd.DataFrame({
        "channel_id": ["telegram:1", "telegram:2"], "platform": "telegram",
        "name": [HOSTILE, "Fan"], "handle": ["src_chan", "fan_chan"],
        "group": ["official", "<b>group</b>"], "resolved": True}), "channels")
    msgs = schema.conform(pd.DataFrame({
        "platform": "telegram", "channel_id": ["telegram:1", "telegram:2", "telegram:2"],
        "channel": [HOSTILE, "Fan", "Fan"], "message_id": [1, 1, 2],
        "date": pd.to_datetime(["2016-10-01", "2016-10-02", "2016-10-03"], utc=True),
        "fwd_from_channel_id": [pd.NA, "telegram:1", "telegram:1"],
        "fwd_from_name": [pd.NA, HOSTILE, HOSTILE]}), "messages")
    ex = network_explorer(wb.Corpus(msgs, hostile_channels), channel="telegram:2")
    assert HOSTILE not in ex.table.value and "&lt;img" in ex.table.value
    assert HOSTILE not in ex.figure.to_json()
    labels = [label for label, _ in ex.controls["channel"].options]
    assert HOSTILE not in labels and any("&lt;img" in label for label in labels)
    assert "<b>group</b>" not in [label for label, _ in ex.controls["groups"].options]
