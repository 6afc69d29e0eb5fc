"""Former home of the graph writers, kept so that ``workbench.io.graph.write_graph`` and
``GRAPH_FORMATS`` still import: writing networks (GEXF, GraphML, CSV) is the network
package's, public as :func:`workbench.network.write_graph`.

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
    # Looked up on first use, not at import, so that ``import workbench`` does not pay for
    # networkx.
    if name in __all__:
        from .. import network

        return getattr(network, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
