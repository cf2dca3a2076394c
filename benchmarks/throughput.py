"""The default preset at 10,000,000 people x 30 days, against the machine's memory bandwidth.

    .venv/bin/python benchmarks/throughput.py [--people 1e7] [--days 30]

A per-day sweep reads and writes each person's state once a day, so memory bandwidth divided by
the bytes of state touched per person-day bounds it. Both figures are measured in this run: the
bandwidth as an in-place read-write pass over a 2 GiB array (both cores), the engine's speed
with its first day (kernel loading) excluded.

It then splits the time: the same run with every act and error rate set to 0 costs the sweep
alone (everybody at rest); the difference, divided by the events (acts and error records), is
what one event costs, with its aftermath (the quiet days its owner then spends away from the
start score). The events' share bounds the speed of this engine at this scenario's event rate,
even were the sweep free.
"""

from __future__ import annotations

import argparse
import copy
import time

import numpy as np
from numba import get_num_threads, njit, prange

from socialcredit.engine.fast import FastEngine
from socialcredit.plan import ERROR_KINDS
from socialcredit.population.synthesis import synthesize
from socialcredit.resources import state_bytes_per_person
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario, validate


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

    scenario, raw = load_scenario("china-national-score-2018")
    plan = compile_plan(scenario, people=int(args.people), days=args.days)
    rate, engine = speed(plan)
    quiet = copy.deepcopy(raw)  # the same population and regime, with nothing happening
    for behaviour in quiet["behaviours"]:
        behaviour["rate"] = 0.0
    for source in quiet["sources"]:
        source.pop("errors", None)
    quiet_plan = compile_plan(validate(quiet, "no acts, no errors"), people=plan.people,
                              days=plan.days)  # fmt: skip
    quiet_rate, _ = speed(quiet_plan)
    L = engine.layout
    columns = [L.span("acts", plan.behaviours)] + [
        L.span(f"records_{kind}", plan.sources) for kind in ERROR_KINDS
    ]
    events = sum(int(engine.counts[1:, :, c].sum()) for c in columns)
    person_days = plan.people * (plan.days - 1)
    cores = get_num_threads()
    ns_all = 1e9 * cores / rate
    ns_quiet = 1e9 * cores / quiet_rate
    ns_event = (ns_all - ns_quiet) * person_days / max(events, 1)

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
    print(f"time per person-day       {ns_all:10.2f} ns per core ({cores} threads)")
    print(f"  sweep (no acts, errors) {ns_quiet:10.2f} ns per core")
    print(f"  events per person-day   {events / person_days:10.4f} (acts and error records)")
    print(f"  cost of one event       {ns_event:10.1f} ns per core, with its aftermath")
    bound = 1e9 * cores / (ns_event * events / person_days)
    print(f"events alone allow        {bound / 1e6:10.1f} M person-days/s (at a free sweep)")


def speed(plan) -> tuple[float, FastEngine]:
    """Person-days per second of the fast engine, the first day (kernel loading) excluded."""
    engine = FastEngine(plan, synthesize(plan))
    engine.step(0)
    start = time.perf_counter()
    for t in range(1, plan.days):
        engine.step(t)
    return plan.people * (plan.days - 1) / (time.perf_counter() - start), engine


if __name__ == "__main__":
    main()
