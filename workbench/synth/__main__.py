"""``python -m workbench.synth``: regenerate the fixture world (see :func:`workbench.synth.main`)."""

from . import main

raise SystemExit(main())
