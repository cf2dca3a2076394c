"""Both engines on the same plan: person-days per second, their ratio, time per stage.

    .venv/bin/python benchmarks/engine_speed.py [--people 1e6] [--days 30] [--preset NAME]

The fast engine's first day (loading or compiling its kernels) is timed separately. Figures are
measured in this one run; nothing here is asserted in the test suite.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from socialcredit.engine.fast import FastEngine
from socialcredit.engine.reference import ReferenceEngine
from socialcredit.population.synthesis import synthesize
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario


def timed(engine, days: int) -> tuple[float, float]:
    start = time.perf_counter()
    engine.step(0)
    first = time.perf_counter() - start
    start = time.perf_counter()
    for t in range(1, days):
        engine.step(t)
    return first, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=float, default=1e6)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--preset", default="china-national-score-2018")
    args = parser.parse_args()

    scenario, _ = load_scenario(args.preset)
    plan = compile_plan(scenario, people=int(args.people), days=args.days)
    start = time.perf_counter()
    population = synthesize(plan)
    print(f"{args.preset}: {plan.people:,} people x {plan.days} days")
    print(f"population synthesis  {time.perf_counter() - start:8.2f} s")

    rates = {}
    engines = {}
    for name, cls in (("reference", ReferenceEngine), ("fast", FastEngine)):
        engine = cls(plan, population)
        first, rest = timed(engine, plan.days)
        rates[name] = plan.people * (plan.days - 1) / rest
        engines[name] = engine
        print(f"{name:10s} first day {first:6.2f} s, then {rates[name] / 1e6:8.2f} M person-days/s")
        for stage, seconds in engine.timings.items():
            print(f"    {stage:14s} {seconds:8.2f} s")
    same = np.array_equal(engines["reference"].counts, engines["fast"].counts)
    ratio = rates["fast"] / rates["reference"]
    state = engines["fast"].state.nbytes() / plan.people
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"fast / reference      {ratio:8.1f}x  (identical metrics: {same})")
    print(f"state                 {state:8.1f} bytes per person")
    print(f"peak RSS              {peak:8.0f} MiB")


if __name__ == "__main__":
    main()
