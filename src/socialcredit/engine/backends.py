"""Where a cluster run's shards live: the shard backend protocol (like httpx's transports).

The cluster driver (cluster.py) holds no people. It asks a backend to start one worker per shard,
each a ``ShardWorker`` (shard_worker.py) that synthesises and advances its own people, and to
call them all, day by day. The driver is the same code whatever the backend:

- ``RayBackend`` (ray_backend.py): each worker a Ray actor, on any node of a cluster;
- ``InProcessBackend`` (in_process_backend.py): each worker a plain object in this process, and
  it can be told to lose a worker on a given day, so recovery is tested without Ray.

A backend raises ``WorkerLostError`` (errors.py) from any call that reaches a dead worker; the
driver then has it ``replace_lost()`` workers and reloads every shard from the last checkpoint,
or ``reset()``s them all where there is none (runner.advance).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol, runtime_checkable

import numpy as np

from socialcredit.errors import OutputError
from socialcredit.metrics.wrongful_people import WrongfulPeople
from socialcredit.plan import Plan

if TYPE_CHECKING:
    from socialcredit.engine.learned import Model
    from socialcredit.engine.lending_book import Applicants, CensusPart

Wins = list[tuple[int, np.ndarray, np.ndarray]]  # (list, people, decision day), see appeals.py
Bounds = tuple[int, int]  # a shard's people: lo .. hi - 1 (whole regions, see shards.py)
IN_PROCESS = "in-process"  # the --cluster name of the in-process backend


class ShardDay(NamedTuple):
    """What a shard sends the driver after a day: a few kilobytes, whatever its size."""

    tallies: dict[str, np.ndarray]  # integer tallies, summed over shards by the driver
    entered: list[np.ndarray]  # per list: today's new entries, global indices, ascending
    wrongful: list[np.ndarray]  # per list: which of those entries are wrongful
    seconds: float  # the kernel's time (the driver counts the slowest shard's)


@runtime_checkable
class ShardWorkerHandle(Protocol):
    """What one shard's worker answers. ``ShardWorker`` is the one implementation; backends
    differ only in where it lives and how a call reaches it."""

    def hello(self) -> tuple[str, int]:
        """The package version the worker runs, and its process id."""
        ...

    def reset(self) -> None:
        """Back to day 0."""
        ...

    def day(self, t: int, wins: Wins, cover: np.ndarray | None = None,
            model: Model | None = None, moved: bool = False) -> ShardDay:  # fmt: skip
        """Apply yesterday's won appeals (shard-local indices) and the reallocated sources'
        coverage in force (``cover``, [F, R]; None where no source is reallocated), run day
        ``t`` scored by the learned ``model`` in force (None: the point rules); ``moved``: a
        lending round moved scores this morning (everybody is counted afresh)."""
        ...

    # What the driver's learner reads of the shard's people (``who``: local indices,
    # ascending; sample_reader.SampleReader has the meanings).

    def rows(self, t: int, who: np.ndarray) -> np.ndarray: ...

    def system_labels(self, t0: int, who: np.ndarray) -> np.ndarray: ...

    def true_labels(self, t0: int, who: np.ndarray) -> np.ndarray: ...

    # What the driver's lender reads and moves of the shard's people (lending_book.py).

    def census(self, carry: np.ndarray | None) -> CensusPart:
        """The shard's census part, continuing the open block's sum ``carry`` of the shards
        before it (lending_book.tally)."""
        ...

    def applicants(self, t: int) -> Applicants:
        """The shard's applicants of day ``t``'s round, global indices, ascending."""
        ...

    def move(self, t: int, who: np.ndarray, change: np.ndarray) -> np.ndarray:
        """Move borrowers ``who`` (local indices) by ``change``; the score's actual moves."""
        ...

    def save(self, path: str, wins: Wins) -> None:
        """Apply won appeals, then save the state atomically to ``path``."""
        ...

    def load(self, path: str) -> None:
        """Restore the state saved at ``path`` (ValueError where it does not fit)."""
        ...

    def count_flag(self, bit: int) -> int: ...

    def first_flagged(self, bit: int, limit: int) -> list[int]:
        """Up to about ``limit`` people (global indices) with a flag bit set, lowest first."""
        ...

    def wrongful_people(self, keep: float) -> WrongfulPeople:
        """The shard's wrongly sanctioned people (global indices), each kept with
        probability ``keep``."""
        ...


@runtime_checkable
class ShardBackend(Protocol):
    """Runs one worker per shard and calls them; lists are in shard order (ascending people).

    Every call may raise ``WorkerLostError`` (with the shard and day) where a worker died."""

    name: str  # what manifest.json records as the run's cluster

    def default_shards(self) -> int:
        """Shards where the user asked for none (on Ray, one per node)."""
        ...

    def start(self, plan: Plan, bounds: Sequence[Bounds]) -> None:
        """One worker per shard, each synthesising its people. ResourceError where a shard
        fits nowhere; BackendError where workers do not start or run another version."""
        ...

    def day(self, t: int, wins: Sequence[Wins], cover: np.ndarray | None = None,
            model: Model | None = None, moved: bool = False) -> list[ShardDay]:  # fmt: skip
        """Every shard runs day ``t`` after applying its won appeals ``wins[k]``, the
        coverage and the learned model in force, knowing whether a lending round ``moved``
        scores (ShardWorkerHandle.day)."""
        ...

    def rows(self, t: int, who: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Per shard, ``ShardWorkerHandle.rows`` of its people ``who[k]`` (local indices)."""
        ...

    def system_labels(self, t0: int, who: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Per shard, ``ShardWorkerHandle.system_labels`` of its people ``who[k]``."""
        ...

    def true_labels(self, t0: int, who: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Per shard, ``ShardWorkerHandle.true_labels`` of its people ``who[k]``."""
        ...

    def census(self, t: int, shard: int, carry: np.ndarray | None) -> CensusPart:
        """One shard's ``ShardWorkerHandle.census`` (the driver chains them, lending_book.py);
        ``t``: the day, for a lost worker's error."""
        ...

    def applicants(self, t: int) -> list[Applicants]:
        """Per shard, ``ShardWorkerHandle.applicants``."""
        ...

    def move(self, t: int, who: Sequence[np.ndarray],
             change: Sequence[np.ndarray]) -> list[np.ndarray]:  # fmt: skip
        """Per shard, ``ShardWorkerHandle.move`` of its borrowers ``who[k]`` (local)."""
        ...

    def save(self, day: int, paths: Sequence[Path], wins: Sequence[Wins]) -> None:
        """Each shard applies its wins and saves its state to ``paths[k]`` (OutputError,
        from ``unwritable``, where a worker cannot write)."""
        ...

    def load(self, day: int, paths: Sequence[Path]) -> None:
        """Each shard restores the state saved at the end of ``day`` from ``paths[k]``
        (ValueError or OSError where a file does not fit or cannot be read)."""
        ...

    def reset(self) -> None:
        """Every shard back to day 0 (a loss before the first checkpoint)."""
        ...

    def count_flag(self, bit: int) -> list[int]:
        """Per shard, the people with a flag bit set."""
        ...

    def first_flagged(self, shard: int, bit: int, limit: int) -> list[int]:
        """One shard's ``ShardWorkerHandle.first_flagged``."""
        ...

    def wrongful_people(self, keep: float) -> list[WrongfulPeople]:
        """Per shard, its ``ShardWorkerHandle.wrongful_people``."""
        ...

    def replace_lost(self) -> list[int]:
        """New workers for the shards whose worker died (their state is reloaded or reset
        after); returns those shards."""
        ...

    def close(self) -> None:
        """Stop the workers and whatever the backend started for them."""
        ...


def unwritable(folder: Path, detail: str) -> OutputError:
    """The error for a shard that could not write its checkpoint into ``folder``."""
    return OutputError(
        f"{folder}: a shard's checkpoint could not be written ({detail}). Fix: free disk space "
        "on the run folder's storage, or pass --checkpoint-every 0 to run without checkpoints."
    )


def backend_for(cluster: str) -> ShardBackend:
    """The backend a ``--cluster`` value names: ``in-process``, or a Ray address (``local``,
    ``auto``, ``ray://HOST:PORT``, ``HOST:PORT``; ray_backend.connect). Imported on demand, so
    the in-process backend never imports Ray."""
    if cluster == IN_PROCESS:
        from socialcredit.engine.in_process_backend import InProcessBackend

        return InProcessBackend()
    from socialcredit.engine.ray_backend import RayBackend

    return RayBackend(cluster)
