"""Run a scenario end to end: load, compile, synthesise, simulate, measure, write the run folder."""

from __future__ import annotations

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
from socialcredit.errors import ConfigError, OutputError
from socialcredit.metrics.summary import summarize
from socialcredit.metrics.table import metrics_table
from socialcredit.output.run_folder import (
    check_destination,
    staged_folder,
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


def simulate(
    scenario: Scenario,
    *,
    people: int | None = None,
    days: int | None = None,
    seed: int | None = None,
    engine: str = "fast",
    label: str = "scenario",
    on_start: Callable[[Plan], None] | None = None,
    on_day: Callable[[int], None] | None = None,
) -> tuple[Plan, Any, dict[str, float]]:
    if engine not in ENGINES:
        raise ConfigError(
            f"unknown engine '{engine}'",
            path="--engine",
            expected=f"one of: {', '.join(ENGINES)}",
            fix="use --engine fast (compiled) or --engine reference (plain NumPy)",
        )
    plan = compile_plan(scenario, people=people, days=days, seed=seed, label=label)
    check_memory(plan, engine)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    population = synthesize(plan)
    timings["population"] = time.perf_counter() - start
    sim = engine_class(engine)(plan, population)
    if on_start is not None:
        on_start(plan)
    start = time.perf_counter()
    sim.run(on_day)
    timings["simulation"] = time.perf_counter() - start
    timings |= {f"stage.{k}": v for k, v in sim.timings.items()}
    return plan, sim, timings


def run(
    scenario: str | Path = DEFAULT_SCENARIO,
    *,
    people: int | None = None,
    days: int | None = None,
    seed: int | None = None,
    out: str | Path | None = None,
    engine: str = "fast",
    write: bool = True,
    on_start: Callable[[Plan], None] | None = None,
    on_day: Callable[[int], None] | None = None,
    argv: list[str] | None = None,
) -> RunResult:
    """Run a preset or scenario file; write the run folder unless ``write`` is false.

    ``people``, ``days`` and ``seed`` override the scenario's; ``people=1e6`` is accepted.
    """
    people = _whole(people, "people")
    days = _whole(days, "days")
    seed = _whole(seed, "seed")
    began = time.perf_counter()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    sc, _ = load_scenario(scenario)
    folder = Path(out) if out is not None else default_out(sc.name)
    if write:
        check_destination(folder)
    plan, sim, timings = simulate(
        sc,
        people=people,
        days=days,
        seed=seed,
        engine=engine,
        label=str(scenario),
        on_start=on_start,
        on_day=on_day,
    )
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
    summary["person_days_per_second"] = plan.people * plan.days / timings["simulation"]
    if not write:
        return RunResult(plan, summary, table, timings, None)

    resolved = sc.model_dump(mode="json", exclude_none=True)
    resolved["population"]["people"] = plan.people
    resolved["run"] = {"days": plan.days, "seed": plan.seed}
    with staged_folder(folder) as staging:
        start = time.perf_counter()
        try:
            (staging / "scenario.yaml").write_text(
                yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True), encoding="utf-8"
            )
            pq.write_table(table, staging / "metrics.parquet", compression="zstd")
        except OSError as exc:
            raise OutputError(
                f"{folder}: could not write results ({exc.strerror}). "
                "Fix: free disk space or choose another --out."
            ) from None
        write_json(staging / "summary.json", summary)
        write_report(staging)  # from the staged files alone, as `socialcredit report` rebuilds it
        timings["write"] = time.perf_counter() - start
        timings["total"] = time.perf_counter() - began
        write_manifest(
            staging,
            {
                "socialcredit_version": __version__,
                "scenario": plan.name,
                "scenario_ref": str(scenario),
                "engine": engine,
                "people": plan.people,
                "days": plan.days,
                "seed": plan.seed,
                "started_at": started_at,
                "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "timings_seconds": timings,
                "person_days_per_second": summary["person_days_per_second"],
                "command": argv if argv is not None else sys.argv,
                "python": platform.python_version(),
                "numpy": np.__version__,
                "pyarrow": pa.__version__,
                "platform": platform.platform(),
            },
        )
    return RunResult(plan, summary, table, timings, folder)
