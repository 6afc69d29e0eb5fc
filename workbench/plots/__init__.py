"""Figures: each ``plot_*`` takes an analysis result and returns a ``plotly`` Figure.

``save(fig, "x.png", scale=2)`` writes any figure to PNG, SVG or PDF, offline.
Plot functions aggregate nothing and never call ``.show()``; every label that comes from
data (channel names, event names, texts) is HTML-escaped before plotly sees it.
"""

from ._crosspost import plot_cascade, plot_crosspost_flows, plot_lag_distribution
from ._lifecycle import plot_emergence, plot_survival, shade_collection_gaps
from ._network import (TOP_SOURCES, core_and_sources, network_layout, plot_centrality,
                       plot_growth, plot_network)
from ._save import IMAGE_FORMATS, find_chromium, save
from ._timeline import plot_event_window, plot_keyword_trend, plot_platform_share
from ._topics import plot_channel_languages, plot_topic_terms, plot_topic_trend
from ._volume import plot_volume

__all__ = ["TOP_SOURCES", "core_and_sources", "plot_cascade", "plot_crosspost_flows",
           "plot_lag_distribution",
           "network_layout", "plot_centrality", "plot_event_window", "plot_growth",
           "plot_keyword_trend", "plot_network", "plot_platform_share", "plot_volume",
           "IMAGE_FORMATS", "find_chromium", "save",
           "plot_channel_languages", "plot_topic_terms", "plot_topic_trend",
           "plot_emergence", "plot_survival", "shade_collection_gaps"]
