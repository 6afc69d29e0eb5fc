"""Coordinated posting: channels that repeatedly post the same content (or link, or hashtag)
within a short time of each other, tested against a null that keeps what innocent sharing
keeps, with the evidence behind every edge.

Why the null is a time jitter
-----------------------------
Channels meet in a cluster for innocent reasons: they follow the same hub, forward the same
post within minutes (a forward cascade), or share a popular link in the days it circulates.
Permuting a channel's dates across the whole year destroys all of that, so every pair that
shares popular content looks coordinated. The control here moves every post by its own
uniform random offset in ``[-jitter, +jitter]`` (12 co-posting windows by default: an hour
for the default 5-minute window): each channel keeps its rhythm and each cluster its timing at
the scale of hours to days (an organic spread over hours survives the jitter), but alignment
within the window (posting within seconds or minutes of each other, again and again) is what
the control cannot reproduce. The window must be short for this to mean anything: with a
one-hour window, channels that copy the same hub within a few hours co-post by construction.
Forward cascades are alignment too, but they are declared (a forward names its source): they
are left out by default (``exclude_forwards``) and analysed as flows instead.

The expected co-post count of a pair under the jitter is analytic: for each cluster both
channels posted in, the probability that two posts ``g`` apart end up within ``window`` after
both are jittered (the difference of two uniform offsets is triangular), summed over clusters.
The p-value is the Poisson tail at the observed count, Benjamini-Hochberg q-values correct for
testing every pair, and ``significant`` is ``q_value <= alpha`` (0.05) with at least
``min_count`` co-posts. Shuffles (the same jitter, drawn ``n_shuffles`` times) give the
``control`` table for comparison.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.stats import poisson

from ..errors import ParameterError
from ..progress import progress_steps

__all__ = ["Coordination", "coordination_edges", "coordination_evidence", "feature_clusters"]

#: Default co-posting window: posting the same content within minutes (CooRTweet uses 10 s to
#: a minute, QUT's toolkit a minute); copies hours apart are organic spread.
WINDOW = "5min"
#: The control's jitter, in windows (see the module docstring): alignment within ``window``
#: is tested against structure at ``JITTER_WINDOWS`` times that scale and above.
JITTER_WINDOWS = 12
#: Default false-discovery rate of the ``significant`` flag.
ALPHA = 0.05
_HASHTAG = re.compile(r"(?<![\w#])#(\w{2,})")


class Coordination(NamedTuple):
    """The result of :func:`coordination_edges`: ``edges`` and the chance ``control``."""

    edges: pd.DataFrame
    control: pd.DataFrame


def _co_posts(cluster: np.ndarray, channel: np.ndarray, time: np.ndarray, window: int
              ) -> pd.DataFrame:
    """Distinct (channel a, channel b, cluster) co-posts: both channels posted a member of the
    cluster within ``window`` of each other (a < b); per triple the closest two posts: ``ra``
    and ``rb`` their rows, ``gap`` (b's time minus a's) and ``t`` (the later time)."""
    order = np.lexsort((channel, time, cluster))
    c, ch, t = cluster[order], channel[order], time[order]
    out = {k: [] for k in ("a", "b", "c", "t", "gap", "ra", "rb")}
    n = len(c)
    d = 1
    while d < n:
        same = (c[d:] == c[:-d]) & (t[d:] - t[:-d] <= window)
        if not same.any():
            break
        i = np.flatnonzero(same)
        i = i[ch[i] != ch[i + d]]
        swap = ch[i] > ch[i + d]
        first, second = np.where(swap, i + d, i), np.where(swap, i, i + d)
        out["a"].append(ch[first])
        out["b"].append(ch[second])
        out["c"].append(c[i])
        out["t"].append(t[i + d])
        out["gap"].append(t[second] - t[first])
        out["ra"].append(order[first])
        out["rb"].append(order[second])
        d += 1
    if not out["a"]:
        return pd.DataFrame({k: np.zeros(0, np.int64) for k in out})
    co = pd.DataFrame({k: np.concatenate(v) for k, v in out.items()})
    co["abs"] = co["gap"].abs()
    return (co.sort_values(["a", "b", "c", "abs", "ra", "rb"], kind="stable")
            .drop_duplicates(["a", "b", "c"]).drop(columns="abs").reset_index(drop=True))


def _triangular_cdf(x: np.ndarray, d: float) -> np.ndarray:
    """CDF of ``U1 - U2`` for independent uniform ``U`` on ``[-d, d]``."""
    x = np.clip(x, -2 * d, 2 * d)
    return np.where(x <= 0, (x + 2 * d) ** 2 / (8 * d * d), 1 - (2 * d - x) ** 2 / (8 * d * d))


def _expected(co_wide: pd.DataFrame, window: int, jitter: int) -> pd.Series:
    """Expected co-posts of each pair under the jitter null (sum over shared clusters)."""
    if jitter <= 0:
        p = (co_wide["gap"].abs() <= window).astype(float)
    else:
        g = co_wide["gap"].to_numpy(dtype=np.float64)
        p = _triangular_cdf(window - g, jitter) - _triangular_cdf(-window - g, jitter)
    return pd.Series(np.asarray(p, dtype=float), index=co_wide.index).groupby(
        [co_wide["a"], co_wide["b"]]).sum()


def _bh(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values."""
    m = len(p)
    if m == 0:
        return p.astype(float)
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(q, 1.0)
    return out


def _duration(value, name: str) -> int:
    try:
        out = pd.Timedelta(value)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"{name}={value!r}: expected a duration such as '1h'") from exc
    if out < pd.Timedelta(0):
        raise ParameterError(f"{name}={value!r}: expected a non-negative duration")
    return int(out.value)


def coordination_edges(clusters: pd.DataFrame, *, window: str | pd.Timedelta = WINDOW,
                       min_count: int = 2, n_shuffles: int = 20, random_state: int = 0,
                       jitter: str | pd.Timedelta | None = None, exclude_forwards: bool = True,
                       alpha: float = ALPHA) -> Coordination:
    """Channels that repeatedly post the same content within a short time of each other
    (co-posting, as in CooRTweet and QUT's toolkit), tested against a time-jitter null with a
    false-discovery-rate correction, with the evidence of every edge.

    Two channels co-post a cluster when each posted one of its members within ``window`` of
    the other's. Every pair that co-posted at least once is tested; pairs with at least
    ``min_count`` co-posted clusters are returned. See :mod:`workbench.crosspost._coordination`
    for the null: posts moved by independent uniform offsets of up to ``jitter`` keep each
    channel's rhythm and each cluster's spread over hours and days; repeated alignment within
    ``window`` beyond that is what ``significant`` flags.

    Parameters
    ----------
    clusters : DataFrame
        The output of :func:`find_crossposts`, or of :func:`feature_clusters` (co-link,
        co-hashtag).
    window : duration, default "5min"
    min_count : int, default 2
    n_shuffles : int, default 20
        Jittered replicates for the ``control`` table (the p-values are analytic).
    random_state : int, default 0
    jitter : duration, optional
        Scale of the null's offsets; default 12 windows (an hour for the default window).
        "0s" tests nothing (every p-value 1 or 0).
    exclude_forwards : bool, default True
        Leave out members that joined their cluster as forwards (``via == "forward"``):
        forwarding is declared, and a hub's forward cascade is not covert coordination.
    alpha : float, default 0.05
        False-discovery rate of ``significant``.

    Returns
    -------
    Coordination
        ``edges``: ``source``, ``target`` (channel ids, ``source < target``; undirected, for
        :func:`workbench.network.edges_to_graph`), ``weight`` (clusters co-posted), ``first``
        and ``last`` co-post time, ``median_gap``, ``control_mean`` (expected weight under the
        null), ``p_value`` (Poisson tail), ``q_value`` (Benjamini-Hochberg over every pair
        that co-posted), ``significant`` (``q_value <= alpha``), and the evidence:
        ``cluster_ids``, ``source_messages``, ``target_messages`` (lists, aligned: per
        cluster, the message id of each side's closest posts); sorted by weight (descending)
        then ids. :func:`coordination_evidence` puts one edge's messages side by side.

        ``control``: per jittered replicate, ``shuffle``, ``edges`` (pairs reaching
        ``min_count``), ``max_weight``.

    Examples
    --------
    >>> import pandas as pd
    >>> times = ["2016-01-01 10:00", "2016-01-01 10:05", "2016-01-02 12:00", "2016-01-02 12:10",
    ...          "2016-01-03 08:00", "2016-01-03 15:00"]
    >>> cl = pd.DataFrame({"cluster_id": [0, 0, 1, 1, 2, 2],
    ...     "channel_id": ["a", "b", "a", "b", "a", "c"], "message_id": [1, 2, 3, 4, 5, 6],
    ...     "date": pd.to_datetime(times, utc=True), "is_origin": [True, False] * 3,
    ...     "lag": pd.to_timedelta(["0h", "5min", "0h", "10min", "0h", "7h"])})
    >>> edges, control = coordination_edges(cl, window="1h", n_shuffles=10)
    >>> edges[["source", "target", "weight", "cluster_ids", "target_messages"]].values.tolist()
    [['a', 'b', 2, [0, 1], [2, 4]]]
    >>> len(control)
    10
    """
    from ._analyses import _need

    _need(clusters)
    w = _duration(window, "window")
    jit = w * JITTER_WINDOWS if jitter is None else _duration(jitter, "jitter")
    if not (isinstance(min_count, (int, np.integer)) and min_count >= 1):
        raise ParameterError(f"min_count={min_count!r}: expected a positive integer")
    if not (isinstance(n_shuffles, (int, np.integer)) and n_shuffles >= 0):
        raise ParameterError(f"n_shuffles={n_shuffles!r}: expected a non-negative integer")
    if not (isinstance(alpha, (int, float)) and 0 < alpha < 1):
        raise ParameterError(f"alpha={alpha!r}: expected a number in (0, 1)")
    data = clusters
    if exclude_forwards and "via" in data.columns:
        data = data[data["via"].astype(str) != "forward"]
    data = data.reset_index(drop=True)
    names, channel = np.unique(data["channel_id"].astype(str).to_numpy(), return_inverse=True)
    cluster = data["cluster_id"].to_numpy(dtype=np.int64)
    time = (pd.to_datetime(data["date"], utc=True).dt.tz_localize(None)
            .to_numpy(dtype="datetime64[ns]").view("int64"))
    message = (data["message_id"].to_numpy(dtype=np.int64) if "message_id" in data.columns
               else np.arange(len(data), dtype=np.int64))
    co = _co_posts(cluster, channel, time, w)
    # Clusters the pair shares close enough for the jitter to bring them within the window.
    wide = _co_posts(cluster, channel, time, w + 2 * jit) if jit else co
    expected = _expected(wide, w, jit)
    grouped = co.groupby(["a", "b"], sort=True)
    observed = pd.DataFrame({"weight": grouped.size(), "first": grouped["t"].min(),
                             "last": grouped["t"].max(),
                             "median_gap": grouped["gap"].agg(lambda g: np.median(np.abs(g)))})
    mu = expected.reindex(observed.index, fill_value=0.0).to_numpy()
    k = observed["weight"].to_numpy()
    with np.errstate(divide="ignore"):
        p = np.where(mu > 0, poisson.sf(k - 1, np.maximum(mu, 1e-300)), 0.0)
    observed["control_mean"] = mu
    observed["p_value"] = np.clip(p, 0.0, 1.0)
    observed["q_value"] = _bh(observed["p_value"].to_numpy())

    rng = np.random.default_rng(random_state)
    control_rows = []
    for s in progress_steps(range(n_shuffles), desc="coordination shuffles"):
        moved = time + (rng.uniform(-jit, jit, len(time)).astype(np.int64) if jit else 0)
        weights = _co_posts(cluster, channel, moved, w).groupby(["a", "b"]).size()
        control_rows.append({"shuffle": s, "edges": int((weights >= min_count).sum()),
                             "max_weight": int(weights.max()) if len(weights) else 0})

    edges = observed[observed["weight"] >= min_count].reset_index()
    evidence = (co.assign(sm=message[co["ra"].to_numpy(dtype=np.int64)],
                          tm=message[co["rb"].to_numpy(dtype=np.int64)])
                .sort_values(["a", "b", "t", "c"]).groupby(["a", "b"], sort=True)
                .agg(cluster_ids=("c", list), source_messages=("sm", list),
                     target_messages=("tm", list)))
    evidence = evidence.reindex(pd.MultiIndex.from_arrays([edges["a"], edges["b"]]))
    to_time = lambda v: pd.to_datetime(v.astype("int64"), utc=True)  # noqa: E731
    out = pd.DataFrame({
        "source": pd.Series(names[edges["a"].to_numpy(dtype=np.int64)], dtype=object),
        "target": pd.Series(names[edges["b"].to_numpy(dtype=np.int64)], dtype=object),
        "weight": edges["weight"].to_numpy(dtype=np.int64),
        "first": to_time(edges["first"].to_numpy()),
        "last": to_time(edges["last"].to_numpy()),
        "median_gap": pd.to_timedelta(edges["median_gap"].to_numpy(dtype="float64"), unit="ns"),
        "control_mean": edges["control_mean"].to_numpy(dtype="float64"),
        "p_value": edges["p_value"].to_numpy(dtype="float64"),
        "q_value": edges["q_value"].to_numpy(dtype="float64"),
        "significant": edges["q_value"].to_numpy(dtype="float64") <= alpha,
        "cluster_ids": [[int(x) for x in v] for v in evidence["cluster_ids"]],
        "source_messages": [[int(x) for x in v] for v in evidence["source_messages"]],
        "target_messages": [[int(x) for x in v] for v in evidence["target_messages"]],
    })
    out = out.sort_values(["weight", "source", "target"], ascending=[False, True, True],
                          ignore_index=True)
    control = pd.DataFrame(control_rows, columns=["shuffle", "edges", "max_weight"]).astype(
        "int64")
    return Coordination(out, control)


def coordination_evidence(edges: pd.DataFrame, clusters: pd.DataFrame, source: str | None = None,
                          target: str | None = None, *, messages: pd.DataFrame | None = None
                          ) -> pd.DataFrame:
    """The messages behind one coordination edge, side by side: what an analyst puts in a
    report.

    Parameters
    ----------
    edges : DataFrame
        ``coordination_edges(...).edges``.
    clusters : DataFrame
        The clusters the edges were computed from.
    source, target : str, optional
        The two channel ids, in either order (the result's ``source`` side is ``source``);
        neither: the first edge of ``edges`` (the strongest), or no rows when there is none.
    messages : DataFrame, optional
        Canonical messages: adds ``source_text`` and ``target_text`` (as stored: escape them
        before showing them as HTML, e.g. with :func:`workbench.text.escape`).

    Returns
    -------
    DataFrame
        One row per co-posted cluster, in time order: ``cluster_id``, ``source_message_id``,
        ``source_date``, ``target_message_id``, ``target_date``, ``gap`` (target minus source),
        then the texts when ``messages`` is given.

    Examples
    --------
    >>> import pandas as pd
    >>> cl = pd.DataFrame({"cluster_id": [0, 0, 1, 1], "channel_id": ["a", "b", "b", "a"],
    ...     "message_id": [1, 2, 3, 4], "date": pd.to_datetime(["2016-01-01 10:00",
    ...     "2016-01-01 10:01", "2016-01-05 09:00", "2016-01-05 09:02"], utc=True),
    ...     "is_origin": [True, False, True, False], "lag": pd.to_timedelta(["0s", "1min"] * 2)})
    >>> edges = coordination_edges(cl, n_shuffles=0).edges
    >>> coordination_evidence(edges, cl, "a", "b")[["cluster_id", "source_message_id",
    ...                                              "target_message_id", "gap"]].values.tolist()
    [[0, 1, 2, Timedelta('0 days 00:01:00')], [1, 4, 3, Timedelta('-1 days +23:58:00')]]
    >>> len(coordination_evidence(edges, cl)), len(coordination_evidence(edges.iloc[:0], cl))
    (2, 0)
    """
    need = {"source", "target", "cluster_ids", "source_messages", "target_messages"}
    if not need <= set(edges.columns):
        raise ParameterError(f"edges: missing column(s) {sorted(need - set(edges.columns))}; "
                             "expected coordination_edges(...).edges")
    if (source is None) != (target is None):
        raise ParameterError("give both source and target, or neither (the strongest edge)")
    if source is None and edges.empty:
        source = target = ""
        left, right, cluster_ids = [], [], []
    else:
        if source is None:
            source, target = edges.iloc[0]["source"], edges.iloc[0]["target"]
        a, b = sorted([str(source), str(target)])
        row = edges[(edges["source"].astype(str) == a) & (edges["target"].astype(str) == b)]
        if row.empty:
            raise ParameterError(f"no coordination edge between {source!r} and {target!r}")
        row = row.iloc[0]
        left, right = list(row["source_messages"]), list(row["target_messages"])
        cluster_ids = row["cluster_ids"]
        if str(source) != a:
            left, right = right, left
    # One message may sit in several clusters (a post with two links in feature_clusters):
    # its date is the same in each, so one row per message is enough to look it up.
    once = clusters.drop_duplicates(["channel_id", "message_id"])
    key = pd.MultiIndex.from_arrays([once["channel_id"].astype(str),
                                     once["message_id"].astype("int64")])
    dates = pd.Series(pd.to_datetime(once["date"], utc=True).to_numpy(), index=key)
    src_dates = dates.reindex(pd.MultiIndex.from_arrays([[str(source)] * len(left), left]))
    tgt_dates = dates.reindex(pd.MultiIndex.from_arrays([[str(target)] * len(right), right]))
    out = pd.DataFrame({
        "cluster_id": np.asarray(cluster_ids, dtype=np.int64),
        "source_message_id": np.asarray(left, dtype=np.int64),
        "source_date": pd.to_datetime(src_dates.to_numpy(), utc=True),
        "target_message_id": np.asarray(right, dtype=np.int64),
        "target_date": pd.to_datetime(tgt_dates.to_numpy(), utc=True),
    })
    out["gap"] = out["target_date"] - out["source_date"]
    if messages is not None:
        mkey = pd.MultiIndex.from_arrays([messages["channel_id"].astype(str),
                                          messages["message_id"].astype("int64")])
        text = pd.Series(messages["text"].to_numpy(dtype=object), index=mkey)
        text = text[~text.index.duplicated()]
        for side, ids, ch in (("source", left, source), ("target", right, target)):
            idx = pd.MultiIndex.from_arrays([[str(ch)] * len(ids), ids])
            out[f"{side}_text"] = text.reindex(idx).to_numpy(dtype=object)
    return out.sort_values(["source_date", "cluster_id"], ignore_index=True)


def feature_clusters(messages, *, feature: str = "link", max_posts: int = 2_000
                     ) -> pd.DataFrame:
    """Clusters of messages sharing one link or one hashtag, shaped like the output of
    :func:`find_crossposts`, for co-link and co-hashtag coordination
    (``coordination_edges(feature_clusters(messages, feature="link"))``).

    Links are content links (:func:`link_kind` ``"content"``: a post, an article), normalised
    (:func:`normalise_url`), from the ``links`` column and from URLs in the text; links to a
    channel itself (a footer's ``t.me/<handle>``) are not content. Hashtags are case-folded.
    Features posted more than ``max_posts`` times (a channel's own tag, a giant hub) are left
    out: they say nothing about a pair.

    Returns
    -------
    DataFrame
        ``cluster_id``, ``channel_id``, ``message_id``, ``date``, ``is_origin``, ``lag``,
        ``via`` (the ``feature`` kind), ``feature`` (the link or hashtag), sorted by
        cluster then date. Only features posted by two or more channels.

    Examples
    --------
    >>> import pandas as pd
    >>> msgs = pd.DataFrame({"channel_id": ["a", "b"], "message_id": [1, 2],
    ...     "date": pd.to_datetime(["2020-01-01 10:00", "2020-01-01 10:01"], utc=True),
    ...     "text": ["#Vote now", "vote #vote"]})
    >>> feature_clusters(msgs, feature="hashtag")[["cluster_id", "channel_id", "feature"]
    ...                                           ].values.tolist()
    [[0, 'a', 'vote'], [0, 'b', 'vote']]
    """
    from ._clusters import _links_per_message
    from ._normalise import link_kind

    if not isinstance(messages, pd.DataFrame) and hasattr(messages, "messages"):
        messages = messages.messages
    if feature not in ("link", "hashtag"):
        raise ParameterError(f"feature={feature!r}: expected 'link' or 'hashtag'")
    msgs = messages.reset_index(drop=True)
    if feature == "link":
        docs, keys = _links_per_message(msgs)
        content = np.array([link_kind(k) == "content" for k in keys], dtype=bool)
        docs, keys = docs[content], keys[content]
    else:
        text = msgs["text"].to_numpy(dtype=object, na_value=None) if "text" in msgs.columns \
            else np.full(len(msgs), None, dtype=object)
        found = [(i, tag.casefold()) for i, t in enumerate(text) if isinstance(t, str)
                 for tag in _HASHTAG.findall(t)]
        docs = np.asarray([i for i, _ in found], dtype=np.int64)
        keys = np.asarray([k for _, k in found], dtype=object)
    frame = pd.DataFrame({"doc": docs, "feature": keys.astype(str) if len(keys) else keys})
    frame = frame.drop_duplicates()
    frame["channel_id"] = msgs["channel_id"].astype(str).to_numpy()[frame["doc"].to_numpy()]
    per = frame.groupby("feature")["channel_id"].agg(["size", "nunique"])
    keep = per.index[(per["nunique"] >= 2) & (per["size"] <= max_posts)]
    frame = frame[frame["feature"].isin(keep)]
    frame["date"] = pd.to_datetime(msgs["date"], utc=True).to_numpy()[frame["doc"].to_numpy()]
    frame["message_id"] = msgs["message_id"].to_numpy(dtype=np.int64)[frame["doc"].to_numpy()]
    first = frame.groupby("feature")["date"].transform("min")
    frame = frame.assign(first=first).sort_values(["first", "feature", "date", "channel_id",
                                                   "message_id"], ignore_index=True)
    frame["cluster_id"] = pd.factorize(frame["feature"])[0].astype(np.int64)
    frame["is_origin"] = ~frame["cluster_id"].duplicated()
    frame["lag"] = frame["date"] - frame["first"]
    frame["via"] = feature
    frame["date"] = pd.to_datetime(frame["date"], utc=True)
    return frame[["cluster_id", "channel_id", "message_id", "date", "is_origin", "lag", "via",
                  "feature"]]
