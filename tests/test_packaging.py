"""The two ways to install declare the same packages, and the pins cover them all."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml  # pyyaml comes with jupyter; only tests read YAML

ROOT = Path(__file__).resolve().parents[1]

# PyPI name -> conda-forge name where they differ (conda-forge is not reachable here, so the
# check is static: this map is the claim a maintainer reviews).
CONDA_NAME = {"duckdb": "python-duckdb", "kaleido": "python-kaleido"}


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].strip().lower()


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_environment_yml_declares_exactly_the_pyproject_dependencies():
    project = _pyproject()["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        wanted |= {_name(r) for r in extra}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    declared = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    assert declared == {CONDA_NAME.get(n, n) for n in wanted}


def test_environment_yml_lower_bounds_match_pyproject():
    project = _pyproject()["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    bounds = {CONDA_NAME.get(_name(r), _name(r)): r.split(">=")[1] for r in reqs if ">=" in r}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    for dep in env["dependencies"]:
        if isinstance(dep, str) and ">=" in dep and _name(dep) in bounds:
            assert dep.split(">=")[1] == bounds[_name(dep)], dep


def test_constraints_pin_every_declared_package():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.strip().lower().replace("_", "-")] = version
    project = _pyproject()["project"]
    needed = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    missing = sorted(n for n in needed if n.replace("_", "-") not in pins)
    assert not missing, f"constraints.txt does not pin {missing}"
    assert all(v for v in pins.values()), "every constraint is an exact pin"


def test_ci_runs_exactly_make_test():
    script = (ROOT / ".ci" / "run").read_text()
    commands = [l for l in script.splitlines() if l.strip() and not l.lstrip().startswith(("#", "set ", "cd "))]
    assert commands == ["exec make test"]
