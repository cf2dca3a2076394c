"""The Ray shard backend: each shard's worker is a Ray actor, placed on a node with room for it.

Ray is imported when a backend is made (``connect``), never when this module is: it is an
optional extra (``pip install 'socialcredit[ray]'``), and a missing one is a one-line message.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from socialcredit.engine.backends import Bounds, ShardDay, Wins, unwritable
from socialcredit.engine.shard_worker import ShardWorker
from socialcredit.errors import BackendError, ResourceError, WorkerLostError
from socialcredit.metrics.wrongful_people import WrongfulPeople
from socialcredit.plan import Plan
from socialcredit.resources import state_bytes_per_person
from socialcredit.version import __version__

if TYPE_CHECKING:
    from socialcredit.engine.learned import Model
    from socialcredit.engine.lending_book import Applicants, CensusPart

LOCAL = "local"  # --cluster local: start a private Ray instance on this machine
AUTO = "auto"  # --cluster auto: the running cluster this machine belongs to, else a local one
INSTALL = "pip install 'socialcredit[ray]'"
# A worker process with Ray, NumPy, Numba and the kernels loaded: about 370 MB RSS measured here;
# the rest of the allowance is synthesis blocks and the day's tallies.
WORKER_FIXED_BYTES = 512 << 20
STARTUP = 600  # seconds shard workers may take to start (synthesising a large shard takes time)


def shard_memory(plan: Plan, people: int) -> int:
    """Bytes a shard's worker needs: its people's state and trait bytes (and their groups, a
    byte each, for the lender's book: lending_book.py), and the process."""
    lending = people if plan.lending is not None else 0
    return people * state_bytes_per_person(plan) + lending + WORKER_FIXED_BYTES


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


class RayBackend:
    """Shards in Ray actors; see ``ShardBackend`` (backends.py) for what each call does."""

    def __init__(self, address: str, threads: int | None = None) -> None:
        """Connects to the cluster at ``address`` (``connect``). ``threads`` per shard defaults
        to the cluster's CPUs shared among the shards."""
        self.ray, self.started_ray = connect(address)
        self.name = address
        self.threads_asked = threads
        self.tag = uuid.uuid4().hex[:8]  # names this run's actors apart from other runs'
        self.workers: list[Any] = []

    def _nodes(self) -> list[dict[str, Any]]:
        return [n for n in self.ray.nodes() if n.get("Alive")]

    def default_shards(self) -> int:
        return max(1, len(self._nodes()))

    def start(self, plan: Plan, bounds: Sequence[Bounds]) -> None:
        self.plan, self.bounds = plan, list(bounds)
        nodes = self._nodes()
        cpus = int(self.ray.cluster_resources().get("CPU", 1))
        biggest = max((int(n["Resources"].get("CPU", 1)) for n in nodes), default=1)
        self.threads = self.threads_asked or max(1, min(biggest, cpus // len(self.bounds)))
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
        self.remote_class = self.ray.remote(ShardWorker)
        self.workers = [self._new_worker(k) for k in range(len(self.bounds))]
        self._check_versions()

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

    def _get(self, refs: list[Any], day: int | None, first: int = 0) -> list[Any]:
        """The answers of calls already sent (to shards ``first``, ``first + 1``, ...), waited
        for in shard order, so that a loss names its shard."""
        answers = []
        for k, ref in enumerate(refs, start=first):
            try:
                answers.append(self.ray.get(ref))
            except (self.ray.exceptions.RayActorError,
                    self.ray.exceptions.WorkerCrashedError) as exc:  # fmt: skip
                detail = str(exc).splitlines()[0] if str(exc) else ""
                raise WorkerLostError(detail, shard=k, day=day) from None
        return answers

    def day(self, t: int, wins: Sequence[Wins], cover: np.ndarray | None = None,
            model: Model | None = None, moved: bool = False) -> list[ShardDay]:  # fmt: skip
        refs = [w.day.remote(t, wins[k], cover, model, moved) for k, w in enumerate(self.workers)]
        return self._get(refs, t)

    def rows(self, t: int, who: Sequence[np.ndarray]) -> list[np.ndarray]:
        return self._get([w.rows.remote(t, who[k]) for k, w in enumerate(self.workers)], t)

    def system_labels(self, t0: int, who: Sequence[np.ndarray]) -> list[np.ndarray]:
        refs = [w.system_labels.remote(t0, who[k]) for k, w in enumerate(self.workers)]
        return self._get(refs, None)

    def true_labels(self, t0: int, who: Sequence[np.ndarray]) -> list[np.ndarray]:
        refs = [w.true_labels.remote(t0, who[k]) for k, w in enumerate(self.workers)]
        return self._get(refs, None)

    def census(self, t: int, shard: int, carry: np.ndarray | None) -> CensusPart:
        return self._get([self.workers[shard].census.remote(carry)], t, first=shard)[0]

    def applicants(self, t: int) -> list[Applicants]:
        return self._get([w.applicants.remote(t) for w in self.workers], t)

    def move(self, t: int, who: Sequence[np.ndarray],
             change: Sequence[np.ndarray]) -> list[np.ndarray]:  # fmt: skip
        refs = [w.move.remote(t, who[k], change[k]) for k, w in enumerate(self.workers)]
        return self._get(refs, t)

    def save(self, day: int, paths: Sequence[Path], wins: Sequence[Wins]) -> None:
        refs = [w.save.remote(str(paths[k]), wins[k]) for k, w in enumerate(self.workers)]
        try:
            self._get(refs, day)
        except self.ray.exceptions.RayTaskError as exc:  # the worker's OSError, e.g. disk full
            raise unwritable(paths[0].parent, str(exc).strip().splitlines()[-1]) from None

    def load(self, day: int, paths: Sequence[Path]) -> None:
        refs = [w.load.remote(str(path)) for w, path in zip(self.workers, paths, strict=True)]
        try:
            self._get(refs, day)
        except self.ray.exceptions.RayTaskError as exc:
            raise ValueError(str(exc).splitlines()[-1]) from None

    def reset(self) -> None:
        self._get([w.reset.remote() for w in self.workers], None)

    def count_flag(self, bit: int) -> list[int]:
        return self._get([w.count_flag.remote(bit) for w in self.workers], None)

    def first_flagged(self, shard: int, bit: int, limit: int) -> list[int]:
        ref = self.workers[shard].first_flagged.remote(bit, limit)
        return self._get([ref], None, first=shard)[0]

    def wrongful_people(self, keep: float) -> list[WrongfulPeople]:
        return self._get([w.wrongful_people.remote(keep) for w in self.workers], None)

    def replace_lost(self) -> list[int]:
        replaced = []
        for k, worker in enumerate(self.workers):
            try:
                self.ray.get(worker.hello.remote(), timeout=60)
            except Exception:  # noqa: BLE001 (dead, or not answering: replace it either way)
                self.ray.kill(worker, no_restart=True)
                self.workers[k] = self._new_worker(k)
                replaced.append(k)
        self._check_versions()
        return replaced

    def close(self) -> None:
        """Stop the actors, and Ray itself where this backend started it."""
        for worker in self.workers:
            self.ray.kill(worker, no_restart=True)
        if self.started_ray:
            self.ray.shutdown()
