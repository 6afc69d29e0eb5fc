"""Channel networks drawn with plotly: the graph, the top channels, and growth over time."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Context, Decimal

import networkx as nx
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from ..errors import ParameterError
from ..network import endorsement_graph
from ..naming import natural_key
from ..text import escape, shorten

__all__ = ["plot_network", "plot_centrality", "plot_growth", "network_layout"]

PALETTE = qualitative.Safe + qualitative.Vivid
NONE_LABEL = "(none)"
NONE_COLOR = "#b0b0b0"
EDGE_WIDTHS = (0.5, 1.2, 2.2, 3.6)
EDGE_HOVER_LIMIT = 2000
OPTIONAL_LABELS = ("group", "lang")


#: Positions and log weights live on a binary grid of 2**-24 (about 6e-8): differences and
#: squares of grid values are exact, and a last-bit difference in a position changes its grid
#: value only when it sits within that bit of a rounding boundary (about 1 in 10**8).
GRID_BITS = 24
#: Forces are summed as integers (fixed point), exactly and in no particular order.
FORCE_BITS = 41
FORCE_CLIP = 2.0 ** 20
MIN_DISTANCE = 0.01
LAYOUT_ITERATIONS = 100
BLOCK_CELLS = 1 << 20  # node pairs per block of the repulsion sum (bounds memory)


def network_layout(G: nx.Graph, *, seed: int = 0, positions: Mapping | None = None,
                   weight: str = "weight") -> dict:
    """Node positions for :func:`plot_network`: seeded, and stable across filters.

    A Fruchterman-Reingold force layout (as networkx's ``spring_layout``: seeded start, 100
    iterations, linear cooling) computed so that every machine gives the same positions.
    Force layouts are chaotic: a difference in the last bit of one number, such as another
    CPU's ``log`` or summation kernel gives, grows into visibly different positions. Here
    log weights are computed in decimal and put on a grid of 2**-24, positions return to
    that grid after every step, forces are summed exactly as integers, and only correctly
    rounded arithmetic (``+ - * /``, sqrt) is used, so no CPU-, BLAS- or SIMD-dependent
    result reaches the positions.

    Parameters
    ----------
    G : networkx.Graph or DiGraph
        Directions are ignored; edge weights pull nodes together logarithmically, so one
        heavy pair does not collapse the picture.
    seed : int, default 0
        The same graph and seed give the same positions, on every machine.
    positions : mapping, optional
        Positions to keep: nodes already placed stay where they are and only new nodes are
        laid out. Lay out the full network once and pass its positions to every filtered
        view so nodes do not jump.
    weight : str, default "weight"
        The edge attribute holding the weight (missing: 1).

    Returns
    -------
    dict
        Node -> ``(x, y)`` rounded to 5 decimals, for every node of ``G``. A full layout is
        centred and scaled to fit ``[-1, 1]``.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph([("a", "b"), ("b", "c")])
    >>> pos = network_layout(G, seed=1)
    >>> pos == network_layout(G, seed=1), sorted(pos)
    (True, ['a', 'b', 'c'])
    >>> network_layout(G.subgraph(["a", "b"]), positions=pos) == {k: pos[k] for k in "ab"}
    True
    """
    positions = dict(positions or {})
    missing = [n for n in G if n not in positions]
    if not missing:
        return {n: tuple(positions[n]) for n in G}
    nodes = sorted(G, key=str)
    index = {n: i for i, n in enumerate(nodes)}
    pairs: dict[tuple[int, int], float] = {}
    for u, v, w in G.edges(data=weight, default=1):
        if u == v:
            continue
        key = tuple(sorted((index[u], index[v])))
        pairs[key] = pairs.get(key, 0.0) + (float(w) if w is not None else 1.0)
    ends = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    # Missing or negative weights pull as no weight.
    total = np.array([pairs[tuple(e)] for e in ends.tolist()], dtype=float)
    pull = _log_weights(np.clip(np.nan_to_num(total, nan=0.0), 0, None))
    kept = np.array([n in positions for n in nodes])
    start = np.random.RandomState(seed).rand(len(nodes), 2)
    if kept.any():
        given = np.array([[float(c) for c in positions[n]] for n in nodes if n in positions])
        reach = float(np.abs(given).max()) or 1.0
        start = (2 * start - 1) * reach
        start[kept] = given
    pos = _force_layout(ends, pull, _on_grid(start), moving=~kept,
                        k=1.5 / np.sqrt(len(nodes)), iterations=LAYOUT_ITERATIONS)
    if not kept.any():
        pos = _centred_unit(pos)
    out = {n: (round(float(pos[i, 0]), 5), round(float(pos[i, 1]), 5))
           for i, n in enumerate(nodes)}
    for n in nodes:
        if n in positions:
            out[n] = tuple(round(float(c), 5) for c in positions[n])
    return {n: out[n] for n in G}


def _log_weights(weights: np.ndarray) -> np.ndarray:
    """``log(1 + w)`` on the layout grid, computed in decimal arithmetic: numpy's and libm's
    ``log1p`` are not correctly rounded and differ in the last bit between CPUs (SIMD/SVML
    kernels), while decimal's ``ln`` is correctly rounded by its specification."""
    values, inverse = np.unique(weights, return_inverse=True)
    context = Context(prec=20, rounding=ROUND_HALF_EVEN)
    scale = Decimal(2 ** GRID_BITS)
    units = [int(context.multiply(context.ln(context.add(Decimal(float(w)), 1)), scale)
                 .to_integral_value(rounding=ROUND_HALF_EVEN)) for w in values]
    return np.ldexp(np.array(units, dtype=float), -GRID_BITS)[inverse.reshape(-1)]


def _on_grid(values: np.ndarray) -> np.ndarray:
    """``values`` rounded to the layout grid (exact: scaling by a power of two, rint)."""
    return np.ldexp(np.rint(np.ldexp(values, GRID_BITS)), -GRID_BITS)


def _fixed_point(values: np.ndarray, bits: int) -> np.ndarray:
    """``values`` as integers in units of 2**-bits, clipped so that sums cannot overflow."""
    return np.rint(np.ldexp(np.clip(values, -FORCE_CLIP, FORCE_CLIP), bits)).astype(np.int64)


def _force_layout(ends: np.ndarray, pull: np.ndarray, pos: np.ndarray, *, moving: np.ndarray,
                  k: float, iterations: int) -> np.ndarray:
    """Fruchterman-Reingold on grid positions, as networkx's ``_fruchterman_reingold``:
    every pair repels with ``k**2 / d``, every edge attracts with ``pull * d**2 / k``, each
    node moves by the temperature ``t`` along its force, and ``t`` cools linearly.

    Machine-independent: the only operations on floats are correctly rounded ones, sums are
    exact sums of integers (in any order), and positions return to the grid after every step.
    """
    n = len(pos)
    # Units of 2**-bits: a node's force sums at most 2 n terms of at most FORCE_CLIP (int64).
    bits = FORCE_BITS - n.bit_length()
    # A repulsion term is at most k**2 / MIN_DISTANCE < 2**7 (k <= 1.5 / sqrt(2)), so n of
    # them in those units stay below 2**53 and their float sum is exact in any order.
    push_scale = np.ldexp(k * k, bits)
    min_d2 = MIN_DISTANCE * MIN_DISTANCE
    rows = max(1, BLOCK_CELLS // n)
    src, dst = ends[:, 0], ends[:, 1]
    t = 0.1 * float(max(np.ptp(pos[:, 0]), np.ptp(pos[:, 1])))
    dt = t / (iterations + 1)
    force = np.empty((n, 2), dtype=np.int64)
    for _ in range(iterations):
        x, y = pos[:, 0], pos[:, 1]
        for lo in range(0, n, rows):
            dx = x[lo:lo + rows, None] - x[None, :]  # exact: grid values
            dy = y[lo:lo + rows, None] - y[None, :]
            push = dx * dx  # exact: grid values
            push += dy * dy
            np.maximum(push, min_d2, out=push)
            np.divide(push_scale, push, out=push)
            for axis, delta in ((0, dx), (1, dy)):
                delta *= push
                force[lo:lo + rows, axis] = np.rint(delta, out=delta).sum(axis=1)
        if len(src):
            dx, dy = x[src] - x[dst], y[src] - y[dst]
            d = np.maximum(np.sqrt(dx * dx + dy * dy), MIN_DISTANCE)
            attract = pull * d / k
            for axis, delta in ((0, dx), (1, dy)):
                part = _fixed_point(delta * attract, bits)
                np.subtract.at(force[:, axis], src, part)
                np.add.at(force[:, axis], dst, part)
        fx = np.ldexp(force[:, 0].astype(float), -bits)
        fy = np.ldexp(force[:, 1].astype(float), -bits)
        step = t / np.maximum(np.sqrt(fx * fx + fy * fy), MIN_DISTANCE)
        moved = _on_grid(pos + np.stack([fx * step, fy * step], axis=1))
        pos = np.where(moving[:, None], moved, pos)
        t -= dt
    return pos


def _centred_unit(pos: np.ndarray) -> np.ndarray:
    """Grid positions centred on their mean and scaled to fit [-1, 1] (exact mean)."""
    units = np.rint(np.ldexp(pos, GRID_BITS)).astype(np.int64)
    centre = np.ldexp(units.sum(axis=0).astype(float) / len(pos), -GRID_BITS)
    pos = pos - centre
    lim = float(np.abs(pos).max())
    return pos / lim if lim > 0 else pos


def _node_values(G: nx.Graph, spec, centrality: pd.DataFrame | None, what: str) -> pd.Series:
    """Per-node values for colour or size: a Series/mapping, a centrality column, or a node
    attribute."""
    nodes = list(G)
    if spec is None:
        return pd.Series([np.nan] * len(nodes), index=nodes, dtype=float)
    if isinstance(spec, (pd.Series, Mapping)):
        values = pd.Series(spec)
        return values.reindex(nodes).rename(values.name if isinstance(spec, pd.Series) else what)
    if centrality is not None and spec in centrality.columns:
        return centrality[spec].reindex(nodes).rename(spec)
    attr = nx.get_node_attributes(G, spec)
    if attr or spec in OPTIONAL_LABELS or not nodes:
        # Analyst labels may be absent from a whole corpus: every node is then "(none)".
        return pd.Series(attr, dtype=object).reindex(nodes).rename(spec)
    if spec == "pagerank":
        pr = nx.pagerank(endorsement_graph(G)) if len(G) else {}
        return pd.Series(pr, dtype=float).reindex(nodes).rename(spec)
    raise ParameterError(
        f"{what}={spec!r} is neither a node attribute of G nor a column of centrality=; pass "
        f"a Series mapping channel_id to values (e.g. wb.network.communities(G)) or "
        f"centrality=wb.network.centrality(G)")


def _thin(edges: pd.DataFrame, max_edges: int) -> pd.DataFrame:
    """The heaviest ``max_edges`` edges, always keeping each node's strongest edge."""
    if len(edges) <= max_edges:
        return edges
    ranked = edges.sort_values(["weight", "u", "v"], ascending=[False, True, True])
    strongest = pd.concat([ranked.drop_duplicates("u"), ranked.drop_duplicates("v")])
    keep = strongest.index.unique()
    rest = ranked.drop(index=keep, errors="ignore")
    room = max(max_edges - len(keep), 0)
    return ranked.loc[ranked.index.isin(keep.append(rest.index[:room]))]


def _categorical(values: pd.Series) -> bool:
    if values.dtype == object or isinstance(values.dtype, (pd.StringDtype, pd.CategoricalDtype)):
        return True
    if pd.api.types.is_bool_dtype(values.dtype):
        return True
    nonnull = values.dropna()
    return pd.api.types.is_integer_dtype(values.dtype) or (
        len(nonnull) > 0 and (nonnull % 1 == 0).all() and nonnull.nunique() <= 24)


#: How many uncollected sources :func:`core_and_sources` keeps by default.
TOP_SOURCES = 30


def core_and_sources(G: nx.DiGraph, *, top: int = TOP_SOURCES) -> nx.DiGraph:
    """The collected channels and the ``top`` uncollected sources forwarded most (weighted
    out-degree: messages of theirs forwarded by collected channels): the view a reader can
    take in, where a real corpus' forward network is mostly sources forwarded once.

    Nodes are collected unless their ``resolved`` attribute is False. The returned graph's
    ``left_out`` attribute counts the uncollected sources not shown and
    ``left_out_forwards`` the forwarded messages behind them; :func:`plot_network` notes both.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("telegram:1"); G.add_node("src:a", resolved=False)
    >>> G.add_node("src:b", resolved=False)
    >>> G.add_edge("src:a", "telegram:1", weight=5); G.add_edge("src:b", "telegram:1", weight=1)
    >>> view = core_and_sources(G, top=1)
    >>> sorted(view), view.graph["left_out"], view.graph["left_out_forwards"]
    (['src:a', 'telegram:1'], 1, 1)
    """
    sources = [n for n, d in G.nodes(data=True) if d.get("resolved", True) is False]
    ranked = sorted(sources, key=lambda n: (-G.out_degree(n, weight="weight"), str(n)))
    dropped = ranked[max(int(top), 0):]
    view = G.subgraph([n for n in G if n not in set(dropped)]).copy()
    view.graph["left_out"] = len(dropped)
    view.graph["left_out_forwards"] = int(sum(G.out_degree(n, weight="weight")
                                              for n in dropped))
    return view


def plot_network(G: nx.Graph, *, color="group", size="pagerank", positions: Mapping | None = None,
                 seed: int = 0, min_weight: float | None = None,
                 centrality: pd.DataFrame | None = None, max_edges: int = 5000,
                 labels: int = 12, title: str | None = None, weight: str = "weight"
                 ) -> go.Figure:
    """The channel network as a plotly figure.

    Parameters
    ----------
    G : networkx.DiGraph
        From :func:`workbench.network.edges_to_graph`.
    color : str, Series or mapping, default "group"
        A node attribute (``group``, ``lang``), a column of ``centrality``, or a Series of
        channel_id -> value such as :func:`workbench.network.communities`. Text and integer
        values get one legend entry each (missing: "(none)", grey); float values a colour scale.
    size : str, Series, mapping or None, default "pagerank"
        Node size: a column of ``centrality``, a node attribute, or a Series. PageRank is
        computed (endorsement direction) when neither ``centrality`` nor the nodes hold it.
    positions : mapping, optional
        Node positions from :func:`network_layout` (missing nodes are laid out around them).
        Pass the full network's positions to every filtered view so nodes stay put.
    seed : int, default 0
        Layout seed when positions are computed here.
    min_weight : float, optional
        Hide edges lighter than this; nodes left without edges are hidden too.
    centrality : DataFrame, optional
        From :func:`workbench.network.centrality`; used for ``size``/``color`` and hover.
    max_edges : int, default 5000
        Above this, draw only the heaviest edges (each channel's strongest edge always kept)
        and say so in the title.
    labels : int, default 12
        Write the names of this many largest nodes on the figure.

    Returns
    -------
    plotly.graph_objects.Figure
        Edge traces first (``name="edges"``, one per width class; width grows with weight),
        then an invisible ``"edge hover"`` trace at edge midpoints (up to 2,000 edges), then
        one node trace per colour category. ``fig.layout.meta`` holds ``nodes``, ``edges``
        (after ``min_weight``) and ``edges_shown`` (after thinning). All names are escaped.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph(kind="forward")
    >>> G.add_node("telegram:1", name="<b>Amaq</b>", group="official")
    >>> G.add_node("telegram:2", name="Fan", group="supporters")
    >>> G.add_edge("telegram:1", "telegram:2", weight=4)
    >>> fig = plot_network(G)
    >>> [t.name for t in fig.data], fig.layout.meta["edges"]
    (['edges', 'edge hover', 'official', 'supporters'], 1)
    >>> "&lt;b&gt;Amaq" in fig.data[2].hovertext[0]
    True
    """
    positions = network_layout(G, seed=seed, positions=positions, weight=weight)
    rows = [(u, v, float(w if w is not None else 1)) for u, v, w in G.edges(data=weight)]
    edges = pd.DataFrame(rows, columns=["u", "v", "weight"])
    total = len(edges)
    keep_nodes = list(G)
    if min_weight is not None and total:
        edges = edges[edges["weight"] >= min_weight]
        touched = set(edges["u"]) | set(edges["v"])
        had_edges = {n for n in G if G.degree(n) > 0}
        keep_nodes = [n for n in G if n in touched or n not in had_edges]
    n_edges = len(edges)
    shown = _thin(edges.reset_index(drop=True), max_edges)
    names = {n: G.nodes[n].get("name", n) for n in keep_nodes}

    fig = go.Figure()
    if len(shown):
        classes = min(len(EDGE_WIDTHS), shown["weight"].nunique())
        if classes > 1:
            bins = pd.qcut(shown["weight"].rank(method="dense"), classes, labels=False,
                           duplicates="drop")
        else:
            bins = pd.Series(0, index=shown.index)
        for b in sorted(pd.unique(bins)):
            part = shown[bins.to_numpy() == b]
            xs, ys = [], []
            for u, v in zip(part["u"], part["v"]):
                xs += [positions[u][0], positions[v][0], None]
                ys += [positions[u][1], positions[v][1], None]
            width = EDGE_WIDTHS[int(b)] if classes > 1 else EDGE_WIDTHS[1]
            fig.add_trace(go.Scatter(
                x=xs, y=ys, mode="lines", name="edges", legendgroup="edges", showlegend=False,
                line=dict(width=width, color="rgba(110,110,110,0.35)"), hoverinfo="skip"))
    hover_edges = shown if len(shown) <= EDGE_HOVER_LIMIT else shown.iloc[:0]
    ends = list(zip(hover_edges["u"], hover_edges["v"]))
    fig.add_trace(go.Scatter(
        x=[(positions[u][0] + positions[v][0]) / 2 for u, v in ends],
        y=[(positions[u][1] + positions[v][1]) / 2 for u, v in ends],
        mode="markers", name="edge hover", showlegend=False,
        marker=dict(size=6, color="rgba(0,0,0,0)"),
        hovertext=[f"{escape(names.get(u, u))} → {escape(names.get(v, v))}: {w:,.4g}"
                   for u, v, w in zip(hover_edges["u"], hover_edges["v"], hover_edges["weight"])],
        hovertemplate="%{hovertext}<extra></extra>"))

    sub = G.subgraph(keep_nodes)
    sizes = _node_values(sub, size, centrality, "size")
    colours = _node_values(sub, color, centrality, "color")
    raw = sizes.fillna(0).astype(float).clip(lower=0)
    top = raw.max() if len(raw) else 0
    marker_size = (7 + 27 * np.sqrt(raw / top)) if top > 0 else pd.Series(11.0, index=raw.index)
    ranked = raw.sort_values(ascending=False, kind="stable")
    labelled = set(ranked.index[:labels]) if labels else set()
    size_name = escape(sizes.name) if size is not None else None

    def hover(node) -> str:
        data = sub.nodes[node]
        parts = [f"<b>{escape(names[node])}</b>", escape(node)]
        for key in ("group", "lang"):
            if data.get(key) is not None:
                parts.append(f"{key}: {escape(data[key])}")
        if size_name and pd.notna(sizes[node]):
            parts.append(f"{size_name}: {float(sizes[node]):.4g}")
        if sub.is_directed():
            parts.append(f"in/out strength: {sub.in_degree(node, weight=weight):,.4g} / "
                         f"{sub.out_degree(node, weight=weight):,.4g}")
        if data.get("messages") is not None:
            parts.append(f"messages: {data['messages']:,}")
        return "<br>".join(parts)

    def node_trace(members: list, name: str, marker: dict, showlegend: bool = True) -> go.Scatter:
        return go.Scatter(
            x=[positions[n][0] for n in members], y=[positions[n][1] for n in members],
            mode="markers+text", name=name, showlegend=showlegend,
            text=[escape(shorten(names[n], 24)) if n in labelled else "" for n in members],
            textposition="top center", textfont=dict(size=10),
            customdata=[escape(n) for n in members],
            hovertext=[hover(n) for n in members], hovertemplate="%{hovertext}<extra></extra>",
            marker=marker)

    legend_title = escape(colours.name) if color is not None and colours.name else None
    if color is None or not _categorical(colours):
        values = colours.astype(float)
        marker = dict(size=marker_size.to_list(), line=dict(width=0.5, color="white"))
        if color is not None:
            floor = values.min() if values.notna().any() else 0
            marker.update(color=values.fillna(floor).to_list(),
                          colorscale="Viridis", showscale=True,
                          colorbar=dict(title=legend_title))
        else:
            marker.update(color=PALETTE[0])
        fig.add_trace(node_trace(list(sub), "channels", marker, showlegend=False))
    else:
        cats = colours.astype(object).where(colours.notna(), None)
        present = sorted({c for c in cats if c is not None},
                         key=lambda c: (str(type(c)), natural_key(c)))
        for i, cat in enumerate([*present, None]):
            members = [n for n in sub if cats[n] == cat] if cat is not None else \
                [n for n in sub if cats[n] is None]
            if not members:
                continue
            fill = PALETTE[i % len(PALETTE)] if cat is not None else NONE_COLOR
            marker = dict(size=[float(marker_size[n]) for n in members], color=fill,
                          line=dict(width=0.5, color="white"))
            fig.add_trace(node_trace(members, escape(cat) if cat is not None else NONE_LABEL,
                                     marker))

    kind = G.graph.get("kind", "forward")
    heading = escape(title) if title else (
        f"{escape(kind)} network: {sub.number_of_nodes():,} channels, {n_edges:,} edges")
    if G.graph.get("left_out"):
        kept = sum(1 for _, d in sub.nodes(data=True) if d.get("resolved", True) is False)
        heading += (f"<br><sup>collected channels and the {kept:,} most forwarded sources "
                    "outside the collection; "
                    f"{G.graph['left_out']:,} less forwarded sources "
                    f"({G.graph.get('left_out_forwards', 0):,} forwarded messages) left out</sup>")
    if len(shown) < n_edges:
        heading += (f"<br><sup>showing the {len(shown):,} heaviest of {n_edges:,} edges "
                    f"(each channel's strongest edge kept)</sup>")
    elif kind == "forward":
        heading += ("<br><sup>edge width: messages forwarded; hover an edge midpoint: "
                    "source → forwarder</sup>")
    fig.update_layout(
        title=heading, template="plotly_white", hovermode="closest", height=650,
        legend=dict(title=legend_title, itemsizing="constant"),
        xaxis=dict(visible=False), yaxis=dict(visible=False, scaleanchor="x"),
        margin=dict(t=80, r=20, l=20, b=20),
        meta={"nodes": sub.number_of_nodes(), "edges": n_edges, "edges_shown": len(shown)},
    )
    return fig


def _labels_for(index: pd.Index, names) -> pd.Series:
    if names is None:
        return pd.Series(index.astype(str), index=index)
    if isinstance(names, nx.Graph):
        return pd.Series({n: names.nodes[n].get("name", n) if n in names else n for n in index})
    if isinstance(names, pd.DataFrame):
        col = "name" if "name" in names.columns else "channel"
        table = names.set_index("channel_id")[col] if "channel_id" in names.columns else names[col]
        return table.reindex(index).fillna(pd.Series(index, index=index))
    return pd.Series(names).reindex(index).fillna(pd.Series(index, index=index))


def plot_centrality(centrality: pd.DataFrame, *, top: int = 20, by: str = "pagerank",
                    names=None, color=None) -> go.Figure:
    """Horizontal bars of the ``top`` channels by one centrality measure.

    Parameters
    ----------
    centrality : DataFrame
        From :func:`workbench.network.centrality` (indexed by channel id).
    top : int, default 20
    by : str, default "pagerank"
        The column to rank by.
    names : Graph, DataFrame or Series, optional
        Where to find display names: the graph (node ``name``), a channels table, or a
        channel_id -> name Series. Without it, bars are labelled by channel id.
    color : str or Series, optional
        A node attribute of ``names`` (when a graph) or column of ``names`` (when a table),
        e.g. ``"group"``, or a channel_id -> value Series: one bar colour per value.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace per colour value (or one trace), the highest bar on top; names escaped.

    Examples
    --------
    >>> import pandas as pd
    >>> cent = pd.DataFrame({"pagerank": [0.5, 0.3, 0.2]},
    ...                     index=pd.Index(["telegram:1", "telegram:2", "telegram:3"]))
    >>> fig = plot_centrality(cent, top=2, names=pd.Series({"telegram:1": "A&B"}))
    >>> list(fig.data[0].y)
    ['telegram:2', 'A&amp;B']
    """
    if by not in centrality.columns:
        raise ParameterError(f"by={by!r} is not a column of centrality: {list(centrality.columns)}")
    ranked = centrality[by].sort_values(ascending=False, kind="stable").head(top)
    order = ranked.index[::-1]
    labels = _labels_for(order, names).map(escape)
    # Two channels can share a display name; the id keeps bars apart.
    if labels.duplicated(keep=False).any():
        dup = labels.duplicated(keep=False)
        labels[dup] = [f"{lab} ({escape(i)})" for lab, i in zip(labels[dup], labels.index[dup])]
    if color is None:
        groups = pd.Series([None] * len(order), index=order, dtype=object)
    elif isinstance(color, str) and isinstance(names, nx.Graph):
        groups = pd.Series({n: names.nodes[n].get(color) if n in names else None for n in order})
    elif isinstance(color, str) and isinstance(names, pd.DataFrame):
        table = names.set_index("channel_id") if "channel_id" in names.columns else names
        groups = table[color].reindex(order)
    else:
        groups = pd.Series(color).reindex(order)
    groups = groups.astype(object).where(groups.notna(), None)
    fig = go.Figure()
    cats = sorted({g for g in groups if g is not None}, key=str)
    for i, cat in enumerate([*cats, None]):
        mask = (groups == cat).to_numpy() if cat is not None else groups.isna().to_numpy()
        if not mask.any():
            continue
        fig.add_trace(go.Bar(
            x=ranked.reindex(order)[mask].to_numpy(), y=labels[mask].to_list(), orientation="h",
            name=escape(cat) if cat is not None else (NONE_LABEL if cats else by),
            showlegend=bool(cats),
            marker_color=PALETTE[i % len(PALETTE)] if cat is not None else
            (NONE_COLOR if cats else PALETTE[0]),
            customdata=[escape(i) for i in order[mask]],
            hovertemplate=f"%{{y}}<br>%{{customdata}}<br>{escape(by)}: %{{x:.4g}}<extra></extra>"))
    fig.update_layout(
        template="plotly_white", title=f"top {len(ranked)} channels by {escape(by)}",
        xaxis_title=escape(by), yaxis=dict(categoryorder="array", categoryarray=labels.to_list()),
        height=max(300, 22 * len(ranked) + 120), margin=dict(l=20, r=20, t=50, b=40),
        barmode="overlay", legend=dict(title=escape(color) if isinstance(color, str) else None))
    return fig


def plot_growth(growth: pd.DataFrame) -> go.Figure:
    """Network growth per period: channels active, new and gone silent; new forward edges.

    Parameters
    ----------
    growth : DataFrame
        From :func:`workbench.network.network_growth`.

    Returns
    -------
    plotly.graph_objects.Figure
        Top panel: ``active`` (line), ``new`` and ``silent`` (bars, silent drawn below zero);
        bottom panel: ``new_edges`` (bars) and the running total ``edges`` (line, right axis).

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.date_range("2016-10-03", periods=2, freq="W-MON", tz="UTC", name="date")
    >>> g = pd.DataFrame({"active": [3, 4], "new": [3, 1], "silent": [0, 1],
    ...                   "new_edges": [2, 2], "channels": [3, 4], "edges": [2, 4]}, index=idx)
    >>> [t.name for t in plot_growth(g).data]
    ['active', 'new', 'silent', 'new edges', 'edges (total)']
    """
    missing = [c for c in ("active", "new", "silent", "new_edges", "edges") if c not in growth]
    if missing:
        raise ParameterError(f"growth lacks column(s) {missing}; pass network_growth(...)")
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        row_heights=[0.6, 0.4], specs=[[{}], [{"secondary_y": True}]],
                        subplot_titles=("channels per period", "forward edges"))
    x = growth.index
    fig.add_trace(go.Scatter(x=x, y=growth["active"].to_numpy(), name="active",
                             mode="lines+markers", line=dict(color="#1f77b4")), row=1, col=1)
    fig.add_trace(go.Bar(x=x, y=growth["new"].to_numpy(), name="new", marker_color="#2ca02c"),
                  row=1, col=1)
    fig.add_trace(go.Bar(x=x, y=-growth["silent"].to_numpy(), name="silent",
                         marker_color="#d62728", customdata=growth["silent"].to_numpy(),
                         hovertemplate="%{x|%Y-%m-%d}: %{customdata} gone silent<extra></extra>"),
                  row=1, col=1)
    fig.add_trace(go.Bar(x=x, y=growth["new_edges"].to_numpy(), name="new edges",
                         marker_color="#9467bd"), row=2, col=1)
    fig.add_trace(go.Scatter(x=x, y=growth["edges"].to_numpy(), name="edges (total)",
                             mode="lines", line=dict(color="#7f7f7f", dash="dot")),
                  row=2, col=1, secondary_y=True)
    fig.update_layout(template="plotly_white", barmode="relative", height=520,
                      hovermode="x unified", margin=dict(l=60, r=60, t=50, b=40))
    fig.update_yaxes(title_text="channels", row=1, col=1)
    fig.update_yaxes(title_text="new", row=2, col=1, secondary_y=False)
    fig.update_yaxes(title_text="total", row=2, col=1, secondary_y=True)
    return fig
