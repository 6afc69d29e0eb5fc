"""The groups analyses compare: the analyst's labels, else the communities detected in the
forward network named after their hubs ("community around X"), and at most
:data:`MAX_GROUPS` of them named (the rest folded into "other groups (n)").

Used by the briefing and by :func:`workbench.open_corpus`, so that ``by="group"`` works on
a corpus without labels. Nothing here changes the data as loaded; the groups are a column
added to copies of the channels and messages tables.

Examples
--------
>>> import workbench as wb
>>> corpus = wb.load_fixtures()
>>> plain = wb.Corpus(corpus.messages.drop(columns="group"),
...                   corpus.channels.drop(columns=["group"]))
>>> grouped, source, _, folded = assign_groups(plain, labels_given=False, seed=0)
>>> source, grouped.messages["group"].str.startswith("community around").any()
('communities', np.True_)
"""

from __future__ import annotations

import pandas as pd

from . import network
from .corpus import Corpus
from .naming import display_name, display_names, natural_key

__all__ = ["MAX_GROUPS", "UNLABELLED", "UNCONNECTED", "assign_groups", "community_names",
           "fold_groups", "order_groups"]

#: The most groups a briefing names; past it the smallest are folded into "other groups (n)".
MAX_GROUPS = 8
UNLABELLED = "(unlabelled)"
UNCONNECTED = "channels without forwards"
OTHER = "other groups"


def community_names(found: pd.Series, G) -> dict:
    """Community number -> "community around X", X the member forwarded most (weighted
    out-degree of the forward graph; ties by display name). Two communities around
    equally named hubs are told apart by a number.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_node("a", name="Amaq"); G.add_node("b", name="Fan"); G.add_node("c", name="Fan2")
    >>> G.add_edge("a", "b", weight=3); G.add_edge("c", "b", weight=1)
    >>> community_names(pd.Series({"a": 0, "b": 0, "c": 1}), G)
    {0: 'community around Amaq', 1: 'community around Fan2'}
    """
    out, seen = {}, {}
    for c, members in found.groupby(found):
        def rank(node):
            data = G.nodes[node] if node in G else {}
            shown = display_name(data.get("name"), data.get("handle"), node)
            strength = G.out_degree(node, weight="weight") if node in G else 0
            return (-strength, natural_key(shown)), shown
        _, hub = min(rank(n) for n in members.index)
        name = f"community around {hub}"
        seen[name] = seen.get(name, 0) + 1
        out[c] = name if seen[name] == 1 else f"{name} ({seen[name]})"
    return out


def fold_groups(group: pd.Series, sizes: pd.Series, max_groups: int = MAX_GROUPS) -> pd.Series:
    """``group`` (channel -> label) with all but the largest ``max_groups - 1`` groups (by
    messages, ``sizes``: label -> count) relabelled "other groups (n)"; unchanged when there
    are at most ``max_groups``.

    Examples
    --------
    >>> g = pd.Series(["a", "b", "c", "d"])
    >>> fold_groups(g, pd.Series({"a": 9, "b": 5, "c": 2, "d": 1}), max_groups=3).tolist()
    ['a', 'b', 'other groups (2)', 'other groups (2)']
    """
    present = [x for x in pd.unique(group.dropna())]
    if len(present) <= max_groups:
        return group
    ranked = sorted(present, key=lambda x: (-int(sizes.get(x, 0)), natural_key(x)))
    keep = set(ranked[:max_groups - 1])
    label = f"{OTHER} ({len(present) - len(keep)})"
    return group.where(group.isna() | group.isin(keep), label).astype("string")


def order_groups(labels, sizes: pd.Series) -> tuple:
    """Groups largest first (by messages), "other groups" and the catch-alls last."""
    def key(x):
        last = x.startswith(OTHER) or x in (UNCONNECTED, UNLABELLED)
        return (last, -int(sizes.get(x, 0)), natural_key(x))
    return tuple(sorted(labels, key=key))


def assign_groups(corpus: Corpus, *, labels_given: bool, seed: int, fold: bool = True):
    """The corpus with a ``group`` on channels and messages, where the groups came from
    ("labels", "corpus", "communities" or, with no forwards at all, "channels"), the whole corpus' forward edges (when detecting
    communities, else None) and how many groups were folded (0 if none)."""
    ch, m = corpus.channels.copy(), corpus.messages.copy()
    posting = ch["channel_id"].isin(m["channel_id"])
    has_labels = "group" in ch.columns and ch.loc[posting, "group"].notna().any()
    edges = None
    if labels_given or has_labels:
        source = "labels" if labels_given else "corpus"
        if "group" not in ch.columns:
            ch["group"] = pd.Series(pd.NA, index=ch.index, dtype="string")
        ch["group"] = ch["group"].astype("string")
        ch.loc[posting & ch["group"].isna(), "group"] = UNLABELLED
    else:
        source = "communities"
        edges = network.forward_edges(m)
        G = network.edges_to_graph(edges, corpus)
        found = (network.communities(G, random_state=seed)
                 if G.number_of_edges() else pd.Series(dtype="int64"))
        names = community_names(found, G) if len(found) else {}
        labels = {cid: names[c] for cid, c in found.items()}
        if not labels:  # no forwards at all: each channel is its own group
            source = "channels"
            labels = {c: n for c, n in display_names(ch).items()}
        ch["group"] = pd.Series([labels.get(c, UNCONNECTED if p else pd.NA)
                                 for c, p in zip(ch["channel_id"], posting)],
                                index=ch.index, dtype="string")
    folded = 0
    if fold:
        counts = m["channel_id"].map(dict(zip(ch["channel_id"], ch["group"]))).value_counts()
        before = ch["group"].nunique()
        ch["group"] = fold_groups(ch["group"], counts)
        folded = before - ch["group"].nunique() + (1 if before > ch["group"].nunique() else 0)
    m["group"] = m["channel_id"].map(dict(zip(ch["channel_id"], ch["group"]))).astype("string")
    return Corpus(m, ch, corpus.rejected, corpus.service, corpus.files), source, edges, folded
