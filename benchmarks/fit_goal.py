"""Issue 11's fit goal: every target of the documented system within 15% (or inside its published
range), at 1e6 people, mean of 5 seeds.

    .venv/bin/python benchmarks/fit_goal.py [--preset china-court-list-2013-2018] [--people 1e6]
                                            [--seeds 5]

Runs the preset once per seed (seeds 1..K, the fast engine, no run folder), scales each
cumulative count to the published population as `socialcredit calibrate` does
(``socialcredit.fit``), and prints per target the published value, the mean over seeds with the
90% interval of that mean (Student t), the error of the mean, and whether it misses; then the
wall time and the speed.
"""

from __future__ import annotations

import argparse
import time
from importlib import resources

import numpy as np
from scipy import stats

from socialcredit.fit import fit_rows, relative_error
from socialcredit.runner import run
from socialcredit.scenario.loading import load_scenario
from socialcredit.scenario.targets import load_targets

GOAL = 0.15


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="china-court-list-2013-2018")
    parser.add_argument("--people", type=float, default=1e6)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()

    path = resources.files("socialcredit.scenario.presets").joinpath(f"{args.preset}.targets.yaml")
    targets = load_targets(str(path), load_scenario(args.preset)[0])
    start = time.perf_counter()
    per_seed = []
    person_days = 0
    for seed in range(1, args.seeds + 1):
        result = run(args.preset, people=args.people, seed=seed, write=False, trace=0)
        per_seed.append(fit_rows(result.plan, result.metrics, targets))
        person_days += result.plan.people * result.plan.simulated_days
        print(f"seed {seed} done, {time.perf_counter() - start:.0f} s", flush=True)
    wall = time.perf_counter() - start

    t90 = stats.t.ppf(0.95, args.seeds - 1) if args.seeds > 1 else float("nan")
    print(f"\n{args.preset}: {args.people:,.0f} people, mean of {args.seeds} seeds")
    header = f"{'target':<34}{'date':<12}{'published':>21}{'mean (90% interval)':>36}"
    print(f"{'':8}{header}{'error':>8}")
    misses = []
    for k, row in enumerate(per_seed[0]):
        values = np.array([rows[k].national for rows in per_seed])
        mean = float(values.mean())
        half = t90 * values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else 0.0
        error = relative_error(mean, row.low, row.high)
        published = f"{row.low:,.0f}" if row.low == row.high else f"{row.low:,.0f}-{row.high:,.0f}"
        miss = abs(error) > GOAL
        if miss and not row.holdout:
            misses.append(f"{row.metric} {row.name} {row.date}: {error:+.0%}")
        label = "holdout" if row.holdout else ""
        interval = f"{mean:,.0f} ({mean - half:,.0f}-{mean + half:,.0f})"
        print(
            f"{label:<8}{(row.metric + ' ' + row.name)[:33]:<34}{row.date.isoformat():<12}"
            f"{published:>21}{interval:>36}{error:>+8.0%}{'  missed' if miss else ''}"
        )
    fitted = sum(not r.holdout for r in per_seed[0])
    print(f"\nfit goal (within {GOAL:.0%}): {fitted - len(misses)} of {fitted} fitted targets hold")
    for m in misses:
        print(f"  missed: {m}")
    print(f"wall time {wall:.0f} s, {person_days / wall / 1e6:.1f} M person-days/s")


if __name__ == "__main__":
    main()
