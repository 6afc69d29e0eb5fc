"""Benchmarks: ``python -m bench [NAME ...] [--quick]`` prints one table per benchmark.

Each module in ``BENCHES`` exposes ``run(*, quick: bool = False) -> pandas.DataFrame``.
``--quick`` uses tiny sizes so the test suite can run every benchmark and keep it from rotting;
the figures worth quoting come from full runs.
"""

BENCHES = ["load", "formats", "network", "timeline", "crosspost", "store", "briefing", "text"]
