"""Warm starts: a warm-up's days are simulated, not reported, and change nothing else.

A warm-up of W days is the engines' days 0..W-1; reported day d is engine day W + d. So a warmed
run reports exactly the days W.. of a cold run of W + T days with the same seed, except the
"ever" tallies, which start again on day 0. Both engines, shards, checkpoints (taken during the
warm-up or after it), resume and replays must agree with that.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import yaml

from scenarios import dated, stressed
from socialcredit.engine.fast import FastEngine
from socialcredit.engine.reference import ReferenceEngine
from socialcredit.engine.replay import replay
from socialcredit.errors import ConfigError
from socialcredit.estimates import estimate_run
from socialcredit.metrics.drift import drift_check
from socialcredit.output.checkpoint import CHECKPOINT
from socialcredit.output.run_folder import staging_path
from socialcredit.population.synthesis import synthesize
from socialcredit.runner import resume, run
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario, validate
from socialcredit.stories import RunStories

W, T = 150, 60
SIZE = dict(people=3000, days=T, seed=5)
EVER_COLUMNS = ("first_sanctioned", "first_wrongfully_sanctioned", "first_under__",
                "first_wrongly_under__")  # fmt: skip
CLI = [sys.executable, "-m", "socialcredit"]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demerit preset stressed so that lists, wrongful entries and appeals happen in a
    small run, with the preset's warm-up replaced by a short one."""
    raw = stressed("driving-demerit-points", rate_floor=0.03)
    raw["run"] = {"days": T, "seed": 5, "warmup_days": W}
    path = tmp_path_factory.mktemp("warm") / "warm.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def _ever(name: str) -> bool:
    return name.startswith(EVER_COLUMNS)


def test_a_warm_run_reports_the_later_days_of_a_cold_one(scenario: Path) -> None:
    warm = run(scenario, write=False, **SIZE)
    cold = run(scenario, write=False, warmup=0, **(SIZE | {"days": W + T}))
    a, b = warm.to_pandas(), cold.to_pandas()
    later = b[b.day >= W].reset_index(drop=True)
    later["day"] -= W
    assert warm.summary["days"] == T and warm.summary["warmup_days"] == W
    assert len(a) == len(later)
    same = [c for c in a.columns if not _ever(c)]
    assert a[same].equals(later[same])
    # "ever" restarts at day 0: whoever is under a sanction on day 0 is first under it then
    day0 = a[a.day == 0]
    assert day0.sanctioned.sum() > 0, "the warm-up must leave people sanctioned on day 0"
    assert (day0.first_sanctioned == day0.sanctioned).all()
    assert warm.summary["people_ever_sanctioned"] == a.first_sanctioned.sum()
    assert warm.summary["people_ever_sanctioned"] <= cold.summary["people_ever_sanctioned"]


def test_engines_agree_with_a_warmup(scenario: Path) -> None:
    plan = compile_plan(load_scenario(scenario)[0], **SIZE)
    assert plan.warmup == W and plan.simulated_days == W + T
    ref = ReferenceEngine(plan, synthesize(plan))
    ref.run()
    fast = FastEngine(plan, synthesize(plan))
    fast.run()
    assert ref.counts.shape[0] == T  # the warm-up's days are not kept
    assert np.array_equal(ref.counts, fast.counts)
    assert np.array_equal(ref.stats, fast.stats, equal_nan=True)
    for name, array in vars(ref.state).items():
        assert np.array_equal(array, getattr(fast.state, name)), name


class Stop(Exception):
    pass


def _same(a: Path, b: Path) -> None:
    for name in ("metrics.parquet", "appeals.parquet", "traces.parquet"):
        assert pq.read_table(a / name).equals(pq.read_table(b / name)), name
    assert json.loads((a / "summary.json").read_text()) == json.loads(
        (b / "summary.json").read_text()
    )


@pytest.mark.parametrize("stop_on", [100, W + 20], ids=["during-warmup", "after-warmup"])
def test_resume_from_a_checkpoint_equals_an_uninterrupted_run(
    scenario: Path, tmp_path: Path, stop_on: int
) -> None:
    args = SIZE | {"checkpoint_every": 7}
    whole = run(scenario, out=tmp_path / "whole", **args).folder
    assert whole is not None

    def stop(day: int) -> None:
        if day == stop_on:
            raise Stop

    out = tmp_path / "cut"
    with pytest.raises(Stop):
        run(scenario, out=out, on_day=stop, **args)
    assert (staging_path(out) / CHECKPOINT).is_file()
    resume(out)
    _same(whole, out)


def test_shards_agree_with_a_warmup(scenario: Path) -> None:
    plain = run(scenario, write=False, **SIZE)
    sharded = run(scenario, write=False, shards=3, **SIZE)
    assert plain.metrics.equals(sharded.metrics)
    assert plain.summary == sharded.summary


def test_appeals_and_replays_count_reported_days(scenario: Path, tmp_path: Path) -> None:
    folder = run(scenario, out=tmp_path / "run", trace=4, **SIZE).folder
    assert folder is not None
    appeals = pq.read_table(folder / "appeals.parquet")
    days = appeals["day"].to_numpy()
    assert days.min() >= -W and (days < 0).any(), "appeals filed in the warm-up come first"
    metrics = pq.read_table(folder / "metrics.parquet")
    assert pc.sum(metrics["appeals_filed"]).as_py() == int((days >= 0).sum())
    # a replay from the folder (appeals.parquet read back into engine days) lives the same
    # days as the run kept in traces.parquet
    kept = pq.read_table(folder / "traces.parquet")
    stories = RunStories(folder)
    for person in sorted(set(kept["person"].to_pylist())):
        mine = kept.filter(pc.equal(kept["person"], person))
        assert mine["day"].to_pylist() == list(range(T))
        again = replay(stories.plan, [person], stories.appeal_log)
        assert again.equals(mine), person


def test_dated_changes_keep_their_dates_after_a_warmup() -> None:
    sc = validate(dated(stressed("china-national-score-2018")), "dated")
    cold = compile_plan(sc, people=1000, days=400, warmup=0)
    warm = compile_plan(sc, people=1000, days=400, warmup=90)
    assert len(cold.epoch_days) > 1
    assert warm.epoch_days == (0, *(90 + d for d in cold.epoch_days[1:]))
    assert warm.start == cold.start  # the date of reported day 0
    assert all(warm.epoch_of(t) == 0 for t in range(90))  # the warm-up: the start's regime


def test_drift_check() -> None:
    steady = np.full(400, 500)
    starts = np.full(400, 10)  # as many start as end each day
    assert drift_check(steady, starts)["still_drifting"] is False
    ramp = np.arange(400) * 2 + 100
    result = drift_check(ramp, np.full(400, 2))  # two start a day, none end
    assert result["still_drifting"] is True and result["ends"] == 0
    assert result["fitted_change"] == pytest.approx(2 * 99)
    assert drift_check(steady[:20], starts[:20])["still_drifting"] is None


def test_estimates_count_the_warmup(scenario: Path) -> None:
    sc = load_scenario(scenario)[0]
    warm = estimate_run(compile_plan(sc, people=10**6), "fast", 30, "s")
    cold = estimate_run(compile_plan(sc, people=10**6, warmup=0), "fast", 30, "s")
    assert warm.warmup_days == W
    assert warm.seconds - cold.seconds == pytest.approx(10**6 * W / warm.rate)


def test_bad_warmups_are_refused(scenario: Path) -> None:
    with pytest.raises(ConfigError, match="run.warmup_days"):
        run(scenario, write=False, warmup=-1, **SIZE)
    with pytest.raises(ConfigError, match="warm-up"):
        run(scenario, write=False, warmup=32_000, **SIZE)


@pytest.mark.parametrize(
    ("value", "said"), [("-5", "--warmup"), ("32000", "warm-up"), ("x", "--warmup")]
)
def test_cli_refuses_a_bad_warmup(scenario: Path, tmp_path: Path, value: str, said: str) -> None:
    done = subprocess.run(
        [*CLI, "run", str(scenario), "--people", "500", "--warmup", value, "--out",
         str(tmp_path / "r"), "--quiet"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert said in done.stderr and "Traceback" not in done.stderr
