"""Reference engine speed: person-days per second, per stage of the daily loop.

    .venv/bin/python benchmarks/reference_speed.py [--people 1e6] [--days 30] [--preset NAME]

Prints the figures measured in this one run; nothing here is asserted in the test suite.
"""

from __future__ import annotations

import argparse
import resource
import time

from socialcredit.engine.reference import ReferenceEngine
from socialcredit.population.synthesis import synthesize
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario


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
    synth = time.perf_counter() - start
    engine = ReferenceEngine(plan, population)
    start = time.perf_counter()
    engine.run()
    wall = time.perf_counter() - start
    person_days = plan.people * plan.days
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.preset}: {plan.people:,} people x {plan.days} days")
    print(f"population synthesis  {synth:8.2f} s")
    print(f"simulation            {wall:8.2f} s  = {person_days / wall / 1e6:.2f} M person-days/s")
    print(f"state                 {engine.state.nbytes() / plan.people:8.1f} bytes per person")
    print(f"peak RSS              {peak:8.0f} MiB")
    for stage, seconds in engine.timings.items():
        print(f"  {stage:14s} {seconds:8.2f} s  {100 * seconds / wall:5.1f}%")


if __name__ == "__main__":
    main()
