"""Channel networks: who forwards and mentions whom, hubs, communities, growth, export.

Edge tables come from messages (:func:`forward_edges`, :func:`mention_edges`,
:func:`cocitation_edges`, :func:`reply_edges`; discussion threads: :func:`threads`), graphs from edge tables (:func:`edges_to_graph`), measures from
graphs (:func:`centrality`, :func:`communities`). A forward edge runs from the channel
forwarded **from** (``source``) to the channel that forwarded (``target``); PageRank and HITS
authority are computed on the endorsement direction, so the channels forwarded most rank
highest. :func:`write_graph` writes GEXF, GraphML or CSV.

The kernels every backend of the edge analyses runs (:func:`forward_rows`,
:func:`mention_rows`, :func:`mention_targets`, :func:`edge_table`, ..., see
:mod:`workbench.backends`) are importable from here too, outside ``__all__``.

Examples
--------
>>> import workbench as wb
>>> corpus = wb.load_fixtures()
>>> edges = wb.network.forward_edges(corpus.messages)
>>> G = wb.network.edges_to_graph(edges, corpus)
>>> cent = wb.network.centrality(G)
>>> list(cent.columns[:4])
['in_strength', 'out_strength', 'in_degree', 'out_degree']
"""

from ._export import GRAPH_FORMATS, write_graph
from ._edges import (build_edges, cocitation_edges, collection_candidates, forward_edges,
                     handle_key, mention_edges, parse_telegram_link)
from ._edges import (edge_table, forward_rows, handle_map, mention_rows,  # kernels
                     mention_target, mention_targets, mention_values)
from ._graph import edges_to_graph, graph_kind
from ._growth import network_growth, snapshot_graphs
from ._measures import (CENTRALITY_COLUMNS, centrality, communities, compare_partitions,
                        endorsement_graph)
from ._replies import reply_edges, reply_parents, speakers, threads
from ._summaries import NO_LABEL, filter_edges, mixing_matrix, top_channels
from ._successors import SUCCESSOR_COLUMNS, name_core, successors
from ._lifecycle import emergence, lifetimes, survival

__all__ = [
    "CENTRALITY_COLUMNS",
    "SUCCESSOR_COLUMNS",
    "GRAPH_FORMATS",
    "NO_LABEL",
    "build_edges",
    "centrality",
    "cocitation_edges",
    "collection_candidates",
    "communities",
    "compare_partitions",
    "edges_to_graph",
    "emergence",
    "endorsement_graph",
    "filter_edges",
    "forward_edges",
    "graph_kind",
    "handle_key",
    "lifetimes",
    "mention_edges",
    "mixing_matrix",
    "name_core",
    "network_growth",
    "parse_telegram_link",
    "reply_edges",
    "snapshot_graphs",
    "threads",
    "successors",
    "survival",
    "top_channels",
    "write_graph",
]
