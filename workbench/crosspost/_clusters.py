"""Clusters of messages carrying the same content in different channels."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..backends import dispatchable
from ..errors import ParameterError, SchemaError
from ..memory import keeps_memory
from ..progress import progress_steps
from ..links import urls_in_texts
from ..text import nfkc
from . import similarity as sim
from ._media import image_parts
from ._normalise import link_kind, media_fingerprint, normalise_texts, normalise_url
from ._textpath import ahead, distinct_texts, measured_texts, text_edges, text_keys

__all__ = ["find_crossposts", "VIA", "CLUSTER_COLUMNS",
           # kernels the backends share (see workbench.backends)
           "URLISH", "TEXT_CHUNK", "KeyIndex", "MessageArrays", "check_options", "cluster_messages",
           "empty_result", "measured_texts", "text_keys"]

#: Join paths, strongest first: a member's ``via`` is the strongest path that links it.
VIA = ("forward", "text", "link", "media")
VIA_DTYPE = pd.CategoricalDtype(list(VIA))
CLUSTER_COLUMNS = ("cluster_id", "channel_id", "message_id", "date", "is_origin", "lag",
                   "similarity", "via")
#: Label columns carried over from ``messages`` when present.
CARRIED = ("channel", "group", "lang")
#: The columns the paths read besides the texts (and the label columns carried).
READ = ("channel_id", "message_id", "date", "fwd_from_channel_id", "fwd_from_name",
        "fwd_from_message_id", "links", "media_type", "media_name", "media_size",
        "media_duration")
#: Links and media files need at least this weight (same formula as shingle weights) to join.
FEATURE_MIN_WEIGHT = 0.5
#: Texts normalised at a time.
TEXT_CHUNK = 10_000
#: Texts matching this may carry a link in their text (the store's link path reads only
#: those; in memory, :func:`~workbench.links.urls_in_texts` searches every distinct text).
URLISH = r"(?i)https?://|www\.|\b(?:t|telegram)\.(?:me|dog)/|\.[a-z]{2,}/"


def _times(dates: pd.Series) -> np.ndarray:
    values = pd.to_datetime(dates, utc=True).dt.tz_localize(None).dt.as_unit("ns")
    return values.to_numpy(dtype="datetime64[ns]").view("int64")


def empty_result(messages: pd.DataFrame) -> pd.DataFrame:
    """The result of :func:`find_crossposts` without clusters: its columns and dtypes, with
    the label columns of ``messages`` (``channel``, ``group``, ``lang``) that it carries."""
    out = pd.DataFrame({
        "cluster_id": pd.Series([], dtype="int64"),
        "channel_id": pd.Series([], dtype=messages["channel_id"].dtype),
        "message_id": pd.Series([], dtype="int64"),
        "date": pd.Series([], dtype=pd.DatetimeTZDtype("ns", "UTC")),
        "is_origin": pd.Series([], dtype=bool),
        "lag": pd.Series([], dtype="timedelta64[ns]"),
        "similarity": pd.Series([], dtype="float64"),
        "via": pd.Series([], dtype=VIA_DTYPE),
    })
    for col in CARRIED:
        if col in messages.columns:
            out[col] = messages[col].iloc[:0].reset_index(drop=True)
    return out


def _feature_weights(doc: np.ndarray, key: np.ndarray, channel: np.ndarray, n_docs: int
                     ) -> np.ndarray:
    """Per distinct key: the shingle weight formula (rarity x not repeated per channel)."""
    frame = pd.DataFrame({"key": key, "channel": channel[doc]})
    per = frame.groupby(["key", "channel"], sort=False).size()
    c = per.to_numpy(dtype=float)
    keys = per.index.get_level_values(0)
    grouped = pd.DataFrame({"key": keys, "c": c, "c2": c * c}).groupby("key", sort=False).sum()
    df = grouped["c"].to_numpy()
    repeat = grouped["c2"].to_numpy() / df
    w = sim.shingle_weight(df, repeat, n_docs, sim._concentration(channel, n_docs))
    return pd.Series(w, index=grouped.index)


def _chain(doc: np.ndarray, group: np.ndarray, times: np.ndarray, window: int | None
           ) -> np.ndarray:
    """Edges joining consecutive messages (in time) of each group, when at most ``window``
    apart (always, when ``window`` is None). Consecutive links give the same connected
    components as all pairs within the window would."""
    if len(doc) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    order = np.lexsort((doc, times[doc], group))
    d, g, t = doc[order], group[order], times[doc[order]]
    same = g[1:] == g[:-1]
    if window is not None:
        same &= (t[1:] - t[:-1]) <= window
    same &= d[1:] != d[:-1]
    i = np.flatnonzero(same)
    return np.stack([d[i], d[i + 1]], axis=1)


def _links_per_message(messages: pd.DataFrame, text_urls=None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """(message position, normalised link) for every link of every message: the ``links``
    column, and URLs written in the text of messages whose ``links`` list is empty.
    ``text_urls``: ``(text_of, rows, urls)``, each message's distinct text and the URLs
    written in those texts (:func:`~workbench.links.urls_in_texts`, as
    :func:`find_crossposts` finds them while normalising), or None to find them here."""
    n = len(messages)
    raw_docs, raw = [np.zeros(0, np.int64)], [np.zeros(0, object)]
    empty = np.ones(n, dtype=bool)
    if "links" in messages.columns:
        links = messages["links"].reset_index(drop=True)
        if (isinstance(links.dtype, pd.ArrowDtype)  # Arrow lists: lengths without a Python call
                and pa.types.is_list(links.dtype.pyarrow_dtype)):
            lengths = pc.list_value_length(pa.array(links)).fill_null(0).to_numpy(
                zero_copy_only=False).astype(np.int64)
        else:
            lengths = links.map(lambda v: len(v) if isinstance(v, (list, tuple, np.ndarray))
                                else 0).to_numpy(dtype=np.int64)
        empty = lengths == 0
        exploded = links[~empty].explode()
        raw_docs.append(exploded.index.to_numpy(dtype=np.int64))
        raw.append(exploded.to_numpy(dtype=object))
    if (text_urls is not None or "text" in messages.columns) and empty.any():
        if text_urls is None:  # each distinct text is searched once
            texts, text_of = distinct_texts(messages["text"], n)
            wanted = np.zeros(len(texts), dtype=bool)
            wanted[text_of[empty]] = True
            wanted_pos = np.flatnonzero(wanted)
            rows, found = urls_in_texts(texts if len(wanted_pos) == len(texts)
                                        else texts.take(pa.array(wanted_pos)))
            rows = wanted_pos[rows]  # text numbers, in order
        else:
            text_of, rows, found = text_urls
        # Messages with an empty links list get their text's URLs.
        per_text = np.bincount(rows, minlength=int(text_of.max()) + 1)
        first = np.cumsum(per_text) - per_text
        docs = np.flatnonzero(empty & (per_text[text_of] > 0))
        k = per_text[text_of[docs]]
        take = np.repeat(first[text_of[docs]] - (np.cumsum(k) - k), k) + np.arange(int(k.sum()))
        raw_docs.append(np.repeat(docs, k).astype(np.int64))
        raw.append(found[take])
    docs = np.concatenate(raw_docs)
    raw_urls = np.concatenate(raw)
    ok = np.array([isinstance(u, str) for u in raw_urls], dtype=bool)
    docs, raw_urls = docs[ok], raw_urls[ok]
    if len(docs) == 0:
        return docs, raw_urls
    code, uniq = pd.factorize(pd.Series(raw_urls, dtype=object))
    norm = np.array([normalise_url(u) for u in uniq], dtype=object)
    keys = norm[code]
    ok = np.array([k is not None for k in keys], dtype=bool)
    return docs[ok], keys[ok]


def _handles(channels: pd.DataFrame | None) -> dict[str, str]:
    if channels is None or "handle" not in channels.columns:
        return {}
    rows = channels[channels["handle"].notna()]
    return {str(h).lstrip("@").lower(): str(c) for h, c in zip(rows["handle"], rows["channel_id"])}


def _link_edges(messages, channel, times, window, handles, index_of, text_urls=None):
    docs, urls = _links_per_message(messages, text_urls)
    if len(docs) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    code, uniq = pd.factorize(pd.Series(urls, dtype=object))
    uniq = np.asarray(uniq, dtype=object)
    pairs = sim.unique_pairs(np.stack([docs, code], axis=1))
    docs, code = pairs[:, 0], pairs[:, 1]
    content = np.array([link_kind(u) == "content" for u in uniq], dtype=bool)
    weights = _feature_weights(docs, code, channel, len(messages))
    usable = np.zeros(len(uniq), dtype=bool)
    usable[weights.index.to_numpy()] = weights.to_numpy() >= FEATURE_MIN_WEIGHT
    keep = (content & usable)[code]
    edges = [_chain(docs[keep], code[keep], times, window)]
    # A link to a post in the corpus joins the post itself.
    if handles:
        post = re.compile(r"^t\.me/([a-z0-9_]+)/(\d+)$")
        target = np.full(len(uniq), -1, dtype=np.int64)
        for c in np.flatnonzero(content):
            match = post.match(uniq[c])
            found = match and index_of.get((handles.get(match.group(1)), int(match.group(2))))
            if found is not None:
                target[c] = found
        t = target[code]
        ok = (t >= 0) & (docs != t)
        ok[ok] = np.abs(times[docs[ok]] - times[t[ok]]) <= window
        if ok.any():
            edges.append(np.stack([docs[ok], t[ok]], axis=1))
    return np.concatenate(edges)


def _media_keys(messages: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    if "media_name" not in messages.columns:
        return np.zeros(0, np.int64), np.zeros(0, object)
    named = np.flatnonzero(messages["media_name"].notna().to_numpy())
    if len(named) == 0:
        return np.zeros(0, np.int64), np.zeros(0, object)
    parts = pd.DataFrame({
        "name": messages["media_name"].to_numpy(dtype=object, na_value=None)[named],
        **{c: (messages[c].to_numpy(dtype=object, na_value=None)[named]
               if c in messages.columns else None) for c in ("media_size", "media_duration")},
    })
    parts = image_parts(parts)  # near-identical images share one name (crosspost/_media.py)
    code, uniq = pd.factorize(pd.Series(list(zip(parts["name"], parts["media_size"],
                                                 parts["media_duration"])), dtype=object))
    fps = np.array([media_fingerprint(*t) for t in uniq], dtype=object)
    keys = fps[code]
    ok = np.array([k is not None for k in keys], dtype=bool)
    return named[ok].astype(np.int64), keys[ok]


def _media_edges(messages, channel, times, window):
    docs, fps = _media_keys(messages)
    if len(docs) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    uniq, code = np.unique(fps.astype(str), return_inverse=True)
    weights = _feature_weights(docs, code, channel, len(messages))
    usable = np.zeros(len(uniq), dtype=bool)
    usable[weights.index.to_numpy()] = weights.to_numpy() >= FEATURE_MIN_WEIGHT
    keep = usable[code]
    return _chain(docs[keep], code[keep], times, window)


def _forward_edges(messages, times, window, match_key, distinctive, index_of):
    """Forwards joined to the message they forward (by id, or by identical normalised text and
    media in the source channel), and forwards of one source message joined to each other."""
    n = len(messages)
    src_id = messages["fwd_from_channel_id"] if "fwd_from_channel_id" in messages else None
    src_name = messages["fwd_from_name"] if "fwd_from_name" in messages else None
    if src_id is None and src_name is None:
        return np.zeros((0, 2), dtype=np.int64)
    sid = (src_id.astype(object).where(src_id.notna(), None).to_numpy()
           if src_id is not None else np.full(n, None, dtype=object))
    sname = (src_name.astype(object).where(src_name.notna(), None).to_numpy()
             if src_name is not None else np.full(n, None, dtype=object))
    is_fwd = pd.notna(sid) | pd.notna(sname)
    if not is_fwd.any():
        return np.zeros((0, 2), dtype=np.int64)
    fmid = (messages["fwd_from_message_id"].to_numpy(dtype="float64", na_value=np.nan)
            if "fwd_from_message_id" in messages else np.full(n, np.nan))
    edges = []
    fwd = np.flatnonzero(is_fwd)
    # (a) by message id, when the forwarded message is in the corpus.
    by_id = fwd[(sid[fwd] != None) & ~np.isnan(fmid[fwd])]  # noqa: E711
    found = [(i, index_of.get((sid[i], int(fmid[i])))) for i in by_id]
    found = [(i, j) for i, j in found if j is not None and j != i]
    if found:
        edges.append(np.asarray(found, dtype=np.int64))
    matched = {i for i, _ in found}
    # (b) no message id (Telegram Desktop): the latest earlier message of the source channel
    # with the same normalised text and media; beyond the window only for distinctive content.
    unmatched = np.ones(n, dtype=bool)
    unmatched[list(matched)] = False
    need = fwd[pd.notna(sid[fwd]) & unmatched[fwd] & (match_key[fwd] != 0)]
    if len(need):
        left = pd.DataFrame({"i": need, "t": times[need], "src": sid[need].astype(str),
                             "key": match_key[need]}).sort_values(["t", "i"])
        origin = np.flatnonzero(~is_fwd & (match_key != 0))
        right = pd.DataFrame({"j": origin, "t": times[origin],
                              "src": messages["channel_id"].to_numpy(dtype=object)[origin].astype(str),
                              "key": match_key[origin]}).sort_values(["t", "j"])
        # When did the source last post the same key before? (ambiguity of short keys)
        right["before"] = right.groupby(["src", "key"], sort=False)["t"].shift(1)
        merged = pd.merge_asof(left, right, on="t", by=["src", "key"], direction="backward",
                               allow_exact_matches=True, suffixes=("", "_r"))
        merged = merged[merged["j"].notna()]
        i = merged["i"].to_numpy(dtype=np.int64)
        j = merged["j"].to_numpy(dtype=np.int64)
        before = merged["before"].to_numpy(dtype="float64", na_value=np.nan)
        # Text of min_chars or more, or media with a duration, identifies the message; a short
        # key (a photo with a footer) only when the source posted it only once before, or
        # only once within the window.
        only_one = np.isnan(before)
        unique_in_window = (times[i] - times[j] <= window) & ~(times[i] - before <= window)
        ok = distinctive[i] | only_one | unique_in_window
        edges.append(np.stack([i[ok], j[ok]], axis=1))
    # (c) forwards of the same source message.
    source = pd.Series(sid[fwd], dtype=object).fillna(
        pd.Series(sname[fwd], dtype=object).map(lambda b: f"name:{b}")).to_numpy(dtype=object)
    with_id = ~np.isnan(fmid[fwd])
    if with_id.any():
        g = pd.MultiIndex.from_arrays([source[with_id], fmid[fwd][with_id]]).factorize()[0]
        edges.append(_chain(fwd[with_id], g, times, None))
    rest = ~with_id & (match_key[fwd] != 0)
    if rest.any():
        g = pd.MultiIndex.from_arrays([source[rest], match_key[fwd][rest]]).factorize()[0]
        group = np.full(n, -1, dtype=np.int64)
        group[fwd[rest]] = g
        docs = fwd[rest]
        order = np.lexsort((docs, times[docs], g))
        d = docs[order]
        same = (group[d][1:] == group[d][:-1])
        ok = same & distinctive[d][1:]
        k = np.flatnonzero(ok)
        edges.append(np.stack([d[k], d[k + 1]], axis=1))
    return np.concatenate(edges) if edges else np.zeros((0, 2), dtype=np.int64)


def check_options(threshold, window, min_chars) -> int:
    """Refuse options :func:`find_crossposts` cannot use (:class:`ParameterError` naming the
    option); the window in nanoseconds.

    Examples
    --------
    >>> check_options(0.4, "7D", 20)
    604800000000000
    """
    if not (isinstance(threshold, (int, float)) and 0 < threshold <= 1):
        raise ParameterError(f"threshold={threshold!r}: expected a number in (0, 1]")
    try:
        win = pd.Timedelta(window)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"window={window!r}: expected a duration such as '7D'") from exc
    if win <= pd.Timedelta(0):
        raise ParameterError(f"window={window!r}: expected a positive duration")
    if not (isinstance(min_chars, (int, np.integer)) and min_chars >= 1):
        raise ParameterError(f"min_chars={min_chars!r}: expected a positive integer")
    return int(win.value)


class KeyIndex:
    """``(channel_id, message_id) -> position`` for millions of messages without a dict of
    tuples: per channel, sorted message ids and their positions (the last position when a
    key repeats, as a dict would keep).

    Examples
    --------
    >>> import numpy as np
    >>> keys = KeyIndex(np.array([1, 0, 1]), ["a", "b"], np.array([7, 7, 3]))
    >>> keys.get(("b", 7)), keys.get(("b", 3)), keys.get(("c", 1), -1)
    (0, 2, -1)
    """

    def __init__(self, channel_code: np.ndarray, channel_sorted, message_id: np.ndarray):
        self.code = {c: i for i, c in enumerate(channel_sorted)}
        order = np.lexsort((-np.arange(len(message_id)), message_id, channel_code))
        self.mid = message_id[order]
        self.pos = order
        bounds = np.searchsorted(channel_code[order], np.arange(len(channel_sorted) + 1))
        self.bounds = bounds

    def get(self, key, default=None):
        channel, mid = key
        c = self.code.get(channel)
        if c is None:
            return default
        lo, hi = self.bounds[c], self.bounds[c + 1]
        i = lo + int(np.searchsorted(self.mid[lo:hi], mid))
        if i < hi and self.mid[i] == mid:
            return int(self.pos[i])
        return default


@dataclass
class MessageArrays:
    """What the cross-posting paths read of each message, as arrays (the kernel's input;
    :meth:`of` builds it from messages in their order).

    Per message (in the order of ``msgs``): ``times`` (ns since the epoch, UTC),
    ``channel_ids`` (strings), ``channel`` (the channel_id's rank in ``channel_sorted``, the
    distinct ones), ``message_id``, ``is_fwd`` (a forward) and ``needs_key`` (its text key is
    needed to match forwards: forwards and the messages of the channels forwarded from)."""

    times: np.ndarray
    channel_ids: np.ndarray
    channel: np.ndarray
    channel_sorted: np.ndarray
    message_id: np.ndarray
    is_fwd: np.ndarray
    needs_key: np.ndarray

    @classmethod
    def of(cls, msgs: pd.DataFrame) -> "MessageArrays":
        """The arrays of ``msgs`` (``channel_id``, ``message_id``, ``date``, and the forward
        columns when present), in their order."""
        channel_ids = msgs["channel_id"].astype(str).to_numpy(dtype=object)
        channel_rank, channel_sorted = pd.factorize(channel_ids, sort=True)
        is_fwd = np.zeros(len(msgs), dtype=bool)
        for col in ("fwd_from_channel_id", "fwd_from_name"):
            if col in msgs.columns:
                is_fwd |= msgs[col].notna().to_numpy()
        needs_key = is_fwd.copy()
        if "fwd_from_channel_id" in msgs.columns and is_fwd.any():
            sources = msgs["fwd_from_channel_id"].dropna().astype(str).unique()
            needs_key |= np.isin(channel_ids, sources)
        return cls(_times(msgs["date"]), channel_ids, channel_rank.astype(np.int64),
                   channel_sorted, msgs["message_id"].to_numpy(dtype=np.int64), is_fwd,
                   needs_key)


def _match_keys(msgs: pd.DataFrame, text_key: np.ndarray, lengths: np.ndarray, min_chars: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """What a forward is matched to its source by: a key of the normalised text, media type and
    duration (0: nothing to match), and whether that content is distinctive."""
    n = len(msgs)
    media_type = (msgs["media_type"].astype(object).where(msgs["media_type"].notna(), "")
                  .astype(str).to_numpy() if "media_type" in msgs.columns else np.full(n, ""))
    duration = (msgs["media_duration"].to_numpy(dtype="float64", na_value=np.nan)
                if "media_duration" in msgs.columns else np.full(n, np.nan))
    media_code = pd.factorize(pd.Series(media_type))[0].astype(np.uint64)
    dur = np.where(np.isnan(duration), 0, duration + 1).astype(np.uint64)
    with np.errstate(over="ignore"):
        match_key = sim._mix(text_key ^ sim._mix(media_code * np.uint64(1 << 40) + dur))
    match_key[(text_key == 0) & (media_type == "")] = 0
    distinctive = (lengths >= min_chars) | ~np.isnan(duration)
    return match_key, distinctive


def cluster_messages(msgs: pd.DataFrame, arrays: MessageArrays, index: sim.ShingleIndex,
                     lengths: np.ndarray, text_key: np.ndarray, *, carried: pd.DataFrame,
                     channels: pd.DataFrame | None, index_of, threshold: float, window_ns: int,
                     min_chars: int, random_state: int, candidate_pairs=None,
                     text_of: np.ndarray | None = None, text_urls=None) -> pd.DataFrame:
    """The result of :func:`find_crossposts` once the texts are shingled (``index``, and the
    normalised ``lengths`` and ``text_key`` of every message): the clustering core every
    backend runs, in memory or over a store. ``text_of`` maps each message to its text in
    ``index`` when messages carrying the same text share one (by default one per message),
    and ``text_urls`` the URLs written in those texts (``(rows, urls)`` with ``rows`` the
    text numbers in ascending order, as :func:`~workbench.links.urls_in_texts` gives them;
    found here from ``msgs["text"]`` when None or without ``text_of``).

    ``msgs`` has the columns the forward, link and media paths read; ``carried`` (rows as in
    ``msgs``) the ``channel_id`` and label columns the result carries; ``index_of`` maps
    ``(channel_id, message_id)`` to a position; ``candidate_pairs`` replaces
    :func:`~.similarity.candidate_pairs` (e.g. on Dask)."""
    a = arrays
    times, channel, message_id = a.times, a.channel, a.message_id
    n = len(times)
    match_key, distinctive = _match_keys(msgs, text_key, lengths, min_chars)

    def other_paths():
        return (_forward_edges(msgs, times, window_ns, match_key, distinctive, index_of),
                _link_edges(msgs, channel, times, window_ns, _handles(channels), index_of,
                            None if text_urls is None or text_of is None
                            else (text_of, *text_urls)),
                _media_edges(msgs, channel, times, window_ns))

    # The forward, link and media paths (pandas and Arrow, releasing the GIL much of the
    # time) run in a second thread beside the text path (numpy): two cores, half the wait.
    with ThreadPoolExecutor(max_workers=1) as pool:
        others = pool.submit(other_paths)
        by_text = text_edges(index, lengths, times, window_ns, threshold=threshold,
                             min_chars=min_chars, random_state=random_state,
                             candidate_pairs=candidate_pairs, text_of=text_of,
                             channel=channel)
        forward_edges, link_edges, media_edges = others.result()
    if text_of is None:
        text_of = np.arange(n)

    edges = [forward_edges, by_text, link_edges, media_edges]
    kinds = np.concatenate([np.full(len(e), k, dtype=np.int8) for k, e in enumerate(edges)])
    allpairs = np.concatenate([e.reshape(-1, 2).astype(np.int64) for e in edges])
    if len(allpairs) == 0:
        return empty_result(carried)
    graph = coo_matrix((np.ones(len(allpairs), dtype=np.int8), (allpairs[:, 0], allpairs[:, 1])),
                       shape=(n, n)).tocsr()
    _, label = connected_components(graph, directed=False)
    best = np.full(n, len(VIA), dtype=np.int8)
    np.minimum.at(best, allpairs[:, 0], kinds)
    np.minimum.at(best, allpairs[:, 1], kinds)

    # Keep components with two or more channels.
    size = np.bincount(label, minlength=n)
    members = np.flatnonzero(size[label] >= 2)
    pair_keys = sim.sorted_unique(label[members].astype(np.int64) * (len(a.channel_sorted) + 1)
                                  + channel[members])
    n_channels = np.bincount(pair_keys // (len(a.channel_sorted) + 1), minlength=n)
    members = members[n_channels[label[members]] >= 2]
    if len(members) == 0:
        return empty_result(carried)
    order = np.lexsort((message_id[members], channel[members], a.is_fwd[members],
                        times[members], label[members]))
    members = members[order]
    lab = label[members]
    first = np.r_[True, lab[1:] != lab[:-1]]
    origin_pos = np.flatnonzero(first)
    origin_of = np.repeat(members[origin_pos], np.diff(np.r_[origin_pos, len(members)]))
    # Cluster ids by origin date, channel_id, message_id.
    origins = members[origin_pos]
    rank = np.lexsort((message_id[origins], channel[origins], times[origins]))
    cluster_id = np.empty(len(origins), dtype=np.int64)
    cluster_id[rank] = np.arange(len(origins))
    cid = np.repeat(cluster_id, np.diff(np.r_[origin_pos, len(members)]))

    # Similarity of each member to its origin.
    simil = np.full(len(members), np.nan)
    has_text = (np.diff(index.starts) > 0)[text_of]
    todo = np.flatnonzero(~first & has_text[members] & has_text[origin_of])
    if len(todo):
        # Each pair of texts once (most members of a spam wave carry its origin's text).
        pairs = np.stack([text_of[members[todo]], text_of[origin_of[todo]]], axis=1)
        key, inverse = np.unique(pairs[:, 0] * len(index.starts) + pairs[:, 1],
                                 return_inverse=True)
        s, _, _ = sim.weighted_jaccard(index, np.stack([key // len(index.starts),
                                                        key % len(index.starts)], axis=1))
        simil[todo] = s[inverse]
    simil[first & has_text[members]] = 1.0

    out = pd.DataFrame({
        "cluster_id": cid,
        "channel_id": carried["channel_id"].take(members).reset_index(drop=True),
        "message_id": message_id[members],
        "date": msgs["date"].take(members).reset_index(drop=True),
        "is_origin": first,
        "lag": pd.to_timedelta(times[members] - times[origin_of], unit="ns"),
        "similarity": simil,
        "via": pd.Categorical.from_codes(best[members].astype(np.int64), dtype=VIA_DTYPE),
    })
    for col in CARRIED:
        if col in carried.columns:
            out[col] = carried[col].take(members).reset_index(drop=True)
    order = np.lexsort((np.arange(len(out)), out["cluster_id"].to_numpy()))
    return out.take(order).reset_index(drop=True)


@dispatchable("crosspost.find_crossposts")
@keeps_memory
def find_crossposts(messages, *, channels: pd.DataFrame | None = None,
                    threshold: float = 0.4, window: str | pd.Timedelta = "7D",
                    min_chars: int = 20, random_state: int = 0) -> pd.DataFrame:
    """Clusters of messages in different channels that carry the same content.

    A message joins a cluster by any of four paths (its ``via``, strongest first):

    ``forward``
        It forwards a message of the corpus: by ``fwd_from_message_id`` when the format has
        it; otherwise (Telegram Desktop names only the source channel) the latest earlier
        message of the source channel with the same normalised text and media (type and
        duration). That match is taken when the text is at least ``min_chars`` long or the
        media has a duration, or when the source posted that content only once before, or
        only once within ``window`` before the forward; a photo with a footer that the source
        posts daily is not guessed. Forwards of one source message join each other even when
        the source is not in the corpus.
    ``text``
        Its normalised text (:func:`normalise_text`) is a near-duplicate of another's within
        ``window``: weighted Jaccard similarity of 5-character shingles at least
        ``threshold``, and shared evidence at least that of a typical ``min_chars``-long text
        (``min_chars - 4`` shared shingles carrying the corpus' median shingle weight).
        Shingles are weighted by rarity and by how much more the same channels repeat them
        than ordinary words (see :mod:`workbench.crosspost.similarity`), so shared headers,
        footers and stock phrases count for little. Candidates come from MinHash over a
        consistent weighted sample of shingles with LSH banding (28 bands of 3 rows: the
        S-curve midpoint is 0.33, below the threshold) and are confirmed with the exact
        similarity. A heavily edited copy counts too (``similarity.EDITED = 0.75``; None
        turns it off): similarity at least 0.75 times ``threshold`` with four times the
        evidence bar, between texts first posted by different channels (a long statement
        with a quarter of its words replaced; LSH offers a pair at 0.3 as a candidate about
        half the time, one at 0.4 five times in six, so such copies are found less surely;
        a channel's own posts sharing a stock sentence are as similar, and are not copies). A
        quote counts too: when at least 90% of the shorter text's shingle
        weight is inside the longer one (a statement pasted after a comment, a truncated
        preview) and the shared evidence is four times the bar above; candidates for that
        come from anchors, weighty shingles sampled by hash, which a long comment cannot
        dilute (:func:`~workbench.crosspost.similarity.anchor_pairs`). ``similarity`` stays
        the weighted Jaccard (a quote's is low). Texts posted verbatim many times (38% of
        the messages of the real-text benchmark repeat an earlier text) are sketched and
        compared once, and their messages joined by time.
    ``link``
        It shares a content link (:func:`link_kind`) with another within ``window``, or links
        to a post of the corpus (``t.me/<handle>/<id>``, needs ``channels`` with a ``handle``
        column). Links that are frequent, or that one channel keeps posting, are ignored.
    ``media``
        It shares a media file (:func:`media_fingerprint`: name, size, duration) with another
        within ``window``, the file being rare in the same sense.

    Clusters are the connected components (union-find) of these joins; only clusters spanning
    at least two channels are returned. The result does not depend on the order of the rows.

    The call keeps the memory it frees for its own next arrays, and numpy asks for no huge
    pages meanwhile (:func:`workbench.memory.keep_memory`; ``WORKBENCH_KEEP_MEMORY=0`` turns
    both off), which saves the kernel's page-fault time on large corpora and changes no
    result. Its hot loops are compiled (:mod:`workbench.crosspost._kernels`,
    :mod:`workbench.text._fold`): a new process's first call loads them, about 2 s (about
    5 s more the very first time, to compile them), and builds the normaliser's tables,
    about 1.5 s.

    Parameters
    ----------
    messages : DataFrame or Corpus
        Canonical messages (a Corpus gives its messages and channels).
    channels : DataFrame, optional
        Canonical channels with a ``handle`` column, to resolve post links.
    threshold : float, default 0.4
        Minimum weighted Jaccard similarity for the text path (``similarity.EDITED``
        times it for texts of different channels sharing four times the evidence bar, see
        ``text`` above). Copies in the wild are
        cut, prefixed, re-punctuated and signed with their own footer; 0.4 keeps such copies
        while unrelated texts of the same channels score below 0.1.
    window : duration, default "7D"
        Maximum time between two messages joined by text, link or media (inclusive).
    min_chars : int, default 20
        Texts shorter than this (normalised) never join by text, and a text join needs at
        least as much shared distinctive content as a typical text of ``min_chars``
        characters. Short texts thus need stronger evidence (a 25-character text must share
        nearly all of itself) without being excluded: a ten-word statement (about 60
        characters) copied with a prefix is found; "Daily roundup", "Join:" or a shared
        header of repeated boilerplate is not.
    random_state : int, default 0
        Seeds the MinHash functions and, for very large corpora, the sample used to estimate
        shingle weights.

    Returns
    -------
    DataFrame
        One row per member, sorted by ``cluster_id`` then time: ``cluster_id`` (0, 1, ... in
        order of the origin's date, then channel_id and message_id), ``channel_id``,
        ``message_id``, ``date``, ``is_origin`` (the earliest member; among members with the
        same timestamp a non-forward comes first, then the smallest ``channel_id``, then the
        smallest ``message_id``), ``lag`` (``date`` minus the origin's), ``similarity``
        (weighted Jaccard of the text to the origin's; 1.0 for the origin, NaN when either has
        no text), ``via`` (the strongest path that joins the member to any other member),
        then ``channel``, ``group`` and ``lang`` when ``messages`` has them.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench import schema
    >>> statement = "The brothers of the eastern province announce the opening of a new office"
    >>> msgs = schema.conform(pd.DataFrame({
    ...     "platform": ["telegram"] * 3,
    ...     "channel_id": ["telegram:1", "telegram:2", "telegram:3"],
    ...     "message_id": [10, 20, 30],
    ...     "date": pd.to_datetime(["2016-12-01 10:00", "2016-12-01 11:30", "2016-12-03 00:00"],
    ...                            utc=True),
    ...     "text": [statement, "🔴 BREAKING: " + statement + " #news", "Daily roundup"],
    ... }), "messages")
    >>> out = find_crossposts(msgs)
    >>> out[["cluster_id", "channel_id", "is_origin", "via"]]
       cluster_id  channel_id  is_origin   via
    0           0  telegram:1       True  text
    1           0  telegram:2      False  text
    >>> str(out.loc[1, "lag"])
    '0 days 01:30:00'
    """
    if not isinstance(messages, pd.DataFrame) and hasattr(messages, "messages"):  # a Corpus
        channels = messages.channels if channels is None else channels
        messages = messages.messages
    window_ns = check_options(threshold, window, min_chars)
    for col in ("channel_id", "message_id", "date"):
        if col not in messages.columns:
            raise SchemaError(f"messages: missing column {col!r}")
    # Ties below are broken by row position (a forward's source among posts of the same
    # second, chunk boundaries); a canonical order keeps the result independent of how the
    # caller's rows happen to be ordered.
    # (The texts are not copied in that order: only their distinct values are kept.)
    order = (messages[["date", "channel_id", "message_id"]].reset_index(drop=True)
             .sort_values(["date", "channel_id", "message_id"], kind="stable",
                          na_position="last").index.to_numpy())
    read = [c for c in messages.columns if c in READ or c in CARRIED]
    msgs = messages[read].take(order).reset_index(drop=True)
    n = len(msgs)
    if n == 0:
        return empty_result(msgs)
    arrays = MessageArrays.of(msgs)
    index_of = KeyIndex(arrays.channel, arrays.channel_sorted, arrays.message_id)
    # Texts: each distinct one normalised (in chunks), shingled and weighed once; real
    # channels repost verbatim, and copies need no second look.
    texts, text_of = distinct_texts(messages["text"] if "text" in messages.columns else None, n)
    text_of = text_of[order]
    # NFKC once, for the text path and for the links written in the texts (found here).
    url_rows, urls = [], []

    def normalise(lo):
        try:
            chunk = nfkc(texts[lo:lo + TEXT_CHUNK])
        except SchemaError as exc:  # a text that is not valid UTF-8: name its message
            first = int(np.flatnonzero(text_of == lo + exc.rows[0])[0])
            raise SchemaError(
                f"messages: the text of ({msgs['channel_id'].iat[first]}, "
                f"{msgs['message_id'].iat[first]}) is not valid UTF-8", table="messages",
                rows=[messages.index[order[first]]]) from None
        rows, found = urls_in_texts(chunk, nfkc=False)
        return rows + lo, found, normalise_texts(chunk, nfkc=False)

    def keep_urls(results):
        for rows, found, normalised in results:
            url_rows.append(rows)
            urls.append(found)
            yield normalised

    chunks = keep_urls(ahead(normalise, progress_steps(range(0, len(texts), TEXT_CHUNK),
                                                       desc="cross-posting: sketching texts")))
    lengths = np.zeros(len(texts), dtype=np.int64)
    text_key = np.zeros(len(texts), dtype=np.uint64)
    needs_key = np.zeros(len(texts), dtype=bool)
    needs_key[text_of[arrays.needs_key]] = True
    # Room for the shingles: at most one per character of the normalised texts, which are no
    # longer than the texts but for the rare NFKC expansions (the buffer grows then).
    size_hint = int(pc.sum(pc.utf8_length(texts)).as_py() or 0)
    index = sim.build_index(measured_texts(chunks, lengths, text_key, needs_key),
                            arrays.channel, random_state=random_state, text_of=text_of,
                            size_hint=size_hint)
    texts = chunks = None  # sketched: the distinct texts are no longer needed
    return cluster_messages(msgs, arrays, index, lengths[text_of], text_key[text_of],
                            carried=msgs, channels=channels, index_of=index_of,
                            threshold=threshold, window_ns=window_ns, min_chars=min_chars,
                            random_state=random_state, text_of=text_of,
                            text_urls=(np.concatenate(url_rows), np.concatenate(urls)))
