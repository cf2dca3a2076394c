"""How many threads this process's compiled kernels use: one place for every worker process.

A worker (an ensemble member's process, a Ray actor, a shard) runs beside others on the same
cores, so it must use its share, not all of them: two workers of two threads on two cores spin
against each other (measured 7x slower per member). ``NUMBA_NUM_THREADS`` is read once, when
Numba is first imported, which any import of a module with kernels does; so the share is set
with ``numba.set_num_threads``, which holds whenever Numba was imported. It changes no result,
only the speed.
"""

from __future__ import annotations


def limit_threads(threads: int) -> None:
    """Use at most ``threads`` threads (at least 1, at most what Numba started with)."""
    from numba import config, set_num_threads

    most = config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]  # set at import
    set_num_threads(max(1, min(threads, most)))
