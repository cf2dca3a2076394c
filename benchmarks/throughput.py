"""The default preset at 10,000,000 people x 30 days, against the machine's memory bandwidth.

    .venv/bin/python benchmarks/throughput.py [--people 1e7] [--days 30]

A per-day sweep reads and writes each person's state once a day, so memory bandwidth divided by
the bytes of state touched per person-day bounds it. Both figures are measured in this run: the
bandwidth as an in-place read-write pass over a 2 GiB array (both cores), the engine's speed
with its first day (kernel loading) excluded.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from numba import njit, prange

from socialcredit.engine.fast import FastEngine
from socialcredit.population.synthesis import synthesize
from socialcredit.resources import state_bytes_per_person
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario


@njit(parallel=True)
def _scale_in_place(a: np.ndarray, factor: float) -> None:
    for i in prange(a.shape[0]):
        a[i] *= factor


def in_place_bandwidth(gib: float = 2.0, repeats: int = 5) -> float:
    """Bytes per second read plus written by an in-place pass (the best of a few)."""
    a = np.ones(int(gib * 2**30) // 8)
    _scale_in_place(a, 1.0)  # compile and touch every page
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        _scale_in_place(a, 1.0)
        best = min(best, time.perf_counter() - start)
    return 2 * a.nbytes / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=float, default=1e7)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()

    scenario, _ = load_scenario("china-national-score-2018")
    plan = compile_plan(scenario, people=int(args.people), days=args.days)
    engine = FastEngine(plan, synthesize(plan))
    engine.step(0)
    start = time.perf_counter()
    for t in range(1, plan.days):
        engine.step(t)
    rate = plan.people * (plan.days - 1) / (time.perf_counter() - start)

    bandwidth = in_place_bandwidth()
    touched = 2 * state_bytes_per_person(plan)  # each byte read and written back once a day
    limit = bandwidth / touched
    print(f"{plan.name}: {plan.people:,} people x {plan.days} days (fast engine)")
    print(f"speed                     {rate / 1e6:10.1f} M person-days/s")
    print(f"goal                      {500:10.1f} M person-days/s  ({rate / 500e6:.2f} of it)")
    print(f"memory bandwidth          {bandwidth / 1e9:10.1f} GB/s (in-place read + write)")
    print(f"state touched             {touched:10d} bytes per person-day")
    print(f"bandwidth limit           {limit / 1e6:10.1f} M person-days/s")
    print(f"share of the limit        {rate / limit:10.1%}")


if __name__ == "__main__":
    main()
