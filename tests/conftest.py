"""Shared fixtures: paths to the project's fixtures and to the genuine samples."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "data" / "fixtures"
SAMPLES = ROOT.parent / "shared" / "samples"

# CI: reproducible examples and no deadline (a 2-core CI machine is slower than a laptop).
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=60,
                          print_blob=True)
settings.register_profile("dev", deadline=None, max_examples=60)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")


@pytest.fixture(scope="session")
def samples() -> Path:
    """The genuine third-party samples beside the project (``../shared/samples``).

    Skipped with a reason when absent, except in CI (``CI=true``), where absence fails.
    """
    if not SAMPLES.is_dir():
        message = f"genuine samples not found at {SAMPLES} (a checkout outside the workplace)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return SAMPLES


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def corpus():
    """The bundled fixture corpus, loaded once per test session."""
    import workbench as wb

    return wb.load_fixtures()


@pytest.fixture(scope="session")
def truth() -> dict:
    import json

    return json.loads((FIXTURES / "truth.json").read_text(encoding="utf-8"))
