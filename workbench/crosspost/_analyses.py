"""What the clusters say: flows between groups, who leads, who posts in concert, and the spread
of one cluster. Every function reads the output of :func:`find_crossposts`."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..io.progress import progress_steps

__all__ = ["cluster_summary", "crosspost_flows", "lead_lag", "coordination_edges",
           "Coordination", "cascade", "label_clusters", "compare_clusters"]

UNLABELLED = "(unlabelled)"


def _need(clusters: pd.DataFrame, *columns: str) -> None:
    missing = [c for c in ("cluster_id", "channel_id", "date", "is_origin", "lag", *columns)
               if c not in clusters.columns]
    if missing:
        raise ParameterError(f"clusters: missing column(s) {missing}; expected the output of "
                             "find_crossposts")


def label_clusters(clusters: pd.DataFrame, channels: pd.DataFrame | None,
                   columns: tuple[str, ...] = ("channel", "group", "lang")) -> pd.DataFrame:
    """A copy of ``clusters`` with channel label columns joined from ``channels`` (by
    ``channel_id``; ``name`` becomes ``channel``) where ``clusters`` lacks them or has nulls.

    Examples
    --------
    >>> import pandas as pd
    >>> cl = pd.DataFrame({"cluster_id": [0], "channel_id": ["telegram:1"]})
    >>> ch = pd.DataFrame({"channel_id": ["telegram:1"], "name": ["A"], "group": ["official"]})
    >>> label_clusters(cl, ch)[["channel", "group"]].values.tolist()
    [['A', 'official']]
    """
    out = clusters.copy()
    if channels is None:
        return out
    labels = channels.rename(columns={"name": "channel"})
    wanted = [c for c in columns if c in labels.columns]
    if not wanted:
        return out
    table = labels.drop_duplicates("channel_id").set_index("channel_id")[wanted]
    joined = table.reindex(out["channel_id"].astype(str).to_numpy())
    for col in wanted:
        values = pd.Series(joined[col].to_numpy(), index=out.index)
        out[col] = out[col].fillna(values) if col in out.columns else values
    return out


def _labels(clusters: pd.DataFrame, channels: pd.DataFrame | None, by: str) -> pd.Series:
    if by not in clusters.columns:
        clusters = label_clusters(clusters, channels, (by,))
    if by not in clusters.columns:
        raise ParameterError(f"by={by!r}: neither clusters nor channels have this column")
    values = clusters[by].astype(object)
    return values.where(values.notna(), UNLABELLED).astype(str)


def cluster_summary(clusters: pd.DataFrame) -> pd.DataFrame:
    """One row per cluster: its origin, size and speed.

    Returns
    -------
    DataFrame
        ``cluster_id``, ``origin_channel_id``, ``origin_message_id``, ``origin_date``,
        ``members``, ``channels``, ``via`` (the most common join path among non-origin
        members), ``first_copy`` (lag of the earliest other member), ``median_lag`` and
        ``span`` (lag of the last member), sorted by ``cluster_id``.

    Examples
    --------
    >>> import pandas as pd
    >>> cl = pd.DataFrame({"cluster_id": [0, 0, 0], "channel_id": ["a", "b", "c"],
    ...     "message_id": [1, 2, 3], "date": pd.to_datetime(["2016-01-01"] * 3, utc=True),
    ...     "is_origin": [True, False, False], "via": ["text", "text", "forward"],
    ...     "lag": pd.to_timedelta(["0h", "1h", "3h"])})
    >>> cluster_summary(cl)[["members", "channels", "first_copy", "span"]].values.tolist()
    [[3, 3, Timedelta('0 days 01:00:00'), Timedelta('0 days 03:00:00')]]
    """
    _need(clusters, "message_id", "via")
    origin = clusters[clusters["is_origin"]].set_index("cluster_id")
    copies = clusters[~clusters["is_origin"]]
    grouped = clusters.groupby("cluster_id", sort=True)
    # The vote: per cluster, the most common path; ties go to the first in alphabetical order.
    votes = (pd.DataFrame({"cluster_id": copies["cluster_id"], "via": copies["via"].astype(str)})
             .groupby(["cluster_id", "via"], sort=True).size().rename("n").reset_index()
             .sort_values(["cluster_id", "n"], ascending=[True, False], kind="stable")
             .drop_duplicates("cluster_id").set_index("cluster_id")["via"])
    out = pd.DataFrame({
        "origin_channel_id": origin["channel_id"],
        "origin_message_id": origin["message_id"],
        "origin_date": origin["date"],
        "members": grouped.size(),
        "channels": grouped["channel_id"].nunique(),
        "via": votes,
        "first_copy": copies.groupby("cluster_id")["lag"].min(),
        "median_lag": copies.groupby("cluster_id")["lag"].median(),
        "span": grouped["lag"].max(),
    })
    out.index.name = "cluster_id"
    return out.reset_index()


def crosspost_flows(clusters: pd.DataFrame, channels: pd.DataFrame | None = None, *,
                    by: str = "group") -> pd.DataFrame:
    """How often content moves from the origin's group to another group, and how fast.

    Every non-origin member in a different channel from the origin is one copy, counted from
    the origin's ``by`` value (``source``) to the member's (``target``); copies within one
    group count too (``source == target``).

    Parameters
    ----------
    clusters : DataFrame
        The output of :func:`find_crossposts`.
    channels : DataFrame, optional
        Channel labels (``corpus.channels``), joined by ``channel_id`` when ``clusters``
        lacks the ``by`` column.
    by : str, default "group"
        Any label column (``group``, ``lang``, ``channel_id``, ...). Missing labels are
        counted as "(unlabelled)".

    Returns
    -------
    DataFrame
        Tidy, one row per (source, target) pair seen: ``source``, ``target``, ``copies``,
        ``clusters`` (distinct clusters), ``share`` (of the source's copies),
        ``median_lag``, sorted by source then copies (descending). For a matrix:
        ``flows.pivot(index="source", columns="target", values="copies")``.

    Examples
    --------
    >>> import pandas as pd
    >>> cl = pd.DataFrame({"cluster_id": [0, 0, 0], "channel_id": ["a", "b", "c"],
    ...     "date": pd.to_datetime(["2016-01-01"] * 3, utc=True),
    ...     "is_origin": [True, False, False], "lag": pd.to_timedelta(["0h", "1h", "3h"]),
    ...     "group": ["official", "supporters", "supporters"]})
    >>> crosspost_flows(cl)[["source", "target", "copies", "median_lag"]].values.tolist()
    [['official', 'supporters', 2, Timedelta('0 days 02:00:00')]]
    """
    _need(clusters)
    label = _labels(clusters, channels, by)
    frame = pd.DataFrame({"cluster_id": clusters["cluster_id"].to_numpy(),
                          "channel_id": clusters["channel_id"].astype(str).to_numpy(),
                          "is_origin": clusters["is_origin"].to_numpy(dtype=bool),
                          "lag": clusters["lag"].to_numpy(), "label": label.to_numpy()})
    origin = frame[frame["is_origin"]].set_index("cluster_id")
    copies = frame[~frame["is_origin"]].copy()
    copies["source"] = origin["label"].reindex(copies["cluster_id"]).to_numpy()
    copies["origin_channel"] = origin["channel_id"].reindex(copies["cluster_id"]).to_numpy()
    copies = copies[copies["channel_id"] != copies["origin_channel"]]
    if copies.empty:
        return pd.DataFrame({"source": pd.Series(dtype=object), "target": pd.Series(dtype=object),
                             "copies": pd.Series(dtype="int64"),
                             "clusters": pd.Series(dtype="int64"),
                             "share": pd.Series(dtype="float64"),
                             "median_lag": pd.Series(dtype="timedelta64[ns]")})
    out = (copies.groupby(["source", "label"], sort=True)
           .agg(copies=("cluster_id", "size"), clusters=("cluster_id", "nunique"),
                median_lag=("lag", "median"))
           .reset_index().rename(columns={"label": "target"}))
    out["share"] = out["copies"] / out.groupby("source")["copies"].transform("sum")
    out = out[["source", "target", "copies", "clusters", "share", "median_lag"]]
    return out.sort_values(["source", "copies", "target"], ascending=[True, False, True],
                           ignore_index=True)


def lead_lag(clusters: pd.DataFrame, *, by: str = "channel_id",
             channels: pd.DataFrame | None = None, min_shared: int = 1) -> pd.DataFrame:
    """Who posts shared content first: for each pair of ``by`` values that appear in the same
    clusters, how often each came first, and the lag distribution.

    Within a cluster each ``by`` value is placed at its earliest member; a pair is compared
    once per cluster they share.

    Returns
    -------
    DataFrame
        One row per unordered pair, oriented so that ``leader`` came first at least as often
        as ``follower`` (ties broken by name): ``leader``, ``follower``, ``shared`` (clusters
        with both), ``leader_first``, ``follower_first``, ``ties`` (same instant),
        ``lead_share`` (``leader_first / shared``), ``median_lag`` (of the follower behind
        the leader; negative when the follower usually leads by more), ``lag_q25``,
        ``lag_q75``; sorted by ``shared`` (descending), then names. Pairs sharing fewer than
        ``min_shared`` clusters are left out.

    Examples
    --------
    >>> import pandas as pd
    >>> cl = pd.DataFrame({"cluster_id": [0, 0, 1, 1], "channel_id": ["b", "a", "a", "b"],
    ...     "date": pd.to_datetime(["2016-01-01 10:00", "2016-01-01 11:00",
    ...                             "2016-01-02 09:00", "2016-01-02 09:30"], utc=True),
    ...     "is_origin": [True, False, True, False], "lag": pd.to_timedelta(["0h", "1h", "0h", "30min"])})
    >>> lead_lag(cl)[["leader", "follower", "shared", "leader_first", "median_lag"]].values.tolist()
    [['a', 'b', 2, 1, Timedelta('-1 days +23:45:00')]]
    """
    _need(clusters)
    label = _labels(clusters, channels, by)
    first = (pd.DataFrame({"cluster_id": clusters["cluster_id"].to_numpy(),
                           "label": label.to_numpy(), "date": clusters["date"].to_numpy()})
             .groupby(["cluster_id", "label"], sort=True)["date"].min().reset_index())
    pairs = first.merge(first, on="cluster_id", suffixes=("_a", "_b"))
    pairs = pairs[pairs["label_a"] < pairs["label_b"]]
    columns = ["leader", "follower", "shared", "leader_first", "follower_first", "ties",
               "lead_share", "median_lag", "lag_q25", "lag_q75"]
    if pairs.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    pairs = pairs.assign(delta=pairs["date_b"] - pairs["date_a"])
    zero = pd.Timedelta(0)
    g = pairs.groupby(["label_a", "label_b"], sort=True)["delta"]
    out = pd.DataFrame({
        "shared": g.size(),
        "a_first": g.agg(lambda d: int((d > zero).sum())),
        "b_first": g.agg(lambda d: int((d < zero).sum())),
        "ties": g.agg(lambda d: int((d == zero).sum())),
        "median": g.median(), "q25": g.quantile(0.25), "q75": g.quantile(0.75),
    }).reset_index()
    out = out[out["shared"] >= min_shared]
    swap = out["b_first"] > out["a_first"]
    leader = np.where(swap, out["label_b"], out["label_a"])
    follower = np.where(swap, out["label_a"], out["label_b"])
    result = pd.DataFrame({
        "leader": leader, "follower": follower, "shared": out["shared"].to_numpy(),
        "leader_first": np.where(swap, out["b_first"], out["a_first"]),
        "follower_first": np.where(swap, out["a_first"], out["b_first"]),
        "ties": out["ties"].to_numpy(),
    })
    result["lead_share"] = result["leader_first"] / result["shared"]
    med = pd.to_timedelta(out["median"].to_numpy())
    q25 = pd.to_timedelta(out["q25"].to_numpy())
    q75 = pd.to_timedelta(out["q75"].to_numpy())
    result["median_lag"] = np.where(swap, -med, med)
    result["median_lag"] = pd.to_timedelta(result["median_lag"])
    result["lag_q25"] = pd.to_timedelta(np.where(swap, -q75, q25))
    result["lag_q75"] = pd.to_timedelta(np.where(swap, -q25, q75))
    return result.sort_values(["shared", "leader", "follower"], ascending=[False, True, True],
                              ignore_index=True)


class Coordination(NamedTuple):
    """The result of :func:`coordination_edges`: ``edges`` and the chance ``control``."""

    edges: pd.DataFrame
    control: pd.DataFrame


def _co_posts(cluster: np.ndarray, channel: np.ndarray, time: np.ndarray, window: int
              ) -> pd.DataFrame:
    """Distinct (channel a, channel b, cluster) co-posts: both channels posted a member of the
    cluster within ``window`` of each other (a < b)."""
    frame = pd.DataFrame({"c": cluster, "ch": channel, "t": time})
    frame = frame.sort_values(["c", "t", "ch"], kind="stable")
    c, ch, t = (frame[k].to_numpy() for k in ("c", "ch", "t"))
    out_a, out_b, out_c, out_t, out_d = [], [], [], [], []
    n = len(frame)
    d = 1
    while True:
        if d >= n:
            break
        same = (c[d:] == c[:-d]) & (t[d:] - t[:-d] <= window)
        if not same.any():
            break
        i = np.flatnonzero(same)
        a, b = ch[i], ch[i + d]
        keep = a != b
        i, a, b = i[keep], a[keep], b[keep]
        out_a.append(np.minimum(a, b))
        out_b.append(np.maximum(a, b))
        out_c.append(c[i])
        out_t.append(t[i + d])
        out_d.append(t[i + d] - t[i])
        d += 1
    if not out_a:
        return pd.DataFrame({"a": [], "b": [], "c": [], "t": [], "gap": []})
    co = pd.DataFrame({"a": np.concatenate(out_a), "b": np.concatenate(out_b),
                       "c": np.concatenate(out_c), "t": np.concatenate(out_t),
                       "gap": np.concatenate(out_d)})
    return co.sort_values(["a", "b", "c", "gap"]).drop_duplicates(["a", "b", "c"])


def coordination_edges(clusters: pd.DataFrame, *, window: str | pd.Timedelta = "1h",
                       min_count: int = 2, n_shuffles: int = 100, random_state: int = 0
                       ) -> Coordination:
    """Channels that repeatedly post the same content within a short time of each other
    (co-posting, as in CooRTweet), with a shuffled-timestamps control.

    Two channels co-post a cluster when each posted one of its members within ``window`` of
    the other's. An edge joins channels that co-posted at least ``min_count`` distinct
    clusters.

    The control keeps every channel's posting times and every cluster's membership, but
    shuffles which of its own times each channel used for which cluster (a permutation of
    dates within each channel), ``n_shuffles`` times: channels that are merely active at the
    same hours still meet, coordination beyond that disappears.

    Returns
    -------
    Coordination
        A named tuple of two DataFrames:

        ``edges``: ``source``, ``target`` (channel ids, ``source < target``; undirected, for
        :func:`workbench.network.edges_to_graph`), ``weight`` (clusters co-posted),
        ``first`` and ``last`` co-post time, ``median_gap`` (between the two posts),
        ``control_mean`` (mean weight of the pair in the shuffles), ``p_value`` (share of
        shuffles, with one added to numerator and denominator, in which the pair reached at
        least its observed weight); sorted by weight (descending) then ids.

        ``control``: one row per shuffle: ``shuffle``, ``edges`` (pairs reaching
        ``min_count``), ``max_weight``. Compare ``len(edges)`` with ``control["edges"]``.

    Examples
    --------
    >>> import pandas as pd
    >>> times = ["2016-01-01 10:00", "2016-01-01 10:05", "2016-01-02 12:00", "2016-01-02 12:10",
    ...          "2016-01-03 08:00", "2016-01-03 15:00"]
    >>> cl = pd.DataFrame({"cluster_id": [0, 0, 1, 1, 2, 2],
    ...     "channel_id": ["a", "b", "a", "b", "a", "c"],
    ...     "date": pd.to_datetime(times, utc=True), "is_origin": [True, False] * 3,
    ...     "lag": pd.to_timedelta(["0h", "5min", "0h", "10min", "0h", "7h"])})
    >>> edges, control = coordination_edges(cl, n_shuffles=10)
    >>> edges[["source", "target", "weight"]].values.tolist()
    [['a', 'b', 2]]
    >>> len(control)
    10
    """
    _need(clusters)
    try:
        win = pd.Timedelta(window)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"window={window!r}: expected a duration such as '1h'") from exc
    if win < pd.Timedelta(0):
        raise ParameterError(f"window={window!r}: expected a non-negative duration")
    if not (isinstance(min_count, (int, np.integer)) and min_count >= 1):
        raise ParameterError(f"min_count={min_count!r}: expected a positive integer")
    if not (isinstance(n_shuffles, (int, np.integer)) and n_shuffles >= 0):
        raise ParameterError(f"n_shuffles={n_shuffles!r}: expected a non-negative integer")
    names, channel = np.unique(clusters["channel_id"].astype(str).to_numpy(), return_inverse=True)
    cluster = clusters["cluster_id"].to_numpy(dtype=np.int64)
    time = (pd.to_datetime(clusters["date"], utc=True).dt.tz_localize(None)
            .to_numpy(dtype="datetime64[ns]").view("int64"))
    w = int(win.value)
    co = _co_posts(cluster, channel, time, w)
    grouped = co.groupby(["a", "b"], sort=True)
    observed = pd.DataFrame({"weight": grouped.size(), "first": grouped["t"].min(),
                             "last": grouped["t"].max(), "median_gap": grouped["gap"].median()})
    rng = np.random.default_rng(random_state)
    order = np.argsort(channel, kind="stable")
    bounds = np.flatnonzero(np.r_[True, channel[order][1:] != channel[order][:-1], True])
    control_rows, exceed, total = [], pd.Series(0, index=observed.index, dtype=np.int64), \
        pd.Series(0.0, index=observed.index)
    for k in progress_steps(range(n_shuffles), desc="coordination shuffles"):
        shuffled = time.copy()
        perm = order.copy()
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            perm[lo:hi] = rng.permutation(order[lo:hi])
        shuffled[order] = time[perm]
        sco = _co_posts(cluster, channel, shuffled, w)
        weights = sco.groupby(["a", "b"]).size()
        control_rows.append({"shuffle": k, "edges": int((weights >= min_count).sum()),
                             "max_weight": int(weights.max()) if len(weights) else 0})
        aligned = weights.reindex(observed.index, fill_value=0)
        exceed += (aligned >= observed["weight"]).astype(np.int64)
        total += aligned
    observed["control_mean"] = total / n_shuffles if n_shuffles else np.nan
    observed["p_value"] = (exceed + 1) / (n_shuffles + 1) if n_shuffles else np.nan
    edges = observed[observed["weight"] >= min_count].reset_index()
    to_time = lambda v: pd.to_datetime(v.astype("int64"), utc=True)  # noqa: E731
    edges = pd.DataFrame({
        "source": pd.Series(names[edges["a"].to_numpy(dtype=np.int64)], dtype=object),
        "target": pd.Series(names[edges["b"].to_numpy(dtype=np.int64)], dtype=object),
        "weight": edges["weight"].to_numpy(dtype=np.int64),
        "first": to_time(edges["first"].to_numpy()),
        "last": to_time(edges["last"].to_numpy()),
        "median_gap": pd.to_timedelta(edges["median_gap"].to_numpy(dtype="float64"), unit="ns"),
        "control_mean": edges["control_mean"].to_numpy(dtype="float64"),
        "p_value": edges["p_value"].to_numpy(dtype="float64"),
    })
    edges = edges.sort_values(["weight", "source", "target"], ascending=[False, True, True],
                              ignore_index=True)
    control = pd.DataFrame(control_rows, columns=["shuffle", "edges", "max_weight"]).astype(
        "int64")
    return Coordination(edges, control)


def cascade(clusters: pd.DataFrame, cluster_id: int, *, messages: pd.DataFrame | None = None
            ) -> pd.DataFrame:
    """The ordered spread of one cluster, for display: one row per member in time order.

    Returns
    -------
    DataFrame
        ``step`` (0 for the origin), ``channel_id``, ``message_id``, ``date``, ``lag``,
        ``via``, ``similarity``, ``is_origin``, ``new_channel`` (False when the channel had
        already posted the content), the label columns the clusters carry (``channel``,
        ``group``, ``lang``), and ``text`` when ``messages`` is given (as stored: escape it
        before showing it as HTML).

    Examples
    --------
    >>> import pandas as pd
    >>> cl = pd.DataFrame({"cluster_id": [4, 4], "channel_id": ["a", "b"], "message_id": [1, 2],
    ...     "date": pd.to_datetime(["2016-01-01 10:00", "2016-01-01 10:05"], utc=True),
    ...     "is_origin": [True, False], "lag": pd.to_timedelta(["0h", "5min"]),
    ...     "via": ["text", "text"], "similarity": [1.0, 0.8]})
    >>> cascade(cl, 4)[["step", "channel_id", "lag"]].values.tolist()
    [[0, 'a', Timedelta('0 days 00:00:00')], [1, 'b', Timedelta('0 days 00:05:00')]]
    """
    _need(clusters, "message_id")
    members = clusters[clusters["cluster_id"] == cluster_id]
    if members.empty:
        raise ParameterError(f"cluster_id={cluster_id!r}: no such cluster")
    members = members.sort_values(["is_origin", "date", "channel_id", "message_id"],
                                  ascending=[False, True, True, True], kind="stable")
    out = members.reset_index(drop=True)
    out.insert(0, "step", np.arange(len(out)))
    out["new_channel"] = ~out["channel_id"].duplicated()
    if messages is not None:
        key = pd.MultiIndex.from_arrays([messages["channel_id"].astype(str),
                                         messages["message_id"].astype("int64")])
        where = key.get_indexer(pd.MultiIndex.from_arrays([out["channel_id"].astype(str),
                                                           out["message_id"].astype("int64")]))
        text = messages["text"].reset_index(drop=True)
        out["text"] = pd.Series([text.iloc[i] if i >= 0 else pd.NA for i in where],
                                dtype=text.dtype if len(text) else object)
    return out.drop(columns=["cluster_id"])


def _pair_set(groups) -> set:
    out: set = set()
    for group in groups:
        members = sorted(group)
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                out.add((a, b))
    return out


def compare_clusters(clusters: pd.DataFrame, truth: dict) -> pd.DataFrame:
    """Pairwise precision and recall of found clusters against planted ones.

    A pair is two messages in one cluster. Recall per planted ``via`` is the share of its
    planted pairs found in one cluster; precision counts *all* found pairs (also those
    touching messages outside the planted clusters), so it is the stricter reading.

    Parameters
    ----------
    clusters : DataFrame
        The output of :func:`find_crossposts`.
    truth : dict
        With ``crosspost_clusters`` (``{"via", "members": [[channel_id, message_id], ...]}``)
        and optionally ``hard_negatives`` (pairs that must not share a cluster), as in the
        fixture world's ``truth.json``.

    Returns
    -------
    DataFrame
        One row per planted ``via`` and a last row ``all``: ``via``, ``planted_pairs``,
        ``found_pairs`` (for ``all`` only), ``recall``, ``precision`` (for ``all`` only),
        ``hard_negatives_merged`` (for ``all`` only).

    Examples
    --------
    >>> import pandas as pd
    >>> cl = pd.DataFrame({"cluster_id": [0, 0, 0], "channel_id": ["a", "b", "c"],
    ...                    "message_id": [1, 2, 3]})
    >>> truth = {"crosspost_clusters": [{"via": "text", "members": [["a", 1], ["b", 2]]}]}
    >>> compare_clusters(cl, truth)[["via", "recall", "precision"]].values.tolist()
    [['text', 1.0, nan], ['all', 1.0, 0.3333333333333333]]
    """
    groups = [list(zip(g["channel_id"].astype(str), g["message_id"].astype(int)))
              for _, g in clusters.groupby("cluster_id", sort=True)]
    found = _pair_set(groups)
    label = {m: i for i, g in enumerate(groups) for m in g}
    rows, planted_all = [], set()
    by_via: dict[str, list] = {}
    for c in truth["crosspost_clusters"]:
        by_via.setdefault(c["via"], []).append([tuple(m) for m in c["members"]])
    for via in sorted(by_via):
        planted = _pair_set(by_via[via])
        planted_all |= planted
        rows.append({"via": via, "planted_pairs": len(planted), "found_pairs": np.nan,
                     "recall": len(planted & found) / len(planted) if planted else np.nan,
                     "precision": np.nan, "hard_negatives_merged": np.nan})
    merged = sum(1 for a, b in truth.get("hard_negatives", [])
                 if tuple(a) in label and label[tuple(a)] == label.get(tuple(b)))
    tp = len(planted_all & found)
    rows.append({"via": "all", "planted_pairs": len(planted_all), "found_pairs": len(found),
                 "recall": tp / len(planted_all) if planted_all else np.nan,
                 "precision": tp / len(found) if found else np.nan,
                 "hard_negatives_merged": merged})
    return pd.DataFrame(rows)
