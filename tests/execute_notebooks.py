"""Execute notebooks in place the way nbval will check them, and strip widget state.

Usage: ``python tests/execute_notebooks.py [notebooks/NN-name.ipynb ...]`` (default: all).
Run through ``make notebooks`` so progress bars are off and plotly uses its mimetype renderer.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor

ROOT = Path(__file__).resolve().parents[1]


def execute(path: Path) -> None:
    os.environ.setdefault("WORKBENCH_PROGRESS", "0")
    os.environ.setdefault("PLOTLY_RENDERER", "plotly_mimetype")
    nb = nbformat.read(path, as_version=4)
    ExecutePreprocessor(timeout=600, kernel_name="python3").preprocess(
        nb, {"metadata": {"path": str(path.parent)}})
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                 "name": "python3"}
    for cell in nb.cells:
        cell.get("metadata", {}).pop("execution", None)
    nbformat.write(nb, path)
    print(f"executed {path.relative_to(ROOT)}")


if __name__ == "__main__":
    paths = [Path(p).resolve() for p in sys.argv[1:]] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for p in paths:
        execute(p)
