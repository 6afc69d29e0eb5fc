"""Channel Workbench: load Telegram (and Twitter) data into one canonical corpus, map the
channel network, measure volume around events, trace cross-posting, and brief.

Examples
--------
>>> import workbench as wb
>>> corpus = wb.load_fixtures()
>>> corpus.messages["platform"].unique().tolist()
['telegram']
"""

from . import (briefing, crosspost, errors, events, io, network, plots, schema, store, text,
               timeline, widgets)
from .corpus import Corpus
from .errors import WorkbenchError
from .events import load_events
from .io import load, load_fixtures
from .store import open_store, use_cluster

__all__ = [
    "Corpus",
    "WorkbenchError",
    "briefing",
    "crosspost",
    "errors",
    "events",
    "io",
    "load",
    "load_events",
    "load_fixtures",
    "network",
    "open_store",
    "plots",
    "schema",
    "store",
    "text",
    "timeline",
    "use_cluster",
    "widgets",
]
__version__ = "0.1.0"
