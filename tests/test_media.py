"""Media that repeats: perceptual fingerprints of exported pictures join cross-posting clusters.

Pictures are generated here (smooth colour fields, noise and shapes, as photos are not flat):
the same picture re-encoded, resized and with a caption bar must stay within the documented
Hamming threshold; distinct pictures must not.
"""

from __future__ import annotations

import io
import itertools
import json
import shutil
import warnings

import numpy as np
import pytest
from PIL import Image, ImageDraw

import workbench as wb
from workbench.io.media import MAX_DISTANCE, hamming, image_fingerprint

T0 = 1_480_000_000


def picture(seed: int, size=(480, 360)) -> Image.Image:
    rng = np.random.default_rng([seed, 18])
    y, x = np.mgrid[0:size[1], 0:size[0]]
    base = np.stack([(np.sin(x / rng.uniform(20, 90) + rng.uniform(0, 6))
                      + np.cos(y / rng.uniform(20, 90))) * 60 + rng.uniform(60, 190)
                     for _ in range(3)], -1)
    base += rng.normal(0, 12, base.shape)
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    for _ in range(8):
        x0, y0 = int(rng.integers(size[0])), int(rng.integers(size[1]))
        draw.ellipse([x0, y0, x0 + int(rng.integers(30, 200)), y0 + int(rng.integers(30, 160))],
                     fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
    return img


def reencoded(img, quality=35):
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def resized(img, factor=0.5):
    return img.resize((int(img.width * factor), int(img.height * factor)))


def captioned(img, share=0.12, colour="white"):
    bar = int(img.height * share)
    out = Image.new("RGB", (img.width, img.height + bar), colour)
    out.paste(img, (0, 0))
    ImageDraw.Draw(out).text((10, img.height + bar // 3), "t.me/somechannel #news",
                             fill="black" if colour == "white" else "white")
    return out


VARIANTS = {
    "re-encoded": reencoded,
    "resized": resized,
    "caption bar": captioned,
    "black bar": lambda im: captioned(im, 0.2, "black"),
    "all three": lambda im: captioned(resized(reencoded(im))),
}


def _fp(img, tmp_path, name):
    path = tmp_path / f"{name}.png"
    img.save(path)
    return image_fingerprint(path)


def test_variants_stay_within_the_threshold_and_distinct_pictures_do_not(tmp_path):
    originals = {s: _fp(picture(s), tmp_path, f"p{s}") for s in range(10)}
    for s, fp in originals.items():
        for name, make in VARIANTS.items():
            d = hamming(fp, _fp(make(picture(s)), tmp_path, f"v{s}"))
            assert d <= MAX_DISTANCE, (s, name, d)
    for a, b in itertools.combinations(originals, 2):
        assert hamming(originals[a], originals[b]) > MAX_DISTANCE, (a, b)


def test_not_an_image_keeps_no_fingerprint(tmp_path):
    (tmp_path / "x.jpg").write_bytes(b"not a picture")
    assert image_fingerprint(tmp_path / "x.jpg") is None
    assert image_fingerprint(tmp_path / "missing.jpg") is None


def _words(seed: int) -> str:
    """Text no other message shares (so only pictures can join messages)."""
    rng = np.random.default_rng([seed, 7])
    return " ".join("".join(chr(97 + c) for c in rng.integers(0, 26, 7)) for _ in range(6))


def _export(folder, cid, name, items):
    """A Desktop channel export whose photos are saved in photos/ as Desktop names them."""
    (folder / "photos").mkdir(parents=True)
    messages = []
    for mid, (img, text) in enumerate(items, 1):
        stamp = T0 + cid % 97 * 600 + mid * 3600
        file = f"photo_{mid}@01-12-2016_10-00-{mid:02d}.jpg"
        img.save(folder / "photos" / file, "JPEG", quality=90)
        messages.append({"id": mid, "type": "message", "date_unixtime": str(stamp),
                         "photo": f"photos/{file}", "width": img.width, "height": img.height,
                         "text": text})
    for k in range(20):  # unrelated chatter, so that a shared picture is distinctive
        messages.append({"id": 100 + k, "type": "message",
                         "date_unixtime": str(T0 + 86400 * 3 + k * 600),
                         "text": _words(cid * 100 + k)})
    (folder / "result.json").write_text(json.dumps(
        {"name": name, "type": "public_channel", "id": cid, "messages": messages}))


@pytest.fixture()
def exports(tmp_path):
    shared = picture(1000)
    root = tmp_path / "exports"
    variants = [shared, reencoded(resized(shared)), captioned(shared)]
    captions = ["Breaking news from the front", "Последние новости с фронта",
                "أخبار عاجلة من الجبهة"]  # the same picture, captioned in three languages
    for k, (variant, caption) in enumerate(zip(variants, captions)):
        cid = 1500 + k
        _export(root / f"c{k}", cid, f"Channel {k}",
                [(variant, caption), (picture(2000 + k), _words(k))])
    return root


def _clusters(root):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = wb.load(root, progress=False)
    return corpus, wb.crosspost.find_crossposts(corpus.messages)


def test_near_identical_pictures_join_one_cluster_across_languages(exports):
    corpus, clusters = _clusters(exports)
    names = corpus.messages.set_index(["channel_id", "message_id"])["media_name"]
    assert all(str(names[(f"telegram:{1500 + k}", 1)]).startswith("phash:") for k in range(3))
    shared = clusters[clusters["message_id"] == 1]
    assert sorted(shared["channel_id"]) == [f"telegram:{1500 + k}" for k in range(3)]
    assert shared["cluster_id"].nunique() == 1
    assert not clusters["message_id"].eq(2).any()  # each channel's own picture stays apart


def test_without_the_picture_files_media_falls_back_to_names(exports):
    for k in range(3):
        shutil.rmtree(exports / f"c{k}" / "photos")
    corpus, clusters = _clusters(exports)
    assert not corpus.messages["media_name"].astype(str).str.startswith("phash:").any()
    assert not clusters["message_id"].eq(1).any()
