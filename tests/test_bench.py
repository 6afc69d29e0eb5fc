"""Every benchmark runs at its quick size, so the benchmarks never rot."""

import importlib

import pandas as pd
import pytest

from bench import BENCHES


@pytest.mark.parametrize("name", BENCHES)
def test_benchmark_runs_quick(name):
    try:
        module = importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"bench.{name}":
            pytest.skip(f"bench/{name}.py not written yet")
        raise
    table = module.run(quick=True)
    assert isinstance(table, pd.DataFrame) and len(table) > 0
    assert table.notna().any().all()


def test_real_text_benchmark_runs_quick():
    from bench.crosspost import run_real

    # (The baselines, scikit-learn and QUT's toolkit, cost most of the time and are not ours.)
    methods = ("floor", "floor-normalised", "workbench")
    table = run_real(quick=True, methods=methods).set_index("method")
    assert set(table.index) == set(methods)
    for floor in ("floor", "floor-normalised"):
        assert table.at[floor, "cpu_s"] > 0 and table.at[floor, "text_mb"] > 0
    for column in ("recall_light", "recall_short", "recall_reworded", "recall_quoted",
                   "precision"):
        assert 0 <= table.at["workbench", column] <= 1
