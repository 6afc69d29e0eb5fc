"""Near-identical images in cross-posting: messages whose image fingerprints
(``phash:<hex>`` in ``media_name``, see :mod:`workbench.io.media`) differ in at most
``max_distance`` bits carry the same picture, re-encoded, resized or with a caption bar.

:func:`join_near_images` gives every such group of fingerprints one representative, so the
media path of :func:`~workbench.crosspost.find_crossposts` treats them as one file. Other
media names (file names, TGDataset's ``media_id``) pass through unchanged: without exported
image files, cross-posting compares media as before.

Examples
--------
>>> names = ["phash:ff00ff00ff00ff00", "phash:ff00ff00ff00ff03", "clip.mp4",
...          "phash:00ff00ff00ff00ff"]
>>> join_near_images(names)
['phash:ff00ff00ff00ff00', 'phash:ff00ff00ff00ff00', 'clip.mp4', 'phash:00ff00ff00ff00ff']
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..io.media import MAX_DISTANCE, PREFIX, is_image_fingerprint

__all__ = ["join_near_images", "near_image_groups", "image_parts"]

#: Fingerprints compared against all others at a time (bounds the XOR matrix in memory).
_BLOCK = 2048


def near_image_groups(hashes: np.ndarray, *, max_distance: int = MAX_DISTANCE) -> np.ndarray:
    """Group labels of 64-bit hashes (uint64): hashes at most ``max_distance`` bits apart
    are linked, groups are the connected components (single linkage).

    Examples
    --------
    >>> near_image_groups(np.array([0b1111, 0b0111, 1 << 40], dtype=np.uint64),
    ...                   max_distance=1).tolist()
    [0, 0, 1]
    """
    n = len(hashes)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    rows, cols = [], []
    for start in range(0, n, _BLOCK):
        block = hashes[start:start + _BLOCK]
        dist = np.bitwise_count(block[:, None] ^ hashes[None, :])
        i, j = np.nonzero(dist <= max_distance)
        keep = start + i < j
        rows.append(start + i[keep])
        cols.append(j[keep])
    r, c = np.concatenate(rows), np.concatenate(cols)
    graph = coo_matrix((np.ones(len(r), dtype=np.int8), (r, c)), shape=(n, n))
    return connected_components(graph, directed=False)[1].astype(np.int64)


def join_near_images(names, *, max_distance: int = MAX_DISTANCE) -> list:
    """``names`` with every image fingerprint replaced by the first-seen fingerprint of its
    group of near-identical ones (see :func:`near_image_groups`); other values unchanged."""
    names = list(names)
    where = [i for i, v in enumerate(names) if is_image_fingerprint(v)]
    if len(where) < 2:
        return names
    unique = list(dict.fromkeys(names[i] for i in where))
    hashes = np.array([int(u[len(PREFIX):], 16) for u in unique], dtype=np.uint64)
    groups = near_image_groups(hashes, max_distance=max_distance)
    first: dict = {}
    for u, g in zip(unique, groups):
        first.setdefault(g, u)
    canonical = {u: first[g] for u, g in zip(unique, groups)}
    for i in where:
        names[i] = canonical[names[i]]
    return names


def image_parts(parts):
    """The media-key parts of :func:`find_crossposts` (``name``, ``media_size``,
    ``media_duration`` columns) with near-identical images under one name and without
    their file size (a re-encoded copy has another)."""
    names = parts["name"].tolist()
    if not any(is_image_fingerprint(v) for v in names):
        return parts
    parts = parts.copy()
    parts["name"] = join_near_images(names)
    images = np.array([is_image_fingerprint(v) for v in parts["name"]], dtype=bool)
    for col in ("media_size", "media_duration"):
        if col in parts.columns and parts[col] is not None:
            values = parts[col].to_numpy(dtype=object, copy=True)
            values[images] = None
            parts[col] = values
    return parts
