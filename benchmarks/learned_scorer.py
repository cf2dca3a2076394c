"""The default preset with and without the learned scorer, fast engine, in one sitting.

    .venv/bin/python benchmarks/learned_scorer.py [--people 1e5] [--days 365]

Runs the default preset (point rules) and examples/national-score-learned.yaml (the same preset
with a learned scorer) one after the other, kernels compiled first (not timed). Prints person-days
per second of each over the whole run and over the days after the first model (when everybody
is rescored each morning and no day's standing tallies carry over), the ratio, and the time per
retraining (snapshot, labels and fit) with the sample size used.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from socialcredit.engine.fast import FastEngine
from socialcredit.population.synthesis import synthesize
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "national-score-learned.yaml"


def timed(scenario: str | Path, people: int, days: int) -> tuple[np.ndarray, FastEngine]:
    """Seconds per day of one run, and the engine."""
    plan = compile_plan(load_scenario(scenario)[0], people=people, days=days, seed=1)
    engine = FastEngine(plan, synthesize(plan))
    seconds = np.zeros(plan.simulated_days)
    for t in range(plan.simulated_days):
        start = time.perf_counter()
        engine.step(t)
        seconds[t] = time.perf_counter() - start
    return seconds, engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=float, default=1e5)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    n, days = int(args.people), args.days
    timed(EXAMPLE, 20_000, 130)  # compile every kernel (and import scikit-learn) first
    points, _ = timed("china-national-score-2018", n, days)
    learned, engine = timed(EXAMPLE, n, days)
    assert engine.learner is not None and engine.learner.models
    first = engine.learner.models[0].day
    rate = {k: n * len(s) / s.sum() / 1e6 for k, s in (("points", points), ("learned", learned))}
    after = {k: n * len(s[first:]) / s[first:].sum() / 1e6
             for k, s in (("points", points), ("learned", learned))}  # fmt: skip
    print(f"{n:,} people x {days} days, fast engine, M person-days/s")
    print(f"  whole run:           points {rate['points']:.1f}  learned {rate['learned']:.1f}  "
          f"ratio {rate['learned'] / rate['points']:.2f}")  # fmt: skip
    print(f"  from day {first} on:    points {after['points']:.1f}  learned "
          f"{after['learned']:.1f}  ratio {after['learned'] / after['points']:.2f}")  # fmt: skip
    models = engine.learner.models
    print(
        f"  {len(models)} models; fit {np.mean([m.seconds for m in models]):.3f} s each "
        f"(sample {np.mean([m.sample for m in models]):,.0f} people, "
        f"{engine.plan.scorer.features if engine.plan.scorer else 0} features); "
        f"learning in all (snapshots, labels, fits) {engine.learner.seconds:.2f} s"
    )


if __name__ == "__main__":
    main()
