"""Shards and threads on this machine, in one process and on Ray: per-day time, coordination
overhead, scaling.

    .venv/bin/python benchmarks/shards.py [--people 1e7] [--days 20] [--ray]
    # Ray listens on every interface: on a shared machine, confine it to loopback
    unshare -n sh -c 'ip link set lo up && .venv/bin/python benchmarks/shards.py --ray'

In one process, for 1 and 2 threads and 1, 2 and 3 shards (default preset, 3 regions):
person-days per second, the driver's per-day coordination cost (the global appeal queue and
merging the shards' tallies) and its share of the day. With --ray, the same on a private local
Ray cluster with 1 and 2 workers (one shard each): there coordination also counts the calls and
transfers, i.e. a day's wall time less its slowest shard's kernel. Figures are from this one run;
the first day (kernel loading) is not timed.
"""

from __future__ import annotations

import argparse
import time

import numba

from socialcredit.engine.fast import FastEngine
from socialcredit.engine.shards import ShardedEngine
from socialcredit.population.synthesis import synthesize
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=float, default=1e7)
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--ray", action="store_true", help="also on a private local Ray cluster")
    args = parser.parse_args()
    plan = compile_plan(load_scenario("china-national-score-2018")[0],
                        people=int(args.people), days=args.days)  # fmt: skip
    population = synthesize(plan)
    print(f"{plan.name}: {plan.people:,} people x {plan.days} days")
    print(f"{'threads':>7} {'shards':>6} {'M pd/s':>8} {'coordination ms/day':>20} {'share':>6}")
    base = None
    for threads in (1, 2):
        numba.set_num_threads(threads)
        for shards in (1, 2, 3):
            engine = (FastEngine(plan, population) if shards == 1
                      else ShardedEngine(plan, population, shards))  # fmt: skip
            rate, per_day, share = measure(engine)
            base = base or rate
            row = f"{threads:7d} {shards:6d} {rate / 1e6:8.1f} {per_day:20.2f} {share:6.1%}"
            print(f"{row}   x{rate / base:.2f} vs 1 thread, 1 shard")
    if not args.ray:
        return
    del population
    from socialcredit.engine.cluster import ClusterEngine
    from socialcredit.engine.ray_backend import RayBackend, connect

    connect("local")
    print("\nRay, private local cluster (one shard per worker)")
    print(f"{'workers':>7} {'threads':>7} {'M pd/s':>8} {'coordination ms/day':>20} {'share':>6}")
    for workers, threads in ((1, 1), (2, 1), (1, 2)):
        engine = ClusterEngine(plan, workers, RayBackend("local", threads=threads))
        rate, per_day, share = measure(engine)
        engine.close()
        row = f"{workers:7d} {threads:7d} {rate / 1e6:8.1f} {per_day:20.2f} {share:6.1%}"
        print(f"{row}   x{rate / base:.2f} vs 1 thread, 1 shard in one process")


def measure(engine) -> tuple[float, float, float]:
    """Person-days per second, coordination ms per day and its share of the wall time."""
    plan = engine.plan
    engine.step(0)
    for key in engine.timings:
        engine.timings[key] = 0.0
    start = time.perf_counter()
    for t in range(1, plan.days):
        engine.step(t)
    wall = time.perf_counter() - start
    rate = plan.people * (plan.days - 1) / wall
    timings = engine.timings
    coordination = timings["appeals"] + timings["measurement"] + timings.get("coordination", 0)
    return rate, 1000 * coordination / (plan.days - 1), coordination / wall


if __name__ == "__main__":
    main()
