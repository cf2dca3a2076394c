"""A worker's thread share holds even where Numba was imported first (as importing any module
with kernels does): two workers of two threads each on two cores ran members 7x slower."""

from __future__ import annotations

import os
import subprocess
import sys

CHECK = """
import socialcredit.metrics.collector  # imports Numba, with NUMBA_NUM_THREADS=2 from the env
import os
os.environ["NUMBA_NUM_THREADS"] = "1"  # too late to matter: what the workers used to rely on
from numba import get_num_threads
from socialcredit.threads import limit_threads
before = get_num_threads()
limit_threads(1)
print(before, get_num_threads())
"""


def test_limit_threads_holds_after_numba_was_imported() -> None:
    env = os.environ | {"NUMBA_NUM_THREADS": "2"}
    done = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2", "1"]
