"""Every numbered notebook on the analyst's own, label-less data, through its parameters.

Each notebook runs once with papermill on one genuine sample from ``../shared/samples``
(rotating: Telethon JSON Lines of real public channels, a Telegram Desktop HTML export, twarc2
Twitter pages), the way README tells an analyst to run it (``-p CORPUS path``). Without
labels, ``wb.open_corpus`` groups by detected communities named after their hubs, so the
``by="group"`` analyses run; a notebook passes when every cell runs and that fallback is
announced in its output. nbval checks the same notebooks on the fixtures.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
# Few enough Telethon channels to keep the run short; they still forward each other.
TELETHON_SUBSET = 6

pytestmark = pytest.mark.slow


def _telethon(samples: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for f in sorted((samples / "telethon-real").glob("*.jsonl.gz"))[:TELETHON_SUBSET]:
        shutil.copy(f, folder / f.name)
    return folder


CASES = {
    "00-quickstart.ipynb": ("telethon", {}),
    "01-channel-network.ipynb": ("html", {}),
    "02-berlin-event-volume.ipynb": ("twitter", {"EVENT": "2022-01-01"}),
    "03-cross-posting.ipynb": ("telethon", {}),
    "04-telegram-vs-twitter.ipynb": ("twitter", {}),
    "05-briefing.ipynb": ("html", {"LABELS": None, "EVENT": None}),
}
# Notebooks whose cells would fail on a corpus other than the fixtures (none now: checks
# against planted truth read it through wb.io.fixture_truth, empty elsewhere).
NEEDS_GUARD: set[str] = set()


def _corpus(kind: str, samples: Path, tmp: Path) -> Path:
    if kind == "telethon":
        return _telethon(samples, tmp / "telethon")
    if kind == "html":
        return samples / "telegram-desktop-html" / "androidsecurity-channel-2022"
    return samples / "twitter-v2"


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason="fixture-truth cells "
                                            "without a guard")) if n in NEEDS_GUARD else n
    for n in CASES])
def test_notebook_runs_on_real_label_less_data(name, samples, tmp_path, monkeypatch):
    papermill = pytest.importorskip("papermill")
    kind, extra = CASES[name]
    params = {"CORPUS": str(_corpus(kind, samples, tmp_path)), **extra}
    source = nbformat.read(NOTEBOOKS / name, as_version=4)
    defined = next(c.source for c in source.cells if "parameters" in c.metadata.get("tags", []))
    assert "CORPUS" in defined and "LABELS" in defined, "the parameters cell takes CORPUS"
    if "EXPORT_DIR" in defined:
        params["EXPORT_DIR"] = str(tmp_path / "export")
    monkeypatch.setenv("WORKBENCH_PROGRESS", "0")
    monkeypatch.setenv("PLOTLY_RENDERER", "plotly_mimetype")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    out = tmp_path / name
    papermill.execute_notebook(str(NOTEBOOKS / name), str(out), parameters=params,
                               kernel_name="python3", progress_bar=False,
                               cwd=str(NOTEBOOKS), execution_timeout=300)
    nb = nbformat.read(out, as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    if name != "05-briefing.ipynb":  # 05 says it in the briefing's scope line instead
        text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", [])
                       if o.output_type == "stream")
        assert "no group labels" in text, "the notebook says its groups are not labels"
