"""The in-process shard backend: each shard's worker is a plain ``ShardWorker`` in this process.

It is the fake that tests run the cluster driver against without Ray: the same driver, the same
worker code, and workers that can be told to die. ``lose=[(day, shard), ...]`` makes that shard's
worker die as that day begins; the call for the day raises ``WorkerLostError``, as the Ray
backend does when an actor's process is killed, and so does every call to that worker until it is
replaced. Each loss happens once (the day runs again after recovery). The shards run one after
another, so as a way to run shards it is slower than ``ShardedEngine`` (shards.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from socialcredit.engine.backends import (
    IN_PROCESS,
    Bounds,
    ShardDay,
    ShardWorkerHandle,
    Wins,
    unwritable,
)
from socialcredit.engine.shard_worker import ShardWorker
from socialcredit.errors import WorkerLostError
from socialcredit.metrics.wrongful_people import WrongfulPeople
from socialcredit.plan import Plan
from socialcredit.resources import check_memory

if TYPE_CHECKING:
    from socialcredit.engine.learned import Model
    from socialcredit.engine.lending_book import Applicants, CensusPart

LOST = "the in-process worker was told to die"


class InProcessBackend:
    """Shards as objects in this process; see ``ShardBackend`` (backends.py) and the module
    docstring for ``lose``."""

    name = IN_PROCESS

    def __init__(self, lose: Iterable[tuple[int, int]] = ()) -> None:
        self.to_lose = set(lose)  # (day, shard) still to happen
        self.lost: list[tuple[int, int]] = []  # (day, shard) that happened, in order
        self.days_run: list[int] = []  # every day the shards ran, re-runs included
        self.workers: list[ShardWorkerHandle | None] = []  # None: lost, not yet replaced

    def default_shards(self) -> int:
        return 1

    def start(self, plan: Plan, bounds: Sequence[Bounds]) -> None:
        check_memory(plan)  # every shard's people live in this process
        self.plan, self.bounds = plan, list(bounds)
        self.workers = [ShardWorker(plan, lo, hi) for lo, hi in self.bounds]

    def _worker(self, k: int, day: int | None) -> ShardWorkerHandle:
        worker = self.workers[k]
        if worker is None:
            raise WorkerLostError(LOST, shard=k, day=day)
        return worker

    def day(self, t: int, wins: Sequence[Wins], cover: np.ndarray | None = None,
            model: Model | None = None, moved: bool = False) -> list[ShardDay]:  # fmt: skip
        for day, k in sorted(self.to_lose):
            if day == t:
                self.to_lose.discard((day, k))
                self.lost.append((day, k))
                self.workers[k] = None
        self.days_run.append(t)
        return [self._worker(k, t).day(t, wins[k], cover, model, moved)
                for k in range(len(self.workers))]  # fmt: skip

    def rows(self, t: int, who: Sequence[np.ndarray]) -> list[np.ndarray]:
        return [self._worker(k, t).rows(t, who[k]) for k in range(len(self.workers))]

    def system_labels(self, t0: int, who: Sequence[np.ndarray]) -> list[np.ndarray]:
        return [self._worker(k, None).system_labels(t0, who[k]) for k in range(len(self.workers))]

    def true_labels(self, t0: int, who: Sequence[np.ndarray]) -> list[np.ndarray]:
        return [self._worker(k, None).true_labels(t0, who[k]) for k in range(len(self.workers))]

    def census(self, t: int, shard: int, carry: np.ndarray | None) -> CensusPart:
        return self._worker(shard, t).census(carry)

    def applicants(self, t: int) -> list[Applicants]:
        return [self._worker(k, t).applicants(t) for k in range(len(self.workers))]

    def move(self, t: int, who: Sequence[np.ndarray],
             change: Sequence[np.ndarray]) -> list[np.ndarray]:  # fmt: skip
        return [self._worker(k, t).move(t, who[k], change[k]) for k in range(len(self.workers))]

    def save(self, day: int, paths: Sequence[Path], wins: Sequence[Wins]) -> None:
        for k, path in enumerate(paths):
            try:
                self._worker(k, day).save(str(path), wins[k])
            except OSError as exc:
                raise unwritable(path.parent, f"{exc.__class__.__name__}: {exc}") from None

    def load(self, day: int, paths: Sequence[Path]) -> None:
        for k, path in enumerate(paths):
            self._worker(k, day).load(str(path))

    def reset(self) -> None:
        for k in range(len(self.workers)):
            self._worker(k, None).reset()

    def count_flag(self, bit: int) -> list[int]:
        return [self._worker(k, None).count_flag(bit) for k in range(len(self.workers))]

    def first_flagged(self, shard: int, bit: int, limit: int) -> list[int]:
        return self._worker(shard, None).first_flagged(bit, limit)

    def wrongful_people(self, keep: float) -> list[WrongfulPeople]:
        return [self._worker(k, None).wrongful_people(keep) for k in range(len(self.workers))]

    def replace_lost(self) -> list[int]:
        replaced = [k for k, worker in enumerate(self.workers) if worker is None]
        for k in replaced:
            lo, hi = self.bounds[k]
            self.workers[k] = ShardWorker(self.plan, lo, hi)
        return replaced

    def close(self) -> None:
        self.workers = []
