"""Benchmark: render the fixture world's Berlin briefing end to end, as ``make briefing`` does.

``workbench brief --corpus data/fixtures/telegram --labels data/fixtures/channels.csv
--event berlin-2016`` runs in its own process: parameter checks, papermill starting a kernel,
loading, every analysis, the nbconvert export with plotly.js inlined, writing the HTML. The
second row times the analyses alone (``build_briefing`` in one process, no kernel, no export),
so the rest is the notebook machinery. ``quick`` renders the same briefing (the fixture world is
the smallest real case, and a render costs about the same at any smaller size) and skips the
second row.

Quality: the HTML's size (target: under 8 MB), its figures, and whether it is offline (no
reference to any host outside the inlined plotly.js).

Peak memory is the largest resident size of any process of the render (command line or
kernel).
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from bench._measure import measure

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "data" / "fixtures"


def render_stage(out: str):
    """Run the command line; return (seconds, size, figures, offline, peak bytes of the
    render's processes)."""
    env = {**os.environ, "WORKBENCH_PROGRESS": "0"}
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "brief", "--corpus", str(FIXTURES / "telegram"),
         "--labels", str(FIXTURES / "channels.csv"), "--event", "berlin-2016", "--out", out],
        # In the output's own fresh folder: `python -m` puts the working folder first on the
        # import path, and a stray `timeit.py` or the like in the system's temporary folder
        # broke the run there.
        env=env, capture_output=True, text=True, cwd=str(Path(out).parent))
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"workbench brief failed: {proc.stderr[-2000:]}")
    page = Path(out).read_text(encoding="utf-8")
    from workbench.briefing import external_references

    bundle = max(re.findall(r"<script>(.*?)</script>", page, re.DOTALL), key=len)
    offline = not external_references(page.replace(bundle, ""))
    figures = page.count('class="plotly-graph-div wb-figure"')
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return seconds, len(page.encode("utf-8")), figures, offline, peak


def analyses_stage():
    from workbench.briefing import build_briefing

    brief = build_briefing(FIXTURES / "telegram", labels=FIXTURES / "channels.csv",
                           event="berlin-2016")
    return len(brief.messages), brief.keyword_terms[:1]


def run(*, quick: bool = False) -> pd.DataFrame:
    """Two rows: the end-to-end render and the analyses alone (``quick``: the render only)."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-briefing-") as work:
        out = str(Path(work) / "briefing.html")
        _, _, (seconds, size, figures, offline, peak) = measure(render_stage, out)
        rows.append({"stage": "workbench brief (end to end)", "seconds": seconds,
                     "peak_MB": peak / 2**20, "size_MB": size / 2**20,
                     "quality": f"{figures} figures, "
                                f"{'offline' if offline else 'REFERENCES OUTSIDE HOSTS'}, "
                                f"{'under' if size < 8 * 2**20 else 'OVER'} 8 MB"})
    if quick:  # the render alone keeps the test suite's run of every benchmark short
        return _rounded(pd.DataFrame(rows))
    seconds, peak, (messages, terms) = measure(analyses_stage)
    rows.append({"stage": "analyses only (build_briefing)", "seconds": seconds,
                 "peak_MB": peak / 2**20, "size_MB": float("nan"),
                 "quality": f"{messages:,} messages; top rising term {terms[0] if terms else '-'}"})
    return _rounded(pd.DataFrame(rows))


def _rounded(table: pd.DataFrame) -> pd.DataFrame:
    table["seconds"] = table["seconds"].round(2)
    table["peak_MB"] = table["peak_MB"].round()
    table["size_MB"] = table["size_MB"].round(2)
    return table
