"""`Corpus`: the canonical tables of one load, held together."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import schema

__all__ = ["Corpus"]


@dataclass(frozen=True, eq=False)
class Corpus:
    """The canonical tables produced by a load.

    Attributes
    ----------
    messages, channels, rejected, service, files : pandas.DataFrame
        See :mod:`workbench.schema`. ``files`` is provenance: one row per input file read,
        with its size, SHA-256 and how many of its records were loaded, service or rejected.

    Examples
    --------
    >>> from workbench import Corpus
    >>> c = Corpus.empty()
    >>> len(c.messages), list(c.rejected.columns)
    (0, ['source', 'reason', 'raw'])
    """

    messages: pd.DataFrame
    channels: pd.DataFrame
    rejected: pd.DataFrame = field(default_factory=lambda: schema.empty("rejected"))
    service: pd.DataFrame = field(default_factory=lambda: schema.empty("service"))
    files: pd.DataFrame = field(default_factory=lambda: schema.empty("files"))

    def __post_init__(self) -> None:
        for name in ("messages", "channels", "rejected", "service", "files"):
            schema.validate(getattr(self, name), name)

    @classmethod
    def empty(cls) -> "Corpus":
        """A corpus with no rows in any table."""
        return cls(schema.empty("messages"), schema.empty("channels"))

    def __repr__(self) -> str:
        m = self.messages
        span = ""
        if len(m):
            span = f", {m['date'].min():%Y-%m-%d} to {m['date'].max():%Y-%m-%d}"
        return (
            f"Corpus({len(m):,} messages in {m['channel_id'].nunique():,} channels{span}; "
            f"{len(self.channels):,} channels known, {len(self.service):,} service, "
            f"{len(self.rejected):,} rejected)"
        )

    def overview(self) -> pd.DataFrame:
        """One row per channel with messages: name, group (when labelled), messages, forwards,
        first and last message date, sorted by message count.

        Examples
        --------
        >>> Corpus.empty().overview().columns.tolist()[:3]
        ['channel_id', 'channel', 'messages']
        """
        m = self.messages
        per = (
            m.assign(is_forward=m["fwd_from_name"].notna() | m["fwd_from_channel_id"].notna())
            .groupby("channel_id", observed=True, sort=True)
            .agg(channel=("channel", "last"), messages=("message_id", "size"),
                 forwards=("is_forward", "sum"), first=("date", "min"), last=("date", "max"))
            .reset_index()
        )
        labels = [c for c in ("group", "lang") if c in self.channels.columns]
        if labels:
            per = per.merge(self.channels[["channel_id", *labels]], on="channel_id", how="left")
            per = per[["channel_id", "channel", *labels, "messages", "forwards", "first", "last"]]
        per["forwards"] = per["forwards"].astype("int64")
        return per.sort_values(["messages", "channel_id"], ascending=[False, True],
                               ignore_index=True)

    def to_parquet(self, directory: str | Path) -> Path:
        """Write every table to ``directory`` as Parquet; ``wb.load(directory)`` reads it back
        exactly.

        Examples
        --------
        >>> import tempfile, workbench as wb
        >>> d = Corpus.empty().to_parquet(tempfile.mkdtemp())
        >>> len(wb.load(d).messages)
        0
        """
        from .io.parquet import write_corpus

        return write_corpus(self, directory)
