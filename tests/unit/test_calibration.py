"""`socialcredit calibrate`: it recovers parameters it is given targets for, an interrupted and
resumed study equals an uninterrupted one, and it writes what it says it writes.

The scenario is tests/calibration/tiny.yaml: 4,000 people over 240 days, two free parameters
(a listing rate and a sanction's purchase attempts per listed person-day).
"""

from __future__ import annotations

import copy
import math
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml

from socialcredit.ensemble.calibration import calibrate, resume
from socialcredit.ensemble.member import MemberDone
from socialcredit.fit import daily_totals
from socialcredit.runner import run
from socialcredit.scenario.loading import load_scenario

TINY = Path(__file__).parents[1] / "calibration" / "tiny.yaml"
RATE = "behaviours[default-on-judgment].rate[1].value"
ENCOUNTERS = "consequences[flight-ban].encounters"
TRUTH = {RATE: 3.0e-4, ENCOUNTERS: 0.01}
START = date(2020, 1, 1)
DATES = (date(2020, 5, 31), date(2020, 8, 27))  # day 151 and the last day, 239
COLUMNS = {"list_entries": "list_entries__debtors", "blocked": "blocked__flight-ban"}


def _scenario(tmp_path: Path, values: dict[str, float], name: str) -> Path:
    raw = copy.deepcopy(load_scenario(TINY)[1])
    raw["behaviours"][0]["rate"][1]["value"] = values[RATE]
    raw["consequences"][0]["encounters"] = values[ENCOUNTERS]
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def _counts(path: Path, seed: int) -> dict[tuple[str, date], float]:
    """Each target's count in one run of ``path``: cumulative to its date."""
    result = run(str(path), seed=seed, write=False, trace=0)
    out = {}
    for metric, column in COLUMNS.items():
        total = np.cumsum(daily_totals(result.metrics, column, result.plan.days))
        for d in DATES:
            out[(metric, d)] = float(total[(d - START).days])
    return out


def _targets_file(tmp_path: Path, values: dict[tuple[str, date], float]) -> Path:
    targets = []
    for (metric, d), value in values.items():
        key = "list" if metric == "list_entries" else "consequence"
        name = "debtors" if metric == "list_entries" else "flight-ban"
        targets.append({"metric": metric, key: name, "date": d.isoformat(), "value": float(value),
                        "source": "a run of tiny.yaml with known values"})  # fmt: skip
    holdout = [{"metric": "complied", "list": "debtors", "date": DATES[1].isoformat(),
                "value": 1.0, "source": "a figure the model cannot reach"}]  # fmt: skip
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump({"population": 4000, "targets": targets, "holdout": holdout}))
    return path


def test_recovers_known_parameters(tmp_path: Path) -> None:
    """Targets from runs with known values (on seeds the calibration does not use); the scenario
    the search starts from has other values; it lands within a tolerance derived from the seed
    noise: the relative spread of each target over seeds, for the difference between the mean of
    the K calibration seeds and the targets' mean, over the local slope d log(target) /
    d log(parameter), four standard errors wide."""
    truth = _scenario(tmp_path, TRUTH, "truth")
    truth_seeds = [101, 102, 103, 104, 105, 106]
    runs = [_counts(truth, s) for s in truth_seeds]
    keys = list(runs[0])
    values = np.array([[r[k] for k in keys] for r in runs])
    targets = _targets_file(tmp_path, dict(zip(keys, values.mean(axis=0), strict=True)))
    spread = values.std(axis=0, ddof=1) / values.mean(axis=0)  # relative sd of one seed
    k = 2
    noise = spread * math.sqrt(1 / k + 1 / len(truth_seeds))  # of (calibrated mean - targets)

    # the local slope of each target in each parameter, from runs 25% up (common seeds)
    base = _counts(truth, 0)
    slopes: dict[str, np.ndarray] = {}
    for path in TRUTH:
        up = _counts(_scenario(tmp_path, TRUTH | {path: TRUTH[path] * 1.25}, "up"), 0)
        slopes[path] = np.array([math.log(up[x] / base[x]) / math.log(1.25) for x in keys])
    # each parameter is pinned by the target most sensitive to it per unit of noise
    tolerance = {p: float(np.min(4 * noise / np.maximum(np.abs(s), 1e-9))) for p, s in
                 slopes.items()}  # fmt: skip

    start = _scenario(tmp_path, {RATE: 1.0e-4, ENCOUNTERS: 0.003}, "elsewhere")
    result = calibrate(start, targets, out=tmp_path / "cal", trials=24, seeds=k, workers=1,
                       batch=2, seed=7)  # fmt: skip
    for path, true in TRUTH.items():
        found = result.best_params[path]
        assert abs(math.log(found / true)) <= tolerance[path], (path, found, true, tolerance)
    # and its loss is what seed noise alone leaves: each error within four standard errors
    assert result.best.loss <= float(np.mean((4 * noise) ** 2)), (result.best.loss, noise)
    print({p: (result.best_params[p], TRUTH[p], tolerance[p]) for p in TRUTH}, result.best.loss)


def _trials(folder: Path) -> list[tuple[int, str, float | None, dict[str, Any]]]:
    table = pq.read_table(folder / "trials.parquet").to_pylist()
    return [(t["trial"], t["state"], t["loss"], {p: t[p] for p in TRUTH}) for t in table]


def test_interrupted_and_resumed_gives_the_same_study(tmp_path: Path) -> None:
    options: dict[str, Any] = {"trials": 7, "people": 1000, "seeds": 2, "workers": 1,
                               "batch": 3, "seed": 11}  # fmt: skip
    whole = calibrate(TINY, _targets_file(tmp_path, {("list_entries", DATES[1]): 60.0}),
                      out=tmp_path / "whole", **options)  # fmt: skip
    seen: list[int] = []

    def stop_midway(done: MemberDone) -> None:
        seen.append(done.index)
        if len(seen) == 9:  # batch 2 (trials 3-5, members 6-11) half run
            raise KeyboardInterrupt

    targets = tmp_path / "targets.yaml"
    with pytest.raises(KeyboardInterrupt):
        calibrate(TINY, targets, out=tmp_path / "cut", on_member=stop_midway, **options)
    assert not (tmp_path / "cut" / "trials.parquet").exists()
    resumed = resume(tmp_path / "cut", workers=1)
    assert _trials(tmp_path / "cut") == _trials(tmp_path / "whole")
    assert len(_trials(tmp_path / "whole")) == 7
    assert resumed.best_params == whole.best_params
    assert resumed.best.loss == whole.best.loss


def test_outputs(tmp_path: Path) -> None:
    targets = _targets_file(tmp_path, {("list_entries", DATES[0]): 50.0,
                                       ("blocked", DATES[1]): 200.0})  # fmt: skip
    result = calibrate(TINY, targets, out=tmp_path / "out", trials=3, people=1000, seeds=2,
                       workers=1, seed=1)  # fmt: skip
    folder = result.folder
    fit = pq.read_table(folder / "fit.parquet").to_pylist()
    assert [(r["metric"], r["holdout"]) for r in fit] == [
        ("list_entries", False), ("blocked", False), ("complied", True)]  # fmt: skip
    for r in fit:
        assert r["simulated_low"] <= r["simulated_mean"] <= r["simulated_high"]
    assert fit[2]["missed"]  # a holdout of 1 person complying at 1,000 people: far off
    sc, raw = load_scenario(folder / "scenario.yaml")
    assert raw["behaviours"][0]["rate"][1]["value"] == result.best_params[RATE]
    assert raw["behaviours"][0]["rate"][1]["source"].startswith("calibrated to targets.yaml, ")
    assert "encounters calibrated to targets.yaml" in raw["consequences"][0]["source"]
    page = (folder / "fit.html").read_text()
    assert "not reached" in page and "holdout" in page and "complied of debtors" in page
    assert len(pq.read_table(folder / "trials.parquet")) == 3
    del sc
