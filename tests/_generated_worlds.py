"""The generated worlds that tests/test_timeline.py and tests/test_change_points.py check
beside the committed fixtures. Each of them imports the ``generated_worlds`` fixture."""

from __future__ import annotations

import pytest

import workbench as wb

WORLDS = [  # seed, settings: sparser, less clustered, and a surge after another event
    (7, dict(n_channels=30, messages_scale=0.6)),
    (11, dict(n_channels=25, messages_scale=0.4, in_group_share=0.6)),
    (7, dict(n_channels=30, messages_scale=0.6, surge_event="istanbul-2017")),
]


@pytest.fixture(scope="session")
def generated_worlds(request, tmp_path_factory):
    """Generated worlds beside the committed fixtures, so nothing is tuned to one world.
    Built once per session: each module importing this fixture has a session-scoped copy
    of its own, so the worlds are kept on the session."""
    cached = getattr(request.session, "_timeline_worlds", None)
    if cached is None:
        from workbench.synth import generate_world, write_fixtures

        cached = []
        for seed, params in WORLDS:
            folder = tmp_path_factory.mktemp(f"world{seed}")
            world = generate_world(seed, **params)
            write_fixtures(world, folder)
            corpus = wb.load(folder / "telegram", channels=folder / "channels.csv")
            cached.append((corpus, world.truth))
        request.session._timeline_worlds = cached
    return cached
