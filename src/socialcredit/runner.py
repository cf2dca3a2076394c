"""Run a scenario end to end: load, compile, synthesise, simulate, measure, write the run folder."""

from __future__ import annotations

import json
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from socialcredit import __version__
from socialcredit.engine.plan import Plan
from socialcredit.engine.reference import EVER_SANCTIONED, EVER_WRONGFUL
from socialcredit.engine.replay import replay
from socialcredit.errors import ConfigError, OutputError
from socialcredit.metrics.summary import summarize
from socialcredit.metrics.table import metrics_table
from socialcredit.output.checkpoint import CHECKPOINT, load_checkpoint, save_checkpoint
from socialcredit.output.run_folder import (
    check_destination,
    staged_folder,
    staging_path,
    write_json,
    write_manifest,
)
from socialcredit.population.synthesis import synthesize
from socialcredit.report import write_report
from socialcredit.resources import check_memory, count_flag
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario
from socialcredit.scenario.schema import Scenario

DEFAULT_SCENARIO = "china-national-score-2018"
ENGINES = ("fast", "reference")
DEFAULT_CHECKPOINT_DAYS = 30
DEFAULT_TRACES = 3  # life stories kept per run, plus up to WRONGFUL_TRACES wrongly sanctioned
WRONGFUL_TRACES = 3
REQUEST = "run-request.json"  # how the run was asked for; lets `resume` rebuild it


def engine_class(name: str) -> Any:
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
    shards: int = 1,
    label: str = "scenario",
) -> tuple[Plan, Any, dict[str, float]]:
    """Compile the plan, check memory, synthesise the population, build the engine."""
    if shards < 1 or (shards > 1 and engine != "fast"):
        raise ConfigError(
            f"--shards {shards} with --engine {engine}",
            path="--shards",
            expected="1 or more shards, with the fast engine",
            fix="use --engine fast with --shards, or leave --shards at 1",
        )
    if engine not in ENGINES:
        raise ConfigError(
            f"unknown engine '{engine}'",
            path="--engine",
            expected=f"one of: {', '.join(ENGINES)}",
            fix="use --engine fast (compiled) or --engine reference (plain NumPy)",
        )
    plan = compile_plan(scenario, people=people, days=days, seed=seed, label=label)
    check_memory(plan, engine)
    start = time.perf_counter()
    population = synthesize(plan)
    timings = {"population": time.perf_counter() - start}
    if shards > 1:
        from socialcredit.engine.shards import ShardedEngine

        return plan, ShardedEngine(plan, population, shards), timings
    return plan, engine_class(engine)(plan, population), timings


def advance(
    sim: Any,
    first_day: int,
    timings: dict[str, float],
    *,
    on_day: Callable[[int], None] | None = None,
    checkpoints: Path | None = None,
    every: int = 0,
) -> None:
    """Run the days from ``first_day`` to the end, saving a checkpoint every ``every`` days."""
    days = sim.plan.days
    start = time.perf_counter()
    for t in range(first_day, days):
        sim.step(t)
        if on_day is not None:
            on_day(t)
        if checkpoints is not None and every and (t + 1) % every == 0 and t + 1 < days:
            save_checkpoint(checkpoints, t, sim)
    timings["simulation"] = time.perf_counter() - start
    timings |= {f"stage.{k}": v for k, v in sim.timings.items()}
    simulated = (days - first_day) * sim.plan.people
    timings["person_days_per_second"] = simulated / max(timings["simulation"], 1e-9)


def _outcome(plan: Plan, sim: Any, timings: dict[str, float], folder: Path | None) -> RunResult:
    flags = sim.state.flags
    summary = summarize(
        plan,
        sim.layout,
        sim.counts,
        sim.stats,
        ever_sanctioned=count_flag(flags, EVER_SANCTIONED),
        ever_wrongful=count_flag(flags, EVER_WRONGFUL),
    )
    table = metrics_table(plan, sim.layout, sim.counts, sim.stats)
    return RunResult(plan, summary, table, timings, folder)


def run(
    scenario: str | Path = DEFAULT_SCENARIO,
    *,
    people: float | None = None,
    days: float | None = None,
    seed: float | None = None,
    out: str | Path | None = None,
    engine: str = "fast",
    shards: int = 1,
    write: bool = True,
    checkpoint_every: int = DEFAULT_CHECKPOINT_DAYS,
    trace: int = DEFAULT_TRACES,
    on_start: Callable[[Plan, int], None] | None = None,
    on_day: Callable[[int], None] | None = None,
    argv: list[str] | None = None,
) -> RunResult:
    """Run a preset or scenario file; write the run folder unless ``write`` is false.

    ``people``, ``days`` and ``seed`` override the scenario's; ``people=1e6`` is accepted. While
    it runs, the folder is staged under a hidden name with a checkpoint every
    ``checkpoint_every`` days (0: none), so an interrupted run can be resumed.
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
    sc, _ = load_scenario(scenario)
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
        label=str(scenario),
    )
    if on_start is not None:
        on_start(plan, 0)
    if not write:
        advance(sim, 0, timings, on_day=on_day)
        return _outcome(plan, sim, timings, None)

    request = {
        "scenario_ref": str(scenario),
        "engine": engine,
        "shards": shards,
        "checkpoint_every": checkpoint_every,
        "trace": trace,
        "started_at": started_at,
        "command": argv if argv is not None else sys.argv,
    }
    with staged_folder(folder, keep=CHECKPOINT) as staging:
        resolved = sc.model_dump(mode="json", exclude_none=True)
        resolved["population"]["people"] = plan.people
        resolved["run"] = {"days": plan.days, "seed": plan.seed}
        try:
            (staging / "scenario.yaml").write_text(
                yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True), encoding="utf-8"
            )
        except OSError as exc:
            raise OutputError(
                f"{folder}: could not write results ({exc.strerror}). "
                "Fix: free disk space or choose another --out."
            ) from None
        write_json(staging / REQUEST, request)
        advance(sim, 0, timings, on_day=on_day, checkpoints=staging, every=checkpoint_every)
        return _finish(staging, folder, plan, sim, timings, request, began)


def resume(
    out: str | Path,
    *,
    on_start: Callable[[Plan, int], None] | None = None,
    on_day: Callable[[int], None] | None = None,
) -> RunResult:
    """Continue an interrupted run from its last checkpoint, to the same result."""
    began = time.perf_counter()
    folder = Path(out)
    staging = staging_path(folder)
    if folder.exists():
        raise OutputError(
            f"{folder}: this run has finished; there is nothing to resume. "
            "Fix: open the folder, or start a new run with another --out."
        )
    if not (staging / REQUEST).is_file() or not (staging / "scenario.yaml").is_file():
        raise OutputError(
            f"{folder}: no interrupted run was found ({staging} is missing or "
            "incomplete). Fix: check the path, or start the run again."
        )
    request = json.loads((staging / REQUEST).read_text(encoding="utf-8"))
    scenario, _ = load_scenario(staging / "scenario.yaml")
    plan, sim, timings = prepare(
        scenario,
        engine=request["engine"],
        shards=request.get("shards", 1),
        label=str(staging / "scenario.yaml"),
    )
    last = load_checkpoint(staging, sim) if (staging / CHECKPOINT).exists() else -1
    if on_start is not None:
        on_start(plan, last + 1)
    with staged_folder(folder, resume=True, keep=CHECKPOINT):
        advance(
            sim,
            last + 1,
            timings,
            on_day=on_day,
            checkpoints=staging,
            every=request["checkpoint_every"],
        )
        request["resumed_from_day"] = last + 1
        return _finish(staging, folder, plan, sim, timings, request, began)


def appeal_table(plan: Plan, log: np.ndarray) -> pa.Table:
    """Every appeal filed: day, list, person, wrongful entry?, decision day (-1: none), won."""
    return pa.table(
        {
            "day": pa.array(log[:, 0], pa.int32()),
            "list": pa.array([plan.lists[x] for x in log[:, 1]], pa.string()),
            "person": pa.array(log[:, 2]),
            "wrongful_entry": pa.array(log[:, 3].astype(bool)),
            "decided_day": pa.array(log[:, 4], pa.int32()),
            "won": pa.array(log[:, 5].astype(bool)),
        }
    )


def trace_people(plan: Plan, flags: np.ndarray, k: int) -> list[int]:
    """``k`` people drawn with the run's seed, and up to a few who were wrongly sanctioned."""
    chooser = np.random.default_rng(plan.seed)
    chosen = chooser.choice(plan.people, size=min(k, plan.people), replace=False).tolist()
    wrongly: list[int] = []
    for lo in range(0, plan.people, 1 << 24):  # in blocks: no temporary the size of a country
        wrongly += (lo + np.flatnonzero(flags[lo : lo + (1 << 24)] & EVER_WRONGFUL)).tolist()
        if len(wrongly) >= 1000:
            break
    if wrongly:
        pick = chooser.choice(len(wrongly), size=min(WRONGFUL_TRACES, len(wrongly)), replace=False)
        chosen += [wrongly[i] for i in pick]
    return sorted(set(chosen))


def _finish(
    staging: Path,
    folder: Path,
    plan: Plan,
    sim: Any,
    timings: dict[str, float],
    request: dict[str, Any],
    began: float,
) -> RunResult:
    """Write metrics, summary, report and manifest into the staging folder."""
    result = _outcome(plan, sim, timings, folder)
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
    traced = trace_people(plan, sim.state.flags, request.get("trace", DEFAULT_TRACES))
    pq.write_table(replay(plan, traced, log), staging / "traces.parquet")
    write_report(staging)  # from the staged files alone, as `socialcredit report` rebuilds it
    (staging / CHECKPOINT).unlink(missing_ok=True)
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
            "shards": len(getattr(sim, "shards", [sim])),
            "people": plan.people,
            "days": plan.days,
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
