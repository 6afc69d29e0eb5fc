"""Shared fixtures: paths to the project's fixtures and to the genuine samples."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "data" / "fixtures"
SAMPLES = ROOT.parent / "shared" / "samples"

# `make test` runs two pytest-xdist workers; each gets its own numba cache and IPython folder.
# Numba's cache index is rewritten by whichever process saves last, so two processes saving
# different signatures of one function at once can file one's machine code under the
# other's; and kernels started by both workers at once would share one IPython history
# database. Set before anything imports numba; subprocesses and notebook kernels inherit them.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if _WORKER:
    for _var, _sub in (("NUMBA_CACHE_DIR", "numba"), ("IPYTHONDIR", "ipython")):
        os.environ[_var] = str(ROOT / "build" / "test-workers" / _WORKER / _sub)

# No test may depend on the clock: no deadline and no "too slow" health check (a busy or 2-core
# machine runs an example many times slower than a laptop). `make test` runs the same examples
# every time (derandomized), so a rerun never passes what a run failed; to hunt for new
# examples, WORKBENCH_HYPOTHESIS=explore draws fresh random ones. Tests with their own
# @settings say deadline=None and suppress too_slow themselves (their settings replace these).
_NO_CLOCK = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60)
settings.register_profile("ci", derandomize=True, print_blob=True, **_NO_CLOCK)
settings.register_profile("dev", derandomize=True, **_NO_CLOCK)
settings.register_profile("explore", derandomize=False, print_blob=True, **_NO_CLOCK)
settings.load_profile(os.environ.get("WORKBENCH_HYPOTHESIS")
                      or ("ci" if os.environ.get("CI") == "true" else "dev"))


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
