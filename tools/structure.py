"""Measure the package's import structure: cycles, private reach-ins, module sizes.

Run ``python tools/structure.py`` from the project root (no dependencies beyond networkx).
It prints three tables and exits non-zero when a rule of the architecture is broken:

- **cycles**: strongly connected groups of packages (``workbench.io``, ``workbench.network``,
  ..., each top-level module such as ``workbench.schema`` counting as its own package) in the
  graph of every import statement, including imports inside functions;
- **private reach-ins**: an import from another package of a name that starts with ``_``
  (``from ..network._edges import _empty_edges``). Importing a public name from another
  package's private module (``from ..network._edges import forward_edges``) is counted apart,
  as *private-module* imports: harmless, but the public way is the package's ``__init__``;
- **sizes**: the largest modules, with the ~800-line ceiling.

A reach-in that is deliberate carries a comment ``# private: <why>`` on its import line; the
report lists those as justified.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "workbench"
MAX_LINES = 800


@dataclass(frozen=True)
class Import:
    module: str  # importing module, dotted
    target: str  # imported module, dotted
    name: str | None  # imported name (None for ``import x``)
    line: int
    justified: bool


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def package_of(module: str) -> str:
    """``workbench.io.desktop`` -> ``workbench.io``; ``workbench.schema`` -> itself."""
    parts = module.split(".")
    return ".".join(parts[:2])


def imports_of(path: Path) -> list[Import]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source, filename=str(path))
    me = module_name(path)
    is_pkg = path.name == "__init__.py"
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = me.split(".") if is_pkg else me.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith(PACKAGE):
                continue
            span = " ".join(lines[node.lineno - 1: (node.end_lineno or node.lineno)])
            justified = "# private:" in span
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                # ``from . import _analyses`` imports a module, not a name
                if (ROOT / Path(*sub.split("."))).with_suffix(".py").exists() or \
                        (ROOT / Path(*sub.split(".")) / "__init__.py").exists():
                    found.append(Import(me, sub, None, node.lineno, justified))
                else:
                    found.append(Import(me, target, alias.name, node.lineno, justified))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(PACKAGE):
                    found.append(Import(me, alias.name, None, node.lineno, False))
    return found


def collect() -> tuple[list[Import], dict[str, int]]:
    imports, sizes = [], {}
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        sizes[str(path.relative_to(ROOT))] = len(path.read_text(encoding="utf-8").splitlines())
        imports.extend(imports_of(path))
    return imports, sizes


def package_cycles(imports: list[Import]) -> list[list[str]]:
    graph = nx.DiGraph()
    for imp in imports:
        a, b = package_of(imp.module), package_of(imp.target)
        if a != b and b != PACKAGE and a != PACKAGE:
            graph.add_edge(a, b)
    return sorted(sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1)


def _private(part: str) -> bool:
    return part.startswith("_") and not part.startswith("__")


def reach_ins(imports: list[Import]) -> tuple[list[Import], list[Import]]:
    """(imports of private names, imports of public names from private modules)."""
    names, modules = [], []
    for imp in imports:
        if package_of(imp.module) == package_of(imp.target):
            continue
        inner = imp.target.split(".")[2:]
        if imp.name is not None and _private(imp.name):
            names.append(imp)
        elif imp.name is None and inner and _private(inner[-1]):
            names.append(imp)  # a private module imported whole
        elif any(_private(p) for p in inner):
            modules.append(imp)
    return names, modules


def report(out=sys.stdout) -> int:
    imports, sizes = collect()
    cycles = package_cycles(imports)
    names, modules = reach_ins(imports)
    unjustified = [i for i in names if not i.justified]
    big = {p: n for p, n in sizes.items() if n > MAX_LINES}

    print(f"{'measure':<44} {'count':>7}", file=out)
    print(f"{'-' * 44} {'-' * 7}", file=out)
    rows = [
        ("modules", len(sizes)),
        ("lines", sum(sizes.values())),
        ("package import cycles", len(cycles)),
        ("cross-package imports of private names", len(names)),
        ("  of which justified (# private: why)", len(names) - len(unjustified)),
        ("cross-package imports from private modules", len(modules)),
        (f"modules over {MAX_LINES} lines", len(big)),
        ("modules over 600 lines", sum(n > 600 for n in sizes.values())),
    ]
    for label, value in rows:
        print(f"{label:<44} {value:>7,}", file=out)
    for cycle in cycles:
        print(f"\ncycle: {' <-> '.join(cycle)}", file=out)
    if names:
        print("\nprivate names imported across packages:", file=out)
        for imp in names:
            mark = "ok " if imp.justified else "   "
            what = f"{imp.target}.{imp.name}" if imp.name else imp.target
            print(f"  {mark}{imp.module}:{imp.line} <- {what}", file=out)
    print("\nlargest modules:", file=out)
    for path, n in Counter(sizes).most_common(10):
        print(f"  {n:>5}  {path}", file=out)
    return int(bool(cycles or unjustified or big))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    return report()


if __name__ == "__main__":
    sys.exit(main())
