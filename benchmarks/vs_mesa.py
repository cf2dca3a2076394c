"""The simple model (benchmarks/simple_model.yaml) in socialcredit and in Mesa, one run each.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/vs_mesa.py [--days 30]

Prints person-days per second of each at sizes each can handle, the ratio, and the mean score on
the last day (both implement the same rules, so it must agree within sampling error).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))


def ours(people: int, days: int) -> tuple[float, float]:
    from socialcredit.engine.fast import FastEngine
    from socialcredit.population.synthesis import synthesize
    from socialcredit.scenario.compile import compile_plan
    from socialcredit.scenario.loading import load_scenario

    scenario, _ = load_scenario(HERE / "simple_model.yaml")
    plan = compile_plan(scenario, people=people, days=days)
    engine = FastEngine(plan, synthesize(plan))
    engine.step(0)  # kernels load (or compile) on the first day: not timed
    start = time.perf_counter()
    for t in range(1, days):
        engine.step(t)
    rate = people * (days - 1) / (time.perf_counter() - start)
    return rate, float((engine.stats[-1, :, 0] * plan.cell_people).sum() / people)


def mesa(people: int, days: int) -> tuple[float, float]:
    from mesa_simple import SimpleModel

    model = SimpleModel(people)
    model.step()  # same treatment as ours: first day not timed
    start = time.perf_counter()
    for _ in range(1, days):
        model.step()
    return people * (days - 1) / (time.perf_counter() - start), model.mean_score()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    rows = [
        ("mesa", 10_000, *mesa(10_000, args.days)),
        ("mesa", 100_000, *mesa(100_000, args.days)),
        ("socialcredit fast", 100_000, *ours(100_000, args.days)),
        ("socialcredit fast", 10_000_000, *ours(10_000_000, args.days)),
    ]
    print(f"{'implementation':20s} {'people':>12s} {'person-days/s':>15s} {'mean score':>11s}")
    for name, n, rate, score in rows:
        print(f"{name:20s} {n:12,d} {rate:15,.0f} {score:11.2f}")
    mesa_rate = rows[1][2]
    print(f"ratio at the same size (1e5):           {rows[2][2] / mesa_rate:10,.0f}x")
    print(f"ratio, each at its size (1e7 vs 1e5):    {rows[3][2] / mesa_rate:10,.0f}x")


if __name__ == "__main__":
    main()
