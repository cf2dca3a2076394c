"""Run the members of an ensemble over local cores: the one ensemble runner.

``run_members(job, specs, root, workers)`` yields each member as it finishes (in any order):
members already finished under ``root`` (a resumed ensemble) first, then the rest, run in
``workers`` long-lived processes (spawned, so no Numba thread pool is forked), each a
``Simulator`` that compiles its kernels once and runs member after member. One worker runs in
this process. Each member's result depends only on its spec, never on the worker that ran it or
on the number of workers (the engines give the same bits on any number of threads), so an
ensemble gives the same results however it is spread. With ``cluster`` (an address, as for
``--cluster``) the members still to run go to Ray actors instead (ray_members.py).

Workers share the machine's cores: each runs its kernels on cores // workers threads.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing import get_context
from pathlib import Path

from socialcredit.engine.backends import IN_PROCESS, ShardBackend
from socialcredit.ensemble.member import EnsembleJob, MemberDone, Simulator, finished
from socialcredit.ensemble.spec import MemberSpec
from socialcredit.errors import ConfigError
from socialcredit.threads import limit_threads

_worker: Simulator | None = None  # the Simulator of a worker process


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def check_workers(workers: int | None) -> int:
    chosen = default_workers() if workers is None else workers
    if chosen < 1:
        raise ConfigError(
            f"got {workers}",
            path="--workers",
            expected="1 or more worker processes",
            fix="pass --workers 1 or more, or leave it out (one per core)",
        )
    return chosen


def _start_worker(job: EnsembleJob, threads: int) -> None:
    global _worker
    os.environ["NUMBA_NUM_THREADS"] = str(threads)  # if Numba is not imported yet: fewer threads
    limit_threads(threads)  # if it is (importing the package's kernels imports it)
    _worker = Simulator(job)


def _run_in_worker(spec: MemberSpec, root: Path) -> MemberDone:
    assert _worker is not None, "the worker was not started"
    return _worker.run(spec, root)


def ray_address(cluster: str | ShardBackend | None, what: str = "replicates") -> str | None:
    """The Ray address an ensemble's members (``what``: replicates, runs, trials) run on, or
    None for local worker processes. The in-process shard backend (a test double for shards)
    has no ensemble counterpart."""
    if cluster is None:
        return None
    if not isinstance(cluster, str) or cluster == IN_PROCESS:
        raise ConfigError(
            f"--cluster {cluster if isinstance(cluster, str) else cluster.name} with {what}",
            path="--cluster",
            expected=f"a Ray cluster for the {what}: local, auto or ray://HOST:PORT",
            fix="pass --cluster local (a private Ray here), or leave --cluster out",
        )
    return cluster


def run_members(
    job: EnsembleJob,
    specs: Sequence[MemberSpec],
    root: Path,
    workers: int | None = None,
    on_member: Callable[[MemberDone], None] | None = None,
    cluster: str | None = None,
) -> Iterator[MemberDone]:
    """Every member of ``specs``, finished and kept under ``root / members``; yields each one
    as it finishes (kept ones first). ``on_member`` is called for each as well (a progress
    bar). Interrupting the iteration stops the workers; finished members stay for a resume."""
    count = check_workers(workers)
    todo: list[MemberSpec] = []
    for spec in specs:
        kept = finished(root, spec)
        if kept is None:
            todo.append(spec)
            continue
        if on_member is not None:
            on_member(kept)
        yield kept
    if cluster is not None:  # Ray is imported only when asked for (an optional extra)
        from socialcredit.ensemble.ray_members import run_on_ray

        yield from run_on_ray(job, todo, root, cluster, workers, on_member)
        return
    count = min(count, len(todo))
    if count <= 1:
        simulator = Simulator(job)
        for spec in todo:
            done = simulator.run(spec, root)
            if on_member is not None:
                on_member(done)
            yield done
        return
    threads = max(1, default_workers() // count)
    pool = ProcessPoolExecutor(
        max_workers=count,
        mp_context=get_context("spawn"),
        initializer=_start_worker,
        initargs=(job, threads),
    )
    try:
        waiting: set[Future[MemberDone]] = set()
        queue = iter(todo)
        for spec in queue:  # a few members per worker in flight, not the whole ensemble
            waiting.add(pool.submit(_run_in_worker, spec, root))
            if len(waiting) >= 2 * count:
                break
        while waiting:
            ready, waiting = wait(waiting, return_when=FIRST_COMPLETED)
            for future in ready:
                done = future.result()
                nxt = next(queue, None)
                if nxt is not None:
                    waiting.add(pool.submit(_run_in_worker, nxt, root))
                if on_member is not None:
                    on_member(done)
                yield done
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
