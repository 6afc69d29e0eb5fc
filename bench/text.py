"""Benchmark: language identification (``wb.text.languages``), speed and accuracy.

Speed: 10^6 messages (``quick``: 2,000) built from the fixture world's texts and its
language editions (pseudo-word posts in three scripts, real sentences in twelve languages,
with URLs, handles, hashtags and emoji), each made distinct by a second text's opening words,
plus 30% exact repeats (forwards and copies, as in real channels). Identified with one
process and with two (``workers=2``), each in a forked child; "msg/s" counts every message,
"CPU s" is the processor time of the identifying processes (on a machine other jobs share,
wall time overstates the cost and CPU time is the fairer figure).

Accuracy: the twelve languages' sentences of the fixture generator (``workbench.synth.SENTENCES``), as
3-word openings, single sentences and four-sentence paragraphs; with all 97 languages and
with the twelve as ``candidates``.
"""

from __future__ import annotations

import os
import resource
import time

import numpy as np
import pandas as pd

from bench._measure import measure

FULL = 1_000_000
QUICK = 2_000


def make_texts(n: int, *, seed: int = 0) -> list[str]:
    """``n`` message texts: distinct ones from the fixture texts plus 30% repeats."""
    import warnings

    import workbench as wb

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = wb.load_fixtures(editions=True, progress=False)
    pool = corpus.messages["text"].dropna().tolist()
    rng = np.random.default_rng(seed)
    n_distinct = max(1, int(n * 0.7))
    first = rng.integers(len(pool), size=n_distinct)
    second = rng.integers(len(pool), size=n_distinct)
    texts = [pool[i] + " " + " ".join(pool[j].split()[:3]) for i, j in zip(first, second)]
    texts += [texts[i] for i in rng.integers(n_distinct, size=n - n_distinct)]
    return texts


def identify_stage(texts: list[str], workers: int) -> dict:
    import workbench as wb

    # The model loads once per process (about a second): not part of the rate.
    wb.text.languages(pd.Series(["the model loads on first use"]))
    cpu0 = time.process_time()
    start = time.perf_counter()
    langs = wb.text.languages(pd.Series(texts), workers=workers)
    seconds = time.perf_counter() - start
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() - cpu0 + children.ru_utime + children.ru_stime
    return {"seconds": seconds, "cpu": cpu, "identified": int(langs.notna().sum())}


def accuracy_rows() -> list[dict]:
    import workbench as wb
    from workbench.synth import SENTENCES

    cases = {"3 words": [], "sentence": [], "4 sentences": []}
    for lang, sents in SENTENCES.items():
        for i, s in enumerate(sents):
            cases["3 words"].append((lang, " ".join(s.split()[:3])))
            cases["sentence"].append((lang, s))
            cases["4 sentences"].append((lang, " ".join(sents[(i + j) % 8] for j in range(4))))
    rows = []
    for label, cands in (("all 97", None), ("12 candidates", list(SENTENCES))):
        for case, items in cases.items():
            truth = [lang for lang, _ in items]
            got = wb.text.languages(pd.Series([t for _, t in items]), min_letters=1,
                                    candidates=cands)
            right = sum(g == t for g, t in zip(got.fillna("NA"), truth))
            wrong = sorted({f"{t}->{g}" for g, t in zip(got.fillna("NA"), truth) if g != t})
            rows.append({"stage": f"accuracy, {label}", "messages": len(items), "workers": 1,
                         "seconds": np.nan, "msg/s": np.nan, "CPU s": np.nan,
                         "quality": f"{case}: {right}/{len(items)} right"
                                    + (f" ({', '.join(wrong[:6])})" if wrong else "")})
    return rows


def run(*, quick: bool = False) -> pd.DataFrame:
    """Speed of ``languages`` on 10^6 messages (``quick``: 2,000), one and two processes;
    accuracy on the twelve languages' sentences."""
    n = QUICK if quick else FULL
    texts = make_texts(n, seed=2016)
    rows = []
    for workers in (1, 2):
        seconds, _peak, result = measure(identify_stage, texts, workers)
        wall = result["seconds"]
        rows.append({"stage": "languages", "messages": n, "workers": workers,
                     "seconds": round(wall, 2), "msg/s": round(n / wall),
                     "CPU s": round(result["cpu"], 2),
                     "quality": f"{result['identified']:,} identified; "
                                f"load average {os.getloadavg()[0]:.1f}"})
    rows += accuracy_rows()
    return pd.DataFrame(rows)
