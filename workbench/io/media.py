"""Perceptual fingerprints of exported images, so the same picture posted by several channels
(re-encoded, resized, with a caption bar added) is recognised as the same media.

Telegram Desktop writes photos next to ``result.json`` (``photos/photo_3@19-12-2016_21-02-11.jpg``)
under names that say nothing about the content. When the file is there, the Desktop reader
stores ``phash:<16 hex digits>`` as the message's ``media_name``: a 64-bit DCT perceptual
hash (``imagehash.phash`` on Pillow) of the picture after stripping a caption bar (near-white
or near-black rows at the top or bottom, up to a third of the height, text allowed).
Cross-posting (:mod:`workbench.crosspost._media`) joins images whose hashes differ in at most
:data:`MAX_DISTANCE` bits. Without the files, ``media_name`` stays the exported file name, as
before.

Threshold: on generated pictures (tests/test_media.py) re-encoding at JPEG quality 35 or
halving the size moves the hash by at most 2 bits and a caption bar by at most about 6, while
distinct pictures differ by 14 bits or more (32 on average, as random hashes do); 10 bits is
the usual near-duplicate threshold for pHash and lies between the two.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from PIL import Image
>>> path = Path(tempfile.mkdtemp()) / "photo.png"
>>> Image.new("RGB", (64, 48), "navy").save(path)
>>> image_fingerprint(path)
'phash:8000000000000000'
>>> hamming("phash:8000000000000000", "phash:8000000000000003")
2
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = ["image_fingerprint", "fingerprint_photos", "hamming", "is_image_fingerprint",
           "strip_caption_bars", "PHOTO_FOLDERS",
           "MAX_DISTANCE", "PREFIX", "IMAGE_SUFFIXES"]

#: Prefix of an image fingerprint in ``media_name``.
PREFIX = "phash:"
#: Hashes at most this many bits apart (of 64) are the same picture.
MAX_DISTANCE = 10
#: Files hashed as images.
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp"})
#: Largest image file hashed (bytes): bigger files keep their name.
MAX_BYTES = 50 << 20
_BAR_SHARE = 0.6     # a bar row: this share of pixels near white or near black
_BAR_TOL = 24        # how near (0-255 grey levels)
_BAR_GAP = 6         # rows of text allowed inside a bar (at 128 px wide)
_BAR_MAX = 1 / 3     # the most of the height a bar may take


def is_image_fingerprint(value: object) -> bool:
    """Whether ``value`` is a fingerprint written by :func:`image_fingerprint`."""
    return isinstance(value, str) and value.startswith(PREFIX) and len(value) == len(PREFIX) + 16


def hamming(a: str, b: str) -> int:
    """Bits in which two image fingerprints differ."""
    return (int(a[len(PREFIX):], 16) ^ int(b[len(PREFIX):], 16)).bit_count()


def _band(bar: np.ndarray) -> int:
    """Rows from the start of ``bar`` (per-row booleans) that form a caption bar."""
    end, gap = 0, 0
    for i, is_bar in enumerate(bar):
        if is_bar:
            end, gap = i + 1, 0
        else:
            gap += 1
            if gap > _BAR_GAP or end == 0:
                break
    return end


def strip_caption_bars(img):
    """``img`` without a caption bar at its top or bottom (a band of near-white or
    near-black rows, text allowed, at most a third of the height); ``img`` when none."""
    width = 128
    height = max(8, round(width * img.height / max(img.width, 1)))
    grey = np.asarray(img.convert("L").resize((width, height)), dtype=np.int16)
    light = (grey >= 255 - _BAR_TOL).mean(axis=1)
    dark = (grey <= _BAR_TOL).mean(axis=1)
    bar = np.maximum(light, dark) >= _BAR_SHARE
    limit = int(_BAR_MAX * height)
    top, bottom = _band(bar), _band(bar[::-1])
    top = top if top <= limit else 0
    bottom = bottom if bottom <= limit else 0
    if not (top or bottom) or top + bottom >= height:
        return img
    scale = img.height / height
    return img.crop((0, round(top * scale), img.width, img.height - round(bottom * scale)))


def image_fingerprint(path: str | os.PathLike) -> str | None:
    """``phash:<16 hex>`` of the image at ``path``; None when it is missing, too large or
    not an image Pillow can read."""
    import imagehash
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        if not path.is_file() or path.stat().st_size > MAX_BYTES:
            return None
        with Image.open(path) as img:
            img.draft("RGB", (512, 512))  # JPEG: decode at a reduced size, much faster
            return PREFIX + str(imagehash.phash(strip_caption_bars(img.convert("RGB"))))
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return None


#: Folders beside a Telegram Desktop ``result.json`` that hold exported pictures.
PHOTO_FOLDERS = ("photos", "images", "stickers")


def fingerprint_photos(source, out) -> int:
    """Replace the ``media_name`` of messages whose picture was exported beside ``source``
    (``photos/<name>``, Telegram Desktop) by its :func:`image_fingerprint`; return how many.
    A message whose file is absent or unreadable keeps its file name."""
    import pyarrow as pa

    folder = Path(source.path).parent
    folders = [folder / f for f in PHOTO_FOLDERS if (folder / f).is_dir()]
    if not folders:
        return 0
    out.flush()
    cache: dict = {}
    done = 0
    for chunk in out.chunks:
        names = chunk["media_name"].to_pylist()
        changed = False
        for i, name in enumerate(names):
            if not name or Path(name).suffix.lower() not in IMAGE_SUFFIXES:
                continue
            if name not in cache:
                cache[name] = next((fp for fp in (image_fingerprint(f / name) for f in folders)
                                    if fp is not None), None)
            if cache[name] is not None:
                names[i] = cache[name]
                changed = True
                done += 1
        if changed:
            chunk["media_name"] = pa.array(names, type=pa.large_string())
    return done
