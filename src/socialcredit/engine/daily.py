"""What every engine does around its day: the loop over days, and the close of a day.

Engines differ in how they compute a day's stages; they share the driver loop, and the compiled
engines share the end of a day: the one global appeal queue, then the day's metric columns.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from socialcredit.engine.learned import Learner, Model, StateReader
from socialcredit.engine.lending import Lender
from socialcredit.engine.reallocation import Reallocator
from socialcredit.engine.sample_reader import SampleReader
from socialcredit.engine.standing import fresh_counts_row, metric_rows
from socialcredit.metrics import wrongful_people
from socialcredit.metrics.collector import Tally, record_day
from socialcredit.metrics.layout import MetricLayout
from socialcredit.metrics.wrongful_people import WrongfulPeople
from socialcredit.plan import Plan, with_coverage
from socialcredit.resources import count_flag, first_flagged
from socialcredit.state import State


class DayLoop:
    """``run`` for an engine with ``plan`` and ``step(t)``, and what an engine whose state
    lives in this process answers for the rest of the ``Engine`` protocol (protocol.py)."""

    plan: Any
    layout: MetricLayout
    # In this process; the cluster driver has none (its shards' workers hold theirs) and
    # overrides every method below that reads it.
    state: State
    worker_losses = 0  # workers lost and replaced during the run (only clusters lose any)
    # The learned scorer's driver (learned.py), where the regime has one: engines call
    # ``learn(t)`` before day t and score with the model it returns (None: the point rules).
    learner: Learner | None = None
    # Coverage moved by past records (reallocation.py), where a source is reallocated: engines
    # call ``look(t)`` first thing on day t, and its counts come from the day's tallies.
    reallocator: Reallocator | None = None
    # The lending rounds' driver (lending.py), where the scenario has lending: engines call
    # ``lend(t)`` before day t's stages; it moves scores where a round is due.
    lender: Lender | None = None
    timings: dict[str, float]

    @property
    def shard_count(self) -> int:
        """Shards the population is split into (manifest.json's ``shards``)."""
        return 1

    def step(self, t: int) -> None:
        raise NotImplementedError

    def look(self, t: int) -> None:
        """Move the coverage of reallocated sources that is due this morning."""
        if self.reallocator is None:
            return
        cover = self.reallocator.before_day(t)
        if cover is not None:
            self.take_plan(with_coverage(self.plan, cover))

    def take_plan(self, plan: Plan) -> None:
        """Run on with ``plan``'s tables (the same structure: reallocated coverage)."""
        self.plan = plan

    def learn(self, t: int) -> Model | None:
        """Snapshot, label and fit what is due this morning; the learned model in force."""
        if self.learner is None:
            return None
        model = self.learner.before_day(t, self.sample_reader())
        self.timings["learning"] = self.learner.seconds
        return model

    def sample_reader(self) -> SampleReader:
        """Where the learner reads the people it samples: this process's state (a cluster's
        driver asks its shards' workers instead)."""
        assert self.learner is not None
        return StateReader(self.plan, self.state, self.learner.cell_of)

    def lend(self, t: int) -> bool:
        """The lending round due this morning, if any; whether it moved scores (outside the
        kernel's sight: the fast engine then counts everybody's standing afresh)."""
        if self.lender is None:
            return False
        moved = self.lender.before_day(t)
        self.timings["lending"] = self.lender.seconds
        return moved

    def run(self, on_day: Callable[[int], None] | None = None) -> None:
        for t in range(self.plan.simulated_days):  # the warm-up's days, then the reported
            self.step(t)
            if on_day is not None:
                on_day(t)

    # The state, for checkpoints and the end of a run. Engines that hold it in this process
    # share these; shards on a cluster answer from their workers.

    def fresh_counts_row(self) -> np.ndarray:
        """One day's counts before the day runs (checkpoints keep only rows that differ)."""
        return fresh_counts_row(self.plan, self.layout)

    def save_state(self, folder: Path, day: int) -> dict[str, np.ndarray]:
        """Arrays for the checkpoint of the end of ``day``."""
        arrays = {f"state.{k}": v for k, v in vars(self.state).items()}
        if self.learner is not None:
            arrays |= self.learner.save()
        if self.reallocator is not None:
            arrays |= self.reallocator.save()
        if self.lender is not None:
            arrays |= self.lender.save()
        return arrays

    def load_state(self, saved: Mapping[str, np.ndarray], folder: Path) -> None:
        """Restore the state from a checkpoint's arrays (ValueError where they do not fit)."""
        for k, target in vars(self.state).items():
            name = f"state.{k}"
            if name not in saved or saved[name].shape != target.shape:
                raise ValueError(name)
            target[...] = saved[name]
        if self.learner is not None:
            self.learner.load(saved)
        if self.reallocator is not None:
            self.reallocator.load(saved)
            self.take_plan(with_coverage(self.plan, self.reallocator.coverage))
        if self.lender is not None:
            self.lender.load(saved)

    def count_flag(self, bit: np.uint8) -> int:
        """People with a flag bit set (``state.EVER_SANCTIONED``, ...)."""
        return count_flag(self.state.flags, bit)

    def first_flagged(self, bit: np.uint8, limit: int) -> list[int]:
        """Up to about ``limit`` people with a flag bit set, lowest indices first."""
        return first_flagged(self.state.flags, bit, limit)

    def wrongful_people(self, keep: float) -> WrongfulPeople:
        """The wrongly sanctioned people, each kept with probability ``keep``."""
        return wrongful_people.collect(self.plan, self.state, keep)

    def close(self) -> None:
        """Release what the engine holds outside this process (nothing, here)."""


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
    record(engine, t, tallies, filed)


def record(engine: Any, t: int, tallies: dict[str, np.ndarray], filed: np.ndarray) -> None:
    """The day's metric columns from the merged tallies and the people who filed appeals."""
    start = time.perf_counter()
    tallies["filed"] = np.bincount(engine.pop.cell_of(filed), minlength=engine.plan.cells)
    counts, stats = metric_rows(engine.plan, engine.layout, engine.counts, engine.stats, t)
    tally = Tally(**tallies)
    record_day(engine.plan.on_day(t), engine.layout, tally, counts, stats)
    if engine.reallocator is not None:
        engine.reallocator.count(tally)
    engine.timings["measurement"] += time.perf_counter() - start
