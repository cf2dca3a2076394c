"""The fast engine: the reference engine's model, compiled with Numba and run in parallel.

Same Plan, same State, same random numbers, same tallies: tests hold the metrics and the final
state of both engines bit-identical for every preset. People are processed in chunks that start at
household boundaries; chunks are dealt to one lane per thread, each with its own integer tallies;
integer sums do not depend on how the chunks were dealt, so neither does the result.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from socialcredit.carriers import carriers_of
from socialcredit.engine.appeals import AppealQueue
from socialcredit.engine.daily import DayLoop, close_day
from socialcredit.engine.kernel_records import (
    Forest,
    Layout,
    People,
    Rules,
    Scorer,
    Scoring,
    Tallies,
    Today,
)
from socialcredit.engine.learned import Learner, Model, kind_tails
from socialcredit.engine.lending import Lender, group_bytes
from socialcredit.engine.lending_book import StateBook
from socialcredit.engine.reallocation import Reallocator
from socialcredit.engine.standing import SanctionTables, metric_arrays
from socialcredit.metrics.collector import Tally
from socialcredit.metrics.layout import MetricLayout, layout_for
from socialcredit.plan import Plan
from socialcredit.population.synthesis import Population
from socialcredit.rng import offset_key, seed_key
from socialcredit.state import HOUSEHOLD_START, State, forget_ever

# Tallies of what the state is (not of what happened today): kept from day to day (kernels.py)
STANDING = ("tier_pairs", "listed", "listed_wrongful", "sanctioned", "wrongful", "causes",
            "carrier_causes", "score_hist", "shadow_sum")  # fmt: skip
# The day's tallies the kernel counts per lane (the appeals filed are counted after it)
KERNEL_TALLIES = tuple(k for k in Tallies._fields if k != "entered_count")
CHUNK_PEOPLE = 16_384  # about this many people per chunk (rounded to a household boundary)
# Fewer people than this run on one thread: waking a second thread for a parallel region costs
# more than their whole day, and far more when the other core is busy (measured below).
SERIAL_BELOW = 2 * CHUNK_PEOPLE


def chunk_starts(flags: np.ndarray, size: int = CHUNK_PEOPLE) -> np.ndarray:
    """Chunk boundaries: the first household start at or after each multiple of ``size``."""
    n = len(flags)
    starts: list[int] = []
    for want in range(0, n, size):
        ahead = np.flatnonzero(flags[want : want + size] & HOUSEHOLD_START)
        if len(ahead) and (not starts or want + ahead[0] > starts[-1]):
            starts.append(want + int(ahead[0]))
    return np.array([*starts, n], dtype=np.int64)


def balanced_chunk_size(people: int) -> int:
    """At most CHUNK_PEOPLE, for a number of chunks that is a multiple of the thread count:
    chunks are dealt round-robin to lanes, and 7 chunks on 2 threads leave one idle a seventh of
    the day (small runs)."""
    from numba import get_num_threads

    threads = get_num_threads()
    count = -(-max(people, 1) // CHUNK_PEOPLE)
    count = -(-count // threads) * threads
    return max(1, -(-people // count))


class FastEngine(DayLoop):
    name = "fast"

    def __init__(self, plan: Plan, population: Population, state: State | None = None) -> None:
        """Simulate ``population`` (the whole population, or a window of it starting at
        ``population.offset``: a shard); ``state`` may be a view into a larger state."""
        from socialcredit.engine import kernels  # noqa: F401  (numba import, not compilation)

        self.plan = plan
        self.pop = population
        self.offset = population.offset
        self.layout: MetricLayout = layout_for(plan)
        self.key = offset_key(seed_key(plan.seed), self.offset)  # local i draws as offset + i
        self.state = state if state is not None else State.initial(plan, population.flags)
        self.queue = AppealQueue(plan)
        self.chunks = chunk_starts(population.flags, balanced_chunk_size(len(population.flags)))
        self.cell_start = population.cell_start - self.offset  # cell bounds in local indices
        self.timings = {"kernel": 0.0, "appeals": 0.0, "measurement": 0.0}

        # The rules of each epoch (dated parameters: scenario/calendar.py), same shapes and
        # types, so the kernels compile once and read today's.
        self.epoch_rules = [self._rules_of(e) for e in (plan.epochs or (plan,))]
        self.kernel_layout = Layout(self.chunks, self.cell_start, len(plan.groups))
        self.counts, self.stats = metric_arrays(plan, self.layout)
        self.shapes = Tally.shapes(plan)
        # Yesterday's standing tallies (kernels.py): None until a full day has counted everyone.
        # A won appeal decided on the day it was filed would change a listing after the day's
        # count, which the kernel cannot see; with no delay every day is counted in full.
        self.standing: dict[str, np.ndarray] | None = None
        self.keeps_standing = plan.appeal_delay > 0 or plan.appeal_capacity_micro == 0
        self.scored_by: Model | None = None  # the learned model that scored the last day run
        self._points = Scoring.points()
        self._scoring: tuple[Model, Scoring] | None = None  # the last model's record
        if plan.scorer is not None and state is None:  # a shard's is its driver's (shards.py)
            self.learner = Learner(plan, population.cell_of)
        if plan.feedback is not None and state is None:  # a shard's is its driver's too
            self.reallocator = Reallocator(plan)
        if plan.lending is not None and state is None:  # a shard's is its driver's
            people = group_bytes(plan, population, self.offset)
            self.lender = Lender(plan, StateBook(plan, self.state, people))

    def take_plan(self, plan: Plan) -> None:
        super().take_plan(plan)
        self.epoch_rules = [self._rules_of(e) for e in (plan.epochs or (plan,))]

    def scoring(self, model: Model | None, lanes: int = 1) -> Scoring:
        """The kernel's record of what scores today, for up to ``lanes`` lanes: the point rules,
        or ``model`` (kept while the same model scores, with the trees' cache)."""
        from socialcredit.engine import boosting

        if model is None:
            return self._points
        if (
            self._scoring is not None and self._scoring[0] is model
            and self._scoring[1].memo_key.shape[0] >= lanes
        ):  # fmt: skip
            return self._scoring[1]
        p = self.plan
        assert p.scorer is not None
        if model.trees is not None:
            forest = Forest.of(model.trees, boosting.depth(model.trees), p.scorer.features,
                               model.intercept, model.cut, p.score_max, len(p.regions),
                               p.scorer.use_group)  # fmt: skip
            scoring = Scoring.boosted(forest, len(self.pop.flags), lanes)
        else:
            scoring = Scoring.logistic(
                Scorer(model.weights, kind_tails(model.weights, p.scorer.kinds), model.intercept,
                       model.cut, p.score_max, len(p.regions), p.scorer.use_group),
                len(self.pop.flags),
            )  # fmt: skip
        self._scoring = (model, scoring)
        return scoring

    @staticmethod
    def _rules_of(plan: Plan) -> Rules:
        tables = SanctionTables.of(plan)
        return Rules.of(plan, tables.tier_sanctioned, tables.wrong_tier, tables.list_sanctioned,
                        carriers_of(plan))  # fmt: skip

    def step(self, t: int) -> None:
        self.look(t)
        model = self.learn(t)
        moved = self.lend(t)  # never under a learned model (references.py refuses both)
        close_day(self, t, *self.kernel_day(t, model, moved=moved))

    def load_state(self, saved: Mapping[str, np.ndarray], folder: Path) -> None:
        super().load_state(saved, folder)
        self.recount()

    def recount(self) -> None:
        """Count everybody afresh on the next day (the state was replaced)."""
        self.standing = None
        self.scored_by = None

    def kernel_day(
        self, t: int, model: Model | None = None, moved: bool = False
    ) -> tuple[dict[str, np.ndarray], list[np.ndarray]]:
        """Stages 1-8 and the day's tallies; returns them and today's new list entries (local
        indices, ascending) for the appeal queue. ``model``: the learned model in force, which
        sets everybody's score this morning, chunk by chunk inside the kernel (None: the point
        rules score); ``moved``: a lending round moved some scores (lending.py)."""
        from numba import get_num_threads

        from socialcredit.engine.kernels import collect_entered, run_day, run_day_serial

        p = self.plan
        start = time.perf_counter()
        # few lanes: zeroing and summing the lanes' tallies (a score histogram per cell) is daily
        lanes = min(len(self.chunks) - 1, get_num_threads())
        serial = lanes == 1 or len(self.pop.flags) < SERIAL_BELOW
        lanes = 1 if serial else lanes
        tallies = Tallies(
            **{k: np.zeros((lanes, *self.shapes[k]), np.int64) for k in KERNEL_TALLIES},
            entered_count=np.zeros((len(self.chunks) - 1, len(p.lists)), np.int64),
        )
        # A new epoch changes what standing means (tiers that sanction, lists in force), so
        # yesterday's standing tallies cannot be carried over: count everybody afresh. So does
        # the first reported day after a warm-up, where "ever" starts again (state.forget_ever):
        # everybody under a sanction must be counted as first under it.
        reporting = t == p.warmup > 0
        if reporting:
            forget_ever(self.state)
        # So does a lending round: it moved scores outside the kernel's sight; and a new
        # learned model: it moves most people's scores. Under the same model as yesterday only
        # those whose score it moves are counted again (kernels._rescore).
        # Each of those also has the model score everybody (a new one, a replaced state, moved
        # scores); else it scores only whose features can have changed (kernels._rescore).
        score_all = (self.standing is None or p.new_epoch(t) or reporting or moved
                     or model is not self.scored_by)  # fmt: skip
        full = score_all or not self.keeps_standing
        self.scored_by = model
        rules = self.epoch_rules[p.epoch_of(t)]
        today = Today(t, full, self.key, p.awareness(t), p.on_day(t).drift_on(t), lanes,
                      model is not None, score_all)  # fmt: skip
        kernel = run_day_serial if serial else run_day
        kernel(today, self.kernel_layout, rules, People.of(self.pop, self.state), tallies,
               self.scoring(model, lanes))  # fmt: skip
        self.timings["kernel"] += time.perf_counter() - start

        start = time.perf_counter()
        entered = [
            collect_entered(self.chunks, tallies.entered_count, self.state.list_until, x)
            for x in range(len(p.lists))
        ]
        # one lane: its tallies are the day's (fresh arrays every day, so a view is safe)
        merged = {k: getattr(tallies, k)[0] if lanes == 1 else getattr(tallies, k).sum(axis=0)
                  for k in KERNEL_TALLIES}  # fmt: skip
        standing = self.standing
        if full or standing is None:
            self.standing = {k: merged[k].copy() for k in STANDING}
        else:
            for k in STANDING:
                standing[k] += merged[k]
                merged[k] = standing[k].copy()
        self.timings["measurement"] += time.perf_counter() - start
        return merged, entered
