"""What every engine does around its day: the loop over days, and the close of a day.

Engines differ in how they compute a day's stages; they share the driver loop, and the compiled
engines share the end of a day: the one global appeal queue, then the day's metric columns.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from socialcredit.metrics.collector import Tally, record_day


class DayLoop:
    """``run`` for an engine with ``plan`` and ``step(t)``."""

    plan: Any

    def step(self, t: int) -> None:
        raise NotImplementedError

    def run(self, on_day: Callable[[int], None] | None = None) -> None:
        for t in range(self.plan.days):
            self.step(t)
            if on_day is not None:
                on_day(t)


def close_day(engine: Any, t: int, tallies: dict[str, np.ndarray],
              entered: list[np.ndarray]) -> None:  # fmt: skip
    """Hear today's appeals (``entered``: new list entries per list, as indices of
    ``engine.state``, ascending) and record the day from its tallies."""
    start = time.perf_counter()
    L, s = engine.layout, engine.state
    filed = engine.queue.hear(
        t, entered, s.list_until, s.shadow_until, engine.pop.cell_of,
        engine.counts[:, :, L.at("appeals_decided")], engine.counts[:, :, L.at("appeals_won")],
    )  # fmt: skip
    engine.timings["appeals"] += time.perf_counter() - start
    start = time.perf_counter()
    tallies["filed"] = np.bincount(engine.pop.cell_of(filed), minlength=engine.plan.cells)
    record_day(engine.plan, engine.layout, Tally(**tallies), engine.counts[t], engine.stats[t])
    engine.timings["measurement"] += time.perf_counter() - start
