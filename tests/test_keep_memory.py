"""keep_memory: large arrays come from the process heap inside it, Arrow's pool is restored
after it, and results do not depend on it."""

from __future__ import annotations


import numpy as np
import pyarrow as pa
import pytest

import workbench as wb
from workbench import memory
from tests._memory import in_heap

pytestmark = pytest.mark.skipif(memory._LIBC is None, reason="glibc only")


def test_large_arrays_come_from_the_heap_inside_and_not_outside(monkeypatch):
    monkeypatch.delenv("WORKBENCH_KEEP_MEMORY", raising=False)
    outside = np.ones(80_000_000 // 8)
    assert not in_heap(outside.ctypes.data)  # glibc maps arrays this large on their own
    with memory.keep_memory():
        inside = np.ones(80_000_000 // 8)
        assert in_heap(inside.ctypes.data)
        assert pa.default_memory_pool().backend_name == "system"
    after = np.ones(80_000_000 // 8)
    assert not in_heap(after.ctypes.data)
    del outside, inside, after


def test_arrow_pool_restored_and_nesting(monkeypatch):
    monkeypatch.delenv("WORKBENCH_KEEP_MEMORY", raising=False)
    before = pa.default_memory_pool().backend_name
    with memory.keep_memory():
        with memory.keep_memory():
            pass
        assert pa.default_memory_pool().backend_name == "system"  # still inside the outer
    assert pa.default_memory_pool().backend_name == before


def test_numpy_huge_pages_off_inside_and_restored(monkeypatch):
    monkeypatch.delenv("WORKBENCH_KEEP_MEMORY", raising=False)
    original = memory._numpy_hugepage(True)
    if original is None:
        pytest.skip("this numpy has no huge-page switch")
    try:
        for before in (True, False):
            memory._numpy_hugepage(before)
            with memory.keep_memory():
                assert memory._numpy_hugepage(False) is False  # (reads and keeps it off)
            assert memory._numpy_hugepage(True) is before
            with pytest.raises(ZeroDivisionError), memory.keep_memory():
                1 / 0
            assert memory._numpy_hugepage(True) is True  # restored after the exception
    finally:
        memory._numpy_hugepage(original)


def test_switched_off_by_the_environment(monkeypatch):
    monkeypatch.setenv("WORKBENCH_KEEP_MEMORY", "0")
    with memory.keep_memory():
        inside = np.ones(80_000_000 // 8)
        assert not in_heap(inside.ctypes.data)


def test_find_crossposts_same_result_either_way(monkeypatch, corpus):
    kept = wb.crosspost.find_crossposts(corpus)
    monkeypatch.setenv("WORKBENCH_KEEP_MEMORY", "0")
    plain = wb.crosspost.find_crossposts(corpus)
    assert len(kept) > 0
    assert kept.equals(plain)


def _faults_of_churn() -> int:
    """Minor page faults of allocating and freeing a 5 MB array 200 times."""
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(200):
        a = np.ones(5_000_000 // 8)
        del a
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def test_leaves_the_allocator_reusing_memory(monkeypatch):
    # glibc's start-up thresholds, once overwritten, would map every array above 128 KiB
    # afresh: 200 x 5 MB = about 240,000 faults; reused from the heap, a few hundred.
    monkeypatch.delenv("WORKBENCH_KEEP_MEMORY", raising=False)
    with memory.keep_memory():
        pass
    assert _faults_of_churn() < 20_000


def test_settings_restored_when_the_block_raises(monkeypatch):
    monkeypatch.delenv("WORKBENCH_KEEP_MEMORY", raising=False)
    before = pa.default_memory_pool().backend_name
    with pytest.raises(KeyError):
        with memory.keep_memory():
            raise KeyError("inside")
    assert pa.default_memory_pool().backend_name == before
    assert memory._depth == 0
    after = np.ones(80_000_000 // 8)
    assert not in_heap(after.ctypes.data)
