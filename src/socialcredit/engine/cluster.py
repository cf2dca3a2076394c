"""Shards on a Ray cluster: each shard's people and state live in a Ray actor.

The driver holds no people, only the metrics, the appeal queue and the cell bounds. Each day it
asks every shard to apply yesterday's won appeals and run its kernel (stages 1-8); a shard answers
with its integer tallies, its new list entries and which of them are wrongful, a few kilobytes.
The driver merges them in shard order (ascending people, as one process would), runs the one
global appeal queue and keeps the wins for the next day's calls. Draws are counter-based and a
shard's kernel is the local fast engine's, so any number of shards and workers gives the same bits
as a run in one process (tests/cluster).

Checkpoints: every shard writes its own state file into the run's staging folder (so on a real
cluster the run folder must be on storage every node mounts); the driver's checkpoint names them.
When a worker dies, the driver replaces it with a new actor, every shard reloads the last
checkpoint (or starts again from day 0 where there is none) and the days since are run again:
same result, a little later.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from socialcredit.engine.appeals import AppealQueue, apply_wins
from socialcredit.engine.daily import DayLoop, WorkerLost, record
from socialcredit.engine.shards import shard_bounds
from socialcredit.engine.standing import metric_arrays
from socialcredit.errors import BackendError, OutputError, ResourceError
from socialcredit.metrics.layout import MetricLayout, layout_for
from socialcredit.output.checkpoint import save_atomically
from socialcredit.plan import Plan
from socialcredit.population.synthesis import Population, cell_starts
from socialcredit.resources import state_bytes_per_person
from socialcredit.version import __version__

LOCAL = "local"  # --cluster local: start a private Ray instance on this machine
AUTO = "auto"  # --cluster auto: the running cluster this machine belongs to, else a local one
INSTALL = "pip install 'socialcredit[ray]'"
# A worker process with Ray, NumPy, Numba and the kernels loaded: about 370 MB RSS measured here;
# the rest of the allowance is synthesis blocks and the day's tallies.
WORKER_FIXED_BYTES = 512 << 20
STARTUP = 600  # seconds shard workers may take to start (synthesising a large shard takes time)

Wins = list[tuple[int, np.ndarray, np.ndarray]]  # (list, people, decision day), see appeals.py


class ShardWorker:
    """One shard on a Ray worker: a fast engine over people ``lo .. hi - 1`` (whole regions),
    synthesised where it runs (the same people the driver's population would hold)."""

    def __init__(self, plan: Plan, lo: int, hi: int, threads: int) -> None:
        from numba import config, set_num_threads

        from socialcredit.engine.fast import FastEngine
        from socialcredit.population.synthesis import synthesize

        set_num_threads(max(1, min(threads, config.NUMBA_NUM_THREADS)))
        self.plan, self.lo = plan, lo
        self.population = synthesize(plan, lo, hi)
        self.engine = FastEngine(plan, self.population)

    def hello(self) -> tuple[str, int]:
        """The package version this worker runs, and its process id."""
        return __version__, os.getpid()

    def reset(self) -> None:
        """Back to day 0 (a run that lost a worker before its first checkpoint)."""
        from socialcredit.engine.fast import FastEngine

        self.engine = FastEngine(self.plan, self.population)

    def day(self, t: int, wins: Wins) -> tuple[dict[str, np.ndarray], list[np.ndarray],
                                                list[np.ndarray], float]:  # fmt: skip
        """Apply won appeals, run day ``t``; return tallies, new entries (global indices),
        which of them are wrongful, and the seconds the kernel took."""
        s = self.engine.state
        apply_wins(s.list_until, wins)
        start = time.perf_counter()
        tallies, entered = self.engine.kernel_day(t)
        seconds = time.perf_counter() - start
        wrongful = [s.shadow_until[x, who] <= t for x, who in enumerate(entered)]
        return tallies, [who + self.lo for who in entered], wrongful, seconds

    def save(self, path: str, wins: Wins) -> None:
        """Apply won appeals, then save the state atomically."""
        apply_wins(self.engine.state.list_until, wins)
        save_atomically(Path(path), vars(self.engine.state))

    def load(self, path: str) -> None:
        with np.load(path) as saved:
            arrays = {f"state.{name}": saved[name] for name in saved.files}
        try:
            self.engine.load_state(arrays, Path(path).parent)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None

    def count_flag(self, bit: int) -> int:
        return self.engine.count_flag(np.uint8(bit))

    def first_flagged(self, bit: int, limit: int) -> list[int]:
        return [self.lo + i for i in self.engine.first_flagged(np.uint8(bit), limit)]


def shard_memory(plan: Plan, people: int) -> int:
    """Bytes a shard's worker needs: its people's state and trait bytes, and the process."""
    return people * state_bytes_per_person(plan) + WORKER_FIXED_BYTES


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise BackendError(
            f"--cluster needs Ray, which is not installed. Fix: {INSTALL} (or leave out "
            "--cluster to run the shards in this process)."
        ) from None
    return ray


def connect(address: str) -> tuple[Any, bool]:
    """Join the cluster at ``address``; returns ray and whether this call started Ray here.

    ``local`` starts a private instance on 127.0.0.1; ``auto`` joins the cluster this machine
    belongs to (RAY_ADDRESS, or a node started with ``ray start``) and falls back to a private
    instance; ``ray://HOST:PORT`` is a cluster's Ray Client address; anything else is passed to
    ``ray.init`` as a cluster address (``HOST:PORT`` of the head node's GCS)."""
    ray = import_ray()
    if ray.is_initialized():
        return ray, False
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no calls home from a simulator
    quiet = {"log_to_driver": False, "logging_level": "ERROR"}
    private = {
        "_node_ip_address": "127.0.0.1",
        "include_dashboard": False,
        "configure_logging": False,
        **quiet,
    }

    def start_private() -> None:
        # Ray waits a fixed 30 s for its own node to come up; on a machine busy with other work
        # that is not always enough, and a second try usually is.
        for attempt in range(3):
            try:
                ray.init(**private)
                return
            except Exception:
                ray.shutdown()
                if attempt == 2:
                    raise

    try:
        if address == LOCAL:
            start_private()
            return ray, True
        if address == AUTO:
            try:
                ray.init(address="auto", **quiet)
                return ray, False
            except ConnectionError:
                start_private()
                return ray, True
        ray.init(address=address, **quiet)
        return ray, False
    except Exception as exc:  # noqa: BLE001 (Ray raises many kinds; the user needs one message)
        raise BackendError(
            f"--cluster {address}: could not connect to Ray ({exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else 'no detail'}). Fix: check that the "
            "cluster is up (`ray status` on its head node) and pass its address as "
            "ray://HOST:10001 (Ray Client) or HOST:6379; or use --cluster local."
        ) from None


class ClusterEngine(DayLoop):
    """The fast engine's model with shards in Ray actors; see the module docstring."""

    name = "fast"

    def __init__(self, plan: Plan, shards: int | None, address: str,
                 threads: int | None = None) -> None:  # fmt: skip
        """``threads`` per shard defaults to the cluster's CPUs shared among the shards."""
        self.ray, self.started_ray = connect(address)
        self.plan = plan
        self.layout: MetricLayout = layout_for(plan)
        cell_start = cell_starts(plan)
        # The driver holds no people: only the cell bounds, for the appeal queue's tallies.
        self.pop = Population(np.empty(0, np.uint8), np.empty(0, np.uint8), cell_start)
        nodes = [n for n in self.ray.nodes() if n.get("Alive")]
        if shards is None:
            shards = max(1, len(nodes))
        self.bounds = shard_bounds(plan, cell_start, shards)
        cpus = int(self.ray.cluster_resources().get("CPU", 1))
        biggest = max((int(n["Resources"].get("CPU", 1)) for n in nodes), default=1)
        self.threads = threads or max(1, min(biggest, cpus // len(self.bounds)))
        # More shards than CPUs share them (a fraction of a CPU each), rather than wait forever
        # for CPUs the cluster does not have.
        self.cpus_each = min(self.threads, int(cpus / len(self.bounds) * 1e4) / 1e4)
        self.memory = [shard_memory(plan, hi - lo) for lo, hi in self.bounds]
        room = max((n["Resources"].get("memory", 0) for n in nodes), default=0)
        if room and max(self.memory) > room:
            raise ResourceError(
                f"--people {plan.people:,} in {len(self.bounds)} shards: the largest shard needs "
                f"about {max(self.memory) / 2**30:.1f} GiB but the cluster's largest node offers "
                f"Ray {room / 2**30:.1f} GiB. Fix: more --shards (at most one per region), "
                "nodes with more memory, or fewer people."
            )
        self.tag = uuid.uuid4().hex[:8]
        self.remote_class = self.ray.remote(ShardWorker)
        self.workers: list[Any] = [self._new_worker(k) for k in range(len(self.bounds))]
        self._check_versions()
        self.queue = AppealQueue(plan)
        self.counts, self.stats = metric_arrays(plan, self.layout)
        self.pending: list[Wins] = [[] for _ in self.bounds]
        self.worker_losses = 0
        self.timings = {"shards": 0.0, "coordination": 0.0, "appeals": 0.0, "measurement": 0.0}

    @property
    def shards(self) -> list[tuple[int, int]]:
        return self.bounds

    def _new_worker(self, k: int) -> Any:
        lo, hi = self.bounds[k]
        options = {
            "num_cpus": self.cpus_each,
            "memory": self.memory[k],  # Ray places the shard on a node with room for it
            "name": f"socialcredit-{self.tag}-shard-{k}",
        }
        return self.remote_class.options(**options).remote(self.plan, lo, hi, self.threads)

    def _check_versions(self) -> None:
        try:
            hellos = self.ray.get([w.hello.remote() for w in self.workers], timeout=STARTUP)
        except self.ray.exceptions.GetTimeoutError:
            raise BackendError(
                f"the cluster did not start {len(self.workers)} shard workers within "
                f"{STARTUP} s (each asks for {self.cpus_each} CPUs and room for its people). "
                "Fix: check `ray status` for free CPUs and memory, or pass fewer --shards."
            ) from None
        versions = {v for v, _ in hellos}
        if versions != {__version__}:
            raise BackendError(
                f"the cluster's workers run socialcredit {', '.join(sorted(versions))}, this "
                f"driver {__version__}. Fix: install the same version on every node "
                f"(`{INSTALL}=={__version__}` in the cluster's image)."
            )

    def _get(self, refs: list[Any]) -> list[Any]:
        try:
            return self.ray.get(refs)
        except (self.ray.exceptions.RayActorError, self.ray.exceptions.WorkerCrashedError) as exc:
            raise WorkerLost(str(exc).splitlines()[0] if str(exc) else "") from None

    def step(self, t: int) -> None:
        start = time.perf_counter()
        wins, self.pending = self.pending, [[] for _ in self.bounds]
        days = self._get([w.day.remote(t, wins[k]) for k, w in enumerate(self.workers)])
        wall = time.perf_counter() - start
        slowest = max(seconds for *_, seconds in days)
        self.timings["shards"] += slowest
        self.timings["coordination"] += wall - slowest  # calls, transfers, merging

        start = time.perf_counter()
        lists = range(len(self.plan.lists))
        entered = [np.concatenate([d[1][x] for d in days]) for x in lists]
        wrongful = [np.concatenate([d[2][x] for d in days]) for x in lists]
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
        tallies = {k: sum(d[0][k] for d in days) for k in days[0][0]}
        record(self, t, tallies, filed)

    # State, for checkpoints and the end of the run: kept by the shards.

    def save_state(self, folder: Path, day: int) -> dict[str, np.ndarray]:
        names = [f"shard-{k}-of-{len(self.bounds)}-day-{day}.npz" for k in range(len(self.bounds))]
        wins, self.pending = self.pending, [[] for _ in self.bounds]
        paths = [str(folder / name) for name in names]
        try:
            self._get([w.save.remote(paths[k], wins[k]) for k, w in enumerate(self.workers)])
        except self.ray.exceptions.RayTaskError as exc:  # the worker's OSError, e.g. disk full
            raise OutputError(
                f"{folder}: a shard's checkpoint could not be written "
                f"({str(exc).strip().splitlines()[-1]}). Fix: free disk space on the run "
                "folder's storage, or pass --checkpoint-every 0 to run without checkpoints."
            ) from None
        missing = [name for name in names if not (folder / name).is_file()]
        if missing:
            raise BackendError(
                f"{folder}: the cluster's workers saved their checkpoints where this machine "
                f"cannot see them ({missing[0]} is missing). Fix: put --out on storage every "
                "node mounts (NFS, a Kubernetes volume), or pass --checkpoint-every 0."
            )
        return {"shard_files": np.array(names), "shard_bounds": np.array(self.bounds)}

    def load_state(self, saved: Mapping[str, np.ndarray], folder: Path) -> None:
        if "shard_files" not in saved:
            raise ValueError("this checkpoint holds no shard files")
        if not np.array_equal(saved["shard_bounds"], np.array(self.bounds)):
            raise ValueError("shard_bounds (resume with the same number of shards)")
        names = [str(name) for name in saved["shard_files"]]
        try:
            self._get([w.load.remote(str(folder / name))
                       for w, name in zip(self.workers, names, strict=True)])  # fmt: skip
        except self.ray.exceptions.RayTaskError as exc:
            raise ValueError(str(exc).splitlines()[-1]) from None
        self.pending = [[] for _ in self.bounds]

    def replace_lost_workers(self) -> None:
        """New actors for the shards whose actor died (their state is reloaded after)."""
        self.worker_losses += 1
        for k, worker in enumerate(self.workers):
            try:
                self.ray.get(worker.hello.remote(), timeout=60)
            except Exception:  # noqa: BLE001 (dead, or not answering: replace it either way)
                self.ray.kill(worker, no_restart=True)
                self.workers[k] = self._new_worker(k)
        self._check_versions()

    def restart(self) -> int:
        """Back to the start (no checkpoint to recover from); returns the first day to run."""
        self._get([w.reset.remote() for w in self.workers])
        self.queue = AppealQueue(self.plan)
        self.counts, self.stats = metric_arrays(self.plan, self.layout)
        self.pending = [[] for _ in self.bounds]
        return 0

    def count_flag(self, bit: np.uint8) -> int:
        return sum(self._get([w.count_flag.remote(int(bit)) for w in self.workers]))

    def first_flagged(self, bit: np.uint8, limit: int) -> list[int]:
        found: list[int] = []
        for worker in self.workers:  # shards in order of their people
            found += self._get([worker.first_flagged.remote(int(bit), limit)])[0]
            if len(found) >= limit:
                break
        return found

    def close(self) -> None:
        """Stop the actors, and Ray itself where this engine started it."""
        for worker in self.workers:
            self.ray.kill(worker, no_restart=True)
        if self.started_ray:
            self.ray.shutdown()
