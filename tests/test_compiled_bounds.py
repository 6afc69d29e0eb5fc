"""The compiled loops check no bounds (:func:`workbench.compiled.compiled`): their test files
run again here with numba's checks on (and a cache of their own), so a read or write past an
array fails a test instead of corrupting memory quietly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
#: The test files of every compiled loop.
KERNEL_TESTS = ("test_crosspost_kernels.py", "test_text_fold.py")


def test_kernel_tests_pass_with_bounds_checks(tmp_path):
    env = {**os.environ, "NUMBA_BOUNDSCHECK": "1", "NUMBA_CACHE_DIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           *(str(HERE / name) for name in KERNEL_TESTS)], env=env,
                          capture_output=True, text=True, cwd=HERE.parent)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout and " failed" not in proc.stdout


def test_bounds_checks_are_live(tmp_path):
    # A loop that reads one past its array must raise under the checks (else the runs above
    # prove nothing).
    code = ("import numpy as np\n"
            "from workbench.compiled import compiled\n"
            "@compiled\n"
            "def past(a):\n"
            "    return a[len(a)]\n"
            "try:\n"
            "    past(np.zeros(3))\n"
            "except IndexError:\n"
            "    print('checked')\n")
    env = {**os.environ, "NUMBA_BOUNDSCHECK": "1", "NUMBA_CACHE_DIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, cwd=HERE.parent)
    assert proc.stdout.strip() == "checked", proc.stderr[-2000:]
