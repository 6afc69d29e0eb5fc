"""The notebooks keep the house conventions that nbval alone does not check."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_numbered_notebooks():
    assert NOTEBOOKS
    for path in NOTEBOOKS:
        assert re.fullmatch(r"\d\d-[a-z0-9-]+\.ipynb", path.name), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_conventions(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert "widgets" not in nb.metadata, "strip metadata.widgets before committing"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and "parameters" in code[0].metadata.get("tags", []), \
        "the first code cell is the parameters cell, tagged `parameters`"
    for cell in code:
        assert cell.execution_count is not None, f"unexecuted cell: {cell.source[:60]!r}"
        tree = ast.parse(cell.source)
        defs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef,
                                                             ast.AsyncFunctionDef, ast.Lambda))]
        assert not defs, f"`def`/`class`/lambda in a notebook cell: {cell.source[:80]!r}"
        for out in cell.get("outputs", []):
            text = str(out)
            assert str(ROOT) not in text and str(Path.home()) + "/" not in text \
                and "/tmp/" not in text, \
                f"a local path in the output of {cell.source[:60]!r}"
            assert out.get("name") != "stderr", f"stderr output in {cell.source[:60]!r}"
            assert "Traceback" not in text
