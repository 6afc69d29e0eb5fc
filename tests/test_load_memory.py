"""wb.load inside keep_memory: the loading process and each reading process allocate their
large arrays from the heap (glibc), and the corpus is the same table for table either way."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench import memory
from workbench.errors import WorkbenchWarning
from workbench.io import _pool, files
from tests._memory import in_heap

TABLES = ("messages", "channels", "rejected", "service", "files")


def _probe(module, name, monkeypatch, report):
    """Wrap ``module.name`` (a file reader) so that, each time it reads a file, the calling
    process appends ``<pid> <whether an 80 MB array came from its heap>`` to ``report``."""
    real = getattr(module, name)

    def probing(*args, **kwargs):
        block = np.ones(80_000_000 // 8)
        with open(report, "a") as fh:
            fh.write(f"{os.getpid()} {int(in_heap(block.ctypes.data))}\n")
        del block
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, probing)


def _reports(report) -> dict[int, set[int]]:
    seen: dict[int, set[int]] = {}
    for line in open(report):
        pid, flag = map(int, line.split())
        seen.setdefault(pid, set()).add(flag)
    return seen


def _load(folder, keep: str, workers: str, monkeypatch):
    monkeypatch.setenv("WORKBENCH_KEEP_MEMORY", keep)
    monkeypatch.setenv("WORKBENCH_WORKERS", workers)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)  # the samples' own notes
        return wb.load(folder, progress=False)


def _assert_same(a, b):
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table), obj=table)


@pytest.mark.skipif(memory._LIBC is None, reason="glibc only")
@pytest.mark.parametrize("keep, expected", [("1", {1}), ("0", {0})])
def test_each_reading_process_keeps_memory(tmp_path, monkeypatch, fixtures_dir, keep,
                                           expected):
    report = tmp_path / "report"
    _probe(_pool, "read_file", monkeypatch, report)
    _load(fixtures_dir / "telegram", keep, "2", monkeypatch)
    seen = _reports(report)
    assert seen and os.getpid() not in seen  # read by the forked processes, not this one
    assert all(flags == expected for flags in seen.values())


@pytest.mark.skipif(memory._LIBC is None, reason="glibc only")
@pytest.mark.parametrize("keep, expected", [("1", {1}), ("0", {0})])
def test_loading_in_one_process_keeps_memory(tmp_path, monkeypatch, fixtures_dir, keep,
                                             expected):
    report = tmp_path / "report"
    _probe(files, "read_file", monkeypatch, report)
    _load(fixtures_dir / "telegram", keep, "1", monkeypatch)
    assert _reports(report) == {os.getpid(): expected}


@pytest.mark.parametrize("workers", ["1", "2"])
def test_fixtures_same_with_and_without_keep_memory(monkeypatch, fixtures_dir, workers):
    kept = _load(fixtures_dir / "telegram", "1", workers, monkeypatch)
    plain = _load(fixtures_dir / "telegram", "0", workers, monkeypatch)
    assert len(kept.messages) > 0
    _assert_same(kept, plain)


@pytest.mark.parametrize("sample, workers", [("telegram-desktop", "1"),
                                             ("telethon-real", "2")])
def test_genuine_samples_same_with_and_without_keep_memory(monkeypatch, samples, sample,
                                                           workers):
    kept = _load(samples / sample, "1", workers, monkeypatch)
    plain = _load(samples / sample, "0", workers, monkeypatch)
    assert len(kept.messages) > 0
    _assert_same(kept, plain)
