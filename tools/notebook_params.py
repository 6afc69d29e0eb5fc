"""Make a notebook take the analyst's corpus: ``CORPUS`` and ``LABELS`` in its parameters
cell, and ``corpus = wb.open_corpus(CORPUS, labels=LABELS)`` as its load cell.

Idempotent: running it twice changes nothing the second time. Edits sources only (outputs
are left as they are).

Usage: ``python tools/notebook_params.py notebooks/06-*.ipynb notebooks/07-*.ipynb``
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

PARAMETER_LINES = [
    'CORPUS = ""    # a file or folder wb.load reads (your exports); "": the bundled fixtures',
    "LABELS = None  # a labels CSV with a `group` column; None: groups are detected communities",
]
_LOAD = re.compile(r"^(?P<lhs>\s*corpus\s*=\s*)wb\.load_fixtures\((?P<args>[^)]*)\)", re.M)


def apply(path: Path) -> bool:
    """Edit one notebook in place; True if anything changed."""
    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "parameters" in cell.metadata.get("tags", []):
            lines = cell.source.splitlines()
            missing = [ln for ln in PARAMETER_LINES
                       if not any(x.startswith(ln.split("=")[0].strip() + " ") or
                                  x.startswith(ln.split("=")[0].strip() + "=") for x in lines)]
            if missing:
                at = 1 if lines and lines[0].lstrip().startswith("#") else 0
                cell.source = "\n".join(lines[:at] + missing + lines[at:])
                changed = True
        else:
            def repl(m):
                extra = m.group("args").strip()
                return (f"{m.group('lhs')}wb.open_corpus(CORPUS, labels=LABELS"
                        + (f", {extra}" if extra else "") + ")")
            new = _LOAD.sub(repl, cell.source)
            if new != cell.source:
                cell.source, changed = new, True
    if changed:
        nbformat.write(nb, path)
    return changed


def main(argv: list[str] | None = None) -> int:
    for name in argv if argv is not None else sys.argv[1:]:
        print(f"{name}: {'updated' if apply(Path(name)) else 'already takes CORPUS'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
