"""From edge tables to networkx graphs, with channel attributes on the nodes."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..schema import CHANNEL_ID
from ._edges import EDGE_KINDS

__all__ = ["edges_to_graph", "graph_kind"]

# Node attributes copied from a channels table when present, in this order.
_NODE_LABELS = ("name", "handle", "group", "lang")


def graph_kind(G: nx.Graph) -> str:
    """The edge kind a graph was built from (``G.graph["kind"]``, default ``"forward"``).

    Examples
    --------
    >>> import networkx as nx
    >>> graph_kind(nx.DiGraph(kind="mention"))
    'mention'
    """
    return G.graph.get("kind", "forward")


def _python(value: object) -> object:
    """A plain Python scalar (GEXF and GraphML writers know no numpy or NA types)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _node_table(channels) -> tuple[pd.DataFrame | None, pd.Series | None]:
    """(channels table, message counts) from a Corpus, a channels table, or None."""
    if channels is None:
        return None, None
    if hasattr(channels, "messages") and hasattr(channels, "channels"):
        counts = channels.messages[CHANNEL_ID].value_counts()
        return channels.channels, counts
    if not isinstance(channels, pd.DataFrame) or CHANNEL_ID not in channels.columns:
        raise ParameterError(
            "channels must be a Corpus or a DataFrame with a 'channel_id' column "
            "(corpus.channels or corpus.overview())")
    counts = channels.set_index(CHANNEL_ID)["messages"] if "messages" in channels.columns else None
    if "name" not in channels.columns and "channel" in channels.columns:
        channels = channels.rename(columns={"channel": "name"})
    return channels, counts


def _fallback_name(node: str) -> str:
    for marker in (":name:", ":handle:"):
        if marker in node:
            prefix = "@" if marker == ":handle:" else ""
            return prefix + node.split(marker, 1)[1]
    return node


def edges_to_graph(edges: pd.DataFrame, channels=None, *, kind: str | None = None,
                   weight: str = "weight") -> nx.DiGraph:
    """A weighted graph from an edge table, with channel attributes on the nodes.

    Parameters
    ----------
    edges : DataFrame
        From :func:`forward_edges`, :func:`mention_edges` or :func:`cocitation_edges`
        (any frame with ``source``, ``target`` and ``weight``). Other columns become edge
        attributes (``first``, ``last``, ``median_delay``, ...).
    channels : Corpus or DataFrame, optional
        A :class:`~workbench.Corpus` (names, handles, ``group``, ``lang`` and message counts), or
        a channels table such as ``corpus.channels`` or ``corpus.overview()``.
    kind : {"forward", "mention", "cocitation"}, optional
        What the edges are; defaults to ``edges.attrs["kind"]`` (set by the edge functions),
        else ``"forward"``. Stored as ``G.graph["kind"]``: :func:`centrality` reads it to know
        which direction is an endorsement.
    weight : str, default "weight"
        The weight column.

    Returns
    -------
    networkx.DiGraph
        (an undirected ``nx.Graph`` for co-citation). Nodes are channel ids in sorted order
        with ``name`` (fallback: the key's name or ``@handle``), ``resolved`` (bool),
        ``messages`` (int, when known) and ``handle``, ``group``, ``lang`` where known;
        attributes a channel lacks are absent rather than null. Edges carry ``weight`` and the
        other edge columns as plain Python values (timestamps stay ``pd.Timestamp``).

    Examples
    --------
    >>> import pandas as pd
    >>> edges = pd.DataFrame({"source": ["telegram:1"], "target": ["telegram:2"], "weight": [3]})
    >>> chans = pd.DataFrame({"channel_id": ["telegram:1"], "name": ["Amaq"],
    ...                       "group": ["official"]})
    >>> G = edges_to_graph(edges, chans)
    >>> G.nodes["telegram:1"], G["telegram:1"]["telegram:2"]["weight"]
    ({'name': 'Amaq', 'resolved': True, 'group': 'official'}, 3)
    """
    missing = [c for c in ("source", "target", weight) if c not in edges.columns]
    if missing:
        raise ParameterError(f"edges lack column(s) {missing}; expected source, target, {weight}")
    kind = kind or edges.attrs.get("kind", "forward")
    if kind not in EDGE_KINDS:
        raise ParameterError(f"kind={kind!r}; expected one of {EDGE_KINDS}")
    G = nx.Graph() if kind == "cocitation" else nx.DiGraph()
    G.graph["kind"] = kind

    source = edges["source"].astype(str).to_numpy()
    target = edges["target"].astype(str).to_numpy()
    nodes = sorted(set(source) | set(target))
    table, counts = _node_table(channels)
    known = table.drop_duplicates(CHANNEL_ID).set_index(CHANNEL_ID) if table is not None else None
    # A forward source keyed by its name is unresolved; everything else in the edge table
    # resolved unless the channels table says otherwise.
    unresolved_sources: set[str] = set()
    if "resolved" in edges.columns and kind == "forward":
        unresolved_sources = set(edges.loc[~edges["resolved"].astype(bool), "source"].astype(str))
    elif "resolved" in edges.columns and kind == "mention":
        unresolved_sources = set(edges.loc[~edges["resolved"].astype(bool), "target"].astype(str))
    for node in nodes:
        attrs: dict[str, object] = {}
        row = known.loc[node] if known is not None and node in known.index else None
        name = _python(row["name"]) if row is not None and "name" in row.index else None
        attrs["name"] = str(name) if name is not None else _fallback_name(node)
        if row is not None and "resolved" in row.index and _python(row["resolved"]) is not None:
            attrs["resolved"] = bool(row["resolved"])
        else:
            attrs["resolved"] = node not in unresolved_sources
        if counts is not None:
            attrs["messages"] = int(counts.get(node, 0))
        if row is not None:
            for col in _NODE_LABELS[1:]:
                if col in row.index and _python(row[col]) is not None:
                    attrs[col] = str(row[col])
        G.add_node(node, **attrs)

    extra = [c for c in edges.columns if c not in ("source", "target", weight)]
    columns = [edges[weight].to_numpy().tolist()]
    for col in extra:
        values = edges[col]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            columns.append(list(values))
        elif pd.api.types.is_timedelta64_dtype(values.dtype):
            columns.append(list(values))
        else:
            columns.append([_python(v) for v in values.astype(object)])
    names = ["weight", *extra]
    G.add_edges_from(
        (s, t, {k: v for k, v in zip(names, vals) if v is not None and v is not pd.NaT})
        for s, t, *vals in zip(source, target, *columns)
    )
    return G
