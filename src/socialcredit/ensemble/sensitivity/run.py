"""``socialcredit sensitivity``: which assumption drives each headline number.

The design (design.py) gives each member a point of the factors' ranges (factors.py); every
member runs with the same seed, so two members differ only where their parameters reach
(common random numbers: the model's draws are functions of seed, stream, person and day), and a
factor with no path to an output moves it by exactly nothing. Members run through the one
ensemble runner (members.py) and are kept in the staging folder as they finish, so an
interrupted analysis continues with ``socialcredit resume OUT``. Then each headline output
(outputs.py) gets its indices, and the folder is written: ``sensitivity.parquet`` (one row per
output x factor x index), ``samples.parquet`` (each member's factor values and outputs),
``sensitivity.json``, ``sensitivity.html``, ``scenario.yaml`` and ``manifest.json``.
"""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from socialcredit.ensemble.member import MEMBERS, EnsembleJob, MemberDone
from socialcredit.ensemble.members import check_workers, ray_address, run_members
from socialcredit.ensemble.sensitivity.design import (
    DEFAULT_SAMPLES,
    INDICES,
    RANKED_BY,
    analyze,
    check_method,
    check_samples,
    runs,
    sample,
)
from socialcredit.ensemble.sensitivity.factors import Factor, default_factors, read_vary
from socialcredit.ensemble.sensitivity.outputs import OUTPUTS, read_outputs
from socialcredit.ensemble.spec import MemberSpec
from socialcredit.errors import ConfigError, OutputError
from socialcredit.output.lock import holding_lock
from socialcredit.output.request import SCENARIO
from socialcredit.output.run_folder import (
    check_destination,
    staged_folder,
    staging_path,
    write_json,
    write_manifest,
)
from socialcredit.plan import Plan
from socialcredit.report.sensitivity import SENSITIVITY_JSON, write_sensitivity_page
from socialcredit.resources import available_memory, check_memory
from socialcredit.runner import DEFAULT_SCENARIO, _check_resumable, _whole
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario
from socialcredit.scenario.overrides import Given, overrides_from
from socialcredit.scenario.resolve import resolved_scenario_text
from socialcredit.scenario.variant import load_variant
from socialcredit.version import __version__

REQUEST = "sensitivity-request.json"  # in the staging folder while members run
COLUMNS = ("output", "factor", "method", "index", "value", "ci_low", "ci_high", "rank")
OnStart = Callable[[Plan, int], None]  # (plan, members in all)
OnMember = Callable[[Plan, int, int], None]  # (plan, members done, members in all)


@dataclass(frozen=True)
class SensitivityResult:
    summary: dict[str, Any]  # sensitivity.json
    indices: pa.Table  # sensitivity.parquet
    folder: Path


def sensitivity(
    scenario: str | Path = DEFAULT_SCENARIO,
    *,
    vary: str | Path | None = None,
    method: str = "morris",
    samples: int | None = None,
    people: float | None = None,
    days: float | None = None,
    seed: float | None = None,
    workers: int | None = None,
    cluster: str | None = None,
    overrides: Given = None,
    out: str | Path | None = None,
    on_start: OnStart | None = None,
    on_member: OnMember | None = None,
    argv: list[str] | None = None,
) -> SensitivityResult:
    """Vary the scenario's assumptions (or ``vary``'s factors) and rank them per output: the
    runs in ``workers`` local processes, or in Ray actors on ``cluster`` (local, auto or
    ray://HOST:PORT; the same results)."""
    began = time.perf_counter()
    address = ray_address(cluster, "runs")
    check_method(method)
    n = DEFAULT_SAMPLES[method] if samples is None else samples
    check_samples(method, n)
    sc = load_variant(scenario, overrides_from(overrides)).scenario
    plan = compile_plan(sc, people=_whole(people, "people"), days=_whole(days, "days"),
                        seed=_whole(seed, "seed"), label=str(scenario))  # fmt: skip
    text = resolved_scenario_text(sc, plan, str(scenario))
    folder = (
        Path(out)
        if out is not None
        else Path("runs") / (f"sensitivity-{plan.name}-{datetime.now().strftime('%Y%m%d-%H%M%S')}")
    )
    check_destination(folder)
    check_workers(workers)
    with staged_folder(folder, keep=MEMBERS) as staging:
        try:
            (staging / SCENARIO).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise OutputError(
                f"{folder}: could not write results ({exc.strerror}). "
                "Fix: free disk space or choose another --out."
            ) from None
        _, raw = load_scenario(staging / SCENARIO)  # what every member varies, as recorded
        label = str(staging / SCENARIO)
        factors = read_vary(Path(vary), raw, label) if vary is not None else default_factors(raw)
        if not factors:
            raise ConfigError(
                "the scenario marks no set, non-zero number as an assumption",
                file=str(scenario),
                expected="numbers whose source: says 'assumption', or a --vary file",
                fix="pass --vary FILE naming the numbers to vary and their ranges",
            )
        members = min(check_workers(workers), runs(method, n, len(factors)))
        if address is None:  # on Ray each actor asks the cluster for a run's memory instead
            check_memory(plan, "fast", limit=available_memory() // members)
        request = {
            "scenario_ref": str(scenario),
            "method": method,
            "samples": n,
            "seed": plan.seed,
            "people": plan.people,
            "days": plan.days,
            "factors": [f.record() for f in factors],
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": argv,
        }
        write_json(staging / REQUEST, {"request": request, "sha256": _digest(request)})
        return _analyse(staging, folder, plan, request, factors, workers, address, on_start,
                        on_member, began)  # fmt: skip


def resume(
    out: str | Path,
    *,
    workers: int | None = None,
    cluster: str | None = None,
    on_start: OnStart | None = None,
    on_member: OnMember | None = None,
) -> SensitivityResult:
    """Continue an interrupted analysis: run only the members it lacks (on ``cluster``, if
    given: an address is never taken from the folder), then write the folder."""
    began = time.perf_counter()
    address = ray_address(cluster, "runs")
    folder = Path(out)
    staging = staging_path(folder)
    _check_resumable(folder, staging)
    with holding_lock(folder, staging):
        request = read_request(staging)
        scenario, _ = load_scenario(staging / SCENARIO)
        plan = compile_plan(scenario, label=str(staging / SCENARIO))
        factors = [Factor(**f) for f in request["factors"]]
        with staged_folder(folder, resume=True, keep=MEMBERS):
            return _analyse(staging, folder, plan, request, factors, workers, address, on_start,
                            on_member, began)  # fmt: skip


def is_sensitivity(out: str | Path) -> bool:
    """Whether ``out`` is an interrupted sensitivity analysis (for ``socialcredit resume``)."""
    return (staging_path(Path(out)) / REQUEST).is_file()


def _digest(request: dict[str, Any]) -> str:
    text = json.dumps(request, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def read_request(staging: Path) -> dict[str, Any]:
    path = staging / REQUEST
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        request = record["request"]
        if record["sha256"] != _digest(request):
            raise ValueError("digest")
        Factor(**request["factors"][0])  # the shape a factor has
        return dict(request)
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        raise OutputError(
            f"{path}: is damaged or was edited, so the analysis cannot be resumed safely. "
            "Fix: delete the folder and start again."
        ) from None


def _analyse(staging: Path, folder: Path, plan: Plan, request: dict[str, Any],
             factors: list[Factor], workers: int | None, cluster: str | None,
             on_start: OnStart | None, on_member: OnMember | None,
             began: float) -> SensitivityResult:  # fmt: skip
    method, seed = request["method"], request["seed"]
    _, raw = load_scenario(staging / SCENARIO)
    x = sample(method, len(factors), request["samples"], seed)
    specs = [
        MemberSpec(i, seed, {f.path: f.value(float(row[j])) for j, f in enumerate(factors)})
        for i, row in enumerate(x)
    ]
    job = EnsembleJob(raw, str(staging / SCENARIO), plan.people, plan.days, "fast", 0,
                      stories=False)  # fmt: skip
    if on_start is not None:
        on_start(plan, len(specs))
    y = np.full((len(specs), len(OUTPUTS)), np.nan)
    count = [0]

    def progress(done: MemberDone) -> None:
        count[0] += 1
        if on_member is not None:
            on_member(plan, count[0], len(specs))

    start = time.perf_counter()
    for done in run_members(job, specs, staging, workers, progress, cluster):
        values = read_outputs(done.summary)
        y[done.index] = [np.nan if v is None else v for v in values.values()]
    wall = time.perf_counter() - start

    rows: list[dict[str, Any]] = []
    skipped, constant = [], []
    for o, key in enumerate(OUTPUTS):
        if not np.isfinite(y[:, o]).all():
            skipped.append(key)
            continue
        if np.ptp(y[:, o]) == 0:  # no factor moved it (and Sobol's shares of no variance are 0/0)
            constant.append(key)
            continue
        rows += _rows(key, method, factors, analyze(method, x, y[:, o], seed))
    indices = _table(rows)
    summary = {
        "scenario": plan.name,
        "scenario_ref": request["scenario_ref"],
        "people": plan.people,
        "days": plan.days,
        "seed": seed,
        "method": method,
        "samples": request["samples"],
        "runs": len(specs),
        "ranked_by": RANKED_BY[method],
        "confidence_level": 0.95,
        "factors": [
            {
                "path": f.path,
                "range": f.shown_range(),
                "low": f.low,
                "high": f.high,
                "log": f.log,
                "scale": f.scale,
                "source": f.source,
            }  # fmt: skip
            for f in factors
        ],
        "outputs": {k: words for k, (words, _) in OUTPUTS.items() if k not in skipped + constant},
        "skipped_outputs": skipped,
        "constant_outputs": {k: float(y[0, list(OUTPUTS).index(k)]) for k in constant},
        "members_seconds": wall,
    }
    try:
        pq.write_table(indices, staging / "sensitivity.parquet")
        pq.write_table(_samples(factors, x, y), staging / "samples.parquet")
    except OSError as exc:
        raise OutputError(
            f"{folder}: could not write results ({exc.strerror}). "
            "Fix: free disk space or choose another --out."
        ) from None
    write_json(staging / SENSITIVITY_JSON, summary)
    write_sensitivity_page(staging)
    shutil.rmtree(staging / MEMBERS)
    (staging / REQUEST).unlink()
    write_manifest(
        staging,
        {
            "socialcredit_version": __version__,
            "kind": "sensitivity",
            "scenario": plan.name,
            "people": plan.people,
            "days": plan.days,
            "seed": seed,
            "method": method,
            "runs": len(specs),
            "started_at": request["started_at"],
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "timings_seconds": {"members": wall, "total": time.perf_counter() - began},
            "command": request["command"],
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    )
    return SensitivityResult(summary, indices, folder)


def _rows(
    output: str, method: str, factors: list[Factor], found: list[list[Any]]
) -> list[dict[str, Any]]:
    ranking = sorted(range(len(factors)), key=lambda i: -found[i][0].value)
    rank = {i: r + 1 for r, i in enumerate(ranking)}
    return [
        {
            "output": output,
            "factor": factors[i].path,
            "method": method,
            "index": ix.name,
            "value": ix.value,
            "ci_low": ix.low,
            "ci_high": ix.high,
            "rank": rank[i],
        }  # fmt: skip
        for i in ranking
        for ix in found[i]
    ]


def _table(rows: list[dict[str, Any]]) -> pa.Table:
    schema = pa.schema([("output", pa.string()), ("factor", pa.string()),
                        ("method", pa.string()), ("index", pa.string()),
                        ("value", pa.float64()), ("ci_low", pa.float64()),
                        ("ci_high", pa.float64()), ("rank", pa.int32())])  # fmt: skip
    return pa.Table.from_pylist(rows, schema=schema)


def _samples(factors: list[Factor], x: np.ndarray, y: np.ndarray) -> pa.Table:
    """Each member's point: per factor, its value (a multiplier where it scales a mapping or a
    schedule), then every output (null where the member could not define it)."""
    columns: dict[str, Any] = {"member": pa.array(np.arange(len(x), dtype=np.int32))}
    for j, f in enumerate(factors):
        columns[f.path] = pa.array([f.at(float(u)) for u in x[:, j]], pa.float64())
    for o, key in enumerate(OUTPUTS):
        columns[key] = pa.array(y[:, o], pa.float64(), mask=~np.isfinite(y[:, o]))
    return pa.table(columns)


__all__ = ["COLUMNS", "INDICES", "SensitivityResult", "is_sensitivity", "resume", "sensitivity"]
