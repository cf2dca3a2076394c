"""One shard's worker: a fast engine over its own people, wherever a backend runs it.

The worker synthesises its people itself (the same people the whole population would hold at
those indices), so nothing the size of a shard crosses the network. Backends (backends.py) call
the same methods, on a Ray actor or on a plain object in this process.

Under a learned scorer the driver learns (learned.py) and sends the model in force with every
day's call; the worker answers the driver's learner about its own people (feature rows and
labels, computed here from its state: ``rows``, ``system_labels``, ``true_labels``). The fast
engine rescores everybody when handed a model object other than yesterday's, so the worker keeps
the one it has while the driver's is of the same day: over Ray every call brings a fresh copy.

With lending the driver holds the lender (lending.py) and reads and moves the shard's people
through the worker's book (lending_book.StateBook over its state: ``census``, ``applicants``,
``move``); the day's call then says whether a round moved scores, for the engine to count
everybody afresh as one process does.
"""

from __future__ import annotations

import copy
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from socialcredit.engine.appeals import apply_wins
from socialcredit.engine.backends import ShardDay, Wins
from socialcredit.metrics.wrongful_people import WrongfulPeople, collect
from socialcredit.output.checkpoint import save_atomically
from socialcredit.plan import Plan, with_coverage
from socialcredit.threads import limit_threads
from socialcredit.version import __version__

if TYPE_CHECKING:
    from socialcredit.engine.fast import FastEngine
    from socialcredit.engine.learned import Model, StateReader
    from socialcredit.engine.lending_book import Applicants, CensusPart, StateBook


class ShardWorker:
    """A fast engine over people ``lo .. hi - 1`` (whole regions); see ``ShardWorkerHandle``."""

    def __init__(self, plan: Plan, lo: int, hi: int, threads: int | None = None) -> None:
        """``threads``: Numba threads for this worker's kernel (a Ray worker is a process of its
        own); None leaves Numba's setting alone (a worker in the driver's process)."""
        # Imported here: a driver that only names this class (to send it to Ray) loads no Numba.
        from socialcredit.population.synthesis import synthesize

        if threads is not None:
            limit_threads(threads)
        self.plan, self.lo = plan, lo
        self.population = synthesize(plan, lo, hi)
        self.book: StateBook | None = None  # the lender's book of this shard (``_engine``)
        self.engine = self._engine()
        self.model: Model | None = None  # the learned model the engine last scored with

    def hello(self) -> tuple[str, int]:
        return __version__, os.getpid()

    def reset(self) -> None:
        self.engine = self._engine()
        self.model = None

    def _engine(self) -> FastEngine:
        from socialcredit.engine.fast import FastEngine
        from socialcredit.engine.lending_book import StateBook

        engine = FastEngine(self.plan, self.population)
        engine.reallocator = None  # the driver moves the coverage and sends it (``day``)
        engine.learner = None  # the driver learns and sends the model in force (``day``)
        # the driver lends (``census``, ``applicants``, ``move``), through the engine's book of
        # this shard's people
        lender, engine.lender = engine.lender, None
        book = lender.book if lender is not None else None
        self.book = book if isinstance(book, StateBook) else None
        return engine

    def kept(self, model: Model | None) -> Model | None:
        """The model to score with: the one kept where ``model`` is a copy of it (same day;
        a run fits at most one a day), so the engine rescores only when the model changes. A
        new one is copied: arrays a Ray call brings are read-only, a type of their own to the
        compiled kernels."""
        if model is None:
            self.model = None
        elif self.model is None or self.model.day != model.day:
            self.model = copy.deepcopy(model)
        return self.model

    def day(self, t: int, wins: Wins, cover: np.ndarray | None = None,
            model: Model | None = None, moved: bool = False) -> ShardDay:  # fmt: skip
        s = self.engine.state
        apply_wins(s.list_until, wins)
        feedback = self.engine.plan.feedback
        if cover is not None and feedback is not None and not np.array_equal(cover, feedback.given):
            # the driver moved it (or this worker is new, or reloaded): the tables it sets
            self.engine.take_plan(with_coverage(self.plan, cover))
        start = time.perf_counter()
        tallies, entered = self.engine.kernel_day(t, self.kept(model), moved=moved)
        seconds = time.perf_counter() - start
        wrongful = [s.shadow_until[x, who] <= t for x, who in enumerate(entered)]
        return ShardDay(tallies, [who + self.lo for who in entered], wrongful, seconds)

    def save(self, path: str, wins: Wins) -> None:
        apply_wins(self.engine.state.list_until, wins)
        save_atomically(Path(path), vars(self.engine.state))

    def load(self, path: str) -> None:
        with np.load(path) as saved:
            arrays = {f"state.{name}": saved[name] for name in saved.files}
        try:
            self.engine.load_state(arrays, Path(path).parent)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None

    # The driver's learner reads the shard's people (local indices, ascending) through these.

    def reader(self) -> StateReader:
        from socialcredit.engine.learned import StateReader

        population = self.population
        return StateReader(self.plan, self.engine.state,
                           lambda who: population.cell_of(who + population.offset))  # fmt: skip

    def rows(self, t: int, who: np.ndarray) -> np.ndarray:
        return self.reader().rows(t, who)

    def system_labels(self, t0: int, who: np.ndarray) -> np.ndarray:
        return self.reader().system_labels(t0, who)

    def true_labels(self, t0: int, who: np.ndarray) -> np.ndarray:
        return self.reader().true_labels(t0, who)

    # The driver's lender reads and moves the shard's people through these (lending_book.py).

    def census(self, carry: np.ndarray | None) -> CensusPart:
        assert self.book is not None
        return self.book.part(carry)

    def applicants(self, t: int) -> Applicants:
        """This shard's applicants, with global indices."""
        assert self.book is not None
        pool = self.book.applicants(t)
        return pool._replace(who=pool.who + self.lo)

    def move(self, t: int, who: np.ndarray, change: np.ndarray) -> np.ndarray:
        assert self.book is not None
        return self.book.move(t, who, change)

    def count_flag(self, bit: int) -> int:
        return self.engine.count_flag(np.uint8(bit))

    def first_flagged(self, bit: int, limit: int) -> list[int]:
        return [self.lo + i for i in self.engine.first_flagged(np.uint8(bit), limit)]

    def wrongful_people(self, keep: float) -> WrongfulPeople:
        return collect(self.plan, self.engine.state, keep, offset=self.lo)
