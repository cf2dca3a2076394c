"""What the runner needs from an engine, whatever computes the days and wherever the state is.

The reference, fast and sharded engines hold their state in this process (``DayLoop`` answers the
state questions from it); the cluster driver holds none and asks its shards' workers. So the
protocol names no state arrays: checkpoints go through ``save_state``/``load_state``, and the
end of a run asks ``count_flag``, ``first_flagged`` and ``wrongful_people``.
tests/unit/test_engine_protocol.py holds every engine to it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from socialcredit.engine.appeals import AppealQueue
from socialcredit.metrics.layout import MetricLayout
from socialcredit.metrics.wrongful_people import WrongfulPeople
from socialcredit.plan import Plan


@runtime_checkable
class Engine(Protocol):
    """A simulation of one plan: advances day by day and measures into ``counts``/``stats``."""

    plan: Plan
    layout: MetricLayout
    counts: np.ndarray  # [day, cell, column] int64 (metrics/layout.py)
    stats: np.ndarray  # [day, cell, stat] float64
    queue: AppealQueue  # the one global appeal queue: its log is appeals.parquet
    timings: dict[str, float]  # seconds per stage of the daily loop, for the manifest
    worker_losses: int  # workers lost and replaced during the run (0 outside clusters)

    @property
    def shard_count(self) -> int: ...

    def step(self, t: int) -> None:
        """Simulate day ``t`` (days run in order from 0, or from a checkpoint's next day)."""
        ...

    def run(self, on_day: Callable[[int], None] | None = None) -> None: ...

    def fresh_counts_row(self) -> np.ndarray:
        """One day's ``counts`` [cell, column] as they are before the day runs."""
        ...

    def save_state(self, folder: Path, day: int) -> dict[str, np.ndarray]:
        """Arrays for the checkpoint of the end of ``day`` (engines whose state lives elsewhere
        write it into ``folder`` and name the files)."""
        ...

    def load_state(self, saved: Mapping[str, np.ndarray], folder: Path) -> None:
        """Restore the state from a checkpoint's arrays (ValueError where they do not fit)."""
        ...

    def count_flag(self, bit: np.uint8) -> int:
        """People with a flag bit set (``state.EVER_SANCTIONED``, ...)."""
        ...

    def first_flagged(self, bit: np.uint8, limit: int) -> list[int]:
        """Up to about ``limit`` people with a flag bit set, lowest indices first."""
        ...

    def wrongful_people(self, keep: float) -> WrongfulPeople:
        """The wrongly sanctioned people, each kept with probability ``keep``
        (metrics/wrongful_people.py)."""
        ...

    def close(self) -> None:
        """Release what the engine holds outside this process."""
        ...


@runtime_checkable
class RecoveringEngine(Engine, Protocol):
    """An engine whose shards live in workers that can be lost (cluster.py): after a
    ``WorkerLostError`` it replaces them, then reloads a checkpoint or restarts."""

    def replace_lost_workers(self) -> None: ...

    def restart(self) -> int:
        """Back to day 0 (no checkpoint to recover from); returns the first day to run."""
        ...
