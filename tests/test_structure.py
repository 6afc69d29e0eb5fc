"""The package's shape holds: no import cycle between packages, no reach into another
package's private names without a stated reason, no module past the size a reader can hold.

Measured by ``tools/structure.py`` (run it for the full report)."""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def structure():
    spec = importlib.util.spec_from_file_location("structure", ROOT / "tools" / "structure.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["structure"] = module  # dataclasses look their module up while defining
    spec.loader.exec_module(module)
    return module


def test_no_import_cycle_between_packages(structure):
    imports, _ = structure.collect()
    assert structure.package_cycles(imports) == []


def test_private_names_stay_home_unless_justified(structure):
    imports, _ = structure.collect()
    names, _modules = structure.reach_ins(imports)
    unjustified = [f"{i.module}:{i.line} <- {i.target}.{i.name}" for i in names
                   if not i.justified]
    assert unjustified == []
    assert len(names) <= 5  # "a handful", each with a `# private: why` comment


def test_no_module_over_the_ceiling(structure):
    _, sizes = structure.collect()
    assert {p: n for p, n in sizes.items() if n > structure.MAX_LINES} == {}


def test_the_checker_sees_a_planted_cycle_and_reach_in(structure):
    # The measures must be able to fail: a hand-made import list with a cycle and a reach-in.
    Import = structure.Import
    planted = [
        Import("workbench.a.x", "workbench.b.y", "f", 1, False),
        Import("workbench.b.y", "workbench.a._z", "_g", 2, False),
        Import("workbench.c", "workbench.a._z", "h", 3, True),
    ]
    assert structure.package_cycles(planted) == [["workbench.a", "workbench.b"]]
    names, modules = structure.reach_ins(planted)
    assert [(i.module, i.name) for i in names] == [("workbench.b.y", "_g")]
    assert [(i.module, i.name) for i in modules] == [("workbench.c", "h")]


def test_report_runs(structure):
    out = io.StringIO()
    assert structure.report(out) == 0, out.getvalue()
    assert "package import cycles" in out.getvalue()
