"""Languages of a store's channels: texts streamed in batches, identified per batch."""

from __future__ import annotations

import pandas as pd

from ..errors import ParameterError
from ..text import language_counts, language_table, languages
from ._duckdb import _stream


def channel_languages(store, *, langs=None, channel_col: str = "channel_id", **kwargs
                      ) -> pd.DataFrame:
    """:func:`workbench.text.channel_languages` of the store's messages: each batch of
    texts is identified and counted per channel and language, the counts are added up and
    finished by the analysis' own kernel (:func:`workbench.text.language_table`)."""
    if langs is not None:
        raise ParameterError("langs=: a store's messages are identified batch by batch; "
                             "leave it out")
    if channel_col != "channel_id":
        raise ParameterError(f"channel_col={channel_col!r}: a store's messages have 'channel_id'")
    parts = []
    for batch in _stream(store, ["channel_id", "text"], None):
        frame = batch.to_pandas()
        parts.append(language_counts(frame["channel_id"], languages(frame["text"], **kwargs)))
    if not parts:
        return language_table(pd.DataFrame({"channel_id": [], "lang": [], "n": []}))
    return language_table(pd.concat(parts, ignore_index=True))
