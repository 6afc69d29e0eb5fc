"""keep_memory: large arrays come from the process heap inside it, Arrow's pool is restored
after it, and results do not depend on it."""

from __future__ import annotations


import numpy as np
import pyarrow as pa
import pytest

import workbench as wb
from workbench import memory

pytestmark = pytest.mark.skipif(memory._LIBC is None, reason="glibc only")


def _in_heap(address: int) -> bool:
    for line in open("/proc/self/maps"):
        if line.rstrip().endswith("[heap]"):
            lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
            if lo <= address < hi:
                return True
    return False


def test_large_arrays_come_from_the_heap_inside_and_not_outside(monkeypatch):
    monkeypatch.delenv("WORKBENCH_KEEP_MEMORY", raising=False)
    outside = np.ones(80_000_000 // 8)
    assert not _in_heap(outside.ctypes.data)  # glibc maps arrays this large on their own
    with memory.keep_memory():
        inside = np.ones(80_000_000 // 8)
        assert _in_heap(inside.ctypes.data)
        assert pa.default_memory_pool().backend_name == "system"
    after = np.ones(80_000_000 // 8)
    assert not _in_heap(after.ctypes.data)
    del outside, inside, after


def test_arrow_pool_restored_and_nesting(monkeypatch):
    monkeypatch.delenv("WORKBENCH_KEEP_MEMORY", raising=False)
    before = pa.default_memory_pool().backend_name
    with memory.keep_memory():
        with memory.keep_memory():
            pass
        assert pa.default_memory_pool().backend_name == "system"  # still inside the outer
    assert pa.default_memory_pool().backend_name == before


def test_switched_off_by_the_environment(monkeypatch):
    monkeypatch.setenv("WORKBENCH_KEEP_MEMORY", "0")
    with memory.keep_memory():
        inside = np.ones(80_000_000 // 8)
        assert not _in_heap(inside.ctypes.data)


def test_find_crossposts_same_result_either_way(monkeypatch, corpus):
    kept = wb.crosspost.find_crossposts(corpus)
    monkeypatch.setenv("WORKBENCH_KEEP_MEMORY", "0")
    plain = wb.crosspost.find_crossposts(corpus)
    assert len(kept) > 0
    assert kept.equals(plain)
