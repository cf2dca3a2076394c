"""Run a scenario end to end: load, compile, synthesise, simulate, measure, write the run folder."""

from __future__ import annotations

import platform
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from socialcredit.engine.backends import IN_PROCESS, ShardBackend, backend_for
from socialcredit.engine.learned import MODELS_FILE, audits_of, models_json, models_of
from socialcredit.engine.lending import CURVE_RATES, LendingRound, lending_rounds
from socialcredit.engine.protocol import Engine, RecoveringEngine
from socialcredit.engine.reallocation import coverage_moves
from socialcredit.engine.replay import replay
from socialcredit.errors import BackendError, ConfigError, OutputError, WorkerLostError
from socialcredit.metrics.audit_table import AUDIT_FILE, audit_table
from socialcredit.metrics.coverage_table import COVERAGE_FILE
from socialcredit.metrics.lending_table import (
    CURVES_FILE,
    LENDING_FILE,
    curves_table,
    lending_summary,
    lending_table,
)
from socialcredit.metrics.summary import summarize
from socialcredit.metrics.table import metrics_table
from socialcredit.metrics.wrongful_people import WRONGFUL_FILE, keep_share, wrongful_table
from socialcredit.output.checkpoint import (
    CHECKPOINT,
    load_checkpoint,
    remove_checkpoint,
    save_checkpoint,
)
from socialcredit.output.lock import holding_lock
from socialcredit.output.request import REQUEST, SCENARIO, read_request, write_request
from socialcredit.output.run_folder import (
    check_destination,
    staged_folder,
    staging_path,
    write_json,
    write_manifest,
)
from socialcredit.plan import Plan
from socialcredit.population.synthesis import Population, synthesize
from socialcredit.report import write_report
from socialcredit.resources import check_memory
from socialcredit.scenario.calendar import days_until
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario
from socialcredit.scenario.overrides import Given, with_warmup
from socialcredit.scenario.resolve import resolved_scenario_text
from socialcredit.scenario.schema import Scenario
from socialcredit.scenario.variant import load_variant
from socialcredit.state import EVER_SANCTIONED, EVER_WRONGFUL
from socialcredit.stories import traced_people
from socialcredit.version import __version__

DEFAULT_SCENARIO = "china-national-score-2018"
ENGINES = ("fast", "reference")
DEFAULT_CHECKPOINT_DAYS = 30
DEFAULT_TRACES = 3  # life stories kept per run, plus wrongly sanctioned ones (stories.py)
# --cluster values `resume` may take from a run's folder: they reach no address (tests, and a
# private Ray on this machine). Any other is used only where the user passes it again.
RESUMABLE_CLUSTERS = (IN_PROCESS, "local")


def engine_class(name: str) -> Callable[[Plan, Population], Engine]:
    """Import lazily: the fast engine pulls in Numba, which the reference engine does not need."""
    if name == "fast":
        from socialcredit.engine.fast import FastEngine

        return FastEngine
    from socialcredit.engine.reference import ReferenceEngine

    return ReferenceEngine


@dataclass
class RunResult:
    plan: Plan
    summary: dict[str, Any]
    metrics: pa.Table
    timings: dict[str, float]
    folder: Path | None

    def to_pandas(self) -> Any:
        """The metrics, one row per day x region x group, as a pandas DataFrame."""
        return self.metrics.to_pandas()

    def report(self) -> Path:
        """Path of the run's report.html (open it in a browser, or IFrame it in a notebook)."""
        if self.folder is None:
            raise OutputError(
                "this run was not written to a folder, so it has no report. "
                "Fix: run it again with write=True (the default)."
            )
        return self.folder / "report.html"


def _whole(value: float | None, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, int):  # exact: 9007199254740993 would not survive float()
        return value
    if float(value) != int(value):
        raise ConfigError(
            f"got {value!r}",
            path=name,
            expected="a whole number",
            fix=f"pass {name} as a whole number, e.g. 1e6",
        )
    return int(value)


def default_out(name: str) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{name}-{stamp}"


def prepare(
    scenario: Scenario,
    *,
    people: int | None = None,
    days: int | None = None,
    seed: int | None = None,
    engine: str = "fast",
    shards: int | None = None,
    cluster: str | ShardBackend | None = None,
    label: str = "scenario",
) -> tuple[Plan, Engine, dict[str, float]]:
    """Compile the plan, check memory, synthesise the population, build the engine.

    ``shards`` None means one locally and one per node on a cluster; ``cluster`` is a shard
    backend, or the ``--cluster`` value that names one (a Ray address, ``engine.ray_backend``;
    ``in-process``), or None to run in this process."""
    if engine not in ENGINES:
        raise ConfigError(
            f"unknown engine '{engine}'",
            path="--engine",
            expected=f"one of: {', '.join(ENGINES)}",
            fix="use --engine fast (compiled) or --engine reference (plain NumPy)",
        )
    if shards is not None and shards < 1:
        raise ConfigError(
            f"got {shards}", path="--shards", expected="1 or more shards",
            fix="pass --shards 1 or more, or leave it out",
        )  # fmt: skip
    if ((shards or 1) > 1 or cluster is not None) and engine != "fast":
        option = "--cluster" if cluster is not None else "--shards"
        raise ConfigError(
            f"{option} with --engine {engine}",
            path=option,
            expected="shards and clusters with the fast engine",
            fix=f"use --engine fast with {option}, or leave {option} out",
        )
    plan = compile_plan(scenario, people=people, days=days, seed=seed, label=label)
    start = time.perf_counter()
    if cluster is not None:  # the shards synthesise their own people, where they run
        from socialcredit.engine.cluster import ClusterEngine

        backend = backend_for(cluster) if isinstance(cluster, str) else cluster
        sim = ClusterEngine(plan, shards, backend)
        return plan, sim, {"population": time.perf_counter() - start}
    check_memory(plan, engine)
    population = synthesize(plan)
    timings = {"population": time.perf_counter() - start}
    if (shards or 1) > 1:
        from socialcredit.engine.shards import ShardedEngine

        return plan, ShardedEngine(plan, population, shards or 1), timings
    return plan, engine_class(engine)(plan, population), timings


MAX_RECOVERIES = 5  # worker losses one run survives before it gives up


class CheckpointPacer:
    """Keeps checkpoints to about a tenth of a run's time: a due checkpoint is skipped while
    less than ``RATIO`` times the last one's duration has passed since it. A national state is
    15 GB, whose save took minutes here (a 30-day interval doubled the run); small runs, whose
    saves take under a second, save every time they are due. Skipping changes no result, only
    how far back a resume starts."""

    RATIO = 9.0
    ALWAYS_BELOW = 1.0  # seconds: saves this quick are never skipped

    def __init__(self) -> None:
        self.last_duration = 0.0
        self.last_end = -float("inf")
        self.spent = 0.0

    def due(self) -> bool:
        if self.last_duration < self.ALWAYS_BELOW:
            return True
        return time.perf_counter() - self.last_end >= self.RATIO * self.last_duration

    @contextmanager
    def saving(self) -> Iterator[None]:
        began = time.perf_counter()
        yield
        self.last_end = time.perf_counter()
        self.last_duration = self.last_end - began
        self.spent += self.last_duration


def advance(
    sim: Engine,
    first_day: int,
    timings: dict[str, float],
    *,
    on_day: Callable[[int], None] | None = None,
    checkpoints: Path | None = None,
    every: int = 0,
) -> None:
    """Run the days from ``first_day`` to the end, saving a checkpoint every ``every`` days.

    Where a cluster loses a worker (WorkerLostError), the worker is replaced and the run goes on
    from the last checkpoint (from day 0 where there is none yet): the same result, later."""
    days = sim.plan.simulated_days  # engine days: the warm-up's, then the reported
    start = time.perf_counter()
    pacer = CheckpointPacer()
    t = first_day
    while t < days:
        try:
            sim.step(t)
            scheduled = every and (t + 1) % every == 0 and t + 1 < days
            if checkpoints is not None and scheduled and pacer.due():
                with pacer.saving():
                    save_checkpoint(checkpoints, t, sim)
                timings["checkpoints"] = pacer.spent
        except WorkerLostError as lost:
            if not isinstance(sim, RecoveringEngine):
                raise
            if sim.worker_losses >= MAX_RECOVERIES:
                raise BackendError(
                    f"the cluster lost workers {sim.worker_losses + 1} times (last: "
                    f"{lost.where}: {lost.detail}); giving up. Fix: check the nodes' memory and "
                    "logs (`ray status`); `socialcredit resume OUT` continues from the last "
                    "checkpoint."
                ) from None
            sim.replace_lost_workers()
            if checkpoints is not None and (checkpoints / CHECKPOINT).exists():
                t = load_checkpoint(checkpoints, sim) + 1
            else:
                t = sim.restart()
            continue
        if on_day is not None:
            on_day(t)
        t += 1
    timings["simulation"] = time.perf_counter() - start
    timings |= {f"stage.{k}": v for k, v in sim.timings.items()}
    simulated = (days - first_day) * sim.plan.people
    timings["person_days_per_second"] = simulated / max(timings["simulation"], 1e-9)


def outcome(plan: Plan, sim: Engine, timings: dict[str, float], folder: Path | None) -> RunResult:
    """The summary and metrics table of a finished simulation (a run, or an ensemble member)."""
    summary = summarize(
        plan,
        sim.layout,
        sim.counts,
        sim.stats,
        ever_sanctioned=sim.count_flag(EVER_SANCTIONED),
        ever_wrongful=sim.count_flag(EVER_WRONGFUL),
    )
    if plan.lending is not None:  # totals over the rounds, per group (lending.parquet: each)
        summary["lending"] = lending_summary(plan, lending_rounds(sim))
    table = metrics_table(plan, sim.layout, sim.counts, sim.stats)
    return RunResult(plan, summary, table, timings, folder)


def run(
    scenario: str | Path = DEFAULT_SCENARIO,
    *,
    people: float | None = None,
    days: float | None = None,
    seed: float | None = None,
    out: str | Path | None = None,
    until: str | date | None = None,
    warmup: int | None = None,
    engine: str = "fast",
    shards: int | None = None,
    cluster: str | ShardBackend | None = None,
    write: bool = True,
    checkpoint_every: int = DEFAULT_CHECKPOINT_DAYS,
    trace: int = DEFAULT_TRACES,
    overrides: Given = None,
    on_start: Callable[[Plan, int], None] | None = None,
    on_day: Callable[[int], None] | None = None,
    argv: list[str] | None = None,
) -> RunResult:
    """Run a preset or scenario file; write the run folder unless ``write`` is false.

    ``people``, ``days`` and ``seed`` override the scenario's; ``people=1e6`` is accepted.
    ``until`` (a date, or YYYY-MM-DD) sets the days instead, for a scenario with ``run.start``.
    ``warmup`` sets ``run.warmup_days``: days simulated before day 0 and not reported (a warm
    start; 0 for none, None for the scenario's).
    ``shards`` splits the population by region; ``cluster`` (``"local"``, ``"auto"`` or
    ``"ray://HOST:PORT"``) runs the shards in Ray actors, or in any other ``ShardBackend``
    passed here (``InProcessBackend`` for tests). While it runs, the folder is staged
    under a hidden name with a checkpoint every ``checkpoint_every`` days (0: none), so an
    interrupted run can be resumed. ``overrides`` sets values of the scenario without a patch
    file, as ``--set`` does: ``{"regime.lists[dishonest-debtors].duration_days": 365}``
    (``scenario/overrides.py``); the run's scenario.yaml records what they changed.
    """
    began = time.perf_counter()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    if checkpoint_every < 0:
        raise ConfigError(
            f"got {checkpoint_every}",
            path="--checkpoint-every",
            expected="0 (no checkpoints) or a number of days",
            fix="pass a whole number of days, or 0",
        )
    overrides = with_warmup(overrides, warmup)
    sc = load_variant(scenario, overrides).scenario
    if until is not None:
        days = days_until(sc, until, days_given=days is not None, label=str(scenario))
    folder = Path(out) if out is not None else default_out(sc.name)
    if write:
        check_destination(folder)
    plan, sim, timings = prepare(
        sc,
        people=_whole(people, "people"),
        days=_whole(days, "days"),
        seed=_whole(seed, "seed"),
        engine=engine,
        shards=shards,
        cluster=cluster,
        label=str(scenario),
    )
    try:
        if on_start is not None:
            on_start(plan, 0)
        if not write:
            advance(sim, 0, timings, on_day=on_day)
            return outcome(plan, sim, timings, None)
        request = request_of(
            scenario, engine, shards, cluster, checkpoint_every, trace, started_at, argv
        )
        return _write_run(sc, folder, plan, sim, timings, request, began, on_day)
    finally:
        sim.close()


def request_of(scenario: str | Path, engine: str, shards: int | None,
               cluster: str | ShardBackend | None,
               checkpoint_every: int, trace: int, started_at: str,
               argv: list[str] | None) -> dict[str, Any]:  # fmt: skip
    """How the run was asked for (saved while it runs, so that `resume` can rebuild it)."""
    return {
        "scenario_ref": str(scenario),
        "engine": engine,
        "shards": shards,
        "cluster": cluster if cluster is None or isinstance(cluster, str) else cluster.name,
        "checkpoint_every": checkpoint_every,
        "trace": trace,
        "started_at": started_at,
        "command": argv if argv is not None else sys.argv,
    }


def _write_run(sc: Scenario, folder: Path, plan: Plan, sim: Engine,
               timings: dict[str, float], request: dict[str, Any], began: float,
               on_day: Callable[[int], None] | None) -> RunResult:  # fmt: skip
    every = request["checkpoint_every"]
    with staged_folder(folder, keep=CHECKPOINT) as staging:
        text = resolved_scenario_text(sc, plan, request["scenario_ref"])
        try:
            (staging / SCENARIO).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise OutputError(
                f"{folder}: could not write results ({exc.strerror}). "
                "Fix: free disk space or choose another --out."
            ) from None
        write_request(staging, request)
        advance(sim, 0, timings, on_day=on_day, checkpoints=staging, every=every)
        return _finish(staging, folder, plan, sim, timings, request, began)


def resume(
    out: str | Path,
    *,
    cluster: str | ShardBackend | None = None,
    on_start: Callable[[Plan, int], None] | None = None,
    on_day: Callable[[int], None] | None = None,
) -> RunResult:
    """Continue an interrupted run from its last checkpoint, to the same result.

    Nothing in the folder is trusted: the request and the checkpoint are checked against their
    digests and the run before use, and a cluster is reached only where ``cluster`` names it."""
    began = time.perf_counter()
    folder = Path(out)
    staging = staging_path(folder)
    _check_resumable(folder, staging)
    with holding_lock(folder, staging):  # a live run, or another resume, is refused here
        if not (staging / REQUEST).is_file():
            raise OutputError(
                f"{folder}: no interrupted run was found ({staging} is missing or "
                "incomplete). Fix: check the path, or start the run again."
            )
        request = read_request(staging, ENGINES)
        scenario, _ = load_scenario(staging / SCENARIO)
        plan, sim, timings = prepare(
            scenario,
            engine=request["engine"],
            shards=request["shards"],
            cluster=_resume_cluster(folder, request["cluster"], cluster),
            label=str(staging / SCENARIO),
        )
        try:
            last = load_checkpoint(staging, sim) if (staging / CHECKPOINT).exists() else -1
            if on_start is not None:
                on_start(plan, last + 1)
            with staged_folder(folder, resume=True, keep=CHECKPOINT):
                every = request["checkpoint_every"]
                advance(sim, last + 1, timings, on_day=on_day, checkpoints=staging, every=every)
                request["resumed_from_day"] = last + 1
                return _finish(staging, folder, plan, sim, timings, request, began)
        finally:
            sim.close()


def _check_resumable(folder: Path, staging: Path) -> None:
    """Refuse a folder that holds no interrupted run, saying what it holds instead."""
    if folder.exists() or folder.is_symlink():
        if (folder / "manifest.json").is_file():
            raise OutputError(
                f"{folder}: this run has finished; there is nothing to resume. "
                "Fix: open the folder, or start a new run with another --out."
            )
        if staging.is_dir():
            raise OutputError(
                f"{folder}: exists but is not a finished run, so the interrupted run in "
                f"{staging} cannot be moved there. Fix: move {folder} away, then resume again."
            )
        raise OutputError(
            f"{folder}: is not a run folder (it has no manifest.json), and no interrupted run "
            "is waiting for it. Fix: pass the --out of an interrupted run."
        )
    if not staging.is_dir():
        raise OutputError(
            f"{folder}: no interrupted run was found ({staging} is missing or "
            "incomplete). Fix: check the path, or start the run again."
        )


def _resume_cluster(
    folder: Path, recorded: str | None, given: str | ShardBackend | None
) -> str | ShardBackend | None:
    """The cluster a resume runs on: the one the user gives; else the run's own, but only where
    it reaches no address (an address in the folder could be anyone's)."""
    if given is not None or recorded is None or recorded in RESUMABLE_CLUSTERS:
        return given if given is not None else recorded
    shown = recorded if len(recorded) <= 80 else recorded[:77] + "..."
    raise OutputError(
        f"{folder}: this run's shards ran on the cluster {shown!r} ({REQUEST} says so); "
        "resume connects to no address read from a folder. Fix: name the cluster again, "
        f"`socialcredit resume {folder} --cluster ADDRESS`, or pass --cluster {IN_PROCESS} "
        "to finish the run in this process."
    )


def appeal_table(plan: Plan, log: np.ndarray) -> pa.Table:
    """Every appeal filed: day, list, person, wrongful entry?, decision day (-1: none), won.

    Days are reported days: after a warm-up, appeals filed during it have days below 0 (kept,
    since a replay needs the ones won). A decision day of -1 with ``won`` false reads "not
    decided"; after a warm-up it may also be an appeal lost on the warm-up's last day, which
    changed nothing (stories.appeal_log reads the table back)."""
    decided = np.where(log[:, 4] >= 0, log[:, 4] - plan.warmup, -1)
    return pa.table(
        {
            "day": pa.array(log[:, 0] - plan.warmup, pa.int32()),
            "list": pa.array([plan.lists[x] for x in log[:, 1]], pa.string()),
            "person": pa.array(log[:, 2]),
            "wrongful_entry": pa.array(log[:, 3].astype(bool)),
            "decided_day": pa.array(decided, pa.int32()),
            "won": pa.array(log[:, 5].astype(bool)),
        }
    )


def _finish(
    staging: Path,
    folder: Path,
    plan: Plan,
    sim: Engine,
    timings: dict[str, float],
    request: dict[str, Any],
    began: float,
) -> RunResult:
    """Write metrics, summary, report and manifest into the staging folder."""
    result = outcome(plan, sim, timings, folder)
    start = time.perf_counter()
    try:
        pq.write_table(result.metrics, staging / "metrics.parquet", compression="zstd")
    except OSError as exc:
        raise OutputError(
            f"{folder}: could not write results ({exc.strerror}). "
            "Fix: free disk space or choose another --out."
        ) from None
    write_json(staging / "summary.json", result.summary)
    log = sim.queue.log_table()
    pq.write_table(appeal_table(plan, log), staging / "appeals.parquet")
    total = result.summary["people_ever_wrongfully_sanctioned"]
    wrongful = sim.wrongful_people(keep_share(total))
    pq.write_table(wrongful_table(plan, wrongful, total), staging / WRONGFUL_FILE)
    causes = result.summary["wrongful_causes"]
    traced = traced_people(plan, request.get("trace", DEFAULT_TRACES), wrongful, causes)
    models = models_of(sim)
    if plan.scorer is not None:  # what scored, for audits and for replays of its people
        write_json(staging / MODELS_FILE, models_json(plan, models))
        audits = audit_table(audits_of(sim), plan.groups, plan.warmup)
        pq.write_table(audits, staging / AUDIT_FILE)
    moved = coverage_moves(plan, sim)
    if moved is not None:  # where the system looked, and the moves its people are replayed with
        pq.write_table(moved[0], staging / COVERAGE_FILE)
    moves = moved[1] if moved is not None else None
    rounds = lending_rounds(sim)
    if plan.lending is not None:  # the rounds, and the outcome curves (engine/lending.py)
        write_lending(staging, plan, rounds)
    stories = replay(plan, traced, log, models, moves=moves, lending=rounds)
    pq.write_table(stories, staging / "traces.parquet")
    write_report(staging)  # from the staged files alone, as `socialcredit report` rebuilds it
    remove_checkpoint(staging)
    (staging / REQUEST).unlink()
    timings["write"] = time.perf_counter() - start
    timings["total"] = time.perf_counter() - began
    write_manifest(
        staging,
        {
            "socialcredit_version": __version__,
            "scenario": plan.name,
            "scenario_ref": request["scenario_ref"],
            "engine": request["engine"],
            "shards": sim.shard_count,
            "cluster": request.get("cluster"),
            "worker_losses": sim.worker_losses,
            "people": plan.people,
            "days": plan.days,
            "warmup_days": plan.warmup,
            "seed": plan.seed,
            "started_at": request["started_at"],
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "resumed_from_day": request.get("resumed_from_day"),
            "timings_seconds": timings,
            "person_days_per_second": timings["person_days_per_second"],
            "command": request["command"],
            "python": platform.python_version(),
            "numpy": np.__version__,
            "pyarrow": pa.__version__,
            "platform": platform.platform(),
        },
    )
    return result


def write_lending(staging: Path, plan: Plan, rounds: list[LendingRound]) -> None:
    """lending.parquet and lending-curves.parquet (metrics/lending_table.py)."""
    table = lending_table(rounds, plan.groups, plan.warmup, plan.score_max)
    pq.write_table(table, staging / LENDING_FILE)
    pq.write_table(curves_table(rounds, plan.groups, plan.warmup, CURVE_RATES),
                   staging / CURVES_FILE)  # fmt: skip
