"""The calibration's folder: the calibrated scenario, the fit, every trial, and the fit page.

``scenario.yaml`` is the resolved scenario with the best trial's values set; each fitted value's
``source:`` (a schedule entry's own, or the item holding a plain number) says ``calibrated to
<targets file>, <date>``. ``fit.parquet`` holds every target, holdout ones included, with the
simulated mean and 90% interval over seeds; ``trials.parquet`` every trial's parameters and
loss; ``fit.html`` the same fit as charts (report/fit_page.py). A target whose relative error is
beyond ``MISS`` is named as missed, on the page and in the terminal, never left out. Each file
is written under a temporary name and renamed, so none is ever half written.
"""

from __future__ import annotations

import math
import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from socialcredit.ensemble.calibration.request import Request
from socialcredit.ensemble.calibration.scoring import Scored
from socialcredit.errors import OutputError
from socialcredit.fit import daily_totals, scale
from socialcredit.metrics.intervals import mean_band
from socialcredit.plan import Plan
from socialcredit.report.fit_page import (
    FitPageData,
    FitRowData,
    FitSeriesData,
    ParameterData,
    fit_html,
)
from socialcredit.scenario.free_parameters import BLOCK, value_at
from socialcredit.scenario.loading import validate
from socialcredit.scenario.overrides import ARGUMENT, Override, apply_overrides
from socialcredit.scenario.targets import Target, TargetsFile

MISS = 0.15  # the fit goal: every target within 15% of its published value
SCENARIO = "scenario.yaml"
FIT = "fit.parquet"
FIT_PAGE = "fit.html"
TRIALS = "trials.parquet"


def calibrated_label(request: Request) -> str:
    return f"calibrated to {Path(request.targets).name}, {date.today().isoformat()}"


def calibrated_raw(raw: dict[str, Any], params: dict[str, float], label: str) -> dict[str, Any]:
    """``raw`` with ``params`` set and their sources saying so."""
    patched, _ = apply_overrides(raw, [Override(p, v, ARGUMENT) for p, v in params.items()])
    for path in params:
        head, _, key = path.rpartition(".")
        holder = value_at(patched, head) if head else patched
        if isinstance(holder, dict) and "from" in holder:  # a schedule entry: its own source
            holder["source"] = label
        elif isinstance(holder, dict):
            note = f"{key} {label}"
            was = holder.get("source")
            holder["source"] = f"{was}; {note}" if was else note
    return patched


def _write(path: Path, write: Any) -> None:
    part = path.with_name(f".{path.name}.part")
    try:
        write(part)
        os.replace(part, path)
    except OSError as exc:
        raise OutputError(
            f"{path}: could not write ({exc.strerror}). Fix: free disk space and resume."
        ) from None


def write_outputs(
    folder: Path,
    request: Request,
    raw: dict[str, Any],
    targets: TargetsFile,
    plan: Plan,
    study: Any,
    params: dict[str, float],
    best: Scored,
    members: list[Path],
) -> None:
    label = calibrated_label(request)
    calibrated = calibrated_raw(raw, params, label)
    validate(calibrated, request.scenario)  # the file must load as it is written
    header = (
        f"# {request.scenario} {label}: the best of {len(study.trials)} trials (trial "
        f"{study.best_trial.number}, loss {best.loss:.4g}),\n# each the mean of {request.seeds} "
        f"seeds of {plan.people:,} people (`socialcredit calibrate`, --seed {request.seed}).\n"
    )
    text = header + yaml.safe_dump(calibrated, sort_keys=False, allow_unicode=True)
    _write(folder / SCENARIO, lambda p: p.write_text(text, encoding="utf-8"))
    table = fit_table(best)
    _write(folder / FIT, lambda p: pq.write_table(table, p))
    trials = trials_table(study, list(params))
    _write(folder / TRIALS, lambda p: pq.write_table(trials, p))
    page = fit_page(request, raw, targets, plan, study, params, best, members)
    html = fit_html(page)
    _write(folder / FIT_PAGE, lambda p: p.write_text(html, encoding="utf-8"))


def _published(low: float, high: float) -> str:
    return f"{low:,.0f}" if low == high else f"{low:,.0f}-{high:,.0f}"


def _bounds(t: Target) -> tuple[float, float]:
    if t.range is not None:
        return t.range
    assert t.value is not None  # a target has a value or a range (targets.py)
    return t.value, t.value


def _interval(best: Scored, i: int) -> list[float] | None:
    lo, hi = float(best.low[i]), float(best.high[i])
    return None if math.isnan(lo) else [lo, hi]


def fit_table(best: Scored) -> pa.Table:
    rows = best.rows
    return pa.table({
        "metric": [r.metric for r in rows],
        "of": [r.name for r in rows],
        "date": pa.array([r.date for r in rows], pa.date32()),
        "published": [r.low if r.low == r.high else None for r in rows],
        "published_low": [r.low for r in rows],
        "published_high": [r.high for r in rows],
        "simulated_mean": best.mean,
        "simulated_low": pa.array(best.low, from_pandas=True),  # nan (one seed) -> null
        "simulated_high": pa.array(best.high, from_pandas=True),
        "relative_error": best.errors,
        "weight": [r.weight for r in rows],
        "holdout": [r.holdout for r in rows],
        "missed": [bool(abs(e) > MISS) for e in best.errors],
        "source": [r.source for r in rows],
    })  # fmt: skip


def trials_table(study: Any, paths: list[str]) -> pa.Table:
    trials = study.trials
    columns: dict[str, Any] = {
        "trial": [t.number for t in trials],
        "state": [t.state.name.lower() for t in trials],
        "loss": [t.value for t in trials],
    }
    for path in paths:
        columns[path] = [t.params.get(path) for t in trials]
    return pa.table(columns)


def _series(targets: TargetsFile, plan: Plan, members: list[Path]) -> list[FitSeriesData]:
    assert plan.start is not None
    everything: list[tuple[Target, bool]] = [(t, False) for t in targets.targets] + [
        (t, True) for t in targets.holdout
    ]
    out = []
    for column in dict.fromkeys(t.column for t, _ in everything):
        mine = [(t, h) for t, h in everything if t.column == column]
        per = scale(targets, mine[0][0], plan.people)
        values = np.array([
            np.cumsum(daily_totals(pq.read_table(m / "metrics.parquet",
                                                 columns=["day", column]), column, plan.days))
            for m in members
        ], dtype=float) / per  # fmt: skip
        dates = [(plan.start + timedelta(days=d)).isoformat() for d in range(plan.days)]
        low = high = None
        if len(members) > 1:
            lo, hi = mean_band(values)
            low, high = lo.tolist(), hi.tolist()
        first = mine[0][0]
        of = first.list or first.consequence or ""
        points = [(t.date.isoformat(), *_bounds(t), h) for t, h in mine]
        out.append(FitSeriesData(f"{first.metric.replace('_', ' ')}: {of}", dates,
                                 values.mean(axis=0).tolist(), low, high, points))  # fmt: skip
    return out


def fit_page(
    request: Request,
    raw: dict[str, Any],
    targets: TargetsFile,
    plan: Plan,
    study: Any,
    params: dict[str, float],
    best: Scored,
    members: list[Path],
) -> FitPageData:
    block = raw[BLOCK]
    parameters = []
    for path, value in params.items():
        free = block[path]
        lo, hi, log = float(free["low"]), float(free["high"]), bool(free.get("log", False))
        f = (lambda x: math.log(x)) if log else (lambda x: x)
        span = f(hi) - f(lo)
        edge = min(f(value) - f(lo), f(hi) - f(value)) < 0.01 * span
        parameters.append(ParameterData(path, value, lo, hi, log, edge))
    rows = [
        FitRowData(
            r.metric,
            r.name,
            r.date.isoformat(),
            _published(r.low, r.high),
            float(best.mean[i]),
            _interval(best, i),
            float(best.errors[i]),
            r.holdout,
            bool(abs(best.errors[i]) > MISS),
            r.source,
        )  # fmt: skip
        for i, r in enumerate(best.rows)
    ]
    return FitPageData(
        scenario=request.scenario,
        targets=Path(request.targets).name,
        people=plan.people,
        seeds=request.seeds,
        trials=len(study.trials),
        best_trial=study.best_trial.number,
        loss=best.loss,
        miss=MISS,
        parameters=parameters,
        series=_series(targets, plan, members),
        rows=rows,
    )
