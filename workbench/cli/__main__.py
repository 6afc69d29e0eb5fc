"""``python -m workbench.cli``: the ``workbench`` command."""

import sys

from . import main

if __name__ == "__main__":  # ingest's worker processes import this module again
    sys.exit(main())
