"""The default preset with and without the learned scorer, fast engine, in one sitting.

    .venv/bin/python benchmarks/learned_scorer.py [--people 1e5] [--days 365] [--boosted]
                                                  [--cpu]

Runs the default preset (point rules) and examples/national-score-learned.yaml (the same preset
with a learned scorer, retrained every 30 days; ``--boosted``: examples/national-score-boosted.yaml,
gradient-boosted trees) one after the other, kernels compiled first (not timed). Prints
person-days per second of each over the whole run (training included) and over the days after the
first model, the ratio (the goal of GitHub issue #15: at least 0.5 at 1e7 people), and per
retraining: the fit's seconds, the sample size, and the memory it took: the rise of the process's
peak resident memory over the morning of a fit (snapshot, labels and fit; Linux, whose peak can
be reset) and the peak of what Python and NumPy allocated (tracemalloc) during it.

``--cpu`` times with the process's CPU time instead of the wall clock: on a shared machine, with
``NUMBA_NUM_THREADS=1``, the one-thread cost of each run, unmoved by what else runs.
"""

from __future__ import annotations

import argparse
import contextlib
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np

from socialcredit.engine.daily import close_day
from socialcredit.engine.fast import FastEngine
from socialcredit.population.synthesis import synthesize
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "national-score-learned.yaml"
BOOSTED = ROOT / "examples" / "national-score-boosted.yaml"


class Run(NamedTuple):
    seconds: np.ndarray  # [days] each day, training included
    learning: np.ndarray  # [days] of which learning (snapshots, labels, fits)
    engine: FastEngine
    peak_rise: list[int]  # bytes, per fit: the rise of the peak resident memory (VmHWM)
    traced: list[int]  # bytes, per fit: tracemalloc's peak
    due: np.ndarray  # [days] the share of people due each morning (Scoring.due; NaN: none)


def _status(field: str) -> int:
    """A field of /proc/self/status in bytes (0 where there is none)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to VmRSS


def timed(
    scenario: str | Path, people: int, days: int, clock: Callable[[], float] = time.perf_counter
) -> Run:
    """Seconds per day of one run, the learning part of each, and each fit's memory."""
    plan = compile_plan(load_scenario(scenario)[0], people=people, days=days, seed=1)
    engine = FastEngine(plan, synthesize(plan))
    seconds = np.zeros(plan.simulated_days)
    learning = np.zeros(plan.simulated_days)
    due = np.full(plan.simulated_days, np.nan)  # share of people due each morning
    peak_rise: list[int] = []
    traced: list[int] = []
    learner = engine.learner if plan.scorer is not None else None
    retrain = plan.scorer.retrain_every if plan.scorer is not None else 0
    horizon = plan.scorer.horizon if plan.scorer is not None else 0
    for t in range(plan.simulated_days):
        start = clock()
        if learner is not None and t >= horizon and (t - horizon) % retrain == 0:
            # a fit may be due: its memory (outside the clock's count)
            _reset_peak()
            rss = _status("VmRSS")
            tracemalloc.start()
            before = len(learner.models)
            fits_start = clock()
            model = engine.learn(t)
            learned = clock() - fits_start
            if len(learner.models) > before:
                traced.append(tracemalloc.get_traced_memory()[1])
                peak_rise.append(_status("VmHWM") - rss)
            tracemalloc.stop()
        else:
            learned_start = clock()
            model = engine.learn(t)
            learned = clock() - learned_start
        close_day(engine, t, *engine.kernel_day(t, model))
        seconds[t] = clock() - start
        learning[t] = learned
        if model is not None and t + 1 < plan.simulated_days:  # (outside the clock's count)
            due[t + 1] = np.mean(engine.scoring(model).due <= t + 1)
    return Run(seconds, learning, engine, peak_rise, traced, due)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=float, default=1e5)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--boosted", action="store_true", help="gradient-boosted trees")
    parser.add_argument("--cpu", action="store_true", help="CPU time, not the wall clock")
    args = parser.parse_args()
    n, days = int(args.people), args.days
    example = BOOSTED if args.boosted else EXAMPLE
    clock = time.process_time if args.cpu else time.perf_counter
    timed(example, 20_000, 130)  # compile every kernel (and import scikit-learn) first
    points = timed("china-national-score-2018", n, days, clock)
    learned = timed(example, n, days, clock)
    engine = learned.engine
    assert engine.learner is not None and engine.learner.models
    models = engine.learner.models
    first = models[0].day
    runs = {"points": points.seconds, "learned": learned.seconds}
    rate = {k: n * len(s) / s.sum() / 1e6 for k, s in runs.items()}
    after = {k: n * len(s[first:]) / s[first:].sum() / 1e6 for k, s in runs.items()}
    clock_name = "CPU time" if args.cpu else "wall clock"
    print(f"{n:,} people x {days} days, fast engine, {example.name}, {clock_name}")
    print(f"  M person-days/s, whole run (training included): points {rate['points']:.2f}  "
          f"learned {rate['learned']:.2f}  ratio "
          f"{rate['learned'] / rate['points']:.2f}")  # fmt: skip
    print(f"  from day {first} on: points {after['points']:.2f}  learned "
          f"{after['learned']:.2f}  ratio {after['learned'] / after['points']:.2f}")  # fmt: skip
    learning = learned.learning.sum()
    print(f"  seconds: points {points.seconds.sum():.1f}; learned {learned.seconds.sum():.1f}, "
          f"of which learning (snapshots, labels, fits) {learning:.2f}; without it the ratio "
          f"is {points.seconds.sum() / (learned.seconds.sum() - learning):.2f}")  # fmt: skip
    model_days = [m.day for m in models]
    later = [t for t in range(first + 1, days) if t not in model_days]
    print(
        f"  mornings under the model of the day before: {np.nanmean(learned.due[later]):.1%} "
        f"of people due to be scored again (Scoring.due)"
    )
    s = engine.plan.scorer
    print(
        f"  {len(models)} models (retrained every {s.retrain_every if s else 0} days); per "
        f"retraining: fit {np.mean([m.seconds for m in models]):.3f} s (max "
        f"{max(m.seconds for m in models):.3f}), sample {np.mean([m.sample for m in models]):,.0f}"
        f" people, {s.features if s else 0} features; peak memory of a retraining morning: "
        f"+{max(learned.peak_rise, default=0) / 2**20:.0f} MiB resident, "
        f"{max(learned.traced, default=0) / 2**20:.0f} MiB allocated (tracemalloc)"
    )


if __name__ == "__main__":
    main()
