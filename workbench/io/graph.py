"""Former home of the graph writers, kept so that ``workbench.io.graph.write_graph`` and
``GRAPH_FORMATS`` still import: writing networks (GEXF, GraphML, CSV) is the network
package's, in :mod:`workbench.network._export`, public as :func:`workbench.network.write_graph`.

Examples
--------
>>> from workbench.io.graph import write_graph
>>> import workbench as wb
>>> write_graph is wb.network.write_graph
True
"""

from __future__ import annotations

__all__ = ["write_graph", "GRAPH_FORMATS"]


def __getattr__(name: str):
    # Looked up on first use, not at import: workbench.network imports this module while it
    # is itself being imported.
    if name in __all__:
        from ..network._export import GRAPH_FORMATS, write_graph

        return {"write_graph": write_graph, "GRAPH_FORMATS": GRAPH_FORMATS}[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
