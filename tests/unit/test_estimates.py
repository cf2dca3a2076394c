"""Up-front estimates: a checkpoint's size matches what a run saves, the wall time reproduces
the measured national run, and the lines say where each figure comes from."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialcredit.engine.reference import ReferenceEngine
from socialcredit.estimates import (
    RATES,
    checkpoint_bytes,
    checkpoints_saved,
    describe,
    duration,
    estimate_run,
    size,
)
from socialcredit.output.checkpoint import CHECKPOINT, save_checkpoint
from socialcredit.population.synthesis import synthesize
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario


@pytest.mark.parametrize("preset", ["china-national-score-2018", "driving-demerit-points"])
def test_checkpoint_size_is_what_a_run_saves(tmp_path: Path, preset: str) -> None:
    plan = compile_plan(load_scenario(preset)[0], people=20_000, days=40, seed=1)
    sim = ReferenceEngine(plan, synthesize(plan))
    for t in range(3):
        sim.step(t)
    save_checkpoint(tmp_path, 2, sim)
    saved = (tmp_path / CHECKPOINT).stat().st_size
    # .npz headers and the short appeal log are the only things not counted
    assert checkpoint_bytes(plan, 2) <= saved <= checkpoint_bytes(plan, 2) * 1.05 + 20_000


@pytest.mark.parametrize(
    ("days", "every", "saved"), [(365, 30, 12), (360, 30, 11), (31, 30, 1), (30, 30, 0),
                                 (20, 30, 0), (365, 0, 0)],
)  # fmt: skip
def test_checkpoints_are_saved_before_the_last_day_only(days: int, every: int, saved: int) -> None:
    assert checkpoints_saved(days, every) == saved


def test_the_national_year_matches_the_measured_run() -> None:
    """README, Benchmarks: 1.4e9 people x 365 days took 3281.5 s on 2 cores."""
    plan = compile_plan(load_scenario("china-national-score-2018")[0], people=1_400_000_000,
                        days=365)  # fmt: skip
    est = estimate_run(plan, "fast", 30, "china-national-score-2018")
    assert 0.9 * 3281.5 < est.seconds < 1.1 * 3281.5
    assert est.checkpoints_held == 2
    assert 13 * 2**30 < est.checkpoint < 16 * 2**30  # README: "15 GB for a whole country"
    reference = estimate_run(plan, "reference", 30, "x")
    assert reference.seconds > 20 * est.seconds and reference.memory > est.memory


def test_the_lines_say_the_rate_and_where_it_comes_from() -> None:
    plan = compile_plan(load_scenario("us-credit-score")[0], people=1_000_000, days=365)
    est = estimate_run(plan, "reference", 30, "us-credit-score")
    text = "\n".join(describe(est, free=("/runs", 5 * 2**30)))
    assert "1,000,000 people x 365 days" in text and "--engine reference" in text
    assert f"{RATES['reference'][0] / 1e6:,.0f} M person-days/s" in text
    assert "README" in text and "5.0 GiB free at /runs" in text
    none = describe(estimate_run(plan, "fast", 0, "x"))
    assert "--checkpoint-every 0" in none[-1]


@pytest.mark.parametrize(
    ("seconds", "text"), [(5, "5 s"), (600, "10 min"), (3281.5, "55 min"), (7200, "2.0 hours"),
                          (50 * 3600, "2.1 days")],
)  # fmt: skip
def test_durations_read_in_the_unit_that_fits(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_sizes_read_in_binary_units() -> None:
    assert (size(512), size(2048), size(3 * 2**20), size(15.5 * 2**30)) == (
        "512 bytes", "2.0 KiB", "3.0 MiB", "15.5 GiB")  # fmt: skip
