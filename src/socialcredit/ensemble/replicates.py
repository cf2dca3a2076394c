"""``socialcredit run --replicates R``: R seeds of one scenario as one ensemble, one run folder.

Replicate 0 runs with the run's own seed (``--replicates 1`` is exactly the plain run, which
runner.py writes); replicate r with ``spec.replicate_seed(seed, r)``. The folder is the plain
run's, with ``metrics.parquet`` and ``appeals.parquet`` holding every replicate (a ``replicate``
column first), life stories from replicate 0, and a ``summary.json`` whose numbers are means over
replicates with a 90% interval each (metrics/intervals.py). While it runs, finished members are
kept in the staging folder (``members/``), so an interrupted ensemble resumes where it stopped,
to the same bits.
"""

from __future__ import annotations

import platform
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from socialcredit.engine.backends import ShardBackend
from socialcredit.ensemble.member import MEMBERS, EnsembleJob, MemberDone, member_folder
from socialcredit.ensemble.members import check_workers, ray_address, run_members
from socialcredit.ensemble.spec import replicate_specs
from socialcredit.errors import ConfigError, OutputError
from socialcredit.metrics.audit_table import AUDIT_FILE
from socialcredit.metrics.coverage_table import COVERAGE_FILE
from socialcredit.metrics.intervals import combine
from socialcredit.metrics.lending_table import CURVES_FILE, LENDING_FILE
from socialcredit.metrics.wrongful_people import WRONGFUL_FILE
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
from socialcredit.report import write_report
from socialcredit.resources import available_memory, check_memory
from socialcredit.runner import (
    DEFAULT_CHECKPOINT_DAYS,
    DEFAULT_SCENARIO,
    DEFAULT_TRACES,
    ENGINES,
    RunResult,
    _check_resumable,  # the plain run's checks, word for word
    _whole,
    default_out,
    request_of,
)
from socialcredit.runner import resume as resume_single
from socialcredit.runner import run as run_single
from socialcredit.scenario.calendar import days_until
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario
from socialcredit.scenario.overrides import Given, with_warmup
from socialcredit.scenario.resolve import resolved_scenario_text
from socialcredit.scenario.variant import load_variant
from socialcredit.version import __version__

OnMember = Callable[[Plan, int, int], None]  # (plan, members done, members in all)


def check_replicates(replicates: int) -> int:
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 1:
        raise ConfigError(
            f"got {replicates!r}",
            path="--replicates",
            expected="a whole number of replicates, 1 or more",
            fix="pass --replicates 1 (one run) or more, e.g. --replicates 10 for 90% intervals",
        )
    return replicates


def run(
    scenario: str | Path = DEFAULT_SCENARIO,
    *,
    replicates: int = 1,
    workers: int | None = None,
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
    on_member: OnMember | None = None,
    keep_metrics: bool = True,
    argv: list[str] | None = None,
) -> RunResult:
    """runner.run, with ``replicates`` seeds as one ensemble over ``workers`` processes (default:
    one per core), or over ``workers`` Ray actors on ``cluster`` (default: one per CPU there).
    ``keep_metrics`` False leaves every replicate's metrics on disk only."""
    check_replicates(replicates)
    if replicates == 1:
        return run_single(
            scenario, people=people, days=days, seed=seed, out=out, until=until, engine=engine,
            shards=shards, cluster=cluster, write=write, checkpoint_every=checkpoint_every,
            trace=trace, overrides=with_warmup(overrides, warmup), on_start=on_start,
            on_day=on_day, argv=argv,
        )  # fmt: skip
    if engine not in ENGINES:
        raise ConfigError(
            f"unknown engine '{engine}'",
            path="--engine",
            expected=f"one of: {', '.join(ENGINES)}",
            fix="use --engine fast (compiled) or --engine reference (plain NumPy)",
        )
    if (shards or 1) > 1:
        raise ConfigError(
            f"--shards with --replicates {replicates}",
            path="--shards",
            expected="replicates run whole, one per worker process (or Ray actor)",
            fix="leave --shards out (--workers sets the processes), or run one replicate",
        )
    address = ray_address(cluster)
    began = time.perf_counter()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    overrides = with_warmup(overrides, warmup)
    sc = load_variant(scenario, overrides).scenario
    if until is not None:
        days = days_until(sc, until, days_given=days is not None, label=str(scenario))
    folder = Path(out) if out is not None else default_out(sc.name)
    if write:
        check_destination(folder)
    plan = compile_plan(sc, people=_whole(people, "people"), days=_whole(days, "days"),
                        seed=_whole(seed, "seed"), label=str(scenario))  # fmt: skip
    if address is None:  # on Ray each actor asks the cluster for a member's memory instead
        side_by_side = min(check_workers(workers), replicates)  # members in memory at once
        check_memory(plan, engine, limit=available_memory() // side_by_side)
    text = resolved_scenario_text(sc, plan, str(scenario))
    request = request_of(scenario, engine, None, None, checkpoint_every, trace, started_at, argv)
    request["replicates"] = replicates
    if on_start is not None:
        on_start(plan, 0)
    if not write:
        with tempfile.TemporaryDirectory(prefix="socialcredit-ensemble-") as tmp:
            staging = Path(tmp)
            (staging / SCENARIO).write_text(text, encoding="utf-8")
            return _ensemble(staging, None, plan, request, workers, on_member, began, True, address)
    with staged_folder(folder, keep=MEMBERS) as staging:
        try:
            (staging / SCENARIO).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise OutputError(
                f"{folder}: could not write results ({exc.strerror}). "
                "Fix: free disk space or choose another --out."
            ) from None
        write_request(staging, request)
        return _ensemble(
            staging, folder, plan, request, workers, on_member, began, keep_metrics, address
        )


def resume(
    out: str | Path,
    *,
    cluster: str | ShardBackend | None = None,
    workers: int | None = None,
    on_start: Callable[[Plan, int], None] | None = None,
    on_day: Callable[[int], None] | None = None,
    on_member: OnMember | None = None,
    keep_metrics: bool = True,
) -> RunResult:
    """runner.resume, for ensembles too: an interrupted ensemble runs only its missing members."""
    folder = Path(out)
    staging = staging_path(folder)
    if not (staging / MEMBERS).is_dir():
        return resume_single(folder, cluster=cluster, on_start=on_start, on_day=on_day)
    began = time.perf_counter()
    _check_resumable(folder, staging)
    with holding_lock(folder, staging):
        request = read_request(staging, ENGINES)
        if "replicates" not in request:
            raise OutputError(
                f"{staging}: holds finished ensemble members but its {REQUEST} asks for one "
                "run, so it cannot be resumed safely. Fix: delete the folder and start again."
            )
        scenario, _ = load_scenario(staging / SCENARIO)
        plan = compile_plan(scenario, label=str(staging / SCENARIO))
        if on_start is not None:
            on_start(plan, 0)
        with staged_folder(folder, resume=True, keep=MEMBERS):
            return _ensemble(staging, folder, plan, request, workers, on_member, began,
                             keep_metrics, ray_address(cluster))  # fmt: skip


def _ensemble(staging: Path, folder: Path | None, plan: Plan, request: dict[str, Any],
              workers: int | None, on_member: OnMember | None, began: float,
              keep_metrics: bool, cluster: str | None) -> RunResult:  # fmt: skip
    """Run the members still missing (on the Ray cluster at ``cluster``, if given), then write
    the folder's files from the kept members."""
    replicates = request["replicates"]
    _, raw = load_scenario(staging / SCENARIO)  # read with the scenario files' limits
    job = EnsembleJob(raw, str(staging / SCENARIO), plan.people, plan.days, request["engine"],
                      request["trace"])  # fmt: skip
    specs = replicate_specs(plan.seed, replicates)
    count = [0]

    def progress(done: MemberDone) -> None:
        count[0] += 1
        if on_member is not None:
            on_member(plan, count[0], replicates)

    start = time.perf_counter()
    spent: dict[str, float] = {}
    for done in run_members(job, specs, staging, workers, progress, cluster):
        for key, seconds in done.timings.items():
            if key != "person_days_per_second":  # a rate, not seconds to add up
                spent[key] = spent.get(key, 0.0) + seconds
    wall = time.perf_counter() - start
    timings = {f"members.{k}": v for k, v in sorted(spent.items())} | {
        "simulation": wall,
        "person_days_per_second": replicates * plan.people * plan.days / max(wall, 1e-9),
    }
    return _finish(staging, folder, plan, request, specs, timings, began, keep_metrics, cluster)


def _stream(staging: Path, name: str, replicates: int) -> Iterator[pa.Table]:
    for r in range(replicates):
        table = pq.read_table(member_folder(staging, r) / name)
        column = pa.array(np.full(table.num_rows, r, dtype=np.int32))
        yield table.add_column(0, "replicate", column)


def _concatenate(staging: Path, name: str, replicates: int) -> None:
    """One Parquet file of every replicate's ``name``, written one replicate at a time."""
    writer: pq.ParquetWriter | None = None
    try:
        for table in _stream(staging, name, replicates):
            if writer is None:
                compression = "zstd" if name == "metrics.parquet" else "snappy"
                writer = pq.ParquetWriter(staging / name, table.schema, compression=compression)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


def _finish(staging: Path, folder: Path | None, plan: Plan, request: dict[str, Any],
            specs: list[Any], timings: dict[str, float], began: float,
            keep_metrics: bool, cluster: str | None) -> RunResult:  # fmt: skip
    replicates = len(specs)
    start = time.perf_counter()
    summary = combine(
        _read_summary(member_folder(staging, r) / "summary.json") for r in range(replicates)
    )
    from socialcredit.engine.learned import MODELS_FILE

    try:
        _concatenate(staging, "metrics.parquet", replicates)
        _concatenate(staging, "appeals.parquet", replicates)
        if plan.scorer is not None:
            _concatenate(staging, AUDIT_FILE, replicates)
        if plan.feedback is not None:
            _concatenate(staging, COVERAGE_FILE, replicates)
        if plan.lending is not None:
            for name in (LENDING_FILE, CURVES_FILE):
                _concatenate(staging, name, replicates)
        # replicate 0's, as the stories tell (and the learned models they are replayed with)
        for name in ("traces.parquet", WRONGFUL_FILE, MODELS_FILE):
            kept = member_folder(staging, 0) / name
            if kept.is_file():
                shutil.copyfile(kept, staging / name)
    except OSError as exc:
        raise OutputError(
            f"{folder or staging}: could not write results ({exc.strerror}). "
            "Fix: free disk space or choose another --out."
        ) from None
    write_json(staging / "summary.json", summary)
    metrics = pq.read_table(staging / "metrics.parquet") if keep_metrics else pa.table({})
    if folder is None:
        return RunResult(plan, summary, metrics, timings, None)
    write_report(staging)
    shutil.rmtree(staging / MEMBERS)
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
            "shards": 1,
            "cluster": cluster,
            "worker_losses": 0,
            "people": plan.people,
            "days": plan.days,
            "seed": plan.seed,
            "replicates": replicates,
            "replicate_seeds": [s.seed for s in specs],
            "started_at": request["started_at"],
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "timings_seconds": timings,
            "person_days_per_second": timings["person_days_per_second"],
            "command": request["command"],
            "python": platform.python_version(),
            "numpy": np.__version__,
            "pyarrow": pa.__version__,
            "platform": platform.platform(),
        },
    )
    return RunResult(plan, summary, metrics, timings, folder)


def _read_summary(path: Path) -> dict[str, Any]:
    import json

    return dict(json.loads(path.read_text(encoding="utf-8")))
