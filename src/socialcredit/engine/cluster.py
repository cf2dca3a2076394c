"""The cluster driver: shards whose people and state live in workers, wherever a backend runs
them (backends.py: Ray actors, or plain objects in this process for tests).

The driver holds no people, only the metrics, the appeal queue and the cell bounds. Each day it
asks every shard to apply yesterday's won appeals and run its kernel (stages 1-8); a shard answers
with its integer tallies, its new list entries and which of them are wrongful, a few kilobytes.
The driver merges them in shard order (ascending people, as one process would), runs the one
global appeal queue and keeps the wins for the next day's calls. Draws are counter-based and a
shard's kernel is the local fast engine's, so any number of shards and workers gives the same bits
as a run in one process (tests/cluster, tests/unit/test_worker_loss.py).

Under a learned scorer the driver holds the learner (learned.py): it draws the samples and fits
the models as one process would, reading the sampled people through ``ShardedReader``, which
asks each shard's worker for its part (feature rows and labels computed where the state is), and
sends the model in force with every day's call.

With lending the driver holds the lender (lending.py), which reads and moves people through
``ShardedBook``: the workers count the census (each continuing its predecessor's open block, so
the sums are one process's bits: lending_book.py) and draw who applies, and send the applicants'
few numbers; the driver ranks and decides, draws repayment, and has each worker move its
borrowers. The day's call then tells the workers that scores moved (everybody is counted afresh).

Checkpoints: every shard writes its own state file into the run's staging folder (so on a real
cluster the run folder must be on storage every node mounts); the driver's checkpoint names them.
When a worker dies, the backend raises WorkerLostError; the runner has the driver replace the
worker, every shard reloads the last checkpoint (or starts again from day 0 where there is none)
and the days since are run again: same result, a little later.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from socialcredit.engine.appeals import AppealQueue
from socialcredit.engine.backends import ShardBackend, Wins
from socialcredit.engine.daily import DayLoop, record
from socialcredit.engine.learned import Learner
from socialcredit.engine.lending import Census, Lender
from socialcredit.engine.lending_book import Applicants, CensusPart, join
from socialcredit.engine.reallocation import Reallocator
from socialcredit.engine.sample_reader import SampleReader
from socialcredit.engine.shards import shard_bounds
from socialcredit.engine.standing import metric_arrays
from socialcredit.errors import BackendError
from socialcredit.metrics.layout import MetricLayout, layout_for
from socialcredit.metrics.wrongful_people import WrongfulPeople
from socialcredit.plan import Plan, with_coverage
from socialcredit.population.synthesis import Population, cell_starts


class ShardedReader:
    """The learner's reader (sample_reader.py) of people who live in the shards' workers:
    ``who`` (ascending) is cut at the shard bounds, each worker answers for its part in its own
    indices, and the answers are joined in shard order, so they are in the order of ``who``."""

    def __init__(self, backend: ShardBackend, bounds: Sequence[tuple[int, int]]) -> None:
        self.backend = backend
        self.lows = np.array([lo for lo, _ in bounds], dtype=np.int64)
        self.edges = np.array([*self.lows, bounds[-1][1]], dtype=np.int64)

    @property
    def size(self) -> int:
        return int(self.edges[-1])

    def parts(self, who: np.ndarray) -> list[np.ndarray]:
        """Each shard's people of ``who``, in its local indices."""
        cuts = np.searchsorted(who, self.edges)
        return [who[a:b] - lo for a, b, lo in zip(cuts[:-1], cuts[1:], self.lows, strict=True)]

    def rows(self, t: int, who: np.ndarray) -> np.ndarray:
        return np.concatenate(self.backend.rows(t, self.parts(who)))

    def system_labels(self, t0: int, who: np.ndarray) -> np.ndarray:
        return np.concatenate(self.backend.system_labels(t0, self.parts(who)))

    def true_labels(self, t0: int, who: np.ndarray) -> np.ndarray:
        return np.concatenate(self.backend.true_labels(t0, self.parts(who)))


class ShardedBook:
    """The lender's book (lending_book.py) of people who live in the shards' workers: global
    indices, cut at the shard bounds for the workers (their local indices) and joined back."""

    def __init__(self, plan: Plan, backend: ShardBackend,
                 bounds: Sequence[tuple[int, int]]) -> None:  # fmt: skip
        self.plan, self.backend = plan, backend
        self.lows = np.array([lo for lo, _ in bounds], dtype=np.int64)
        self.edges = np.array([*self.lows, bounds[-1][1]], dtype=np.int64)

    def census(self, t: int) -> Census:
        """The shards one after another, each continuing the block its predecessor left open."""
        parts: list[CensusPart] = []
        for k in range(len(self.lows)):
            parts.append(self.backend.census(t, k, parts[-1].open if parts else None))
        return join(self.plan, parts)

    def applicants(self, t: int) -> Applicants:
        parts = self.backend.applicants(t)
        return Applicants(*(np.concatenate(column) for column in zip(*parts, strict=True)))

    def move(self, t: int, who: np.ndarray, change: np.ndarray) -> np.ndarray:
        """Each worker moves its borrowers; their moves come back in the order of ``who``
        (the lender's ranking, which the shards do not follow)."""
        order = np.argsort(who, kind="stable")  # ascending, to cut at the shard bounds
        cuts = np.searchsorted(who[order], self.edges)
        mine = [order[a:b] for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
        moves = self.backend.move(t, [who[m] - lo for m, lo in zip(mine, self.lows, strict=True)],
                                  [change[m] for m in mine])  # fmt: skip
        out = np.empty(len(who), np.int64)
        out[order] = np.concatenate(moves)
        return out


class ClusterEngine(DayLoop):
    """The fast engine's model with shards in a backend's workers; see the module docstring."""

    name = "fast"

    def __init__(self, plan: Plan, shards: int | None, backend: ShardBackend) -> None:
        """``shards`` None: the backend's default (on Ray, one per node)."""
        self.plan = plan
        self.backend = backend
        self.layout: MetricLayout = layout_for(plan)
        cell_start = cell_starts(plan)
        # The driver holds no people: only the cell bounds, for the appeal queue's tallies.
        self.pop = Population(np.empty(0, np.uint8), np.empty(0, np.uint8), cell_start)
        wanted = shards if shards is not None else backend.default_shards()
        self.bounds = shard_bounds(plan, cell_start, wanted)
        try:
            backend.start(plan, self.bounds)
        except BaseException:
            backend.close()  # the workers that did start, and a Ray started for them
            raise
        self.queue = AppealQueue(plan)
        self.counts, self.stats = metric_arrays(plan, self.layout)
        self.pending: list[Wins] = [[] for _ in self.bounds]
        self.worker_losses = 0
        self.timings = {"shards": 0.0, "coordination": 0.0, "appeals": 0.0, "measurement": 0.0}
        self.first_plan = plan
        if plan.feedback is not None:  # moves decided here, sent with every day's call
            self.reallocator = Reallocator(plan)
        if plan.scorer is not None:  # models fitted here, sent with every day's call
            self.learner = Learner(plan, self.pop.cell_of)
        if plan.lending is not None:  # rounds decided here, on the workers' answers
            self.lender = self._lender()

    def _lender(self) -> Lender:
        return Lender(self.plan, ShardedBook(self.plan, self.backend, self.bounds))

    @property
    def shard_count(self) -> int:
        return len(self.bounds)

    def sample_reader(self) -> SampleReader:
        return ShardedReader(self.backend, self.bounds)

    def step(self, t: int) -> None:
        self.look(t)
        model = self.learn(t)
        moved = self.lend(t)  # never under a learned model (references.py refuses both)
        start = time.perf_counter()
        wins, self.pending = self.pending, [[] for _ in self.bounds]
        # the coverage and the model in force go with every call (a few kilobytes), so a
        # replaced or reloaded worker takes them up the next day as any other does
        cover = self.reallocator.coverage if self.reallocator is not None else None
        days = self.backend.day(t, wins, cover, model, moved)
        wall = time.perf_counter() - start
        slowest = max(d.seconds for d in days)
        self.timings["shards"] += slowest
        self.timings["coordination"] += wall - slowest  # calls, transfers, merging

        start = time.perf_counter()
        lists = range(len(self.plan.lists))
        entered = [np.concatenate([d.entered[x] for d in days]) for x in lists]
        wrongful = [np.concatenate([d.wrongful[x] for d in days]) for x in lists]
        L = self.layout
        filed, won = self.queue.decide(
            t, entered, wrongful, self.pop.cell_of,
            self.counts[:, :, L.at("appeals_decided")], self.counts[:, :, L.at("appeals_won")],
        )  # fmt: skip
        for x, who, decided in won:  # to the shards holding the winners, for tomorrow
            for k, (lo, hi) in enumerate(self.bounds):
                mine = (who >= lo) & (who < hi)
                if mine.any():
                    self.pending[k].append((x, who[mine] - lo, decided[mine]))
        self.timings["appeals"] += time.perf_counter() - start
        tallies = {k: np.add.reduce([d.tallies[k] for d in days]) for k in days[0].tallies}
        record(self, t, tallies, filed)

    # State, for checkpoints and the end of the run: kept by the shards.

    def save_state(self, folder: Path, day: int) -> dict[str, np.ndarray]:
        names = [f"shard-{k}-of-{len(self.bounds)}-day-{day}.npz" for k in range(len(self.bounds))]
        wins, self.pending = self.pending, [[] for _ in self.bounds]
        self.backend.save(day, [folder / name for name in names], wins)
        missing = [name for name in names if not (folder / name).is_file()]
        if missing:
            raise BackendError(
                f"{folder}: the cluster's workers saved their checkpoints where this machine "
                f"cannot see them ({missing[0]} is missing). Fix: put --out on storage every "
                "node mounts (NFS, a Kubernetes volume), or pass --checkpoint-every 0."
            )
        arrays = {"shard_files": np.array(names), "shard_bounds": np.array(self.bounds)}
        if self.learner is not None:
            arrays |= self.learner.save()
        if self.reallocator is not None:
            arrays |= self.reallocator.save()
        if self.lender is not None:
            arrays |= self.lender.save()
        return arrays

    def load_state(self, saved: Mapping[str, np.ndarray], folder: Path) -> None:
        if "shard_files" not in saved:
            raise ValueError("this checkpoint holds no shard files")
        if not np.array_equal(saved["shard_bounds"], np.array(self.bounds)):
            raise ValueError("shard_bounds (resume with the same number of shards)")
        paths = [folder / str(name) for name in saved["shard_files"]]
        self.backend.load(int(saved["day"]), paths)
        self.pending = [[] for _ in self.bounds]
        if self.learner is not None:
            self.learner.load(saved)
        if self.reallocator is not None:
            self.reallocator.load(saved)
            self.take_plan(with_coverage(self.first_plan, self.reallocator.coverage))
        if self.lender is not None:
            self.lender.load(saved)

    # Recovery from a lost worker (runner.advance, on WorkerLostError).

    def replace_lost_workers(self) -> None:
        """New workers for the shards whose worker died (their state is reloaded after)."""
        self.worker_losses += 1
        self.backend.replace_lost()

    def restart(self) -> int:
        """Back to the start (no checkpoint to recover from); returns the first day to run."""
        self.backend.reset()
        self.plan = self.first_plan
        if self.reallocator is not None:
            self.reallocator = Reallocator(self.plan)
        if self.learner is not None:
            self.learner = Learner(self.plan, self.pop.cell_of)
        if self.lender is not None:
            self.lender = self._lender()
        self.queue = AppealQueue(self.plan)
        self.counts, self.stats = metric_arrays(self.plan, self.layout)
        self.pending = [[] for _ in self.bounds]
        return 0

    def count_flag(self, bit: np.uint8) -> int:
        return sum(self.backend.count_flag(int(bit)))

    def first_flagged(self, bit: np.uint8, limit: int) -> list[int]:
        found: list[int] = []
        for k in range(len(self.bounds)):  # shards in order of their people
            found += self.backend.first_flagged(k, int(bit), limit)
            if len(found) >= limit:
                break
        return found

    def wrongful_people(self, keep: float) -> WrongfulPeople:
        return WrongfulPeople.merge(self.backend.wrongful_people(keep))

    def close(self) -> None:
        self.backend.close()
