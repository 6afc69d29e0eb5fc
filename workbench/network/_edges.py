"""Edge lists from messages: forwards, mentions and co-citation, and the unresolved channels
worth collecting next.

Every function here takes canonical messages and returns a tidy edge table with a RangeIndex.
Direction follows the flow of content: a forward edge runs from the channel forwarded **from**
(``source``) to the channel that forwarded (``target``); a mention edge runs from the channel
that mentions (``source``) to the channel it mentions (``target``).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..backends import dispatchable
from ..docstrings import shared
from ..errors import ParameterError
from ..ids import normalise_name
from ..links import handle_key, normalise_handle, parse_mention, parse_telegram_link
from ..schema import CHANNEL_ID, DATE, FWD_CHANNEL_ID, FWD_NAME, STRING, UTC_TIME

__all__ = [
    "forward_edges",
    "mention_edges",
    "cocitation_edges",
    "collection_candidates",
    "parse_telegram_link",
    "handle_key",
    "build_edges",
    # kernels the backends share (see workbench.backends)
    "edge_table",
    "forward_rows",
    "handle_map",
    "mention_rows",
    "mention_target",
    "mention_targets",
    "mention_values",
]

EDGE_KINDS = ("forward", "mention", "cocitation", "reply")


def _require(messages: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in messages.columns]
    if missing:
        raise ParameterError(
            f"{what}: messages lack column(s) {missing}; pass canonical messages "
            f"(corpus.messages)"
        )


def _platform_of(messages: pd.DataFrame) -> np.ndarray:
    if "platform" in messages.columns:
        return messages["platform"].astype(object).fillna("telegram").to_numpy()
    return np.full(len(messages), "telegram", dtype=object)


def _name_keys(names: pd.Series, platforms: np.ndarray) -> np.ndarray:
    """``<platform>:name:<normalised>`` for each name, normalising each distinct name once."""
    frame = pd.DataFrame({"p": platforms, "n": names.astype(object).to_numpy()})
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(frame))
    keys = np.array([f"{p}:name:{normalise_name(str(n))}" for p, n in uniques], dtype=object)
    return keys[codes]


def _utc_naive(dates: pd.Series) -> np.ndarray:
    """UTC instants as a ``datetime64[ns]`` array (tz-aware ``to_numpy`` gives slow objects)."""
    if isinstance(dates.dtype, pd.DatetimeTZDtype):
        dates = dates.dt.tz_convert("UTC").dt.tz_localize(None)
    return dates.to_numpy().astype("datetime64[ns]")


def forward_rows(messages: pd.DataFrame) -> pd.DataFrame:
    """One row per forwarded message: who forwarded it from whom.

    The kernel of :func:`forward_edges`, shared with the backends (which pass it chunks of
    messages).

    Parameters
    ----------
    messages : DataFrame
        Messages with ``channel_id``, ``date``, ``fwd_from_channel_id`` and ``fwd_from_name``
        (``platform`` and ``fwd_from_date`` when present).

    Returns
    -------
    DataFrame
        ``row`` (position in ``messages``), ``source`` (``fwd_from_channel_id``, else
        ``<platform>:name:<normalised name>``), ``target``, ``resolved`` (source known by id),
        ``date`` (UTC, naive ``datetime64[ns]``), ``delay`` (from ``fwd_from_date``, when
        that column is there) and ``name`` (``fwd_from_name``).
    """
    _require(messages, [CHANNEL_ID, DATE, FWD_CHANNEL_ID, FWD_NAME], "forward_edges")
    fwd_id = messages[FWD_CHANNEL_ID]
    fwd_name = messages[FWD_NAME]
    is_fwd = (fwd_id.notna() | fwd_name.notna()).to_numpy()
    sub = messages.loc[is_fwd]
    resolved = sub[FWD_CHANNEL_ID].notna().to_numpy()
    source = sub[FWD_CHANNEL_ID].astype(object).to_numpy().copy()
    if (~resolved).any():
        source[~resolved] = _name_keys(sub.loc[~resolved, FWD_NAME], _platform_of(sub)[~resolved])
    rows = pd.DataFrame({
        "row": np.flatnonzero(is_fwd),
        "source": source,
        "target": sub[CHANNEL_ID].astype(object).to_numpy(),
        "resolved": resolved,
        "date": _utc_naive(sub[DATE]),
    })
    if "fwd_from_date" in sub.columns:
        rows["delay"] = rows["date"].to_numpy() - _utc_naive(sub["fwd_from_date"])
    if FWD_NAME in sub.columns:
        rows["name"] = sub[FWD_NAME].astype(object).to_numpy()
    return rows


def _pairs(rows: pd.DataFrame, *, delay: bool) -> pd.DataFrame:
    """Group edge rows by (source, target): weight, first, last[, median_delay], resolved."""
    if rows.empty:
        return rows.iloc[:0]
    src_codes, src_uniques = pd.factorize(rows["source"].to_numpy(), sort=True)
    tgt_codes, tgt_uniques = pd.factorize(rows["target"].to_numpy(), sort=True)
    # One int64 key per pair: grouping on it is several times faster than on two strings.
    key = src_codes.astype(np.int64) * max(len(tgt_uniques), 1) + tgt_codes
    frame = pd.DataFrame({"key": key, "date": rows["date"].to_numpy(),
                          "resolved": rows["resolved"].to_numpy()})
    if delay:
        frame["delay"] = pd.to_timedelta(rows["delay"].to_numpy())
    grouped = frame.groupby("key", sort=True)
    agg = {"weight": ("date", "size"), "first": ("date", "min"), "last": ("date", "max"),
           "resolved": ("resolved", "max")}
    if delay:
        agg["median_delay"] = ("delay", "median")
    out = grouped.agg(**agg)
    keys = out.index.to_numpy()
    n_tgt = max(len(tgt_uniques), 1)
    return out.reset_index(drop=True).assign(source=src_uniques[keys // n_tgt],
                                             target=tgt_uniques[keys % n_tgt])


def edge_table(pairs: pd.DataFrame, *, kind: str, min_weight: float = 1,
               delay: bool = False) -> pd.DataFrame:
    """The edge table :func:`forward_edges` and :func:`mention_edges` return, from one row of
    aggregates per (source, target) pair; every backend finishes its edges here.

    Parameters
    ----------
    pairs : DataFrame
        ``source``, ``target``, ``weight`` (messages), ``first`` and ``last`` (UTC instants:
        naive ``datetime64`` or int64 nanoseconds since the epoch), ``resolved`` and, with
        ``delay``, ``median_delay`` (``timedelta64``, or nanoseconds with None or NaN for
        none), in any row order.
    kind : str
        ``edges.attrs["kind"]`` (``"forward"``, ``"mention"``).
    min_weight : float, default 1
        Keep pairs with at least this weight.
    delay : bool, default False
        Whether the table has a ``median_delay`` column.

    Returns
    -------
    DataFrame
        ``source``, ``target`` (strings), ``weight`` (int64), ``first``, ``last`` (UTC),
        ``median_delay`` (with ``delay``), ``resolved`` (bool); sorted by weight (heaviest
        first), then source and target; a RangeIndex.

    Examples
    --------
    >>> import pandas as pd
    >>> pairs = pd.DataFrame({"source": ["telegram:1"], "target": ["telegram:2"],
    ...                       "weight": [3], "first": [0], "last": [86_400 * 10**9],
    ...                       "resolved": [True]})
    >>> edge_table(pairs, kind="forward")[["source", "weight", "last"]]
           source  weight                      last
    0  telegram:1       3 1970-01-02 00:00:00+00:00
    """
    if not len(pairs):
        return _tag(_empty_edges(delay), kind)
    edges = pd.DataFrame({
        "source": pd.array(pairs["source"].astype(object).to_numpy(), dtype=STRING),
        "target": pd.array(pairs["target"].astype(object).to_numpy(), dtype=STRING),
        "weight": pairs["weight"].to_numpy().astype(np.int64),
        "first": _utc_instants(pairs["first"]),
        "last": _utc_instants(pairs["last"]),
    })
    if delay:
        edges["median_delay"] = _durations(pairs["median_delay"])
    edges["resolved"] = pairs["resolved"].to_numpy().astype(bool)
    edges = edges[edges["weight"] >= min_weight]
    return _tag(_sorted(edges), kind)


def _utc_instants(values: pd.Series) -> pd.DatetimeIndex:
    values = values.to_numpy()
    if values.dtype.kind in "iu":
        values = values.astype(np.int64).view("M8[ns]")
    return pd.DatetimeIndex(values).tz_localize("UTC").astype(UTC_TIME)


def _durations(values: pd.Series) -> np.ndarray:
    if values.dtype.kind == "m":
        return values.to_numpy()
    nat = np.iinfo(np.int64).min
    ns = np.asarray([nat if v is None or v != v else int(v) for v in values], dtype=np.int64)
    return ns.view("m8[ns]")


def _sorted(edges: pd.DataFrame) -> pd.DataFrame:
    return edges.sort_values(["weight", "source", "target"], ascending=[False, True, True],
                             ignore_index=True, kind="stable")


def _empty_edges(delay: bool) -> pd.DataFrame:
    cols = {"source": pd.array([], dtype=STRING), "target": pd.array([], dtype=STRING),
            "weight": np.array([], dtype=np.int64),
            "first": pd.array([], dtype=UTC_TIME), "last": pd.array([], dtype=UTC_TIME)}
    if delay:
        cols["median_delay"] = pd.to_timedelta(np.array([], dtype="m8[ns]"))
    cols["resolved"] = np.array([], dtype=bool)
    return pd.DataFrame(cols)


def _tag(edges: pd.DataFrame, kind: str) -> pd.DataFrame:
    edges.attrs["kind"] = kind
    return edges


@dispatchable("network.forward_edges")
@shared
def forward_edges(messages: pd.DataFrame, *, min_weight: int = 1) -> pd.DataFrame:
    """Who forwards whom: one row per (source, target) pair, weighted by messages.

    Parameters
    ----------
    {messages}
    min_weight : int, default 1
        Keep pairs with at least this many forwarded messages.

    Returns
    -------
    DataFrame
        ``source`` (the channel forwarded from), ``target`` (the channel that forwarded),
        ``weight`` (forwarded messages), ``first`` and ``last`` (UTC dates of the first and last
        forwarding message), ``median_delay`` (median time from the original post to the
        forward, NaT where the format gives no original date) and ``resolved`` (False when the
        source is known only by its display name and is keyed ``telegram:name:<normalised>``).
        Sorted by weight (heaviest first), then source and target. ``edges.attrs["kind"]`` is
        ``"forward"``. A channel re-forwarding its own posts gives a self-loop (kept).

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench import schema
    >>> msgs = schema.conform(pd.DataFrame({
    ...     "platform": "telegram", "channel_id": ["telegram:2", "telegram:2", "telegram:3"],
    ...     "message_id": [1, 2, 1],
    ...     "date": pd.to_datetime(["2016-10-01", "2016-10-02", "2016-10-03"], utc=True),
    ...     "fwd_from_channel_id": ["telegram:1", "telegram:1", pd.NA],
    ...     "fwd_from_name": ["Amaq", "Amaq", "Nashir  News"]}), "messages")
    >>> forward_edges(msgs)[["source", "target", "weight", "resolved"]]
                       source      target  weight  resolved
    0              telegram:1  telegram:2       2      True
    1  telegram:name:nashir news  telegram:3       1     False
    """
    rows = forward_rows(messages)
    delay = "delay" in rows.columns
    return edge_table(_pairs(rows, delay=delay), kind="forward", min_weight=min_weight,
                      delay=delay)


def handle_map(channels: pd.DataFrame | None) -> dict[str, str]:
    """``{lower-case handle without @: channel_id}`` of the channels that have a handle.

    Examples
    --------
    >>> import pandas as pd
    >>> handle_map(pd.DataFrame({"channel_id": ["telegram:1"], "handle": ["@Alpha_News"]}))
    {'alpha_news': 'telegram:1'}
    """
    if channels is None or "handle" not in channels.columns:
        return {}
    known = channels[channels["handle"].notna()]
    handles = known["handle"].astype(str).map(normalise_handle)
    return dict(zip(handles, known[CHANNEL_ID].astype(str)))


def mention_values(messages: pd.DataFrame) -> pd.DataFrame:
    """Every mention and link of every message, as strings: ``row`` (position in
    ``messages``), ``platform`` and ``value``; all mentions first, then all links."""
    platform = _platform_of(messages)
    parts = []
    for column in ("mentions", "links"):
        if column not in messages.columns:
            continue
        cells = messages[column]
        lengths = cells.map(lambda v: len(v) if isinstance(v, (list, tuple, np.ndarray)) else 0)
        lengths = lengths.to_numpy(dtype=np.int64)
        if not lengths.sum():
            continue
        row = np.repeat(np.arange(len(messages)), lengths)
        values = [str(x) for cell, n in zip(cells, lengths) if n for x in cell]
        parts.append(pd.DataFrame({"row": row, "platform": platform[row], "value": values}))
    if not parts:
        return pd.DataFrame({"row": np.zeros(0, np.int64), "platform": np.zeros(0, object),
                             "value": np.zeros(0, object)})
    return pd.concat(parts, ignore_index=True)


def mention_targets(values, channels: pd.DataFrame | None = None
                    ) -> dict[tuple[str, str], tuple[str, bool]]:
    """What each mention or link names, as :func:`mention_edges` reads them.

    Parameters
    ----------
    values : iterable of (platform, value)
        Distinct mentions and links with the platform of the message carrying them.
    channels : DataFrame, optional
        Channels with ``channel_id`` and ``handle``, to resolve handles.

    Returns
    -------
    dict
        ``{(platform, value): (target, resolved)}`` for the values that name a channel:
        its ``channel_id`` and True, or ``<platform>:handle:<handle>`` and False for a
        handle no channel in ``channels`` has.

    Examples
    --------
    >>> mention_targets([("telegram", "@Beta_News"), ("telegram", "t.me/joinchat/x")])
    {('telegram', '@Beta_News'): ('telegram:handle:beta_news', False)}
    """
    handles = handle_map(channels)
    out = {}
    for platform, value in values:
        target, ok = mention_target(str(value), handles)
        if target is None:
            continue
        if isinstance(target, tuple):  # a handle nobody in the corpus owns
            target = handle_key(target[1], str(platform))
        out[(platform, value)] = (target, ok)
    return out


def mention_rows(messages: pd.DataFrame, channels: pd.DataFrame | None = None, *,
                 targets: dict | None = None, self_mentions: bool = False) -> pd.DataFrame:
    """One row per message and channel it mentions or links to (once however often).

    The kernel of :func:`mention_edges`, shared with the backends (which pass it chunks of
    messages and the ``targets`` of the whole corpus).

    Parameters
    ----------
    messages : DataFrame
        Messages with ``channel_id``, ``date`` and the ``mentions`` and ``links`` lists.
    channels : DataFrame, optional
        Channels with ``handle``, to resolve handles (unused when ``targets`` is given).
    targets : dict, optional
        :func:`mention_targets` of the values (default: of those in ``messages``).
    self_mentions : bool, default False
        Keep a channel's mentions of itself.

    Returns
    -------
    DataFrame
        ``row`` (position in ``messages``), ``source``, ``target``, ``resolved`` and
        ``date`` (UTC, naive ``datetime64[ns]``).
    """
    _require(messages, [CHANNEL_ID, DATE], "mention_edges")
    flat = mention_values(messages)
    if targets is None:
        distinct = flat[["platform", "value"]].drop_duplicates()
        targets = mention_targets(zip(distinct["platform"], distinct["value"]), channels)
    pos = np.full(len(flat), -1, dtype=np.int64)
    if targets and len(flat):
        # Look each value up once: link lists repeat the same few channel links a lot.
        pos = pd.MultiIndex.from_tuples(list(targets)).get_indexer(
            pd.MultiIndex.from_arrays([flat["platform"].to_numpy(), flat["value"].to_numpy()]))
    hit = pos >= 0
    row, pos = flat["row"].to_numpy()[hit], pos[hit]
    found = list(targets.values())
    rows = pd.DataFrame({
        "row": row,
        "source": messages[CHANNEL_ID].astype(object).to_numpy()[row],
        "target": np.asarray([t for t, _ in found] + [None], dtype=object)[pos],
        "resolved": np.asarray([r for _, r in found] + [False], dtype=bool)[pos],
        "date": _utc_naive(messages[DATE])[row],
    })
    # A message counts once per channel it names, however many times it names it.
    rows = rows.drop_duplicates(["row", "target"])
    if not self_mentions:
        rows = rows[rows["source"] != rows["target"]]
    return rows


def mention_target(value: str, handles: dict[str, str]) -> tuple[object, bool]:
    """What a mention or link names, and whether it resolved to a channel of the corpus:
    ``(channel key, True)``; ``(("handle", handle), False)`` for a handle nobody in
    ``handles`` (:func:`handle_map`) owns (keyed by :func:`handle_key` on the mentioning
    message's platform); or ``(None, False)`` when it names no channel.

    Examples
    --------
    >>> mention_target("https://t.me/s/Alpha_News/12", {"alpha_news": "telegram:1"})
    ('telegram:1', True)
    >>> mention_target("@someone_else", {})
    (('handle', 'someone_else'), False)
    """
    hit = parse_mention(value)
    if hit is None:
        return None, False
    if hit[0] == "id":
        return hit[1], True
    if hit[1] in handles:
        return handles[hit[1]], True
    return ("handle", hit[1]), False


@dispatchable("network.mention_edges")
@shared
def mention_edges(messages: pd.DataFrame, *, channels: pd.DataFrame | None = None,
                  min_weight: int = 1, self_mentions: bool = False) -> pd.DataFrame:
    """Who mentions whom: ``@handles`` and ``t.me`` links, resolved to channel ids.

    Parameters
    ----------
    {messages}
        It needs the ``mentions`` and ``links`` list columns.
    {channels}
        Without it only ``t.me/c/<id>`` links resolve.
    min_weight : int, default 1
        Keep pairs with at least this many mentioning messages.
    self_mentions : bool, default False
        Keep a channel's mentions of itself. Channels sign posts with their own handle
        (a footer such as ``@amaq_agency``), so these are excluded by default.

    Returns
    -------
    DataFrame
        ``source`` (the mentioning channel), ``target`` (the channel mentioned), ``weight``
        (messages naming the target at least once), ``first``, ``last`` and ``resolved``
        (False when no channel in ``channels`` has the handle; such targets are keyed
        ``telegram:handle:<handle>``). ``edges.attrs["kind"]`` is ``"mention"``.

    Notes
    -----
    Link forms understood: ``t.me/<h>``, ``t.me/<h>/<msg>``, ``t.me/s/<h>[/<msg>]``,
    ``telegram.me/<h>``, ``telegram.dog/<h>``, ``t.me/c/<id>/<msg>`` (a private link with the
    bare channel id), ``<h>.t.me`` and ``tg://resolve?domain=<h>``, with or without
    ``http(s)://``. Invites (``t.me/joinchat/...``, ``t.me/+...``), ``t.me/share/...`` and
    sticker or proxy links name no channel and are skipped.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench import schema
    >>> msgs = schema.conform(pd.DataFrame({
    ...     "platform": "telegram", "channel_id": ["telegram:1", "telegram:2"],
    ...     "message_id": [1, 1], "date": pd.to_datetime(["2016-10-01"] * 2, utc=True),
    ...     "mentions": [["@beta_news", "@alpha_news"], []],
    ...     "links": [["https://t.me/beta_news/5"], ["t.me/s/alpha_news"]]}), "messages")
    >>> chans = pd.DataFrame({"channel_id": ["telegram:1", "telegram:2"],
    ...                       "handle": ["alpha_news", "beta_news"]})
    >>> mention_edges(msgs, channels=chans)[["source", "target", "weight"]]
           source      target  weight
    0  telegram:1  telegram:2       1
    1  telegram:2  telegram:1       1
    """
    rows = mention_rows(messages, channels, self_mentions=self_mentions)
    return edge_table(_pairs(rows, delay=False), kind="mention", min_weight=min_weight)


@dispatchable("network.cocitation_edges")
def cocitation_edges(messages: pd.DataFrame, *, metric: str = "cosine", min_weight: float = 0.0,
                     min_shared: int = 1) -> pd.DataFrame:
    """Channels linked by forwarding the same sources (a bipartite projection).

    Two amplifiers that never forward each other but draw on the same outlets end up linked:
    the view that groups a supporter swarm.

    Parameters
    ----------
    messages : DataFrame
        Canonical messages.
    metric : {"cosine", "jaccard"}, default "cosine"
        ``"cosine"``: cosine similarity of the two channels' forward-count vectors over
        sources. ``"jaccard"``: shared sources over the union of their sources (unweighted).
    min_weight : float, default 0.0
        Keep pairs whose similarity is at least this.
    min_shared : int, default 1
        Keep pairs that share at least this many sources.

    Returns
    -------
    DataFrame
        Undirected pairs of forwarding channels: ``source`` < ``target`` (by id), ``weight``
        (the similarity, 0 to 1) and ``shared`` (number of sources both forward). Sorted by
        weight. ``edges.attrs["kind"]`` is ``"cocitation"``.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench import schema
    >>> msgs = schema.conform(pd.DataFrame({
    ...     "platform": "telegram", "channel_id": ["telegram:7", "telegram:8", "telegram:8"],
    ...     "message_id": [1, 1, 2], "date": pd.to_datetime(["2016-10-01"] * 3, utc=True),
    ...     "fwd_from_channel_id": ["telegram:1", "telegram:1", "telegram:2"]}), "messages")
    >>> cocitation_edges(msgs, metric="jaccard")
           source      target  weight  shared
    0  telegram:7  telegram:8     0.5       1
    """
    from scipy import sparse

    if metric not in ("cosine", "jaccard"):
        raise ParameterError(f"metric={metric!r}; expected 'cosine' or 'jaccard'")
    rows = forward_rows(messages)
    empty = pd.DataFrame({"source": pd.array([], dtype=STRING),
                          "target": pd.array([], dtype=STRING),
                          "weight": np.array([], dtype=float),
                          "shared": np.array([], dtype=np.int64)})
    # A channel forwarding its own posts says nothing about which outlets it shares.
    rows = rows[rows["source"] != rows["target"]]
    if rows.empty:
        return _tag(empty, "cocitation")
    f_codes, forwarders = pd.factorize(rows["target"].to_numpy(), sort=True)
    s_codes, _ = pd.factorize(rows["source"].to_numpy(), sort=True)
    counts = sparse.csr_matrix(
        (np.ones(len(rows)), (f_codes, s_codes)), shape=(len(forwarders), s_codes.max() + 1))
    counts.sum_duplicates()
    binary = counts.copy()
    binary.data[:] = 1.0
    shared = sparse.triu(binary @ binary.T, k=1).tocoo()
    i, j, n_shared = shared.row, shared.col, shared.data
    if metric == "cosine":
        norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
        dots = (counts @ counts.T).tocsr()
        weight = np.asarray(dots[i, j]).ravel() / (norms[i] * norms[j])
    else:
        sizes = np.asarray(binary.sum(axis=1)).ravel()
        weight = n_shared / (sizes[i] + sizes[j] - n_shared)
    edges = pd.DataFrame({
        "source": pd.array(forwarders[i], dtype=STRING),
        "target": pd.array(forwarders[j], dtype=STRING),
        "weight": np.round(weight.astype(float), 12),
        "shared": n_shared.astype(np.int64),
    })
    edges = edges[(edges["weight"] >= min_weight) & (edges["shared"] >= min_shared)]
    return _tag(_sorted(edges), "cocitation")


def _match_handles(per: pd.DataFrame, forwards: pd.DataFrame, mentions: pd.DataFrame
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pair unresolved forward sources with the unresolved handle their posts carry.

    A channel's footer (``t.me/<its handle>``) travels with every post forwarded from it, so
    the handle linked most often in the messages forwarded from a name-only source, in at
    least a fifth of them (and at least twice), is that source's handle. Pairs are one to
    one, strongest first. Returns ``per`` with a ``handle`` column and the mention rows with
    matched handle keys replaced by the source's key (so both count as one candidate).
    """
    per = per.assign(handle=pd.Series([None] * len(per), index=per.index, dtype=object))
    if mentions.empty or forwards.empty:
        return per, mentions
    joined = forwards[["row", "source"]].merge(mentions[["row", "target"]], on="row")
    pairs = joined.groupby(["source", "target"]).size().rename("n").reset_index()
    pairs["forwards"] = per["forwards"].reindex(pairs["source"]).to_numpy()
    pairs = pairs[(pairs["n"] >= 2) & (pairs["n"] >= 0.2 * pairs["forwards"])]
    pairs = (pairs.sort_values(["n", "source", "target"], ascending=[False, True, True])
             .drop_duplicates("source").drop_duplicates("target"))
    per.loc[pairs["source"].to_numpy(), "handle"] = [
        t.split(":handle:", 1)[-1] for t in pairs["target"]]
    rename = dict(zip(pairs["target"], pairs["source"]))
    mentions = mentions.assign(target=mentions["target"].map(lambda k: rename.get(k, k)))
    return per, mentions


@dispatchable("network.collection_candidates")
def collection_candidates(data: pd.DataFrame, *, channels: pd.DataFrame | None = None,
                          mentions: bool = True) -> pd.DataFrame:
    """Channels the corpus points at but does not hold, ranked by how often they are forwarded.

    Parameters
    ----------
    data : DataFrame
        Canonical messages, or forward edges from :func:`forward_edges` (then only forwards
        count, and names are taken from the keys).
    channels : DataFrame, optional
        ``corpus.channels``, so mentioned handles the corpus owns are not listed.
    mentions : bool, default True
        With messages, also count mentions of handles no channel in ``channels`` has.

    Returns
    -------
    DataFrame
        ``channel_id`` (``telegram:name:<normalised>`` or ``telegram:handle:<handle>``), ``name``
        (the display name as forwards give it most often, or ``@handle``), ``handle`` (the
        handle to look up: for a name-only source, the unresolved handle linked most often in
        the posts forwarded from it, i.e. its footer, when that link is in at least a fifth of
        them; its mentions are then counted on the same row), ``forwards``
        (forwarded messages), ``forwarded_by`` (distinct forwarding channels), ``mentions``,
        ``mentioned_by``, ``first`` and ``last`` (when the corpus first and last pointed at it).
        Sorted by forwards, then forwarding channels, then mentions.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench import schema
    >>> msgs = schema.conform(pd.DataFrame({
    ...     "platform": "telegram", "channel_id": ["telegram:2", "telegram:3", "telegram:3"],
    ...     "message_id": [1, 1, 2], "date": pd.to_datetime(["2016-10-01"] * 3, utc=True),
    ...     "fwd_from_name": ["Al  Battar", "al battar", "Other"]}), "messages")
    >>> collection_candidates(msgs)[["channel_id", "name", "forwards", "forwarded_by"]]
                    channel_id        name  forwards  forwarded_by
    0  telegram:name:al battar  Al  Battar         2             2
    1      telegram:name:other       Other         1             1
    """
    is_edges = {"source", "target", "weight", "resolved"} <= set(data.columns)
    if is_edges:
        fwd = data[~data["resolved"].astype(bool)]
        names = pd.Series(
            [s.split(":name:", 1)[-1] for s in fwd["source"].astype(str)], index=fwd.index)
        fwd = fwd.assign(name=names)
        per = fwd.groupby("source", sort=True).agg(
            name=("name", "first"), forwards=("weight", "sum"), forwarded_by=("target", "nunique"),
            first=("first", "min"), last=("last", "max"))
        per["mentions"] = 0
        per["mentioned_by"] = 0
    else:
        rows = forward_rows(data)
        rows = rows[~rows["resolved"]]
        # The most frequent spelling of the name is the one to search for.
        spelled = (rows.groupby(["source", "name"], sort=True).size().rename("n").reset_index()
                   .sort_values(["source", "n", "name"], ascending=[True, False, True]))
        best = spelled.drop_duplicates("source").set_index("source")["name"]
        per = rows.groupby("source", sort=True).agg(
            forwards=("target", "size"), forwarded_by=("target", "nunique"),
            first=("date", "min"), last=("date", "max"))
        per.insert(0, "name", best.reindex(per.index))
        per["mentions"] = 0
        per["mentioned_by"] = 0
        if mentions and ("mentions" in data.columns or "links" in data.columns):
            m = mention_rows(data, channels, self_mentions=False)
            m = m[~m["resolved"].astype(bool)]
            per, m = _match_handles(per, rows, m)
            if len(m):
                mper = m.groupby("target", sort=True).agg(
                    mentions=("source", "size"), mentioned_by=("source", "nunique"),
                    mfirst=("date", "min"), mlast=("date", "max"))
                per = per.join(mper[["mfirst", "mlast"]], how="outer")
                per[["mentions", "mentioned_by"]] = (
                    mper[["mentions", "mentioned_by"]].reindex(per.index).fillna(0))
                per["first"] = per[["first", "mfirst"]].min(axis=1)
                per["last"] = per[["last", "mlast"]].max(axis=1)
                per = per.drop(columns=["mfirst", "mlast"])
                only_handle = per["name"].isna()
                suffix = [k.split(":handle:", 1)[-1] for k in per.index[only_handle]]
                per.loc[only_handle, "name"] = ["@" + h for h in suffix]
                per.loc[only_handle, "handle"] = suffix
    out = per.rename_axis("channel_id").reset_index()
    for col in ("forwards", "forwarded_by", "mentions", "mentioned_by"):
        out[col] = out[col].fillna(0).astype(np.int64)
    out["channel_id"] = out["channel_id"].astype(STRING)
    out["name"] = out["name"].astype(STRING)
    if "handle" not in out.columns:
        out["handle"] = None
    out["handle"] = out["handle"].astype(object).astype(STRING)
    out["first"] = pd.to_datetime(out["first"], utc=True).astype(UTC_TIME)
    out["last"] = pd.to_datetime(out["last"], utc=True).astype(UTC_TIME)
    out = out[["channel_id", "name", "handle", "forwards", "forwarded_by", "mentions",
               "mentioned_by", "first", "last"]]
    return out.sort_values(["forwards", "forwarded_by", "mentions", "channel_id"],
                           ascending=[False, False, False, True], ignore_index=True)


def build_edges(messages: pd.DataFrame, kind: str = "forward", *, channels=None,
                min_weight: float | None = None, metric: str = "cosine") -> pd.DataFrame:
    """The edge table of one ``kind``: ``"forward"``, ``"mention"`` or ``"cocitation"``.

    ``channels`` (a Corpus or channels table) resolves handles for mentions; ``metric`` is
    the co-citation similarity. ``min_weight`` defaults to 1 message for forwards and
    mentions and to 0 similarity for co-citation.

    Examples
    --------
    >>> from workbench import schema
    >>> build_edges(schema.empty("messages"), "mention").attrs["kind"]
    'mention'
    """
    if kind == "forward":
        return forward_edges(messages, min_weight=1 if min_weight is None else min_weight)
    if kind == "mention":
        table = channels.channels if hasattr(channels, "channels") else channels
        return mention_edges(messages, channels=table,
                             min_weight=1 if min_weight is None else min_weight)
    if kind == "cocitation":
        return cocitation_edges(messages, metric=metric,
                                min_weight=0.0 if min_weight is None else min_weight)
    if kind == "reply":
        from ._replies import reply_edges  # which imports this module

        return reply_edges(messages, min_weight=1 if min_weight is None else min_weight)
    raise ParameterError(f"kind={kind!r}; expected one of {EDGE_KINDS}")
