"""Writing channel networks for Gephi and other tools: GEXF, GraphML, CSV node/edge tables.

The graph's attributes are converted to what each format can hold: timestamps become ISO
strings, time spans become hours, missing values are left out. GEXF also gets each node's and
edge's active interval (``start``/``end`` from the edges' ``first``/``last`` dates, at day
resolution), which Gephi's timeline reads.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from ..errors import ParameterError

__all__ = ["write_graph", "GRAPH_FORMATS"]

GRAPH_FORMATS = {".gexf": "gexf", ".graphml": "graphml", ".csv": "csv"}


def _plain(value: object) -> object:
    """A value every writer accepts: str, int, float or bool (None when missing)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, pd.Timedelta):
        return round(value.total_seconds() / 3600, 4)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, (str, bool, int, float)):
        return value
    return str(value)


def _day(value: object) -> str | None:
    return value.strftime("%Y-%m-%d") if isinstance(value, pd.Timestamp) else None


def _export_copy(G: nx.Graph, *, dynamic: bool) -> nx.Graph:
    """A copy of ``G`` with plain attribute values; with ``dynamic``, ``start``/``end``."""
    H = G.__class__()
    H.graph.update({k: _plain(v) for k, v in G.graph.items() if _plain(v) is not None})
    H.add_nodes_from(G)  # keep G's node order in the file
    spans: dict[str, list] = {}
    for u, v, data in G.edges(data=True):
        attrs = {k: _plain(x) for k, x in data.items()}
        attrs = {k: x for k, x in attrs.items() if x is not None}
        if "median_delay" in attrs:
            attrs["median_delay_hours"] = attrs.pop("median_delay")
        if dynamic:
            start, end = _day(data.get("first")), _day(data.get("last"))
            if start and end:
                attrs["start"], attrs["end"] = start, end
                for node in (u, v):
                    lo, hi = spans.get(node, (start, end))
                    spans[node] = (min(lo, start), max(hi, end))
        H.add_edge(u, v, **attrs)
    for node, data in G.nodes(data=True):
        attrs = {k: _plain(x) for k, x in data.items()}
        attrs = {k: x for k, x in attrs.items() if x is not None}
        if "name" in attrs:
            attrs.setdefault("label", attrs["name"])
        if dynamic and node in spans:
            attrs["start"], attrs["end"] = spans[node]
        H.nodes[node].update(attrs)
    return H


def _tables(G: nx.Graph) -> tuple[pd.DataFrame, pd.DataFrame]:
    H = _export_copy(G, dynamic=False)
    nodes = pd.DataFrame([{"Id": n, "Label": d.get("label", n), **{k: v for k, v in d.items()
                                                                   if k != "label"}}
                          for n, d in H.nodes(data=True)], columns=None)
    if nodes.empty:
        nodes = pd.DataFrame(columns=["Id", "Label"])
    kind = "Directed" if G.is_directed() else "Undirected"
    edges = pd.DataFrame([{"Source": u, "Target": v, "Type": kind,
                           "Weight": d.get("weight", 1),
                           **{k: x for k, x in d.items() if k != "weight"}}
                          for u, v, d in H.edges(data=True)])
    if edges.empty:
        edges = pd.DataFrame(columns=["Source", "Target", "Type", "Weight"])
    return nodes, edges


def write_graph(G: nx.Graph, path: str | Path, *, format: str | None = None) -> list[Path]:
    """Write a channel network to disk in a format chosen by the file extension.

    Parameters
    ----------
    G : networkx.Graph or DiGraph
        From :func:`workbench.network.edges_to_graph` (any networkx graph works).
    path : str or Path
        ``*.gexf`` (Gephi; node and edge attributes, and ``start``/``end`` intervals from the
        edges' ``first``/``last`` dates so Gephi's timeline can play the network),
        ``*.graphml`` (attributes; timestamps as ISO strings), or ``*.csv``: two tables for
        Gephi's spreadsheet import, ``<stem>.nodes.csv`` (``Id``, ``Label``, attributes) and
        ``<stem>.edges.csv`` (``Source``, ``Target``, ``Type``, ``Weight``, attributes).
        Parent folders are created.
    format : {"gexf", "graphml", "csv"}, optional
        Overrides the extension.

    Returns
    -------
    list of Path
        The files written (one, or two for CSV).

    Examples
    --------
    >>> import networkx as nx, pandas as pd, tempfile, pathlib
    >>> G = nx.DiGraph(kind="forward")
    >>> G.add_node("telegram:1", name="Amaq", group="official")
    >>> G.add_edge("telegram:1", "telegram:2", weight=3,
    ...            first=pd.Timestamp("2016-10-01", tz="UTC"),
    ...            last=pd.Timestamp("2016-11-02", tz="UTC"))
    >>> out = write_graph(G, pathlib.Path(tempfile.mkdtemp()) / "net.gexf")
    >>> H = nx.read_gexf(out[0])
    >>> H.nodes["telegram:1"]["label"], H["telegram:1"]["telegram:2"]["weight"]
    ('Amaq', 3.0)
    """
    path = Path(path)
    fmt = format or GRAPH_FORMATS.get(path.suffix.lower())
    if fmt not in GRAPH_FORMATS.values():
        raise ParameterError(
            f"{path}: cannot tell the graph format from the extension {path.suffix!r}; use one "
            f"of {sorted(GRAPH_FORMATS)} or pass format=")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "gexf":
        nx.write_gexf(_export_copy(G, dynamic=True), path, version="1.2draft")
        return [path]
    if fmt == "graphml":
        nx.write_graphml(_export_copy(G, dynamic=False), path, named_key_ids=True)
        return [path]
    nodes, edges = _tables(G)
    stem = path.with_suffix("")
    node_path, edge_path = Path(f"{stem}.nodes.csv"), Path(f"{stem}.edges.csv")
    nodes.to_csv(node_path, index=False)
    edges.to_csv(edge_path, index=False)
    return [node_path, edge_path]
