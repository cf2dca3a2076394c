"""Run ensemble members on Ray (``--cluster``): long-lived actors, files written by the driver.

One ``MemberActor`` (member_actor.py) per worker, each a ``Simulator`` that compiles its kernels
once and runs member after member. An actor returns a finished member's files as bytes and this
driver writes them into the staging folder, under a hidden name and renamed, as a local worker
does (member.py): one protocol for a private cluster on this machine and a remote one whose nodes
do not see this disk. A member's bits depend only on its spec, so an ensemble on Ray gives the
same folder as one in local processes (tests/cluster).

Workers default to one per CPU of the cluster; each asks Ray for its share of the CPUs and for
the memory of one member, so that Ray places it on a node with room. A lost actor stops the
ensemble with a message; the members finished so far are kept, and `resume` runs the rest.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from socialcredit.engine.ray_backend import STARTUP, WORKER_FIXED_BYTES, connect
from socialcredit.ensemble.member import MEMBER_FILE, EnsembleJob, MemberDone, member_folder
from socialcredit.ensemble.member_actor import MemberActor, MemberFiles
from socialcredit.ensemble.spec import MemberSpec
from socialcredit.errors import BackendError, OutputError, ResourceError, SocialCreditError
from socialcredit.resources import estimate_bytes
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.variant import variant_of_raw
from socialcredit.version import __version__


def member_memory(job: EnsembleJob) -> int:
    """Bytes one actor needs: one member's people and metrics, and the process itself."""
    plan = compile_plan(variant_of_raw(job.raw, job.label), people=job.people, days=job.days,
                        label=job.label)  # fmt: skip
    return estimate_bytes(plan, job.engine) + WORKER_FIXED_BYTES


def keep(root: Path, member: MemberFiles) -> MemberDone:
    """Write a member's files under ``root / members`` (member.json last), all or nothing."""
    index, files, summary, timings = member
    final = member_folder(root, index)
    staging = final.parent / f".{final.name}.tmp-{os.getpid()}"
    try:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for name in sorted(files, key=lambda n: n == MEMBER_FILE):
            if "/" in name or name.startswith("."):  # names come from the actor: stay inside
                raise OSError(0, f"unexpected member file name {name!r}")
            (staging / name).write_bytes(files[name])
        os.rename(staging, final)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(
            f"{final}: could not write the member's results ({exc.strerror}). "
            "Fix: free disk space or choose another --out."
        ) from None
    return MemberDone(index, final, summary, timings)


class _Actors:
    """The ensemble's actors on the cluster at ``address``, and Ray where this started it."""

    def __init__(self, job: EnsembleJob, address: str, workers: int | None, todo: int) -> None:
        self.ray, self.started_ray = connect(address)
        self.actors: list[Any] = []
        try:
            self._start(job, workers, todo)
        except BaseException:
            self.close()  # the actors that did start, and a Ray started for them
            raise

    def _start(self, job: EnsembleJob, workers: int | None, todo: int) -> None:
        ray = self.ray
        cpus = int(ray.cluster_resources().get("CPU", 1))
        count = min(workers if workers is not None else max(1, cpus), todo)
        threads = max(1, cpus // count)
        cpus_each = min(threads, int(cpus / count * 1e4) / 1e4)  # share rather than wait
        memory = member_memory(job)
        room = max((n["Resources"].get("memory", 0) for n in ray.nodes() if n.get("Alive")),
                   default=0)  # fmt: skip
        if room and memory > room:
            raise ResourceError(
                f"--people {job.people}: one member needs about {memory / 2**30:.1f} GiB but "
                f"the cluster's largest node offers Ray {room / 2**30:.1f} GiB. Fix: fewer "
                "people, or nodes with more memory."
            )
        tag = uuid.uuid4().hex[:8]  # names this ensemble's actors apart from other runs'
        remote = ray.remote(MemberActor)
        self.actors = [
            remote.options(num_cpus=cpus_each, memory=memory,
                           name=f"socialcredit-{tag}-member-worker-{k}").remote(job, threads)
            for k in range(count)
        ]  # fmt: skip
        try:
            hellos = ray.get([a.hello.remote() for a in self.actors], timeout=STARTUP)
        except ray.exceptions.GetTimeoutError:
            raise BackendError(
                f"the cluster did not start {count} ensemble workers within {STARTUP} s (each "
                f"asks for {cpus_each} CPUs and {memory / 2**30:.1f} GiB). Fix: check "
                "`ray status` for free CPUs and memory, or pass fewer --workers."
            ) from None
        versions = {v for v, _, _ in hellos}
        if versions != {__version__}:
            raise BackendError(
                f"the cluster's workers run socialcredit {', '.join(sorted(versions))}, this "
                f"driver {__version__}. Fix: install the same version on every node."
            )

    def result(self, ref: Any) -> MemberFiles:
        ray = self.ray
        try:
            answer: MemberFiles = ray.get(ref)
        except (ray.exceptions.RayActorError, ray.exceptions.WorkerCrashedError) as exc:
            raise BackendError(
                f"an ensemble worker on the cluster was lost ({str(exc).splitlines()[0]}). "
                "The members finished so far are kept. Fix: `socialcredit resume OUT "
                "--cluster ADDRESS` runs the rest."
            ) from None
        except ray.exceptions.RayTaskError as exc:  # the member's own error, e.g. a bad value
            if isinstance(exc.cause, SocialCreditError):
                raise exc.cause from None
            raise
        return answer

    def close(self) -> None:
        for actor in self.actors:
            self.ray.kill(actor, no_restart=True)
        if self.started_ray:
            self.ray.shutdown()


def run_on_ray(
    job: EnsembleJob,
    todo: Sequence[MemberSpec],
    root: Path,
    address: str,
    workers: int | None,
    on_member: Callable[[MemberDone], None] | None,
) -> Iterator[MemberDone]:
    """Each member of ``todo``, run on the cluster and kept under ``root``, as it finishes.
    Interrupting the iteration stops the actors (and a Ray this started)."""
    if not todo:
        return
    pool = _Actors(job, address, workers, len(todo))
    try:
        ray = pool.ray
        queue = iter(todo)
        owner: dict[Any, Any] = {}  # reference of a member in flight -> the actor running it
        for actor in pool.actors:  # two in flight per actor: the next waits while one runs
            for spec in (next(queue, None), next(queue, None)):
                if spec is not None:
                    owner[actor.run.remote(spec)] = actor
        while owner:
            ready, _ = ray.wait(list(owner), num_returns=1)
            for ref in ready:
                actor = owner.pop(ref)
                done = keep(root, pool.result(ref))
                nxt = next(queue, None)
                if nxt is not None:
                    owner[actor.run.remote(nxt)] = actor
                if on_member is not None:
                    on_member(done)
                yield done
    finally:
        pool.close()
