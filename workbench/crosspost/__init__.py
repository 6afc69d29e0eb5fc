"""Cross-posting: the same content in several channels, who posts it first, how it flows
between groups, and which channels post in concert.

:func:`find_crossposts` builds the clusters; the other functions read its result.
:mod:`workbench.crosspost.similarity` holds the near-duplicate machinery (shingles, their
weights, MinHash with LSH banding, weighted Jaccard).

The kernels every backend of :func:`find_crossposts` runs (:func:`cluster_messages` and its
inputs, see :mod:`workbench.backends`) are importable from here too, outside ``__all__``.

Examples
--------
>>> import workbench as wb
>>> from workbench import crosspost
>>> corpus = wb.load_fixtures()
>>> clusters = crosspost.find_crossposts(corpus)
>>> clusters.columns[:8].tolist()
['cluster_id', 'channel_id', 'message_id', 'date', 'is_origin', 'lag', 'similarity', 'via']
>>> flows = crosspost.crosspost_flows(clusters, corpus.channels, by="group")
>>> flows.columns.tolist()
['source', 'target', 'copies', 'clusters', 'share', 'median_lag']
"""

from . import _analyses, _coordination, _normalise, similarity
from ._analyses import (cascade, cluster_summary, compare_clusters, crosspost_flows,
                        label_clusters, lead_lag)
from ._coordination import (Coordination, coordination_edges, coordination_evidence,
                            feature_clusters)
from ._clusters import VIA, find_crossposts
from ._clusters import (TEXT_CHUNK, URLISH, KeyIndex, MessageArrays, check_options,  # kernels
                        cluster_messages, distinct_texts, empty_result, measured_texts,
                        text_keys)
from ._normalise import (extract_urls, link_kind, media_fingerprint, normalise_text,
                         normalise_texts, normalise_url)

__all__ = ["VIA", "find_crossposts", *_analyses.__all__, *_coordination.__all__,
           *_normalise.__all__]
