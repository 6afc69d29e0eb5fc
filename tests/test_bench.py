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
