"""Shards: the population split by region, each shard advancing its people on its own.

A shard is a fast engine over a window of people (whole regions, so households stay whole). Its
state is a view into one population-wide state, which is what checkpoints save and summaries
read. Each day every shard runs its kernel (stages 1-8) and returns small integer tallies and its
new list entries; the driver sums the tallies and runs the one global thing, the appeal queue,
over all shards' entries in (list, person) order, as the unsharded engine does. So any number of
shards gives the same bits (tests/unit/test_shards.py).

Locally, the shards run one after another in this process, each kernel on all of Numba's threads
(dealt chunks, so the cores stay balanced). Running the shards at once instead, one thread
each, was measured slower (benchmarks/shards.py: 129 against 150 M person-days/s on 2 cores):
shards are whole regions of uneven size, and the core with the small one idles. On a cluster
the shards run in workers elsewhere, Ray actors (cluster.py, ray_backend.py).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from socialcredit.engine.appeals import AppealQueue
from socialcredit.engine.daily import DayLoop, close_day
from socialcredit.engine.fast import FastEngine
from socialcredit.engine.learned import Learner
from socialcredit.engine.lending import Lender, group_bytes
from socialcredit.engine.lending_book import StateBook
from socialcredit.engine.reallocation import Reallocator
from socialcredit.engine.standing import metric_arrays
from socialcredit.metrics.layout import MetricLayout, layout_for
from socialcredit.plan import Plan
from socialcredit.population.synthesis import Population
from socialcredit.state import State


def shard_bounds(plan: Plan, cell_start: np.ndarray, shards: int) -> list[tuple[int, int]]:
    """Person ranges of min(shards, regions) shards of whole regions, balanced by people."""
    G, R = len(plan.groups), len(plan.regions)
    region_start = cell_start[np.arange(R + 1) * G]  # people are laid out region by region
    k = max(1, min(shards, R))
    cuts: list[int] = []  # region indices where a new shard begins
    for j in range(1, k):
        target = plan.people * j / k
        # the boundary nearest the target, leaving enough boundaries for the shards still to cut
        low, high = (cuts[-1] + 1 if cuts else 1), R - (k - 1 - j)
        options = np.arange(low, high)
        cuts.append(int(options[np.argmin(np.abs(region_start[options] - target))]))
    edges = [0, *[int(region_start[c]) for c in cuts], plan.people]
    return [(lo, hi) for lo, hi in zip(edges[:-1], edges[1:], strict=True) if hi > lo]


class ShardedEngine(DayLoop):
    name = "fast"

    def __init__(self, plan: Plan, population: Population, shards: int) -> None:
        self.plan = plan
        self.pop = population
        self.layout: MetricLayout = layout_for(plan)
        self.state = State.initial(plan, population.flags)
        self.queue = AppealQueue(plan)
        self.counts, self.stats = metric_arrays(plan, self.layout)
        self.bounds = shard_bounds(plan, population.cell_start, shards)
        self.shards = [
            FastEngine(
                plan,
                Population(
                    population.trait[lo:hi],
                    population.flags[lo:hi],
                    population.cell_start,
                    offset=lo,
                ),  # fmt: skip
                state=State(**{k: v[..., lo:hi] for k, v in vars(self.state).items()}),
            )
            for lo, hi in self.bounds
        ]
        self.timings = {"shards": 0.0, "appeals": 0.0, "measurement": 0.0}
        if plan.scorer is not None:  # one driver for the whole population's state
            self.learner = Learner(plan, population.cell_of)
        if plan.feedback is not None:  # one for the whole population's records, too
            self.reallocator = Reallocator(plan)
        if plan.lending is not None:  # one driver for the whole population's state
            people = group_bytes(plan, population, 0)
            self.lender = Lender(plan, StateBook(plan, self.state, people))

    def take_plan(self, plan: Plan) -> None:
        super().take_plan(plan)
        for shard in self.shards:
            shard.take_plan(plan)

    @property
    def shard_count(self) -> int:
        return len(self.shards)

    def load_state(self, saved: Mapping[str, np.ndarray], folder: Path) -> None:
        super().load_state(saved, folder)  # into the views the shards hold
        for shard in self.shards:
            shard.recount()

    def step(self, t: int) -> None:
        self.look(t)
        model = self.learn(t)
        moved = self.lend(t)  # into the views the shards hold
        start = time.perf_counter()
        days = [shard.kernel_day(t, model, moved=moved) for shard in self.shards]
        self.timings["shards"] += time.perf_counter() - start

        start = time.perf_counter()
        entered = [
            np.concatenate([e[x] + shard.offset for (_, e), shard in zip(days, self.shards,
                                                                          strict=True)])
            for x in range(len(self.plan.lists))
        ]  # fmt: skip
        self.timings["appeals"] += time.perf_counter() - start
        tallies = {k: np.sum([tally[k] for tally, _ in days], axis=0) for k in days[0][0]}
        close_day(self, t, tallies, entered)
