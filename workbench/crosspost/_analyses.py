"""What the clusters say: flows between groups, who leads, who posts in concert, and the spread
of one cluster. Every function reads the output of :func:`find_crossposts`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ParameterError

__all__ = ["cluster_summary", "crosspost_flows", "lead_lag", "cascade", "label_clusters",
           "compare_clusters"]

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
        fixture world's ``truth.json``; without planted clusters (``{}``: a corpus that is
        not the fixtures, :func:`workbench.io.fixture_truth`) the result has no rows.

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
    if not truth.get("crosspost_clusters"):
        return pd.DataFrame(columns=["via", "planted_pairs", "found_pairs", "recall",
                                     "precision", "hard_negatives_merged"])
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
