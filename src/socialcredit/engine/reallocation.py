"""Feedback in where the system looks: a source's coverage moved among regions by its records.

Every ``every_days`` (scenario ``sources[*].reallocate``), in the morning before the day's acts,
each reallocated source's coverage is set anew from the records it made in the days since its
last move (its window), as predictive policing sends patrols where crime was recorded (Lum and
Isaac 2016; Ensign et al. 2018). What the source covers in all, the sum over regions of coverage
x residents, stays what the scenario gave: patrols or cameras are moved, not added.

Policies (weights w_r from the window's records; people_r the region's residents):

- ``proportional``: region r gets the share w_r / sum(w) of the covered people, so coverage_r =
  budget x w_r / sum(w) / people_r, capped at 1, the excess shared among the regions below the cap
  in the same proportions (water-filling). Regions with no records get no coverage, unless those
  with records are all covered fully: then the rest is spread evenly over them.
- ``greedy``: regions ranked by w_r / people_r (records per resident, ties to the first region),
  each covered fully in turn until the budget is spent.
- ``correction`` (Ensign et al. 2018): the records of a region are weighed by the inverse of the
  coverage that found them, w_r = records_r / coverage_r, an estimate of the acts there rather
  than of past looking; a region not looked at in the window is estimated at the mean rate per
  resident of the regions that were. Without it, proportional allocation runs away: coverage_r
  grows as coverage_r x (act rate)_r, so the region with the most acts per resident (or, among
  equals, chance) takes the whole budget.

The records weighed are all the source booked, of every behaviour it observes, true ones and its
errors alike: the system cannot tell them apart. What happened (acts of the behaviours the source
observes) is tallied beside them for the metrics, never for the allocation. Both engines call
``count`` with the same integer tallies and ``before_day`` on the same days, so they move the
same coverage, bit for bit.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyarrow as pa

from socialcredit.metrics.collector import Tally
from socialcredit.metrics.coverage_table import coverage_table, moves_from
from socialcredit.plan import CoverageFeedback, Plan

# One reallocation of one source in one region: engine day, source index, region index, the
# coverage in force during the window and the one set, and the window's acts of the behaviours
# the source observes (what happened), true records (what it discovered) and all its records
# (what it weighed, errors included)
HISTORY_COLUMNS = ("day", "source", "region", "coverage_before", "coverage_after", "acts",
                   "discovered", "records")  # fmt: skip


def proportional(budget: float, weights: np.ndarray, people: np.ndarray) -> np.ndarray:
    """Coverage per region with shares of the covered people in proportion to ``weights``,
    none above 1 (excess shared among the rest in the same proportions). Sum of coverage x
    people = ``budget`` where the weighted regions can hold it."""
    cover = np.zeros(len(weights))
    free = (weights > 0) & (people > 0)
    left = budget
    while free.any() and left > 0:
        per_weight = left / weights[free].sum()
        want = per_weight * weights / np.where(people > 0, people, 1)
        over = free & (want >= 1.0)
        if not over.any():
            cover[free] = want[free]
            break
        cover[over] = 1.0
        left -= people[over].sum()
        free &= ~over
    else:  # every region with weight is covered fully: the rest goes evenly to the others
        rest = (weights <= 0) & (people > 0)
        if left > 0 and rest.any():
            cover[rest] = min(1.0, left / people[rest].sum())
    return cover


def greedy(budget: float, weights: np.ndarray, people: np.ndarray) -> np.ndarray:
    """Coverage per region: regions with the most weight per resident covered fully first."""
    cover = np.zeros(len(weights))
    rate = np.where(people > 0, weights / np.where(people > 0, people, 1), -1.0)
    left = budget
    for r in np.argsort(-rate, kind="stable"):
        if left <= 0 or people[r] <= 0:
            break
        cover[r] = min(1.0, left / people[r])
        left -= cover[r] * people[r]
    return cover


def corrected(records: np.ndarray, cover: np.ndarray, people: np.ndarray) -> np.ndarray:
    """Ensign et al. 2018: each region's records over the coverage that found them (an estimate
    of its acts); a region not looked at gets the mean rate per resident of those looked at."""
    looked = cover > 0
    estimate = np.zeros(len(records))
    estimate[looked] = records[looked] / cover[looked]
    if looked.any() and (~looked).any():
        per_resident = estimate[looked].sum() / people[looked].sum()
        estimate[~looked] = per_resident * people[~looked]
    return estimate


class Reallocator:
    """The coverage in force of the reallocated sources, the records of their windows, and the
    history of moves (see the module's docstring)."""

    def __init__(self, plan: Plan) -> None:
        fb: CoverageFeedback | None = plan.feedback
        assert fb is not None
        self.feedback = fb
        R, G = len(plan.regions), len(plan.groups)
        self.R, self.G = R, G
        self.people = plan.cell_people.reshape(R, G).sum(axis=1).astype(np.float64)
        # [F, R]: where each source's coverage is assigned (in force while it is in service)
        self.coverage = fb.given.copy()
        self.budget = (self.coverage * self.people).sum(axis=1)  # [F]: people in view
        F = len(fb.sources)
        self.acts = np.zeros((F, R), np.int64)  # since the source's last move
        self.discovered = np.zeros((F, R), np.int64)
        self.records = np.zeros((F, R), np.int64)
        self.history: list[tuple[float, ...]] = []
        self.fixed: dict[int, np.ndarray] | None = None  # a replay's moves, given

    def replaying(self, moves: Mapping[int, np.ndarray]) -> None:
        """Take the moves of a finished run (engine day: [F, R] coverage set that morning)
        instead of deciding them: a replay of a few households has not the whole records."""
        self.fixed = dict(moves)

    def count(self, tally: Tally) -> None:
        """Add a day's tallies (per cell) to the windows."""
        if self.fixed is not None:
            return
        fb, R, G = self.feedback, self.R, self.G
        for f, s in enumerate(fb.sources):
            acts = tally.acts[:, fb.observes[s]].sum(axis=1)
            true = tally.records_true[:, s]
            booked = true + tally.records_error[:, :, s].sum(axis=1)
            self.acts[f] += acts.reshape(R, G).sum(axis=1)
            self.discovered[f] += true.reshape(R, G).sum(axis=1)
            self.records[f] += booked.reshape(R, G).sum(axis=1)

    def before_day(self, t: int) -> np.ndarray | None:
        """The coverage [F, R] to set this morning, or None where no source moves today."""
        if self.fixed is not None:
            move = self.fixed.get(t)
            if move is not None:
                self.coverage = move.copy()
            return move
        fb = self.feedback
        due = [f for f in range(len(fb.sources)) if t > 0 and t % fb.every[f] == 0]
        if not due:
            return None
        cover = self.coverage.copy()
        for f in due:
            cover[f] = self._allocate(f)
            for r in range(self.R):
                self.history.append((t, int(fb.sources[f]), r, self.coverage[f, r], cover[f, r],
                                     self.acts[f, r], self.discovered[f, r],
                                     self.records[f, r]))  # fmt: skip
            self.acts[f] = self.discovered[f] = self.records[f] = 0
        self.coverage = cover
        return cover

    def _allocate(self, f: int) -> np.ndarray:
        fb, records = self.feedback, self.records[f].astype(np.float64)
        weights = corrected(records, self.coverage[f], self.people) if fb.correction[f] else records
        if not weights.any():  # nothing recorded anywhere: nothing to move by
            return self.coverage[f].copy()
        policy = greedy if fb.policy[f] == "greedy" else proportional
        return policy(float(self.budget[f]), weights, self.people)

    def table(self) -> np.ndarray:
        """The history of moves, one row per (reallocation, region): HISTORY_COLUMNS."""
        if not self.history:
            return np.zeros((0, len(HISTORY_COLUMNS)))
        return np.array(self.history, dtype=np.float64)

    def save(self) -> dict[str, np.ndarray]:
        return {
            "reallocation.coverage": self.coverage,
            "reallocation.acts": self.acts,
            "reallocation.discovered": self.discovered,
            "reallocation.records": self.records,
            "reallocation.history": self.table(),
        }

    def load(self, saved: Mapping[str, np.ndarray]) -> None:
        for name in ("coverage", "acts", "discovered", "records"):
            key = f"reallocation.{name}"
            target = getattr(self, name)
            if key not in saved or saved[key].shape != target.shape:
                raise ValueError(key)
            target[...] = saved[key]
        if "reallocation.history" not in saved:
            raise ValueError("reallocation.history")
        self.history = [tuple(row) for row in saved["reallocation.history"].tolist()]


def coverage_moves(plan: Plan, sim: object) -> tuple[pa.Table, dict[int, np.ndarray]] | None:
    """An engine's moves as coverage.parquet's table and as a replay's moves (engine day:
    the [F, R] coverage set that morning); None where no source was reallocated."""
    reallocator = getattr(sim, "reallocator", None)
    if plan.feedback is None or not isinstance(reallocator, Reallocator):
        return None
    table = coverage_table(reallocator.table(), plan.sources, plan.regions, reallocator.people,
                           plan.warmup)  # fmt: skip
    return table, replay_moves(plan, table)


def replay_moves(plan: Plan, table: pa.Table) -> dict[int, np.ndarray]:
    """The moves a replay is given, from coverage.parquet's table (stories read it)."""
    fb = plan.feedback
    assert fb is not None
    return moves_from(table, plan.sources, plan.regions, fb.sources.tolist(), fb.given)
