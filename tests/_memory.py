"""What the memory tests share: whether an address lies in the process heap (Linux), which is
where :func:`workbench.memory.keep_memory` puts large arrays and where glibc does not
otherwise."""

from __future__ import annotations


def in_heap(address: int) -> bool:
    """Whether ``address`` lies in the ``[heap]`` mapping of /proc/self/maps."""
    for line in open("/proc/self/maps"):
        if line.rstrip().endswith("[heap]"):
            lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
            if lo <= address < hi:
                return True
    return False
