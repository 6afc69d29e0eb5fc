"""Writing channel networks for Gephi and other tools: GEXF, GraphML, CSV node/edge tables.

The graph's attributes are converted to what each format can hold: timestamps become ISO
strings, time spans become hours, missing values are left out. GEXF also gets each node's and
edge's active interval (``start``/``end`` from the edges' ``first``/``last`` dates, at day
resolution), which Gephi's timeline reads.

Names come from adversaries, and the files are opened by other programs, so (see
:mod:`workbench.text`): GEXF and GraphML get every node id, attribute name and text value
through :func:`~workbench.text.xml_safe` (characters XML 1.0 forbids, such as ``\\x07`` or
``\\x00``, would make the file unreadable for networkx and Gephi although writing it
succeeded); CSV tables get every text cell and header through
:func:`~workbench.text.neutralise_formulas` (a cell such as ``=cmd|' /C calc'!A0`` is written
``'=cmd|' /C calc'!A0``, which a spreadsheet shows instead of running).
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..text import neutralise_formulas, xml_safe

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


def _attrs(data: dict, *, xml: bool) -> dict:
    """Plain, non-missing attribute values (names and texts XML-safe with ``xml``)."""
    attrs = {k: _plain(x) for k, x in data.items()}
    if xml:
        return {xml_safe(str(k)): xml_safe(x) for k, x in attrs.items() if x is not None}
    return {k: x for k, x in attrs.items() if x is not None}


def _node_ids(G: nx.Graph, *, xml: bool) -> dict:
    """Each node's id in the file: itself, or its XML-safe form (which must stay unique)."""
    if not xml:
        return {n: n for n in G}
    ids = {n: xml_safe(n) for n in G}
    if len(set(ids.values())) < len(ids):
        raise ParameterError("two node ids differ only in characters XML cannot hold; "
                             "relabel the graph before writing it as GEXF or GraphML")
    return ids


def _export_copy(G: nx.Graph, *, dynamic: bool, xml: bool = False) -> nx.Graph:
    """A copy of ``G`` with plain attribute values; with ``dynamic``, ``start``/``end``;
    with ``xml``, node ids, attribute names and texts made XML-safe."""
    H = G.__class__()
    H.graph.update(_attrs(G.graph, xml=xml))
    ids = _node_ids(G, xml=xml)
    H.add_nodes_from(ids.values())  # keep G's node order in the file
    spans: dict[str, list] = {}
    for u, v, data in G.edges(data=True):
        u, v = ids[u], ids[v]
        attrs = _attrs(data, xml=xml)
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
        node = ids[node]
        attrs = _attrs(data, xml=xml)
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

    Notes
    -----
    Hostile names are made harmless for the program that opens the file. GEXF and GraphML:
    characters XML 1.0 forbids (control characters such as ``\\x07``) are written as a
    visible ``\\xHH`` escape in node ids, attribute names and values
    (:func:`workbench.text.xml_safe`), so the file reads back in networkx and Gephi. CSV:
    a text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a
    leading ``'`` (OWASP's rule against CSV injection,
    :func:`workbench.text.neutralise_formulas`), so a spreadsheet shows it rather than
    running it as a formula; numbers stay numbers (a negative weight is written ``-2``).

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
        nx.write_gexf(_export_copy(G, dynamic=True, xml=True), path, version="1.2draft")
        return [path]
    if fmt == "graphml":
        nx.write_graphml(_export_copy(G, dynamic=False, xml=True), path, named_key_ids=True)
        return [path]
    nodes, edges = _tables(G)
    stem = path.with_suffix("")
    node_path, edge_path = Path(f"{stem}.nodes.csv"), Path(f"{stem}.edges.csv")
    neutralise_formulas(nodes).to_csv(node_path, index=False)
    neutralise_formulas(edges).to_csv(edge_path, index=False)
    return [node_path, edge_path]
