"""Channel Workbench: load Telegram (and Twitter) data into one canonical corpus, map the
channel network, measure volume around events, trace cross-posting, and brief.

The analysis and view packages (``network``, ``timeline``, ``crosspost``, ``plots``,
``widgets``, ``briefing``) are imported on first use, so ``import workbench`` does not pay
for networkx, scipy, plotly and ipywidgets until a notebook reaches for them.

Examples
--------
>>> import workbench as wb
>>> corpus = wb.load_fixtures()
>>> corpus.messages["platform"].unique().tolist()
['telegram']
"""

import importlib

from . import backends, errors, events, io, links, naming, privacy, schema, store, text
from .corpus import Corpus
from .errors import WorkbenchError
from .events import load_events
from .io import load, load_fixtures, open_corpus
from .store import open_store, use_cluster

#: Sub-packages imported when first reached as ``wb.<name>`` (heavy dependencies).
_LAZY = ("briefing", "crosspost", "network", "plots", "timeline", "widgets")

__all__ = [
    "Corpus",
    "WorkbenchError",
    "backends",
    "briefing",
    "crosspost",
    "errors",
    "events",
    "io",
    "links",
    "load",
    "load_events",
    "load_fixtures",
    "naming",
    "network",
    "open_corpus",
    "open_store",
    "plots",
    "privacy",
    "schema",
    "store",
    "text",
    "timeline",
    "use_cluster",
    "widgets",
]
__version__ = "0.1.0"


def __getattr__(name: str):
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)  # binds itself as an attribute
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
