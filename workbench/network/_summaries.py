"""Edge tables and centrality cut by analyst labels: filters, group mixing, top channels."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..schema import CHANNEL_ID
from ._graph import _fallback_name

__all__ = ["filter_edges", "mixing_matrix", "top_channels", "NO_LABEL"]

#: Label given to channels without an analyst label (unresolved sources, unlabelled channels).
NO_LABEL = "(none)"


def _labels(channels, by: str) -> pd.Series:
    table = channels.channels if hasattr(channels, "channels") else channels
    if table is None or by not in table.columns:
        raise ParameterError(f"channels has no {by!r} column; pass corpus.channels with labels")
    return (table.drop_duplicates(CHANNEL_ID).set_index(CHANNEL_ID)[by].astype(object)
            .rename(by))


def _label_of(ids: pd.Series, labels: pd.Series) -> np.ndarray:
    return labels.reindex(ids.astype(object).to_numpy()).fillna(NO_LABEL).astype(str).to_numpy()


def filter_edges(edges: pd.DataFrame, *, channels=None, groups: Iterable[str] | None = None,
                 by: str = "group", min_weight: float | None = None) -> pd.DataFrame:
    """A copy of ``edges`` restricted to some analyst groups and/or a minimum weight.

    Parameters
    ----------
    edges : DataFrame
        Any edge table (``source``, ``target``, ``weight``).
    channels : Corpus or DataFrame, optional
        Where the labels are (``corpus.channels``); needed with ``groups``.
    groups : iterable of str, optional
        Keep edges whose source **and** target both carry one of these labels; ``"(none)"``
        stands for channels without one (unresolved sources).
    by : str, default "group"
        The label column (``"group"``, ``"lang"``, ...).
    min_weight : float, optional
        Keep edges at least this heavy.

    Returns
    -------
    DataFrame
        The kept rows, with a fresh RangeIndex and ``edges.attrs`` preserved.

    Examples
    --------
    >>> import pandas as pd
    >>> edges = pd.DataFrame({"source": ["telegram:1", "telegram:1"],
    ...                       "target": ["telegram:2", "telegram:3"], "weight": [4, 1]})
    >>> chans = pd.DataFrame({"channel_id": ["telegram:1", "telegram:2", "telegram:3"],
    ...                       "group": ["official", "official", "control"]})
    >>> filter_edges(edges, channels=chans, groups=["official"])["target"].tolist()
    ['telegram:2']
    """
    keep = np.ones(len(edges), dtype=bool)
    if min_weight is not None:
        keep &= (edges["weight"] >= min_weight).to_numpy()
    if groups is not None:
        chosen = [str(g) for g in groups]
        labels = _labels(channels, by)
        keep &= np.isin(_label_of(edges["source"], labels), chosen)
        keep &= np.isin(_label_of(edges["target"], labels), chosen)
    out = edges[keep].reset_index(drop=True)
    out.attrs.update(edges.attrs)
    return out


def mixing_matrix(edges: pd.DataFrame, channels, *, by: str = "group",
                  normalize: str | None = None) -> pd.DataFrame:
    """Edge weight between label values: who forwards (or mentions) whom, by group or language.

    Parameters
    ----------
    edges : DataFrame
        An edge table (``source``, ``target``, ``weight``).
    channels : Corpus or DataFrame
        The labels (``corpus.channels``).
    by : str, default "group"
        The label column.
    normalize : {None, "source", "target"}, optional
        ``"target"``: each column sums to 1 (for forwards: where each group's forwards come
        from); ``"source"``: each row sums to 1.

    Returns
    -------
    DataFrame
        Rows: the source's label (index named ``source_<by>``), columns: the target's label
        (named ``target_<by>``), sorted, ``"(none)"`` last; summed weights, zero-filled.

    Examples
    --------
    >>> import pandas as pd
    >>> edges = pd.DataFrame({"source": ["telegram:1", "telegram:1", "telegram:name:x"],
    ...                       "target": ["telegram:2", "telegram:3", "telegram:3"],
    ...                       "weight": [4, 1, 2]})
    >>> chans = pd.DataFrame({"channel_id": ["telegram:1", "telegram:2", "telegram:3"],
    ...                       "lang": ["ar", "en", "fr"]})
    >>> mixing_matrix(edges, chans, by="lang")
    target_lang  en  fr
    source_lang
    ar            4   1
    (none)        0   2
    """
    if normalize not in (None, "source", "target"):
        raise ParameterError(f"normalize={normalize!r}; expected None, 'source' or 'target'")
    labels = _labels(channels, by)
    frame = pd.DataFrame({"s": _label_of(edges["source"], labels),
                          "t": _label_of(edges["target"], labels),
                          "w": edges["weight"].to_numpy()})
    wide = frame.pivot_table(index="s", columns="t", values="w", aggfunc="sum", fill_value=0)

    def order(values) -> list:
        return sorted(values, key=lambda v: (v == NO_LABEL, v))

    wide = wide.reindex(index=order(wide.index), columns=order(wide.columns), fill_value=0)
    if normalize == "target":
        wide = wide / wide.sum(axis=0).replace(0, np.nan)
    elif normalize == "source":
        wide = wide.div(wide.sum(axis=1).replace(0, np.nan), axis=0)
    wide.index.name, wide.columns.name = f"source_{by}", f"target_{by}"
    return wide.round(4) if normalize else wide


def top_channels(centrality: pd.DataFrame, channels=None, *, by: str = "pagerank",
                 per: str | None = "group", top: int = 3) -> pd.DataFrame:
    """The highest-ranked channels by one centrality measure, overall or per label.

    Parameters
    ----------
    centrality : DataFrame
        From :func:`centrality` (indexed by channel id).
    channels : Corpus or DataFrame, optional
        ``corpus.channels``, for names and the ``per`` label.
    by : str, default "pagerank"
    per : str or None, default "group"
        Rank within each value of this label (``None``: overall).
    top : int, default 3

    Returns
    -------
    DataFrame
        ``<per>``, ``rank`` (1 = highest), ``channel_id``, ``name`` (for channels known only
        by a name or handle, that name) and every centrality column, ordered by label (with
        ``"(none)"`` last) then rank.

    Examples
    --------
    >>> import pandas as pd
    >>> cent = pd.DataFrame({"pagerank": [0.5, 0.3, 0.2]},
    ...                     index=pd.Index(["telegram:1", "telegram:2", "telegram:3"],
    ...                                    name="channel_id"))
    >>> chans = pd.DataFrame({"channel_id": ["telegram:1", "telegram:2", "telegram:3"],
    ...                       "name": ["A", "B", "C"], "group": ["x", "y", "y"]})
    >>> top_channels(cent, chans, top=1)[["group", "rank", "name"]]
      group  rank name
    0     x     1    A
    1     y     1    B
    """
    if by not in centrality.columns:
        raise ParameterError(f"by={by!r} is not a column of centrality: {list(centrality.columns)}")
    frame = centrality.rename_axis(CHANNEL_ID).reset_index()
    frame[CHANNEL_ID] = frame[CHANNEL_ID].astype(str)
    table = channels.channels if hasattr(channels, "channels") else channels
    if table is not None:
        info = table.drop_duplicates(CHANNEL_ID).set_index(CHANNEL_ID)
        names = (info["name"].reindex(frame[CHANNEL_ID]).astype(object) if "name" in info
                 else pd.Series([None] * len(frame), dtype=object))
        # Channels known only by a name or handle are named by it, as on graph nodes.
        frame.insert(1, "name", [n if isinstance(n, str) else _fallback_name(c)
                                 for n, c in zip(names, frame[CHANNEL_ID])])
        if per is not None:
            frame.insert(0, per, _label_of(frame[CHANNEL_ID], _labels(table, per)))
    elif per is not None:
        raise ParameterError(f"per={per!r} needs channels= with that label column")
    frame = frame.sort_values([by, CHANNEL_ID], ascending=[False, True], kind="stable")
    keys = [per] if per is not None else []
    frame.insert(len(keys), "rank", frame.groupby(keys).cumcount() + 1 if keys
                 else np.arange(1, len(frame) + 1))
    frame = frame[frame["rank"] <= top]
    if keys:
        frame = (frame.assign(_unlabelled=frame[per] == NO_LABEL)
                 .sort_values(["_unlabelled", per, "rank"], kind="stable")
                 .drop(columns="_unlabelled"))
    return frame.reset_index(drop=True)
