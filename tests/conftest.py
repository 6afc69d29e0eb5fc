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


WORLDS = [  # seed, settings: sparser, less clustered, and a surge after another event
    (7, dict(n_channels=30, messages_scale=0.6)),
    (11, dict(n_channels=25, messages_scale=0.4, in_group_share=0.6)),
    (7, dict(n_channels=30, messages_scale=0.6, surge_event="istanbul-2017")),
]


@pytest.fixture(scope="session")
def generated_worlds(tmp_path_factory):
    """Generated worlds beside the committed fixtures, so nothing is tuned to one world
    (the timeline and change-point tests check them): (corpus, truth) per world."""
    import workbench as wb
    from workbench.synth import generate_world, write_fixtures

    worlds = []
    for seed, params in WORLDS:
        folder = tmp_path_factory.mktemp(f"world{seed}")
        world = generate_world(seed, **params)
        write_fixtures(world, folder)
        corpus = wb.load(folder / "telegram", channels=folder / "channels.csv")
        worlds.append((corpus, world.truth))
    return worlds
