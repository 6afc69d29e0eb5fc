"""Figures: each ``plot_*`` takes an analysis result and returns a ``plotly`` Figure.

Plot functions aggregate nothing and never call ``.show()``; every label that comes from
data (channel names, event names, texts) is HTML-escaped before plotly sees it.
"""

from ._crosspost import plot_cascade, plot_crosspost_flows, plot_lag_distribution
from ._lifecycle import plot_emergence, plot_survival, shade_collection_gaps
from ._network import network_layout, plot_centrality, plot_growth, plot_network
from ._timeline import plot_event_window, plot_keyword_trend, plot_platform_share
from ._volume import plot_volume

__all__ = ["plot_cascade", "plot_crosspost_flows", "plot_lag_distribution",
           "network_layout", "plot_centrality", "plot_event_window", "plot_growth",
           "plot_keyword_trend", "plot_network", "plot_platform_share", "plot_volume",
           "plot_emergence", "plot_survival", "shade_collection_gaps"]
